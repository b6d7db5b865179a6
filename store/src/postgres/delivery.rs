//! Delivery targets, deliveries, citizen emails and backend statuses on PostgreSQL. Finishing
//! a delivery locks the case row first, so two instances finishing a case's last two
//! deliveries at once forward it exactly once.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use super::PgStore;
use super::payments::add_event;
use crate::{
    CaseStatus, DeadJob, Delivery, DeliveryStore, JOB_DELIVER, JOB_MAIL, JOB_PULL, JobContext,
    JobState, PendingPull, Result, StatusChange, StatusRefusal, StoreError, Target, TargetSpec,
    TenantId,
};

fn target_from(row: &PgRow) -> Result<Target> {
    Ok(Target {
        id: row.try_get("id")?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        active: row.try_get("active")?,
    })
}

fn attempts_of(row: &PgRow) -> Result<u32> {
    Ok(u32::try_from(row.try_get::<i32, _>("attempts")?).unwrap_or(0))
}

/// Writes the jobs of a case that has just completed: one per active target of its
/// municipality that takes its service, and the citizen's confirmation email. Called by
/// `complete_case`, inside its transaction.
pub(super) async fn queue_deliveries(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    case_id: Uuid,
) -> Result<()> {
    let reference = queue_targets(tx, tenant, case_id, "", true).await?;
    queue_mail(
        tx,
        tenant,
        case_id,
        "completed",
        &format!("mail.{reference}.completed"),
        None,
    )
    .await
}

/// A pay-later case's fee was paid: the push targets get the case again (its payment now
/// booked), as a delivery of its own (`<reference>.<target>.payment`). Called inside the
/// transaction that applies the case's first confirmed payment.
pub(super) async fn queue_payment_update(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    case_id: Uuid,
) -> Result<()> {
    queue_targets(tx, tenant, case_id, ".payment", false).await?;
    Ok(())
}

