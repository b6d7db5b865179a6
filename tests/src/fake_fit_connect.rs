//! A fake FIT-Connect on loopback: the token endpoint, the Submission API v2 (sender side) and
//! the receiving destination in one, written from PROTOCOLS.md ("FIT-Connect"), not from the
//! connector. It uses other implementations than the portal where it can (ring for AES-GCM
//! and for signing), so that both sides agreeing means something.
//!
//! - `POST {base}/token`: client credentials ([`CLIENT_ID`], [`CLIENT_SECRET`]) give a bearer
//!   token; every `/v2` call needs one of its tokens.
//! - `GET /v2/destinations/{id}` and `GET /v2/destinations/{id}/keys/{kid}`: one active
//!   destination ([`DESTINATION_ID`]) with an RSA-4096 encryption key ([`ENCRYPTION_KID`],
//!   `wrapKey`) and a signing key ([`SIGNING_KID`], `verify`), each with an `x5c` chain
//!   (leaf, intermediate) under the test root (`tests/data/fit-connect/root.pem`, see
//!   [`FakeFitConnect::trust_anchor`]).
//! - `POST /v2/submissions` → `201 {submissionId, caseId}`; `PUT
//!   /v2/submissions/{id}/attachments/{aid}` (announced ids only, `application/jose`) → 204;
//!   `PUT /v2/submissions/{id}` → 202 once every announced attachment is there.
//! - On submit the fake plays the receiver: it DECRYPTS data, metadata and attachments with
//!   the private key, checks every SHA-512 hash, validates the metadata against FITKO's schema
//!   1.0.0, and records all of it ([`FakeFitConnect::submissions`]). A submission with
//!   problems is rejected (a `reject-submission` event signed by the destination).
//! - `GET /v2/submissions/{id}/events` → `{eventLog: [SET...]}`, PS512 tokens signed with the
//!   platform key published at `GET /.well-known/jwks.json`.
//!
//! Knobs for the failure stories: which key the destination serves ([`KeyChoice`]), 503 for
//! everything, refused tokens, forged event tokens, a rejection, a lost answer to the submit.
//! Refusals are RFC 7807 problem documents. The server stops when the handle is dropped.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64URL};
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use uuid::Uuid;

mod receiver;
use receiver::{check_content, check_header, claims, open, sign};

pub const CLIENT_ID: &str = "portal-werther-sender";
pub const CLIENT_SECRET: &str = "fake-fit-connect-secret-5d1e8a";
pub const DESTINATION_ID: Uuid = Uuid::from_u128(0x8d5b_2a0e_4c1f_4f6b_9a57_3e6d_0c2b_7a11);
pub const ENCRYPTION_KID: &str = "enc-2026-11";
pub const SIGNING_KID: &str = "sig-2026-11";
pub const PLATFORM_KID: &str = "platform-2026-11";
pub const EVENT_PREFIX: &str = "https://schema.fitko.de/fit-connect/events/";
const PROBLEM_PREFIX: &str = "https://schema.fitko.de/fit-connect/submission-api/problems/";

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/fit-connect");

macro_rules! data {
    ($file:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/fit-connect/",
            $file
        ))
    };
}

/// The encryption key the destination serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyChoice {
    /// RSA-4096, chain leaf → intermediate → the configured root.
    Good,
    /// The same key, certified by a root nobody configured.
    ForeignChain,
    /// RSA-2048 with a valid chain.
    Short,
    /// The good key's `n`/`e`, but the `x5c` certifies the signing key.
    Mismatched,
}

/// One attachment as received, decrypted.
#[derive(Clone, Debug)]
pub struct ReceivedAttachment {
    pub id: Uuid,
    /// The JWE protected header.
    pub header: Value,
    pub bytes: Vec<u8>,
}

/// One submission as the fake saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub submission_id: Uuid,
    pub case_id: Uuid,
    /// The `POST /v2/submissions` body.
    pub create: Value,
    pub announced: Vec<Uuid>,
    pub attachments: Vec<ReceivedAttachment>,
    /// Decrypted data (the case document JSON), once submitted.
    pub data: Option<Vec<u8>>,
    pub data_header: Option<Value>,
    /// Decrypted metadata, once submitted.
    pub metadata: Option<Value>,
    pub metadata_header: Option<Value>,
    pub submitted: bool,
    /// What the receiver found wrong (hashes, schema, encryption); empty when all is well.
    pub problems: Vec<String>,
}

