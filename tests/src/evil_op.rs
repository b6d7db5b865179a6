//! A misbehaving OpenID provider for the login tests that need tokens no real provider sends:
//! an ID token from another issuer, for another audience, expired, signed by another key,
//! unsigned (`alg: none`), with another nonce, without `sub`, without `auth_time` or with an
//! hour-old one, a userinfo answer about someone else, or a callback without the `iss`
//! parameter it announces (RFC 9207). Everything else it does as a real provider would: discovery, JWKS with one
//! P-256 key, a code flow whose code works once and only with the right PKCE verifier and
//! client secret, ES256 signatures made by hand (compact JWS, signature `r || s`).
//!
//! It runs on the test's tokio runtime on 127.0.0.1, on a free port, and stops when the handle
//! is dropped. `/authorize` logs "Erika Mustermann" in at once (no login page).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::oidc::{CLIENT_ID, CLIENT_SECRET};

/// The person the misbehaving provider logs in (a pseudonymous `sub`, as BundID sends).
pub const ERIKA: &str = "pseudo-erika-5e1d";
/// The `sub` its userinfo answers with under [`Misbehaviour::UserinfoSubMismatch`].
pub const SOMEONE_ELSE: &str = "pseudo-someone-else-9b07";
/// The issuer of its ID tokens under [`Misbehaviour::WrongIssuer`].
pub const OTHER_ISSUER: &str = "http://127.0.0.1:1/other";
/// The audience of its ID tokens under [`Misbehaviour::WrongAudience`].
pub const OTHER_AUDIENCE: &str = "someone-else";

const KID: &str = "evil-es256";

/// What the provider gets wrong (or [`Misbehaviour::Honest`]: nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Misbehaviour {
    Honest,
    /// `iss` of the ID token is [`OTHER_ISSUER`].
    WrongIssuer,
    /// `aud` of the ID token is [`OTHER_AUDIENCE`].
    WrongAudience,
    /// `exp` an hour ago, `iat` two hours ago.
    Expired,
    /// `iat` an hour ahead (and `exp` after it): minted in the future.
    IssuedInTheFuture,
    /// `iat` a day ago, `exp` still ahead: an old token replayed.
    IssuedLongAgo,
    /// Signed by a key other than the one in the JWKS (same `kid`).
    BadSignature,
    /// Header `{"alg":"none"}` and an empty signature.
    AlgNone,
    /// `nonce` is not the one the relying party sent.
    NonceMismatch,
    /// No `sub` claim.
    MissingSub,
    /// The ID token is right, but userinfo answers about [`SOMEONE_ELSE`].
    UserinfoSubMismatch,
    /// Discovery announces `authorization_response_iss_parameter_supported: true`, but the
    /// redirect back to the client carries no `iss` (RFC 9207): what a mix-up attack through
    /// another provider looks like.
    OmitsIssParameter,
    /// Discovery does not announce RFC 9207 and the redirect carries no `iss`, as a provider
    /// without RFC 9207 does. Not a misbehaviour: the control for [`Self::OmitsIssParameter`].
    IssParameterUnsupported,
    /// No `auth_time` claim, even when `max_age` was asked for (OIDC Core 2 requires it then).
    NoAuthTime,
    /// `auth_time` an hour ago (`iat` now): an old single-sign-on session reused instead of
    /// the fresh authentication `max_age` asks for.
    OldAuthTime,
}

