//! XBezahldienste (ePayBL, pmPayment): the government payment platforms' REST interface.
//!
//! One adapter for both platforms; they differ in how the portal proves who it is:
//! - ePayBL: mutual TLS with a client certificate the platform issued ([`Auth::MutualTls`]).
//! - pmPayment: OAuth2 client credentials; the token comes from `{base}/oauth/token/` by
//!   default, is kept until shortly before it expires and sent as `Authorization: Bearer`
//!   ([`Auth::ClientCredentials`]). A 401 drops the kept token and the call is tried once
//!   more with a new one.
//!
//! The wire format and every assumption about it are in the `wire` module. The platforms
//! offer no refund call and no notifications the portal listens to: the trait's defaults
//! apply (refunds go through the cash office; the portal asks [`PaymentProvider::status`]).
//!
//! Errors: no connection, a timeout, 408, 429 or 5xx are [`PaymentError::Unavailable`] (try
//! again later; `create` is safe to repeat with the same idempotency key); a 404 on a status
//! call is [`PaymentError::NotFound`]; every other refusal is [`PaymentError::Refused`] with
//! the platform's message. No secret (key, client secret, token) ever appears in an error or
//! in `Debug` output.

mod wire;

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode, Url};

use crate::{CreatedPayment, PaymentError, PaymentProvider, PaymentRequest, PaymentStatus};

/// Timeout of every call when the configuration does not set one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Answers larger than this are not read (no PaymentTransaction comes near it).
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// A token is renewed this long before the platform says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);

/// How long a token is kept when the token endpoint does not say (`expires_in` missing).
const TOKEN_DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// Where and as whom the portal reaches one platform for one municipality's service.
#[derive(Clone)]
pub struct XBezahldiensteConfig {
    /// The platform's API root, e.g. `https://epaybl.example/rest` (without
    /// `/paymenttransaction`). Must be `https`; plain `http` is accepted only on a loopback
    /// address with [`Auth::ClientCredentials`] (for tests).
    pub base_url: String,
    /// Assigned by the platform; usually the form's or LeiKa id.
    pub originator_id: String,
    /// Assigned by the platform; usually the responsible office.
    pub endpoint_id: String,
    pub auth: Auth,
    /// A PEM bundle of the CAs the platform's server certificate must chain to. When set, the
    /// system's root certificates are not used for this platform (the platform is pinned to
    /// these CAs); when `None`, the system's roots are.
    pub server_ca_pem: Option<Vec<u8>>,
    /// Timeout of every call (token, create, status), connection included.
    pub timeout: Duration,
}

