//! The relying party: citizen login through an OpenID Connect provider (a BundID-style broker,
//! or the demo's own provider), with the `openidconnect` crate.
//!
//! The flow: [`RelyingParty::begin`] makes the authorization URL (code flow, PKCE S256, random
//! `state` and `nonce`, `acr_values` for the trust level asked for); the caller keeps state
//! (hashed), nonce and verifier in the browser's session. When the provider sends the browser
//! back, [`RelyingParty::finish`] exchanges the code (the verifier proves it is the same flow),
//! checks the ID token (signature against the provider's keys, an allow-list of algorithms so
//! never `none`, issuer, audience, expiry, nonce), reads the trust level from `acr`, and
//! fetches the claims from the userinfo endpoint, whose `sub` must equal the ID token's.
//!
//! What the crate leaves to us, done here: the `iss` parameter of the callback (RFC 9207) must
//! name our issuer, and must be there when the provider announces it; an unknown `acr`, or one
//! below the level asked for, is refused; a login at `substantial` or above asks for a fresh
//! authentication and checks `auth_time` ([`fresh_authentication`]); provider metadata (with
//! its keys) is cached for a few minutes only, so that rotated keys are found, and fetched by
//! one request at a time without holding up those who read a fresh copy.

use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use forms::TrustLevel;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreClaimName, CoreClaimType, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthenticationContextClass, AuthenticationFlow,
    AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl,
    LogoutProviderMetadata, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    ProviderMetadata, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
    TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::auth::session::sha256_hex;
use crate::config::{AcrMap, Secret};

/// Claims beyond the standard ones (birth name, place of birth, nationality, ...), kept as
/// sent so that form definitions can name them.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for ExtraClaims {}

/// Discovery fields the crate does not read.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct MoreMetadata {
    /// RFC 9207: the provider names itself in the `iss` parameter of every authorization
    /// response, so a response without one is not its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_response_iss_parameter_supported: Option<bool>,
}

impl AdditionalProviderMetadata for MoreMetadata {}

/// The provider's discovery document with its keys: RP-initiated logout and RFC 9207 too.
type Metadata = ProviderMetadata<
    LogoutProviderMetadata<MoreMetadata>,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResp = StandardTokenResponse<IdFields, CoreTokenType>;
type RpClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResp,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// How long discovered metadata and keys are trusted before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(300);
/// Every call to the provider ends after this long.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Algorithms an ID token may be signed with. Never `none`, never HMAC with the client secret.
const ALLOWED_ALGS: [CoreJwsSigningAlgorithm; 6] = [
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
];

/// What a citizen's login asks for: name and date of birth (`profile`), email, and the
/// postal address, which prefill the forms.
pub const CITIZEN_SCOPES: &[&str] = &["profile", "email", "address"];
/// What a staff login asks for: a name to show and the username's source. A clerk's postal
/// address is none of the portal's business.
pub const STAFF_SCOPES: &[&str] = &["profile", "email"];

pub struct RelyingParty {
    issuer: String,
    client_id: String,
    client_secret: Secret,
    redirect_uri: String,
    post_logout_uri: String,
    acr: AcrMap,
    /// The scopes asked for besides `openid`: only the claims this login needs.
    scopes: &'static [&'static str],
    http: reqwest::Client,
    /// The cached metadata and when the fetch that brought it began. Locked only to read or
    /// replace it, never across a request to the provider.
    metadata: std::sync::Mutex<Option<(Instant, Arc<Metadata>)>>,
    /// Held while metadata is fetched: one fetch at a time; who waits here takes the result.
    fetching: Mutex<()>,
}