/// A running misbehaving provider. Its server task ends when this is dropped.
pub struct EvilOp {
    /// `http://127.0.0.1:<port>`, as in its discovery document.
    pub issuer: String,
    state: Arc<OpState>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for EvilOp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A code handed out by `/authorize`, waiting for the token request.
struct Grant {
    redirect_uri: String,
    nonce: Option<String>,
    code_challenge: String,
}

struct OpState {
    issuer: String,
    misbehaviour: Misbehaviour,
    acr: String,
    key: SigningKey,
    other_key: SigningKey,
    codes: Mutex<HashMap<String, Grant>>,
    /// Access tokens issued, each for the userinfo endpoint.
    access_tokens: Mutex<Vec<String>>,
    authorize_requests: AtomicUsize,
    token_requests: AtomicUsize,
    tokens_issued: AtomicUsize,
    userinfo_requests: AtomicUsize,
}

impl EvilOp {
    /// Starts the provider; its ID tokens carry `acr` (e.g. `STORK-QAA-Level-3`).
    pub async fn start(misbehaviour: Misbehaviour, acr: &str) -> EvilOp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind the misbehaving provider: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("its address: {e}"))
            .port();
        let issuer = format!("http://127.0.0.1:{port}");
        let state = Arc::new(OpState {
            issuer: issuer.clone(),
            misbehaviour,
            acr: acr.to_owned(),
            key: random_key(),
            other_key: random_key(),
            codes: Mutex::new(HashMap::new()),
            access_tokens: Mutex::new(Vec::new()),
            authorize_requests: AtomicUsize::new(0),
            token_requests: AtomicUsize::new(0),
            tokens_issued: AtomicUsize::new(0),
            userinfo_requests: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", axum::routing::post(token))
            .route("/userinfo", get(userinfo).post(userinfo))
            .route("/end-session", get(end_session))
            .with_state(state.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        EvilOp {
            issuer,
            state,
            server,
        }
    }

    /// Authorization requests it has seen.
    pub fn authorize_requests(&self) -> usize {
        self.state.authorize_requests.load(Ordering::SeqCst)
    }

    /// Token requests it has seen (answered or refused).
    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    /// Token requests it answered with tokens (right client, code and PKCE verifier).
    pub fn tokens_issued(&self) -> usize {
        self.state.tokens_issued.load(Ordering::SeqCst)
    }

    /// Userinfo requests it has seen.
    pub fn userinfo_requests(&self) -> usize {
        self.state.userinfo_requests.load(Ordering::SeqCst)
    }
}

fn random_key() -> SigningKey {
    // A random scalar; the tiny chance of one outside the curve's order is retried.
    loop {
        if let Ok(key) = SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
            return key;
        }
    }
}

fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        value.to_string(),
    )
        .into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

async fn discovery(State(op): State<Arc<OpState>>) -> Response {
    let issuer = &op.issuer;
    json_response(
        StatusCode::OK,
        &json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "jwks_uri": format!("{issuer}/jwks"),
            "end_session_endpoint": format!("{issuer}/end-session"),
            "scopes_supported": ["openid", "profile", "email", "address"],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "acr_values_supported": [
                "STORK-QAA-Level-1", "STORK-QAA-Level-2", "STORK-QAA-Level-3", "STORK-QAA-Level-4",
                "http://eidas.europa.eu/LoA/low", "http://eidas.europa.eu/LoA/substantial",
                "http://eidas.europa.eu/LoA/high"
            ],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "acr", "auth_time",
                "given_name", "family_name", "birthdate", "email", "address"],
            "authorization_response_iss_parameter_supported":
                op.misbehaviour != Misbehaviour::IssParameterUnsupported,
        }),
    )
}

impl OpState {
    /// Whether the redirect back to the client names this provider in `iss` (RFC 9207).
    fn sends_iss(&self) -> bool {
        !matches!(
            self.misbehaviour,
            Misbehaviour::OmitsIssParameter | Misbehaviour::IssParameterUnsupported
        )
    }
}

/// The public half of `key` as a JWK.
fn public_jwk(key: &SigningKey) -> Value {
    let point = key.verifying_key().to_sec1_point(false);
    let bytes = point.as_bytes();
    // Uncompressed SEC1: 0x04 || x (32 bytes) || y (32 bytes).
    let (x, y) = bytes
        .get(1..33)
        .zip(bytes.get(33..65))
        .unwrap_or_else(|| panic!("an uncompressed P-256 point has 65 bytes"));
    json!({
        "kty": "EC",
        "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(x),
        "y": URL_SAFE_NO_PAD.encode(y),
        "kid": KID,
        "alg": "ES256",
        "use": "sig",
    })
}

