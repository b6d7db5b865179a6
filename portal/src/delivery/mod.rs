//! Forwarding completed cases to the municipalities' backends, and the citizens' emails.
//!
//! The transaction that completes a case writes one outbox job per configured target and one
//! for the citizen's confirmation email (store: `queue_deliveries`). A background task in every
//! instance leases due jobs (`for update skip locked` on PostgreSQL), builds the case document
//! and the application PDF, hands them to the target's connector, and records the outcome:
//! done, or the next try with exponential backoff and jitter, or given up (dead-lettered,
//! shown to admins, who can retry it) after `delivery.max_attempts`. Every call has a timeout.
//! Each delivery carries its job's idempotency key (`<reference>.<target>`), stable across
//! retries, so that a receiver can drop a repeat that follows an unknown outcome (a timeout,
//! a crash between the call and the record).

pub mod api;
pub mod config;
pub mod document;
pub mod file_drop;
pub mod fit_connect;
pub mod mail;
pub mod views;
pub mod webhook;
pub mod xdomea;

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use store::{JOB_DELIVER, JOB_MAIL, OutboxJob, TenantId};
use uuid::Uuid;

use crate::state::AppState;
use config::{DeliverySettings, TargetConfig, TargetKind};
use document::{CaseDocument, Sources};

/// Why a delivery did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Worth another try later (network, timeout, 5xx, 429).
    #[error("{0}")]
    Retry(String),
    /// Will not get better by trying again (a 4xx refusal, a broken configuration): given
    /// up at once and shown to admins.
    #[error("{0}")]
    Permanent(String),
}

impl DeliveryError {
    pub fn retry(e: impl std::fmt::Display) -> Self {
        Self::Retry(e.to_string())
    }
    pub fn permanent(e: impl std::fmt::Display) -> Self {
        Self::Permanent(e.to_string())
    }
}

/// What a connector reports on success: a note for the case page (e.g. the receiver's id).
pub type Delivered = Result<Option<String>, DeliveryError>;

/// An attachment with its content.
#[derive(Clone, Debug)]
pub struct FileContent {
    pub info: document::AttachmentInfo,
    pub bytes: Vec<u8>,
}

/// A delivery's saved progress: what an earlier try saved, and a way to save more before the
/// next call. Connectors that make several calls (FIT-Connect) use it so that a retry after a
/// crash continues where the last try stopped instead of starting over.
#[derive(Clone)]
pub struct Checkpoint {
    job_id: i64,
    store: std::sync::Arc<dyn store::Store>,
    /// What an earlier try saved.
    pub saved: Option<String>,
}

impl std::fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpoint")
            .field("job_id", &self.job_id)
            .field("saved", &self.saved)
            .finish_non_exhaustive()
    }
}

impl Checkpoint {
    /// Saves `progress` durably; an error means the next call must not be made.
    pub async fn save(&self, progress: &str) -> Result<(), DeliveryError> {
        self.store
            .save_progress(self.job_id, progress)
            .await
            .map_err(DeliveryError::retry)
    }
}

/// Everything a connector needs to deliver one case to one target.
#[derive(Clone, Debug)]
pub struct Parcel {
    /// The portal's public address, for links back (pull API) in what is sent.
    pub public_base: String,
    /// Stable per (case, target): `<reference>.<target name>`.
    pub idempotency_key: String,
    pub doc: CaseDocument,
    pub files: Vec<FileContent>,
    /// The application PDF (what the citizen entered, as they saw it).
    pub pdf: Vec<u8>,
    /// The job's saved progress (`None` outside the worker, e.g. in tests of a connector).
    pub checkpoint: Option<Checkpoint>,
}

impl Parcel {
    /// The file name of the application PDF, e.g. `Antrag-WER-2026-7K3QF.pdf`.
    pub fn pdf_name(&self) -> String {
        format!("Antrag-{}.pdf", self.doc.case.reference)
    }
}

/// The delay before try `attempts + 1`: `first_retry_seconds` doubling per failure up to
/// `max_retry_seconds`, plus up to 20% jitter so that instances do not retry in lock step.
pub fn backoff(settings: &DeliverySettings, attempts: u32) -> chrono::Duration {
    let first = i64::from(settings.first_retry_seconds);
    let base = first
        .saturating_mul(1i64 << attempts.min(20))
        .min(i64::from(settings.max_retry_seconds));
    let jitter = rand::thread_rng().gen_range(0..=base / 5);
    chrono::Duration::seconds(base + jitter)
}

