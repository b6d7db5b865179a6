//! A fake XBezahldienste platform on loopback (mTLS and OAuth2 variants), written from PROTOCOLS.md.
