//! Stripe: Checkout Sessions through `async-stripe`, webhooks verified over the raw body.
//!
//! - `create` makes a Checkout Session in `payment` mode with one line item per fee item
//!   (`price_data` with the amount in cents, so no Stripe product or price has to exist) and
//!   sends the portal's idempotency key as `Idempotency-Key`. The provider reference is the
//!   session id (`cs_...`). No Kassenzeichen exists at that point.
//! - `status` retrieves the session with `payment_intent.latest_charge` expanded (one call)
//!   and maps it; once a PaymentIntent exists its id (`pi_...`) is reported as the
//!   transaction reference, the id the municipality finds in Stripe's dashboard and payouts.
//! - `refund` refunds through the session's PaymentIntent, with the portal's idempotency key.
//! - `verify_notification` checks `Stripe-Signature` before anything reads the body (see
//!   [`signature`]) and then reads only the event id and which object it is about.
//!
//! The pinned `async-stripe` speaks API version 2026-09-30.endive, which no longer has
//! `payment_method_types` on Checkout Sessions: a configured list of payment methods is sent
//! as `allowed_payment_method_types` (a filter on the methods enabled in the account).
//!
//! `expires_at` is sent only as the request gives it (`PaymentRequest::expires_at`, fixed when
//! the attempt is written): Stripe compares the parameters of a request repeated with the same
//! idempotency key, so an expiry computed from the clock would turn every retry into an
//! idempotency error. Without it, Stripe's default of 24 hours applies.

mod signature;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;
use stripe::{IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionAllowedPaymentMethodTypes,
    CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionPaymentIntentData, ProductData, RetrieveCheckoutSession,
};
use stripe_checkout::{
    CheckoutSession, CheckoutSessionMode, CheckoutSessionPaymentStatus, CheckoutSessionStatus,
};
use stripe_core::refund::CreateRefund;
use stripe_core::{Charge, PaymentIntent, PaymentIntentStatus};
use stripe_types::Currency;

pub use signature::TOLERANCE_SECONDS;

use crate::{
    Cents, CreatedPayment, Notification, NotificationError, PaymentError, PaymentEvent,
    PaymentProvider, PaymentRequest, PaymentStatus, RefundDone, RefundRequest,
};

/// How one municipality's Stripe account is reached.
#[derive(Clone)]
pub struct StripeConfig {
    /// The secret API key (`sk_live_...`, `sk_test_...`) or a restricted key (`rk_...`) that
    /// may write Checkout Sessions and Refunds.
    pub secret_key: String,
    /// The webhook endpoint's signing secrets (`whsec_...`). Several are accepted so a secret
    /// can be rotated: add the new one, switch Stripe over, then remove the old one. Empty:
    /// the portal takes no Stripe notifications (it asks `status` on return and when polling).
    pub webhook_secrets: Vec<String>,
    /// Only for tests: another API base (e.g. `http://127.0.0.1:PORT`). `None`: Stripe's.
    pub api_base: Option<String>,
    /// Payment methods offered, as Stripe names them (`card`, `sepa_debit`, ...). `None`: as
    /// enabled in the account's dashboard (dynamic payment methods).
    pub payment_method_types: Option<Vec<String>>,
    /// For each call to Stripe, connection and answer included.
    pub timeout: Duration,
}

impl StripeConfig {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