impl Received {
    pub fn data_json(&self) -> Value {
        serde_json::from_slice(self.data.as_deref().expect("submitted")).expect("data is JSON")
    }
    pub fn attachment(&self, id: Uuid) -> Option<&ReceivedAttachment> {
        self.attachments.iter().find(|a| a.id == id)
    }
}

struct Keys {
    encryption: RsaPrivateKey,
    short: RsaPrivateKey,
    signing_jwk: Value,
    platform: ring::signature::RsaKeyPair,
    destination_signer: ring::signature::RsaKeyPair,
    forger: ring::signature::RsaKeyPair,
    platform_jwks: Value,
    schema: jsonschema::Validator,
}

#[derive(Default)]
struct Inner {
    tokens: HashMap<String, Instant>,
    submissions: BTreeMap<Uuid, Received>,
    /// Order of creation.
    order: Vec<Uuid>,
    /// Signed event tokens per submission.
    events: HashMap<Uuid, Vec<String>>,
    key: Option<KeyChoice>,
    unavailable: bool,
    refuse_tokens: bool,
    forge_events: bool,
    reject_next: Option<String>,
    lose_next_submit_answer: bool,
    fail_next_upload: bool,
    services: Option<Vec<String>>,
    token_requests: usize,
}

struct Shared {
    keys: Keys,
    inner: Mutex<Inner>,
    base_url: String,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running fake. Its server stops when this is dropped.
pub struct FakeFitConnect {
    /// `http://127.0.0.1:<port>`: the target's `submission_api`.
    pub base_url: String,
    /// `http://127.0.0.1:<port>/token`: the target's `token_url`.
    pub token_url: String,
    pub destination_id: Uuid,
    pub client_id: String,
    pub client_secret: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeFitConnect {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn private_key(pem: &str) -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_pem(pem).expect("test key parses")
}

fn ring_key(pem: &str) -> ring::signature::RsaKeyPair {
    let der = tokio_rustls::rustls::pki_types::PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes())
        .expect("test key is PKCS#8 PEM");
    ring::signature::RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()).expect("ring takes the key")
}

/// The certificates of a PEM file as `x5c` entries (standard base64 DER).
fn x5c(pems: &[&str]) -> Vec<String> {
    pems.iter()
        .flat_map(|pem| CertificateDer::pem_slice_iter(pem.as_bytes()))
        .map(|c| STANDARD.encode(c.expect("test certificate parses")))
        .collect()
}

fn rsa_jwk(
    key: &rsa::RsaPublicKey,
    kid: &str,
    alg: &str,
    op: &str,
    chain: Option<Vec<String>>,
) -> Value {
    let mut jwk = json!({
        "kty": "RSA",
        "kid": kid,
        "alg": alg,
        "key_ops": [op],
        "n": B64URL.encode(key.n().to_bytes_be()),
        "e": B64URL.encode(key.e().to_bytes_be()),
    });
    if let Some(chain) = chain {
        jwk["x5c"] = json!(chain);
    }
    jwk
}

impl FakeFitConnect {
    pub async fn start() -> Self {
        let encryption = private_key(data!("encryption.key.pem"));
        let short = private_key(data!("short.key.pem"));
        let signing = private_key(data!("signing.key.pem"));
        let platform_public = private_key(data!("platform.key.pem")).to_public_key();
        let schema: Value =
            serde_json::from_str(data!("metadata.schema.v1.0.0.json")).expect("schema is JSON");
        let keys = Keys {
            signing_jwk: rsa_jwk(
                &signing.to_public_key(),
                SIGNING_KID,
                "PS512",
                "verify",
                Some(x5c(&[data!("signing.pem"), data!("intermediate.pem")])),
            ),
            encryption,
            short,
            platform: ring_key(data!("platform.key.pem")),
            destination_signer: ring_key(data!("signing.key.pem")),
            forger: ring_key(data!("forger.key.pem")),
            platform_jwks: json!({ "keys": [
                rsa_jwk(&platform_public, PLATFORM_KID, "PS512", "verify", None)
            ]}),
            schema: jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .expect("the metadata schema compiles"),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let base_url = format!("http://{addr}");
        let shared = Arc::new(Shared {
            keys,
            inner: Mutex::new(Inner {
                key: Some(KeyChoice::Good),
                ..Inner::default()
            }),
            base_url: base_url.clone(),
        });
        let app = Router::new()
            .route("/token", post(token))
            .route("/.well-known/jwks.json", get(jwks))
            .route("/v2/destinations/{id}", get(destination))
            .route("/v2/destinations/{id}/keys/{kid}", get(destination_key))
            .route("/v2/submissions", post(create))
            .route("/v2/submissions/{id}", put(submit))
            .route("/v2/submissions/{id}/attachments/{aid}", put(upload))
            .route("/v2/submissions/{id}/events", get(events))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            token_url: format!("{base_url}/token"),
            base_url,
            destination_id: DESTINATION_ID,
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            shared,
            server,
        }
    }

