//! Online payment of fees: the provider interface and the payment state machine
//! (DESIGN.md section 4). Providers (Stripe, XBezahldienste, the demo simulator) come with
//! the payments issue; this crate fixes the shape they plug into.

mod state;

pub use state::{PaymentEvent, PaymentState, Transition};

use serde::{Deserialize, Serialize};

/// An amount in euro cents. Fees are never fractions of a cent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cents(pub i64);

/// What the portal asks a provider to collect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Stored before the provider is called, so a retry after a crash cannot charge twice.
    pub idempotency_key: String,
    pub amount: Cents,
    /// ISO 4217, `EUR` for every German municipality.
    pub currency: String,
    /// The case's reference number, shown on the citizen's bank statement where possible.
    pub reference: String,
    pub description: String,
    /// Where the provider sends the citizen back; the portal then asks the provider, it never
    /// trusts the redirect alone.
    pub return_url: String,
}

/// The provider's answer to a new payment: its own id and where to send the citizen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedPayment {
    pub provider_reference: String,
    pub redirect_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The provider could not be reached or answered 5xx: try again later.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the request (4xx): a configuration or data problem.
    #[error("payment provider refused the request: {0}")]
    Refused(String),
}

/// A payment provider as the portal sees it, held as `Arc<dyn PaymentProvider>` per
/// municipality. Implementations speak one provider's wire format.
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// A short stable name for logs and the database, e.g. `stripe`, `epaybl`, `simulated`.
    fn name(&self) -> &'static str;

    /// Starts a payment. Must be idempotent for the same `idempotency_key`.
    async fn create(&self, request: &PaymentRequest) -> Result<CreatedPayment, PaymentError>;

    /// Asks the provider what became of a payment.
    async fn status(&self, provider_reference: &str) -> Result<PaymentEvent, PaymentError>;
}
