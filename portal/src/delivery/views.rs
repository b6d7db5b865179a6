//! What staff see of deliveries: a section on the case page (each target's state and last
//! message, the citizen's emails), and for admins the list of deliveries given up, each with
//! a button that queues it again.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use leptos::prelude::*;
use store::{DeadJob, Delivery, JobState, RoleKind, TenantId};

use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::auth::staff::Staff;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::views;
use crate::web::PageCtx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/deliveries", get(dead_letters))
        .route("/staff/deliveries/{job}/retry", post(retry))
}

/// The municipalities whose given-up deliveries this person may retry: a federation admin
/// all (`None`), a municipality's admin their own.
fn admin_scope(staff: &Staff) -> Option<Vec<Option<TenantId>>> {
    if staff.is_federation_admin() {
        return Some(vec![None]);
    }
    let own: Vec<Option<TenantId>> = staff
        .user
        .roles
        .iter()
        .filter(|r| r.kind == RoleKind::TenantAdmin)
        .filter_map(|r| r.tenant.map(Some))
        .collect();
    (!own.is_empty()).then_some(own)
}

/// Whether this person may retry a delivery of `tenant`.
pub fn may_retry(staff: &Staff, tenant: TenantId) -> bool {
    admin_scope(staff).is_some_and(|s| s.iter().any(|t| t.is_none() || *t == Some(tenant)))
}

fn state_text(lang: Lang, d: &Delivery) -> String {
    match d.state {
        JobState::Done => lang.t("delivery-state-done").to_owned(),
        JobState::Dead => lang.t("delivery-state-dead").to_owned(),
        JobState::Pending if d.kind == store::JOB_PULL => {
            lang.t("delivery-state-waiting-pull").to_owned()
        }
        JobState::Pending if d.attempts == 0 => lang.t("delivery-state-queued").to_owned(),
        JobState::Pending => format!(
            "{} {}",
            lang.t("delivery-state-retry"),
            views::format_date(lang, d.next_attempt_at)
        ),
    }
}

fn retry_button(lang: Lang, csrf: &str, job: i64, back: String) -> impl IntoView + use<> {
    view! {
        <form method="post" action=format!("/staff/deliveries/{job}/retry") class="inline-form">
            <input type="hidden" name="_csrf" value=csrf.to_owned()/>
            <input type="hidden" name="back" value=back/>
            <button type="submit" class="button secondary">{lang.t("delivery-retry")}</button>
        </form>
    }
}

