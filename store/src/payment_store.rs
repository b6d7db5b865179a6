//! Storage of fees, payment attempts, refunds, the case timeline and the outbox.
//!
//! Completion happens in one place: `complete_case` (in each backend) inside the transaction
//! that submits a free or pay-later case, or that applies the first confirmed payment. A case's
//! `completed_at` is set once; every later path finds it set and does nothing.

use ::payments::{Cents, PaymentEvent, PaymentState};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{NewCase, NewSession, Result, StaffId, TenantId};

/// The fee of a case as computed on the server at submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFee {
    pub amount: Cents,
    pub currency: String,
    pub items: Vec<::payments::FeeItem>,
    /// Submitted with the fee still open: the case is complete at submission.
    pub pay_later: bool,
}

/// What a case's fee and completion look like in storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CasePayment {
    pub fee: Option<CaseFee>,
    pub completed_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAttempt {
    /// Also the idempotency key of the provider call that creates the payment.
    pub id: Uuid,
    pub case_id: Uuid,
    pub provider: String,
    pub amount: Cents,
    pub currency: String,
    pub expires_at: DateTime<Utc>,
    /// When the reconciliation job first asks the provider.
    pub first_check_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentAttempt {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub case_id: Uuid,
    pub provider: String,
    pub provider_reference: Option<String>,
    pub redirect_url: Option<String>,
    pub transaction_reference: Option<String>,
    pub method: Option<String>,
    pub amount: Cents,
    pub currency: String,
    pub state: PaymentState,
    pub refunded: Cents,
    pub refund_due: bool,
    pub expires_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The provider's answer to "create", recorded on the attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptCreated {
    pub provider_reference: String,
    pub redirect_url: String,
    pub transaction_reference: Option<String>,
}

/// What the provider said when asked, to apply to an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusUpdate {
    pub event: PaymentEvent,
    pub transaction_reference: Option<String>,
    pub method: Option<String>,
    /// Who reported it, for the timeline: the provider's name, `reconciliation`, ...
    pub actor: String,
}

/// What applying a status did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub from: PaymentState,
    pub to: PaymentState,
    /// This update completed the case (first confirmed payment of an unpaid case).
    pub completed: bool,
    /// Paid, but the case had been paid by another attempt: flagged for refund.
    pub refund_due: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundVia {
    /// Through the provider's refund call (Stripe).
    Provider,
    /// Paid out by the cash office and recorded by a clerk (XBezahldienste, or by choice).
    CashOffice,
}