async fn jwks(State(op): State<Arc<OpState>>) -> Response {
    json_response(StatusCode::OK, &json!({ "keys": [public_jwk(&op.key)] }))
}

/// Appends `params` to `uri`'s query.
fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let joiner = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{joiner}{query}")
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "bad redirect").into_response(),
    }
}

/// Logs the person in at once and sends the browser back with a code, as a provider does
/// after its login page.
async fn authorize(
    State(op): State<Arc<OpState>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    op.authorize_requests.fetch_add(1, Ordering::SeqCst);
    let param = |name: &str| params.get(name).map(String::as_str);
    if param("client_id") != Some(CLIENT_ID) {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    }
    let Some(redirect_uri) = param("redirect_uri") else {
        return (StatusCode::BAD_REQUEST, "redirect_uri is missing").into_response();
    };
    let state = param("state").unwrap_or_default();
    let refuse = |error: &str, description: &str| {
        let mut back = vec![("error", error), ("error_description", description)];
        if !state.is_empty() {
            back.push(("state", state));
        }
        if op.sends_iss() {
            back.push(("iss", op.issuer.as_str()));
        }
        see_other(&with_query(redirect_uri, &back))
    };
    if param("response_type") != Some("code") {
        return refuse("unsupported_response_type", "only response_type=code");
    }
    if !param("scope").is_some_and(|s| s.split(' ').any(|s| s == "openid")) {
        return refuse("invalid_scope", "openid scope missing");
    }
    let (Some(challenge), Some("S256")) = (param("code_challenge"), param("code_challenge_method"))
    else {
        return refuse("invalid_request", "PKCE with S256 is required");
    };
    let code = random_token();
    if let Ok(mut codes) = op.codes.lock() {
        codes.insert(
            code.clone(),
            Grant {
                redirect_uri: redirect_uri.to_owned(),
                nonce: param("nonce").map(str::to_owned),
                code_challenge: challenge.to_owned(),
            },
        );
    }
    let mut back = vec![("code", code.as_str())];
    if !state.is_empty() {
        back.push(("state", state));
    }
    if op.sends_iss() {
        back.push(("iss", op.issuer.as_str()));
    }
    see_other(&with_query(redirect_uri, &back))
}

/// The client's credentials from `Authorization: Basic` or the form (client_secret_post).
fn client_authenticated(headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let Ok(decoded) = STANDARD.decode(basic.trim()) else {
            return false;
        };
        let Ok(decoded) = String::from_utf8(decoded) else {
            return false;
        };
        let Some((id, secret)) = decoded.split_once(':') else {
            return false;
        };
        // RFC 6749 2.3.1: both are form-urlencoded before they are joined.
        let unescape = |s: &str| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
                .ok()
                .and_then(|v| v.into_iter().next())
                .map(|(_, v)| v)
        };
        return unescape(id).as_deref() == Some(CLIENT_ID)
            && unescape(secret).as_deref() == Some(CLIENT_SECRET);
    }
    form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET)
}

fn sign_es256(key: &SigningKey, header: &Value, claims: &Value) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature: Signature = key.sign(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )
}