/// What a login that begins hands to the browser and keeps in its session.
pub struct Begun {
    /// Where to send the browser.
    pub url: String,
    /// The `state`, whose hash the session keeps: it comes back on the callback.
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// A citizen the provider vouched for.
pub struct Identity {
    /// SHA-256 of `issuer|sub`: owner of the citizen's drafts and cases.
    pub owner: String,
    pub level: TrustLevel,
    /// Userinfo and ID token claims, as a JSON object (for prefill and the header).
    pub claims: serde_json::Value,
    /// The raw ID token, the hint for logout.
    pub id_token: String,
    /// The `acr` and `amr` values as sent (staff logins record them).
    pub acr: Option<String>,
    pub amr: Vec<String>,
}

/// Why a login failed. The variant is logged (never a token or a claim); the citizen sees a
/// page that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("the identity provider cannot be reached or answered wrongly: {0}")]
    Provider(String),
    #[error("the identity provider refused the login: {0}")]
    Refused(String),
    #[error("the answer of the identity provider failed a check: {0}")]
    Invalid(String),
    #[error("trust level too low: {reached:?} reached, {needed} needed")]
    TooLow {
        reached: Option<TrustLevel>,
        needed: TrustLevel,
    },
}

impl RelyingParty {
    /// A relying party registered at `issuer` as `client_id`, whose callback is
    /// `redirect_uri` and whose post-logout address is `post_logout_uri`.
    pub fn new(
        issuer: String,
        client_id: String,
        client_secret: Secret,
        redirect_uri: String,
        post_logout_uri: String,
        acr: AcrMap,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // The provider's endpoints are called directly; a redirect there is an error
            // (and following one could leak the client secret to another host).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()?;
        Ok(Self {
            issuer,
            client_id,
            client_secret,
            redirect_uri,
            post_logout_uri,
            acr,
            scopes: CITIZEN_SCOPES,
            http,
            metadata: std::sync::Mutex::new(None),
            fetching: Mutex::new(()),
        })
    }

