//! The pull API for backends (docs/api.md, docs/openapi.json): a municipality's backend
//! (Fachverfahren) lists the cases queued for its `pull_api` target, fetches each with its
//! attachments and application PDF, acknowledges it once stored, and posts statuses with a
//! line for the citizen.
//!
//! Every route is under `/api/v1/{municipality}/` and needs a bearer token of one of that
//! municipality's `pull_api` targets (`auth.rs`); the target sees only the cases queued for it
//! (`DeliveryStore::pull_visible`), anything else is "not found". Errors are problem documents
//! (`problem.rs`). No cookie, session or CSRF token is involved: the token authenticates each
//! request, and a browser never sends it on its own.

mod auth;
mod problem;
mod status;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::TenantId;
use uuid::Uuid;

pub use auth::Backend;
pub use problem::Problem;
pub use status::MAX_MESSAGE_CHARS;

use super::document::CaseDocument;
use crate::state::AppState;

/// The OpenAPI document of this API.
pub const OPENAPI: &str = include_str!("../../../docs/openapi.json");

/// The largest body a route here reads (a status with a 2000-character message fits easily).
pub const BODY_LIMIT: usize = 16 * 1024;

/// Cases per page of the list: default and most.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 100;

pub fn router() -> Router<AppState> {
    // A wrong method gets a problem document too, not the HTML error page.
    fn only<S: Clone + Send + Sync + 'static>(m: MethodRouter<S>) -> MethodRouter<S> {
        m.fallback(|| async { Problem::method_not_allowed() })
    }
    Router::new()
        .route("/api/v1/openapi.json", only(get(openapi)))
        .route("/api/v1/{municipality}/cases", only(get(list)))
        .route("/api/v1/{municipality}/cases/{id}", only(get(fetch)))
        .route(
            "/api/v1/{municipality}/cases/{id}/attachments/{attachment}",
            only(get(attachment)),
        )
        .route(
            "/api/v1/{municipality}/cases/{id}/application.pdf",
            only(get(application_pdf)),
        )
        .route(
            "/api/v1/{municipality}/cases/{id}/acknowledge",
            only(post(acknowledge)),
        )
        .route(
            "/api/v1/{municipality}/cases/{id}/status",
            only(status::route()),
        )
        .route("/api", any(|| async { Problem::route_not_found() }))
        .route("/api/{*rest}", any(|| async { Problem::route_not_found() }))
        .layer(middleware::map_response(no_store))
}

/// Nothing a backend reads here may be kept by a cache on the way.
async fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

// ---------------------------------------------------------------------------------------------
// Extractors
// ---------------------------------------------------------------------------------------------

/// A case of the calling backend: authenticated, with the scope checked first (so a caller
/// without a valid token learns nothing about the path), then the id parsed and the case
/// checked to be queued for the backend's target. A malformed id is just "not found".
struct CaseOf {
    backend: Backend,
    case_id: Uuid,
    /// The attachment id of the attachment route.
    attachment: Option<String>,
}

impl CaseOf {
    async fn from_parts(
        parts: &mut Parts,
        state: &AppState,
        scope: &'static str,
    ) -> Result<Self, Problem> {
        let backend = Backend::from_request_parts(parts, state).await?;
        backend.require(scope)?;
        #[derive(Deserialize)]
        struct Params {
            id: String,
            attachment: Option<String>,
        }
        let Path(params) = Path::<Params>::from_request_parts(parts, state)
            .await
            .map_err(|_| Problem::case_not_found())?;
        let case_id = Uuid::parse_str(&params.id).map_err(|_| Problem::case_not_found())?;
        let visible = state
            .store()
            .pull_visible(backend.tenant.id, &backend.target, case_id)
            .await
            .map_err(Problem::internal)?;
        if !visible {
            return Err(Problem::case_not_found());
        }
        Ok(Self {
            backend,
            case_id,
            attachment: params.attachment,
        })
    }
}

/// [`CaseOf`] for each scope, as extractors.
macro_rules! case_extractor {
    ($name:ident, $scope:expr) => {
        struct $name(CaseOf);
        impl FromRequestParts<AppState> for $name {
            type Rejection = Problem;
            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Problem> {
                CaseOf::from_parts(parts, state, $scope).await.map(Self)
            }
        }
    };
}
case_extractor!(ReadCase, auth::READ);
case_extractor!(AckCase, auth::ACKNOWLEDGE);
case_extractor!(StatusCase, auth::STATUS);

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

