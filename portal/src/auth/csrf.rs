//! CSRF protection by signed double submit (DESIGN.md principle 6).
//!
//! Each browser gets a random secret in a `__Host-` cookie; a form's token is
//! `issued_at.HMAC(key, secret | issued_at)`, so a token is useless in another browser and
//! expires. Nothing is written to the database. The only way to read a form body is
//! [`CsrfForm`], so no state-changing POST can skip the check (clippy bans `axum::Form`); a
//! form with a file input posts `multipart/form-data`, read with [`CsrfMultipart`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::ErrorPage;

pub const COOKIE: &str = "__Host-portal-csrf";
pub const FIELD: &str = "_csrf";
/// A form may stay open this long before its token expires (then: 403, values kept).
pub const MAX_AGE_SECS: i64 = 12 * 3600;
/// The most of a multipart post's `_csrf` part that is read (a token has about 55 bytes).
const MAX_MULTIPART_TOKEN_BYTES: usize = 256;

type HmacSha256 = Hmac<Sha256>;

/// The browser's CSRF secret and the key tokens are signed with, put into every request by
/// the `csrf_cookie` middleware.
#[derive(Clone)]
pub struct Csrf {
    key: Arc<[u8; 32]>,
    secret: Arc<str>,
    /// The browser sent no valid secret: a new one was drawn, and any posted token is invalid.
    fresh: bool,
    /// A token was issued, so a fresh secret must reach the browser as a cookie.
    issued: Arc<AtomicBool>,
}

impl Csrf {
    pub fn from_cookie(key: Arc<[u8; 32]>, cookie: Option<&str>) -> Self {
        let (secret, fresh) = match cookie.filter(|c| valid_secret(c)) {
            Some(c) => (c.to_owned(), false),
            None => (random_secret(), true),
        };
        Self {
            key,
            secret: secret.into(),
            fresh,
            issued: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A token for a form rendered now.
    pub fn token(&self) -> String {
        self.issued.store(true, Ordering::Relaxed);
        sign(&self.key, &self.secret, chrono::Utc::now().timestamp())
    }

    pub fn verify(&self, token: &str) -> bool {
        !self.fresh
            && verify(
                &self.key,
                &self.secret,
                token,
                chrono::Utc::now().timestamp(),
            )
    }

    /// The `Set-Cookie` value when the browser must learn a new secret.
    pub fn set_cookie(&self) -> Option<String> {
        (self.fresh && self.issued.load(Ordering::Relaxed)).then(|| {
            format!(
                "{COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Lax",
                self.secret
            )
        })
    }
}

fn valid_secret(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn random_secret() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn mac(key: &[u8; 32], secret: &str, issued_at: i64) -> HmacSha256 {
    // new_from_slice only fails for key lengths HMAC cannot take; 32 bytes always work.
    #[allow(clippy::expect_used)]
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(secret.as_bytes());
    mac.update(b"|");
    mac.update(issued_at.to_string().as_bytes());
    mac
}

pub fn sign(key: &[u8; 32], secret: &str, issued_at: i64) -> String {
    let tag = mac(key, secret, issued_at).finalize().into_bytes();
    format!("{issued_at}.{}", URL_SAFE_NO_PAD.encode(tag))
}

pub fn verify(key: &[u8; 32], secret: &str, token: &str, now: i64) -> bool {
    let Some((ts, tag)) = token.split_once('.') else {
        return false;
    };
    let Ok(issued_at) = ts.parse::<i64>() else {
        return false;
    };
    // Expired, or issued in the future (beyond a little clock skew between instances).
    if now - issued_at > MAX_AGE_SECS || issued_at - now > 300 {
        return false;
    }
    let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
        return false;
    };
    mac(key, secret, issued_at).verify_slice(&tag).is_ok()
}

/// A posted form whose CSRF token is valid. The fields are in posted order.
#[derive(Debug)]
pub struct CsrfForm(pub Vec<(String, String)>);

/// Why a posted form was refused. Handlers that can show the step again take
/// `Result<CsrfForm, CsrfRejection>` and render the posted values with a fresh token.
#[derive(Debug)]
pub enum CsrfRejection {
    /// Token missing, expired, or from another browser: 403. The posted values are kept.
    Token(Vec<(String, String)>),
    /// Body over the route's limit: 413.
    TooLarge,
    /// Not a form post (wrong content type or unreadable body): 400.
    BadRequest,
}

impl IntoResponse for CsrfRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Token(_) => ErrorPage::Forbidden.into_response(),
            Self::TooLarge => ErrorPage::TooLarge.into_response(),
            Self::BadRequest => ErrorPage::BadRequest.into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for CsrfForm {
    type Rejection = CsrfRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let csrf = req.extensions().get::<Csrf>().cloned();
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let body = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                CsrfRejection::TooLarge
            } else {
                CsrfRejection::BadRequest
            }
        })?;
        if !is_form {
            return Err(CsrfRejection::BadRequest);
        }
        // The URL-encoded parser replaces bytes that are not UTF-8 with U+FFFD; such a body
        // was not typed into our UTF-8 pages, and storing it would alter what was sent.
        if !decodes_to_utf8(&body) {
            return Err(CsrfRejection::BadRequest);
        }
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&body).map_err(|_| CsrfRejection::BadRequest)?;
        let token = fields
            .iter()
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        match csrf {
            Some(csrf) if csrf.verify(token) => Ok(Self(fields)),
            _ => Err(CsrfRejection::Token(fields)),
        }
    }
}

