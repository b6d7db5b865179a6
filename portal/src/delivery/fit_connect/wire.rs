//! The Submission API v2 and the token endpoint on the wire (PROTOCOLS.md, "FIT-Connect"):
//! every request, response shape and error mapping in one place, so that it can be checked
//! against FITKO's specification in one place.
//!
//! Errors: no answer, 408, 429 and 5xx are [`DeliveryError::Retry`]; other 4xx are
//! [`DeliveryError::Permanent`], named by the RFC 7807 problem's `title` when the body is a
//! problem document (never its `detail`, which may echo what was sent). A 401 from the
//! Submission API is retried (a token that expired during a long upload). No message holds
//! an address, a token, a secret or anything of the case.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::keys::{Jwk, JwkSet};
use crate::delivery::DeliveryError;
use crate::delivery::config::FitConnectTarget;

/// The most a JSON answer of the platform may be; more is refused, not read.
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// An authorised client of one target's Submission API.
pub struct Api<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    token: String,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
}

#[derive(Deserialize)]
struct OAuthError {
    error: Option<String>,
}

/// `GET /v2/destinations/{id}`, the parts we use.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub encryption_kid: Option<String>,
    #[serde(default)]
    pub metadata_versions: Option<Vec<String>>,
}

/// `201` of `POST /v2/submissions`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub submission_id: Uuid,
    pub case_id: Uuid,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventLog {
    #[serde(default)]
    event_log: Vec<String>,
}

