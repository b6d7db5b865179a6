//! A fake XBezahldienste platform on loopback (mTLS and OAuth2 variants), written from
//! PROTOCOLS.md ("XBezahldienste"), not from the adapter: it reads and writes plain JSON.
//!
//! - [`FakeXBezahldienste::start_mtls`]: an ePayBL-like platform. HTTPS with a server
//!   certificate from a test CA made at start (rcgen); the TLS handshake requires a client
//!   certificate signed by that CA. [`TestPki`] holds the PEM material the adapter needs, and a
//!   client certificate from another CA for the negative tests.
//! - [`FakeXBezahldienste::start_oauth`]: a pmPayment-like platform. Plain HTTP on
//!   127.0.0.1; `POST {base}/oauth/token/` takes `grant_type=client_credentials` with
//!   [`CLIENT_ID`] and [`CLIENT_SECRET`] in the form or as HTTP Basic, and every API call
//!   needs `Authorization: Bearer` with a token it issued that has not expired or been
//!   revoked.
//!
//! The API lives under `{base_url}` = `<scheme>://127.0.0.1:<port>/rest`:
//! `POST {base}/paymenttransaction/{originatorId}/{endpointId}` and
//! `GET {base}/paymenttransaction/{originatorId}/{endpointId}/{transactionId}`, answering
//! `{paymentRequest, paymentInformation}`. It knows one originator ([`ORIGINATOR_ID`]) and
//! one endpoint ([`ENDPOINT_ID`]); others are 404. A repeated `requestId` answers the
//! transaction created for it the first time (the platform treats `requestId` as unique).
//! Requests breaking PROTOCOLS.md's limits are 400 with `{"message": ...}`.
//!
//! The payment page (`transactionRedirectUrl`, given only while INITIAL) is served over plain
//! HTTP on a second port, since a citizen's browser has no client certificate: a page with one
//! button that pays (PAYED, CREDITCARD) and sends the browser to the request's `redirectUrl`.
//!
//! Tests drive it: set a transaction's status, go down (503) or slow, revoke tokens, read the
//! create requests it received. Everything stops when the handle is dropped.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The originator the fake knows (a LeiKa-like id).
pub const ORIGINATOR_ID: &str = "99001001001000";
/// The endpoint the fake knows (an office).
pub const ENDPOINT_ID: &str = "werther-ordnungsamt";
/// The OAuth variant's client.
pub const CLIENT_ID: &str = "portal-werther";
pub const CLIENT_SECRET: &str = "fake-pmpayment-secret-7f3a9c";

/// Test certificates, made at start: a CA, the platform's server certificate (for
/// `127.0.0.1` and `localhost`), a client certificate the platform accepts, and a client
/// certificate from another CA that it must not accept.
#[derive(Clone, Debug)]
pub struct TestPki {
    pub ca_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
    /// A CA the platform does not trust, and a client certificate it issued.
    pub foreign_ca_pem: String,
    pub foreign_client_cert_pem: String,
    pub foreign_client_key_pem: String,
    server_cert_der: Vec<u8>,
    server_key_der: Vec<u8>,
}

impl TestPki {
    pub fn generate() -> Self {
        let (ca_pem, ca) = test_ca("Fake XBezahldienste Test CA");
        let (foreign_ca_pem, foreign_ca) = test_ca("Someone Else's CA");

        let server_key = rcgen::KeyPair::generate().unwrap();
        let mut server =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .unwrap();
        server
            .distinguished_name
            .push(rcgen::DnType::CommonName, "fake-epaybl.test");
        server
            .extended_key_usages
            .push(rcgen::ExtendedKeyUsagePurpose::ServerAuth);
        let server_cert = server.signed_by(&server_key, &ca).unwrap();

        let (client_cert_pem, client_key_pem) = test_client(&ca, "portal-werther");
        let (foreign_client_cert_pem, foreign_client_key_pem) =
            test_client(&foreign_ca, "portal-werther");
        Self {
            ca_pem,
            client_cert_pem,
            client_key_pem,
            foreign_ca_pem,
            foreign_client_cert_pem,
            foreign_client_key_pem,
            server_cert_der: server_cert.der().to_vec(),
            server_key_der: server_key.serialize_der(),
        }
    }
}

fn test_ca(name: &str) -> (String, rcgen::Issuer<'static, rcgen::KeyPair>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), rcgen::Issuer::new(params, key))
}

