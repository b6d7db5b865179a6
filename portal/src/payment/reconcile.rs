//! Reconciliation: a background task in every instance asks the providers about attempts
//! still open. The work is an outbox job per attempt (`reconcile_payment`), leased by one
//! instance at a time (`for update skip locked` on PostgreSQL), retried with exponential
//! backoff and jitter, and dead-lettered after too many failures. An attempt past its expiry
//! that the provider still calls open is marked expired; failed, cancelled and expired
//! attempts are still asked about hourly for 48 hours, since money taken late still counts
//! (the state machine applies it).

use std::time::Duration;

use chrono::Utc;
use payments::PaymentEvent;
use rand::Rng;
use store::{OutboxJob, StatusUpdate};
use uuid::Uuid;

use crate::state::AppState;

pub const KIND: &str = "reconcile_payment";
/// How long a worker holds a job before another may take it.
const LEASE_SECS: i64 = 180;
/// After this many tries a failing job is dead-lettered and shown to admins.
const MAX_ATTEMPTS: u32 = 100;
/// How long after its expiry an unpaid attempt is still asked about, hourly: a platform page
/// or a direct debit may still bring the money, which then counts.
const GRACE_HOURS: i64 = 48;
/// At most this many jobs per lease, so that a round (every call has a 15 s timeout) ends well
/// inside the lease.
const BATCH: u32 = 4;

/// The delay before the next try: 1 minute doubling up to 1 hour, with up to 20% jitter, so
/// that instances and attempts do not ask in lock step.
pub fn backoff(attempts: u32) -> chrono::Duration {
    let base = 60i64.saturating_mul(1i64 << attempts.min(6)).min(3600);
    let jitter = rand::thread_rng().gen_range(0..=base / 5);
    chrono::Duration::seconds(base + jitter)
}

/// Runs one round: leases due jobs and works them. Returns how many were worked.
pub async fn run_once(state: &AppState) -> anyhow::Result<usize> {
    let now = Utc::now();
    let jobs = state
        .store()
        .lease_jobs(
            &[KIND],
            BATCH,
            now,
            now + chrono::Duration::seconds(LEASE_SECS),
        )
        .await?;
    let n = jobs.len();
    for job in jobs {
        if let Err(e) = work(state, &job).await {
            let dead = job.attempts + 1 >= MAX_ATTEMPTS;
            if dead {
                tracing::error!(job = job.id, error = %e, "reconciliation gave up: dead-lettered");
            }
            state
                .store()
                .job_retry(
                    job.id,
                    Utc::now() + backoff(job.attempts),
                    &e.to_string(),
                    dead,
                )
                .await?;
        }
    }
    Ok(n)
}

async fn work(state: &AppState, job: &OutboxJob) -> anyhow::Result<()> {
    let id = Uuid::parse_str(&job.subject)?;
    let store = state.store();
    let Some(attempt) = store.attempt(job.tenant_id, id).await? else {
        store.job_done(job.id).await?;
        return Ok(());
    };
    if attempt.state.is_paid() {
        store.job_done(job.id).await?;
        return Ok(());
    }
    let tenant = store
        .tenant_by_id(job.tenant_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("tenant gone"))?;
    let now = Utc::now();
    let grace_over = attempt.expires_at + chrono::Duration::hours(GRACE_HOURS) <= now;
    if !attempt.state.is_open() {
        // Failed, cancelled or expired: asked hourly until the grace period is over.
        if grace_over || attempt.provider_reference.is_none() {
            store.job_done(job.id).await?;
            return Ok(());
        }
        match super::check(state, tenant.id, &tenant.slug, &attempt, "reconciliation").await {
            Ok(Some(applied)) if applied.to.is_paid() => return Ok(()),
            Ok(_) => {}
            Err(payments::PaymentError::NotFound) => {
                store.job_done(job.id).await?;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        store
            .job_retry(job.id, now + chrono::Duration::hours(1), "not paid", false)
            .await?;
        return Ok(());
    }
    let expired = attempt.expires_at <= now;
    if attempt.provider_reference.is_some() {
        match super::check(state, tenant.id, &tenant.slug, &attempt, "reconciliation").await {
            Ok(Some(applied)) if applied.to.is_paid() => return Ok(()),
            Ok(_) => {}
            Err(payments::PaymentError::NotFound) if expired => {}
            Err(e) => return Err(e.into()),
        }
    }
    let current = store
        .attempt(tenant.id, attempt.id)
        .await?
        .map_or(attempt.state, |a| a.state);
    if expired && current.is_open() {
        store
            .apply_payment_status(
                tenant.id,
                attempt.id,
                &StatusUpdate {
                    event: PaymentEvent::Expired,
                    transaction_reference: None,
                    method: None,
                    actor: "reconciliation".into(),
                },
            )
            .await?;
    }
    // Ask again later: while open, with backoff, not after the expiry; afterwards hourly.
    let next = if current.is_open() && !expired {
        (now + backoff(job.attempts)).min(attempt.expires_at + chrono::Duration::seconds(5))
    } else {
        now + chrono::Duration::hours(1)
    };
    store.job_retry(job.id, next, "not paid yet", false).await?;
    Ok(())
}

/// The background task: a round every 15 seconds, or every `payment_check_seconds` when
/// that is shorter (sooner while there is work).
pub fn spawn(state: AppState) {
    let idle = Duration::from_secs(u64::from(state.config().payment_check_seconds.min(15)));
    tokio::spawn(async move {
        loop {
            let pause = match run_once(&state).await {
                Ok(n) if n > 0 => Duration::from_millis(200),
                Ok(_) => idle,
                Err(e) => {
                    tracing::warn!(error = %e, "reconciliation round failed");
                    Duration::from_secs(30)
                }
            };
            tokio::time::sleep(pause).await;
        }
    });
}