    /// Asks for `scopes` (besides `openid`) instead of [`CITIZEN_SCOPES`].
    pub fn with_scopes(mut self, scopes: &'static [&'static str]) -> Self {
        self.scopes = scopes;
        self
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The provider's metadata and keys: cached, fetched again after [`METADATA_TTL`] or when
    /// `refresh` is set (then only a fetch begun after this call counts: the caller saw the
    /// cached keys fail).
    ///
    /// A fresh cached copy is returned at once, even while a fetch is in flight. Otherwise
    /// one caller fetches and the others wait for it (single flight), then take its result.
    async fn metadata(&self, refresh: bool) -> Result<Arc<Metadata>, LoginError> {
        let asked = Instant::now();
        if !refresh && let Some(m) = self.cached(|at| at.elapsed() < METADATA_TTL) {
            return Ok(m);
        }
        let _fetching = self.fetching.lock().await;
        // Whoever held the lock before may have fetched what this call needs.
        let usable = |began: Instant| {
            if refresh {
                began >= asked
            } else {
                began.elapsed() < METADATA_TTL
            }
        };
        if let Some(m) = self.cached(usable) {
            return Ok(m);
        }
        let began = Instant::now();
        let issuer = IssuerUrl::new(self.issuer.clone())
            .map_err(|e| LoginError::Provider(format!("issuer: {e}")))?;
        // Checks that the document names exactly this issuer, and fetches the JWKS.
        let fresh = Metadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| LoginError::Provider(format!("discovery: {}", error_chain(&e))))?;
        let fresh = Arc::new(fresh);
        *self.metadata.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((began, fresh.clone()));
        Ok(fresh)
    }

    /// The cached metadata, if the time its fetch began is `usable`.
    fn cached(&self, usable: impl Fn(Instant) -> bool) -> Option<Arc<Metadata>> {
        let cached = self.metadata.lock().unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|(began, _)| usable(*began))
            .map(|(_, m)| m.clone())
    }

    fn client(&self, metadata: &Metadata) -> Result<RpClient, LoginError> {
        let redirect = RedirectUrl::new(self.redirect_uri.clone())
            .map_err(|e| LoginError::Provider(format!("redirect uri: {e}")))?;
        Ok(RpClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.client_id.clone()),
            Some(ClientSecret::new(self.client_secret.expose().to_owned())),
        )
        .set_redirect_uri(redirect))
    }

    /// The authorization URL for a login at `level` or above.
    pub async fn begin(&self, level: TrustLevel, ui_locale: &str) -> Result<Begun, LoginError> {
        let metadata = self.metadata(false).await?;
        let client = self.client(&metadata)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(self.scopes.iter().map(|s| Scope::new((*s).to_owned())))
            .set_pkce_challenge(challenge)
            .add_ui_locale(openidconnect::LanguageTag::new(ui_locale.to_owned()));
        for value in self.acr.at_least(level) {
            request = request.add_auth_context_value(AuthenticationContextClass::new(value.into()));
        }
        if let Some(max_age) = fresh_authentication(Some(level)) {
            request = request.set_max_age(max_age);
        }
        let (url, state, nonce) = request.url();
        Ok(Begun {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Completes a login from the callback's `code` (and `iss`, when the provider sends it),
    /// at `needed` or above (`None`: any level). `needed` is the level the login began with
    /// ([`Self::begin`]): from `substantial` up the ID token must show a fresh authentication.
    pub async fn finish(
        &self,
        code: &str,
        iss: Option<&str>,
        nonce: &str,
        pkce_verifier: &str,
        needed: Option<TrustLevel>,
    ) -> Result<Identity, LoginError> {
        let metadata = self.metadata(false).await?;
        // Before the code goes anywhere: it may be another provider's (a mix-up attack).
        check_iss_parameter(
            iss,
            &self.issuer,
            metadata
                .additional_metadata()
                .additional_metadata
                .authorization_response_iss_parameter_supported
                == Some(true),
        )?;
        let client = self.client(&metadata)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| LoginError::Provider(format!("token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| LoginError::Refused(format!("token request: {}", token_error(&e))))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| LoginError::Invalid("no ID token in the token response".into()))?;
        let nonce = Nonce::new(nonce.to_owned());
        let verify = |client: &RpClient| -> Result<_, LoginError> {
            let verifier = client
                .id_token_verifier()
                .set_allowed_algs(ALLOWED_ALGS.to_vec())
                .set_issue_time_verifier_fn(issued_recently);
            id_token
                .claims(&verifier, &nonce)
                .cloned()
                .map_err(|e| LoginError::Invalid(format!("ID token: {}", claims_error(&e))))
        };
        let claims = match verify(&client) {
            Ok(claims) => claims,
            Err(first) => {
                // The provider may have rotated its keys since they were cached: fetch them
                // once more and check again.
                let fresh = self.metadata(true).await?;
                let client = self.client(&fresh)?;
                verify(&client).map_err(|_| first)?
            }
        };
        // A token meant for several parties must name us as the one it was issued to.
        if claims
            .authorized_party()
            .is_some_and(|azp| azp.as_str() != self.client_id)
        {
            return Err(LoginError::Invalid("azp names another client".into()));
        }
        // The fresh authentication asked for (`max_age`) must have happened.
        if let Some(max_age) = fresh_authentication(needed) {
            authenticated_within(claims.auth_time(), max_age, chrono::Utc::now())
                .map_err(|e| LoginError::Invalid(format!("ID token: {e}")))?;
        }
        // An access token hash in the ID token must match the access token.
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token
                .signing_alg()
                .map_err(|e| LoginError::Invalid(format!("ID token algorithm: {e}")))?;
            if at_hash(token.access_token().secret(), alg).as_deref() != Some(expected.as_str()) {
                return Err(LoginError::Invalid("at_hash does not match".into()));
            }
        }
        let reached = claims
            .auth_context_ref()
            .and_then(|acr| self.acr.level(acr.as_str()));
        // Citizens: the level asked for. Staff (`None`): whatever the provider's policy is; the
        // caller checks `acr`/`amr` against the municipality's own requirement.
        if let Some(needed) = needed
            && reached.is_none_or(|r| r < needed)
        {
            return Err(LoginError::TooLow { reached, needed });
        }
        let level = reached.or(needed).unwrap_or(TrustLevel::Low);
        let sub = claims.subject().clone();
        // The userinfo endpoint's `sub` must be the ID token's (the crate checks it).
        let userinfo: Option<UserInfoClaims<ExtraClaims, CoreGenderClaim>> =
            match client.user_info(token.access_token().clone(), Some(sub.clone())) {
                Ok(request) => Some(request.request_async(&self.http).await.map_err(|e| {
                    LoginError::Invalid(format!("userinfo: {}", userinfo_error(&e)))
                })?),
                // No userinfo endpoint: the ID token's claims are all there is.
                Err(_) => None,
            };
        let mut merged = serde_json::to_value(&claims)
            .map_err(|e| LoginError::Invalid(format!("claims: {e}")))?;
        if let Some(userinfo) = userinfo {
            let extra = serde_json::to_value(&userinfo)
                .map_err(|e| LoginError::Invalid(format!("userinfo claims: {e}")))?;
            if let (Some(into), serde_json::Value::Object(from)) = (merged.as_object_mut(), extra) {
                into.extend(from);
            }
        }
        let acr = claims.auth_context_ref().map(|a| a.as_str().to_owned());
        let amr = claims
            .auth_method_refs()
            .map(|list| list.iter().map(|m| m.as_str().to_owned()).collect())
            .unwrap_or_default();
        Ok(Identity {
            owner: owner_of(&self.issuer, sub.as_str()),
            level,
            claims: identity_claims(merged),
            id_token: id_token.to_string(),
            acr,
            amr,
        })
    }

    /// Where to send the browser to end the login at the provider too, if it offers that.
    pub async fn logout_url(&self, id_token: Option<&str>) -> Option<String> {
        let metadata = self.metadata(false).await.ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .as_ref()?;
        let mut url = endpoint.url().clone();
        {
            let mut query = url.query_pairs_mut();
            if let Some(hint) = id_token {
                query.append_pair("id_token_hint", hint);
            }
            query
                .append_pair("client_id", &self.client_id)
                .append_pair("post_logout_redirect_uri", &self.post_logout_uri);
        }
        Some(url.to_string())
    }

    /// The origin (scheme, host, port) of the provider's pages, for the CSP's `form-action`
    /// (a logout form's redirect goes there).
    pub fn issuer_origin(&self) -> Option<String> {
        let url = reqwest::Url::parse(&self.issuer).ok()?;
        Some(url.origin().ascii_serialization())
    }
}

/// How long a login flow's secrets (and a session begun for them) live.
pub const FLOW_MINUTES: i64 = 10;

/// The query of a login's callback, the same for citizens and staff.
#[derive(Debug, serde::Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub iss: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

/// Keeps a begun login's secrets in the browser's session `key` (created if new), to come
/// back once, as `kind` (a staff login at a municipality's provider: its slug,
/// `staff_provider`), to `return_to`.
pub async fn keep_flow(
    store: &dyn store::Store,
    key: &crate::auth::session::SessionKey,
    begun: Begun,
    level: TrustLevel,
    return_to: &str,
    kind: store::LoginKind,
    staff_provider: Option<String>,
) -> store::Result<()> {
    let now = chrono::Utc::now();
    let until = now + chrono::Duration::minutes(FLOW_MINUTES);
    store
        .begin_login(&store::NewLoginFlow {
            state_hash: sha256_hex(&begun.state),
            session_hash: key.hash(),
            session_expires_at: until,
            nonce: begun.nonce,
            pkce_verifier: begun.pkce_verifier,
            level: level.to_string(),
            return_to: return_to.to_owned(),
            expires_at: until,
            kind,
            staff_provider,
        })
        .await
}

/// The flow the callback's `state` names: only one this browser (`key`) began, of `kind`,
/// unexpired, and only once.
pub async fn take_flow(
    store: &dyn store::Store,
    key: Option<&crate::auth::session::SessionKey>,
    state: Option<&str>,
    kind: store::LoginKind,
) -> store::Result<Option<store::LoginFlow>> {
    match (key, state) {
        (Some(key), Some(s)) if !s.is_empty() && s.len() <= 512 => {
            store
                .take_login_flow(&sha256_hex(s), &key.hash(), kind)
                .await
        }
        _ => Ok(None),
    }
}

/// OpenID Connect Core 3.1.3.6: the left half of the access token's hash, with the hash of
/// the ID token's algorithm, base64url-encoded. `None` for an algorithm not allowed here.
fn at_hash(access_token: &str, alg: &CoreJwsSigningAlgorithm) -> Option<String> {
    use base64::Engine;
    use sha2::Digest;
    let hash: Vec<u8> = match alg {
        CoreJwsSigningAlgorithm::EcdsaP256Sha256
        | CoreJwsSigningAlgorithm::RsaSsaPssSha256
        | CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256 => {
            sha2::Sha256::digest(access_token.as_bytes()).to_vec()
        }
        CoreJwsSigningAlgorithm::EcdsaP384Sha384 => {
            sha2::Sha384::digest(access_token.as_bytes()).to_vec()
        }
        CoreJwsSigningAlgorithm::RsaSsaPssSha512
        | CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512 => {
            sha2::Sha512::digest(access_token.as_bytes()).to_vec()
        }
        _ => return None,
    };
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&hash[..hash.len() / 2]))
}

/// The owner hash of a citizen: the same for every login of that person at this provider.
pub fn owner_of(issuer: &str, sub: &str) -> String {
    sha256_hex(&format!("oidc|{issuer}|{sub}"))
}

/// The claims a session keeps: identity attributes only, none of the token's bookkeeping.
fn identity_claims(all: serde_json::Value) -> serde_json::Value {
    const BOOKKEEPING: &[&str] = &[
        "iss",
        "aud",
        "exp",
        "iat",
        "nbf",
        "nonce",
        "azp",
        "at_hash",
        "c_hash",
        "sid",
        "jti",
        "auth_time",
        "acr",
        "amr",
        "sub",
    ];
    match all {
        serde_json::Value::Object(mut map) => {
            map.retain(|k, _| !BOOKKEEPING.contains(&k.as_str()));
            serde_json::Value::Object(map)
        }
        _ => serde_json::Value::Object(serde_json::Map::new()),
    }
}

/// Which check of a token's claims failed, for the log. Not the crate's message: that
/// names the values it compared, such as the citizen's pseudonym.
fn claims_error(e: &openidconnect::ClaimsVerificationError) -> String {
    use openidconnect::{ClaimsVerificationError as C, SignatureVerificationError as S};
    match e {
        C::Expired(_) => "expired".into(),
        C::InvalidAudience(_) => "wrong audience".into(),
        C::InvalidAuthContext(_) => "wrong acr".into(),
        C::InvalidAuthTime(_) => "wrong auth_time".into(),
        C::InvalidIssuer(_) => "wrong issuer".into(),
        C::InvalidNonce(_) => "nonce mismatch".into(),
        C::InvalidSubject(_) => "subject mismatch".into(),
        C::Unsupported(_) => "unsupported token".into(),
        C::SignatureVerification(s) => match s {
            S::AmbiguousKeyId(_) => "signature: ambiguous key id".into(),
            S::CryptoError(_) => "signature: does not verify".into(),
            S::DisallowedAlg(_) => "signature: algorithm not allowed".into(),
            S::InvalidKey(_) => "signature: invalid key".into(),
            S::NoMatchingKey => "signature: no matching key".into(),
            S::NoSignature => "signature: none".into(),
            S::UnsupportedAlg(_) => "signature: unsupported algorithm".into(),
            _ => "signature: other".into(),
        },
        _ => "other".into(),
    }
}

/// What went wrong at the token endpoint, for the log: the OAuth error code, or the kind of
/// failure; never the response body.
fn token_error<RE: std::error::Error + 'static>(
    e: &openidconnect::RequestTokenError<
        RE,
        openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    >,
) -> String {
    use openidconnect::RequestTokenError as R;
    match e {
        R::ServerResponse(r) => format!("error {}", r.error().as_ref()),
        R::Request(re) => format!("request failed: {}", error_chain(re)),
        R::Parse(pe, _) => format!("unreadable response at `{}`", pe.path()),
        R::Other(_) => "other".into(),
    }
}