fn test_client(ca: &rcgen::Issuer<'static, rcgen::KeyPair>, name: &str) -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params
        .extended_key_usages
        .push(rcgen::ExtendedKeyUsagePurpose::ClientAuth);
    let cert = params.signed_by(&key, ca).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// One transaction the fake holds.
struct Transaction {
    id: String,
    request: Value,
    status: String,
    reference: String,
    method: Option<String>,
}

struct Token {
    expires: Instant,
}

#[derive(Default)]
struct Inner {
    /// By transactionId.
    transactions: HashMap<String, Transaction>,
    /// requestId -> transactionId.
    by_request_id: HashMap<String, String>,
    /// Every create request's raw body, in order.
    create_bodies: Vec<String>,
    down: bool,
    delay: Duration,
    tokens: HashMap<String, Token>,
    token_lifetime: u64,
    refuse_all_tokens: bool,
}

struct Fake {
    inner: Mutex<Inner>,
    /// `{scheme}://127.0.0.1:{port}/rest`.
    base_url: String,
    /// `http://127.0.0.1:{port}` of the payment pages.
    pages_url: String,
    oauth: bool,
    token_requests: AtomicUsize,
    api_calls: AtomicUsize,
    tls_rejections: Arc<AtomicUsize>,
    next_id: AtomicUsize,
}

/// A running fake platform. Its servers stop when this is dropped.
pub struct FakeXBezahldienste {
    /// `https://127.0.0.1:<port>/rest` (mTLS) or `http://127.0.0.1:<port>/rest` (OAuth): the
    /// adapter's `base_url`.
    pub base_url: String,
    pki: Option<TestPki>,
    state: Arc<Fake>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for FakeXBezahldienste {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl FakeXBezahldienste {
    /// The ePayBL-like variant: HTTPS requiring a client certificate from [`TestPki`]'s CA.
    pub async fn start_mtls() -> Self {
        let pki = TestPki::generate();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(pki.ca_pem.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .unwrap();
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![CertificateDer::from(pki.server_cert_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_der.clone())),
            )
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let base_url = format!("https://{addr}/rest");
        let (pages, pages_url) = bind_pages().await;
        let state = Arc::new(Fake::new(base_url.clone(), pages_url, false));

        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let rejections = state.tls_rejections.clone();
        let handshakes = tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = tcp.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                let rejections = rejections.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        _ => {
                            rejections.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        let api = tokio::spawn(serve(
            TlsListener { rx, local: addr },
            api_router(state.clone()),
        ));
        let pages = tokio::spawn(serve(pages, pages_router(state.clone())));
        Self {
            base_url,
            pki: Some(pki),
            state,
            tasks: vec![handshakes, api, pages],
        }
    }

    /// The pmPayment-like variant: plain HTTP on loopback, OAuth2 client credentials.
    pub async fn start_oauth() -> Self {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/rest", tcp.local_addr().unwrap());
        let (pages, pages_url) = bind_pages().await;
        let state = Arc::new(Fake::new(base_url.clone(), pages_url, true));
        let api = tokio::spawn(serve(tcp, api_router(state.clone())));
        let pages = tokio::spawn(serve(pages, pages_router(state.clone())));
        Self {
            base_url,
            pki: None,
            state,
            tasks: vec![api, pages],
        }
    }

    /// The certificates of the mTLS variant (panics for the OAuth variant).
    pub fn pki(&self) -> &TestPki {
        self.pki
            .as_ref()
            .expect("only the mTLS fake has certificates")
    }

    /// Sets a transaction's status as the platform would (any text, so tests can send values
    /// the adapter does not know). Returns whether the transaction exists.
    pub fn set_status(&self, transaction_id: &str, status: &str) -> bool {
        let mut inner = self.state.inner.lock().unwrap();
        match inner.transactions.get_mut(transaction_id) {
            Some(t) => {
                t.status = status.to_owned();
                true
            }
            None => false,
        }
    }

    /// Sets how the citizen paid (`GIROPAY`, `CREDITCARD`, ...).
    pub fn set_payment_method(&self, transaction_id: &str, method: &str) {
        let mut inner = self.state.inner.lock().unwrap();
        if let Some(t) = inner.transactions.get_mut(transaction_id) {
            t.method = Some(method.to_owned());
        }
    }

    /// How many transactions exist (repeats of a `requestId` create none).
    pub fn transactions_created(&self) -> usize {
        self.state.inner.lock().unwrap().transactions.len()
    }

    /// How many create requests were received and accepted (repeats included).
    pub fn create_requests(&self) -> usize {
        self.state.inner.lock().unwrap().create_bodies.len()
    }

    /// The raw body of the last accepted create request.
    pub fn last_create_body(&self) -> Option<String> {
        self.state
            .inner
            .lock()
            .unwrap()
            .create_bodies
            .last()
            .cloned()
    }

    /// The last accepted create request as JSON.
    pub fn last_create_request(&self) -> Option<Value> {
        self.last_create_body()
            .map(|b| serde_json::from_str(&b).unwrap())
    }

    /// While down, every call (token endpoint included) answers 503.
    pub fn set_down(&self, down: bool) {
        self.state.inner.lock().unwrap().down = down;
    }

    /// Every API and token call waits this long before answering.
    pub fn set_delay(&self, delay: Duration) {
        self.state.inner.lock().unwrap().delay = delay;
    }

    /// How many token requests came in (OAuth variant), refused ones included.
    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    /// How many API calls (create, status) came in, refused ones included.
    pub fn api_calls(&self) -> usize {
        self.state.api_calls.load(Ordering::SeqCst)
    }

    /// Forgets every issued token, as after a key rotation: the next API call gets 401.
    pub fn revoke_tokens(&self) {
        self.state.inner.lock().unwrap().tokens.clear();
    }

    /// While set, every API call answers 401, whatever the token.
    pub fn refuse_all_tokens(&self, refuse: bool) {
        self.state.inner.lock().unwrap().refuse_all_tokens = refuse;
    }

    /// `expires_in` of tokens issued from now on (3600 by default); the fake refuses them
    /// after that many seconds.
    pub fn set_token_lifetime(&self, seconds: u64) {
        self.state.inner.lock().unwrap().token_lifetime = seconds;
    }

    /// TLS handshakes the mTLS variant refused (no or untrusted client certificate).
    pub fn tls_rejections(&self) -> usize {
        self.state.tls_rejections.load(Ordering::SeqCst)
    }

    /// The transaction as the status call would answer it.
    pub fn transaction(&self, transaction_id: &str) -> Option<Value> {
        let inner = self.state.inner.lock().unwrap();
        inner
            .transactions
            .get(transaction_id)
            .map(|t| self.state.transaction_json(t))
    }
}

impl Fake {
    fn new(base_url: String, pages_url: String, oauth: bool) -> Self {
        Self {
            inner: Mutex::new(Inner {
                token_lifetime: 3600,
                ..Inner::default()
            }),
            base_url,
            pages_url,
            oauth,
            token_requests: AtomicUsize::new(0),
            api_calls: AtomicUsize::new(0),
            tls_rejections: Arc::new(AtomicUsize::new(0)),
            next_id: AtomicUsize::new(1),
        }
    }

    /// A PaymentTransaction as PROTOCOLS.md describes it.
    fn transaction_json(&self, t: &Transaction) -> Value {
        let mut info = json!({
            "transactionUrl": format!(
                "{}/paymenttransaction/{ORIGINATOR_ID}/{ENDPOINT_ID}/{}",
                self.base_url, t.id
            ),
            "transactionId": t.id,
            "transactionReference": t.reference,
            "transactionTimestamp": t.request["requestTimestamp"],
            "status": t.status,
            "statusDetail": format!("fake platform: {}", t.status),
        });
        if t.status == "INITIAL" {
            info["transactionRedirectUrl"] = json!(format!("{}/pay/{}", self.pages_url, t.id));
        }
        if let Some(method) = &t.method {
            info["paymentMethod"] = json!(method);
            info["paymentMethodDetail"] = json!(format!("{method} (fake)"));
        }
        json!({"paymentRequest": t.request, "paymentInformation": info})
    }

    /// What every API call goes through: down, delay, bearer token.
    async fn gate(&self, headers: &HeaderMap) -> Result<(), Response> {
        self.api_calls.fetch_add(1, Ordering::SeqCst);
        self.wait().await?;
        if !self.oauth {
            // The TLS layer already required a client certificate from the test CA.
            return Ok(());
        }
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let inner = self.inner.lock().unwrap();
        let valid = bearer
            .and_then(|t| inner.tokens.get(t))
            .is_some_and(|t| t.expires > Instant::now());
        if valid && !inner.refuse_all_tokens {
            Ok(())
        } else {
            Err((
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
                JsonBody(json!({"error": "invalid_token", "message": "token invalid or expired"})),
            )
                .into_response())
        }
    }

    async fn wait(&self) -> Result<(), Response> {
        let (down, delay) = {
            let inner = self.inner.lock().unwrap();
            (inner.down, inner.delay)
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if down {
            return Err(message(
                StatusCode::SERVICE_UNAVAILABLE,
                "platform under maintenance",
            ));
        }
        Ok(())
    }
}

/// A JSON answer (the workspace's axum has no `json` feature).
struct JsonBody(Value);

impl IntoResponse for JsonBody {
    fn into_response(self) -> Response {
        (
            [(header::CONTENT_TYPE, "application/json")],
            self.0.to_string(),
        )
            .into_response()
    }
}

fn message(status: StatusCode, text: &str) -> Response {
    (status, JsonBody(json!({"message": text}))).into_response()
}

fn api_router(state: Arc<Fake>) -> Router {
    let api = Router::new()
        .route("/oauth/token/", post(token))
        .route("/paymenttransaction/{originator}/{endpoint}", post(create))
        .route(
            "/paymenttransaction/{originator}/{endpoint}/{transaction}",
            get(status),
        );
    Router::new().nest("/rest", api).with_state(state)
}

fn pages_router(state: Arc<Fake>) -> Router {
    Router::new()
        .route("/pay/{transaction}", get(pay_page).post(pay))
        .with_state(state)
}

async fn bind_pages() -> (TcpListener, String) {
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", tcp.local_addr().unwrap());
    (tcp, url)
}

async fn serve<L>(listener: L, router: Router)
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    let _ = axum::serve(listener, router).await;
}

/// `POST {base}/oauth/token/`: RFC 6749 client credentials, client authentication in the
/// form or as HTTP Basic.
async fn token(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: Bytes) -> Response {
    fake.token_requests.fetch_add(1, Ordering::SeqCst);
    if let Err(down) = fake.wait().await {
        return down;
    }
    if !fake.oauth {
        return message(StatusCode::NOT_FOUND, "no token endpoint here");
    }
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(id, secret)| (id.to_owned(), secret.to_owned()))
        });
    let (id, secret) = match basic {
        Some(pair) => pair,
        None => (
            form.get("client_id").cloned().unwrap_or_default(),
            form.get("client_secret").cloned().unwrap_or_default(),
        ),
    };
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            JsonBody(json!({"error": "unsupported_grant_type"})),
        )
            .into_response();
    }
    if id != CLIENT_ID || secret != CLIENT_SECRET {
        return (
            StatusCode::UNAUTHORIZED,
            JsonBody(json!({
                "error": "invalid_client",
                "error_description": "client authentication failed",
            })),
        )
            .into_response();
    }
    let value = format!(
        "tok-{}-{:016x}",
        fake.token_requests.load(Ordering::SeqCst),
        rand::random::<u64>()
    );
    let lifetime = {
        let mut inner = fake.inner.lock().unwrap();
        let lifetime = inner.token_lifetime;
        inner.tokens.insert(
            value.clone(),
            Token {
                expires: Instant::now() + Duration::from_secs(lifetime),
            },
        );
        lifetime
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        JsonBody(json!({
            "access_token": value,
            "token_type": "Bearer",
            "expires_in": lifetime,
        })),
    )
        .into_response()
}