    /// A configuration with Stripe's API base, the account's payment methods and the default
    /// timeout.
    pub fn new(secret_key: impl Into<String>, webhook_secrets: Vec<String>) -> Self {
        Self {
            secret_key: secret_key.into(),
            webhook_secrets,
            api_base: None,
            payment_method_types: None,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &"[redacted]")
            .field(
                "webhook_secrets",
                &format_args!("[{} redacted]", self.webhook_secrets.len()),
            )
            .field("api_base", &self.api_base)
            .field("payment_method_types", &self.payment_method_types)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A configuration the adapter cannot work with. The message never holds a secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid Stripe configuration: {0}")]
pub struct StripeConfigError(String);

/// The Stripe provider of one municipality.
pub struct Stripe {
    client: stripe::Client,
    /// Kept to scrub it from any message that leaves the adapter.
    secret_key: String,
    webhook_secrets: Vec<String>,
    api_base: Option<String>,
    allowed_payment_method_types: Option<Vec<CreateCheckoutSessionAllowedPaymentMethodTypes>>,
    timeout: Duration,
}

impl fmt::Debug for Stripe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stripe")
            .field("api_base", &self.api_base)
            .field(
                "webhook_secrets",
                &format_args!("[{} redacted]", self.webhook_secrets.len()),
            )
            .field(
                "payment_method_types",
                &self
                    .allowed_payment_method_types
                    .as_ref()
                    .map(|t| t.iter().map(|t| t.as_str().to_owned()).collect::<Vec<_>>()),
            )
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Stripe ids are ASCII letters, digits and underscores; anything else is not one of ours and
/// must not reach a URL path.
fn is_stripe_id(id: &str, prefix: &str) -> bool {
    id.len() > prefix.len()
        && id.len() <= 255
        && id.starts_with(prefix)
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Stripe {
    /// Checks the configuration and builds the HTTP client (rustls with Mozilla's roots).
    /// Nothing is sent to Stripe yet.
    pub fn new(config: StripeConfig) -> Result<Self, StripeConfigError> {
        let StripeConfig {
            secret_key,
            webhook_secrets,
            api_base,
            payment_method_types,
            timeout,
        } = config;
        if secret_key.is_empty() || !secret_key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(StripeConfigError(
                "the secret key is empty or has characters other than visible ASCII".into(),
            ));
        }
        if webhook_secrets.iter().any(|s| s.trim().is_empty()) {
            return Err(StripeConfigError("a webhook secret is empty".into()));
        }
        if timeout.is_zero() {
            return Err(StripeConfigError("the timeout is zero".into()));
        }
        let api_base = match api_base {
            None => None,
            Some(base) => {
                if !(base.starts_with("https://") || base.starts_with("http://")) {
                    return Err(StripeConfigError(format!(
                        "the API base {base:?} is not an http(s) URL"
                    )));
                }
                // The client appends `v1/...` to the base as it is.
                Some(if base.ends_with('/') {
                    base
                } else {
                    format!("{base}/")
                })
            }
        };
        let allowed_payment_method_types = match payment_method_types {
            None => None,
            Some(types) => {
                if types.is_empty() {
                    return Err(StripeConfigError(
                        "the list of payment methods is empty (leave it out to use the account's)"
                            .into(),
                    ));
                }
                let mut parsed = Vec::with_capacity(types.len());
                for name in types {
                    let t = match CreateCheckoutSessionAllowedPaymentMethodTypes::from_str(&name) {
                        Ok(t) => t,
                        Err(never) => match never {},
                    };
                    if matches!(
                        t,
                        CreateCheckoutSessionAllowedPaymentMethodTypes::Unknown(_)
                    ) {
                        return Err(StripeConfigError(format!(
                            "unknown payment method type {name:?}"
                        )));
                    }
                    parsed.push(t);
                }
                Some(parsed)
            }
        };

        let mut builder = stripe::ClientBuilder::new(secret_key.clone())
            .timeout(timeout)
            .request_strategy(RequestStrategy::Once)
            .app_info(
                "ozg-portal",
                Some(env!("CARGO_PKG_VERSION").to_owned()),
                None,
            );
        if let Some(base) = &api_base {
            builder = builder.url(base.clone());
        }
        let client = builder
            .build()
            .map_err(|e| StripeConfigError(scrub(&e.to_string(), &secret_key)))?;
        Ok(Self {
            client,
            secret_key,
            webhook_secrets,
            api_base,
            allowed_payment_method_types,
            timeout,
        })
    }

    fn error(&self, err: StripeError, not_found: NotFoundMeans) -> PaymentError {
        match err {
            StripeError::Stripe(api, status) => {
                let message = api
                    .message
                    .clone()
                    .or_else(|| api.code.as_ref().map(|c| c.as_str().to_owned()))
                    .unwrap_or_else(|| api.type_.as_str().to_owned());
                let message = scrub(&message, &self.secret_key);
                match status {
                    404 => match not_found {
                        NotFoundMeans::NotFound => PaymentError::NotFound,
                        NotFoundMeans::Refused => PaymentError::Refused(message),
                    },
                    // A different request under a used key is our mistake; a concurrent one
                    // with the same key (`lock_timeout`) goes through when tried again.
                    409 if api.type_.as_str() == "idempotency_error" => {
                        PaymentError::Refused(message)
                    }
                    409 | 429 => PaymentError::Unavailable(message),
                    400..=499 => PaymentError::Refused(message),
                    _ => PaymentError::Unavailable(message),
                }
            }
            StripeError::Timeout => PaymentError::Unavailable(format!(
                "no answer from Stripe within {} s",
                self.timeout.as_secs_f32()
            )),
            StripeError::ClientError(m) => PaymentError::Unavailable(scrub(&m, &self.secret_key)),
            // An answer the client cannot read: an error page of a proxy in between (the
            // client then loses the status), or an object it does not understand. Either way
            // asking again later is all the portal can do.
            StripeError::JSONDeserialize(m) => PaymentError::Unavailable(format!(
                "unreadable answer from Stripe: {}",
                scrub(&m, &self.secret_key)
            )),
            StripeError::ConfigError(m) => PaymentError::Refused(scrub(&m, &self.secret_key)),
        }
    }

    fn idempotency_key(key: &str) -> Result<IdempotencyKey, PaymentError> {
        IdempotencyKey::new(key).map_err(|e| PaymentError::Refused(e.to_string()))
    }

    fn checkout_session(
        &self,
        request: &PaymentRequest,
    ) -> Result<CreateCheckoutSession, PaymentError> {
        let currency = match Currency::from_str(&request.currency.to_ascii_lowercase()) {
            Ok(c) => c,
            Err(never) => match never {},
        };
        let mut line_items = Vec::with_capacity(request.items.len().max(1));
        let mut sum = Cents(0);
        for item in &request.items {
            sum = Cents(sum.0.saturating_add(item.total().0));
            line_items.push(line_item(
                &currency,
                &item.description,
                item.unit_amount,
                item.quantity,
            ));
        }
        if request.items.is_empty() {
            sum = request.amount;
            line_items.push(line_item(
                &currency,
                &request.description,
                request.amount,
                1,
            ));
        }
        if sum != request.amount {
            return Err(PaymentError::Refused(format!(
                "the fee items add up to {} cents, not the {} cents asked for",
                sum.0, request.amount.0
            )));
        }

        let mut metadata: HashMap<String, String> = request
            .booking_data
            .iter()
            .map(|(k, v)| (format!("booking_{k}"), v.clone()))
            .collect();
        metadata.insert("reference".into(), request.reference.clone());
        metadata.insert("idempotency_key".into(), request.idempotency_key.clone());

        let mut payment_intent_data = CreateCheckoutSessionPaymentIntentData::new();
        payment_intent_data.description =
            Some(format!("{} ({})", request.description, request.reference));
        payment_intent_data.metadata = Some(HashMap::from([(
            "reference".to_owned(),
            request.reference.clone(),
        )]));

        let mut session = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Payment)
            .line_items(line_items)
            .success_url(request.return_url.clone())
            .cancel_url(request.cancel_url.clone())
            .client_reference_id(request.reference.clone())
            .metadata(metadata)
            .payment_intent_data(payment_intent_data);
        if let Some(types) = &self.allowed_payment_method_types {
            session = session.allowed_payment_method_types(types.clone());
        }
        // The session closes with the attempt (Stripe takes 30 minutes to 24 hours; the
        // portal sends at least 31 minutes after the attempt began). Stored with the attempt,
        // so a retry with the same idempotency key sends the same value.
        if let Some(at) = request.expires_at {
            session = session.expires_at(at);
        }
        Ok(session)
    }

    async fn retrieve(
        &self,
        session_id: &str,
        expand: bool,
    ) -> Result<CheckoutSession, PaymentError> {
        if !is_stripe_id(session_id, "cs_") {
            return Err(PaymentError::NotFound);
        }
        let mut retrieve = RetrieveCheckoutSession::new(session_id);
        if expand {
            // Expanding the charge expands the PaymentIntent on the way.
            retrieve = retrieve.expand(vec!["payment_intent.latest_charge".to_owned()]);
        }
        retrieve
            .send(&self.client)
            .await
            .map_err(|e| self.error(e, NotFoundMeans::NotFound))
    }
}

#[derive(Clone, Copy)]
enum NotFoundMeans {
    /// Asking about a payment: Stripe does not know it.
    NotFound,
    /// Creating: a 404 means a wrong API base, not an unknown payment.
    Refused,
}

fn line_item(
    currency: &Currency,
    name: &str,
    unit_amount: Cents,
    quantity: u32,
) -> CreateCheckoutSessionLineItems {
    let mut price = CreateCheckoutSessionLineItemsPriceData::new(currency.clone());
    price.unit_amount = Some(unit_amount.0);
    price.product_data = Some(ProductData::new(name));
    let mut item = CreateCheckoutSessionLineItems::new();
    item.price_data = Some(price);
    item.quantity = Some(u64::from(quantity));
    item
}

/// Removes the configured key and anything shaped like a Stripe secret or restricted key
/// from a message before it is returned (and so logged).
fn scrub(message: &str, secret_key: &str) -> String {
    let mut out = if secret_key.is_empty() {
        message.to_owned()
    } else {
        message.replace(secret_key, "[redacted]")
    };
    for prefix in ["sk_live_", "sk_test_", "rk_live_", "rk_test_"] {
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(pos) = rest.find(prefix) {
            let (before, from) = rest.split_at(pos);
            result.push_str(before);
            result.push_str("[redacted]");
            let end = from
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '*'))
                .map_or(from.len(), |(i, _)| i);
            rest = from.get(end..).unwrap_or("");
        }
        result.push_str(rest);
        out = result;
    }
    out
}