/// One job per active target of the case's municipality and service (pull targets only with
/// `pull`), keyed `<reference>.<target><suffix>`. Returns the case's reference.
async fn queue_targets(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    case_id: Uuid,
    suffix: &str,
    pull: bool,
) -> Result<String> {
    let case = sqlx::query(
        "select c.reference, s.slug from cases c join services s on s.id = c.service_id \
         where c.id = $1 and c.tenant_id = $2",
    )
    .bind(case_id)
    .bind(tenant.0)
    .fetch_one(&mut **tx)
    .await?;
    let reference: String = case.try_get("reference")?;
    let service: String = case.try_get("slug")?;
    let targets = sqlx::query(
        "select id, name, kind, services from delivery_targets \
         where tenant_id = $1 and active order by id",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await?;
    for t in &targets {
        if let Some(Json(list)) = t.try_get::<Option<Json<Vec<String>>>, _>("services")?
            && !list.contains(&service)
        {
            continue;
        }
        let kind: String = t.try_get("kind")?;
        let name: String = t.try_get("name")?;
        if kind == "pull_api" && !pull {
            continue;
        }
        let job = if kind == "pull_api" {
            JOB_PULL
        } else {
            JOB_DELIVER
        };
        sqlx::query(
            "insert into outbox_jobs (tenant_id, kind, subject, idempotency_key, \
             next_attempt_at, case_id, target_id) values ($1, $2, $3, $4, now(), $5, $6) \
             on conflict (idempotency_key) do nothing",
        )
        .bind(tenant.0)
        .bind(job)
        .bind(case_id.hyphenated().to_string())
        .bind(format!("{reference}.{name}{suffix}"))
        .bind(case_id)
        .bind(t.try_get::<i64, _>("id")?)
        .execute(&mut **tx)
        .await?;
    }
    Ok(reference)
}

async fn queue_mail(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    case_id: Uuid,
    subject: &str,
    key: &str,
    content: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "insert into outbox_jobs (tenant_id, kind, subject, idempotency_key, next_attempt_at, \
         case_id, progress) values ($1, $2, $3, $4, now(), $5, $6) \
         on conflict (idempotency_key) do nothing",
    )
    .bind(tenant.0)
    .bind(JOB_MAIL)
    .bind(subject)
    .bind(key)
    .bind(case_id)
    .bind(content)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks a job done and, when it was the case's last open delivery of a `received` case,
/// forwards the case. Returns whether the case was forwarded now.
async fn finish_job(
    tx: &mut Transaction<'static, Postgres>,
    job_id: i64,
    outcome: Option<&str>,
    actor: &str,
) -> Result<bool> {
    let row = sqlx::query(
        "update outbox_jobs set done_at = now(), lease_until = null, dead = false, \
         outcome = coalesce($1, outcome) \
         where id = $2 and done_at is null returning tenant_id, kind, case_id, \
         (select name from delivery_targets t where t.id = target_id) as target",
    )
    .bind(outcome)
    .bind(job_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(false) };
    let kind: String = row.try_get("kind")?;
    let Some(case_id) = row.try_get::<Option<Uuid>, _>("case_id")? else {
        return Ok(false);
    };
    if kind == JOB_MAIL {
        return Ok(false);
    }
    let tenant = TenantId(row.try_get("tenant_id")?);
    let target: Option<String> = row.try_get("target")?;
    // The case row first: whoever finishes a case's last delivery sees the others' commits.
    let status: String = sqlx::query_scalar("select status from cases where id = $1 for update")
        .bind(case_id)
        .fetch_one(&mut **tx)
        .await?;
    add_event(
        tx,
        tenant,
        case_id,
        "delivered",
        actor,
        &serde_json::json!({ "target": target, "outcome": outcome }),
    )
    .await?;
    if status != CaseStatus::Received.as_str() {
        return Ok(false);
    }
    let open: i64 = sqlx::query_scalar(
        "select count(*) from outbox_jobs where case_id = $1 and kind in ($2, $3) \
         and done_at is null",
    )
    .bind(case_id)
    .bind(JOB_DELIVER)
    .bind(JOB_PULL)
    .fetch_one(&mut **tx)
    .await?;
    if open > 0 {
        return Ok(false);
    }
    sqlx::query("update cases set status = 'forwarded' where id = $1")
        .bind(case_id)
        .execute(&mut **tx)
        .await?;
    add_event(
        tx,
        tenant,
        case_id,
        "forwarded",
        "system",
        &serde_json::json!({}),
    )
    .await?;
    Ok(true)
}

fn delivery_from(row: &PgRow) -> Result<Delivery> {
    let dead: bool = row.try_get("dead")?;
    let done_at: Option<DateTime<Utc>> = row.try_get("done_at")?;
    Ok(Delivery {
        job_id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        target: row.try_get("target")?,
        target_kind: row.try_get("target_kind")?,
        subject: row.try_get("subject")?,
        idempotency_key: row.try_get("idempotency_key")?,
        state: if done_at.is_some() {
            JobState::Done
        } else if dead {
            JobState::Dead
        } else {
            JobState::Pending
        },
        attempts: attempts_of(row)?,
        last_error: row.try_get("last_error")?,
        outcome: row.try_get("outcome")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        done_at,
        created_at: row.try_get("created_at")?,
    })
}

#[async_trait]
impl DeliveryStore for PgStore {
    async fn sync_targets(&self, tenant: TenantId, targets: &[TargetSpec]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("update delivery_targets set active = false where tenant_id = $1")
            .bind(tenant.0)
            .execute(&mut *tx)
            .await?;
        for t in targets {
            sqlx::query(
                "insert into delivery_targets (tenant_id, name, kind, services, active) \
                 values ($1, $2, $3, $4, true) on conflict (tenant_id, name) do update set \
                 kind = excluded.kind, services = excluded.services, active = true",
            )
            .bind(tenant.0)
            .bind(&t.name)
            .bind(&t.kind)
            .bind(t.services.as_ref().map(Json))
            .execute(&mut *tx)
            .await?;
        }
        // A pull target no longer configured never acknowledges: its open jobs are given up,
        // so that admins see them (and can retry them if it comes back).
        sqlx::query(
            "update outbox_jobs set dead = true, \
             last_error = 'the target is no longer configured' \
             where tenant_id = $1 and kind = $2 and done_at is null and not dead and target_id in \
             (select id from delivery_targets where tenant_id = $1 and not active)",
        )
        .bind(tenant.0)
        .bind(JOB_PULL)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn targets(&self, tenant: TenantId) -> Result<Vec<Target>> {
        sqlx::query(
            "select id, tenant_id, name, kind, active from delivery_targets \
             where tenant_id = $1 and active order by name",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(target_from)
        .collect()
    }

    async fn job_context(&self, job_id: i64) -> Result<Option<JobContext>> {
        let Some(row) = sqlx::query(
            "select j.case_id, j.progress, t.id, t.tenant_id, t.name, t.kind, t.active \
             from outbox_jobs j left join delivery_targets t on t.id = j.target_id \
             where j.id = $1",
        )
        .bind(job_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let target = match row.try_get::<Option<i64>, _>("id")? {
            Some(_) => Some(target_from(&row)?),
            None => None,
        };
        Ok(Some(JobContext {
            case_id: row.try_get("case_id")?,
            target,
            progress: row.try_get("progress")?,
        }))
    }

    async fn save_progress(&self, job_id: i64, progress: &str) -> Result<()> {
        sqlx::query("update outbox_jobs set progress = $1 where id = $2 and done_at is null")
            .bind(progress)
            .bind(job_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delivery_done(&self, job_id: i64, outcome: Option<&str>) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let forwarded = finish_job(&mut tx, job_id, outcome, "system").await?;
        tx.commit().await?;
        Ok(forwarded)
    }

    async fn delivery_failed(
        &self,
        job_id: i64,
        lease: Option<DateTime<Utc>>,
        next: DateTime<Utc>,
        error: &str,
        dead: bool,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "update outbox_jobs set attempts = attempts + 1, next_attempt_at = $1, \
             last_error = $2, dead = $3, lease_until = null where id = $4 and done_at is null \
             and ($5::timestamptz is null or lease_until = $5) \
             returning tenant_id, case_id, attempts, \
             (select name from delivery_targets t where t.id = target_id) as target",
        )
        .bind(next)
        .bind(error)
        .bind(dead)
        .bind(job_id)
        .bind(lease)
        .fetch_optional(&mut *tx)
        .await?;
        if dead
            && let Some(row) = row
            && let Some(case_id) = row.try_get::<Option<Uuid>, _>("case_id")?
        {
            add_event(
                &mut tx,
                TenantId(row.try_get("tenant_id")?),
                case_id,
                "delivery_dead",
                "system",
                &serde_json::json!({
                    "target": row.try_get::<Option<String>, _>("target")?,
                    "attempts": row.try_get::<i32, _>("attempts")?,
                    "error": error,
                }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn case_deliveries(&self, tenant: TenantId, case_id: Uuid) -> Result<Vec<Delivery>> {
        sqlx::query(
            "select j.id, j.kind, j.subject, j.idempotency_key, j.attempts, j.last_error, \
             j.outcome, j.dead, j.next_attempt_at, j.done_at, j.created_at, \
             t.name as target, t.kind as target_kind \
             from outbox_jobs j left join delivery_targets t on t.id = j.target_id \
             where j.tenant_id = $1 and j.case_id = $2 order by j.id",
        )
        .bind(tenant.0)
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(delivery_from)
        .collect()
    }

    async fn dead_jobs(&self, tenant: Option<TenantId>) -> Result<Vec<DeadJob>> {
        sqlx::query(
            "select j.id, j.tenant_id, j.kind, j.subject, j.idempotency_key, j.case_id, \
             j.attempts, j.last_error, j.created_at, c.reference, t.name as target \
             from outbox_jobs j left join cases c on c.id = j.case_id \
             left join delivery_targets t on t.id = j.target_id \
             where j.dead and j.done_at is null and ($1::bigint is null or j.tenant_id = $1) \
             order by j.id desc limit 500",
        )
        .bind(tenant.map(|t| t.0))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(DeadJob {
                id: row.try_get("id")?,
                tenant_id: TenantId(row.try_get("tenant_id")?),
                kind: row.try_get("kind")?,
                subject: row.try_get("subject")?,
                idempotency_key: row.try_get("idempotency_key")?,
                case_id: row.try_get("case_id")?,
                case_reference: row.try_get("reference")?,
                target: row.try_get("target")?,
                attempts: attempts_of(row)?,
                last_error: row.try_get("last_error")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
    }

    async fn retry_dead_job(&self, tenant: Option<TenantId>, job_id: i64) -> Result<bool> {
        let done = sqlx::query(
            "update outbox_jobs set dead = false, attempts = 0, next_attempt_at = now(), \
             lease_until = null where id = $1 and dead and done_at is null \
             and ($2::bigint is null or tenant_id = $2)",
        )
        .bind(job_id)
        .bind(tenant.map(|t| t.0))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    async fn pending_pulls(
        &self,
        tenant: TenantId,
        target: &str,
        limit: u32,
    ) -> Result<Vec<PendingPull>> {
        sqlx::query(
            "select c.id, c.reference, s.slug, j.idempotency_key, c.completed_at \
             from outbox_jobs j join delivery_targets t on t.id = j.target_id \
             join cases c on c.id = j.case_id join services s on s.id = c.service_id \
             where j.tenant_id = $1 and t.tenant_id = $1 and t.name = $2 and j.kind = $3 \
             and j.done_at is null order by j.id limit $4",
        )
        .bind(tenant.0)
        .bind(target)
        .bind(JOB_PULL)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(PendingPull {
                case_id: row.try_get("id")?,
                reference: row.try_get("reference")?,
                service_slug: row.try_get("slug")?,
                idempotency_key: row.try_get("idempotency_key")?,
                completed_at: row.try_get("completed_at")?,
            })
        })
        .collect()
    }

    async fn pull_visible(&self, tenant: TenantId, target: &str, case_id: Uuid) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "select count(*) from outbox_jobs j join delivery_targets t on t.id = j.target_id \
             where j.tenant_id = $1 and t.tenant_id = $1 and t.name = $2 and j.kind = $3 \
             and j.case_id = $4",
        )
        .bind(tenant.0)
        .bind(target)
        .bind(JOB_PULL)
        .bind(case_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    async fn acknowledge_pull(
        &self,
        tenant: TenantId,
        target: &str,
        case_id: Uuid,
    ) -> Result<Option<bool>> {
        let mut tx = self.pool.begin().await?;
        let job: Option<i64> = sqlx::query_scalar(
            "select j.id from outbox_jobs j join delivery_targets t on t.id = j.target_id \
             where j.tenant_id = $1 and t.tenant_id = $1 and t.name = $2 and j.kind = $3 \
             and j.case_id = $4",
        )
        .bind(tenant.0)
        .bind(target)
        .bind(JOB_PULL)
        .bind(case_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(job) = job else { return Ok(None) };
        let forwarded = finish_job(&mut tx, job, None, target).await?;
        tx.commit().await?;
        Ok(Some(forwarded))
    }

    async fn change_status(
        &self,
        tenant: TenantId,
        case_id: Uuid,
        change: &StatusChange,
    ) -> Result<std::result::Result<(), StatusRefusal>> {
        let mut tx = self.pool.begin().await?;
        let status: Option<String> = sqlx::query_scalar(
            "select status from cases where id = $1 and tenant_id = $2 for update",
        )
        .bind(case_id)
        .bind(tenant.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(status) = status else {
            return Ok(Err(StatusRefusal::NotFound));
        };
        let current =
            CaseStatus::parse(&status).ok_or_else(|| StoreError::Corrupt("case status".into()))?;
        if !crate::status_change_allowed(current, change.status) {
            return Ok(Err(StatusRefusal::NotAllowed));
        }
        sqlx::query("update cases set status = $1, status_note = $2 where id = $3")
            .bind(change.status.as_str())
            .bind(&change.note)
            .bind(case_id)
            .execute(&mut *tx)
            .await?;
        add_event(
            &mut tx,
            tenant,
            case_id,
            "status",
            &change.actor,
            &serde_json::json!({ "status": change.status.as_str(), "note": change.note }),
        )
        .await?;
        if let Some(key) = &change.mail_key {
            // What the mail says is fixed now: a later change must not rewrite it.
            let content = serde_json::json!({
                "status": change.status.as_str(),
                "note": change.note,
            })
            .to_string();
            queue_mail(&mut tx, tenant, case_id, "status", key, Some(&content)).await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn status_note(&self, tenant: TenantId, case_id: Uuid) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("select status_note from cases where id = $1 and tenant_id = $2")
                .bind(case_id)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }
}