/// What went wrong at the userinfo endpoint, for the log.
fn userinfo_error<RE: std::error::Error + 'static>(e: &openidconnect::UserInfoError<RE>) -> String {
    use openidconnect::UserInfoError as U;
    match e {
        U::ClaimsVerification(c) => claims_error(c),
        U::Parse(pe) => format!("unreadable response at `{}`", pe.path()),
        U::Request(re) => format!("request failed: {}", error_chain(re)),
        U::Response(status, _, _) => format!("HTTP {status}"),
        U::Other(_) => "other".into(),
        _ => "other".into(),
    }
}

/// An error with its sources, for the log: only for errors that carry no claim values
/// (network and discovery errors).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// RFC 9207: the callback's `iss` must name our issuer, and must be there when the provider
/// announces it (`authorization_response_iss_parameter_supported`); a provider that does not
/// announce it may leave it out.
fn check_iss_parameter(iss: Option<&str>, issuer: &str, announced: bool) -> Result<(), LoginError> {
    match iss {
        Some(iss) if iss != issuer => Err(LoginError::Invalid(
            "iss parameter names another issuer".into(),
        )),
        None if announced => Err(LoginError::Invalid(
            "iss parameter missing, though the provider announces it".into(),
        )),
        _ => Ok(()),
    }
}

