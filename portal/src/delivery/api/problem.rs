//! Errors of the pull API as problem documents (RFC 9457, formerly 7807):
//! `application/problem+json` with a German `title` and `detail`, a stable `code` and a
//! `type` URN made of it (`urn:ozg-portal:problem:<code>`), so a backend can tell errors apart
//! without reading the German text.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub const CONTENT_TYPE: &str = "application/problem+json";

#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: String,
    /// Extension members, e.g. the case's current status on a refused change.
    extra: Vec<(&'static str, serde_json::Value)>,
    /// `WWW-Authenticate` (401, 403).
    challenge: Option<String>,
}

/// The realm named in every challenge.
const REALM: &str = "ozg-portal pull API";

impl Problem {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            title,
            detail: detail.into(),
            extra: Vec::new(),
            challenge: None,
        }
    }

    pub fn with(mut self, key: &'static str, value: impl Into<serde_json::Value>) -> Self {
        self.extra.push((key, value.into()));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// No token, or one this municipality does not know (RFC 6750: `invalid_token` only when
    /// a token was sent).
    pub fn unauthorized(token_sent: bool) -> Self {
        let mut p = Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Nicht angemeldet",
            if token_sent {
                "Der Zugangsschlüssel (Bearer-Token) gilt für diese Kommune nicht."
            } else {
                "Die Anfrage braucht einen Zugangsschlüssel: Authorization: Bearer <Token>."
            },
        );
        p.challenge = Some(if token_sent {
            format!("Bearer realm=\"{REALM}\", error=\"invalid_token\"")
        } else {
            format!("Bearer realm=\"{REALM}\"")
        });
        p
    }

    /// The token is valid but lacks `scope`.
    pub fn insufficient_scope(scope: &'static str) -> Self {
        let mut p = Self::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "Keine Berechtigung",
            format!("Dieser Zugangsschlüssel hat die Berechtigung „{scope}“ nicht."),
        )
        .with("scope", scope);
        p.challenge = Some(format!(
            "Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{scope}\""
        ));
        p
    }

    /// No such case for this backend: unknown, malformed, of another municipality or not
    /// queued for this target; never said which.
    pub fn case_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "case_not_found",
            "Vorgang nicht gefunden",
            "Für diesen Zugangsschlüssel gibt es keinen Vorgang mit dieser Kennung.",
        )
    }

    pub fn attachment_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "attachment_not_found",
            "Anlage nicht gefunden",
            "Der Vorgang hat keine Anlage mit dieser Kennung.",
        )
    }

    pub fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Nicht gefunden",
            "Diese Adresse gibt es in der API nicht (siehe /api/v1/openapi.json).",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Methode nicht erlaubt",
            "Diese Adresse nimmt diese HTTP-Methode nicht an (siehe /api/v1/openapi.json).",
        )
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Ungültige Anfrage", detail)
    }

    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            "Ungültiger Inhalt",
            detail,
        )
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "Anfrage zu groß",
            format!("Der Inhalt darf höchstens {limit} Bytes groß sein."),
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Falsches Format",
            "Der Inhalt muss JSON sein (Content-Type: application/json).",
        )
    }

    /// Logs `cause` (inside the request span, with its correlation id) and answers a generic
    /// 500.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "pull API: internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Interner Fehler",
            "Die Anfrage konnte nicht bearbeitet werden. Bitte später erneut versuchen.",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = serde_json::Map::new();
        body.insert(
            "type".into(),
            format!("urn:ozg-portal:problem:{}", self.code).into(),
        );
        body.insert("title".into(), self.title.into());
        body.insert("status".into(), self.status.as_u16().into());
        body.insert("detail".into(), self.detail.into());
        body.insert("code".into(), self.code.into());
        for (k, v) in self.extra {
            body.insert(k.into(), v);
        }
        let mut res = (
            self.status,
            [
                (header::CONTENT_TYPE, CONTENT_TYPE),
                (header::CACHE_CONTROL, "no-store"),
            ],
            serde_json::Value::Object(body).to_string(),
        )
            .into_response();
        if let Some(c) = self.challenge
            && let Ok(v) = HeaderValue::from_str(&c)
        {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        res
    }
}
