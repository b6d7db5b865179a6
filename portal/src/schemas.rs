//! `/schemas/forms/{key}/{version}.json`: the JSON Schema (draft 2020-12) of the answers of a
//! form version, for backends (and later FIT-Connect's `submissionSchema`). Versions never
//! change, so the schema may be cached.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::ErrorPage;
use crate::state::AppState;
use crate::web::public_base;

pub fn router() -> Router<AppState> {
    Router::new().route("/schemas/forms/{key}/{file}", get(answers_schema))
}

async fn answers_schema(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((key, file)): Path<(String, String)>,
) -> Response {
    let Some(version) = file
        .strip_suffix(".json")
        .and_then(|v| v.parse::<u32>().ok())
    else {
        return ErrorPage::NotFound.into_response();
    };
    let catalogue = state.catalogue();
    let Some(form) = catalogue.form_by_key(&key, version) else {
        return ErrorPage::NotFound.into_response();
    };
    let base = public_base(&state, &headers);
    let id = format!("{base}/schemas/forms/{key}/{version}.json");
    let body = form.answers_schema(&id).to_string();
    (
        [
            (header::CONTENT_TYPE, "application/schema+json"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}
