//! The clerk's side of payments: the payment section of a case (state, provider reference,
//! Kassenzeichen, each attempt, the timeline), refunds with a reason (through the provider
//! where it offers refunds, else recorded as paid out by the cash office), and the cash
//! office export of a day's payments as CSV and JSON.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use payments::{Cents, PaymentError, PaymentState, RefundRequest};
use serde::Deserialize;
use store::{CaseEvent, CasePayment, NewRefund, PaymentAttempt, RefundError, RefundVia, Tenant};
use uuid::Uuid;

use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::auth::staff::Staff;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;

/// What a clerk typed into the refund form, kept when it is refused.
#[derive(Clone, Debug, Default)]
pub struct RefundDraft {
    pub attempt: String,
    pub amount: String,
    pub reason: String,
    pub error: Option<&'static str>,
}

fn state_text(lang: Lang, state: PaymentState) -> &'static str {
    lang.t(&format!("pay-state-{}", state.as_str().replace('_', "-")))
}

fn euros(lang: Lang, cents: i64) -> String {
    forms::format_eur(cents, lang.code())
}

/// The payment section of the case page; nothing for a case without a fee.
#[allow(clippy::too_many_arguments)]
pub fn section(
    lang: Lang,
    csrf_token: String,
    case_id: Uuid,
    payment: &CasePayment,
    attempts: &[PaymentAttempt],
    events: &[CaseEvent],
    provider_refunds: bool,
    draft: Option<&RefundDraft>,
) -> Option<AnyView> {
    let fee = payment.fee.as_ref()?;
    let paid: Vec<&PaymentAttempt> = attempts.iter().filter(|a| a.state.is_paid()).collect();
    let summary = if let Some(a) = paid.first() {
        lang.t_args(
            "pay-summary-paid",
            &[("amount", euros(lang, a.amount.0).into())],
        )
    } else if fee.pay_later {
        lang.t("pay-summary-later").to_owned()
    } else {
        lang.t("pay-summary-open").to_owned()
    };
    let rows = attempts
        .iter()
        .map(|a| {
            let due = a.refund_due.then(|| {
                view! { <strong class="warning-text">" "{lang.t("pay-refund-due")}</strong> }
            });
            view! {
                <tr>
                    <td>{views_date(lang, a.created_at)}</td>
                    <td>{a.provider.clone()}</td>
                    <td>{a.provider_reference.clone().unwrap_or_default()}</td>
                    <td>{a.transaction_reference.clone().unwrap_or_default()}</td>
                    <td>{a.method.clone().unwrap_or_default()}</td>
                    <td>{euros(lang, a.amount.0)}</td>
                    <td>{state_text(lang, a.state)}{due}</td>
                    <td>{(a.refunded.0 > 0).then(|| euros(lang, a.refunded.0))}</td>
                </tr>
            }
        })
        .collect_view();
    let timeline = events
        .iter()
        .map(|e| {
            let amount = e
                .detail
                .get("amount_cents")
                .and_then(serde_json::Value::as_i64)
                .map(|c| format!(" · {}", euros(lang, c)));
            let reason = e
                .detail
                .get("reason")
                .and_then(serde_json::Value::as_str)
                .map(|r| format!(" · {r}"));
            let text = lang.t(&format!("event-{}", e.kind.replace('_', "-")));
            view! {
                <li><time>{views_date(lang, e.at)}</time>" · "{text}" · "{e.actor.clone()}{amount}{reason}</li>
            }
        })
        .collect_view();
    // Shown whether or not anything is left to refund (a second clerk's refused post).
    let error = draft.and_then(|d| d.error).map(|key| {
        view! { <div class="panel warning" role="alert" id="refund-error"><p>{lang.t(key)}</p></div> }
    });
    let refundable: Vec<&PaymentAttempt> = paid
        .iter()
        .copied()
        .filter(|a| a.refunded < a.amount)
        .collect();
    let refund_form = (!refundable.is_empty()).then(|| {
        let draft = draft.cloned().unwrap_or_default();
        let options = refundable
            .iter()
            .map(|a| {
                let id = a.id.to_string();
                let selected = draft.attempt == id;
                let label = format!(
                    "{} · {} · {} {}",
                    a.provider,
                    a.provider_reference.clone().unwrap_or_default(),
                    lang.t("pay-refundable"),
                    euros(lang, a.amount.0 - a.refunded.0)
                );
                view! { <option value=id selected=selected>{label}</option> }
            })
            .collect_view();
        let via = if provider_refunds {
            lang.t("pay-refund-via-provider")
        } else {
            lang.t("pay-refund-via-cash-office")
        };
        view! {
            <h3>{lang.t("pay-refund-title")}</h3>
            <p>{via}</p>
            <form method="post" action=format!("/staff/cases/{case_id}/refund") novalidate=true>
                <input type="hidden" name="_csrf" value=csrf_token/>
                <div class="field">
                    <label for="f-attempt">{lang.t("pay-refund-attempt")}</label>
                    <select id="f-attempt" name="attempt">{options}</select>
                </div>
                <div class="field">
                    <label for="f-amount">{lang.t("pay-refund-amount")}</label>
                    <input id="f-amount" name="amount" type="text" inputmode="decimal" class="input--short" value=draft.amount/>
                </div>
                <div class="field">
                    <label for="f-reason">{lang.t("pay-refund-reason")}</label>
                    <textarea id="f-reason" name="reason" rows="3">{draft.reason}</textarea>
                </div>
                <div class="button-group">
                    <button type="submit" class="button">{lang.t("pay-refund-submit")}</button>
                </div>
            </form>
        }
    });
    Some(
        view! {
            <section aria-labelledby="payment-title">
                <h2 id="payment-title">{lang.t("pay-title")}</h2>
                <p>{summary}</p>
                <table class="data-table">
                    <caption class="visually-hidden">{lang.t("pay-attempts")}</caption>
                    <thead><tr>
                        <th scope="col">{lang.t("pay-col-date")}</th>
                        <th scope="col">{lang.t("pay-col-provider")}</th>
                        <th scope="col">{lang.t("pay-col-reference")}</th>
                        <th scope="col">{lang.t("pay-col-kassenzeichen")}</th>
                        <th scope="col">{lang.t("pay-col-method")}</th>
                        <th scope="col">{lang.t("pay-col-amount")}</th>
                        <th scope="col">{lang.t("pay-col-state")}</th>
                        <th scope="col">{lang.t("pay-col-refunded")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
                {error}
                {refund_form}
                <h3>{lang.t("pay-timeline")}</h3>
                <ol class="timeline">{timeline}</ol>
            </section>
        }
        .into_any(),
    )
}

fn views_date(lang: Lang, t: chrono::DateTime<chrono::Utc>) -> String {
    crate::views::format_date(lang, t)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// A clerk's refund: checked (amount, reason, what is left), written before the provider is
/// called (its id the idempotency key), then done through the provider or recorded as paid
/// out by the cash office.
pub async fn refund(
    State(state): State<AppState>,
    ctx: crate::web::PageCtx,
    staff: Staff,
    Path(id): Path<String>,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    let (tenant, case) = crate::inbox::find_case(&state, &staff, &id).await?;
    let (fields, token_ok) = match posted {
        Ok(CsrfForm(f)) => (f, true),
        Err(CsrfRejection::Token(f)) => (f, false),
        Err(other) => return Ok(other.into_response()),
    };
    let mut draft = RefundDraft {
        attempt: field(&fields, "attempt").to_owned(),
        amount: field(&fields, "amount").to_owned(),
        reason: field(&fields, "reason").trim().to_owned(),
        error: None,
    };
    match book_refund(&state, &staff, &tenant, &case, &draft, token_ok).await? {
        Ok(()) => {
            Ok(Redirect::to(&format!("/staff/cases/{}#payment-title", case.id)).into_response())
        }
        Err(refusal) => {
            if !refusal.keep {
                draft = RefundDraft::default();
            }
            draft.error = Some(refusal.key);
            let mut res =
                crate::inbox::case_page_with(&state, &ctx, &staff, &id, Some(&draft)).await?;
            *res.status_mut() = refusal.status;
            Ok(res)
        }
    }
}

/// Why a refund was not booked: the text key, the status, and whether the form keeps what
/// the clerk typed.
struct Refusal {
    key: &'static str,
    status: StatusCode,
    keep: bool,
}

impl Refusal {
    fn kept(key: &'static str, status: StatusCode) -> Self {
        Self {
            key,
            status,
            keep: true,
        }
    }
}

/// Checks and books a refund; the outer `Result` is a failure of the portal itself.
async fn book_refund(
    state: &AppState,
    staff: &Staff,
    tenant: &Tenant,
    case: &store::Case,
    draft: &RefundDraft,
    token_ok: bool,
) -> AppResult<Result<(), Refusal>> {
    if !token_ok {
        return Ok(Err(Refusal::kept(
            "csrf-expired-text",
            StatusCode::FORBIDDEN,
        )));
    }
    let amount = forms::parse_money(&draft.amount).filter(|c| *c > 0);
    let attempt_id = Uuid::parse_str(&draft.attempt).ok();
    let (Some(amount), Some(attempt_id)) = (amount, attempt_id) else {
        return Ok(Err(Refusal::kept(
            "pay-refund-error-amount",
            StatusCode::UNPROCESSABLE_ENTITY,
        )));
    };
    if draft.reason.is_empty() || draft.reason.chars().count() > 500 {
        return Ok(Err(Refusal::kept(
            "pay-refund-error-reason",
            StatusCode::UNPROCESSABLE_ENTITY,
        )));
    }
    let Some(attempt) = state
        .store()
        .attempt(tenant.id, attempt_id)
        .await?
        .filter(|a| a.case_id == case.id)
    else {
        return Ok(Err(Refusal::kept(
            "pay-refund-error-amount",
            StatusCode::UNPROCESSABLE_ENTITY,
        )));
    };
    let provider = state
        .providers()
        .for_tenant(tenant)
        .filter(|p| p.provider.name() == attempt.provider && p.provider.refunds());
    // A refund the provider has not answered yet is asked about again first, with its own
    // key: it may have gone through, and a new one must not be added on top of it.
    if let (Some(p), Some(reference)) = (&provider, &attempt.provider_reference) {
        for (pending, amount) in state.store().pending_refunds(tenant.id, attempt_id).await? {
            match provider_refund(p, reference, pending, amount).await {
                Some(outcome) => {
                    state
                        .store()
                        .finish_refund(tenant.id, pending, outcome)
                        .await?;
                }
                None => {
                    return Ok(Err(Refusal::kept(
                        "pay-refund-error-pending",
                        StatusCode::SERVICE_UNAVAILABLE,
                    )));
                }
            }
        }
    }
    let refund_id = Uuid::new_v4();
    let begun = state
        .store()
        .begin_refund(
            tenant.id,
            &NewRefund {
                id: refund_id,
                attempt_id,
                amount: Cents(amount),
                reason: draft.reason.clone(),
                via: if provider.is_some() {
                    RefundVia::Provider
                } else {
                    RefundVia::CashOffice
                },
                staff_id: Some(staff.user.id),
                staff_name: staff.user.username.clone(),
            },
        )
        .await?;
    match begun {
        Ok(()) => {}
        Err(RefundError::TooMuch { .. }) => {
            return Ok(Err(Refusal::kept(
                "pay-refund-error-too-much",
                StatusCode::UNPROCESSABLE_ENTITY,
            )));
        }
        Err(RefundError::NotPaid) => {
            return Ok(Err(Refusal::kept(
                "pay-refund-error-amount",
                StatusCode::UNPROCESSABLE_ENTITY,
            )));
        }
    }
    if let (Some(p), Some(reference)) = (&provider, &attempt.provider_reference) {
        match provider_refund(p, reference, refund_id, Cents(amount)).await {
            Some(outcome) => {
                let failed = outcome.is_err();
                state
                    .store()
                    .finish_refund(tenant.id, refund_id, outcome)
                    .await?;
                if failed {
                    return Ok(Err(Refusal::kept(
                        "pay-refund-error-provider",
                        StatusCode::BAD_GATEWAY,
                    )));
                }
            }
            None => {
                // Left as requested: it counts as booked, and the next refund asks again.
                return Ok(Err(Refusal {
                    key: "pay-refund-error-pending",
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    keep: false,
                }));
            }
        }
    }
    tracing::info!(tenant = %tenant.slug, case = %case.id, refund = %refund_id, "refund recorded");
    Ok(Ok(()))
}

/// Asks the provider to refund (again, with the same key when asked before). `None`: no
/// answer (unavailable), so the refund stays requested.
async fn provider_refund(
    p: &super::TenantProvider,
    reference: &str,
    id: Uuid,
    amount: Cents,
) -> Option<Result<String, String>> {
    match p
        .provider
        .refund(&RefundRequest {
            idempotency_key: id.to_string(),
            provider_reference: reference.to_owned(),
            amount,
        })
        .await
    {
        Ok(done) => Some(Ok(done.provider_refund_id)),
        Err(PaymentError::Unavailable(e)) => {
            tracing::warn!(refund = %id, error = %e, "refund: provider unavailable");
            None
        }
        Err(e) => Some(Err(e.to_string())),
    }
}

#[derive(Deserialize)]
pub struct ExportQuery {
    pub day: Option<String>,
}

/// The cash office export: one municipality's payments booked on one day (Europe/Berlin), as
/// CSV (`;`-separated, German decimal comma, for spreadsheet import) or JSON.
pub async fn export(
    State(state): State<AppState>,
    ctx: crate::web::PageCtx,
    staff: Staff,
    Path((slug, file)): Path<(String, String)>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant: &Tenant = staff
        .tenants(catalogue.tenants())
        .into_iter()
        .find(|t| t.slug == slug)
        .ok_or(AppError::NotFound)?;
    let format = match file.as_str() {
        "payments.csv" => "csv",
        "payments.json" => "json",
        "refunds.csv" => "refunds",
        _ => return Err(AppError::NotFound),
    };
    let day = match q.day.as_deref() {
        Some(d) => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(day) => day,
            Err(_) => {
                let lang = ctx.lang;
                let shell = ctx.staff_shell(lang.t("cash-office-title").to_owned(), &staff);
                return Ok(crate::views::page(
                    &shell,
                    StatusCode::BAD_REQUEST,
                    view! {
                        <h1>{lang.t("cash-office-title")}</h1>
                        <div class="panel warning" role="alert"><p>{lang.t("cash-office-bad-day")}</p></div>
                        <p><a href=format!("/staff/inbox?tenant={}", tenant.slug)>{lang.t("case-back")}</a></p>
                    },
                ));
            }
        },
        None => chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Berlin)
            .date_naive(),
    };
    let (from, to) = berlin_day(day);
    let booked = state.store().booked_payments(tenant.id, from, to).await?;
    let refunds = state.store().booked_refunds(tenant.id, from, to).await?;
    let (name, body, content_type) = match format {
        "csv" => (
            format!("zahlungen-{}-{day}.csv", tenant.slug),
            csv(&booked),
            "text/csv; charset=utf-8",
        ),
        "refunds" => (
            format!("erstattungen-{}-{day}.csv", tenant.slug),
            refunds_csv(&refunds),
            "text/csv; charset=utf-8",
        ),
        _ => (
            format!("zahlungen-{}-{day}.json", tenant.slug),
            json(tenant, day, &booked, &refunds).to_string(),
            "application/json",
        ),
    };
    let disposition = format!("attachment; filename=\"{name}\"");
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// The instants a day in Berlin starts and ends (23, 24 or 25 hours long).
pub fn berlin_day(
    day: chrono::NaiveDate,
) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    use chrono::TimeZone;
    let start = |d: chrono::NaiveDate| {
        let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        chrono_tz::Europe::Berlin
            .from_local_datetime(&midnight)
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_else(|| midnight.and_utc())
    };
    (start(day), start(day.succ_opt().unwrap_or(day)))
}

