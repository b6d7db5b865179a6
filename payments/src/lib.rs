//! Online payment of fees: the provider interface, the payment state machine (DESIGN.md
//! section 4) and the providers: Stripe, XBezahldienste (ePayBL, pmPayment) and the demo's
//! simulation (which lives in the portal, since it is a page of the portal).
//!
//! The portal holds one `Arc<dyn PaymentProvider>` per municipality. It stores an attempt
//! with its idempotency key before it calls `create`, and it never trusts a redirect or a
//! notification alone: it asks `status` and applies the answer through [`PaymentState::apply`].

mod state;
pub mod stripe;
pub mod xbezahldienste;

pub use state::{PaymentEvent, PaymentState, Transition};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An amount in euro cents. Fees are never fractions of a cent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Cents(pub i64);

impl Cents {
    /// `12,34` style is the portal's business; providers that want decimal euros (the
    /// XBezahldienste `grosAmount`) get `"12.34"` from here.
    pub fn decimal_euros(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// One line of the fee, e.g. "Verlängerung des Nutzungsrechts, 10 × 35,00 €".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeItem {
    pub description: String,
    pub quantity: u32,
    pub unit_amount: Cents,
}

impl FeeItem {
    pub fn total(&self) -> Cents {
        Cents(self.unit_amount.0.saturating_mul(i64::from(self.quantity)))
    }
}

/// What the portal asks a provider to collect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Stored before the provider is called, so a retry after a crash cannot charge twice.
    /// At most 36 characters (XBezahldienste `requestId`); the portal uses a UUID.
    pub idempotency_key: String,
    /// The sum of `items`.
    pub amount: Cents,
    /// ISO 4217, `EUR` for every German municipality.
    pub currency: String,
    /// The case's reference number (e.g. `WER-2026-7K3QF`), the booking text where the
    /// provider has one.
    pub reference: String,
    /// The service's name, shown on the provider's page.
    pub description: String,
    pub items: Vec<FeeItem>,
    /// Where the provider sends the citizen back; the portal then asks the provider, it never
    /// trusts the redirect alone.
    pub return_url: String,
    /// Where the provider sends a citizen who cancels (Stripe has its own button for it);
    /// the portal reads the status there too.
    pub cancel_url: String,
    /// The municipality's booking data for the cash office (e.g. Haushaltsstelle,
    /// Objektnummer), passed on where the provider takes it.
    pub booking_data: BTreeMap<String, String>,
    /// When the attempt expires (Unix seconds), so the provider's page can close with it.
    /// Fixed when the attempt is written, so a retry with the same key sends the same value.
    pub expires_at: Option<i64>,
}

/// The provider's answer to a new payment: its own id and where to send the citizen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedPayment {
    /// The provider's id of the payment (Stripe Checkout Session id, XBezahldienste
    /// `transactionId`), used to ask for its status.
    pub provider_reference: String,
    pub redirect_url: String,
    /// The Kassenzeichen (XBezahldienste `transactionReference`) where the provider gives one.
    pub transaction_reference: Option<String>,
}

/// What the provider says of a payment when asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentStatus {
    pub event: PaymentEvent,
    /// The Kassenzeichen, where the provider gives one (it may come only once paid).
    pub transaction_reference: Option<String>,
    /// How the citizen paid, as the provider names it (`card`, `sepa_debit`, `GIROPAY`, ...).
    pub method: Option<String>,
}

/// A refund the portal asks a provider for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundRequest {
    /// Stored before the call, like a payment's.
    pub idempotency_key: String,
    pub provider_reference: String,
    pub amount: Cents,
}

/// The provider's id of a refund it accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundDone {
    pub provider_refund_id: String,
}

/// A notification (webhook) whose signature checked out. It only says which payment to ask
/// about: the portal reads the current state from the provider, so order and repeats do not
/// matter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The provider's event id, recorded once.
    pub event_id: String,
    /// The payment the event is about, when it is about one the portal may have created
    /// (for Stripe: the Checkout Session id).
    pub provider_reference: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The provider could not be reached, timed out or answered 5xx: try again later.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the request (4xx): a configuration or data problem.
    #[error("payment provider refused the request: {0}")]
    Refused(String),
    /// The provider does not know this payment.
    #[error("payment unknown to the provider")]
    NotFound,
    /// The provider has no refund call (XBezahldienste): refunds go through the cash office.
    #[error("the provider offers no refunds")]
    RefundUnsupported,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NotificationError {
    /// The provider sends no notifications the portal listens to.
    #[error("the provider sends no notifications")]
    Unsupported,
    /// No signature header, or it cannot be read.
    #[error("missing or malformed signature")]
    Malformed,
    /// No configured secret produced the signature.
    #[error("signature does not match")]
    BadSignature,
    /// Signed, but longer ago than the tolerance.
    #[error("signature timestamp outside the tolerance")]
    Stale,
    /// Signed correctly, but the body is not an event the portal can read.
    #[error("unreadable event: {0}")]
    Unreadable(String),
}

/// A payment provider as the portal sees it, held as `Arc<dyn PaymentProvider>` per
/// municipality. Implementations speak one provider's wire format and put a timeout on
/// every call.
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// A short stable name for logs and the database: `stripe`, `epaybl`, `pmpayment`,
    /// `simulated`.
    fn name(&self) -> &'static str;

    /// Starts a payment. Must be idempotent for the same `idempotency_key`: called again
    /// with it (after a crash or a timeout) it must not charge twice.
    async fn create(&self, request: &PaymentRequest) -> Result<CreatedPayment, PaymentError>;

    /// Asks the provider what became of a payment.
    async fn status(&self, provider_reference: &str) -> Result<PaymentStatus, PaymentError>;

    /// Whether `refund` goes through the provider; if not, refunds are recorded by the clerk
    /// as done through the cash office.
    fn refunds(&self) -> bool {
        false
    }

    /// Refunds part or all of a paid payment.
    async fn refund(&self, _request: &RefundRequest) -> Result<RefundDone, PaymentError> {
        Err(PaymentError::RefundUnsupported)
    }

    /// Checks a notification's signature over the raw body and reads which payment it is
    /// about. `now` is the current Unix time in seconds (a parameter, so tests can check the
    /// tolerance).
    fn verify_notification(
        &self,
        _headers: &http::HeaderMap,
        _body: &[u8],
        _now: i64,
    ) -> Result<Notification, NotificationError> {
        Err(NotificationError::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_become_decimal_euros_for_providers_that_want_them() {
        assert_eq!(Cents(2600).decimal_euros(), "26.00");
        assert_eq!(Cents(35_005).decimal_euros(), "350.05");
        assert_eq!(Cents(7).decimal_euros(), "0.07");
        assert_eq!(Cents(-150).decimal_euros(), "-1.50");
    }

    #[test]
    fn a_fee_item_totals_its_quantity() {
        let item = FeeItem {
            description: "Jahr".into(),
            quantity: 10,
            unit_amount: Cents(3500),
        };
        assert_eq!(item.total(), Cents(35_000));
    }
}