/// Control characters out, at most 200 characters: safe to show and log.
pub fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A request that got no answer, without the address (it is configuration, but errors are
/// shown to admins and logged).
fn unanswered(what: &str, e: &reqwest::Error) -> DeliveryError {
    DeliveryError::Retry(if e.is_timeout() {
        format!("{what}: no answer in time")
    } else if e.is_connect() {
        format!("{what}: could not connect")
    } else {
        format!("{what}: the request failed")
    })
}

/// The body, up to `MAX_ANSWER_BYTES`.
async fn read(what: &str, mut response: reqwest::Response) -> Result<Vec<u8>, DeliveryError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| unanswered(what, &e))? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(DeliveryError::Retry(format!(
                "{what}: the answer is too large"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A non-2xx answer as an error. `retry_401`: whether a 401 is worth another try.
async fn refusal(what: &str, response: reqwest::Response, retry_401: bool) -> DeliveryError {
    let status = response.status();
    let code = status.as_u16();
    let body = read(what, response).await.unwrap_or_default();
    let title = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("title").and_then(|t| t.as_str()).map(clean))
        .filter(|t| !t.is_empty());
    let message = match title {
        Some(t) => format!("{what}: HTTP {code} ({t})"),
        None => format!("{what}: HTTP {code}"),
    };
    if status.is_server_error() || code == 408 || code == 429 || (retry_401 && code == 401) {
        DeliveryError::Retry(message)
    } else {
        DeliveryError::Permanent(message)
    }
}

async fn json<T: DeserializeOwned>(
    what: &str,
    response: reqwest::Response,
) -> Result<T, DeliveryError> {
    let body = read(what, response).await?;
    serde_json::from_slice(&body).map_err(|_| {
        DeliveryError::Permanent(format!("{what}: the answer is not what FIT-Connect sends"))
    })
}

impl<'a> Api<'a> {
    /// Client credentials at the token endpoint. A refusal (400, 401, 403) is permanent:
    /// the configured client is wrong and must be fixed before a retry can help.
    pub async fn connect(
        http: &'a reqwest::Client,
        target: &'a FitConnectTarget,
    ) -> Result<Api<'a>, DeliveryError> {
        const WHAT: &str = "token endpoint";
        let response = http
            .post(&target.token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", target.client_id.as_str()),
                ("client_secret", target.client_secret.expose()),
            ])
            .send()
            .await
            .map_err(|e| unanswered(WHAT, &e))?;
        let status = response.status();
        if !status.is_success() {
            let code = status.as_u16();
            if status.is_server_error() || code == 408 || code == 429 {
                return Err(DeliveryError::Retry(format!("{WHAT}: HTTP {code}")));
            }
            // The OAuth error code (RFC 6749 5.2) is a fixed word such as `invalid_client`.
            let body = read(WHAT, response).await.unwrap_or_default();
            let error = serde_json::from_slice::<OAuthError>(&body)
                .ok()
                .and_then(|e| e.error)
                .filter(|e| {
                    e.len() <= 40 && e.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                });
            return Err(DeliveryError::Permanent(match error {
                Some(e) => {
                    format!("{WHAT}: the client credentials were refused ({e}, HTTP {code})")
                }
                None => format!("{WHAT}: the client credentials were refused (HTTP {code})"),
            }));
        }
        let answer: TokenAnswer = json(WHAT, response).await?;
        if answer.access_token.is_empty() {
            return Err(DeliveryError::Permanent(format!(
                "{WHAT}: no access token in the answer"
            )));
        }
        Ok(Api {
            http,
            base: &target.submission_api,
            token: answer.access_token,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(
        &self,
        what: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, DeliveryError> {
        let response = request
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| unanswered(what, &e))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(refusal(what, response, true).await)
        }
    }

    pub async fn destination(&self, id: Uuid) -> Result<Destination, DeliveryError> {
        const WHAT: &str = "destination";
        let r = self
            .send(
                WHAT,
                self.http.get(self.url(&format!("/v2/destinations/{id}"))),
            )
            .await?;
        json(WHAT, r).await
    }

    pub async fn destination_key(&self, id: Uuid, kid: &str) -> Result<Jwk, DeliveryError> {
        const WHAT: &str = "destination key";
        let kid = percent_encoding::utf8_percent_encode(kid, percent_encoding::NON_ALPHANUMERIC);
        let r = self
            .send(
                WHAT,
                self.http
                    .get(self.url(&format!("/v2/destinations/{id}/keys/{kid}"))),
            )
            .await?;
        json(WHAT, r).await
    }

    /// The platform's public keys for its event tokens (no token needed, but sent alike).
    pub async fn platform_keys(&self) -> Result<JwkSet, DeliveryError> {
        const WHAT: &str = "platform keys";
        let r = self
            .send(WHAT, self.http.get(self.url("/.well-known/jwks.json")))
            .await?;
        json(WHAT, r).await
    }

    pub async fn create(
        &self,
        destination: Uuid,
        announced: &[Uuid],
        service_urn: &str,
        service_name: &str,
    ) -> Result<Created, DeliveryError> {
        const WHAT: &str = "creating the submission";
        let body = serde_json::json!({
            "destinationId": destination,
            "announcedAttachments": announced,
            "publicService": { "identifier": service_urn, "name": service_name },
        });
        let r = self
            .send(
                WHAT,
                self.http.post(self.url("/v2/submissions")).json(&body),
            )
            .await?;
        json(WHAT, r).await
    }

    pub async fn upload(
        &self,
        submission: Uuid,
        attachment: Uuid,
        jwe: String,
    ) -> Result<(), DeliveryError> {
        const WHAT: &str = "uploading an attachment";
        self.send(
            WHAT,
            self.http
                .put(self.url(&format!(
                    "/v2/submissions/{submission}/attachments/{attachment}"
                )))
                .header(reqwest::header::CONTENT_TYPE, "application/jose")
                .body(jwe),
        )
        .await?;
        Ok(())
    }

    pub async fn submit(
        &self,
        submission: Uuid,
        encrypted_metadata: String,
        encrypted_data: String,
    ) -> Result<(), DeliveryError> {
        const WHAT: &str = "sending the submission";
        let body = serde_json::json!({
            "encryptedMetadata": encrypted_metadata,
            "encryptedData": encrypted_data,
        });
        self.send(
            WHAT,
            self.http
                .put(self.url(&format!("/v2/submissions/{submission}")))
                .json(&body),
        )
        .await?;
        Ok(())
    }

    /// The event log's tokens, or `None` when the platform does not know the submission (404).
    pub async fn events(&self, submission: Uuid) -> Result<Option<Vec<String>>, DeliveryError> {
        const WHAT: &str = "reading the event log";
        let response = self
            .http
            .get(self.url(&format!("/v2/submissions/{submission}/events")))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| unanswered(WHAT, &e))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !response.status().is_success() {
            return Err(refusal(WHAT, response, true).await);
        }
        let log: EventLog = json(WHAT, response).await?;
        Ok(Some(log.event_log))
    }
}
