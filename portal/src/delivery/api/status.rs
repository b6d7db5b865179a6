//! `POST /api/v1/{municipality}/cases/{id}/status`: a backend gives a case a new status and
//! optionally a message the citizen sees with it in "Meine Anträge" and gets by email.

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use serde::{Deserialize, Serialize};
use store::{CaseStatus, StatusChange, StatusRefusal};
use uuid::Uuid;

use super::{BODY_LIMIT, Problem, StatusCase, json};
use crate::state::AppState;

/// The route's method router.
pub(super) fn route() -> MethodRouter<AppState> {
    post(status)
}

/// The longest message for the citizen, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// The statuses a backend may post.
const POSTABLE: [CaseStatus; 5] = [
    CaseStatus::InProgress,
    CaseStatus::NeedsInfo,
    CaseStatus::Decided,
    CaseStatus::Closed,
    CaseStatus::Withdrawn,
];

/// A JSON object within [`BODY_LIMIT`]: 413 when too large, 415 for another type, 400 when
/// it is not JSON, 422 when it is not an object or does not fit `T`.
struct ApiJson<T>(T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, _state: &AppState) -> Result<Self, Problem> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        let body = read_limited(req).await?;
        if !is_json {
            return Err(Problem::unsupported_media_type());
        }
        let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            Problem::bad_request(
                "invalid_json",
                format!(
                    "Der Inhalt ist kein gültiges JSON (Zeile {}, Spalte {}).",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        // serde would take a struct from an array too: the API's bodies are objects.
        if !value.is_object() {
            return Err(Problem::unprocessable(
                "invalid_request",
                "Der Inhalt muss ein JSON-Objekt sein.",
            ));
        }
        serde_json::from_value(value).map(Self).map_err(|e| {
            Problem::unprocessable(
                "invalid_request",
                format!("Der Inhalt passt nicht zum Schema: {e}"),
            )
        })
    }
}

/// A body over the limit is still read (and dropped) up to this size before the 413 goes out:
/// a client that is still sending when the server answers and closes would otherwise see a
/// reset connection instead of the answer.
const DRAIN_LIMIT: usize = 1024 * 1024;

/// The body, if it is at most [`BODY_LIMIT`] bytes.
async fn read_limited(req: Request) -> Result<Vec<u8>, Problem> {
    use futures_util::StreamExt;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return Err(Problem::too_large(BODY_LIMIT));
    }
    let mut stream = req.into_body().into_data_stream();
    let mut body = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            Problem::bad_request("unreadable_body", "Der Inhalt konnte nicht gelesen werden.")
        })?;
        seen = seen.saturating_add(chunk.len());
        if seen <= BODY_LIMIT {
            body.extend_from_slice(&chunk);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen > BODY_LIMIT {
        Err(Problem::too_large(BODY_LIMIT))
    } else {
        Ok(body)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusRequest {
    status: String,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Serialize)]
struct StatusAnswer {
    id: Uuid,
    status: &'static str,
    message: Option<String>,
}

/// A checked status request: one of the postable statuses, the message trimmed (empty: none),
/// at most [`MAX_MESSAGE_CHARS`], no control characters but line breaks and tabs.
fn parse_status(req: StatusRequest) -> Result<(CaseStatus, Option<String>), Problem> {
    let status = CaseStatus::parse(&req.status)
        .filter(|s| POSTABLE.contains(s))
        .ok_or_else(|| {
            Problem::unprocessable(
                "invalid_status",
                "status muss einer von in_progress, needs_info, decided, closed, withdrawn sein.",
            )
        })?;
    let message = req
        .message
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty());
    if let Some(m) = &message {
        if m.chars().count() > MAX_MESSAGE_CHARS {
            return Err(Problem::unprocessable(
                "message_too_long",
                format!("message darf höchstens {MAX_MESSAGE_CHARS} Zeichen lang sein."),
            ));
        }
        if m.chars()
            .any(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t'))
        {
            return Err(Problem::unprocessable(
                "message_control_characters",
                "message darf außer Zeilenumbrüchen und Tabulatoren keine Steuerzeichen enthalten.",
            ));
        }
    }
    Ok((status, message))
}

/// `Idempotency-Key` (optional): 1 to 100 of `A-Z a-z 0-9 . _ : -`.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .filter(|k| {
            (1..=100).contains(&k.len())
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
        })
        .map(|k| Some(k.to_owned()))
        .ok_or_else(|| {
            Problem::bad_request(
                "invalid_idempotency_key",
                "Idempotency-Key: 1 bis 100 Zeichen aus A–Z, a–z, 0–9, „.“, „_“, „:“ und „-“.",
            )
        })
}

