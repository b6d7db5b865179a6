//! The citizen's side of paying: the payment page of a case (amount, the way to the provider's
//! page, a retry after failure), the return page (asks the provider, never trusts the
//! redirect), and the receipt.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fluent_templates::fluent_bundle::FluentValue as Arg;
use leptos::prelude::*;
use payments::PaymentState;
use serde::Deserialize;
use store::{Case, CaseStatus, PaymentAttempt, Tenant};
use uuid::Uuid;

use super::Started;
use crate::auth::citizen::Visitor;
use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::views;
use crate::web::PageCtx;

pub fn payment_url(tenant: &Tenant, case: Uuid) -> String {
    format!("/{}/cases/{case}/payment", tenant.slug)
}

fn confirmation_url(tenant: &Tenant, case: Uuid) -> String {
    format!("/{}/cases/{case}/confirmation", tenant.slug)
}

/// The visitor's own case of this municipality, or 404 (whatever id is in the URL).
async fn own_case(
    state: &AppState,
    visitor: &Visitor,
    tenant: &Tenant,
    id: &str,
) -> AppResult<Case> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    let owner = visitor.owner().ok_or(AppError::NotFound)?;
    state
        .store()
        .case_for_submitter(tenant.id, id, &owner)
        .await?
        .ok_or(AppError::NotFound)
}

/// The service's title for the provider's page and ours.
pub fn service_title(state: &AppState, tenant: &Tenant, case: &Case, lang: Lang) -> String {
    state
        .catalogue()
        .services(tenant.id)
        .iter()
        .find(|o| o.service.id == case.service_id)
        .map(|o| o.form.title.get(lang.code()).to_owned())
        .unwrap_or_else(|| case.service_slug.clone())
}

#[derive(Deserialize)]
pub struct Notice {
    notice: Option<String>,
}

pub async fn payment_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: Visitor,
    Path((slug, id)): Path<(String, String)>,
    Query(notice): Query<Notice>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    let case = own_case(&state, &visitor, tenant, &id).await?;
    render(&state, &ctx, tenant, &case, notice.notice.as_deref()).await
}

