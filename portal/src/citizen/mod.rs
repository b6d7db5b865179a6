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
use store::{CaseStatus, NewCase, NewSession, StoreError, Tenant};

use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::auth::session::SessionKey;
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

/// Validates and stores a submission. Invalid input: 422 with every value kept. A missing or
/// expired CSRF token: 403 with every value kept and a fresh token. Valid: one transaction
/// stores the case (and the browser's session, when new), then 303 to the confirmation.
async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path((slug, service)): Path<(String, String)>,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let (tenant, offering) = find(&catalogue, &slug, &service)?;
    let fields = match posted {
        Ok(CsrfForm(fields)) => fields,
        Err(CsrfRejection::Token(fields)) => {
            let form = pages::FormState {
                status: StatusCode::FORBIDDEN,
                values: first_values(&fields),
                errors: Vec::new(),
                token_expired: true,
            };
            return Ok(pages::form(&ctx, tenant, offering, form));
        }
        Err(other) => return Ok(other.into_response()),
    };
    let answers = match offering.form.validate(&fields) {
        Ok(answers) => answers,
        Err(rejected) => {
            let form = pages::FormState {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                values: rejected.values,
                errors: rejected.errors,
                token_expired: false,
            };
            return Ok(pages::form(&ctx, tenant, offering, form));
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
            form_id: offering.service.form_id,
            status: CaseStatus::Received,
            answers: answers.clone(),
            submitter_session: Some(key.hash()),
        };
        match state
            .store()
            .submit_case(tenant.id, &case, Some(&session))
            .await
        {
            Ok(()) => break,
            Err(StoreError::DuplicateReference) if attempts < 5 => continue,
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

/// Posted pairs as a map, the first value of a name winning (as in validation).
fn first_values(fields: &[(String, String)]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (k, v) in fields {
        map.entry(k.clone()).or_insert_with(|| v.clone());
    }
    map
}