impl XBezahldiensteConfig {
    /// A configuration with the system's root certificates and [`DEFAULT_TIMEOUT`].
    pub fn new(
        base_url: impl Into<String>,
        originator_id: impl Into<String>,
        endpoint_id: impl Into<String>,
        auth: Auth,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            originator_id: originator_id.into(),
            endpoint_id: endpoint_id.into(),
            auth,
            server_ca_pem: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for XBezahldiensteConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XBezahldiensteConfig")
            .field("base_url", &self.base_url)
            .field("originator_id", &self.originator_id)
            .field("endpoint_id", &self.endpoint_id)
            .field("auth", &self.auth)
            .field(
                "server_ca_pem",
                &self.server_ca_pem.as_ref().map(|_| "<PEM>"),
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// How the portal proves who it is to the platform.
#[derive(Clone)]
pub enum Auth {
    /// ePayBL: the client certificate (with any intermediates) and its private key as PEM
    /// (PKCS#8, PKCS#1 RSA or SEC1 EC key).
    MutualTls { cert_pem: Vec<u8>, key_pem: Vec<u8> },
    /// pmPayment: OAuth2 client credentials. `token_url` defaults to `{base}/oauth/token/`.
    ClientCredentials {
        token_url: Option<String>,
        client_id: String,
        client_secret: String,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::MutualTls { .. } => f
                .debug_struct("MutualTls")
                .field("cert_pem", &"<PEM>")
                .field("key_pem", &"<redacted>")
                .finish(),
            Auth::ClientCredentials {
                token_url,
                client_id,
                ..
            } => f
                .debug_struct("ClientCredentials")
                .field("token_url", token_url)
                .field("client_id", client_id)
                .field("client_secret", &"<redacted>")
                .finish(),
        }
    }
}

/// A configuration the adapter cannot work with.
#[derive(Debug, thiserror::Error)]
#[error("XBezahldienste configuration: {0}")]
pub struct ConfigError(String);

/// The XBezahldienste adapter for one platform, originator and endpoint.
pub struct XBezahldienste {
    name: &'static str,
    client: Client,
    /// `{base}/paymenttransaction/{originatorId}/{endpointId}`.
    transactions: Url,
    oauth: Option<OAuth>,
}

impl fmt::Debug for XBezahldienste {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XBezahldienste")
            .field("name", &self.name)
            .field("transactions", &self.transactions.as_str())
            .field("oauth", &self.oauth)
            .finish_non_exhaustive()
    }
}

struct OAuth {
    token_url: Url,
    client_id: String,
    client_secret: String,
    /// The kept token; the lock is held while a new one is fetched, so concurrent calls
    /// wait for one token request instead of each making their own.
    token: tokio::sync::Mutex<Option<KeptToken>>,
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

struct KeptToken {
    value: String,
    renew_at: Instant,
}

impl XBezahldienste {
    /// Checks the configuration and builds the HTTP client (with the client certificate for
    /// ePayBL). Makes no call yet.
    pub fn new(config: XBezahldiensteConfig) -> Result<Self, ConfigError> {
        let mutual_tls = matches!(config.auth, Auth::MutualTls { .. });
        let base = checked_url(&config.base_url, "base_url", !mutual_tls)?;
        if config.timeout.is_zero() {
            return Err(ConfigError("the timeout must not be zero".into()));
        }
        let mut transactions = base.clone();
        for (what, id) in [
            ("originator_id", &config.originator_id),
            ("endpoint_id", &config.endpoint_id),
        ] {
            if !usable_segment(id) {
                return Err(ConfigError(format!(
                    "{what} is empty or not usable in a path"
                )));
            }
        }
        transactions
            .path_segments_mut()
            .map_err(|()| ConfigError("base_url cannot be a base".into()))?
            .pop_if_empty()
            .extend([
                "paymenttransaction",
                config.originator_id.as_str(),
                config.endpoint_id.as_str(),
            ]);

        let mut builder = Client::builder()
            .use_rustls_tls()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ozg-portal-payments/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &config.server_ca_pem {
            let cas = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ConfigError(format!("server_ca_pem: {}", with_causes(&e))))?;
            if cas.is_empty() {
                return Err(ConfigError("server_ca_pem holds no certificate".into()));
            }
            builder = builder.tls_built_in_root_certs(false);
            for ca in cas {
                builder = builder.add_root_certificate(ca);
            }
        }
        let (name, oauth) = match config.auth {
            Auth::MutualTls { cert_pem, key_pem } => {
                let mut pem = cert_pem;
                pem.push(b'\n');
                pem.extend_from_slice(&key_pem);
                // reqwest's messages name the problem, never the key's content.
                let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
                    ConfigError(format!("client certificate or key: {}", with_causes(&e)))
                })?;
                builder = builder.identity(identity);
                ("epaybl", None)
            }
            Auth::ClientCredentials {
                token_url,
                client_id,
                client_secret,
            } => {
                let token_url = match token_url {
                    Some(url) => checked_url(&url, "token_url", true)?,
                    None => {
                        let mut url = base.clone();
                        url.path_segments_mut()
                            .map_err(|()| ConfigError("base_url cannot be a base".into()))?
                            .pop_if_empty()
                            .extend(["oauth", "token", ""]);
                        url
                    }
                };
                if client_id.is_empty() || client_secret.is_empty() {
                    return Err(ConfigError(
                        "client_id and client_secret must not be empty".into(),
                    ));
                }
                (
                    "pmpayment",
                    Some(OAuth {
                        token_url,
                        client_id,
                        client_secret,
                        token: tokio::sync::Mutex::new(None),
                    }),
                )
            }
        };
        let client = builder
            .build()
            .map_err(|e| ConfigError(format!("HTTP client: {}", with_causes(&e))))?;
        Ok(Self {
            name,
            client,
            transactions,
            oauth,
        })
    }

    /// Sends a request built by `build`, with a bearer token for pmPayment (renewed and tried
    /// once more after a 401), and reads the answer.
    async fn call(
        &self,
        build: impl Fn(&Client) -> reqwest::RequestBuilder,
    ) -> Result<Answer, PaymentError> {
        let Some(oauth) = &self.oauth else {
            return self.send(build(&self.client)).await;
        };
        let token = self.token(oauth).await?;
        let answer = self.send(build(&self.client).bearer_auth(&token)).await?;
        if answer.status != StatusCode::UNAUTHORIZED {
            return Ok(answer);
        }
        self.forget_token(oauth, &token).await;
        let token = self.token(oauth).await?;
        self.send(build(&self.client).bearer_auth(&token)).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Answer, PaymentError> {
        let mut response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(PaymentError::Unavailable(
                    "the platform's answer is too large".into(),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    /// The kept token, or a new one from the token endpoint.
    async fn token(&self, oauth: &OAuth) -> Result<String, PaymentError> {
        let mut kept = oauth.token.lock().await;
        if let Some(token) = kept.as_ref()
            && Instant::now() < token.renew_at
        {
            return Ok(token.value.clone());
        }
        *kept = None;
        let answer = self
            .send(self.client.post(oauth.token_url.clone()).form(&[
                ("grant_type", "client_credentials"),
                ("client_id", oauth.client_id.as_str()),
                ("client_secret", oauth.client_secret.as_str()),
            ]))
            .await?;
        let redact = |text: String| text.replace(&oauth.client_secret, "<redacted>");
        if !answer.status.is_success() {
            let message = redact(wire::platform_message(&answer.body));
            return Err(if is_transient(answer.status) {
                PaymentError::Unavailable(format!(
                    "token endpoint answered {}: {message}",
                    answer.status
                ))
            } else {
                PaymentError::Refused(format!(
                    "token endpoint refused the client credentials ({}): {message}",
                    answer.status
                ))
            });
        }
        let token: wire::TokenAnswer = serde_json::from_str(&answer.body).map_err(|e| {
            PaymentError::Unavailable(format!("unreadable answer of the token endpoint: {e}"))
        })?;
        if let Some(kind) = &token.token_type
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(PaymentError::Refused(format!(
                "the token endpoint issued a {kind} token, not a Bearer token"
            )));
        }
        if token.access_token.is_empty() {
            return Err(PaymentError::Unavailable(
                "the token endpoint issued an empty token".into(),
            ));
        }
        let lifetime = token
            .expires_in
            .map_or(TOKEN_DEFAULT_LIFETIME, Duration::from_secs);
        let margin = TOKEN_MARGIN.min(lifetime / 2);
        let value = token.access_token;
        *kept = Some(KeptToken {
            value: value.clone(),
            renew_at: Instant::now() + lifetime.saturating_sub(margin),
        });
        Ok(value)
    }

    /// Drops the kept token if it is still the one the platform refused (another call may
    /// have renewed it meanwhile).
    async fn forget_token(&self, oauth: &OAuth, refused: &str) {
        let mut kept = oauth.token.lock().await;
        if kept.as_ref().is_some_and(|t| t.value == refused) {
            *kept = None;
        }
    }

    fn transaction_url(&self, transaction_id: &str) -> Result<Url, PaymentError> {
        if !usable_segment(transaction_id) || transaction_id.chars().count() > 200 {
            return Err(PaymentError::Refused(
                "the transaction id is empty or not usable in a path".into(),
            ));
        }
        let mut url = self.transactions.clone();
        url.path_segments_mut()
            .map_err(|()| PaymentError::Refused("base_url cannot be a base".into()))?
            .push(transaction_id);
        Ok(url)
    }
}

struct Answer {
    status: StatusCode,
    body: String,
}

#[async_trait::async_trait]
impl PaymentProvider for XBezahldienste {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn create(&self, request: &PaymentRequest) -> Result<CreatedPayment, PaymentError> {
        let body =
            wire::payment_request(request, chrono::Utc::now()).map_err(PaymentError::Refused)?;
        let answer = self
            .call(|client| client.post(self.transactions.clone()).json(&body))
            .await?;
        if answer.status == StatusCode::NOT_FOUND {
            // On create, a 404 means the platform knows no such originator or endpoint.
            return Err(PaymentError::Refused(format!(
                "the platform does not know this originator or endpoint: {}",
                wire::platform_message(&answer.body)
            )));
        }
        check_status(&answer)?;
        let transaction = read_transaction(&answer.body)?;
        if let Some(echoed) = transaction
            .payment_request
            .as_ref()
            .and_then(|r| r.request_id.as_deref())
            && echoed != request.idempotency_key
        {
            return Err(PaymentError::Refused(
                "the platform answered about another requestId".into(),
            ));
        }
        let info = transaction.payment_information.unwrap_or_default();
        let transaction_id = non_empty(info.transaction_id).ok_or_else(|| {
            PaymentError::Unavailable("the platform's answer has no transactionId".into())
        })?;
        let status = non_empty(info.status);
        let redirect_url = match non_empty(info.transaction_redirect_url) {
            Some(url) => {
                let parsed = Url::parse(&url).map_err(|_| {
                    PaymentError::Refused("the platform's payment page URL is not a URL".into())
                })?;
                if !matches!(parsed.scheme(), "https" | "http") {
                    return Err(PaymentError::Refused(
                        "the platform's payment page URL is not http(s)".into(),
                    ));
                }
                url
            }
            // The payment page exists only while INITIAL. A repeated requestId whose payment
            // has moved on (paid, failed, cancelled) sends the citizen back to the portal,
            // which asks the status there.
            None if status
                .as_deref()
                .and_then(wire::status_event)
                .is_some_and(|e| e != crate::PaymentEvent::Pending) =>
            {
                request.return_url.clone()
            }
            None => {
                return Err(PaymentError::Unavailable(
                    "the platform's answer has no transactionRedirectUrl".into(),
                ));
            }
        };
        Ok(CreatedPayment {
            provider_reference: transaction_id,
            redirect_url,
            transaction_reference: non_empty(info.transaction_reference),
        })
    }

    async fn status(&self, provider_reference: &str) -> Result<PaymentStatus, PaymentError> {
        let url = self.transaction_url(provider_reference)?;
        let answer = self.call(|client| client.get(url.clone())).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Err(PaymentError::NotFound);
        }
        check_status(&answer)?;
        let info = read_transaction(&answer.body)?
            .payment_information
            .unwrap_or_default();
        if let Some(id) = info.transaction_id.as_deref()
            && id != provider_reference
        {
            return Err(PaymentError::Refused(
                "the platform answered about another transaction".into(),
            ));
        }
        let status = info.status.unwrap_or_default();
        let event = wire::status_event(&status).ok_or_else(|| {
            PaymentError::Refused(format!(
                "the platform reports a status the portal does not know: {:?}",
                wire::truncate_chars(&status, 40)
            ))
        })?;
        Ok(PaymentStatus {
            event,
            transaction_reference: non_empty(info.transaction_reference),
            method: non_empty(info.payment_method),
        })
    }
}

/// Maps a non-2xx answer to the error the portal acts on.
fn check_status(answer: &Answer) -> Result<(), PaymentError> {
    let status = answer.status;
    if status.is_success() {
        return Ok(());
    }
    let message = wire::platform_message(&answer.body);
    Err(match status {
        StatusCode::NOT_FOUND => PaymentError::NotFound,
        s if is_transient(s) => {
            PaymentError::Unavailable(format!("the platform answered {s}: {message}"))
        }
        s if s.is_redirection() => {
            PaymentError::Refused(format!("the platform answered with a redirect ({s})"))
        }
        s => PaymentError::Refused(format!("the platform answered {s}: {message}")),
    })
}

/// Answers worth trying again later.
fn is_transient(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
}

fn read_transaction(body: &str) -> Result<wire::PaymentTransaction, PaymentError> {
    serde_json::from_str(body)
        .map_err(|e| PaymentError::Unavailable(format!("unreadable answer of the platform: {e}")))
}

/// A transport failure (no connection, TLS refused, timeout), with its causes, which name
/// the problem but never a secret.
fn transport_error(error: reqwest::Error) -> PaymentError {
    let what = if error.is_timeout() {
        "timed out"
    } else {
        "could not reach the platform"
    };
    PaymentError::Unavailable(format!("{what}: {}", with_causes(&error)))
}

/// An error and its causes on one line.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        message.push_str(": ");
        message.push_str(&e.to_string());
        cause = e.source();
    }
    message
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// Whether `id` can be one path segment as it is (the URL library would drop `.` and `..`).
fn usable_segment(id: &str) -> bool {
    !id.trim().is_empty() && id != "." && id != ".." && !id.chars().any(char::is_control)
}

