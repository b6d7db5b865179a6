//! Delivery targets, deliveries, citizen emails and backend statuses on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use super::payments::add_event;
use super::{SqliteStore, format_ts, now, parse_ts, parse_uuid};
use crate::{
    CaseStatus, DeadJob, Delivery, DeliveryStore, JOB_DELIVER, JOB_MAIL, JOB_PULL, JobContext,
    JobState, PendingPull, Result, StatusChange, StatusRefusal, StoreError, Target, TargetSpec,
    TenantId,
};

fn target_from(row: &SqliteRow) -> Result<Target> {
    Ok(Target {
        id: row.try_get("id")?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        active: row.try_get("active")?,
    })
}

fn attempts_of(row: &SqliteRow) -> Result<u32> {
    Ok(u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(0))
}

/// One job per active target of the case's municipality that takes its service (pull
/// targets only if the bound flag says so), keyed `<reference>.<target><suffix>`: one
/// statement, since it runs inside the busiest write there is (a submission). Bound by
/// [`bind_queue_targets`].
pub(super) const QUEUE_TARGETS: &str = "insert into outbox_jobs (tenant_id, kind, subject, \
     idempotency_key, next_attempt_at, case_id, target_id) \
     select c.tenant_id, case when t.kind = 'pull_api' then ? else ? end, c.id, \
            c.reference || '.' || t.name || ?, ?, c.id, t.id \
     from cases c \
     join services s on s.id = c.service_id \
     join delivery_targets t on t.tenant_id = c.tenant_id and t.active = 1 \
     where c.id = ? and c.tenant_id = ? \
       and (? or t.kind <> 'pull_api') \
       and (t.services is null \
            or exists (select 1 from json_each(t.services) j where j.value = s.slug)) \
     order by t.id \
     on conflict (idempotency_key) do nothing";

type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

pub(super) fn bind_queue_targets<'q>(
    query: Query<'q>,
    tenant: TenantId,
    case_id: &str,
    suffix: &str,
    pull: bool,
) -> Query<'q> {
    query
        .bind(JOB_PULL)
        .bind(JOB_DELIVER)
        .bind(suffix.to_owned())
        .bind(now())
        .bind(case_id.to_owned())
        .bind(tenant.0)
        .bind(pull)
}

/// The citizen's confirmation email of a completed case, keyed `mail.<reference>.completed`.
/// Bound by [`bind_queue_completed_mail`].
pub(super) const QUEUE_COMPLETED_MAIL: &str = "insert into outbox_jobs (tenant_id, kind, \
     subject, idempotency_key, next_attempt_at, case_id) \
     select tenant_id, ?, 'completed', 'mail.' || reference || '.completed', ?, id \
     from cases where id = ? and tenant_id = ? \
     on conflict (idempotency_key) do nothing";

pub(super) fn bind_queue_completed_mail<'q>(
    query: Query<'q>,
    tenant: TenantId,
    case_id: &str,
) -> Query<'q> {
    query
        .bind(JOB_MAIL)
        .bind(now())
        .bind(case_id.to_owned())
        .bind(tenant.0)
}