    /// The root the destination's keys chain to (PEM file): the target's `trust_anchor_file`.
    pub fn trust_anchor() -> PathBuf {
        PathBuf::from(format!("{DATA}/root.pem"))
    }

    /// A root that certifies none of the fake's keys.
    pub fn foreign_trust_anchor() -> PathBuf {
        PathBuf::from(format!("{DATA}/foreign-root.pem"))
    }

    /// The connector's target for this fake.
    pub fn target(&self) -> portal::delivery::config::FitConnectTarget {
        portal::delivery::config::FitConnectTarget {
            destination_id: self.destination_id,
            submission_api: self.base_url.clone(),
            token_url: self.token_url.clone(),
            client_id: self.client_id.clone(),
            client_secret: portal::config::Secret::new(self.client_secret.clone()),
            trust_anchor_pem: std::fs::read(Self::trust_anchor()).expect("root.pem"),
        }
    }

    /// A `[[delivery_targets.<slug>]]` table for the portal's configuration file.
    pub fn config_toml(&self, slug: &str, name: &str) -> String {
        format!(
            "[[delivery_targets.{slug}]]\nname = \"{name}\"\nkind = \"fit_connect\"\n\
             destination_id = \"{}\"\nsubmission_api = \"{}\"\ntoken_url = \"{}\"\n\
             client_id = \"{}\"\nclient_secret = \"{}\"\ntrust_anchor_file = \"{}\"\n",
            self.destination_id,
            self.base_url,
            self.token_url,
            self.client_id,
            self.client_secret,
            Self::trust_anchor().display()
        )
    }

    /// Every submission created, in order.
    pub fn submissions(&self) -> Vec<Received> {
        let inner = self.shared.lock();
        inner
            .order
            .iter()
            .filter_map(|id| inner.submissions.get(id).cloned())
            .collect()
    }

    /// The submitted ones.
    pub fn submitted(&self) -> Vec<Received> {
        self.submissions()
            .into_iter()
            .filter(|s| s.submitted)
            .collect()
    }

    pub fn token_requests(&self) -> usize {
        self.shared.lock().token_requests
    }

    /// The raw event tokens of a submission.
    pub fn event_log(&self, submission: Uuid) -> Vec<String> {
        self.shared
            .lock()
            .events
            .get(&submission)
            .cloned()
            .unwrap_or_default()
    }

    pub fn serve_key(&self, choice: KeyChoice) {
        self.shared.lock().key = Some(choice);
    }

    /// Every `/v2` call answers 503 (a problem document).
    pub fn set_unavailable(&self, on: bool) {
        self.shared.lock().unavailable = on;
    }

    /// The token endpoint answers 401 `invalid_client` to everyone.
    pub fn refuse_tokens(&self, on: bool) {
        self.shared.lock().refuse_tokens = on;
    }

    /// Event tokens from now on are signed by another key under the platform's `kid`.
    pub fn forge_events(&self, on: bool) {
        self.shared.lock().forge_events = on;
    }

    /// The next submission is rejected by the destination with this problem title.
    pub fn reject_next(&self, title: &str) {
        self.shared.lock().reject_next = Some(title.to_owned());
    }

    /// The next submit is carried out, but answered 503 (the answer got lost).
    pub fn lose_next_submit_answer(&self) {
        self.shared.lock().lose_next_submit_answer = true;
    }