/// `POST {base}/paymenttransaction/{originatorId}/{endpointId}`.
async fn create(
    State(fake): State<Arc<Fake>>,
    Path((originator, endpoint)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = fake.gate(&headers).await {
        return refused;
    }
    if originator != ORIGINATOR_ID || endpoint != ENDPOINT_ID {
        return message(StatusCode::NOT_FOUND, "unknown originator or endpoint");
    }
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return message(StatusCode::BAD_REQUEST, "body is not UTF-8");
    };
    let request: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return message(StatusCode::BAD_REQUEST, &format!("body is not JSON: {e}")),
    };
    if let Err(problem) = check_payment_request(&request) {
        return message(StatusCode::BAD_REQUEST, &problem);
    }
    let request_id = request["requestId"].as_str().unwrap_or_default().to_owned();
    let mut inner = fake.inner.lock().unwrap();
    inner.create_bodies.push(text);
    if let Some(existing) = inner.by_request_id.get(&request_id) {
        let t = &inner.transactions[existing];
        return (StatusCode::OK, JsonBody(fake.transaction_json(t))).into_response();
    }
    let n = fake.next_id.fetch_add(1, Ordering::SeqCst);
    let id = format!("TX-{n:06}-{:08x}", rand::random::<u32>());
    let t = Transaction {
        id: id.clone(),
        request,
        status: "INITIAL".into(),
        reference: format!("KZ-2026-{n:06}"),
        method: None,
    };
    let answer = fake.transaction_json(&t);
    inner.by_request_id.insert(request_id, id.clone());
    inner.transactions.insert(id, t);
    (StatusCode::CREATED, JsonBody(answer)).into_response()
}