/// A `multipart/form-data` post (a form with a file input) whose CSRF token is valid. The
/// token is the form's first part (the hidden `_csrf` input comes first in the form), checked
/// before any file is read; the parts after it are left to the handler, in posted order.
pub struct CsrfMultipart(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for CsrfMultipart {
    type Rejection = CsrfRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let csrf = req.extensions().get::<Csrf>().cloned();
        // Refuses another content type or a missing boundary.
        let mut multipart = Multipart::from_request(req, state)
            .await
            .map_err(|_| CsrfRejection::BadRequest)?;
        let Some(csrf) = csrf else {
            return Err(CsrfRejection::Token(Vec::new()));
        };
        verify_multipart_csrf(&csrf, &mut multipart).await?;
        Ok(Self(multipart))
    }
}

/// Checks the CSRF token of a multipart post: its first part must be `_csrf` and hold a valid
/// token, else `Token` (with no values: a multipart form is not shown again as posted). Reads
/// that part only, and at most a few hundred bytes of it.
pub async fn verify_multipart_csrf(
    csrf: &Csrf,
    multipart: &mut Multipart,
) -> Result<(), CsrfRejection> {
    let refused = || CsrfRejection::Token(Vec::new());
    let Some(mut first) = multipart.next_field().await.map_err(multipart_rejection)? else {
        return Err(refused());
    };
    if first.name() != Some(FIELD) {
        return Err(refused());
    }
    let mut token = Vec::new();
    while let Some(chunk) = first.chunk().await.map_err(multipart_rejection)? {
        if token.len() + chunk.len() > MAX_MULTIPART_TOKEN_BYTES {
            return Err(refused());
        }
        token.extend_from_slice(&chunk);
    }
    match std::str::from_utf8(&token) {
        Ok(token) if csrf.verify(token) => Ok(()),
        _ => Err(refused()),
    }
}

fn multipart_rejection(e: MultipartError) -> CsrfRejection {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        CsrfRejection::TooLarge
    } else {
        CsrfRejection::BadRequest
    }
}

