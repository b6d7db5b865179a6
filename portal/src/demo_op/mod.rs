//! The demo OpenID provider: a small OpenID Connect provider inside the portal that stands in
//! for BundID (reached, as in production, through a municipality's OIDC broker), so that the
//! README's run command shows the citizen login without any outside service.
//!
//! **Demo mode only.** [`DemoOp::new`] is called, and [`router`] merged, only when
//! `config.demo` is true; without demo mode the portal has no `/demo-op/` routes and talks to
//! the configured provider. The relying party (`auth/`) talks to this one over HTTP exactly as
//! to a production provider: discovery, the authorization code flow with PKCE (S256 only) and
//! nonce, a client secret (HTTP Basic or in the body), ES256-signed ID tokens, userinfo, and
//! RP-initiated logout.
//!
//! Instead of a login form, the citizen picks one of three invented test identities, one per
//! trust level ([`personas`]). Everything lives in memory and ends with the process: the
//! signing key and the client secret are drawn at start-up, codes (single use, 60 seconds)
//! and access tokens (5 minutes) sit in bounded maps keyed by their SHA-256, so neither a
//! code nor a token is kept in the clear. Secrets are never logged.
//!
//! Routes, all under `/demo-op/` (so the issuer is `{portal}/demo-op`):
//! - `GET /demo-op/.well-known/openid-configuration`, `GET /demo-op/jwks`: for the relying party;
//! - `GET /demo-op/authorize`: the test identities page, `POST` the choice (CSRF-checked);
//! - `POST /demo-op/token`: code for tokens (authenticated by the client secret, no CSRF);
//! - `GET /demo-op/userinfo` with a bearer token;
//! - `GET /demo-op/end-session`: back to the registered address, or a "signed out" page.

mod authorize;
mod jws;
mod personas;
mod token;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::ErrorPage;
use crate::state::AppState;
use personas::{ACR_VALUES, Persona};

/// The only client the demo provider knows: the portal itself.
pub const CLIENT_ID: &str = "portal-demo";

/// An authorization code must be exchanged within this time.
const CODE_TTL_SECS: i64 = 60;
/// An access token (for userinfo) and the ID token are valid this long.
const TOKEN_TTL_SECS: i64 = 300;
/// At most this many codes, and as many access tokens, are held; the one that expires first
/// makes room for a new one, so memory stays bounded whatever the requests.
const MAX_ENTRIES: usize = 10_000;
/// The scopes the provider announces; a granted scope is the requested ones among these.
const SCOPES: [&str; 4] = ["openid", "profile", "email", "address"];
const CLAIMS: [&str; 18] = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "given_name",
    "family_name",
    "birthdate",
    "email",
    "email_verified",
    "address",
    "birth_name",
    "place_of_birth",
    "nationality",
];

const AUTHORIZE_PATH: &str = "/demo-op/authorize";
const END_SESSION_PATH: &str = "/demo-op/end-session";

/// The demo provider: its addresses, its key and client secret, and the codes and access
/// tokens it has issued.
pub struct DemoOp {
    issuer: String,
    browser_base: String,
    redirect_uri: String,
    post_logout_redirect_uri: String,
    key: jws::Key,
    client_secret: String,
    codes: Expiring<Grant>,
    tokens: Expiring<&'static Persona>,
}