/// PROTOCOLS.md's rules for a PaymentRequest.
fn check_payment_request(r: &Value) -> Result<(), String> {
    let text = |name: &str| {
        r[name]
            .as_str()
            .ok_or_else(|| format!("{name} missing or not a string"))
    };
    let request_id = text("requestId")?;
    if request_id.is_empty() || request_id.chars().count() > 36 {
        return Err("requestId must have 1 to 36 characters".into());
    }
    let timestamp = text("requestTimestamp")?;
    if timestamp.len() < 19 || !timestamp.contains('T') {
        return Err("requestTimestamp is not ISO 8601".into());
    }
    if text("currency")? != "EUR" {
        return Err("currency must be EUR".into());
    }
    let gros = cents(&r["grosAmount"]).ok_or("grosAmount must be a number of euros")?;
    if gros <= 0 {
        return Err("grosAmount must be positive".into());
    }
    if text("purpose")?.chars().count() > 27 {
        return Err("purpose has more than 27 characters".into());
    }
    if text("description")?.chars().count() > 250 {
        return Err("description has more than 250 characters".into());
    }
    text("redirectUrl")?;
    let items = r["items"].as_array().ok_or("items missing")?;
    let mut sum = 0;
    for item in items {
        for field in ["id", "reference", "description"] {
            if !item[field].is_string() {
                return Err(format!("item {field} missing or not a string"));
            }
        }
        for field in [
            "taxRate",
            "quantity",
            "singleNetAmount",
            "singleTaxAmount",
            "totalNetAmount",
            "totalTaxAmount",
        ] {
            if !item[field].is_number() {
                return Err(format!("item {field} missing or not a number"));
            }
        }
        if !item["bookingData"].is_object() {
            return Err("item bookingData missing or not an object".into());
        }
        sum += cents(&item["totalNetAmount"]).unwrap_or(0)
            + cents(&item["totalTaxAmount"]).unwrap_or(0);
    }
    if sum != gros {
        return Err("the items do not add up to grosAmount".into());
    }
    Ok(())
}

