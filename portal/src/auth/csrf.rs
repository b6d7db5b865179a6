//! CSRF protection by signed double submit (DESIGN.md principle 6).
//!
//! Each browser gets a random secret in a `__Host-` cookie; a form's token is
//! `issued_at.HMAC(key, secret | issued_at)`, so a token is useless in another browser and
//! expires. Nothing is written to the database. The only way to read a form body is
//! [`CsrfForm`], so no state-changing POST can skip the check (clippy bans `axum::Form`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
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
}
