//! The demo provider's machine endpoints: the token endpoint (code for tokens, RFC 6749
//! section 4.1.3 with PKCE, RFC 7636) and userinfo (OpenID Connect Core section 5.3).
//!
//! No CSRF check here: the token endpoint is authenticated by the client secret, userinfo by
//! the access token, and neither reads a cookie.

use std::borrow::Cow;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{
    CLIENT_ID, DemoOp, Grant, TOKEN_TTL_SECS, constant_time_eq, json_response, now, param,
    random_token,
};

/// The token endpoint's errors (RFC 6749 section 5.2), answered as `{"error": …}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TokenError {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
}

impl TokenError {
    fn code(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnsupportedGrantType => "unsupported_grant_type",
        }
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let status = match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
        let mut res = json_response(status, &json!({ "error": self.code() }));
        let headers = res.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self == Self::InvalidClient {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"demo-op\""),
            );
        }
        res
    }
}

impl DemoOp {
    /// Exchanges a code for tokens: checks the client, then takes the code out (so a second
    /// try with it fails, whatever the first one's outcome), then the redirect URI and the
    /// PKCE verifier.
    pub(super) fn exchange(
        &self,
        authorization: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<Value, TokenError> {
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(body).map_err(|_| TokenError::InvalidRequest)?;
        let get = |name| param(&fields, name).map_err(|_| TokenError::InvalidRequest);
        self.authenticate(authorization, get("client_id")?, get("client_secret")?)?;
        match get("grant_type")? {
            Some("authorization_code") => {}
            Some(_) => return Err(TokenError::UnsupportedGrantType),
            None => return Err(TokenError::InvalidRequest),
        }
        let code = get("code")?.ok_or(TokenError::InvalidRequest)?;
        let redirect_uri = get("redirect_uri")?;
        let verifier = get("code_verifier")?;
        let grant = self.codes.take(code, now).ok_or(TokenError::InvalidGrant)?;
        if redirect_uri != Some(grant.redirect_uri.as_str()) {
            return Err(TokenError::InvalidGrant);
        }
        if !verifier.is_some_and(|v| pkce_matches(v, &grant.code_challenge)) {
            return Err(TokenError::InvalidGrant);
        }
        let access_token = random_token();
        self.tokens
            .insert(&access_token, grant.persona, now + TOKEN_TTL_SECS, now);
        let id_token = self.id_token(&grant, &access_token, now);
        Ok(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL_SECS,
            "id_token": id_token,
            "scope": grant.scope,
        }))
    }

    /// The client's credentials: HTTP Basic (each part form-urlencoded, RFC 6749 section
    /// 2.3.1) or `client_id` and `client_secret` in the body; not both at once.
    fn authenticate(
        &self,
        authorization: Option<&str>,
        body_id: Option<&str>,
        body_secret: Option<&str>,
    ) -> Result<(), TokenError> {
        let basic = match authorization {
            Some(value) => Some(basic_credentials(value).ok_or(TokenError::InvalidClient)?),
            None => None,
        };
        let (id, secret) = match (basic, body_secret) {
            (Some(_), Some(_)) => return Err(TokenError::InvalidRequest),
            (Some((id, secret)), None) => {
                if body_id.is_some_and(|b| b != id) {
                    return Err(TokenError::InvalidClient);
                }
                (id, secret)
            }
            (None, Some(secret)) => (
                body_id.ok_or(TokenError::InvalidClient)?.to_owned(),
                secret.to_owned(),
            ),
            (None, None) => return Err(TokenError::InvalidClient),
        };
        if id == CLIENT_ID && constant_time_eq(secret.as_bytes(), self.client_secret.as_bytes()) {
            Ok(())
        } else {
            tracing::warn!("demo provider: client authentication failed");
            Err(TokenError::InvalidClient)
        }
    }

    /// The signed ID token: the standard claims, the persona's level (`acr`, `amr`) and its
    /// profile claims.
    fn id_token(&self, grant: &Grant, access_token: &str, now: i64) -> String {
        let persona = grant.persona;
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(self.issuer));
        claims.insert("sub".into(), json!(persona.sub));
        claims.insert("aud".into(), json!(CLIENT_ID));
        claims.insert("exp".into(), json!(now + TOKEN_TTL_SECS));
        claims.insert("iat".into(), json!(now));
        claims.insert("auth_time".into(), json!(grant.auth_time));
        if let Some(nonce) = &grant.nonce {
            claims.insert("nonce".into(), json!(nonce));
        }
        claims.insert("acr".into(), json!(persona.acr));
        claims.insert("amr".into(), json!([persona.amr]));
        // OpenID Connect Core 3.1.3.6: the left half of the SHA-256 of the access token.
        let hash = Sha256::digest(access_token.as_bytes());
        claims.insert("at_hash".into(), json!(URL_SAFE_NO_PAD.encode(&hash[..16])));
        claims.extend(persona.claims());
        self.key.sign(&Value::Object(claims))
    }
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic_credentials(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// `application/x-www-form-urlencoded` decoding of one value.
fn form_decode(s: &str) -> Option<String> {
    let plus_as_space = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_as_space)
        .decode_utf8()
        .ok()
        .map(Cow::into_owned)
}

/// Whether `BASE64URL(SHA256(verifier))` is the challenge (RFC 7636 section 4.6), for a
/// verifier of the allowed form (43 to 128 unreserved characters, section 4.1).
pub(super) fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    well_formed && constant_time_eq(computed.as_bytes(), challenge.as_bytes())
}

pub(super) async fn token(
    Extension(op): Extension<Arc<DemoOp>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return TokenError::InvalidRequest.into_response();
    }
    let authorization = match headers.get(header::AUTHORIZATION).map(HeaderValue::to_str) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(_)) => return TokenError::InvalidClient.into_response(),
    };
    match op.exchange(authorization, &body, now()) {
        Ok(tokens) => {
            let mut res = json_response(StatusCode::OK, &tokens);
            let headers = res.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            res
        }
        Err(e) => e.into_response(),
    }
}

/// The persona's claims for a valid access token; 401 with `WWW-Authenticate` otherwise
/// (RFC 6750 section 3).
pub(super) async fn userinfo(
    Extension(op): Extension<Arc<DemoOp>>,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(token) = token else {
        return unauthorized("Bearer realm=\"demo-op\"");
    };
    let Some(persona) = op.tokens.get(token, now()) else {
        return unauthorized("Bearer realm=\"demo-op\", error=\"invalid_token\"");
    };
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(persona.sub));
    claims.extend(persona.claims());
    let mut res = json_response(StatusCode::OK, &Value::Object(claims));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn unauthorized(challenge: &'static str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        )],
    )
        .into_response()
}