fn cents(value: &Value) -> Option<i64> {
    value.as_f64().map(|euros| (euros * 100.0).round() as i64)
}

/// `GET {base}/paymenttransaction/{originatorId}/{endpointId}/{transactionId}`.
async fn status(
    State(fake): State<Arc<Fake>>,
    Path((originator, endpoint, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = fake.gate(&headers).await {
        return refused;
    }
    if originator != ORIGINATOR_ID || endpoint != ENDPOINT_ID {
        return message(StatusCode::NOT_FOUND, "unknown originator or endpoint");
    }
    let inner = fake.inner.lock().unwrap();
    match inner.transactions.get(&id) {
        Some(t) => JsonBody(fake.transaction_json(t)).into_response(),
        None => message(StatusCode::NOT_FOUND, "unknown transaction"),
    }
}

/// The payment page the citizen is sent to.
async fn pay_page(State(fake): State<Arc<Fake>>, Path(id): Path<String>) -> Response {
    let inner = fake.inner.lock().unwrap();
    match inner.transactions.get(&id) {
        Some(t) if t.status == "INITIAL" => Html(format!(
            "<!doctype html><html lang=\"de\"><head><title>Bezahlen</title></head><body>\
             <h1>Fake-Bezahlplattform</h1><p class=\"amount\">{} EUR</p>\
             <form method=\"post\"><button type=\"submit\">Bezahlen</button></form>\
             </body></html>",
            t.request["grosAmount"]
        ))
        .into_response(),
        Some(_) => (StatusCode::GONE, "transaction no longer open").into_response(),
        None => (StatusCode::NOT_FOUND, "unknown transaction").into_response(),
    }
}

/// The citizen pays: PAYED by credit card, then back to the portal's `redirectUrl`.
async fn pay(State(fake): State<Arc<Fake>>, Path(id): Path<String>) -> Response {
    let mut inner = fake.inner.lock().unwrap();
    match inner.transactions.get_mut(&id) {
        Some(t) if t.status == "INITIAL" => {
            t.status = "PAYED".into();
            t.method = Some("CREDITCARD".into());
            let back = t.request["redirectUrl"].as_str().unwrap_or("/").to_owned();
            Redirect::to(&back).into_response()
        }
        Some(_) => (StatusCode::GONE, "transaction no longer open").into_response(),
        None => (StatusCode::NOT_FOUND, "unknown transaction").into_response(),
    }
}

/// Hands axum the connections whose TLS handshake (with a client certificate) succeeded.
struct TlsListener {
    rx: tokio::sync::mpsc::Receiver<(tokio_rustls::server::TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(connection) => connection,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
