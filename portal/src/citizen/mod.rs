//! The citizen's side: the list of municipalities, a municipality's services, a service
//! page, the form, and the confirmation with the reference number.

mod pages;

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{Datelike, Utc};
use store::{CaseStatus, NewCase, NewDraft, NewSession, StoreError, Tenant};

use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::auth::session::{SessionKey, is_token, random_token, sha256_hex};
use crate::error::{AppError, AppResult, ErrorPage};
use crate::reference;
use crate::state::{AppState, Catalogue, Offering};
use crate::web::PageCtx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/{tenant}", get(tenant_redirect))
        .route("/{tenant}/", get(tenant_home))
        .route("/{tenant}/services/{service}", get(service_page))
        .route(
            "/{tenant}/services/{service}/form",
            get(form_page).post(submit),
        )
        .route("/{tenant}/cases/{id}/confirmation", get(confirmation))
        .route("/{tenant}/resume/{token}", get(resume))
}

async fn home(State(state): State<AppState>, ctx: PageCtx) -> Response {
    pages::home(&ctx, &state.catalogue())
}

async fn tenant_redirect(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    match state.catalogue().tenant(&slug) {
        Some(t) => Redirect::permanent(&format!("/{}/", t.slug)).into_response(),
        None => ErrorPage::NotFound.into_response(),
    }
}

async fn tenant_home(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    Ok(pages::tenant(&ctx, tenant, catalogue.services(tenant.id)))
}

/// The municipality and the service named in the path, or 404.
fn find<'a>(
    catalogue: &'a Catalogue,
    slug: &str,
    service: &str,
) -> AppResult<(&'a Tenant, &'a Offering)> {
    let tenant = catalogue.tenant(slug).ok_or(AppError::NotFound)?;
    let offering = catalogue
        .offering(tenant.id, service)
        .ok_or(AppError::NotFound)?;
    Ok((tenant, offering))
}

async fn service_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, service)): Path<(String, String)>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let (tenant, offering) = find(&catalogue, &slug, &service)?;
    Ok(pages::service(&ctx, tenant, offering))
}

async fn form_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, service)): Path<(String, String)>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let (tenant, offering) = find(&catalogue, &slug, &service)?;
    Ok(pages::form(
        &ctx,
        tenant,
        offering,
        pages::FormState::default(),
    ))
}

