//! Fees, payment attempts, refunds, timeline and outbox on SQLite. All writes go through the
//! single writer connection, so a transaction here never races another writer.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use payments::{Cents, PaymentEvent, PaymentState, Transition};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use super::{SqliteStore, format_ts, now, parse_ts, parse_uuid};
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

fn opt_ts(s: Option<String>) -> Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

fn attempt_from(row: &SqliteRow) -> Result<PaymentAttempt> {
    Ok(PaymentAttempt {
        id: parse_uuid(row.try_get("id")?)?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        case_id: parse_uuid(row.try_get("case_id")?)?,
        provider: row.try_get("provider")?,
        provider_reference: row.try_get("provider_reference")?,
        redirect_url: row.try_get("redirect_url")?,
        transaction_reference: row.try_get("transaction_reference")?,
        method: row.try_get("method")?,
        amount: Cents(row.try_get("amount_cents")?),
        currency: row.try_get("currency")?,
        state: parse_state(row.try_get("state")?)?,
        refunded: Cents(row.try_get("refunded_cents")?),
        refund_due: row.try_get::<i64, _>("refund_due")? != 0,
        expires_at: parse_ts(row.try_get("expires_at")?)?,
        paid_at: opt_ts(row.try_get("paid_at")?)?,
        created_at: parse_ts(row.try_get("created_at")?)?,
    })
}

pub(super) fn items_json(fee: &CaseFee) -> Result<String> {
    serde_json::to_string(&fee.items)
        .map_err(|_| StoreError::Corrupt("fee items cannot be serialised".into()))
}

fn items_from(s: Option<String>) -> Result<Vec<payments::FeeItem>> {
    match s {
        None => Ok(Vec::new()),
        Some(s) => serde_json::from_str(&s)
            .map_err(|_| StoreError::Corrupt("fee items are not JSON".into())),
    }
}

pub(super) async fn add_event(
    tx: &mut SqliteConnection,
    tenant: TenantId,
    case_id: Uuid,
    kind: &str,
    actor: &str,
    detail: &serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "insert into case_events (tenant_id, case_id, kind, actor, detail, at) \
         values (?, ?, ?, ?, ?, ?)",
    )
    .bind(tenant.0)
    .bind(case_id.hyphenated().to_string())
    .bind(kind)
    .bind(actor)
    .bind(detail.to_string())
    .bind(now())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// THE place a case completes: `awaiting_payment -> received` and `completed_at` set, once.