fn payment_intent(session: &CheckoutSession) -> Option<&PaymentIntent> {
    session
        .payment_intent
        .as_ref()
        .and_then(|pi| pi.as_object())
}

fn latest_charge(intent: Option<&PaymentIntent>) -> Option<&Charge> {
    intent
        .and_then(|pi| pi.latest_charge.as_ref())
        .and_then(|c| c.as_object())
}

/// What a retrieved session (with its PaymentIntent and latest charge expanded) says.
fn status_of(session: &CheckoutSession) -> PaymentStatus {
    let intent = payment_intent(session);
    let charge = latest_charge(intent);
    let method = charge
        .and_then(|c| c.payment_method_details.as_ref())
        .map(|d| d.type_.clone())
        .or_else(|| match intent {
            Some(pi) if pi.payment_method_types.len() == 1 => {
                pi.payment_method_types.first().cloned()
            }
            _ => None,
        });
    let transaction_reference = session
        .payment_intent
        .as_ref()
        .map(|pi| pi.id().as_str().to_owned());

    let event = match (&session.status, &session.payment_status) {
        (Some(CheckoutSessionStatus::Expired), _) => PaymentEvent::Expired,
        (Some(CheckoutSessionStatus::Complete), CheckoutSessionPaymentStatus::Paid) => match charge
        {
            Some(c) if c.amount_refunded > 0 => PaymentEvent::Refunded {
                total: Cents(c.amount_refunded),
                amount: Cents(c.amount),
            },
            _ => PaymentEvent::Paid,
        },
        // Complete but unpaid: a delayed method (SEPA Direct Debit) is still processing, or
        // it failed, which leaves the PaymentIntent wanting a new payment method.
        (Some(CheckoutSessionStatus::Complete), CheckoutSessionPaymentStatus::Unpaid) => {
            match intent.map(|pi| &pi.status) {
                Some(
                    PaymentIntentStatus::RequiresPaymentMethod | PaymentIntentStatus::Canceled,
                ) => PaymentEvent::Failed,
                _ => PaymentEvent::Pending,
            }
        }
        // `no_payment_required` cannot happen for our sessions (an amount, no discounts);
        // should it, nothing is released without money: it stays pending for a clerk.
        // `open` (the citizen is on Stripe's page or left it) and anything new: pending.
        _ => PaymentEvent::Pending,
    };
    PaymentStatus {
        event,
        transaction_reference,
        method,
    }
}

