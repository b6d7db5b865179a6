//! Storage of delivery targets, deliveries (outbox jobs about a case), citizen emails and the
//! statuses a backend posts.
//!
//! When a case completes (`complete_case` in each backend), the same transaction writes one
//! job per active target of the case's municipality and service, and one `mail` job for the
//! citizen's confirmation. A push target's job (`deliver`) is leased by a worker; a pull-API
//! target's job (`pull`) waits for the backend's acknowledgement. When every delivery of a case
//! is done, the case moves from `received` to `forwarded`, once.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{CaseStatus, Result, TenantId};

/// Job kinds of the outbox that concern a case.
pub const JOB_DELIVER: &str = "deliver";
pub const JOB_PULL: &str = "pull";
pub const JOB_MAIL: &str = "mail";

/// A delivery target as the configuration names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetSpec {
    /// `[a-z0-9-]`, unique per municipality.
    pub name: String,
    /// `webhook`, `email`, `fit_connect`, `file_drop` or `pull_api`.
    pub kind: String,
    /// Service slugs the target receives; `None`: every service.
    pub services: Option<Vec<String>>,
}

/// A delivery target as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub id: i64,
    pub tenant_id: TenantId,
    pub name: String,
    pub kind: String,
    pub active: bool,
}

/// Where a job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for its next try (or, for a pull target, for the backend).
    Pending,
    Done,
    /// Given up after too many tries; an admin can retry it.
    Dead,
}

/// One delivery of a case (or one citizen email), for the case page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub job_id: i64,
    /// `deliver`, `pull` or `mail`.
    pub kind: String,
    /// The target's name (`None` for a citizen email).
    pub target: Option<String>,
    pub target_kind: Option<String>,
    /// For a `mail` job: the message (`completed`, `status-<n>`).
    pub subject: String,
    pub idempotency_key: String,
    pub state: JobState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub outcome: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A job that was given up, for the admins' list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadJob {
    pub id: i64,
    pub tenant_id: TenantId,
    pub kind: String,
    pub subject: String,
    pub idempotency_key: String,
    pub case_id: Option<Uuid>,
    pub case_reference: Option<String>,
    pub target: Option<String>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a leased job is about, beyond the job itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobContext {
    pub case_id: Option<Uuid>,
    pub target: Option<Target>,
    /// What an earlier try saved with `save_progress`.
    pub progress: Option<String>,
}

/// A case waiting for a pull-API target's acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingPull {
    pub case_id: Uuid,
    pub reference: String,
    pub service_slug: String,
    pub idempotency_key: String,
    pub completed_at: Option<DateTime<Utc>>,
}

/// A status a backend (or clerk) gives a case, with an optional line for the citizen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub status: CaseStatus,
    /// Shown to the citizen with the status; plain text.
    pub note: Option<String>,
    /// Who: a pull-API target's name, or a staff member's username.
    pub actor: String,
    /// Queue an email to the citizen about it (with this key, unique per change).
    pub mail_key: Option<String>,
}

/// Why a status change was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatusRefusal {
    #[error("no such case")]
    NotFound,
    /// The case is not complete yet (awaiting payment), or already closed or withdrawn.
    #[error("the case cannot take this status now")]
    NotAllowed,
}

#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Makes the stored targets of a municipality match the configuration: new names are
    /// added, known names updated and made active, names no longer configured made inactive.
    async fn sync_targets(&self, tenant: TenantId, targets: &[TargetSpec]) -> Result<()>;

    /// The active targets of a municipality, by name.
    async fn targets(&self, tenant: TenantId) -> Result<Vec<Target>>;

    /// The case and target a job is about.
    async fn job_context(&self, job_id: i64) -> Result<Option<JobContext>>;

    /// Saves how far a delivery got, before its next call (kept until the job is done).
    async fn save_progress(&self, job_id: i64, progress: &str) -> Result<()>;

    /// Records a delivered job (or sent email) with what the target answered. When it was
    /// the case's last open delivery and the case is `received`, the case becomes `forwarded`
    /// (with a timeline event) in the same transaction; returns whether that happened.
    /// A job already done stays as it was.
    async fn delivery_done(&self, job_id: i64, outcome: Option<&str>) -> Result<bool>;

    /// Records a failed try: the next try at `next`, or given up when `dead`. The case's
    /// timeline gets a line when the job is given up. With `lease` (the `lease_until` the
    /// worker leased the job with), only while that lease holds: a worker whose lease ran out
    /// and was taken over never overwrites the new holder's try. (A success is recorded
    /// whoever reports it: the delivery happened.)
    async fn delivery_failed(
        &self,
        job_id: i64,
        lease: Option<DateTime<Utc>>,
        next: DateTime<Utc>,
        error: &str,
        dead: bool,
    ) -> Result<()>;

    /// The deliveries and citizen emails of a case, oldest first.
    async fn case_deliveries(&self, tenant: TenantId, case_id: Uuid) -> Result<Vec<Delivery>>;

    /// Jobs given up, newest first: of one municipality, or of all (`None`, federation
    /// admins).
    async fn dead_jobs(&self, tenant: Option<TenantId>) -> Result<Vec<DeadJob>>;

    /// Puts a dead job back in the queue, due now, with its tries counted from zero. `tenant`
    /// scopes it as in `dead_jobs`. Returns false when there is no such dead job in scope.
    async fn retry_dead_job(&self, tenant: Option<TenantId>, job_id: i64) -> Result<bool>;

    /// Cases a pull-API target has not acknowledged yet, oldest first.
    async fn pending_pulls(
        &self,
        tenant: TenantId,
        target: &str,
        limit: u32,
    ) -> Result<Vec<PendingPull>>;

    /// Whether a case was ever queued for a pull-API target (acknowledged or not): the
    /// cases that target may read.
    async fn pull_visible(&self, tenant: TenantId, target: &str, case_id: Uuid) -> Result<bool>;

    /// Acknowledges a case for a pull-API target (like `delivery_done`). Returns `None` when
    /// the case was never queued for it, else whether the case became `forwarded`.
    async fn acknowledge_pull(
        &self,
        tenant: TenantId,
        target: &str,
        case_id: Uuid,
    ) -> Result<Option<bool>>;

    /// Sets a complete case's status and note, adds a timeline event (`status`, with the
    /// status and note) and, with `mail_key`, queues the citizen's email, all in one
    /// transaction.
    async fn change_status(
        &self,
        tenant: TenantId,
        case_id: Uuid,
        change: &StatusChange,
    ) -> Result<std::result::Result<(), StatusRefusal>>;

    /// The backend's latest note on a case.
    async fn status_note(&self, tenant: TenantId, case_id: Uuid) -> Result<Option<String>>;
}

/// Which statuses a backend or clerk may give a case in `current`: a complete case moves
/// between `in_progress`, `needs_info`, `decided` and `closed` (the same status again carries
/// a new note); `withdrawn` only before a decision. A case awaiting payment, closed or
/// withdrawn takes none.
pub fn status_change_allowed(current: CaseStatus, to: CaseStatus) -> bool {
    use CaseStatus::*;
    match current {
        AwaitingPayment | Closed | Withdrawn => false,
        Received | Forwarded | InProgress | NeedsInfo => {
            matches!(to, InProgress | NeedsInfo | Decided | Closed | Withdrawn)
        }
        Decided => matches!(to, Decided | Closed),
    }
}
