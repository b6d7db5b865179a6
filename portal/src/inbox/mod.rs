//! The clerks' side: login, the inbox of their municipality, and a case with every answer.

mod explain;
pub mod oidc_login;
mod pages;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::Deserialize;
use store::{LockoutPolicy, NewSession, Page};

use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::auth::password;
use crate::auth::session::SessionKey;
use crate::auth::staff::{Staff, effective_roles};
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::PageCtx;

pub const PAGE_SIZE: u64 = 25;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(|| async { Redirect::to("/staff/inbox") }))
        .route("/staff/", get(|| async { Redirect::to("/staff/inbox") }))
        .route("/staff/login", get(login_page).post(login))
        .route("/staff/login/oidc", get(oidc_login::begin))
        .route(
            "/staff/login/oidc/{tenant}",
            get(oidc_login::begin_municipal),
        )
        .route("/staff/login/callback", get(oidc_login::callback))
        .route(
            "/staff/login/callback/{tenant}",
            get(oidc_login::callback_municipal),
        )
        .route("/staff/logout", post(logout))
        .route("/staff/inbox", get(inbox))
        .route("/staff/cases/{id}", get(case_page))
        .route(
            "/staff/cases/{id}/refund",
            axum::routing::post(crate::payment::clerk::refund),
        )
        .route(
            "/staff/cash-office/{tenant}/{file}",
            get(crate::payment::clerk::export),
        )
        .route("/staff/cases/{id}/explain", get(explain_page))
        .route(
            "/staff/cases/{id}/attachments/{attachment}",
            get(attachment_download),
        )
}

async fn login_page(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let oidc = oidc_login::choices(&state);
    pages::login(&ctx, StatusCode::OK, String::new(), None, &oidc)
}