impl OpState {
    fn id_token(&self, nonce: Option<&str>) -> String {
        let now = now();
        let mut claims = json!({
            "iss": self.issuer,
            "sub": ERIKA,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "acr": self.acr,
            "amr": ["pwd"],
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        match self.misbehaviour {
            Misbehaviour::WrongIssuer => claims["iss"] = json!(OTHER_ISSUER),
            Misbehaviour::WrongAudience => claims["aud"] = json!(OTHER_AUDIENCE),
            Misbehaviour::Expired => {
                claims["iat"] = json!(now - 7200);
                claims["auth_time"] = json!(now - 7200);
                claims["exp"] = json!(now - 3600);
            }
            Misbehaviour::IssuedInTheFuture => {
                claims["iat"] = json!(now + 3600);
                claims["auth_time"] = json!(now + 3600);
                claims["exp"] = json!(now + 3900);
            }
            Misbehaviour::IssuedLongAgo => {
                claims["iat"] = json!(now - 86_400);
                claims["auth_time"] = json!(now - 86_400);
            }
            Misbehaviour::NonceMismatch => {
                claims["nonce"] = json!(format!("not-your-nonce-{}", random_token()));
            }
            Misbehaviour::MissingSub => {
                if let Some(map) = claims.as_object_mut() {
                    map.remove("sub");
                }
            }
            Misbehaviour::NoAuthTime => {
                if let Some(map) = claims.as_object_mut() {
                    map.remove("auth_time");
                }
            }
            Misbehaviour::OldAuthTime => claims["auth_time"] = json!(now - 3600),
            Misbehaviour::Honest
            | Misbehaviour::BadSignature
            | Misbehaviour::AlgNone
            | Misbehaviour::UserinfoSubMismatch
            | Misbehaviour::OmitsIssParameter
            | Misbehaviour::IssParameterUnsupported => {}
        }
        let header = json!({ "alg": "ES256", "typ": "JWT", "kid": KID });
        match self.misbehaviour {
            Misbehaviour::BadSignature => sign_es256(&self.other_key, &header, &claims),
            Misbehaviour::AlgNone => format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(json!({ "alg": "none" }).to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            ),
            _ => sign_es256(&self.key, &header, &claims),
        }
    }
}

/// The token endpoint: client authentication, the code once, its redirect URI, PKCE S256.
async fn token(State(op): State<Arc<OpState>>, headers: HeaderMap, body: Bytes) -> Response {
    op.token_requests.fetch_add(1, Ordering::SeqCst);
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "not a form body",
        );
    };
    let form: HashMap<String, String> = pairs.into_iter().collect();
    if !client_authenticated(&headers, &form) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"evil-op\"")],
            [(header::CONTENT_TYPE, "application/json")],
            json!({ "error": "invalid_client" }).to_string(),
        )
            .into_response();
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only authorization_code",
        );
    }
    let code = form.get("code").cloned().unwrap_or_default();
    // A code works once, whatever happens next.
    let grant = op
        .codes
        .lock()
        .ok()
        .and_then(|mut codes| codes.remove(&code));
    let Some(grant) = grant else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown code");
    };
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri mismatch",
        );
    }
    let Some(verifier) = form.get("code_verifier") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "code_verifier missing",
        );
    };
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != grant.code_challenge {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "PKCE failed");
    }
    let access_token = random_token();
    if let Ok(mut tokens) = op.access_tokens.lock() {
        tokens.push(access_token.clone());
    }
    op.tokens_issued.fetch_add(1, Ordering::SeqCst);
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "openid profile email address",
            "id_token": op.id_token(grant.nonce.as_deref()),
        }),
    )
}

async fn userinfo(State(op): State<Arc<OpState>>, headers: HeaderMap) -> Response {
    op.userinfo_requests.fetch_add(1, Ordering::SeqCst);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let known = op
        .access_tokens
        .lock()
        .map(|tokens| tokens.contains(&bearer))
        .unwrap_or(false);
    if !known {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        )
            .into_response();
    }
    let sub = if op.misbehaviour == Misbehaviour::UserinfoSubMismatch {
        SOMEONE_ELSE
    } else {
        ERIKA
    };
    json_response(
        StatusCode::OK,
        &json!({
            "sub": sub,
            "given_name": "Erika",
            "family_name": "Mustermann",
            "birthdate": "1964-08-12",
            "email": "erika.mustermann@example.org",
            "address": {
                "street_address": "Heidestraße 17",
                "postal_code": "99735",
                "locality": "Werther",
                "country": "DE"
            }
        }),
    )
}

/// RP-initiated logout: straight back to the relying party.
async fn end_session(Query(params): Query<HashMap<String, String>>) -> Response {
    match params.get("post_logout_redirect_uri") {
        Some(uri) => {
            let back: Vec<(&str, &str)> = params
                .get("state")
                .map(|s| vec![("state", s.as_str())])
                .unwrap_or_default();
            if back.is_empty() {
                see_other(uri)
            } else {
                see_other(&with_query(uri, &back))
            }
        }
        None => (StatusCode::OK, "signed out").into_response(),
    }
}