/// One case in the list.
#[derive(Debug, Serialize)]
struct Listed {
    id: Uuid,
    reference: String,
    service: String,
    completed_at: Option<DateTime<Utc>>,
    /// `<reference>.<target>`: the same for this case and target on every call.
    idempotency_key: String,
    /// The case document.
    url: String,
}

#[derive(Debug, Serialize)]
struct CaseList {
    cases: Vec<Listed>,
    /// More cases are waiting than this page holds.
    more: bool,
}

/// `?limit=` 1..=100 (default 50); other parameters are ignored.
fn limit_of(query: Option<&str>) -> Result<u32, Problem> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default();
    match pairs.iter().find(|(k, _)| k == "limit") {
        None => Ok(DEFAULT_LIMIT),
        Some((_, v)) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                Problem::bad_request(
                    "invalid_limit",
                    format!("limit muss eine ganze Zahl von 1 bis {MAX_LIMIT} sein."),
                )
            }),
    }
}

/// `GET /api/v1/{municipality}/cases`: the cases this target has not acknowledged yet, oldest
/// first.
async fn list(
    State(state): State<AppState>,
    backend: Backend,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    backend.require(auth::READ)?;
    let limit = limit_of(query.as_deref())?;
    let mut pending = state
        .store()
        .pending_pulls(backend.tenant.id, &backend.target, limit + 1)
        .await
        .map_err(Problem::internal)?;
    let more = pending.len() > limit as usize;
    pending.truncate(limit as usize);
    let base = case_base(&state, &backend);
    let cases = pending
        .into_iter()
        .map(|p| Listed {
            url: format!("{base}/{}", p.case_id),
            id: p.case_id,
            reference: p.reference,
            service: p.service_slug,
            completed_at: p.completed_at,
            idempotency_key: p.idempotency_key,
        })
        .collect::<Vec<_>>();
    tracing::debug!(tenant = %backend.tenant.slug, target = %backend.target, n = cases.len(), "pull API: listed");
    Ok(json(StatusCode::OK, &CaseList { cases, more }))
}

/// `GET .../cases/{id}`: the case document with links to its attachments and PDF.
async fn fetch(State(state): State<AppState>, ReadCase(c): ReadCase) -> Result<Response, Problem> {
    let doc = document(&state, c.backend.tenant.id, c.case_id).await?;
    let deliveries = state
        .store()
        .case_deliveries(c.backend.tenant.id, c.case_id)
        .await
        .map_err(Problem::internal)?;
    let pull = deliveries
        .iter()
        .find(|d| d.kind == store::JOB_PULL && d.target.as_deref() == Some(&c.backend.target));
    let base = format!("{}/{}", case_base(&state, &c.backend), c.case_id);
    let mut doc = doc;
    for a in &mut doc.attachments {
        a.url = Some(format!("{base}/attachments/{}", a.id));
    }
    let pdf_name = format!("Antrag-{}.pdf", doc.case.reference);
    let mut value = serde_json::to_value(&doc).map_err(Problem::internal)?;
    value["idempotency_key"] = pull.map(|d| d.idempotency_key.clone()).into();
    value["acknowledged"] = pull
        .is_some_and(|d| d.state == store::JobState::Done)
        .into();
    value["application_pdf"] = serde_json::json!({
        "file_name": pdf_name,
        "content_type": "application/pdf",
        "url": format!("{base}/application.pdf"),
    });
    tracing::debug!(tenant = %c.backend.tenant.slug, target = %c.backend.target, case = %c.case_id, "pull API: fetched");
    Ok(json(StatusCode::OK, &value))
}