    /// The next attachment upload answers 503 without storing anything.
    pub fn fail_next_upload(&self) {
        self.shared.lock().fail_next_upload = true;
    }

    /// Only these `publicService.identifier`s are offered (default: any LeiKa URN).
    pub fn offer_services(&self, identifiers: &[&str]) {
        self.shared.lock().services = Some(identifiers.iter().map(|s| (*s).to_owned()).collect());
    }
}

fn problem(status: StatusCode, kind: &str, title: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json!({
            "type": format!("{PROBLEM_PREFIX}{kind}"),
            "title": title,
            "status": status.as_u16(),
            "detail": "see the fake's source",
        })
        .to_string(),
    )
        .into_response()
}

/// A JSON answer (axum's `json` feature is off in this workspace).
fn json_body(value: Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn unavailable() -> Response {
    problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "Service Unavailable",
    )
}

/// `None` when the request may go on, else the refusal.
fn guard(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let inner = shared.lock();
    if inner.unavailable {
        return Some(unavailable());
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.and_then(|t| inner.tokens.get(t)) {
        Some(expires) if *expires > Instant::now() => None,
        _ => Some(problem(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
        )),
    }
}

async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut inner = shared.lock();
    inner.token_requests += 1;
    if inner.refuse_tokens
        || form.get("grant_type").map(String::as_str) != Some("client_credentials")
        || form.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || form.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return (
            StatusCode::UNAUTHORIZED,
            json_body(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let token = format!("fake-fc-{}", Uuid::new_v4().simple());
    inner
        .tokens
        .insert(token.clone(), Instant::now() + Duration::from_secs(1800));
    json_body(json!({"access_token": token, "token_type": "Bearer", "expires_in": 1800}))
        .into_response()
}

async fn jwks(State(shared): State<Arc<Shared>>) -> Response {
    json_body(shared.keys.platform_jwks.clone()).into_response()
}

async fn destination(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = guard(&shared, &headers) {
        return r;
    }
    if id != DESTINATION_ID.to_string() {
        return problem(
            StatusCode::NOT_FOUND,
            "destination-not-found",
            "Destination not found",
        );
    }
    let services = shared.lock().services.clone().unwrap_or_default();
    json_body(json!({
        "destinationId": DESTINATION_ID,
        "status": "active",
        "services": services.iter().map(|s| json!({"identifier": s, "submissionSchemas": []})).collect::<Vec<_>>(),
        "encryptionKid": ENCRYPTION_KID,
        "metadataVersions": ["1.0.0"],
    }))
    .into_response()
}

async fn destination_key(
    State(shared): State<Arc<Shared>>,
    Path((id, kid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = guard(&shared, &headers) {
        return r;
    }
    if id != DESTINATION_ID.to_string() {
        return problem(
            StatusCode::NOT_FOUND,
            "destination-not-found",
            "Destination not found",
        );
    }
    let keys = &shared.keys;
    let jwk = match kid.as_str() {
        SIGNING_KID => keys.signing_jwk.clone(),
        ENCRYPTION_KID => {
            let choice = shared.lock().key.unwrap_or(KeyChoice::Good);
            let good = keys.encryption.to_public_key();
            let (key, chain) = match choice {
                KeyChoice::Good => (
                    good,
                    x5c(&[data!("encryption.pem"), data!("intermediate.pem")]),
                ),
                KeyChoice::ForeignChain => (
                    good,
                    x5c(&[data!("foreign-encryption.pem"), data!("foreign-root.pem")]),
                ),
                KeyChoice::Short => (
                    keys.short.to_public_key(),
                    x5c(&[data!("short.pem"), data!("intermediate.pem")]),
                ),
                KeyChoice::Mismatched => (
                    good,
                    x5c(&[data!("signing.pem"), data!("intermediate.pem")]),
                ),
            };
            rsa_jwk(&key, ENCRYPTION_KID, "RSA-OAEP-256", "wrapKey", Some(chain))
        }
        _ => return problem(StatusCode::NOT_FOUND, "key-not-found", "Key not found"),
    };
    json_body(jwk).into_response()
}

fn is_leika_urn(s: &str) -> bool {
    s.strip_prefix("urn:de:fim:leika:leistung:")
        .is_some_and(|k| k.len() == 14 && k.bytes().all(|b| b.is_ascii_digit()))
}

async fn create(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = guard(&shared, &headers) {
        return r;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "Body is not JSON",
        );
    };
    if body["destinationId"].as_str() != Some(&DESTINATION_ID.to_string()) {
        return problem(
            StatusCode::NOT_FOUND,
            "destination-not-found",
            "Destination not found",
        );
    }
    let Some(announced) = body["announcedAttachments"].as_array().and_then(|a| {
        a.iter()
            .map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
            .collect::<Option<Vec<Uuid>>>()
    }) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "announcedAttachments must be a list of UUIDs",
        );
    };
    if announced.iter().collect::<HashSet<_>>().len() != announced.len() {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "Attachment announced twice",
        );
    }
    let identifier = body["publicService"]["identifier"]
        .as_str()
        .unwrap_or_default();
    let mut inner = shared.lock();
    let offered = match &inner.services {
        Some(list) => list.iter().any(|s| s == identifier),
        None => is_leika_urn(identifier),
    };
    if !offered {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "service-not-offered",
            "Service is not offered by the destination",
        );
    }
    let submission_id = Uuid::new_v4();
    let case_id = Uuid::new_v4();
    inner.submissions.insert(
        submission_id,
        Received {
            submission_id,
            case_id,
            create: body.clone(),
            announced,
            attachments: vec![],
            data: None,
            data_header: None,
            metadata: None,
            metadata_header: None,
            submitted: false,
            problems: vec![],
        },
    );
    inner.order.push(submission_id);
    let forged = inner.forge_events;
    let set = sign_event(
        &shared,
        forged,
        submission_id,
        case_id,
        "create-submission",
        json!({}),
    );
    inner.events.entry(submission_id).or_default().push(set);
    (
        StatusCode::CREATED,
        json_body(json!({"submissionId": submission_id, "caseId": case_id, "destinationId": DESTINATION_ID})),
    )
        .into_response()
}