async fn render(
    state: &AppState,
    ctx: &PageCtx,
    tenant: &Tenant,
    case: &Case,
    notice: Option<&str>,
) -> AppResult<Response> {
    let payment = state
        .store()
        .case_payment(tenant.id, case.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(fee) = payment.fee else {
        return Ok(Redirect::to(&confirmation_url(tenant, case.id)).into_response());
    };
    let attempts = state.store().case_attempts(tenant.id, case.id).await?;
    if attempts.iter().any(|a| a.state.is_paid()) {
        return Ok(Redirect::to(&confirmation_url(tenant, case.id)).into_response());
    }
    let lang = ctx.lang;
    let now = chrono::Utc::now();
    let latest = attempts.last();
    let open = latest.filter(|a| a.state.is_open() && a.expires_at > now);
    let shell = ctx.tenant_shell(lang.t("payment-title").to_owned(), tenant);
    let items = fee
        .items
        .iter()
        .map(|item| {
            let line = if item.quantity == 1 {
                item.description.clone()
            } else {
                format!(
                    "{} – {} × {}",
                    item.description,
                    item.quantity,
                    forms::format_eur(item.unit_amount.0, lang.code())
                )
            };
            view! { <li>{line}": "{forms::format_eur(item.total().0, lang.code())}</li> }
        })
        .collect_view();
    let status_note = match (notice, latest.map(|a| a.state)) {
        (Some("unavailable"), _) => Some(("warning", lang.t("payment-unavailable"))),
        (Some("refused"), _) | (Some("no-provider"), _) => {
            Some(("warning", lang.t("payment-not-possible")))
        }
        (_, Some(PaymentState::Failed)) => Some(("warning", lang.t("payment-failed"))),
        (_, Some(PaymentState::Cancelled)) => Some(("warning", lang.t("payment-cancelled"))),
        (_, Some(PaymentState::Expired)) => Some(("warning", lang.t("payment-expired"))),
        _ => None,
    }
    .map(|(class, text)| view! { <div class=format!("panel {class}") role="alert"><p>{text}</p></div> });
    let token = ctx.csrf.token();
    let action = payment_url(tenant, case.id);
    let intro = if fee.pay_later {
        lang.t("payment-intro-later")
    } else {
        lang.t("payment-intro")
    };
    let go = match open.and_then(|a| a.redirect_url.clone().map(|u| (a, u))) {
        Some((a, url)) => view! {
            <p><a class="button" href=url>{lang.t("payment-go")}</a></p>
            <p>{lang.t("payment-go-hint")}</p>
            <form method="get" action=format!("{action}/return")>
                <input type="hidden" name="attempt" value=a.id.to_string()/>
                <button type="submit" class="button button--secondary">{lang.t("payment-check")}</button>
            </form>
        }
        .into_any(),
        None => {
            let label = if latest.is_some() {
                lang.t("payment-retry")
            } else {
                lang.t("payment-start")
            };
            view! {
                <form method="post" action=action.clone()>
                    <input type="hidden" name="_csrf" value=token/>
                    <button type="submit" class="button">{label}</button>
                </form>
            }
            .into_any()
        }
    };
    let status = if notice == Some("unavailable") {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    Ok(views::page(
        &shell,
        status,
        view! {
            <h1>{lang.t("payment-title")}</h1>
            {status_note}
            <p>{intro}</p>
            <dl class="summary">
                <dt>{lang.t("payment-reference")}</dt><dd>{case.reference.clone()}</dd>
                <dt>{lang.t("payment-service")}</dt><dd>{service_title(state, tenant, case, lang)}</dd>
                <dt>{lang.t("payment-amount")}</dt><dd><strong>{forms::format_eur(fee.amount.0, lang.code())}</strong></dd>
            </dl>
            <h2>{lang.t("payment-items")}</h2>
            <ul>{items}</ul>
            {go}
            <p><a href=confirmation_url(tenant, case.id)>{lang.t("payment-later-link")}</a></p>
        },
    ))
}

/// "Pay" / "Try again": starts or resumes an attempt, then shows the way to the provider.
pub async fn pay(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: Visitor,
    Path((slug, id)): Path<(String, String)>,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    let case = own_case(&state, &visitor, tenant, &id).await?;
    if let Err(e) = posted {
        return Ok(match e {
            // The page again with a fresh token; nothing was started.
            CsrfRejection::Token(_) => {
                let mut res = render(&state, &ctx, tenant, &case, None).await?;
                *res.status_mut() = StatusCode::FORBIDDEN;
                res
            }
            other => other.into_response(),
        });
    }
    after_start(&state, &ctx, tenant, &case).await
}

/// Starts the payment and sends the citizen on: to the provider's page when it is on this
/// site (the demo's simulation), else to the payment page with the link to it (the page's
/// `form-action` allows only this site, so a form cannot redirect elsewhere).
pub async fn after_start(
    state: &AppState,
    _ctx: &PageCtx,
    tenant: &Tenant,
    case: &Case,
) -> AppResult<Response> {
    // In German whatever the page's language: a retry with the same key must send the same
    // text, or the provider refuses it as a different request.
    let title = service_title(state, tenant, case, Lang::De);
    let started = super::start(state, tenant, case, &title).await?;
    let page = payment_url(tenant, case.id);
    Ok(match started {
        Started::Redirect(url) if url.starts_with('/') => Redirect::to(&url).into_response(),
        Started::Redirect(_) => Redirect::to(&page).into_response(),
        Started::NothingDue => Redirect::to(&confirmation_url(tenant, case.id)).into_response(),
        Started::Unavailable => Redirect::to(&format!("{page}?notice=unavailable")).into_response(),
        Started::Refused => Redirect::to(&format!("{page}?notice=refused")).into_response(),
        Started::NoProvider => Redirect::to(&format!("{page}?notice=no-provider")).into_response(),
    })
}

#[derive(Deserialize)]
pub struct Returned {
    attempt: Option<String>,
}

/// Where the provider sends the citizen back: the status is read from the provider.
pub async fn returned(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: Visitor,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<Returned>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    let case = own_case(&state, &visitor, tenant, &id).await?;
    let attempt_id = q
        .attempt
        .as_deref()
        .and_then(|a| Uuid::parse_str(a).ok())
        .ok_or(AppError::NotFound)?;
    let attempt = state
        .store()
        .attempt(tenant.id, attempt_id)
        .await?
        .filter(|a| a.case_id == case.id)
        .ok_or(AppError::NotFound)?;
    let checked = super::check(&state, tenant.id, &tenant.slug, &attempt, "return").await;
    let now: Option<PaymentAttempt> = state.store().attempt(tenant.id, attempt.id).await?;
    let current = now.map(|a| a.state).unwrap_or(attempt.state);
    if current.is_paid() {
        return Ok(Redirect::to(&confirmation_url(tenant, case.id)).into_response());
    }
    if !current.is_open() {
        return Ok(Redirect::to(&payment_url(tenant, case.id)).into_response());
    }
    // Still open: the provider has not confirmed yet, or could not be asked.
    let lang = ctx.lang;
    let unreachable = checked.is_err();
    let shell = ctx.tenant_shell(lang.t("payment-pending-title").to_owned(), tenant);
    let text = if unreachable {
        lang.t("payment-pending-unreachable")
    } else {
        lang.t("payment-pending-text")
    };
    Ok(views::page(
        &shell,
        if unreachable {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        },
        view! {
            <h1>{lang.t("payment-pending-title")}</h1>
            <div class="panel" role="status"><p>{text}</p></div>
            <p>{lang.t_args("payment-pending-reference", &[("reference", Arg::from(case.reference.clone()))])}</p>
            <form method="get" action=format!("{}/return", payment_url(tenant, case.id))>
                <input type="hidden" name="attempt" value=attempt.id.to_string()/>
                <button type="submit" class="button">{lang.t("payment-check")}</button>
            </form>
            <p><a href=payment_url(tenant, case.id)>{lang.t("payment-back")}</a></p>
        },
    ))
}

/// Whether the confirmation page should send the citizen to pay first.
pub fn awaits_payment(case: &Case) -> bool {
    case.status == CaseStatus::AwaitingPayment
}

/// The receipt labels in the page's language.
fn receipt_labels(lang: Lang) -> crate::pdf::ReceiptLabels {
    let t = |k: &str| lang.t(k).to_owned();
    crate::pdf::ReceiptLabels {
        title: t("receipt-title"),
        reference: t("receipt-reference"),
        service: t("receipt-service"),
        paid_at: t("receipt-paid-at"),
        payment_method: t("receipt-method"),
        kassenzeichen: t("receipt-kassenzeichen"),
        provider_reference: t("receipt-provider-reference"),
        fees: t("receipt-fees"),
        description: t("receipt-description"),
        quantity: t("receipt-quantity"),
        unit_amount: t("receipt-unit-amount"),
        amount: t("receipt-amount"),
        total: t("receipt-total"),
        demo_note: t("receipt-demo-note"),
    }
}

/// The paid attempt that counts for a case (the first one paid, not one due for refund).
pub fn counting_payment(attempts: &[PaymentAttempt]) -> Option<&PaymentAttempt> {
    attempts
        .iter()
        .filter(|a| a.state.is_paid() && !a.refund_due)
        .min_by_key(|a| a.paid_at)
}

/// The receipt of a paid case as a tagged PDF, for the citizen who submitted it.
pub async fn receipt(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: Visitor,
    Path((slug, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    let case = own_case(&state, &visitor, tenant, &id).await?;
    let pdf = receipt_for(&state, tenant, &case, ctx.lang)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = format!("zahlungsbeleg-{}.pdf", case.reference);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_owned(),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// The receipt's bytes, or `None` when the case has no paid fee.
pub async fn receipt_for(
    state: &AppState,
    tenant: &Tenant,
    case: &Case,
    lang: Lang,
) -> AppResult<Option<Vec<u8>>> {
    let Some(payment) = state.store().case_payment(tenant.id, case.id).await? else {
        return Ok(None);
    };
    let Some(fee) = payment.fee else {
        return Ok(None);
    };
    let attempts = state.store().case_attempts(tenant.id, case.id).await?;
    let Some(paid) = counting_payment(&attempts) else {
        return Ok(None);
    };
    let receipt = crate::pdf::Receipt {
        municipality: tenant.name.clone(),
        reference: case.reference.clone(),
        service: service_title(state, tenant, case, lang),
        items: fee
            .items
            .iter()
            .map(|i| crate::pdf::FeeItem {
                description: i.description.clone(),
                quantity: i.quantity,
                unit_cents: i.unit_amount.0,
                total_cents: i.total().0,
            })
            .collect(),
        total_cents: paid.amount.0,
        currency: paid.currency.clone(),
        payment_method: paid.method.clone(),
        kassenzeichen: paid.transaction_reference.clone(),
        provider_reference: paid.provider_reference.clone(),
        paid_at: paid.paid_at.unwrap_or(paid.created_at),
        lang,
        labels: receipt_labels(lang),
        demo: tenant.demo,
    };
    let bytes = tokio::task::spawn_blocking(move || crate::pdf::receipt_pdf(&receipt))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("receipt task: {e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("receipt: {e}")))?;
    Ok(Some(bytes))
}
