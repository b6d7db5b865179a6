//! Stripe: Checkout Sessions through `async-stripe`, webhooks verified over the raw body.