/// Returns whether this call completed it. Its deliveries and the citizen's confirmation email are queued in the same transaction.
pub(super) async fn complete_case(
    tx: &mut SqliteConnection,
    tenant: TenantId,
    case_id: Uuid,
    actor: &str,
) -> Result<bool> {
    let id = case_id.hyphenated().to_string();
    let done = sqlx::query(
        "update cases set completed_at = ?, \
         status = case when status = 'awaiting_payment' then 'received' else status end \
         where id = ? and tenant_id = ? and completed_at is null",
    )
    .bind(now())
    .bind(&id)
    .bind(tenant.0)
    .execute(&mut *tx)
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

impl SqliteStore {
    async fn attempt_in(
        tx: &mut SqliteConnection,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<PaymentAttempt>> {
        sqlx::query(&format!("{ATTEMPT_COLUMNS} where tenant_id = ? and id = ?"))
            .bind(tenant.0)
            .bind(id.hyphenated().to_string())
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(attempt_from)
            .transpose()
    }
}

#[async_trait]
impl PaymentStore for SqliteStore {
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
             where tenant_id = ? and id = ?",
        )
        .bind(tenant.0)
        .bind(case_id.hyphenated().to_string())
        .fetch_optional(&self.read)
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
                pay_later: row.try_get::<i64, _>("pay_later")? != 0,
            }),
        };
        Ok(Some(CasePayment {
            fee,
            completed_at: opt_ts(row.try_get("completed_at")?)?,
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
        let id = attempt.id.hyphenated().to_string();
        let written = sqlx::query(
            "insert into payment_attempts (id, tenant_id, case_id, provider, amount_cents, \
             currency, state, expires_at, created_at, updated_at) \
             select ?, ?, ?, ?, ?, ?, 'created', ?, ?, ? \
             where exists (select 1 from cases where id = ? and tenant_id = ?)",
        )
        .bind(&id)
        .bind(tenant.0)
        .bind(attempt.case_id.hyphenated().to_string())
        .bind(&attempt.provider)
        .bind(attempt.amount.0)
        .bind(&attempt.currency)
        .bind(format_ts(attempt.expires_at))
        .bind(now())
        .bind(now())
        .bind(attempt.case_id.hyphenated().to_string())
        .bind(tenant.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if written == 0 {
            return Err(StoreError::Conflict("case not of this tenant".into()));
        }
        sqlx::query(
            "insert into outbox_jobs (tenant_id, kind, subject, idempotency_key, next_attempt_at) \
             values (?, 'reconcile_payment', ?, ?, ?)",
        )
        .bind(tenant.0)
        .bind(&id)
        .bind(format!("reconcile_payment:{id}"))
        .bind(format_ts(attempt.first_check_at))
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
            "update payment_attempts set provider_reference = ?, redirect_url = ?, \
             transaction_reference = coalesce(?, transaction_reference), \
             state = case when state = 'created' then 'pending' else state end, updated_at = ? \
             where tenant_id = ? and id = ?",
        )
        .bind(&created.provider_reference)
        .bind(&created.redirect_url)
        .bind(created.transaction_reference.as_deref())
        .bind(now())
        .bind(tenant.0)
        .bind(id.hyphenated().to_string())
        .execute(&self.write)
        .await
        .map_err(super::map_unique)?;
        Ok(())
    }

    async fn attempt(&self, tenant: TenantId, id: Uuid) -> Result<Option<PaymentAttempt>> {
        sqlx::query(&format!("{ATTEMPT_COLUMNS} where tenant_id = ? and id = ?"))
            .bind(tenant.0)
            .bind(id.hyphenated().to_string())
            .fetch_optional(&self.read)
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
            "{ATTEMPT_COLUMNS} where tenant_id = ? and provider = ? and provider_reference = ?"
        ))
        .bind(tenant.0)
        .bind(provider)
        .bind(provider_reference)
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(attempt_from)
        .transpose()
    }

    async fn case_attempts(&self, tenant: TenantId, case_id: Uuid) -> Result<Vec<PaymentAttempt>> {
        let rows = sqlx::query(&format!(
            "{ATTEMPT_COLUMNS} where tenant_id = ? and case_id = ? order by created_at, id"
        ))
        .bind(tenant.0)
        .bind(case_id.hyphenated().to_string())
        .fetch_all(&self.read)
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
        let Some(current) = Self::attempt_in(&mut tx, tenant, attempt).await? else {
            return Ok(None);
        };
        let id = attempt.hyphenated().to_string();
        // What the provider adds (a Kassenzeichen, the method) is kept whatever the state.
        sqlx::query(
            "update payment_attempts set \
             transaction_reference = coalesce(?, transaction_reference), \
             method = coalesce(?, method) where id = ?",
        )
        .bind(update.transaction_reference.as_deref())
        .bind(update.method.as_deref())
        .bind(&id)
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
            "update payment_attempts set state = ?, refunded_cents = ?, updated_at = ?, \
             paid_at = case when ? then coalesce(paid_at, ?) else paid_at end where id = ?",
        )
        .bind(to.as_str())
        .bind(refunded)
        .bind(now())
        .bind(newly_paid)
        .bind(now())
        .bind(&id)
        .execute(&mut *tx)
        .await?;
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
                "select count(*) from payment_attempts where case_id = ? and id <> ? \
                 and state in ('paid', 'partially_refunded', 'refunded') and refund_due = 0",
            )
            .bind(current.case_id.hyphenated().to_string())
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
            if other_paid > 0 {
                refund_due = true;
                sqlx::query("update payment_attempts set refund_due = 1 where id = ?")
                    .bind(&id)
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
                "update outbox_jobs set done_at = coalesce(done_at, ?) \
                 where idempotency_key = ?",
            )
            .bind(now())
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
             where tenant_id = ? and provider = ? and event_id = ?",
        )
        .bind(tenant.0)
        .bind(provider)
        .bind(event_id)
        .fetch_one(&self.read)
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
            "insert into payment_notifications (tenant_id, provider, event_id, received_at) \
             values (?, ?, ?, ?) on conflict do nothing",
        )
        .bind(tenant.0)
        .bind(provider)
        .bind(event_id)
        .bind(now())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn begin_refund(
        &self,
        tenant: TenantId,
        refund: &NewRefund,
    ) -> Result<std::result::Result<(), RefundError>> {
        let mut tx = self.begin().await?;
        let Some(attempt) = Self::attempt_in(&mut tx, tenant, refund.attempt_id).await? else {
            return Ok(Err(RefundError::NotPaid));
        };
        if !attempt.state.is_paid() {
            return Ok(Err(RefundError::NotPaid));
        }
        let attempt_id = refund.attempt_id.hyphenated().to_string();
        // Refunds requested or done, whatever the provider has reported so far.
        let booked: i64 = sqlx::query_scalar(
            "select coalesce(sum(amount_cents), 0) from refunds \
             where attempt_id = ? and state <> 'failed'",
        )
        .bind(&attempt_id)
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
             staff_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(refund.id.hyphenated().to_string())
        .bind(tenant.0)
        .bind(&attempt_id)
        .bind(refund.amount.0)
        .bind(&refund.reason)
        .bind(refund.via.as_str())
        .bind(state)
        .bind(refund.staff_id.map(|s| s.0))
        .bind(now())
        .execute(&mut *tx)
        .await?;
        add_event(
            &mut tx,
            tenant,
            attempt.case_id,
            "refund_requested",
            &refund.staff_name,
            &serde_json::json!({
                "attempt": attempt_id,
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
            "select id, amount_cents from refunds where tenant_id = ? and attempt_id = ? \
             and state = 'requested' and via = 'provider' order by created_at, id",
        )
        .bind(tenant.0)
        .bind(attempt.hyphenated().to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    parse_uuid(row.try_get("id")?)?,
                    Cents(row.try_get("amount_cents")?),
                ))
            })
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
             where tenant_id = ? and id = ? and state = 'requested'",
        )
        .bind(tenant.0)
        .bind(id.hyphenated().to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(()) };
        let attempt_id = parse_uuid(row.try_get("attempt_id")?)?;
        let amount = Cents(row.try_get("amount_cents")?);
        let Some(attempt) = Self::attempt_in(&mut tx, tenant, attempt_id).await? else {
            return Ok(());
        };
        match outcome {
            Ok(provider_refund_id) => {
                sqlx::query(
                    "update refunds set state = 'done', provider_refund_id = ? where id = ?",
                )
                .bind(&provider_refund_id)
                .bind(id.hyphenated().to_string())
                .execute(&mut *tx)
                .await?;
                book_refund(&mut tx, tenant, &attempt, amount, &attempt.provider).await?;
            }
            Err(error) => {
                sqlx::query("update refunds set state = 'failed', error = ? where id = ?")
                    .bind(&error)
                    .bind(id.hyphenated().to_string())
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
             where tenant_id = ? and case_id = ? order by id",
        )
        .bind(tenant.0)
        .bind(case_id.hyphenated().to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CaseEvent {
                    kind: row.try_get("kind")?,
                    actor: row.try_get("actor")?,
                    detail: serde_json::from_str(row.try_get("detail")?)
                        .map_err(|_| StoreError::Corrupt("case event detail".into()))?,
                    at: parse_ts(row.try_get("at")?)?,
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
        let mut tx = self.begin().await?;
        let exists: i64 =
            sqlx::query_scalar("select count(*) from cases where id = ? and tenant_id = ?")
                .bind(case_id.hyphenated().to_string())
                .bind(tenant.0)
                .fetch_one(&mut *tx)
                .await?;
        if exists == 0 {
            return Err(StoreError::Conflict("case not of this tenant".into()));
        }
        add_event(&mut tx, tenant, case_id, kind, actor, detail).await?;
        tx.commit().await?;
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
             where r.tenant_id = ? and r.state = 'done' and r.created_at >= ? \
             and r.created_at < ? order by r.created_at, r.id",
        )
        .bind(tenant.0)
        .bind(format_ts(from))
        .bind(format_ts(to))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                let via: String = row.try_get("via")?;
                Ok(crate::BookedRefund {
                    case_reference: row.try_get("reference")?,
                    attempt_id: parse_uuid(row.try_get("id")?)?,
                    provider: row.try_get("provider")?,
                    transaction_reference: row.try_get("transaction_reference")?,
                    amount: Cents(row.try_get("amount_cents")?),
                    currency: row.try_get("currency")?,
                    via: RefundVia::parse(&via)
                        .ok_or_else(|| StoreError::Corrupt(format!("refund via {via:?}")))?,
                    reason: row.try_get("reason")?,
                    at: parse_ts(row.try_get("created_at")?)?,
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
             where p.tenant_id = ? and p.paid_at >= ? and p.paid_at < ? \
             order by p.paid_at, p.id",
        )
        .bind(tenant.0)
        .bind(format_ts(from))
        .bind(format_ts(to))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(BookedPayment {
                    case_reference: row.try_get("reference")?,
                    service_slug: row.try_get("slug")?,
                    attempt_id: parse_uuid(row.try_get("id")?)?,
                    provider: row.try_get("provider")?,
                    provider_reference: row.try_get("provider_reference")?,
                    transaction_reference: row.try_get("transaction_reference")?,
                    method: row.try_get("method")?,
                    amount: Cents(row.try_get("amount_cents")?),
                    refunded: Cents(row.try_get("refunded_cents")?),
                    currency: row.try_get("currency")?,
                    paid_at: parse_ts(row.try_get("paid_at")?)?,
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
        let kinds = serde_json::Value::from(kinds.to_vec()).to_string();
        let skip =
            serde_json::Value::from(skip.iter().map(|t| t.0).collect::<Vec<_>>()).to_string();
        let now = format_ts(now);
        // One writer: the select and the update cannot interleave with another lease.
        let rows = self
            .writer
            .run_one(move |tx| {
                Box::pin(async move {
                    Ok(sqlx::query(
                        "update outbox_jobs set lease_until = ? where id in ( \
                           select id from outbox_jobs \
                           where done_at is null and dead = 0 and next_attempt_at <= ? \
                           and (lease_until is null or lease_until <= ?) \
                           and kind in (select value from json_each(?)) \
                           and tenant_id not in (select value from json_each(?)) \
                           order by next_attempt_at limit ?) \
                         returning id, tenant_id, kind, subject, idempotency_key, attempts",
                    )
                    .bind(format_ts(lease_until))
                    .bind(&now)
                    .bind(&now)
                    .bind(kinds)
                    .bind(skip)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *tx)
                    .await?)
                })
            })
            .await?;
        rows.iter()
            .map(|row| {
                Ok(OutboxJob {
                    id: row.try_get("id")?,
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    kind: row.try_get("kind")?,
                    subject: row.try_get("subject")?,
                    idempotency_key: row.try_get("idempotency_key")?,
                    attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(0),
                })
            })
            .collect()
    }

    async fn job_done(&self, id: i64) -> Result<()> {
        self.writer
            .run_one(move |tx| {
                Box::pin(async move {
                    sqlx::query(
                        "update outbox_jobs set done_at = coalesce(done_at, ?), \
                         lease_until = null where id = ?",
                    )
                    .bind(now())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn job_retry(
        &self,
        id: i64,
        next_attempt_at: DateTime<Utc>,
        error: &str,
        dead: bool,
    ) -> Result<()> {
        sqlx::query(
            "update outbox_jobs set attempts = attempts + 1, next_attempt_at = ?, \
             last_error = ?, dead = ?, lease_until = null where id = ? and done_at is null",
        )
        .bind(format_ts(next_attempt_at))
        .bind(error)
        .bind(dead)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }
}

/// A refund paid out: the attempt's refunded sum and state move on, the timeline says so.
async fn book_refund(
    tx: &mut SqliteConnection,
    tenant: TenantId,
    attempt: &PaymentAttempt,
    amount: Cents,
    actor: &str,
) -> Result<()> {
    let current = SqliteStore::attempt_in(tx, tenant, attempt.id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("refunded attempt vanished".into()))?;
    // What the provider reported (a status read may already count this refund) or the sum
    // of the refunds done, whichever is more: never both added up.
    let done: i64 = sqlx::query_scalar(
        "select coalesce(sum(amount_cents), 0) from refunds where attempt_id = ? and state = 'done'",
    )
    .bind(attempt.id.hyphenated().to_string())
    .fetch_one(&mut *tx)
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
        "update payment_attempts set refunded_cents = ?, state = ?, updated_at = ? where id = ?",
    )
    .bind(total.0)
    .bind(state.as_str())
    .bind(now())
    .bind(attempt.id.hyphenated().to_string())
    .execute(&mut *tx)
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