/// Writes the jobs of a case that has just completed: one per active target of its
/// municipality that takes its service, and the citizen's confirmation email. Called by
/// `complete_case`, inside its transaction (a submission writes the same itself).
pub(super) async fn queue_deliveries(
    tx: &mut SqliteConnection,
    tenant: TenantId,
    case_id: Uuid,
) -> Result<()> {
    let id = case_id.hyphenated().to_string();
    let sql = format!("{QUEUE_TARGETS}; {QUEUE_COMPLETED_MAIL}");
    let query = bind_queue_targets(sqlx::query(&sql), tenant, &id, "", true);
    bind_queue_completed_mail(query, tenant, &id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// A pay-later case's fee was paid: the push targets get the case again (its payment now
/// booked), as a delivery of its own (`<reference>.<target>.payment`). Called inside the
/// transaction that applies the case's first confirmed payment.
pub(super) async fn queue_payment_update(
    tx: &mut SqliteConnection,
    tenant: TenantId,
    case_id: Uuid,
) -> Result<()> {
    let id = case_id.hyphenated().to_string();
    bind_queue_targets(sqlx::query(QUEUE_TARGETS), tenant, &id, ".payment", false)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

async fn queue_mail(
    tx: &mut SqliteConnection,
    tenant: TenantId,
    case_id: Uuid,
    subject: &str,
    key: &str,
    content: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "insert into outbox_jobs (tenant_id, kind, subject, idempotency_key, next_attempt_at, \
         case_id, progress) values (?, ?, ?, ?, ?, ?, ?) \
         on conflict (idempotency_key) do nothing",
    )
    .bind(tenant.0)
    .bind(JOB_MAIL)
    .bind(subject)
    .bind(key)
    .bind(now())
    .bind(case_id.hyphenated().to_string())
    .bind(content)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Marks a job done and, when it was the case's last open delivery of a `received` case,
/// forwards the case. Returns whether the case was forwarded now.
/// Marks a job done (once): bound with the time, the outcome and the job's id.
const FINISH_JOB: &str = "update outbox_jobs set done_at = ?, lease_until = null, dead = 0, \
     outcome = coalesce(?, outcome) \
     where id = ? and done_at is null returning tenant_id, kind, case_id, target_id";

async fn finish_job(
    tx: &mut SqliteConnection,
    job_id: i64,
    outcome: Option<&str>,
    actor: &str,
) -> Result<bool> {
    let row = sqlx::query(FINISH_JOB)
        .bind(now())
        .bind(outcome)
        .bind(job_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else { return Ok(false) };
    let kind: String = row.try_get("kind")?;
    let Some(case_id) = row.try_get::<Option<String>, _>("case_id")? else {
        return Ok(false);
    };
    if kind == JOB_MAIL {
        return Ok(false);
    }
    let tenant = TenantId(row.try_get("tenant_id")?);
    let case = parse_uuid(&case_id)?;
    let target: Option<String> =
        sqlx::query_scalar("select name from delivery_targets where id = ?")
            .bind(row.try_get::<Option<i64>, _>("target_id")?)
            .fetch_optional(&mut *tx)
            .await?;
    add_event(
        tx,
        tenant,
        case,
        "delivered",
        actor,
        &serde_json::json!({ "target": target, "outcome": outcome }),
    )
    .await?;
    let open: i64 = sqlx::query_scalar(
        "select count(*) from outbox_jobs where case_id = ? and kind in (?, ?) \
         and done_at is null",
    )
    .bind(&case_id)
    .bind(JOB_DELIVER)
    .bind(JOB_PULL)
    .fetch_one(&mut *tx)
    .await?;
    if open > 0 {
        return Ok(false);
    }
    let moved =
        sqlx::query("update cases set status = 'forwarded' where id = ? and status = 'received'")
            .bind(&case_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if moved == 1 {
        add_event(
            tx,
            tenant,
            case,
            "forwarded",
            "system",
            &serde_json::json!({}),
        )
        .await?;
    }
    Ok(moved == 1)
}

fn delivery_from(row: &SqliteRow) -> Result<Delivery> {
    let dead: bool = row.try_get("dead")?;
    let done_at: Option<String> = row.try_get("done_at")?;
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
        next_attempt_at: parse_ts(&row.try_get::<String, _>("next_attempt_at")?)?,
        done_at: done_at.as_deref().map(parse_ts).transpose()?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
    })
}

#[async_trait]
impl DeliveryStore for SqliteStore {
    async fn sync_targets(&self, tenant: TenantId, targets: &[TargetSpec]) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("update delivery_targets set active = 0 where tenant_id = ?")
            .bind(tenant.0)
            .execute(&mut *tx)
            .await?;
        for t in targets {
            let services = t
                .services
                .as_ref()
                .map(|s| serde_json::Value::from(s.clone()).to_string());
            sqlx::query(
                "insert into delivery_targets (tenant_id, name, kind, services, active) \
                 values (?, ?, ?, ?, 1) on conflict (tenant_id, name) do update set \
                 kind = excluded.kind, services = excluded.services, active = 1",
            )
            .bind(tenant.0)
            .bind(&t.name)
            .bind(&t.kind)
            .bind(services)
            .execute(&mut *tx)
            .await?;
        }
        // A pull target no longer configured never acknowledges: its open jobs are given up,
        // so that admins see them (and can retry them if it comes back).
        sqlx::query(
            "update outbox_jobs set dead = 1, last_error = 'the target is no longer configured' \
             where tenant_id = ? and kind = ? and done_at is null and dead = 0 and target_id in \
             (select id from delivery_targets where tenant_id = ? and active = 0)",
        )
        .bind(tenant.0)
        .bind(JOB_PULL)
        .bind(tenant.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn targets(&self, tenant: TenantId) -> Result<Vec<Target>> {
        sqlx::query(
            "select id, tenant_id, name, kind, active from delivery_targets \
             where tenant_id = ? and active = 1 order by name",
        )
        .bind(tenant.0)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(target_from)
        .collect()
    }

    async fn job_context(&self, job_id: i64) -> Result<Option<JobContext>> {
        let Some(row) = sqlx::query(
            "select j.case_id, j.progress, t.id, t.tenant_id, t.name, t.kind, t.active \
             from outbox_jobs j left join delivery_targets t on t.id = j.target_id \
             where j.id = ?",
        )
        .bind(job_id)
        .fetch_optional(&self.read)
        .await?
        else {
            return Ok(None);
        };
        let case_id = row
            .try_get::<Option<String>, _>("case_id")?
            .as_deref()
            .map(parse_uuid)
            .transpose()?;
        let target = match row.try_get::<Option<i64>, _>("id")? {
            Some(_) => Some(target_from(&row)?),
            None => None,
        };
        Ok(Some(JobContext {
            case_id,
            target,
            progress: row.try_get("progress")?,
        }))
    }

    async fn save_progress(&self, job_id: i64, progress: &str) -> Result<()> {
        sqlx::query("update outbox_jobs set progress = ? where id = ? and done_at is null")
            .bind(progress)
            .bind(job_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delivery_done(&self, job_id: i64, outcome: Option<&str>) -> Result<bool> {
        let outcome = outcome.map(str::to_owned);
        // An email is done in one statement (it never forwards a case), so it needs no
        // savepoint in the group commit. A job's kind never changes: a reader may tell.
        let kind: Option<String> = sqlx::query_scalar("select kind from outbox_jobs where id = ?")
            .bind(job_id)
            .fetch_optional(&self.read)
            .await?;
        if kind.as_deref() == Some(JOB_MAIL) {
            return self
                .writer
                .run_one(move |tx| {
                    Box::pin(async move {
                        sqlx::query(FINISH_JOB)
                            .bind(now())
                            .bind(outcome)
                            .bind(job_id)
                            .execute(&mut *tx)
                            .await?;
                        Ok(false)
                    })
                })
                .await;
        }
        self.writer
            .run(move |tx| {
                Box::pin(async move { finish_job(tx, job_id, outcome.as_deref(), "system").await })
            })
            .await
    }

    async fn delivery_failed(
        &self,
        job_id: i64,
        lease: Option<DateTime<Utc>>,
        next: DateTime<Utc>,
        error: &str,
        dead: bool,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "update outbox_jobs set attempts = attempts + 1, next_attempt_at = ?, \
             last_error = ?, dead = ?, lease_until = null where id = ? and done_at is null \
             and (? is null or lease_until = ?) \
             returning tenant_id, case_id, attempts, \
             (select name from delivery_targets t where t.id = target_id) as target",
        )
        .bind(format_ts(next))
        .bind(error)
        .bind(dead)
        .bind(job_id)
        .bind(lease.map(format_ts))
        .bind(lease.map(format_ts))
        .fetch_optional(&mut *tx)
        .await?;
        if dead
            && let Some(row) = row
            && let Some(case_id) = row.try_get::<Option<String>, _>("case_id")?
        {
            add_event(
                &mut tx,
                TenantId(row.try_get("tenant_id")?),
                parse_uuid(&case_id)?,
                "delivery_dead",
                "system",
                &serde_json::json!({
                    "target": row.try_get::<Option<String>, _>("target")?,
                    "attempts": row.try_get::<i64, _>("attempts")?,
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
             where j.tenant_id = ? and j.case_id = ? order by j.id",
        )
        .bind(tenant.0)
        .bind(case_id.hyphenated().to_string())
        .fetch_all(&self.read)
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
             where j.dead = 1 and j.done_at is null and (? is null or j.tenant_id = ?) \
             order by j.id desc limit 500",
        )
        .bind(tenant.map(|t| t.0))
        .bind(tenant.map(|t| t.0))
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|row| {
            Ok(DeadJob {
                id: row.try_get("id")?,
                tenant_id: TenantId(row.try_get("tenant_id")?),
                kind: row.try_get("kind")?,
                subject: row.try_get("subject")?,
                idempotency_key: row.try_get("idempotency_key")?,
                case_id: row
                    .try_get::<Option<String>, _>("case_id")?
                    .as_deref()
                    .map(parse_uuid)
                    .transpose()?,
                case_reference: row.try_get("reference")?,
                target: row.try_get("target")?,
                attempts: attempts_of(row)?,
                last_error: row.try_get("last_error")?,
                created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
            })
        })
        .collect()
    }

    async fn retry_dead_job(&self, tenant: Option<TenantId>, job_id: i64) -> Result<bool> {
        let done = sqlx::query(
            "update outbox_jobs set dead = 0, attempts = 0, next_attempt_at = ?, \
             lease_until = null where id = ? and dead = 1 and done_at is null \
             and (? is null or tenant_id = ?)",
        )
        .bind(now())
        .bind(job_id)
        .bind(tenant.map(|t| t.0))
        .bind(tenant.map(|t| t.0))
        .execute(&self.write)
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
             where j.tenant_id = ? and t.tenant_id = ? and t.name = ? and j.kind = ? \
             and j.done_at is null order by j.id limit ?",
        )
        .bind(tenant.0)
        .bind(tenant.0)
        .bind(target)
        .bind(JOB_PULL)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|row| {
            Ok(PendingPull {
                case_id: parse_uuid(&row.try_get::<String, _>("id")?)?,
                reference: row.try_get("reference")?,
                service_slug: row.try_get("slug")?,
                idempotency_key: row.try_get("idempotency_key")?,
                completed_at: row
                    .try_get::<Option<String>, _>("completed_at")?
                    .as_deref()
                    .map(parse_ts)
                    .transpose()?,
            })
        })
        .collect()
    }

    async fn pull_visible(&self, tenant: TenantId, target: &str, case_id: Uuid) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "select count(*) from outbox_jobs j join delivery_targets t on t.id = j.target_id \
             where j.tenant_id = ? and t.tenant_id = ? and t.name = ? and j.kind = ? \
             and j.case_id = ?",
        )
        .bind(tenant.0)
        .bind(tenant.0)
        .bind(target)
        .bind(JOB_PULL)
        .bind(case_id.hyphenated().to_string())
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }

    async fn acknowledge_pull(
        &self,
        tenant: TenantId,
        target: &str,
        case_id: Uuid,
    ) -> Result<Option<bool>> {
        let mut tx = self.begin().await?;
        let job: Option<i64> = sqlx::query_scalar(
            "select j.id from outbox_jobs j join delivery_targets t on t.id = j.target_id \
             where j.tenant_id = ? and t.tenant_id = ? and t.name = ? and j.kind = ? \
             and j.case_id = ?",
        )
        .bind(tenant.0)
        .bind(tenant.0)
        .bind(target)
        .bind(JOB_PULL)
        .bind(case_id.hyphenated().to_string())
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
        let mut tx = self.begin().await?;
        let id = case_id.hyphenated().to_string();
        let row = sqlx::query("select status, reference from cases where id = ? and tenant_id = ?")
            .bind(&id)
            .bind(tenant.0)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(Err(StatusRefusal::NotFound));
        };
        let current = CaseStatus::parse(&row.try_get::<String, _>("status")?)
            .ok_or_else(|| StoreError::Corrupt("case status".into()))?;
        if !crate::status_change_allowed(current, change.status) {
            return Ok(Err(StatusRefusal::NotAllowed));
        }
        sqlx::query("update cases set status = ?, status_note = ? where id = ?")
            .bind(change.status.as_str())
            .bind(&change.note)
            .bind(&id)
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
            sqlx::query_scalar("select status_note from cases where id = ? and tenant_id = ?")
                .bind(case_id.hyphenated().to_string())
                .bind(tenant.0)
                .fetch_optional(&self.read)
                .await?
                .flatten(),
        )
    }
}