async fn login(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    let oidc = oidc_login::choices(&state);
    let fields = match posted {
        Ok(CsrfForm(fields)) => fields,
        Err(CsrfRejection::Token(fields)) => {
            let username = field(&fields, "username");
            return Ok(pages::login(
                &ctx,
                StatusCode::FORBIDDEN,
                username,
                Some(pages::LoginProblem::Expired),
                &oidc,
            ));
        }
        Err(other) => return Ok(other.into_response()),
    };
    let username = field(&fields, "username").trim().to_owned();
    let password_given = field(&fields, "password");
    if username.is_empty() || password_given.is_empty() {
        return Ok(pages::login(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            username,
            Some(pages::LoginProblem::Missing),
            &oidc,
        ));
    }
    let user = state.store().staff_by_username(&username).await?;
    let refused = || {
        pages::login(
            &ctx,
            StatusCode::UNAUTHORIZED,
            username.clone(),
            Some(pages::LoginProblem::Wrong),
            &oidc,
        )
    };

    // A locked account is refused without checking the password: no Argon2 work for a
    // guesser. The answer is the same as for a wrong password or an unknown user, and it takes
    // about as long as a password check (a sleep, no CPU), so it tells nothing either.
    if let Some(locked) = user.as_ref().filter(|u| u.is_locked(Utc::now())) {
        tracing::warn!(staff = locked.id.0, "staff login refused: account locked");
        tokio::time::sleep(typical_check_time()).await;
        return Ok(refused());
    }

    let started = Instant::now();
    let ok = password::verify(
        password_given,
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    note_check_time(started.elapsed());
    let user = match (user, ok) {
        (Some(user), true) => user,
        (Some(user), false) => {
            let failed = state
                .store()
                .record_failed_login(user.id, &lockout_policy(state.config()))
                .await?;
            if let Some(until) = failed.locked_until {
                tracing::warn!(
                    staff = user.id.0,
                    failed_logins = failed.failed_logins,
                    locked_until = %until.format("%Y-%m-%dT%H:%M:%SZ"),
                    "staff account locked after repeated failed logins"
                );
            } else {
                tracing::info!("staff login refused");
            }
            return Ok(refused());
        }
        // Unknown users: nothing is stored (there is no account to lock).
        (None, _) => {
            tracing::info!("staff login refused");
            return Ok(refused());
        }
    };
    // The right password resets the failure count, unless a failure in a parallel request
    // locked the account meanwhile: then this attempt is refused like any other while locked.
    if !state.store().reset_failed_logins(user.id).await? {
        tracing::warn!(staff = user.id.0, "staff login refused: account locked");
        return Ok(refused());
    }

    // A municipality that requires a second factor is not reached with a password alone: an
    // account left with no role by that gets no session, and is told to use its provider.
    let granted = effective_roles(
        &user.roles,
        None,
        None,
        state
            .staff_login()
            .map_or(&HashMap::new(), |l| &l.required_amr),
    );
    if granted.roles.is_empty() && granted.amr_missing {
        tracing::info!(
            staff = user.id.0,
            "staff login refused: a second factor is required"
        );
        return Ok(pages::login(
            &ctx,
            StatusCode::FORBIDDEN,
            username,
            Some(pages::LoginProblem::NeedsMfa),
            &oidc,
        ));
    }

    // A new session id at login; the old session (if any) ends.
    if let Some(old) = SessionKey::from_headers(&headers) {
        state.store().delete_session(&old.hash()).await?;
    }
    let key = SessionKey::generate();
    let hours = i64::from(state.config().staff_session_hours);
    state
        .store()
        .create_session(&NewSession {
            key_hash: key.hash(),
            staff_id: Some(user.id),
            expires_at: Utc::now() + chrono::Duration::hours(hours),
        })
        .await?;
    tracing::info!(staff = user.id.0, "staff signed in");
    let mut res = Redirect::to("/staff/inbox").into_response();
    if let Ok(v) = HeaderValue::from_str(&key.set_cookie(hours * 3600)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    _posted: CsrfForm,
) -> AppResult<Response> {
    state.store().delete_session(&staff.session.hash()).await?;
    // A session an identity provider started ends there too; it sends the browser back to
    // the login page.
    let provider = match &staff.oidc {
        Some(oidc) => oidc_login::logout_url(&state, &staff.user, oidc).await,
        None => None,
    };
    tracing::info!(staff = staff.user.id.0, "staff logged out");
    let mut res = Redirect::to(provider.as_deref().unwrap_or("/staff/login")).into_response();
    if let Ok(v) = HeaderValue::from_str(&SessionKey::clear_cookie()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// Consecutive failed logins that lock a staff account.
const LOCKOUT_THRESHOLD: u32 = 5;
/// The longest lock, however many failures.
const LOCKOUT_MAX_SECONDS: u32 = 3600;

fn lockout_policy(config: &Config) -> LockoutPolicy {
    LockoutPolicy {
        threshold: LOCKOUT_THRESHOLD,
        base_seconds: config.staff_lockout_seconds,
        max_seconds: LOCKOUT_MAX_SECONDS.max(config.staff_lockout_seconds),
    }
}

/// A running average of how long a password check takes here (including the wait for a
/// free check slot), in microseconds; refusals of locked accounts wait as long.
static CHECK_MICROS: AtomicU64 = AtomicU64::new(50_000);

fn note_check_time(took: Duration) {
    let took = u64::try_from(took.as_micros())
        .unwrap_or(u64::MAX)
        .min(10_000_000);
    let _ = CHECK_MICROS.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |avg| {
        Some((avg.saturating_mul(7) + took) / 8)
    });
}

fn typical_check_time() -> Duration {
    Duration::from_micros(CHECK_MICROS.load(Ordering::Relaxed))
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct InboxQuery {
    tenant: Option<String>,
    page: Option<String>,
    /// `awaiting`: the cases still awaiting payment instead of the complete ones.
    view: Option<String>,
}

async fn inbox(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    Query(q): Query<InboxQuery>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let visible = staff.tenants(catalogue.tenants());
    let tenant = match q.tenant.as_deref() {
        Some(slug) => visible
            .iter()
            .find(|t| t.slug == slug)
            .copied()
            .ok_or(AppError::NotFound)?,
        None => match visible.first() {
            Some(t) => t,
            None => return Ok(pages::no_tenant(&ctx, &staff)),
        },
    };
    let page_no = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|&p| (1..=100_000).contains(&p))
        .unwrap_or(1);
    let awaiting = q.view.as_deref() == Some("awaiting");
    let page = Page {
        offset: (page_no - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let store = state.store();
    let awaiting_count = store.count_awaiting_cases(tenant.id).await?;
    let (total, cases) = if awaiting {
        (awaiting_count, store.awaiting_cases(tenant.id, page).await?)
    } else {
        (
            store.count_cases(tenant.id).await?,
            store.cases(tenant.id, page).await?,
        )
    };
    Ok(pages::inbox(
        &ctx,
        &staff,
        &catalogue,
        &visible,
        tenant,
        &cases,
        page_no,
        total,
        (awaiting, awaiting_count),
    ))
}

/// A case looked up only in the municipalities this person may see: another one's case is
/// "not found", exactly like a case that does not exist.
pub(crate) async fn find_case(
    state: &AppState,
    staff: &Staff,
    id: &str,
) -> AppResult<(store::Tenant, store::Case)> {
    let id = uuid::Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    let catalogue = state.catalogue();
    for tenant in staff.tenants(catalogue.tenants()) {
        if let Some(case) = state.store().case(tenant.id, id).await? {
            return Ok((tenant.clone(), case));
        }
    }
    Err(AppError::NotFound)
}

async fn case_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    Path(id): Path<String>,
) -> AppResult<Response> {
    case_page_with(&state, &ctx, &staff, &id, None).await
}

/// The case page; with a refused refund, what the clerk typed and why.
pub(crate) async fn case_page_with(
    state: &AppState,
    ctx: &PageCtx,
    staff: &Staff,
    id: &str,
    refund: Option<&crate::payment::clerk::RefundDraft>,
) -> AppResult<Response> {
    let (tenant, case) = find_case(state, staff, id).await?;
    let form = state.form(case.form_id).await?;
    let attachments = state.store().case_attachments(tenant.id, case.id).await?;
    let payment = match state.store().case_payment(tenant.id, case.id).await? {
        Some(payment) if payment.fee.is_some() => {
            let attempts = state.store().case_attempts(tenant.id, case.id).await?;
            let events = state.store().case_events(tenant.id, case.id).await?;
            let provider_refunds = state
                .providers()
                .for_tenant(&tenant)
                .is_some_and(|p| p.provider.refunds());
            crate::payment::clerk::section(
                ctx.lang,
                ctx.csrf.token(),
                case.id,
                &payment,
                &attempts,
                &events,
                provider_refunds,
                refund,
            )
        }
        _ => None,
    };
    let deliveries = crate::delivery::views::case_section(
        ctx.lang,
        &ctx.csrf.token(),
        case.id,
        &state.store().case_deliveries(tenant.id, case.id).await?,
        state.store().status_note(tenant.id, case.id).await?,
        crate::delivery::views::may_retry(staff, tenant.id),
    );
    Ok(pages::case(
        ctx,
        staff,
        &tenant,
        &form,
        &case,
        &attachments,
        payment,
        deliveries,
    ))
}

/// A file of a case, for clerks who may see the case: always as a download
/// (`Content-Disposition: attachment`, the type found in its content, never sniffed again).
async fn attachment_download(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, attachment)): Path<(String, String)>,
) -> AppResult<Response> {
    let (tenant, case) = find_case(&state, &staff, &id).await?;
    let attachment = uuid::Uuid::parse_str(&attachment).map_err(|_| AppError::NotFound)?;
    let Some(file) = state
        .store()
        .attachment(tenant.id, attachment)
        .await?
        .filter(|a| a.case_id == Some(case.id))
    else {
        return Err(AppError::NotFound);
    };
    let Some(download) = state
        .files()
        .open(&file.storage_key)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("reading an attachment: {e}")))?
    else {
        tracing::error!(attachment = %file.id, "the file of an attachment is missing");
        return Err(AppError::NotFound);
    };
    let headers = [
        (header::CONTENT_TYPE, file.content_type.clone()),
        (
            header::CONTENT_DISPOSITION,
            crate::uploads::content_disposition_attachment(&file.file_name),
        ),
        (header::CONTENT_LENGTH, download.size_bytes.to_string()),
        (header::CACHE_CONTROL, "private, no-store".to_owned()),
    ];
    Ok((headers, axum::body::Body::from_stream(download.stream)).into_response())
}

/// Every condition, rule and computed value of the case's own form version, evaluated on
/// its answers.
async fn explain_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (tenant, case) = find_case(&state, &staff, &id).await?;
    let form = state.form(case.form_id).await?;
    let params = state.catalogue().params(&tenant, &form);
    Ok(explain::page(&ctx, &staff, &tenant, &form, &params, &case))
}