/// Saves or submits the form.
///
/// - A missing or expired CSRF token: 403, the form again with every value kept and a fresh
///   token.
/// - "Save and continue later" (`_action=save`): the values as typed are stored as a draft
///   under a random resume token (only its hash is kept), and the page shows the resume link.
/// - Submit: invalid input gives 422 with every value kept; valid input is stored in one
///   transaction with the browser's session (and deletes the draft it completes), then 303 to
///   the confirmation. A form resumed from a draft is validated against the draft's own
///   form version.
async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path((slug, service)): Path<(String, String)>,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let (tenant, current) = find(&catalogue, &slug, &service)?;
    let (fields, token_ok) = match posted {
        Ok(CsrfForm(fields)) => (fields, true),
        Err(CsrfRejection::Token(fields)) => (fields, false),
        Err(other) => return Ok(other.into_response()),
    };
    let draft_token = first(&fields, "_draft")
        .filter(|t| is_token(t))
        .map(str::to_owned);
    let saving = first(&fields, "_action") == Some("save");
    let draft = match &draft_token {
        Some(token) => state.store().draft(tenant.id, &sha256_hex(token)).await?,
        None => None,
    };
    // A draft keeps the form version it was started on.
    let resumed = match &draft {
        Some(d) if d.form_id != current.service.form_id => Some(Offering {
            service: current.service.clone(),
            form: state.form(d.form_id).await?,
        }),
        _ => None,
    };
    let offering = resumed.as_ref().unwrap_or(current);
    let form_state = |status, notice| pages::FormState {
        status,
        values: typed_values(&fields),
        errors: Vec::new(),
        notice,
        draft: draft.as_ref().and(draft_token.clone()),
    };

    if !token_ok {
        let page = form_state(StatusCode::FORBIDDEN, Some(pages::Notice::TokenExpired));
        return Ok(pages::form(&ctx, tenant, offering, page));
    }
    if saving {
        // The same draft again, or a new one (also when the old link has expired meanwhile).
        let token = match (&draft, &draft_token) {
            (Some(_), Some(token)) => token.clone(),
            _ => random_token(),
        };
        let days = i64::from(state.config().draft_days);
        let new = NewDraft {
            token_hash: sha256_hex(&token),
            service_id: offering.service.id,
            form_id: draft
                .as_ref()
                .map_or(offering.service.form_id, |d| d.form_id),
            answers: serde_json::to_value(typed_values(&fields)).map_err(anyhow::Error::from)?,
            expires_at: Utc::now() + chrono::Duration::days(days),
        };
        state.store().save_draft(tenant.id, &new).await?;
        tracing::info!(tenant = %tenant.slug, "draft saved");
        let link = format!(
            "{}/{}/resume/{token}",
            crate::web::public_base(&state, &headers),
            tenant.slug
        );
        return Ok(pages::draft_saved(
            &ctx,
            tenant,
            offering,
            &link,
            new.expires_at,
        ));
    }
    if draft_token.is_some() && draft.is_none() {
        // Submitted already (perhaps in another tab) or expired: say so, keep the values, and
        // let the citizen send them as a new application on purpose.
        let page = form_state(StatusCode::CONFLICT, Some(pages::Notice::DraftGone));
        return Ok(pages::form(&ctx, tenant, offering, page));
    }

    let answers = match offering.form.validate(&fields) {
        Ok(answers) => answers,
        Err(rejected) => {
            let mut page = form_state(StatusCode::UNPROCESSABLE_ENTITY, None);
            page.values = rejected.values;
            page.errors = rejected.errors;
            return Ok(pages::form(&ctx, tenant, offering, page));
        }
    };

    // The browser's session, written with the case in one transaction: the cookie it has (the
    // store keeps an existing row as it is), or a new one. No read before the write.
    let key = SessionKey::from_headers(&headers).unwrap_or_else(SessionKey::generate);
    let ttl_days = i64::from(state.config().citizen_session_days);
    let session = NewSession {
        key_hash: key.hash(),
        staff_id: None,
        expires_at: Utc::now() + chrono::Duration::days(ttl_days),
    };
    let answers = serde_json::to_value(&answers).map_err(anyhow::Error::from)?;
    let id = uuid::Uuid::new_v4();
    let year = Utc::now().year();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let case = NewCase {
            id,
            reference: reference::generate(&tenant.code, year),
            service_id: offering.service.id,
            form_id: draft
                .as_ref()
                .map_or(offering.service.form_id, |d| d.form_id),
            status: CaseStatus::Received,
            answers: answers.clone(),
            submitter_session: Some(key.hash()),
            from_draft: draft.as_ref().map(|d| d.token_hash.clone()),
        };
        match state
            .store()
            .submit_case(tenant.id, &case, Some(&session))
            .await
        {
            Ok(()) => break,
            Err(StoreError::DuplicateReference) if attempts < 5 => continue,
            Err(StoreError::DraftGone) => {
                let page = form_state(StatusCode::CONFLICT, Some(pages::Notice::DraftGone));
                return Ok(pages::form(&ctx, tenant, offering, page));
            }
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(tenant = %tenant.slug, case = %id, "case received");

    let mut res =
        Redirect::to(&format!("/{}/cases/{id}/confirmation", tenant.slug)).into_response();
    // Refreshed on every submission, so the confirmation stays reachable for the whole period.
    if let Ok(v) = HeaderValue::from_str(&key.set_cookie(ttl_days * 86_400)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// Opens a saved draft from its resume link, in any browser, until it expires.
async fn resume(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, token)): Path<(String, String)>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    let draft = if is_token(&token) {
        state.store().draft(tenant.id, &sha256_hex(&token)).await?
    } else {
        None
    };
    let Some(draft) = draft else {
        return Ok(pages::resume_unknown(&ctx, tenant));
    };
    let Some(current) = catalogue
        .services(tenant.id)
        .iter()
        .find(|o| o.service.id == draft.service_id)
    else {
        // The municipality no longer offers the service.
        return Ok(pages::resume_unknown(&ctx, tenant));
    };
    let offering = Offering {
        service: current.service.clone(),
        form: state.form(draft.form_id).await?,
    };
    let values = serde_json::from_value(draft.answers).unwrap_or_default();
    let page = pages::FormState {
        status: StatusCode::OK,
        values,
        errors: Vec::new(),
        notice: Some(pages::Notice::Resumed),
        draft: Some(token),
    };
    Ok(pages::form(&ctx, tenant, &offering, page))
}

/// Shown only to the browser that submitted the case: anyone else gets 404, even with the
/// right link.
async fn confirmation(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let key = SessionKey::from_headers(&headers).ok_or(AppError::NotFound)?;
    let case = state
        .store()
        .case_for_submitter(tenant.id, id, &key.hash())
        .await?
        .ok_or(AppError::NotFound)?;
    let offering = catalogue
        .services(tenant.id)
        .iter()
        .find(|o| o.service.id == case.service_id);
    Ok(pages::confirmation(&ctx, tenant, offering, &case))
}

/// The values as typed, the first value of a name winning (as in validation), without the
/// page's own control fields (`_csrf`, `_draft`, `_action`).
fn typed_values(fields: &[(String, String)]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (k, v) in fields {
        if !k.starts_with('_') {
            map.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    map
}

/// The first value posted under `name`.
fn first<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