impl fmt::Debug for DemoOp {
    // The key and the secret stay out of logs and panic messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoOp")
            .field("issuer", &self.issuer)
            .field("browser_base", &self.browser_base)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl DemoOp {
    /// A provider with a fresh key and client secret. Only ever called in demo mode.
    ///
    /// `issuer` (e.g. `http://127.0.0.1:8080/demo-op`) is what the relying party fetches
    /// discovery from, on loopback; it must end in `/demo-op`, where [`router`] serves.
    /// `browser_base` (e.g. `http://127.0.0.1:8080`) is where the citizen's browser reaches
    /// the portal, for the authorization and logout addresses. `redirect_uri` and
    /// `post_logout_redirect_uri` are the only addresses the provider ever sends a browser
    /// to (exact string match).
    pub fn new(
        issuer: String,
        browser_base: String,
        redirect_uri: String,
        post_logout_redirect_uri: String,
    ) -> Self {
        Self {
            issuer,
            browser_base: browser_base.trim_end_matches('/').to_owned(),
            redirect_uri,
            post_logout_redirect_uri,
            key: jws::Key::generate(),
            client_secret: random_token(),
            codes: Expiring::new(),
            tokens: Expiring::new(),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The secret the relying party authenticates with (drawn per process).
    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// The discovery document (OpenID Connect Discovery 1.0, section 3).
    fn discovery(&self) -> Value {
        let issuer = &self.issuer;
        let browser = &self.browser_base;
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{browser}{AUTHORIZE_PATH}"),
            "token_endpoint": format!("{issuer}/token"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "jwks_uri": format!("{issuer}/jwks"),
            "end_session_endpoint": format!("{browser}{END_SESSION_PATH}"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": SCOPES,
            "claims_supported": CLAIMS,
            "acr_values_supported": ACR_VALUES,
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "authorization_response_iss_parameter_supported": true,
        })
    }

    /// The client's redirect URI with the given parameters, the state (if the client sent
    /// one) and the issuer (RFC 9207).
    fn callback(&self, params: &[(&str, &str)], state: Option<&str>) -> String {
        let mut all: Vec<(&str, &str)> = params.to_vec();
        if let Some(state) = state {
            all.push(("state", state));
        }
        all.push(("iss", &self.issuer));
        with_query(&self.redirect_uri, &all)
    }
}

/// What an authorization code stands for until it is exchanged. The client is always
/// [`CLIENT_ID`] (the only one), so it is not stored.
#[derive(Debug)]
struct Grant {
    redirect_uri: String,
    nonce: Option<String>,
    code_challenge: String,
    scope: String,
    persona: &'static Persona,
    auth_time: i64,
}

/// Secrets (codes, access tokens) with their expiry, keyed by their SHA-256.
struct Expiring<T> {
    entries: Mutex<HashMap<[u8; 32], (i64, T)>>,
}

impl<T> Expiring<T> {
    fn new() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<[u8; 32], (i64, T)>> {
        // A panic while holding the lock leaves a consistent map: go on with it.
        match self.entries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Keeps `value` under `secret` until `expires_at`; drops what has expired, and if the
    /// map is still full, the entry that would expire first.
    fn insert(&self, secret: &str, value: T, expires_at: i64, now: i64) {
        let mut map = self.lock();
        map.retain(|_, (expiry, _)| *expiry > now);
        if map.len() >= MAX_ENTRIES
            && let Some(first) = map
                .iter()
                .min_by_key(|(_, (expiry, _))| *expiry)
                .map(|(k, _)| *k)
        {
            map.remove(&first);
        }
        map.insert(digest(secret), (expires_at, value));
    }

    /// Removes the entry: it is returned once, if it has not expired.
    fn take(&self, secret: &str, now: i64) -> Option<T> {
        let (expiry, value) = self.lock().remove(&digest(secret))?;
        (expiry > now).then_some(value)
    }

    fn get(&self, secret: &str, now: i64) -> Option<T>
    where
        T: Copy,
    {
        let map = self.lock();
        let (expiry, value) = map.get(&digest(secret))?;
        (*expiry > now).then_some(*value)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// 32 random bytes, base64url: codes, access tokens, the client secret.
fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Compares secrets without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A parameter that was sent more than once (RFC 6749 section 3.1 forbids it).
#[derive(Debug)]
struct Repeated;

/// The value of a request parameter; an empty one counts as absent (RFC 6749 section 3.1).
fn param<'a>(fields: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, Repeated> {
    let mut found = None;
    for (key, value) in fields {
        if key == name && !value.is_empty() {
            if found.is_some() {
                return Err(Repeated);
            }
            found = Some(value.as_str());
        }
    }
    Ok(found)
}

/// `base` with the parameters appended, form-urlencoded.
fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    if query.is_empty() {
        return base.to_owned();
    }
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{query}")
}

/// A `303 See Other` to `url` (built from a registered address, so it is a valid header;
/// if not, the browser gets an error page, never a panic).
fn see_other(url: &str) -> Response {
    match HeaderValue::from_str(url) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => ErrorPage::BadRequest.into_response(),
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// All routes under `/demo-op/`, merged by the caller (in demo mode only) with
/// `.merge(demo_op::router(op))`.
pub fn router(op: Arc<DemoOp>) -> Router<AppState> {
    routes(op)
}

/// The routes on any state: the provider needs nothing from the portal's state, which lets
/// the tests run it on its own.
fn routes<S: Clone + Send + Sync + 'static>(op: Arc<DemoOp>) -> Router<S> {
    Router::new()
        .route("/demo-op/.well-known/openid-configuration", get(discovery))
        .route("/demo-op/jwks", get(jwks))
        .route(AUTHORIZE_PATH, get(authorize::page).post(authorize::submit))
        .route("/demo-op/token", post(token::token))
        .route("/demo-op/userinfo", get(token::userinfo))
        .route(END_SESSION_PATH, get(authorize::end_session))
        .layer(Extension(op))
}

async fn discovery(Extension(op): Extension<Arc<DemoOp>>) -> Response {
    json_response(StatusCode::OK, &op.discovery())
}

async fn jwks(Extension(op): Extension<Arc<DemoOp>>) -> Response {
    json_response(StatusCode::OK, &json!({ "keys": [op.key.jwk()] }))
}

#[cfg(test)]
mod tests;