/// Whether a URL-encoded body, percent-decoded, is UTF-8 (a `%` without two hex digits
/// stays literal, as in the URL-encoded parser).
fn decodes_to_utf8(body: &[u8]) -> bool {
    percent_encoding::percent_decode(body).decode_utf8().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const SECRET: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    #[test]
    fn a_token_from_this_browser_is_accepted() {
        let t = sign(&KEY, SECRET, 1_000_000);
        assert!(verify(&KEY, SECRET, &t, 1_000_100));
    }

    #[test]
    fn a_token_from_another_browser_is_refused() {
        let t = sign(&KEY, SECRET, 1_000_000);
        let other = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
        assert!(!verify(&KEY, other, &t, 1_000_100));
    }

    #[test]
    fn an_expired_or_future_token_is_refused() {
        let t = sign(&KEY, SECRET, 1_000_000);
        assert!(!verify(&KEY, SECRET, &t, 1_000_000 + MAX_AGE_SECS + 1));
        assert!(!verify(&KEY, SECRET, &t, 1_000_000 - 3600));
    }

    #[test]
    fn a_tampered_or_garbage_token_is_refused() {
        let t = sign(&KEY, SECRET, 1_000_000);
        let tampered = t.replacen("1000000", "1000001", 1);
        assert!(!verify(&KEY, SECRET, &tampered, 1_000_100));
        for garbage in [
            "",
            ".",
            "x.y",
            "1000000.",
            "-1.AAAA",
            "99999999999999999999.A",
        ] {
            assert!(!verify(&KEY, SECRET, garbage, 1_000_100), "{garbage}");
        }
    }

    #[test]
    fn a_body_that_is_not_utf8_after_decoding_is_refused() {
        assert!(decodes_to_utf8(b"a=Stra%C3%9Fe&b=%E2%82%AC+x&c=100%&d=%zz"));
        assert!(decodes_to_utf8("a=Straße".as_bytes()));
        assert!(!decodes_to_utf8(b"a=%FF"));
        assert!(!decodes_to_utf8(b"a=\xff"));
        assert!(!decodes_to_utf8(b"a=%C3&b=%9F"));
    }

    #[test]
    fn a_browser_without_a_secret_gets_a_new_one_and_no_token_counts() {
        let csrf = Csrf::from_cookie(Arc::new(KEY), None);
        let token = csrf.token();
        assert!(
            !csrf.verify(&token),
            "a token minted for a fresh secret cannot be posted yet"
        );
        assert!(
            csrf.set_cookie()
                .is_some_and(|c| c.starts_with("__Host-portal-csrf="))
        );
        let known = Csrf::from_cookie(Arc::new(KEY), Some(SECRET));
        assert!(known.verify(&known.token()));
        assert!(known.set_cookie().is_none());
    }

    mod multipart {
        #![allow(clippy::unwrap_used)]

        use axum::Router;
        use axum::body::Body;
        use axum::extract::DefaultBodyLimit;
        use axum::http::StatusCode;
        use axum::routing::post;
        use tower::ServiceExt;

        use super::*;

        const BOUNDARY: &str = "----portal-test-boundary";

        /// A multipart body of `(name, file name, value)` parts, in this order.
        fn body(parts: &[(&str, Option<&str>, &str)]) -> String {
            let mut body = String::new();
            for (name, file_name, value) in parts {
                body.push_str(&format!("--{BOUNDARY}\r\n"));
                match file_name {
                    Some(file_name) => body.push_str(&format!(
                        "Content-Disposition: form-data; name=\"{name}\"; \
                         filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n"
                    )),
                    None => body.push_str(&format!(
                        "Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                    )),
                }
                body.push_str(value);
                body.push_str("\r\n");
            }
            body.push_str(&format!("--{BOUNDARY}--\r\n"));
            body
        }

        fn post_request(csrf: Option<&Csrf>, content_type: &str, body: String) -> Request {
            let mut req = Request::builder()
                .method("POST")
                .uri("/upload")
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap();
            if let Some(csrf) = csrf {
                req.extensions_mut().insert(csrf.clone());
            }
            req
        }

        fn multipart_type() -> String {
            format!("multipart/form-data; boundary={BOUNDARY}")
        }

        fn browser() -> Csrf {
            Csrf::from_cookie(Arc::new(KEY), Some(SECRET))
        }

        async fn extract(req: Request) -> Result<CsrfMultipart, CsrfRejection> {
            CsrfMultipart::from_request(req, &()).await
        }

        #[tokio::test]
        async fn a_valid_token_first_lets_the_handler_read_the_file() {
            let csrf = browser();
            let body = body(&[
                (FIELD, None, &csrf.token()),
                ("nachweis", Some("Nachweis.pdf"), "%PDF-1.7 content"),
            ]);
            let CsrfMultipart(mut multipart) =
                extract(post_request(Some(&csrf), &multipart_type(), body))
                    .await
                    .unwrap();
            let file = multipart.next_field().await.unwrap().unwrap();
            assert_eq!(file.name(), Some("nachweis"));
            assert_eq!(file.file_name(), Some("Nachweis.pdf"));
            assert_eq!(file.bytes().await.unwrap(), "%PDF-1.7 content");
            assert!(multipart.next_field().await.unwrap().is_none());
        }

        #[tokio::test]
        async fn a_token_that_is_not_the_first_part_is_refused() {
            let csrf = browser();
            let token = csrf.token();
            let body = body(&[
                ("nachweis", Some("Nachweis.pdf"), "%PDF-1.7"),
                (FIELD, None, &token),
            ]);
            assert!(matches!(
                extract(post_request(Some(&csrf), &multipart_type(), body)).await,
                Err(CsrfRejection::Token(values)) if values.is_empty()
            ));
        }

        #[tokio::test]
        async fn a_missing_wrong_or_foreign_token_is_refused() {
            let csrf = browser();
            let foreign = Csrf::from_cookie(
                Arc::new(KEY),
                Some("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"),
            )
            .token();
            let oversized = "1".repeat(MAX_MULTIPART_TOKEN_BYTES + 1);
            let valid = csrf.token();
            for parts in [
                vec![],
                vec![(FIELD, None, "")],
                vec![(FIELD, None, "garbage")],
                vec![(FIELD, None, foreign.as_str())],
                vec![(FIELD, None, oversized.as_str())],
                vec![("_CSRF", None, valid.as_str())],
            ] {
                let req = post_request(Some(&csrf), &multipart_type(), body(&parts));
                assert!(
                    matches!(extract(req).await, Err(CsrfRejection::Token(_))),
                    "{parts:?}"
                );
            }
            // A browser without a secret yet, or a request the middleware did not see.
            let fresh = Csrf::from_cookie(Arc::new(KEY), None);
            let req = post_request(
                Some(&fresh),
                &multipart_type(),
                body(&[(FIELD, None, &fresh.token())]),
            );
            assert!(matches!(extract(req).await, Err(CsrfRejection::Token(_))));
            let req = post_request(
                None,
                &multipart_type(),
                body(&[(FIELD, None, &csrf.token())]),
            );
            assert!(matches!(extract(req).await, Err(CsrfRejection::Token(_))));
        }

        #[tokio::test]
        async fn a_post_that_is_not_multipart_is_a_bad_request() {
            let csrf = browser();
            let form = format!("{FIELD}={}", csrf.token());
            for content_type in ["application/x-www-form-urlencoded", "multipart/form-data"] {
                let req = post_request(Some(&csrf), content_type, form.clone());
                assert!(matches!(extract(req).await, Err(CsrfRejection::BadRequest)));
            }
            let req = post_request(Some(&csrf), &multipart_type(), "not multipart".into());
            assert!(matches!(extract(req).await, Err(CsrfRejection::BadRequest)));
        }

        #[tokio::test]
        async fn a_first_part_over_the_body_limit_is_413() {
            async fn handler(_: CsrfMultipart) -> StatusCode {
                StatusCode::OK
            }
            let app = Router::new()
                .route("/upload", post(handler))
                .layer(DefaultBodyLimit::max(64));
            let csrf = browser();
            let big = "x".repeat(200);
            let req = post_request(Some(&csrf), &multipart_type(), body(&[(FIELD, None, &big)]));
            let res = app.oneshot(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        }
    }
}
