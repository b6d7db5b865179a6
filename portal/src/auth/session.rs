//! Database sessions (DESIGN.md principle 6). A session starts at staff login or when a
//! citizen submits; anonymous page views write nothing. The cookie holds 32 random bytes;
//! the database holds only their SHA-256, so a leaked table gives no usable session.
//!
//! Home-made rather than tower-sessions: a citizen's session must be written in the same
//! transaction as the case it submitted (one durable commit, nothing half-done), and the
//! store is chosen at run time between two backends.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

pub const COOKIE_NAME: &str = "__Host-portal-session";

/// A session cookie value, as sent by the browser or newly drawn.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKey(String);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(***)")
    }
}

/// The first character of every key that [`SessionKey::generate_login`] draws.
const LOGIN_MARK: &str = "L";

impl SessionKey {
    /// A key for an anonymous browser or a staff login.
    pub fn generate() -> Self {
        Self(random_token())
    }

    /// A key for a citizen's login: marked, so that a request with any other key is known to
    /// carry no citizen login without asking the database. The mark is part of the secret
    /// value (a browser cannot add it to its key without losing the key), leaves 252 random
    /// bits, and only ever saves a look-up: a key without it reads as "no citizen login",
    /// which grants nothing.
    pub fn generate_login() -> Self {
        let mut token = random_token();
        token.replace_range(..1, LOGIN_MARK);
        Self(token)
    }

    /// Whether this key may belong to a citizen's login (every such key does; one in 64 of
    /// the others too, by chance).
    pub fn may_hold_login(&self) -> bool {
        self.0.starts_with(LOGIN_MARK)
    }

    /// The session cookie of a request, if it has the right shape.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        cookie(headers, COOKIE_NAME)
            .filter(|v| is_token(v))
            .map(|v| Self(v.to_owned()))
    }

    /// What the database stores and looks up.
    pub fn hash(&self) -> String {
        sha256_hex(&self.0)
    }

    pub fn set_cookie(&self, max_age_secs: i64) -> String {
        format!(
            "{COOKIE_NAME}={}; Path=/; Max-Age={max_age_secs}; Secure; HttpOnly; SameSite=Lax",
            self.0
        )
    }

    pub fn clear_cookie() -> String {
        format!("{COOKIE_NAME}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax")
    }
}

/// SHA-256 of a secret token as lowercase hex: what the database keeps instead of the token.
pub fn sha256_hex(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random token of 32 bytes, URL-safe (43 characters).
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Whether `s` has the shape of [`random_token`]'s output.
pub fn is_token(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_database_never_sees_the_cookie_value() {
        let key = SessionKey::generate();
        assert_eq!(key.hash().len(), 64);
        assert!(!key.hash().contains(&key.0));
    }

    #[test]
    fn a_citizen_login_key_is_marked_and_still_a_well_formed_secret() {
        for _ in 0..64 {
            let login = SessionKey::generate_login();
            assert!(login.may_hold_login());
            assert!(is_token(&login.0));
            assert_ne!(login, SessionKey::generate_login());
        }
        // Anonymous keys are drawn as before: most carry no mark, so they cost no look-up.
        let marked = (0..640)
            .filter(|_| SessionKey::generate().may_hold_login())
            .count();
        assert!(
            marked < 64,
            "{marked} of 640 anonymous keys look like logins"
        );
    }

    #[test]
    fn a_malformed_session_cookie_is_ignored() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("__Host-portal-session=short; a=b"),
        );
        assert!(SessionKey::from_headers(&headers).is_none());
        let key = SessionKey::generate();
        let value = format!("x=1; {COOKIE_NAME}={}", key.0);
        headers.insert(COOKIE, HeaderValue::from_str(&value).expect("ascii"));
        assert_eq!(SessionKey::from_headers(&headers), Some(key));
    }
}