async fn upload(
    State(shared): State<Arc<Shared>>,
    Path((id, aid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = guard(&shared, &headers) {
        return r;
    }
    {
        let mut inner = shared.lock();
        if std::mem::take(&mut inner.fail_next_upload) {
            return unavailable();
        }
    }
    if headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        != Some("application/jose")
    {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Attachments are application/jose",
        );
    }
    let (Ok(id), Ok(aid)) = (Uuid::parse_str(&id), Uuid::parse_str(&aid)) else {
        return problem(
            StatusCode::NOT_FOUND,
            "submission-not-found",
            "Submission not found",
        );
    };
    let key = decryption_key(&shared);
    let opened = std::str::from_utf8(&body)
        .map_err(|_| "not text".to_owned())
        .and_then(|jwe| open(&key, jwe));
    let mut inner = shared.lock();
    let Some(sub) = inner.submissions.get_mut(&id) else {
        return problem(
            StatusCode::NOT_FOUND,
            "submission-not-found",
            "Submission not found",
        );
    };
    if sub.submitted {
        return problem(
            StatusCode::CONFLICT,
            "submission-state-invalid",
            "Submission already submitted",
        );
    }
    if !sub.announced.contains(&aid) {
        return problem(
            StatusCode::NOT_FOUND,
            "attachment-not-announced",
            "Attachment was not announced",
        );
    }
    // Only the JWE's shape is the platform's business; decryption is the receiver's, and
    // its problems are recorded for the test.
    if body.split(|b| *b == b'.').count() != 5 {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-jwe",
            "Body is not a compact JWE",
        );
    }
    sub.attachments.retain(|a| a.id != aid);
    match opened {
        Ok((header, bytes)) => {
            check_header(&mut sub.problems, &format!("attachment {aid}"), &header);
            sub.attachments.push(ReceivedAttachment {
                id: aid,
                header,
                bytes,
            });
        }
        Err(e) => sub.problems.push(format!("attachment {aid}: {e}")),
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn submit(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = guard(&shared, &headers) {
        return r;
    }
    let Ok(id) = Uuid::parse_str(&id) else {
        return problem(
            StatusCode::NOT_FOUND,
            "submission-not-found",
            "Submission not found",
        );
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "Body is not JSON",
        );
    };
    let (Some(meta_jwe), Some(data_jwe)) = (
        body["encryptedMetadata"].as_str(),
        body["encryptedData"].as_str(),
    ) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "encryptedMetadata and encryptedData are required",
        );
    };
    let key = decryption_key(&shared);
    let metadata = open(&key, meta_jwe);
    let data = open(&key, data_jwe);

    let mut inner = shared.lock();
    let reject_title = inner.reject_next.take();
    let lose_answer = std::mem::take(&mut inner.lose_next_submit_answer);
    let forged = inner.forge_events;
    let Some(sub) = inner.submissions.get_mut(&id) else {
        return problem(
            StatusCode::NOT_FOUND,
            "submission-not-found",
            "Submission not found",
        );
    };
    if sub.submitted {
        return problem(
            StatusCode::CONFLICT,
            "submission-state-invalid",
            "Submission already submitted",
        );
    }
    let uploaded: HashSet<Uuid> = sub.attachments.iter().map(|a| a.id).collect();
    if sub.announced.iter().any(|a| !uploaded.contains(a)) {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing-attachments",
            "Not every announced attachment was uploaded",
        );
    }
    sub.submitted = true;
    let mut problems = std::mem::take(&mut sub.problems);
    match data {
        Ok((header, bytes)) => {
            check_header(&mut problems, "data", &header);
            if serde_json::from_slice::<Value>(&bytes).is_err() {
                problems.push("data: not JSON".into());
            }
            sub.data_header = Some(header);
            sub.data = Some(bytes);
        }
        Err(e) => problems.push(format!("data: {e}")),
    }
    match metadata {
        Ok((header, bytes)) => {
            check_header(&mut problems, "metadata", &header);
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(m) => {
                    for e in shared.keys.schema.iter_errors(&m) {
                        problems.push(format!("metadata: {} at {}", e, e.instance_path));
                    }
                    check_content(&mut problems, &m, sub);
                    sub.metadata = Some(m);
                }
                Err(_) => problems.push("metadata: not JSON".into()),
            }
            sub.metadata_header = Some(header);
        }
        Err(e) => problems.push(format!("metadata: {e}")),
    }
    sub.problems = problems.clone();
    let case_id = sub.case_id;
    let mut log = vec![sign_event(
        &shared,
        forged,
        id,
        case_id,
        "submit-submission",
        json!({}),
    )];
    let reject =
        reject_title.or_else(|| (!problems.is_empty()).then(|| "Inhalt fehlerhaft".to_owned()));
    if let Some(title) = reject {
        let payload = json!({"problems": [{
            "type": format!("{EVENT_PREFIX}problems/invalid-content"),
            "title": title,
            "detail": problems.join("; "),
        }]});
        log.push(sign(
            &shared.keys.destination_signer,
            SIGNING_KID,
            &claims(
                id,
                case_id,
                "reject-submission",
                payload,
                DESTINATION_ID.to_string(),
            ),
        ));
    }
    inner.events.entry(id).or_default().extend(log);
    if lose_answer {
        return unavailable();
    }
    StatusCode::ACCEPTED.into_response()
}

async fn events(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = guard(&shared, &headers) {
        return r;
    }
    let inner = shared.lock();
    let Some(log) = Uuid::parse_str(&id)
        .ok()
        .and_then(|id| inner.events.get(&id))
    else {
        return problem(
            StatusCode::NOT_FOUND,
            "submission-not-found",
            "Submission not found",
        );
    };
    json_body(json!({"submissionId": id, "eventLog": log})).into_response()
}

/// The private key of whatever the destination currently serves.
fn decryption_key(shared: &Shared) -> RsaPrivateKey {
    match shared.lock().key.unwrap_or(KeyChoice::Good) {
        KeyChoice::Short => shared.keys.short.clone(),
        _ => shared.keys.encryption.clone(),
    }
}

/// A platform event: signed with the platform key, or with the forger's under its kid.
fn sign_event(
    shared: &Shared,
    forged: bool,
    submission: Uuid,
    case: Uuid,
    event: &str,
    payload: Value,
) -> String {
    let claims = claims(submission, case, event, payload, shared.base_url.clone());
    let key = if forged {
        &shared.keys.forger
    } else {
        &shared.keys.platform
    };
    sign(key, PLATFORM_KID, &claims)
}
