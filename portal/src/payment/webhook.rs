//! Provider notifications (Stripe webhooks): the signature is checked over the raw body
//! before anything is parsed; a verified event only says which payment to ask about, so the
//! portal reads the current state from the provider and applies it (order and repeats do not
//! matter). Each event id is recorded once, after it was handled; a repeat is answered 200
//! without work. No CSRF here: the signature is the check.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use payments::NotificationError;

use crate::state::AppState;

pub async fn receive(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let catalogue = state.catalogue();
    let Some(tenant) = catalogue.tenant(&slug) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(tp) = state.providers().for_tenant(tenant) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let provider = tp.provider.name();
    let now = chrono::Utc::now().timestamp();
    let note = match tp.provider.verify_notification(&headers, &body, now) {
        Ok(note) => note,
        Err(NotificationError::Unsupported) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::warn!(tenant = %tenant.slug, provider, error = %e, "notification refused");
            return (StatusCode::BAD_REQUEST, "signature check failed").into_response();
        }
    };
    let store = state.store();
    match store
        .notification_seen(tenant.id, provider, &note.event_id)
        .await
    {
        Ok(true) => return StatusCode::OK.into_response(),
        Ok(false) => {}
        Err(e) => {
            tracing::error!(error = %e, "cannot read notifications");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    if let Some(reference) = &note.provider_reference {
        let attempt = match store
            .attempt_by_reference(tenant.id, provider, reference)
            .await
        {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(error = %e, "cannot read payment attempt");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        };
        // An event about a payment the portal does not know (another system on the same
        // account) is recorded and ignored.
        if let Some(attempt) = attempt
            && let Err(e) = super::check(&state, tenant.id, &tenant.slug, &attempt, "webhook").await
        {
            // The provider retries the delivery later; the reconciliation asks too.
            tracing::warn!(tenant = %tenant.slug, attempt = %attempt.id, error = %e, "payment status not readable now");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    if let Err(e) = store
        .record_notification(tenant.id, provider, &note.event_id)
        .await
    {
        tracing::error!(error = %e, "cannot record notification");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    StatusCode::OK.into_response()
}