/// `POST .../cases/{id}/status`: a new status and optionally a line for the citizen, who gets
/// an email about it. With the same `Idempotency-Key` again, no second email is sent.
async fn status(
    State(state): State<AppState>,
    StatusCase(c): StatusCase,
    headers: HeaderMap,
    ApiJson(req): ApiJson<StatusRequest>,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    let (status, message) = parse_status(req)?;
    let tenant = c.backend.tenant.id;
    let case = state
        .store()
        .case(tenant, c.case_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(Problem::case_not_found)?;
    let mail_key = match key {
        Some(k) => format!("mail.{}.status-{}-{k}", case.reference, c.backend.target),
        None => format!("mail.{}.status-{}", case.reference, Uuid::new_v4().simple()),
    };
    let change = StatusChange {
        status,
        note: message.clone(),
        actor: c.backend.target.clone(),
        mail_key: Some(mail_key),
    };
    match state
        .store()
        .change_status(tenant, c.case_id, &change)
        .await
        .map_err(Problem::internal)?
    {
        Ok(()) => {}
        Err(StatusRefusal::NotFound) => return Err(Problem::case_not_found()),
        Err(StatusRefusal::NotAllowed) => {
            // Read again: the status may have changed since the case was read above.
            let current = state
                .store()
                .case(tenant, c.case_id)
                .await
                .map_err(Problem::internal)?
                .map_or(case.status, |c| c.status);
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "status_not_allowed",
                "Statuswechsel nicht möglich",
                format!(
                    "Ein Vorgang im Status „{}“ kann den Status „{}“ nicht bekommen.",
                    current.as_str(),
                    status.as_str()
                ),
            )
            .with("current_status", current.as_str()));
        }
    }
    tracing::info!(
        tenant = %c.backend.tenant.slug,
        target = %c.backend.target,
        case = %c.case_id,
        status = status.as_str(),
        "pull API: status changed"
    );
    Ok(json(
        StatusCode::OK,
        &StatusAnswer {
            id: c.case_id,
            status: status.as_str(),
            message,
        },
    ))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn req(status: &str, message: Option<&str>) -> StatusRequest {
        StatusRequest {
            status: status.to_owned(),
            message: message.map(str::to_owned),
        }
    }

    #[test]
    fn only_the_backend_statuses_can_be_posted() {
        for s in [
            "in_progress",
            "needs_info",
            "decided",
            "closed",
            "withdrawn",
        ] {
            assert!(parse_status(req(s, None)).is_ok(), "{s}");
        }
        for s in [
            "received",
            "forwarded",
            "awaiting_payment",
            "",
            "IN_PROGRESS",
        ] {
            let e = parse_status(req(s, None)).unwrap_err();
            assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY, "{s}");
        }
    }

    #[test]
    fn messages_are_trimmed_limited_and_plain() {
        let (_, m) = parse_status(req("decided", Some("  Bescheid folgt.\n "))).unwrap();
        assert_eq!(m.as_deref(), Some("Bescheid folgt."));
        let (_, m) = parse_status(req("decided", Some("   "))).unwrap();
        assert_eq!(m, None);
        let long = "ä".repeat(MAX_MESSAGE_CHARS);
        assert!(parse_status(req("decided", Some(&long))).is_ok());
        let longer = "ä".repeat(MAX_MESSAGE_CHARS + 1);
        assert!(parse_status(req("decided", Some(&longer))).is_err());
        assert!(parse_status(req("decided", Some("Zeile 1\nZeile 2\tx"))).is_ok());
        assert!(parse_status(req("decided", Some("a\u{0}b"))).is_err());
        assert!(parse_status(req("decided", Some("a\u{1b}[31mb"))).is_err());
    }

    #[test]
    fn idempotency_keys_are_short_and_plain() {
        let mut h = HeaderMap::new();
        assert_eq!(idempotency_key(&h).unwrap(), None);
        h.insert(
            "idempotency-key",
            HeaderValue::from_static("status-42:a_b.c"),
        );
        assert_eq!(
            idempotency_key(&h).unwrap().as_deref(),
            Some("status-42:a_b.c")
        );
        h.insert("idempotency-key", HeaderValue::from_static("a b"));
        assert!(idempotency_key(&h).is_err());
        h.insert("idempotency-key", HeaderValue::from_static(""));
        assert!(idempotency_key(&h).is_err());
    }
}
