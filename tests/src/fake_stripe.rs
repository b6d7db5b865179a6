//! A fake Stripe API on loopback that speaks Stripe's wire format, for the adapter and webhook tests.