/// The `max_age` a login at `level` sends: `0` from `substantial` up, nothing below (and for
/// the staff login, which asks for no level: its provider's policy decides).
///
/// A citizen who logged in at the broker earlier (for another portal, or at `low`) would
/// otherwise get a `substantial` or `high` login from that single-sign-on session, without
/// showing the ID card again. `max_age=0` and `prompt=login` both make the provider
/// authenticate again (OIDC Core 3.1.2.1 calls them equivalent; Keycloak honours both), but
/// only `max_age` obliges it to say when that happened: the ID token must then carry
/// `auth_time` (OIDC Core 2), which [`authenticated_within`] checks. So a provider that
/// ignored the request is caught, instead of trusted.
fn fresh_authentication(level: Option<TrustLevel>) -> Option<Duration> {
    level
        .is_some_and(|l| l >= TrustLevel::Substantial)
        .then_some(Duration::ZERO)
}

/// How far `auth_time` may lie outside the `max_age` asked for: clock skew between the
/// provider and the portal, and the moments between the login at the provider and the token
/// request.
const AUTH_TIME_SKEW_SECONDS: i64 = 300;

/// The check of `auth_time` when `max_age` was sent: there, not older than `max_age` (give or
/// take [`AUTH_TIME_SKEW_SECONDS`]), and not in the future.
fn authenticated_within(
    auth_time: Option<chrono::DateTime<chrono::Utc>>,
    max_age: Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), &'static str> {
    let auth_time = auth_time.ok_or("no auth_time, though max_age was asked for")?;
    let skew = chrono::Duration::seconds(AUTH_TIME_SKEW_SECONDS);
    let max_age = chrono::Duration::from_std(max_age).map_err(|_| "max_age out of range")?;
    if auth_time < now - max_age - skew {
        return Err("auth_time older than max_age allows");
    }
    if auth_time > now + skew {
        return Err("auth_time in the future");
    }
    Ok(())
}

