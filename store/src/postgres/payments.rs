//! Fees, payment attempts, refunds, timeline and outbox on PostgreSQL. Rows that decide
//! something (an attempt, its case) are locked `for update`; jobs are leased with
//! `for update skip locked`, so several instances share them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use payments::{Cents, PaymentEvent, PaymentState, Transition};
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use super::PgStore;
use crate::{
    Applied, AttemptCreated, BookedPayment, CaseEvent, CaseFee, CasePayment, CaseStatus,
    NewAttempt, NewCase, NewRefund, NewSession, OutboxJob, PaymentAttempt, PaymentStore,
    RefundError, RefundVia, Result, StatusUpdate, StoreError, TenantId,
};

const ATTEMPT_COLUMNS: &str = "select id, tenant_id, case_id, provider, provider_reference, \
     redirect_url, transaction_reference, method, amount_cents, currency, state, refunded_cents, \
     refund_due, expires_at, paid_at, created_at from payment_attempts";

fn parse_state(s: &str) -> Result<PaymentState> {
    PaymentState::parse(s).ok_or_else(|| StoreError::Corrupt(format!("payment state {s:?}")))
}

fn attempt_from(row: &PgRow) -> Result<PaymentAttempt> {
    Ok(PaymentAttempt {
        id: row.try_get("id")?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        case_id: row.try_get("case_id")?,
        provider: row.try_get("provider")?,
        provider_reference: row.try_get("provider_reference")?,
        redirect_url: row.try_get("redirect_url")?,
        transaction_reference: row.try_get("transaction_reference")?,
        method: row.try_get("method")?,
        amount: Cents(row.try_get("amount_cents")?),
        currency: row.try_get("currency")?,
        state: parse_state(row.try_get("state")?)?,
        refunded: Cents(row.try_get("refunded_cents")?),
        refund_due: row.try_get("refund_due")?,
        expires_at: row.try_get("expires_at")?,
        paid_at: row.try_get("paid_at")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn items_json(fee: &CaseFee) -> Result<serde_json::Value> {
    serde_json::to_value(&fee.items)
        .map_err(|_| StoreError::Corrupt("fee items cannot be serialised".into()))
}

fn items_from(v: Option<Json<serde_json::Value>>) -> Result<Vec<payments::FeeItem>> {
    match v {
        None => Ok(Vec::new()),
        Some(Json(v)) => serde_json::from_value(v)
            .map_err(|_| StoreError::Corrupt("fee items are not the expected JSON".into())),
    }
}

pub(super) async fn add_event(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    case_id: Uuid,
    kind: &str,
    actor: &str,
    detail: &serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "insert into case_events (tenant_id, case_id, kind, actor, detail) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(tenant.0)
    .bind(case_id)
    .bind(kind)
    .bind(actor)
    .bind(Json(detail))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// THE place a case completes: `awaiting_payment -> received` and `completed_at` set, once.
/// Returns whether this call completed it. Its deliveries and the citizen's confirmation email are queued in the same transaction.
pub(super) async fn complete_case(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    case_id: Uuid,
    actor: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "update cases set completed_at = now(), \
         status = case when status = 'awaiting_payment' then 'received' else status end \
         where id = $1 and tenant_id = $2 and completed_at is null",
    )
    .bind(case_id)
    .bind(tenant.0)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if done == 1 {
        add_event(
            tx,
            tenant,
            case_id,
            "completed",
            actor,
            &serde_json::json!({}),
        )
        .await?;
        super::delivery::queue_deliveries(tx, tenant, case_id).await?;
    }
    Ok(done == 1)
}

impl PgStore {
    async fn attempt_locked(
        tx: &mut Transaction<'static, Postgres>,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<PaymentAttempt>> {
        sqlx::query(&format!(
            "{ATTEMPT_COLUMNS} where tenant_id = $1 and id = $2 for update"
        ))
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(attempt_from)
        .transpose()
    }
}

#[async_trait]
impl PaymentStore for PgStore {
    async fn submit_case_with_fee(
        &self,
        tenant: TenantId,
        case: &NewCase,
        fee: &CaseFee,
        session: Option<&NewSession>,
    ) -> Result<()> {
        let mut case = case.clone();
        case.status = if fee.pay_later {
            CaseStatus::Received
        } else {
            CaseStatus::AwaitingPayment
        };
        self.insert_case(tenant, &case, Some(fee), session).await
    }

    async fn case_payment(&self, tenant: TenantId, case_id: Uuid) -> Result<Option<CasePayment>> {
        let row = sqlx::query(
            "select fee_cents, currency, pay_later, completed_at, fee_items from cases \
             where tenant_id = $1 and id = $2",
        )
        .bind(tenant.0)
        .bind(case_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let cents: Option<i64> = row.try_get("fee_cents")?;
        let fee = match cents {
            None => None,
            Some(cents) => Some(CaseFee {
                amount: Cents(cents),
                currency: row
                    .try_get::<Option<String>, _>("currency")?
                    .unwrap_or_else(|| "EUR".into()),
                items: items_from(row.try_get("fee_items")?)?,
                pay_later: row.try_get("pay_later")?,
            }),
        };
        Ok(Some(CasePayment {
            fee,
            completed_at: row.try_get("completed_at")?,
        }))
    }

    async fn awaiting_cases(
        &self,
        tenant: TenantId,
        page: crate::Page,
    ) -> Result<Vec<crate::CaseSummary>> {
        self.cases_of(tenant, page, true).await
    }

    async fn count_awaiting_cases(&self, tenant: TenantId) -> Result<u64> {
        self.count_cases_of(tenant, true).await
    }

    async fn create_attempt(&self, tenant: TenantId, attempt: &NewAttempt) -> Result<()> {
        let mut tx = self.begin().await?;
        let written = sqlx::query(
            "insert into payment_attempts (id, tenant_id, case_id, provider, amount_cents, \
             currency, state, expires_at) \
             select $1, $2, $3, $4, $5, $6, 'created', $7 \
             where exists (select 1 from cases where id = $3 and tenant_id = $2)",
        )
        .bind(attempt.id)
        .bind(tenant.0)
        .bind(attempt.case_id)
        .bind(&attempt.provider)
        .bind(attempt.amount.0)
        .bind(&attempt.currency)
        .bind(attempt.expires_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if written == 0 {
            return Err(StoreError::Conflict("case not of this tenant".into()));
        }
        let id = attempt.id.hyphenated().to_string();
        sqlx::query(
            "insert into outbox_jobs (tenant_id, kind, subject, idempotency_key, next_attempt_at) \
             values ($1, 'reconcile_payment', $2, $3, $4)",
        )
        .bind(tenant.0)
        .bind(&id)
        .bind(format!("reconcile_payment:{id}"))
        .bind(attempt.first_check_at)
        .execute(&mut *tx)
        .await?;
        add_event(
            &mut tx,
            tenant,
            attempt.case_id,
            "payment_started",
            "citizen",
            &serde_json::json!({
                "attempt": id,
                "provider": attempt.provider,
                "amount_cents": attempt.amount.0,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn attempt_created(
        &self,
        tenant: TenantId,
        id: Uuid,
        created: &AttemptCreated,
    ) -> Result<()> {
        sqlx::query(
            "update payment_attempts set provider_reference = $1, redirect_url = $2, \
             transaction_reference = coalesce($3, transaction_reference), \
             state = case when state = 'created' then 'pending' else state end, \
             updated_at = now() \
             where tenant_id = $4 and id = $5",
        )
        .bind(&created.provider_reference)
        .bind(&created.redirect_url)
        .bind(created.transaction_reference.as_deref())
        .bind(tenant.0)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(super::map_unique)?;
        Ok(())
    }

    async fn attempt(&self, tenant: TenantId, id: Uuid) -> Result<Option<PaymentAttempt>> {
        sqlx::query(&format!(
            "{ATTEMPT_COLUMNS} where tenant_id = $1 and id = $2"
        ))
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(attempt_from)
        .transpose()
    }

    async fn attempt_by_reference(
        &self,
        tenant: TenantId,
        provider: &str,
        provider_reference: &str,
    ) -> Result<Option<PaymentAttempt>> {
        sqlx::query(&format!(
            "{ATTEMPT_COLUMNS} where tenant_id = $1 and provider = $2 and provider_reference = $3"
        ))
        .bind(tenant.0)
        .bind(provider)
        .bind(provider_reference)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(attempt_from)
        .transpose()
    }

    async fn case_attempts(&self, tenant: TenantId, case_id: Uuid) -> Result<Vec<PaymentAttempt>> {
        let rows = sqlx::query(&format!(
            "{ATTEMPT_COLUMNS} where tenant_id = $1 and case_id = $2 order by created_at, id"
        ))
        .bind(tenant.0)
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attempt_from).collect()
    }

    async fn apply_payment_status(
        &self,
        tenant: TenantId,
        attempt: Uuid,
        update: &StatusUpdate,
    ) -> Result<Option<Applied>> {
        let mut tx = self.begin().await?;
        // The case first, then the attempt: two attempts of one case confirmed at once are
        // applied one after the other, so exactly one of them counts.
        let case_id: Option<Uuid> = sqlx::query_scalar(
            "select c.id from cases c join payment_attempts p on p.case_id = c.id \
             where p.id = $1 and p.tenant_id = $2 for update of c",
        )
        .bind(attempt)
        .bind(tenant.0)
        .fetch_optional(&mut *tx)
        .await?;
        if case_id.is_none() {
            return Ok(None);
        }
        let Some(current) = Self::attempt_locked(&mut tx, tenant, attempt).await? else {
            return Ok(None);
        };
        // What the provider adds (a Kassenzeichen, the method) is kept whatever the state.
        sqlx::query(
            "update payment_attempts set \
             transaction_reference = coalesce($1, transaction_reference), \
             method = coalesce($2, method) where id = $3",
        )
        .bind(update.transaction_reference.as_deref())
        .bind(update.method.as_deref())
        .bind(attempt)
        .execute(&mut *tx)
        .await?;
        let from = current.state;
        let to = match from.apply(update.event) {
            Transition::Ignore => {
                tx.commit().await?;
                return Ok(Some(Applied {
                    from,
                    to: from,
                    completed: false,
                    refund_due: current.refund_due,
                }));
            }
            Transition::To(to) => to,
        };
        let refunded = match update.event {
            PaymentEvent::Refunded { total, .. } => total.0.max(current.refunded.0),
            _ => current.refunded.0,
        };
        let newly_paid = to.is_paid() && !from.is_paid();
        sqlx::query(
            "update payment_attempts set state = $1, refunded_cents = $2, updated_at = now(), \
             paid_at = case when $3 then coalesce(paid_at, now()) else paid_at end where id = $4",
        )
        .bind(to.as_str())
        .bind(refunded)
        .bind(newly_paid)
        .bind(attempt)
        .execute(&mut *tx)
        .await?;
        let id = attempt.hyphenated().to_string();
        add_event(
            &mut tx,
            tenant,
            current.case_id,
            &format!("payment_{}", to.as_str()),
            &update.actor,
            &serde_json::json!({
                "attempt": id,
                "from": from.as_str(),
                "amount_cents": current.amount.0,
            }),
        )
        .await?;
        let mut completed = false;
        let mut refund_due = current.refund_due;
        if newly_paid {
            // The first paid attempt counts; another one already paid makes this one due
            // for refund.
            let other_paid: i64 = sqlx::query_scalar(
                "select count(*) from payment_attempts where case_id = $1 and id <> $2 \
                 and state in ('paid', 'partially_refunded', 'refunded') and not refund_due",
            )
            .bind(current.case_id)
            .bind(attempt)
            .fetch_one(&mut *tx)
            .await?;
            if other_paid > 0 {
                refund_due = true;
                sqlx::query("update payment_attempts set refund_due = true where id = $1")
                    .bind(attempt)
                    .execute(&mut *tx)
                    .await?;
                add_event(
                    &mut tx,
                    tenant,
                    current.case_id,
                    "payment_refund_due",
                    "system",
                    &serde_json::json!({"attempt": id, "amount_cents": current.amount.0}),
                )
                .await?;
            } else {
                completed = complete_case(&mut tx, tenant, current.case_id, &update.actor).await?;
                if !completed {
                    // Complete before its payment (pay later): the backends hear of it.
                    super::delivery::queue_payment_update(&mut tx, tenant, current.case_id).await?;
                }
            }
        }
        // Nothing left to ask the provider once it is paid. (A failed, cancelled or expired
        // attempt is still asked for a while: money taken late still counts.)
        if to.is_paid() {
            sqlx::query(
                "update outbox_jobs set done_at = coalesce(done_at, now()) \
                 where idempotency_key = $1",
            )
            .bind(format!("reconcile_payment:{id}"))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(Applied {
            from,
            to,
            completed,
            refund_due,
        }))
    }

    async fn notification_seen(
        &self,
        tenant: TenantId,
        provider: &str,
        event_id: &str,
    ) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "select count(*) from payment_notifications \
             where tenant_id = $1 and provider = $2 and event_id = $3",
        )
        .bind(tenant.0)
        .bind(provider)
        .bind(event_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    async fn record_notification(
        &self,
        tenant: TenantId,
        provider: &str,
        event_id: &str,
    ) -> Result<()> {
        sqlx::query(
            "insert into payment_notifications (tenant_id, provider, event_id) \
             values ($1, $2, $3) on conflict do nothing",
        )
        .bind(tenant.0)
        .bind(provider)
        .bind(event_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn begin_refund(
        &self,
        tenant: TenantId,
        refund: &NewRefund,
    ) -> Result<std::result::Result<(), RefundError>> {
        let mut tx = self.begin().await?;
        let Some(attempt) = Self::attempt_locked(&mut tx, tenant, refund.attempt_id).await? else {
            return Ok(Err(RefundError::NotPaid));
        };
        if !attempt.state.is_paid() {
            return Ok(Err(RefundError::NotPaid));
        }
        // Refunds requested or done, whatever the provider has reported so far.
        let booked: i64 = sqlx::query_scalar(
            "select coalesce(sum(amount_cents), 0)::bigint from refunds \
             where attempt_id = $1 and state <> 'failed'",
        )
        .bind(refund.attempt_id)
        .fetch_one(&mut *tx)
        .await?;
        let left = attempt.amount.0 - booked.max(attempt.refunded.0);
        if refund.amount.0 > left {
            return Ok(Err(RefundError::TooMuch {
                left: Cents(left.max(0)),
            }));
        }
        let state = match refund.via {
            RefundVia::Provider => "requested",
            RefundVia::CashOffice => "done",
        };
        sqlx::query(
            "insert into refunds (id, tenant_id, attempt_id, amount_cents, reason, via, state, \
             staff_id) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(refund.id)
        .bind(tenant.0)
        .bind(refund.attempt_id)
        .bind(refund.amount.0)
        .bind(&refund.reason)
        .bind(refund.via.as_str())
        .bind(state)
        .bind(refund.staff_id.map(|s| s.0))
        .execute(&mut *tx)
        .await?;
        add_event(
            &mut tx,
            tenant,
            attempt.case_id,
            "refund_requested",
            &refund.staff_name,
            &serde_json::json!({
                "attempt": refund.attempt_id.hyphenated().to_string(),
                "refund": refund.id.hyphenated().to_string(),
                "amount_cents": refund.amount.0,
                "reason": refund.reason,
                "via": refund.via.as_str(),
            }),
        )
        .await?;
        if refund.via == RefundVia::CashOffice {
            book_refund(&mut tx, tenant, &attempt, refund.amount, &refund.staff_name).await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn pending_refunds(&self, tenant: TenantId, attempt: Uuid) -> Result<Vec<(Uuid, Cents)>> {
        let rows = sqlx::query(
            "select id, amount_cents from refunds where tenant_id = $1 and attempt_id = $2 \
             and state = 'requested' and via = 'provider' order by created_at, id",
        )
        .bind(tenant.0)
        .bind(attempt)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, Cents(row.try_get("amount_cents")?))))
            .collect()
    }

    async fn finish_refund(
        &self,
        tenant: TenantId,
        id: Uuid,
        outcome: std::result::Result<String, String>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "select attempt_id, amount_cents from refunds \
             where tenant_id = $1 and id = $2 and state = 'requested' for update",
        )
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(()) };
        let attempt_id: Uuid = row.try_get("attempt_id")?;
        let amount = Cents(row.try_get("amount_cents")?);
        let Some(attempt) = Self::attempt_locked(&mut tx, tenant, attempt_id).await? else {
            return Ok(());
        };
        match outcome {
            Ok(provider_refund_id) => {
                sqlx::query(
                    "update refunds set state = 'done', provider_refund_id = $1 where id = $2",
                )
                .bind(&provider_refund_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                book_refund(&mut tx, tenant, &attempt, amount, &attempt.provider).await?;
            }
            Err(error) => {
                sqlx::query("update refunds set state = 'failed', error = $1 where id = $2")
                    .bind(&error)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                add_event(
                    &mut tx,
                    tenant,
                    attempt.case_id,
                    "refund_failed",
                    &attempt.provider,
                    &serde_json::json!({"refund": id.hyphenated().to_string(), "error": error}),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn case_events(&self, tenant: TenantId, case_id: Uuid) -> Result<Vec<CaseEvent>> {
        let rows = sqlx::query(
            "select kind, actor, detail, at from case_events \
             where tenant_id = $1 and case_id = $2 order by id",
        )
        .bind(tenant.0)
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CaseEvent {
                    kind: row.try_get("kind")?,
                    actor: row.try_get("actor")?,
                    detail: row.try_get::<Json<serde_json::Value>, _>("detail")?.0,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }

    async fn add_case_event(
        &self,
        tenant: TenantId,
        case_id: Uuid,
        kind: &str,
        actor: &str,
        detail: &serde_json::Value,
    ) -> Result<()> {
        let written = sqlx::query(
            "insert into case_events (tenant_id, case_id, kind, actor, detail) \
             select $1, $2, $3, $4, $5 \
             where exists (select 1 from cases where id = $2 and tenant_id = $1)",
        )
        .bind(tenant.0)
        .bind(case_id)
        .bind(kind)
        .bind(actor)
        .bind(Json(detail))
        .execute(&self.pool)
        .await?
        .rows_affected();
        if written == 0 {
            return Err(StoreError::Conflict("case not of this tenant".into()));
        }
        Ok(())
    }

    async fn booked_refunds(
        &self,
        tenant: TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::BookedRefund>> {
        let rows = sqlx::query(
            "select c.reference, p.id, p.provider, p.transaction_reference, r.amount_cents, \
             p.currency, r.via, r.reason, r.created_at \
             from refunds r join payment_attempts p on p.id = r.attempt_id \
             join cases c on c.id = p.case_id \
             where r.tenant_id = $1 and r.state = 'done' and r.created_at >= $2 \
             and r.created_at < $3 order by r.created_at, r.id",
        )
        .bind(tenant.0)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let via: String = row.try_get("via")?;
                Ok(crate::BookedRefund {
                    case_reference: row.try_get("reference")?,
                    attempt_id: row.try_get("id")?,
                    provider: row.try_get("provider")?,
                    transaction_reference: row.try_get("transaction_reference")?,
                    amount: Cents(row.try_get("amount_cents")?),
                    currency: row.try_get("currency")?,
                    via: RefundVia::parse(&via)
                        .ok_or_else(|| StoreError::Corrupt(format!("refund via {via:?}")))?,
                    reason: row.try_get("reason")?,
                    at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn booked_payments(
        &self,
        tenant: TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<BookedPayment>> {
        let rows = sqlx::query(
            "select c.reference, s.slug, p.id, p.provider, p.provider_reference, \
             p.transaction_reference, p.method, p.amount_cents, p.refunded_cents, p.currency, \
             p.paid_at, c.fee_items \
             from payment_attempts p join cases c on c.id = p.case_id \
             join services s on s.id = c.service_id and s.tenant_id = c.tenant_id \
             where p.tenant_id = $1 and p.paid_at >= $2 and p.paid_at < $3 \
             order by p.paid_at, p.id",
        )
        .bind(tenant.0)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(BookedPayment {
                    case_reference: row.try_get("reference")?,
                    service_slug: row.try_get("slug")?,
                    attempt_id: row.try_get("id")?,
                    provider: row.try_get("provider")?,
                    provider_reference: row.try_get("provider_reference")?,
                    transaction_reference: row.try_get("transaction_reference")?,
                    method: row.try_get("method")?,
                    amount: Cents(row.try_get("amount_cents")?),
                    refunded: Cents(row.try_get("refunded_cents")?),
                    currency: row.try_get("currency")?,
                    paid_at: row.try_get("paid_at")?,
                    items: items_from(row.try_get("fee_items")?)?,
                })
            })
            .collect()
    }

    async fn lease_jobs_skipping(
        &self,
        kinds: &[&str],
        skip: &[TenantId],
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxJob>> {
        let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
        let skip: Vec<i64> = skip.iter().map(|t| t.0).collect();
        // Skip locked: another instance leasing at the same moment takes other jobs.
        let rows = sqlx::query(
            "update outbox_jobs set lease_until = $1 where id in ( \
               select id from outbox_jobs \
               where done_at is null and not dead and next_attempt_at <= $2 \
               and (lease_until is null or lease_until <= $2) and kind = any($3) \
               and tenant_id <> all($5) \
               order by next_attempt_at limit $4 for update skip locked) \
             returning id, tenant_id, kind, subject, idempotency_key, attempts",
        )
        .bind(lease_until)
        .bind(now)
        .bind(&kinds)
        .bind(i64::from(limit))
        .bind(&skip)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OutboxJob {
                    id: row.try_get("id")?,
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    kind: row.try_get("kind")?,
                    subject: row.try_get("subject")?,
                    idempotency_key: row.try_get("idempotency_key")?,
                    attempts: u32::try_from(row.try_get::<i32, _>("attempts")?).unwrap_or(0),
                })
            })
            .collect()
    }

    async fn job_done(&self, id: i64) -> Result<()> {
        sqlx::query(
            "update outbox_jobs set done_at = coalesce(done_at, now()), lease_until = null \
             where id = $1",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn job_retry(
        &self,
        id: i64,
        next_attempt_at: DateTime<Utc>,
        error: &str,
        dead: bool,
    ) -> Result<()> {
        sqlx::query(
            "update outbox_jobs set attempts = attempts + 1, next_attempt_at = $1, \
             last_error = $2, dead = $3, lease_until = null where id = $4 and done_at is null",
        )
        .bind(next_attempt_at)
        .bind(error)
        .bind(dead)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A refund paid out: the attempt's refunded sum and state move on, the timeline says so.
async fn book_refund(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    attempt: &PaymentAttempt,
    amount: Cents,
    actor: &str,
) -> Result<()> {
    let current = PgStore::attempt_locked(tx, tenant, attempt.id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("refunded attempt vanished".into()))?;
    // What the provider reported (a status read may already count this refund) or the sum
    // of the refunds done, whichever is more: never both added up.
    let done: i64 = sqlx::query_scalar(
        "select coalesce(sum(amount_cents), 0)::bigint from refunds \
         where attempt_id = $1 and state = 'done'",
    )
    .bind(attempt.id)
    .fetch_one(&mut **tx)
    .await?;
    let total = Cents(current.refunded.0.max(done));
    let event = PaymentEvent::Refunded {
        total,
        amount: current.amount,
    };
    let state = match current.state.apply(event) {
        Transition::To(s) => s,
        Transition::Ignore => current.state,
    };
    sqlx::query(
        "update payment_attempts set refunded_cents = $1, state = $2, updated_at = now() \
         where id = $3",
    )
    .bind(total.0)
    .bind(state.as_str())
    .bind(attempt.id)
    .execute(&mut **tx)
    .await?;
    add_event(
        tx,
        tenant,
        attempt.case_id,
        "refund_done",
        actor,
        &serde_json::json!({
            "attempt": attempt.id.hyphenated().to_string(),
            "amount_cents": amount.0,
            "refunded_cents": total.0,
        }),
    )
    .await
}