/// The case page's section: one row per target and per citizen email.
pub fn case_section(
    lang: Lang,
    csrf: &str,
    case_id: uuid::Uuid,
    deliveries: &[Delivery],
    note: Option<String>,
    may_retry: bool,
) -> AnyView {
    let rows = deliveries
        .iter()
        .map(|d| {
            let what = match (&d.target, &d.target_kind) {
                (Some(name), Some(kind)) => format!(
                    "{name} ({})",
                    lang.t(&format!("delivery-kind-{}", kind.replace('_', "-")))
                ),
                _ => lang.t("delivery-citizen-mail").to_owned(),
            };
            let message = d
                .last_error
                .clone()
                .filter(|_| d.state != JobState::Done)
                .or_else(|| d.outcome.clone())
                .unwrap_or_default();
            let button = (may_retry && d.state == JobState::Dead)
                .then(|| retry_button(lang, csrf, d.job_id, format!("case:{case_id}")));
            view! {
                <tr>
                    <td>{what}</td>
                    <td>{state_text(lang, d)}{button}</td>
                    <td>{d.attempts}</td>
                    <td>{d.done_at.map(|t| views::format_date(lang, t))}</td>
                    <td>{message}</td>
                    <td><code>{d.idempotency_key.clone()}</code></td>
                </tr>
            }
        })
        .collect_view();
    let note = note.map(|n| {
        view! { <p>{lang.t("delivery-note")}" "<q>{n}</q></p> }
    });
    let body = if deliveries.is_empty() {
        view! { <p>{lang.t("delivery-none")}</p> }.into_any()
    } else {
        view! {
            <table class="data-table">
                <caption class="visually-hidden">{lang.t("delivery-title")}</caption>
                <thead><tr>
                    <th scope="col">{lang.t("delivery-col-target")}</th>
                    <th scope="col">{lang.t("delivery-col-state")}</th>
                    <th scope="col">{lang.t("delivery-col-attempts")}</th>
                    <th scope="col">{lang.t("delivery-col-done")}</th>
                    <th scope="col">{lang.t("delivery-col-message")}</th>
                    <th scope="col">{lang.t("delivery-col-key")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="delivery-title">
            <h2 id="delivery-title">{lang.t("delivery-title")}</h2>
            {note}
            {body}
        </section>
    }
    .into_any()
}

async fn dead_letters(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
) -> AppResult<Response> {
    let Some(scope) = admin_scope(&staff) else {
        return Err(AppError::NotFound);
    };
    let mut jobs: Vec<DeadJob> = Vec::new();
    for tenant in scope {
        jobs.extend(state.store().dead_jobs(tenant).await?);
    }
    jobs.sort_by_key(|j| std::cmp::Reverse(j.id));
    let lang = ctx.lang;
    let catalogue = state.catalogue();
    let csrf = ctx.csrf.token();
    let rows = jobs
        .iter()
        .map(|j| {
            let municipality = catalogue
                .tenant_by_id(j.tenant_id)
                .map(|t| t.name.clone())
                .unwrap_or_default();
            let case = match (j.case_id, &j.case_reference) {
                (Some(id), Some(r)) => {
                    view! { <a href=format!("/staff/cases/{id}")>{r.clone()}</a> }.into_any()
                }
                _ => view! { <span>{j.subject.clone()}</span> }.into_any(),
            };
            let what = j
                .target
                .clone()
                .unwrap_or_else(|| lang.t("delivery-citizen-mail").to_owned());
            view! {
                <tr>
                    <td>{municipality}</td>
                    <td>{case}</td>
                    <td>{what}</td>
                    <td>{j.attempts}</td>
                    <td>{j.last_error.clone().unwrap_or_default()}</td>
                    <td>{retry_button(lang, &csrf, j.id, "list".to_owned())}</td>
                </tr>
            }
        })
        .collect_view();
    let title = lang.t("delivery-dead-title").to_owned();
    let body = if jobs.is_empty() {
        view! { <p>{lang.t("delivery-dead-none")}</p> }.into_any()
    } else {
        view! {
            <table class="data-table">
                <caption class="visually-hidden">{title.clone()}</caption>
                <thead><tr>
                    <th scope="col">{lang.t("case-municipality")}</th>
                    <th scope="col">{lang.t("delivery-col-case")}</th>
                    <th scope="col">{lang.t("delivery-col-target")}</th>
                    <th scope="col">{lang.t("delivery-col-attempts")}</th>
                    <th scope="col">{lang.t("delivery-col-message")}</th>
                    <th scope="col"><span class="visually-hidden">{lang.t("delivery-retry")}</span></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let shell = ctx.staff_shell(title.clone(), &staff);
    Ok(views::page(
        &shell,
        StatusCode::OK,
        view! {
            <h1>{title}</h1>
            <p>{lang.t("delivery-dead-intro")}</p>
            {body}
        },
    ))
}

async fn retry(
    State(state): State<AppState>,
    staff: Staff,
    Path(job): Path<String>,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    let fields = match posted {
        Ok(CsrfForm(f)) => f,
        // An expired form: back to where it was, where a fresh button waits.
        Err(CsrfRejection::Token(_)) => {
            return Ok(Redirect::to("/staff/deliveries").into_response());
        }
        Err(other) => return Ok(other.into_response()),
    };
    let Some(scope) = admin_scope(&staff) else {
        return Err(AppError::NotFound);
    };
    let job: i64 = job.parse().map_err(|_| AppError::NotFound)?;
    let mut done = false;
    for tenant in scope {
        if state.store().retry_dead_job(tenant, job).await? {
            done = true;
            break;
        }
    }
    if done {
        tracing::info!(job, staff = staff.user.id.0, "delivery queued again");
    }
    let back = fields
        .iter()
        .find(|(k, _)| k == "back")
        .map(|(_, v)| v.as_str())
        .unwrap_or("list");
    let to = match back.strip_prefix("case:").map(uuid::Uuid::parse_str) {
        Some(Ok(case)) => format!("/staff/cases/{case}#delivery-title"),
        _ => "/staff/deliveries".to_owned(),
    };
    Ok(Redirect::to(&to).into_response())
}