fn decimal(cents: i64) -> String {
    Cents(cents).decimal_euros().replace('.', ",")
}

/// A CSV cell: quoted, quotes doubled; a leading `=`, `+`, `-` or `@` is defused so that a
/// spreadsheet never runs it as a formula.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn csv(booked: &[store::BookedPayment]) -> String {
    let mut out = String::from(
        "Aktenzeichen;Leistung;Bezahlt am (UTC);Betrag;Erstattet;Währung;Zahlungsdienst;\
         Referenz;Kassenzeichen;Zahlart\r\n",
    );
    for b in booked {
        let row = [
            cell(&b.case_reference),
            cell(&b.service_slug),
            cell(&b.paid_at.format("%Y-%m-%d %H:%M:%S").to_string()),
            decimal(b.amount.0),
            decimal(b.refunded.0),
            cell(&b.currency),
            cell(&b.provider),
            cell(b.provider_reference.as_deref().unwrap_or_default()),
            cell(b.transaction_reference.as_deref().unwrap_or_default()),
            cell(b.method.as_deref().unwrap_or_default()),
        ];
        out.push_str(&row.join(";"));
        out.push_str("\r\n");
    }
    out
}

/// The refunds carried out that day: what the cash office pays out (`Kasse`) or what the
/// provider already paid back (`Zahlungsdienst`).
fn refunds_csv(refunds: &[store::BookedRefund]) -> String {
    let mut out = String::from(
        "Aktenzeichen;Erstattet am (UTC);Betrag;Währung;Zahlungsdienst;Kassenzeichen;Weg;Grund\r\n",
    );
    for r in refunds {
        let row = [
            cell(&r.case_reference),
            cell(&r.at.format("%Y-%m-%d %H:%M:%S").to_string()),
            decimal(r.amount.0),
            cell(&r.currency),
            cell(&r.provider),
            cell(r.transaction_reference.as_deref().unwrap_or_default()),
            cell(match r.via {
                RefundVia::Provider => "Zahlungsdienst",
                RefundVia::CashOffice => "Kasse",
            }),
            cell(&r.reason),
        ];
        out.push_str(&row.join(";"));
        out.push_str("\r\n");
    }
    out
}