/// How far an ID token's `iat` may lie ahead of our clock (clock skew).
const IAT_FUTURE_SECONDS: i64 = 300;
/// How old an ID token may be when it arrives: the provider mints it when the code is
/// exchanged, moments ago; a login flow lives 10 minutes at the most.
const IAT_PAST_SECONDS: i64 = 900;

/// An ID token issued just now (give or take the clock skew), not one minted long ago or in
/// the future and replayed.
fn issued_recently(iat: chrono::DateTime<chrono::Utc>) -> Result<(), String> {
    let now = chrono::Utc::now();
    if iat > now + chrono::Duration::seconds(IAT_FUTURE_SECONDS) {
        return Err("issued in the future".into());
    }
    if iat < now - chrono::Duration::seconds(IAT_PAST_SECONDS) {
        return Err("issued too long ago".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_the_access_tokens_hash() {
        // OpenID Connect Core, appendix A.3 (RS256).
        assert_eq!(
            at_hash(
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y",
                &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256
            )
            .as_deref(),
            Some("77QmUPtjPfzWtF2AnpK9RQ")
        );
        assert_eq!(at_hash("x", &CoreJwsSigningAlgorithm::None), None);
    }

    #[test]
    fn the_owner_of_a_citizen_is_stable_and_differs_by_provider() {
        let a = owner_of("https://id.example.de", "pseudo-1");
        assert_eq!(a, owner_of("https://id.example.de", "pseudo-1"));
        assert_ne!(a, owner_of("https://other.example.de", "pseudo-1"));
        assert_ne!(a, owner_of("https://id.example.de", "pseudo-2"));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn the_iss_parameter_must_name_the_issuer_and_be_there_when_announced() {
        let ours = "https://id.example.de";
        assert!(check_iss_parameter(Some(ours), ours, true).is_ok());
        assert!(check_iss_parameter(Some(ours), ours, false).is_ok());
        assert!(check_iss_parameter(None, ours, false).is_ok());
        for announced in [true, false] {
            assert!(check_iss_parameter(Some("https://evil.example"), ours, announced).is_err());
        }
        assert!(check_iss_parameter(None, ours, true).is_err());
    }

    #[test]
    fn substantial_and_high_logins_ask_for_a_fresh_authentication_low_and_staff_do_not() {
        assert_eq!(fresh_authentication(None), None);
        assert_eq!(fresh_authentication(Some(TrustLevel::None)), None);
        assert_eq!(fresh_authentication(Some(TrustLevel::Low)), None);
        assert_eq!(
            fresh_authentication(Some(TrustLevel::Substantial)),
            Some(Duration::ZERO)
        );
        assert_eq!(
            fresh_authentication(Some(TrustLevel::High)),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn auth_time_is_needed_and_must_be_within_max_age_and_the_clock_skew() {
        let now = chrono::Utc::now();
        let ago = |s: i64| Some(now - chrono::Duration::seconds(s));
        let zero = Duration::ZERO;
        assert!(authenticated_within(ago(0), zero, now).is_ok());
        assert!(authenticated_within(ago(AUTH_TIME_SKEW_SECONDS), zero, now).is_ok());
        assert!(authenticated_within(ago(-AUTH_TIME_SKEW_SECONDS), zero, now).is_ok());
        assert!(authenticated_within(None, zero, now).is_err());
        assert!(authenticated_within(ago(AUTH_TIME_SKEW_SECONDS + 1), zero, now).is_err());
        assert!(authenticated_within(ago(3600), zero, now).is_err());
        assert!(authenticated_within(ago(-AUTH_TIME_SKEW_SECONDS - 1), zero, now).is_err());
        let hour = Duration::from_secs(3600);
        assert!(authenticated_within(ago(3600), hour, now).is_ok());
        assert!(authenticated_within(ago(3600 + AUTH_TIME_SKEW_SECONDS + 1), hour, now).is_err());
    }

    /// A provider whose discovery answers only when the test opens the gate.
    struct SlowProvider {
        issuer: String,
        discoveries: Arc<std::sync::atomic::AtomicUsize>,
        /// Told each time a discovery request arrives.
        arrived: Arc<tokio::sync::Notify>,
        gate: tokio::sync::watch::Sender<bool>,
        server: tokio::task::JoinHandle<()>,
    }

    impl Drop for SlowProvider {
        fn drop(&mut self) {
            self.server.abort();
        }
    }

    impl SlowProvider {
        async fn start() -> SlowProvider {
            use axum::routing::get;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let issuer = format!("http://{}", listener.local_addr().unwrap());
            let discoveries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let arrived = Arc::new(tokio::sync::Notify::new());
            let (gate, open) = tokio::sync::watch::channel(true);
            let document = serde_json::json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{issuer}/authorize"),
                "token_endpoint": format!("{issuer}/token"),
                "jwks_uri": format!("{issuer}/jwks"),
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["ES256"],
            })
            .to_string();
            let app = axum::Router::new()
                .route(
                    "/.well-known/openid-configuration",
                    get({
                        let (discoveries, arrived) = (discoveries.clone(), arrived.clone());
                        move || async move {
                            discoveries.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            arrived.notify_one();
                            let mut open = open.clone();
                            let _ = open.wait_for(|open| *open).await;
                            ([("content-type", "application/json")], document)
                        }
                    }),
                )
                .route(
                    "/jwks",
                    get(|| async { ([("content-type", "application/json")], r#"{"keys":[]}"#) }),
                );
            let server = tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            SlowProvider {
                issuer,
                discoveries,
                arrived,
                gate,
                server,
            }
        }

        fn discoveries(&self) -> usize {
            self.discoveries.load(std::sync::atomic::Ordering::SeqCst)
        }

        /// Waits until `n` discovery requests have arrived.
        async fn discovered(&self, n: usize) {
            while self.discoveries() < n {
                self.arrived.notified().await;
            }
        }

        fn relying_party(&self) -> Arc<RelyingParty> {
            Arc::new(
                RelyingParty::new(
                    self.issuer.clone(),
                    "portal".into(),
                    Secret::new("secret".into()),
                    "http://127.0.0.1:9/login/callback".into(),
                    "http://127.0.0.1:9/logout/done".into(),
                    AcrMap::default(),
                )
                .unwrap(),
            )
        }
    }

    /// Polls `future` once: its output if it is ready at once, without waiting for anything.
    async fn at_once<F: std::future::Future>(future: F) -> Option<F::Output> {
        tokio::select! {
            biased;
            out = future => Some(out),
            () = std::future::ready(()) => None,
        }
    }

    #[tokio::test]
    async fn a_fresh_cached_copy_is_read_while_a_fetch_is_in_flight() {
        let op = SlowProvider::start().await;
        let rp = op.relying_party();
        let first = rp.metadata(false).await.unwrap();
        assert_eq!(op.discoveries(), 1);

        // A refresh (keys rotated?) hangs at the provider, holding the fetch.
        op.gate.send_replace(false);
        let refresh = tokio::spawn({
            let rp = rp.clone();
            async move { rp.metadata(true).await.map(|_| ()) }
        });
        op.discovered(2).await;

        // Meanwhile every login that finds a fresh copy goes on with it.
        for _ in 0..3 {
            let read = at_once(rp.metadata(false))
                .await
                .expect("a reader of the fresh copy waited for the fetch")
                .unwrap();
            assert!(Arc::ptr_eq(&read, &first));
        }

        op.gate.send_replace(true);
        refresh.await.unwrap().unwrap();
        let after = rp.metadata(false).await.unwrap();
        assert!(
            !Arc::ptr_eq(&after, &first),
            "the refresh replaced the copy"
        );
        assert_eq!(op.discoveries(), 2);
    }

    #[tokio::test]
    async fn without_a_cached_copy_one_fetch_serves_everyone_waiting() {
        let op = SlowProvider::start().await;
        let rp = op.relying_party();
        op.gate.send_replace(false);
        let fetch = tokio::spawn({
            let rp = rp.clone();
            async move { rp.metadata(false).await.map(|_| ()) }
        });
        op.discovered(1).await;

        // A second login finds no copy and a fetch in flight: it waits for that one.
        let mut second = Box::pin(rp.metadata(false));
        assert!(at_once(&mut second).await.is_none(), "nothing to read yet");
        op.gate.send_replace(true);
        fetch.await.unwrap().unwrap();
        let second = second.await.unwrap();
        assert!(Arc::ptr_eq(&second, &rp.metadata(false).await.unwrap()));
        assert_eq!(op.discoveries(), 1, "one fetch for both");
    }

    #[test]
    fn a_session_keeps_identity_claims_but_not_the_tokens_bookkeeping() {
        let kept = identity_claims(serde_json::json!({
            "iss": "x", "nonce": "n", "sub": "s", "acr": "a",
            "given_name": "Anna", "birth_name": "Meier"
        }));
        assert_eq!(
            kept,
            serde_json::json!({"given_name": "Anna", "birth_name": "Meier"})
        );
    }
}