/// Parses a configured URL: https, or http on a loopback address when `http_on_loopback`.
fn checked_url(text: &str, what: &str, http_on_loopback: bool) -> Result<Url, ConfigError> {
    let url = Url::parse(text).map_err(|e| ConfigError(format!("{what}: {e}")))?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(ConfigError(format!(
            "{what} must not carry a query, fragment or user"
        )));
    }
    let loopback = match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if http_on_loopback && loopback => Ok(url),
        _ => Err(ConfigError(format!(
            "{what} must be https (plain http only on loopback, and never for mutual TLS)"
        ))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn oauth(base: &str) -> XBezahldiensteConfig {
        XBezahldiensteConfig::new(
            base,
            "FORM-1",
            "AMT-2",
            Auth::ClientCredentials {
                token_url: None,
                client_id: "portal".into(),
                client_secret: "s3cret-value".into(),
            },
        )
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = oauth("https://pay.example/api");
        let text = format!("{config:?}");
        assert!(!text.contains("s3cret-value"), "{text}");
        let adapter = XBezahldienste::new(config).unwrap();
        assert!(!format!("{adapter:?}").contains("s3cret-value"));
        let tls = Auth::MutualTls {
            cert_pem: b"CERT".to_vec(),
            key_pem: b"-----BEGIN PRIVATE KEY-----SECRETKEY".to_vec(),
        };
        assert!(!format!("{tls:?}").contains("SECRETKEY"));
    }

    #[test]
    fn urls_are_built_from_the_base() {
        let adapter = XBezahldienste::new(oauth("https://pay.example/api/")).unwrap();
        assert_eq!(
            adapter.transactions.as_str(),
            "https://pay.example/api/paymenttransaction/FORM-1/AMT-2"
        );
        let token_url = adapter.oauth.as_ref().map(|o| o.token_url.to_string());
        assert_eq!(
            token_url.as_deref(),
            Some("https://pay.example/api/oauth/token/")
        );
        assert_eq!(
            adapter.transaction_url("a/b c").unwrap().as_str(),
            "https://pay.example/api/paymenttransaction/FORM-1/AMT-2/a%2Fb%20c"
        );
        assert!(adapter.transaction_url("..").is_err());
        assert!(adapter.transaction_url("").is_err());
    }

    #[test]
    fn plain_http_only_on_loopback_and_never_for_mutual_tls() {
        assert!(XBezahldienste::new(oauth("http://127.0.0.1:9/api")).is_ok());
        assert!(XBezahldienste::new(oauth("http://pay.example/api")).is_err());
        let tls = XBezahldiensteConfig::new(
            "http://127.0.0.1:9/api",
            "FORM-1",
            "AMT-2",
            Auth::MutualTls {
                cert_pem: Vec::new(),
                key_pem: Vec::new(),
            },
        );
        assert!(XBezahldienste::new(tls).is_err());
    }
}