fn json(
    tenant: &Tenant,
    day: chrono::NaiveDate,
    booked: &[store::BookedPayment],
    refunds: &[store::BookedRefund],
) -> serde_json::Value {
    serde_json::json!({
        "municipality": tenant.slug,
        "day": day.to_string(),
        "timezone": "Europe/Berlin",
        "total_cents": booked.iter().map(|b| b.amount.0).sum::<i64>(),
        "payments": booked.iter().map(|b| serde_json::json!({
            "case_reference": b.case_reference,
            "service": b.service_slug,
            "attempt": b.attempt_id,
            "paid_at": b.paid_at,
            "amount_cents": b.amount.0,
            "refunded_cents": b.refunded.0,
            "currency": b.currency,
            "provider": b.provider,
            "provider_reference": b.provider_reference,
            "kassenzeichen": b.transaction_reference,
            "method": b.method,
            "items": b.items,
        })).collect::<Vec<_>>(),
        "refunds_total_cents": refunds.iter().map(|r| r.amount.0).sum::<i64>(),
        "refunds": refunds.iter().map(|r| serde_json::json!({
            "case_reference": r.case_reference,
            "attempt": r.attempt_id,
            "refunded_at": r.at,
            "amount_cents": r.amount.0,
            "currency": r.currency,
            "provider": r.provider,
            "kassenzeichen": r.transaction_reference,
            "via": r.via.as_str(),
            "reason": r.reason,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_berlin_day_has_23_24_or_25_hours() {
        let hours = |y, m, d| {
            let (a, b) = berlin_day(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default());
            (b - a).num_hours()
        };
        assert_eq!(hours(2026, 3, 29), 23);
        assert_eq!(hours(2026, 10, 25), 25);
        assert_eq!(hours(2026, 11, 27), 24);
    }

    #[test]
    fn a_csv_cell_never_becomes_a_formula() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("WER-2026-7K3QF"), "\"WER-2026-7K3QF\"");
        assert_eq!(decimal(35_000), "350,00");
    }
}