/// `GET .../cases/{id}/attachments/{attachment}`: the file, always as a download with the
/// type found in its content when it was uploaded.
async fn attachment(
    State(state): State<AppState>,
    ReadCase(c): ReadCase,
) -> Result<Response, Problem> {
    let Some(id) = c
        .attachment
        .as_deref()
        .and_then(|a| Uuid::parse_str(a).ok())
    else {
        return Err(Problem::attachment_not_found());
    };
    let Some(file) = state
        .store()
        .attachment(c.backend.tenant.id, id)
        .await
        .map_err(Problem::internal)?
        .filter(|a| a.case_id == Some(c.case_id))
    else {
        return Err(Problem::attachment_not_found());
    };
    let Some(download) = state
        .files()
        .open(&file.storage_key)
        .await
        .map_err(|e| Problem::internal(format!("reading an attachment: {e}")))?
    else {
        return Err(Problem::internal(format!(
            "the file of attachment {} is missing",
            file.id
        )));
    };
    let mut headers = HeaderMap::new();
    put(&mut headers, header::CONTENT_TYPE, &file.content_type);
    put(
        &mut headers,
        header::CONTENT_DISPOSITION,
        &crate::uploads::content_disposition_attachment(&file.file_name),
    );
    put(
        &mut headers,
        header::CONTENT_LENGTH,
        &download.size_bytes.to_string(),
    );
    put(&mut headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    tracing::debug!(tenant = %c.backend.tenant.slug, target = %c.backend.target, case = %c.case_id, attachment = %file.id, "pull API: attachment");
    Ok((headers, Body::from_stream(download.stream)).into_response())
}

/// `GET .../cases/{id}/application.pdf`: what the citizen entered, as they saw it.
async fn application_pdf(
    State(state): State<AppState>,
    ReadCase(c): ReadCase,
) -> Result<Response, Problem> {
    let doc = document(&state, c.backend.tenant.id, c.case_id).await?;
    let name = format!("Antrag-{}.pdf", doc.case.reference);
    // Laying out a long application takes a while: off the async workers.
    let pdf = tokio::task::spawn_blocking(move || crate::pdf::application_pdf(&doc))
        .await
        .map_err(Problem::internal)?
        .map_err(|e| Problem::internal(format!("application PDF: {e}")))?;
    let mut headers = HeaderMap::new();
    put(&mut headers, header::CONTENT_TYPE, "application/pdf");
    put(
        &mut headers,
        header::CONTENT_DISPOSITION,
        &crate::uploads::content_disposition_attachment(&name),
    );
    put(&mut headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    Ok((headers, pdf).into_response())
}

/// `POST .../cases/{id}/acknowledge`: the backend has stored the case. Idempotent; the
/// case leaves the list, and becomes `forwarded` when this was its last open delivery.
async fn acknowledge(
    State(state): State<AppState>,
    AckCase(c): AckCase,
) -> Result<Response, Problem> {
    let forwarded = state
        .store()
        .acknowledge_pull(c.backend.tenant.id, &c.backend.target, c.case_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(Problem::case_not_found)?;
    tracing::info!(
        tenant = %c.backend.tenant.slug,
        target = %c.backend.target,
        case = %c.case_id,
        forwarded,
        "pull API: acknowledged"
    );
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `<public base>/api/v1/<municipality>/cases`.
fn case_base(state: &AppState, backend: &Backend) -> String {
    format!(
        "{}/api/v1/{}/cases",
        state.public_base(),
        backend.tenant.slug
    )
}

fn json(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => Problem::internal(e).into_response(),
    }
}

fn put(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

/// The case document (without file contents) of a case of `tenant`.
async fn document(
    state: &AppState,
    tenant: TenantId,
    case_id: Uuid,
) -> Result<CaseDocument, Problem> {
    match super::case_document(state, tenant, case_id).await {
        Ok((doc, _)) => Ok(doc),
        Err(super::DocumentError::Gone(_)) => Err(Problem::case_not_found()),
        Err(super::DocumentError::Failed(e)) => Err(Problem::internal(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_checked() {
        assert_eq!(limit_of(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(limit_of(Some("limit=1")).unwrap(), 1);
        assert_eq!(limit_of(Some("x=1&limit=100")).unwrap(), 100);
        for bad in ["limit=0", "limit=101", "limit=-1", "limit=abc", "limit="] {
            assert!(limit_of(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_openapi_document_is_json_and_names_every_route() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/api/v1/openapi.json",
            "/api/v1/{municipality}/cases",
            "/api/v1/{municipality}/cases/{id}",
            "/api/v1/{municipality}/cases/{id}/attachments/{attachment}",
            "/api/v1/{municipality}/cases/{id}/application.pdf",
            "/api/v1/{municipality}/cases/{id}/acknowledge",
            "/api/v1/{municipality}/cases/{id}/status",
        ] {
            assert!(paths.contains_key(p), "{p} is not documented");
        }
    }
}