/// The configured target of a municipality by name.
pub fn target<'a>(state: &'a AppState, slug: &str, name: &str) -> Option<&'a TargetConfig> {
    state
        .config()
        .delivery_targets
        .get(slug)
        .and_then(|ts| ts.iter().find(|t| t.name == name))
}

/// Mirrors the configured targets into the database (at start-up), so that completing a case
/// queues one job per target in its transaction. A municipality named in the configuration
/// that does not exist stops start-up.
pub async fn sync_targets(state: &AppState) -> anyhow::Result<()> {
    let store = state.store();
    for tenant in store.tenants().await? {
        let specs: Vec<store::TargetSpec> = state
            .config()
            .delivery_targets
            .get(&tenant.slug)
            .map(|ts| {
                ts.iter()
                    .map(|t| store::TargetSpec {
                        name: t.name.clone(),
                        kind: t.kind.as_str().to_owned(),
                        services: t.services.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        store.sync_targets(tenant.id, &specs).await?;
    }
    let slugs: Vec<String> = store.tenants().await?.into_iter().map(|t| t.slug).collect();
    if let Some(unknown) = state
        .config()
        .delivery_targets
        .keys()
        .find(|k| !slugs.contains(k))
    {
        anyhow::bail!("delivery_targets.{unknown}: there is no municipality `{unknown}`");
    }
    Ok(())
}

/// Why a case document could not be built.
#[derive(Debug)]
pub enum DocumentError {
    /// The case (or its municipality) is not there.
    Gone(&'static str),
    /// The database or the form could not be read (worth another try).
    Failed(String),
}

impl From<DocumentError> for DeliveryError {
    fn from(e: DocumentError) -> Self {
        match e {
            DocumentError::Gone(what) => Self::Permanent(format!("the {what} is gone")),
            DocumentError::Failed(e) => Self::Retry(e),
        }
    }
}

/// The case document of a case, and its attachments' records: what the connectors and the
/// pull API send.
pub async fn case_document(
    state: &AppState,
    tenant: store::TenantId,
    case_id: Uuid,
) -> Result<(CaseDocument, Vec<store::Attachment>), DocumentError> {
    let failed = |e: &dyn std::fmt::Display| DocumentError::Failed(e.to_string());
    let store = state.store();
    let case = store
        .case(tenant, case_id)
        .await
        .map_err(|e| failed(&e))?
        .ok_or(DocumentError::Gone("case"))?;
    let tenant_row = store
        .tenant_by_id(tenant)
        .await
        .map_err(|e| failed(&e))?
        .ok_or(DocumentError::Gone("municipality"))?;
    let form = state
        .form(case.form_id)
        .await
        .map_err(|e| DocumentError::Failed(format!("{e:#}")))?;
    let attachments = store
        .case_attachments(tenant, case_id)
        .await
        .map_err(|e| failed(&e))?;
    let payment = store
        .case_payment(tenant, case_id)
        .await
        .map_err(|e| failed(&e))?;
    let attempts = store
        .case_attempts(tenant, case_id)
        .await
        .map_err(|e| failed(&e))?;
    let base = state.public_base();
    let doc = CaseDocument::build(&Sources {
        case: &case,
        completed_at: payment.as_ref().and_then(|p| p.completed_at),
        tenant: &tenant_row,
        form: &form,
        attachments: &attachments,
        fee: payment.as_ref().and_then(|p| p.fee.as_ref()),
        attempts: &attempts,
        public_base: &base,
    });
    Ok((doc, attachments))
}

/// Builds the parcel of a case for one target: the document, the files and the PDF.
pub async fn parcel(
    state: &AppState,
    tenant: store::TenantId,
    case_id: Uuid,
    idempotency_key: String,
) -> Result<Parcel, DeliveryError> {
    let (doc, attachments) = case_document(state, tenant, case_id).await?;
    let mut files = Vec::with_capacity(attachments.len());
    for (a, info) in attachments.iter().zip(&doc.attachments) {
        let bytes = state
            .files()
            .read_all(&a.storage_key)
            .await
            .map_err(DeliveryError::retry)?
            .ok_or_else(|| DeliveryError::permanent(format!("attachment {} is missing", a.id)))?;
        files.push(FileContent {
            info: info.clone(),
            bytes,
        });
    }
    let for_pdf = doc.clone();
    let pdf = tokio::task::spawn_blocking(move || crate::pdf::application_pdf(&for_pdf))
        .await
        .map_err(|_| DeliveryError::retry("the application PDF stopped unexpectedly"))?
        .map_err(|e| DeliveryError::permanent(format!("application PDF: {e}")))?;
    Ok(Parcel {
        public_base: state.public_base(),
        checkpoint: None,
        idempotency_key,
        doc,
        files,
        pdf,
    })
}

/// The connections the worker keeps between rounds.
#[derive(Clone)]
pub struct Connections {
    pub http: reqwest::Client,
    pub mailer: Option<mail::Mailer>,
}

impl Connections {
    pub fn new(state: &AppState) -> anyhow::Result<Self> {
        let timeout = Duration::from_secs(u64::from(state.config().delivery.timeout_seconds));
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ozg-portal/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let mailer = state
            .config()
            .smtp
            .as_ref()
            .map(|smtp| mail::Mailer::new(smtp, timeout))
            .transpose()?;
        Ok(Self { http, mailer })
    }
}

/// Runs one job to its recorded outcome. The job itself runs in a task of its own: a panic
/// in one connector (or the PDF) fails that job only, never the worker.
async fn run_job(
    state: AppState,
    conns: Connections,
    job: OutboxJob,
    lease: chrono::DateTime<Utc>,
) {
    let settings = state.config().delivery;
    let limit = Duration::from_secs(settings.job_seconds());
    let task = {
        let (state, conns, job) = (state.clone(), conns.clone(), job.clone());
        tokio::spawn(async move {
            match tokio::time::timeout(limit, work(&state, &conns, &job)).await {
                Ok(r) => r,
                Err(_) => Err(DeliveryError::Retry("timed out".into())),
            }
        })
    };
    let result = task.await.unwrap_or_else(|e| {
        tracing::error!(job = job.id, error = %e, "delivery task failed");
        Err(DeliveryError::Retry(
            "the delivery stopped unexpectedly".into(),
        ))
    });
    if let Err(e) = record(&state, &settings, &job, lease, result).await {
        tracing::warn!(job = job.id, error = %e, "could not record a delivery's outcome");
    }
}

async fn record(
    state: &AppState,
    settings: &DeliverySettings,
    job: &OutboxJob,
    lease: chrono::DateTime<Utc>,
    result: Delivered,
) -> anyhow::Result<()> {
    let store = state.store();
    match result {
        Ok(outcome) => {
            tracing::info!(job = job.id, kind = %job.kind, "delivered");
            store.delivery_done(job.id, outcome.as_deref()).await?;
        }
        Err(e) => {
            let permanent = matches!(e, DeliveryError::Permanent(_));
            let dead = permanent || job.attempts + 1 >= settings.max_attempts;
            let message: String = e.to_string().chars().take(500).collect();
            if dead {
                tracing::error!(job = job.id, kind = %job.kind, error = %message, "delivery given up");
            } else {
                tracing::warn!(job = job.id, kind = %job.kind, error = %message, "delivery failed, will retry");
            }
            store
                .delivery_failed(
                    job.id,
                    Some(lease),
                    Utc::now() + backoff(settings, job.attempts),
                    &message,
                    dead,
                )
                .await?;
        }
    }
    Ok(())
}

async fn work(state: &AppState, conns: &Connections, job: &OutboxJob) -> Delivered {
    if job.kind == JOB_MAIL && conns.mailer.is_none() {
        // Nothing to read for a mail that cannot go out.
        return Ok(Some(mail::NO_MAIL_SERVER.into()));
    }
    let ctx = state
        .store()
        .job_context(job.id)
        .await
        .map_err(DeliveryError::retry)?
        .ok_or_else(|| DeliveryError::permanent("the job is gone"))?;
    let case_id = ctx
        .case_id
        .ok_or_else(|| DeliveryError::permanent("the job names no case"))?;
    if job.kind == JOB_MAIL {
        return mail::citizen_mail(state, conns, job, case_id, ctx.progress.as_deref()).await;
    }
    let stored = ctx
        .target
        .ok_or_else(|| DeliveryError::permanent("the job names no target"))?;
    let tenant = state
        .catalogue()
        .tenant_by_id(job.tenant_id)
        .cloned()
        .ok_or_else(|| DeliveryError::retry("the municipality is not loaded yet"))?;
    let Some(target) = target(state, &tenant.slug, &stored.name) else {
        let message = format!("target `{}` is not configured here", stored.name);
        // Still active in the database: another instance has it configured (a rolling
        // change of the configuration); leave it for that one.
        return Err(if stored.active {
            DeliveryError::Retry(message)
        } else {
            DeliveryError::Permanent(message.replace("not configured here", "no longer configured"))
        });
    };
    let mut parcel = parcel(state, job.tenant_id, case_id, job.idempotency_key.clone()).await?;
    parcel.checkpoint = Some(Checkpoint {
        job_id: job.id,
        store: state.store_arc(),
        saved: ctx.progress.clone(),
    });
    match &target.kind {
        TargetKind::Webhook(t) => webhook::deliver(&conns.http, t, &parcel).await,
        TargetKind::Email(t) => match &conns.mailer {
            Some(m) => mail::office_mail(m, t, &parcel).await,
            None => Err(DeliveryError::permanent(
                "no mail server is configured ([smtp] or PORTAL_SMTP_URL)",
            )),
        },
        TargetKind::FileDrop(t) => file_drop::deliver(t, &parcel).await,
        TargetKind::FitConnect(t) => fit_connect::deliver(&conns.http, t, &parcel).await,
        TargetKind::PullApi(_) => Err(DeliveryError::permanent(
            "a pull-API target is not pushed to",
        )),
    }
}

/// Jobs one instance works at once.
const SLOTS: usize = 16;

/// Jobs of one municipality one instance works at once, so that a municipality whose
/// backend hangs holds at most this many slots until its calls time out, and the other
/// municipalities' jobs still go out.
const SLOTS_PER_TENANT: usize = 8;

/// The least time between two leases that take jobs. A lease takes at most
/// `SLOTS_PER_TENANT` jobs, so one instance starts at most 160 jobs a second: a burst of
/// deliveries leaves the CPU and the database to the citizens' requests.
const PACE: Duration = Duration::from_millis(50);

/// The background task. Jobs run side by side in up to [`SLOTS`] slots; a slot that frees is
/// filled from the due jobs (paced by [`PACE`]), so a slow job holds up only its own slot.
/// Idle, it looks for due work every `delivery.poll_seconds`.
pub fn spawn(state: AppState) -> anyhow::Result<()> {
    let conns = Connections::new(&state)?;
    let idle = Duration::from_secs(u64::from(state.config().delivery.poll_seconds));
    tokio::spawn(async move {
        let mut slots = Slots::default();
        // No lease that takes jobs before this.
        let mut next_lease = tokio::time::Instant::now();
        loop {
            slots.reap();
            let want = slots.wanted();
            // `None`: more may be due at once; otherwise how long to wait for new work.
            let mut pause = None;
            if want > 0 {
                tokio::time::sleep_until(next_lease).await;
                match lease(&state, &slots.skipped(), want).await {
                    Ok((jobs, until)) => {
                        if jobs.len() < want {
                            pause = Some(idle);
                        }
                        if !jobs.is_empty() {
                            next_lease = tokio::time::Instant::now() + PACE;
                        }
                        for job in jobs {
                            let tenant = job.tenant_id;
                            slots.start(tenant, run_job(state.clone(), conns.clone(), job, until));
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "leasing deliveries failed");
                        pause = Some(idle.max(Duration::from_secs(5)));
                    }
                }
            }
            match pause {
                None if slots.free() > 0 => {}
                None => slots.next_ended().await,
                Some(p) if slots.is_empty() => tokio::time::sleep(p).await,
                Some(p) => {
                    tokio::select! {
                        () = slots.next_ended() => {}
                        () = tokio::time::sleep(p) => {}
                    }
                }
            }
        }
    });
    Ok(())
}

/// The worker's running jobs, and how many slots each municipality holds.
#[derive(Default)]
struct Slots {
    running: tokio::task::JoinSet<()>,
    whose: HashMap<tokio::task::Id, TenantId>,
    held: HashMap<TenantId, usize>,
}

impl Slots {
    fn start(&mut self, tenant: TenantId, job: impl Future<Output = ()> + Send + 'static) {
        let task = self.running.spawn(job);
        self.whose.insert(task.id(), tenant);
        *self.held.entry(tenant).or_default() += 1;
    }

    fn free(&self) -> usize {
        SLOTS.saturating_sub(self.running.len())
    }

    fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// The municipalities that hold their share: their jobs wait for a slot of their own.
    fn skipped(&self) -> Vec<TenantId> {
        self.held
            .iter()
            .filter(|&(_, &n)| n >= SLOTS_PER_TENANT)
            .map(|(&t, _)| t)
            .collect()
    }

    /// How many jobs the next lease may take: the free slots, but no more than the
    /// municipality closest to its share may still get, since all may be that one's.
    fn wanted(&self) -> usize {
        let room = self
            .held
            .values()
            .filter(|&&n| n < SLOTS_PER_TENANT)
            .map(|&n| SLOTS_PER_TENANT - n)
            .min()
            .unwrap_or(SLOTS_PER_TENANT);
        self.free().min(room)
    }

    /// Frees the slots of the jobs that have ended.
    fn reap(&mut self) {
        while let Some(ended) = self.running.try_join_next_with_id() {
            self.release(ended);
        }
    }

    /// Waits until a job ends (forever when none runs) and frees its slot.
    async fn next_ended(&mut self) {
        match self.running.join_next_with_id().await {
            Some(ended) => self.release(ended),
            None => std::future::pending().await,
        }
    }

    fn release(&mut self, ended: Result<(tokio::task::Id, ()), tokio::task::JoinError>) {
        let id = match ended {
            Ok((id, ())) => id,
            Err(e) => e.id(),
        };
        if let Some(tenant) = self.whose.remove(&id)
            && let Some(n) = self.held.get_mut(&tenant)
        {
            *n -= 1;
            if *n == 0 {
                self.held.remove(&tenant);
            }
        }
    }
}

/// Leases up to `n` due jobs, leaving out the municipalities in `skip`; with the lease's end.
async fn lease(
    state: &AppState,
    skip: &[TenantId],
    n: usize,
) -> anyhow::Result<(Vec<OutboxJob>, chrono::DateTime<Utc>)> {
    let settings = state.config().delivery;
    let now = Utc::now();
    // Whole microseconds, as both databases keep it: the lease is compared when a failure is
    // recorded.
    let until = chrono::SubsecRound::trunc_subsecs(
        now + chrono::Duration::seconds(settings.lease_seconds()),
        6,
    );
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    let jobs = state
        .store()
        .lease_jobs_skipping(&[JOB_DELIVER, JOB_MAIL], skip, n, now, until)
        .await?;
    Ok((jobs, until))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A job that runs until `release` is sent (or dropped).
    fn held_job(release: &tokio::sync::broadcast::Sender<()>) -> impl Future<Output = ()> + use<> {
        let mut rx = release.subscribe();
        async move {
            let _ = rx.recv().await;
        }
    }

    #[tokio::test]
    async fn a_municipality_gets_at_most_its_share_of_the_slots_and_the_others_the_rest() {
        let (release, _) = tokio::sync::broadcast::channel(1);
        let (werther, ellrich) = (TenantId(1), TenantId(2));
        let mut slots = Slots::default();
        assert_eq!(
            slots.wanted(),
            SLOTS_PER_TENANT,
            "any lease may be one municipality's"
        );
        for _ in 0..SLOTS_PER_TENANT - 2 {
            slots.start(werther, held_job(&release));
        }
        assert_eq!(slots.wanted(), 2, "Werther may get two more");
        assert!(slots.skipped().is_empty());
        for _ in 0..2 {
            slots.start(werther, held_job(&release));
        }
        assert_eq!(slots.skipped(), [werther], "Werther holds its share");
        assert_eq!(
            slots.wanted(),
            SLOTS_PER_TENANT,
            "the others may have the rest"
        );
        for _ in 0..SLOTS_PER_TENANT {
            slots.start(ellrich, held_job(&release));
        }
        assert_eq!(slots.free(), 0);
        assert_eq!(slots.wanted(), 0);
        release.send(()).unwrap();
        for _ in 0..SLOTS {
            slots.next_ended().await;
        }
        assert!(slots.is_empty());
        assert!(slots.held.is_empty() && slots.whose.is_empty());
        assert_eq!(slots.wanted(), SLOTS_PER_TENANT);
    }

    #[tokio::test]
    async fn a_job_that_panics_frees_its_slot() {
        let mut slots = Slots::default();
        let werther = TenantId(1);
        for _ in 0..SLOTS_PER_TENANT {
            slots.start(werther, async { panic!("a connector panics") });
        }
        tokio::time::timeout(Duration::from_secs(10), async {
            while !slots.is_empty() {
                tokio::task::yield_now().await;
                slots.reap();
            }
        })
        .await
        .expect("the slots free");
        assert!(slots.skipped().is_empty(), "Werther holds nothing any more");
        assert_eq!(slots.wanted(), SLOTS_PER_TENANT);
    }
}