/// The only parts of an event the portal reads, after the signature checked out.
#[derive(Deserialize)]
struct EventEnvelope {
    id: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: EventObject,
}

#[derive(Deserialize)]
struct EventObject {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    object: Option<String>,
}

#[async_trait::async_trait]
impl PaymentProvider for Stripe {
    fn name(&self) -> &'static str {
        "stripe"
    }

    async fn create(&self, request: &PaymentRequest) -> Result<CreatedPayment, PaymentError> {
        let key = Self::idempotency_key(&request.idempotency_key)?;
        let session = self
            .checkout_session(request)?
            .customize()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&self.client)
            .await
            .map_err(|e| self.error(e, NotFoundMeans::Refused))?;
        let Some(url) = session.url else {
            return Err(PaymentError::Refused(format!(
                "Stripe returned checkout session {} without a URL",
                session.id.as_str()
            )));
        };
        Ok(CreatedPayment {
            provider_reference: session.id.as_str().to_owned(),
            redirect_url: url,
            transaction_reference: None,
        })
    }

    async fn status(&self, provider_reference: &str) -> Result<PaymentStatus, PaymentError> {
        let session = self.retrieve(provider_reference, true).await?;
        Ok(status_of(&session))
    }

    fn refunds(&self) -> bool {
        true
    }

    async fn refund(&self, request: &RefundRequest) -> Result<RefundDone, PaymentError> {
        let key = Self::idempotency_key(&request.idempotency_key)?;
        let session = self.retrieve(&request.provider_reference, false).await?;
        let Some(intent) = session.payment_intent.as_ref() else {
            return Err(PaymentError::Refused(
                "the checkout session has no payment to refund".into(),
            ));
        };
        let refund = CreateRefund::new()
            .payment_intent(intent.id().as_str())
            .amount(request.amount.0)
            .customize()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&self.client)
            .await
            .map_err(|e| self.error(e, NotFoundMeans::NotFound))?;
        Ok(RefundDone {
            provider_refund_id: refund.id.as_str().to_owned(),
        })
    }

    /// Checks the signature, then reads the event id and, for Checkout Session events, the
    /// session id. Events about PaymentIntents, charges or refunds name no session: they
    /// come back with `provider_reference: None` (the session events cover every payment
    /// outcome; refunds are started by the portal itself).
    fn verify_notification(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<Notification, NotificationError> {
        if self.webhook_secrets.is_empty() {
            return Err(NotificationError::Unsupported);
        }
        let mut values = headers.get_all("stripe-signature").iter();
        let header = values.next().map(http::HeaderValue::as_bytes);
        if values.next().is_some() {
            return Err(NotificationError::Malformed);
        }
        signature::verify(header, body, &self.webhook_secrets, now)?;

        let event: EventEnvelope = serde_json::from_slice(body)
            .map_err(|e| NotificationError::Unreadable(e.to_string()))?;
        if event.id.is_empty() {
            return Err(NotificationError::Unreadable("the event has no id".into()));
        }
        let provider_reference = match (event.data.object.object.as_deref(), event.data.object.id) {
            (Some("checkout.session"), Some(id)) if is_stripe_id(&id, "cs_") => Some(id),
            _ => None,
        };
        Ok(Notification {
            event_id: event.id,
            provider_reference,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> StripeConfig {
        StripeConfig::new("sk_test_abc123", vec!["whsec_xyz".into()])
    }

    #[test]
    fn debug_shows_no_secret() {
        let c = config();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("sk_test_abc123") && !shown.contains("whsec_xyz"),
            "{shown}"
        );
        let stripe = Stripe::new(c).unwrap();
        let shown = format!("{stripe:?}");
        assert!(
            !shown.contains("sk_test_abc123") && !shown.contains("whsec_xyz"),
            "{shown}"
        );
    }

    #[test]
    fn bad_configurations_are_refused() {
        let mut c = config();
        c.secret_key = String::new();
        assert!(Stripe::new(c).is_err());
        let mut c = config();
        c.webhook_secrets = vec![" ".into()];
        assert!(Stripe::new(c).is_err());
        let mut c = config();
        c.payment_method_types = Some(vec!["card".into(), "bitcoin_by_post".into()]);
        assert!(Stripe::new(c).is_err());
        let mut c = config();
        c.payment_method_types = Some(vec![]);
        assert!(Stripe::new(c).is_err());
        let mut c = config();
        c.api_base = Some("ftp://example.org".into());
        assert!(Stripe::new(c).is_err());
        let mut c = config();
        c.timeout = Duration::ZERO;
        assert!(Stripe::new(c).is_err());
        let mut c = config();
        c.payment_method_types = Some(vec!["card".into(), "sepa_debit".into()]);
        c.api_base = Some("http://127.0.0.1:9".into());
        assert!(Stripe::new(c).is_ok());
    }

    #[test]
    fn keys_are_scrubbed_from_messages() {
        let m = scrub(
            "Invalid API Key provided: sk_test_abc123; also sk_live_****wxyz, rk_test_Q9.",
            "sk_test_abc123",
        );
        assert_eq!(
            m,
            "Invalid API Key provided: [redacted]; also [redacted], [redacted]."
        );
        assert_eq!(scrub("nothing here", "sk_test_abc123"), "nothing here");
    }

    #[test]
    fn only_plain_stripe_ids_reach_a_url() {
        assert!(is_stripe_id("cs_test_a1B2", "cs_"));
        assert!(!is_stripe_id("cs_", "cs_"));
        assert!(!is_stripe_id("pi_123", "cs_"));
        assert!(!is_stripe_id("cs_../../v1/refunds", "cs_"));
        assert!(!is_stripe_id("cs_a?expand[]=x", "cs_"));
    }
}