impl RefundVia {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::CashOffice => "cash_office",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "provider" => Some(Self::Provider),
            "cash_office" => Some(Self::CashOffice),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRefund {
    /// Also the idempotency key of the provider call.
    pub id: Uuid,
    pub attempt_id: Uuid,
    pub amount: Cents,
    pub reason: String,
    pub via: RefundVia,
    pub staff_id: Option<StaffId>,
    /// For the timeline.
    pub staff_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundError {
    /// More than is left to refund (paid minus refunded and requested).
    TooMuch { left: Cents },
    /// The attempt is not paid (or unknown to this tenant).
    NotPaid,
}

/// One line of the case's timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseEvent {
    pub kind: String,
    pub actor: String,
    pub detail: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// A unit of outgoing work, leased by one worker at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxJob {
    pub id: i64,
    pub tenant_id: TenantId,
    pub kind: String,
    pub subject: String,
    pub idempotency_key: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// A refund carried out (through the provider, or to be paid out by the cash office), for the
/// cash office export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookedRefund {
    pub case_reference: String,
    pub attempt_id: Uuid,
    pub provider: String,
    pub transaction_reference: Option<String>,
    pub amount: Cents,
    pub currency: String,
    pub via: RefundVia,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A booked payment for the cash office export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookedPayment {
    pub case_reference: String,
    pub service_slug: String,
    pub attempt_id: Uuid,
    pub provider: String,
    pub provider_reference: Option<String>,
    pub transaction_reference: Option<String>,
    pub method: Option<String>,
    pub amount: Cents,
    pub refunded: Cents,
    pub currency: String,
    pub paid_at: DateTime<Utc>,
    pub items: Vec<::payments::FeeItem>,
}

#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// Stores a case that costs a fee, like `submit_case`: `awaiting_payment` until paid, or
    /// complete at once when `fee.pay_later`.
    async fn submit_case_with_fee(
        &self,
        tenant: TenantId,
        case: &NewCase,
        fee: &CaseFee,
        session: Option<&NewSession>,
    ) -> Result<()>;

    async fn case_payment(&self, tenant: TenantId, case_id: Uuid) -> Result<Option<CasePayment>>;

    /// Cases still awaiting payment, newest first (the inbox's `cases` leaves them out).
    async fn awaiting_cases(
        &self,
        tenant: TenantId,
        page: crate::Page,
    ) -> Result<Vec<crate::CaseSummary>>;

    async fn count_awaiting_cases(&self, tenant: TenantId) -> Result<u64>;

    /// Writes the attempt (its id the idempotency key) and its reconciliation job, before the
    /// provider is called.
    async fn create_attempt(&self, tenant: TenantId, attempt: &NewAttempt) -> Result<()>;

    /// Records the provider's answer to "create": `created -> pending`.
    async fn attempt_created(
        &self,
        tenant: TenantId,
        id: Uuid,
        created: &AttemptCreated,
    ) -> Result<()>;

    async fn attempt(&self, tenant: TenantId, id: Uuid) -> Result<Option<PaymentAttempt>>;

    async fn attempt_by_reference(
        &self,
        tenant: TenantId,
        provider: &str,
        provider_reference: &str,
    ) -> Result<Option<PaymentAttempt>>;

    /// The case's attempts, oldest first.
    async fn case_attempts(&self, tenant: TenantId, case_id: Uuid) -> Result<Vec<PaymentAttempt>>;

    /// Applies the provider's word through the state machine, in one transaction with the
    /// case's completion. `None` when the attempt is unknown to this tenant.
    async fn apply_payment_status(
        &self,
        tenant: TenantId,
        attempt: Uuid,
        update: &StatusUpdate,
    ) -> Result<Option<Applied>>;

    /// Whether this notification was handled before.
    async fn notification_seen(
        &self,
        tenant: TenantId,
        provider: &str,
        event_id: &str,
    ) -> Result<bool>;

    /// Records a handled notification (a repeat is ignored).
    async fn record_notification(
        &self,
        tenant: TenantId,
        provider: &str,
        event_id: &str,
    ) -> Result<()>;

    /// Writes a refund as requested (or done, when through the cash office), checking that no
    /// more is refunded than was paid.
    async fn begin_refund(
        &self,
        tenant: TenantId,
        refund: &NewRefund,
    ) -> Result<std::result::Result<(), RefundError>>;

    /// Refunds through the provider still waiting for its answer (the call timed out or the
    /// portal stopped): id (the idempotency key to ask again with) and amount.
    async fn pending_refunds(&self, tenant: TenantId, attempt: Uuid) -> Result<Vec<(Uuid, Cents)>>;

    /// The provider's answer to a refund: done (with its id) or failed (with the message).
    async fn finish_refund(
        &self,
        tenant: TenantId,
        id: Uuid,
        outcome: std::result::Result<String, String>,
    ) -> Result<()>;

    async fn case_events(&self, tenant: TenantId, case_id: Uuid) -> Result<Vec<CaseEvent>>;

    /// Appends to the timeline.
    async fn add_case_event(
        &self,
        tenant: TenantId,
        case_id: Uuid,
        kind: &str,
        actor: &str,
        detail: &serde_json::Value,
    ) -> Result<()>;

    /// Refunds done in `[from, to)`, oldest first.
    async fn booked_refunds(
        &self,
        tenant: TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<BookedRefund>>;

    /// Payments booked (paid) in `[from, to)`, oldest first (the portal passes the bounds of
    /// a local day).
    async fn booked_payments(
        &self,
        tenant: TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<BookedPayment>>;

    /// Leases up to `limit` due jobs of these kinds until `lease_until`, the longest due
    /// first; a job leased by another worker whose lease has not run out is skipped.
    async fn lease_jobs(
        &self,
        kinds: &[&str],
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxJob>> {
        self.lease_jobs_skipping(kinds, &[], limit, now, lease_until)
            .await
    }

    /// [`lease_jobs`](Self::lease_jobs), leaving the jobs of the municipalities in `skip` to
    /// others: the delivery worker passes those that already hold their share of its slots,
    /// so that one municipality whose backend hangs cannot hold up the others.
    async fn lease_jobs_skipping(
        &self,
        kinds: &[&str],
        skip: &[TenantId],
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxJob>>;

    async fn job_done(&self, id: i64) -> Result<()>;

    /// Schedules the job again (or dead-letters it when `dead`), with the error.
    async fn job_retry(
        &self,
        id: i64,
        next_attempt_at: DateTime<Utc>,
        error: &str,
        dead: bool,
    ) -> Result<()>;
}
