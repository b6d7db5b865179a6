//! A fake Stripe API on loopback that speaks Stripe's wire format, for the adapter and webhook tests.
//!
//! What it speaks, written from Stripe's API reference: form-encoded requests with
//! `Authorization: Bearer sk_test_...`, JSON objects shaped like the documented Checkout
//! Session, PaymentIntent, Charge, Refund and Event objects, Stripe's error shape
//! `{"error": {"type", "code", "message", "param"}}`, `Idempotency-Key` (a repeat with the
//! same parameters gets the first answer; other parameters under a used key are refused),
//! `expand[]` for `payment_intent` and `payment_intent.latest_charge`, and webhook
//! deliveries signed like Stripe signs them (`Stripe-Signature: t=...,v1=...`).
//!
//! ```ignore
//! let fake = FakeStripe::start().await;
//! let stripe = payments::stripe::Stripe::new(fake.config())?;
//! let created = stripe.create(&request).await?;
//! fake.set_outcome(&created.provider_reference, Outcome::PaidByCard);
//! let delivery = fake.event(&created.provider_reference, EventType::Completed);
//! fake.deliver("http://127.0.0.1:PORT/webhooks/stripe", &delivery).await?;
//! // A repeat is the same event: deliver the same `Delivery` again, or `fake.resign(&d, t)`
//! // for a retry signed later; `d.forged()`, `fake.stale_event(..)` for the refused ones.
//! ```
//!
//! Endpoints: `POST /v1/checkout/sessions`, `GET /v1/checkout/sessions/{id}`,
//! `POST /v1/refunds`, `GET /v1/refunds/{id}`, `GET /v1/payment_intents/{id}`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use hmac::{Hmac, Mac};
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::{Value, json};
use sha2::Sha256;

/// The API version the fake claims in events (the one `async-stripe` 1.0.0-rc.10 speaks).
pub const API_VERSION: &str = "2026-09-30.endive";

/// What became of a Checkout Session, set by the test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The citizen has not paid (yet): `open`, `unpaid`, no PaymentIntent.
    Open,
    /// Paid by card: `complete`, `paid`, PaymentIntent `succeeded`, charge `succeeded`.
    PaidByCard,
    /// SEPA Direct Debit submitted, still processing: `complete`, `unpaid`, PaymentIntent
    /// `processing`, charge `pending`.
    SepaProcessing,
    /// SEPA Direct Debit went through: `complete`, `paid`, PaymentIntent `succeeded`.
    SepaPaid,
    /// SEPA Direct Debit failed later: `complete`, `unpaid`, PaymentIntent
    /// `requires_payment_method`, charge `failed`.
    AsyncPaymentFailed,
    /// Never paid within its lifetime: `expired`, `unpaid`, no PaymentIntent.
    Expired,
}

/// The Checkout Session events the portal listens to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    Completed,
    AsyncPaymentSucceeded,
    AsyncPaymentFailed,
    Expired,
}

impl EventType {
    pub const ALL: [EventType; 4] = [
        EventType::Completed,
        EventType::AsyncPaymentSucceeded,
        EventType::AsyncPaymentFailed,
        EventType::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Completed => "checkout.session.completed",
            EventType::AsyncPaymentSucceeded => "checkout.session.async_payment_succeeded",
            EventType::AsyncPaymentFailed => "checkout.session.async_payment_failed",
            EventType::Expired => "checkout.session.expired",
        }
    }
}

/// One webhook delivery: the raw body and its `Stripe-Signature` header.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub event_id: String,
    /// The session the event is about (`None` for events about other objects).
    pub session_id: Option<String>,
    pub body: Vec<u8>,
    pub signature: String,
}

impl Delivery {
    /// The headers Stripe sends with a delivery.
    pub fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        h.insert(
            "user-agent",
            HeaderValue::from_static("Stripe/1.0 (+https://stripe.com/docs/webhooks)"),
        );
        h.insert(
            "stripe-signature",
            HeaderValue::from_str(&self.signature).expect("ASCII signature"),
        );
        h
    }

    /// The same body signed with a secret nobody configured (same timestamp).
    pub fn forged(&self) -> Delivery {
        let t = signature_timestamp(&self.signature).unwrap_or_else(now);
        Delivery {
            signature: signature_header(&random_id("whsec_", 32), t, &self.body),
            ..self.clone()
        }
    }

    /// The body changed after signing (one character of the event id), signature kept.
    pub fn tampered(&self) -> Delivery {
        let mut body = self.body.clone();
        if let Some(pos) = body.windows(4).position(|w| w == b"evt_") {
            body[pos + 4] = if body[pos + 4] == b'X' { b'Y' } else { b'X' };
        } else {
            body.push(b' ');
        }
        Delivery {
            body,
            ..self.clone()
        }
    }
}

/// `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, as Stripe signs a delivery.
pub fn signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", v1_signature(secret, timestamp, body))
}

/// The hex `v1` signature alone, for headers with several (secret rotation).
pub fn v1_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn signature_timestamp(header: &str) -> Option<i64> {
    header
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .and_then(|t| t.parse().ok())
}

/// The current Unix time in seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn random_id(prefix: &str, len: usize) -> String {
    let tail: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect();
    format!("{prefix}{tail}")
}

/// A request as the fake received it, for the tests to look at.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The query string's pairs, percent-decoded (`expand[0]` = `payment_intent`).
    pub query: Vec<(String, String)>,
    /// The form body's pairs, percent-decoded, in the order sent
    /// (`line_items[0][price_data][unit_amount]` = `3500`).
    pub form: Vec<(String, String)>,
    pub idempotency_key: Option<String>,
    pub stripe_version: Option<String>,
    pub authorized: bool,
}

impl RecordedRequest {
    /// The value of one form field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug)]
struct LineItem {
    name: String,
    currency: String,
    unit_amount: i64,
    quantity: i64,
}

#[derive(Clone, Debug)]
struct Charge {
    id: String,
    status: &'static str,
    amount_refunded: i64,
}

#[derive(Clone, Debug)]
struct Intent {
    id: String,
    status: &'static str,
    method: &'static str,
    charge: Option<Charge>,
    created: i64,
}

#[derive(Clone, Debug)]
struct Session {
    id: String,
    created: i64,
    expires_at: i64,
    currency: String,
    amount_total: i64,
    client_reference_id: Option<String>,
    success_url: Option<String>,
    cancel_url: Option<String>,
    metadata: BTreeMap<String, String>,
    intent_metadata: BTreeMap<String, String>,
    intent_description: Option<String>,
    allowed_payment_method_types: Option<Vec<String>>,
    line_items: Vec<LineItem>,
    status: &'static str,
    payment_status: &'static str,
    intent: Option<Intent>,
}

#[derive(Clone, Debug)]
struct Refund {
    id: String,
    amount: i64,
    currency: String,
    charge: String,
    payment_intent: String,
    status: &'static str,
    created: i64,
    method: &'static str,
}

/// A saved answer to an idempotent request.
struct Saved {
    method: String,
    path: String,
    params: Vec<(String, String)>,
    status: StatusCode,
    body: Value,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<String, Session>,
    intents: HashMap<String, String>,
    refunds: HashMap<String, Refund>,
    idempotent: HashMap<String, Saved>,
    requests: Vec<RecordedRequest>,
    injected: VecDeque<(StatusCode, Value)>,
}

struct Shared {
    secret_key: String,
    webhook_secret: String,
    unavailable: AtomicBool,
    delay_ms: AtomicU64,
    inner: Mutex<Inner>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The fake Stripe API, running until dropped (or [`FakeStripe::shut_down`]).
pub struct FakeStripe {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
    http: reqwest::Client,
}

impl Drop for FakeStripe {
    fn drop(&mut self) {
        if let Some(server) = self.server.lock().unwrap_or_else(|e| e.into_inner()).take() {
            server.abort();
        }
    }
}

impl FakeStripe {
    /// Starts the fake on 127.0.0.1 on a free port, with a fresh `sk_test_...` key and a
    /// fresh `whsec_...` webhook secret.
    pub async fn start() -> FakeStripe {
        let shared = Arc::new(Shared {
            secret_key: random_id("sk_test_", 24),
            webhook_secret: random_id("whsec_", 32),
            unavailable: AtomicBool::new(false),
            delay_ms: AtomicU64::new(0),
            inner: Mutex::new(Inner::default()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeStripe {
            addr,
            shared,
            server: Mutex::new(Some(server)),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("reqwest client"),
        }
    }

    /// `http://127.0.0.1:PORT` (the client appends `/v1/...`).
    pub fn api_base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn secret_key(&self) -> &str {
        &self.shared.secret_key
    }

    pub fn webhook_secret(&self) -> &str {
        &self.shared.webhook_secret
    }

    /// An adapter configuration pointing at this fake: its key, its webhook secret, the
    /// account's payment methods, a 5 s timeout.
    pub fn config(&self) -> payments::stripe::StripeConfig {
        let mut c = payments::stripe::StripeConfig::new(
            self.secret_key(),
            vec![self.webhook_secret().to_owned()],
        );
        c.api_base = Some(self.api_base());
        c.timeout = Duration::from_secs(5);
        c
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The requests to create Checkout Sessions, in order.
    pub fn create_requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/checkout/sessions")
            .cloned()
            .collect()
    }

    pub fn session_count(&self) -> usize {
        self.shared.lock().sessions.len()
    }

    pub fn session_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.shared.lock().sessions.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The session's amount as Stripe computed it from the line items.
    pub fn amount_total(&self, session_id: &str) -> Option<i64> {
        self.shared
            .lock()
            .sessions
            .get(session_id)
            .map(|s| s.amount_total)
    }

    /// The session's line items as the fake read them: `(name, unit amount, quantity)`.
    pub fn line_items(&self, session_id: &str) -> Vec<(String, i64, i64)> {
        self.shared
            .lock()
            .sessions
            .get(session_id)
            .map(|s| {
                s.line_items
                    .iter()
                    .map(|l| (l.name.clone(), l.unit_amount, l.quantity))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The session's PaymentIntent id, once it has one.
    pub fn payment_intent_id(&self, session_id: &str) -> Option<String> {
        self.shared
            .lock()
            .sessions
            .get(session_id)
            .and_then(|s| s.intent.as_ref().map(|i| i.id.clone()))
    }

    /// Refunds made through the API for the session's payment: `(id, amount)`.
    pub fn refunds(&self, session_id: &str) -> Vec<(String, i64)> {
        let inner = self.shared.lock();
        let Some(pi) = inner
            .sessions
            .get(session_id)
            .and_then(|s| s.intent.as_ref().map(|i| i.id.clone()))
        else {
            return Vec::new();
        };
        let mut out: Vec<(String, i64, i64)> = inner
            .refunds
            .values()
            .filter(|r| r.payment_intent == pi)
            .map(|r| (r.id.clone(), r.amount, r.created))
            .collect();
        out.sort_by_key(|r| r.2);
        out.into_iter()
            .map(|(id, amount, _)| (id, amount))
            .collect()
    }

    /// Sets what became of a session (panics if the fake does not know it).
    pub fn set_outcome(&self, session_id: &str, outcome: Outcome) {
        let mut inner = self.shared.lock();
        let Inner {
            sessions, intents, ..
        } = &mut *inner;
        let session = sessions
            .get_mut(session_id)
            .unwrap_or_else(|| panic!("unknown session {session_id}"));
        apply_outcome(session, outcome);
        if let Some(i) = &session.intent {
            intents.insert(i.id.clone(), session.id.clone());
        }
    }

    /// Sets the amount refunded on the session's charge, as if refunded in the dashboard
    /// (the session must have a charge).
    pub fn set_refunded(&self, session_id: &str, cents: i64) {
        let mut inner = self.shared.lock();
        let session = inner
            .sessions
            .get_mut(session_id)
            .unwrap_or_else(|| panic!("unknown session {session_id}"));
        let charge = session
            .intent
            .as_mut()
            .and_then(|i| i.charge.as_mut())
            .unwrap_or_else(|| panic!("session {session_id} has no charge"));
        charge.amount_refunded = cents;
    }

    /// While set, every request gets `503` with Stripe's error shape.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.shared.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// Every answer waits this long first (for timeouts).
    pub fn set_delay(&self, delay: Duration) {
        self.shared
            .delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// The next request gets this error, in Stripe's shape:
    /// `{"error": {"type", "code", "message"}}` (`code` left out when `None`).
    pub fn fail_next(&self, status: u16, type_: &str, code: Option<&str>, message: &str) {
        let mut error = json!({ "type": type_, "message": message });
        if let Some(code) = code {
            error["code"] = json!(code);
        }
        let status = StatusCode::from_u16(status).expect("valid status");
        self.shared
            .lock()
            .injected
            .push_back((status, json!({ "error": error })));
    }

    /// Stops listening: connections are refused from now on.
    pub fn shut_down(&self) {
        if let Some(server) = self.server.lock().unwrap_or_else(|e| e.into_inner()).take() {
            server.abort();
        }
    }

    /// The Event object Stripe would send for the session as it is now (its
    /// `data.object` is the session, PaymentIntent not expanded).
    pub fn event_json(&self, session_id: &str, event_type: EventType) -> Value {
        let inner = self.shared.lock();
        let session = inner
            .sessions
            .get(session_id)
            .unwrap_or_else(|| panic!("unknown session {session_id}"));
        let object = session_json(session, Expand::None);
        event_envelope(object, event_type.as_str(), now())
    }

    /// A delivery of the event, signed now with the fake's webhook secret.
    pub fn event(&self, session_id: &str, event_type: EventType) -> Delivery {
        self.event_at(session_id, event_type, now())
    }

    /// A delivery signed at `timestamp` (e.g. `now() - 301` for a stale one).
    pub fn event_at(&self, session_id: &str, event_type: EventType, timestamp: i64) -> Delivery {
        let event = self.event_json(session_id, event_type);
        self.sign_event(&event, Some(session_id.to_owned()), timestamp)
    }

    /// Signs any event JSON with the fake's webhook secret.
    pub fn sign_event(
        &self,
        event: &Value,
        session_id: Option<String>,
        timestamp: i64,
    ) -> Delivery {
        let body = serde_json::to_vec(event).expect("JSON");
        Delivery {
            event_id: event["id"].as_str().unwrap_or_default().to_owned(),
            session_id,
            signature: signature_header(&self.shared.webhook_secret, timestamp, &body),
            body,
        }
    }

    /// The same event (same id and body) signed again at `timestamp`, as Stripe signs each
    /// retry of a delivery anew.
    pub fn resign(&self, delivery: &Delivery, timestamp: i64) -> Delivery {
        Delivery {
            signature: signature_header(&self.shared.webhook_secret, timestamp, &delivery.body),
            ..delivery.clone()
        }
    }

    /// A delivery signed `seconds` ago.
    pub fn stale_event(&self, session_id: &str, event_type: EventType, seconds: i64) -> Delivery {
        self.event_at(session_id, event_type, now() - seconds)
    }

    /// A delivery signed with a secret the fake does not have.
    pub fn forged_event(&self, session_id: &str, event_type: EventType) -> Delivery {
        self.event(session_id, event_type).forged()
    }

    /// An event about another kind of object (a `charge.refunded`), signed.
    pub fn charge_event(&self, session_id: &str) -> Delivery {
        let inner = self.shared.lock();
        let session = inner
            .sessions
            .get(session_id)
            .unwrap_or_else(|| panic!("unknown session {session_id}"));
        let intent = session
            .intent
            .as_ref()
            .unwrap_or_else(|| panic!("session {session_id} has no payment"));
        let charge = intent
            .charge
            .as_ref()
            .unwrap_or_else(|| panic!("session {session_id} has no charge"));
        let object = charge_json(session, intent, charge);
        drop(inner);
        let event = event_envelope(object, "charge.refunded", now());
        self.sign_event(&event, None, now())
    }

    /// POSTs a delivery to `url` with Stripe's headers; the receiver's status comes back.
    pub async fn deliver(&self, url: &str, delivery: &Delivery) -> reqwest::Result<StatusCode> {
        let response = self
            .http
            .post(url)
            .header("content-type", "application/json; charset=utf-8")
            .header(
                "user-agent",
                "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            )
            .header("stripe-signature", &delivery.signature)
            .body(delivery.body.clone())
            .send()
            .await?;
        Ok(StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY))
    }
}

fn apply_outcome(session: &mut Session, outcome: Outcome) {
    let t = now();
    let method = match outcome {
        Outcome::PaidByCard => "card",
        _ => "sepa_debit",
    };
    let intent = || {
        let (id, created) = session
            .intent
            .as_ref()
            .map(|i| (i.id.clone(), i.created))
            .unwrap_or_else(|| (random_id("pi_", 24), t));
        let charge_id = session
            .intent
            .as_ref()
            .and_then(|i| i.charge.as_ref().map(|c| c.id.clone()))
            .unwrap_or_else(|| random_id("ch_", 24));
        (id, created, charge_id)
    };
    let (status, payment_status, new_intent) = match outcome {
        Outcome::Open => ("open", "unpaid", None),
        Outcome::Expired => ("expired", "unpaid", None),
        Outcome::PaidByCard | Outcome::SepaPaid => {
            let (id, created, ch) = intent();
            (
                "complete",
                "paid",
                Some((id, created, "succeeded", ch, "succeeded")),
            )
        }
        Outcome::SepaProcessing => {
            let (id, created, ch) = intent();
            (
                "complete",
                "unpaid",
                Some((id, created, "processing", ch, "pending")),
            )
        }
        Outcome::AsyncPaymentFailed => {
            let (id, created, ch) = intent();
            (
                "complete",
                "unpaid",
                Some((id, created, "requires_payment_method", ch, "failed")),
            )
        }
    };
    session.status = status;
    session.payment_status = payment_status;
    session.intent = new_intent.map(|(id, created, pi_status, charge_id, charge_status)| {
        let refunded = session
            .intent
            .as_ref()
            .and_then(|i| i.charge.as_ref())
            .map_or(0, |c| c.amount_refunded);
        Intent {
            id,
            status: pi_status,
            method,
            created,
            charge: Some(Charge {
                id: charge_id,
                status: charge_status,
                amount_refunded: refunded,
            }),
        }
    });
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expand {
    None,
    PaymentIntent,
    LatestCharge,
}

fn stripe_error(
    status: StatusCode,
    type_: &str,
    code: Option<&str>,
    message: &str,
    param: Option<&str>,
) -> (StatusCode, Value) {
    let mut error = json!({
        "type": type_,
        "message": message,
    });
    if let Some(code) = code {
        error["code"] = json!(code);
        error["doc_url"] = json!(format!(
            "https://stripe.com/docs/error-codes/{}",
            code.replace('_', "-")
        ));
    }
    if let Some(param) = param {
        error["param"] = json!(param);
    }
    error["request_log_url"] = json!(format!(
        "https://dashboard.stripe.com/test/logs/{}",
        random_id("req_", 14)
    ));
    (status, json!({ "error": error }))
}

fn missing(param: &str) -> (StatusCode, Value) {
    stripe_error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("parameter_missing"),
        &format!("Missing required param: {param}."),
        Some(param),
    )
}

fn invalid(param: &str, message: &str) -> (StatusCode, Value) {
    stripe_error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("parameter_invalid_integer"),
        message,
        Some(param),
    )
}

fn no_such(kind: &str, id: &str, param: &str) -> (StatusCode, Value) {
    stripe_error(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        Some("resource_missing"),
        &format!("No such {kind}: '{id}'"),
        Some(param),
    )
}

fn respond(status: StatusCode, body: &Value, replayed: bool) -> Response {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("request-id", random_id("req_", 14))
        .header("stripe-version", API_VERSION);
    if replayed {
        builder = builder.header("idempotent-replayed", "true");
    }
    builder
        .body(Body::from(serde_json::to_vec(body).expect("JSON")))
        .expect("response")
}

fn pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, ()> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes).map_err(|_| ())
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let delay = shared.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let authorized =
        header("authorization").as_deref() == Some(&format!("Bearer {}", shared.secret_key));
    let query = pairs(uri.query().unwrap_or("").as_bytes()).unwrap_or_default();
    let form = pairs(&body);
    let recorded = RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: query.clone(),
        form: form.clone().unwrap_or_default(),
        idempotency_key: header("idempotency-key"),
        stripe_version: header("stripe-version"),
        authorized,
    };
    let idempotency_key = recorded.idempotency_key.clone();
    let mut inner = shared.lock();
    inner.requests.push(recorded);

    if shared.unavailable.load(Ordering::SeqCst) {
        let (s, b) = stripe_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "api_error",
            None,
            "The service is temporarily unavailable. Please try again later.",
            None,
        );
        return respond(s, &b, false);
    }
    if let Some((s, b)) = inner.injected.pop_front() {
        return respond(s, &b, false);
    }
    if !authorized {
        let shown = header("authorization")
            .and_then(|a| a.strip_prefix("Bearer ").map(str::to_owned))
            .map(|k| {
                let tail: String = k
                    .chars()
                    .rev()
                    .take(4)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                format!("Invalid API Key provided: sk_test_****{tail}")
            })
            .unwrap_or_else(|| "You did not provide an API key.".to_owned());
        let (s, b) = stripe_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            None,
            &shown,
            None,
        );
        return respond(s, &b, false);
    }
    let Ok(form) = form else {
        let (s, b) = stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            None,
            "Invalid request body: expected application/x-www-form-urlencoded.",
            None,
        );
        return respond(s, &b, false);
    };

    // Idempotency: the same key with the same endpoint and parameters (compared as a set,
    // like Stripe compares parsed parameters) replays the saved answer.
    let mut sorted = form.clone();
    sorted.sort();
    let path = uri.path().to_owned();
    if method == Method::POST
        && let Some(key) = &idempotency_key
        && let Some(saved) = inner.idempotent.get(key)
    {
        if saved.method == method.as_str() && saved.path == path && saved.params == sorted {
            return respond(saved.status, &saved.body, true);
        }
        let (s, b) = stripe_error(
            StatusCode::BAD_REQUEST,
            "idempotency_error",
            None,
            &format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
            ),
            None,
        );
        return respond(s, &b, false);
    }

    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let expand = expand_of(&query);
    let (status, body) = match (&method, segments.as_slice()) {
        (&Method::POST, ["v1", "checkout", "sessions"]) => create_session(&mut inner, &form),
        (&Method::GET, ["v1", "checkout", "sessions", id]) => match inner.sessions.get(*id) {
            Some(s) => (StatusCode::OK, session_json(s, expand)),
            None => no_such("checkout.session", id, "session"),
        },
        (&Method::GET, ["v1", "payment_intents", id]) => {
            let found = inner
                .intents
                .get(*id)
                .and_then(|s| inner.sessions.get(s))
                .and_then(|s| s.intent.as_ref().filter(|i| i.id == *id).map(|i| (s, i)));
            match found {
                Some((s, i)) => (
                    StatusCode::OK,
                    payment_intent_json(s, i, expand != Expand::None),
                ),
                None => no_such("payment_intent", id, "intent"),
            }
        }
        (&Method::POST, ["v1", "refunds"]) => create_refund(&mut inner, &form),
        (&Method::GET, ["v1", "refunds", id]) => match inner.refunds.get(*id) {
            Some(r) => (StatusCode::OK, refund_json(r)),
            None => no_such("refund", id, "refund"),
        },
        _ => stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            None,
            &format!(
                "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
            ),
            None,
        ),
    };
    if method == Method::POST
        && status.is_success()
        && let Some(key) = idempotency_key
    {
        inner.idempotent.insert(
            key,
            Saved {
                method: method.to_string(),
                path,
                params: sorted,
                status,
                body: body.clone(),
            },
        );
    }
    respond(status, &body, false)
}

fn expand_of(query: &[(String, String)]) -> Expand {
    let mut e = Expand::None;
    for (k, v) in query {
        if k == "expand" || k.starts_with("expand[") {
            match v.as_str() {
                "payment_intent.latest_charge" | "latest_charge" => e = Expand::LatestCharge,
                "payment_intent" if e == Expand::None => e = Expand::PaymentIntent,
                _ => {}
            }
        }
    }
    e
}

/// Top-level parameters of `POST /v1/checkout/sessions` the fake knows; anything else is
/// refused like Stripe refuses unknown parameters (`payment_method_types` is gone in
/// 2026-09-30.endive).
const SESSION_PARAMS: &[&str] = &[
    "mode",
    "line_items",
    "success_url",
    "cancel_url",
    "client_reference_id",
    "metadata",
    "payment_intent_data",
    "allowed_payment_method_types",
    "excluded_payment_method_types",
    "expires_at",
    "expand",
    "customer_email",
    "locale",
    "submit_type",
    "currency",
];

fn top_level(key: &str) -> &str {
    key.split('[').next().unwrap_or(key)
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn bracketed_map(form: &[(String, String)], prefix: &str) -> BTreeMap<String, String> {
    form.iter()
        .filter_map(|(k, v)| {
            let inner = k
                .strip_prefix(prefix)?
                .strip_prefix('[')?
                .strip_suffix(']')?;
            (!inner.contains('[')).then(|| (inner.to_owned(), v.clone()))
        })
        .collect()
}

fn indexed_list(form: &[(String, String)], name: &str) -> Option<Vec<String>> {
    let values: Vec<String> = form
        .iter()
        .filter(|(k, _)| k.starts_with(&format!("{name}[")) && k.ends_with(']'))
        .map(|(_, v)| v.clone())
        .collect();
    (!values.is_empty()).then_some(values)
}

fn create_session(inner: &mut Inner, form: &[(String, String)]) -> (StatusCode, Value) {
    if let Some((k, _)) = form
        .iter()
        .find(|(k, _)| !SESSION_PARAMS.contains(&top_level(k)))
    {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some("parameter_unknown"),
            &format!("Received unknown parameter: {}", top_level(k)),
            Some(top_level(k)),
        );
    }
    match field(form, "mode") {
        None => return missing("mode"),
        Some("payment") => {}
        Some(other) => {
            return stripe_error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                None,
                &format!("The fake only knows mode=payment, not {other}."),
                Some("mode"),
            );
        }
    }
    let Some(success_url) = field(form, "success_url") else {
        return missing("success_url");
    };
    let mut line_items = Vec::new();
    for i in 0.. {
        let p = format!("line_items[{i}]");
        if !form.iter().any(|(k, _)| k.starts_with(&p)) {
            break;
        }
        let f = |rest: &str| field(form, &format!("{p}{rest}"));
        let Some(currency) = f("[price_data][currency]") else {
            return missing(&format!("{p}[price_data][currency]"));
        };
        let Some(name) = f("[price_data][product_data][name]") else {
            return missing(&format!("{p}[price_data][product_data][name]"));
        };
        let Some(unit) = f("[price_data][unit_amount]") else {
            return missing(&format!("{p}[price_data][unit_amount]"));
        };
        let Ok(unit_amount) = unit.parse::<i64>() else {
            return invalid(
                &format!("{p}[price_data][unit_amount]"),
                &format!("Invalid integer: {unit}"),
            );
        };
        if unit_amount < 0 {
            return invalid(
                &format!("{p}[price_data][unit_amount]"),
                &format!("Invalid non-negative integer: {unit}"),
            );
        }
        let Some(quantity) = f("[quantity]") else {
            return missing(&format!("{p}[quantity]"));
        };
        let Ok(quantity) = quantity.parse::<i64>() else {
            return invalid(&format!("{p}[quantity]"), "Invalid integer");
        };
        if quantity < 1 {
            return invalid(
                &format!("{p}[quantity]"),
                "This value must be greater than or equal to 1.",
            );
        }
        if currency != currency.to_ascii_lowercase() || currency.len() != 3 {
            return stripe_error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                None,
                &format!("Invalid currency: {currency}."),
                Some(&format!("{p}[price_data][currency]")),
            );
        }
        line_items.push(LineItem {
            name: name.to_owned(),
            currency: currency.to_owned(),
            unit_amount,
            quantity,
        });
    }
    if line_items.is_empty() {
        return missing("line_items");
    }
    let currency = line_items[0].currency.clone();
    if line_items.iter().any(|l| l.currency != currency) {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            None,
            "All line items must have the same currency.",
            Some("line_items"),
        );
    }
    let amount_total: i64 = line_items.iter().map(|l| l.unit_amount * l.quantity).sum();
    let created = now();
    let id = random_id("cs_test_a1", 56);
    let session = Session {
        id: id.clone(),
        created,
        expires_at: field(form, "expires_at")
            .and_then(|e| e.parse().ok())
            .unwrap_or(created + 86_400),
        currency,
        amount_total,
        client_reference_id: field(form, "client_reference_id").map(str::to_owned),
        success_url: Some(success_url.to_owned()),
        cancel_url: field(form, "cancel_url").map(str::to_owned),
        metadata: bracketed_map(form, "metadata"),
        intent_metadata: bracketed_map(form, "payment_intent_data[metadata]"),
        intent_description: field(form, "payment_intent_data[description]").map(str::to_owned),
        allowed_payment_method_types: indexed_list(form, "allowed_payment_method_types"),
        line_items,
        status: "open",
        payment_status: "unpaid",
        intent: None,
    };
    let body = session_json(&session, Expand::None);
    inner.sessions.insert(id, session);
    (StatusCode::OK, body)
}

fn create_refund(inner: &mut Inner, form: &[(String, String)]) -> (StatusCode, Value) {
    let Some(pi) = field(form, "payment_intent").or(field(form, "charge")) else {
        return missing("payment_intent");
    };
    let Some(session_id) = inner.intents.get(pi).cloned() else {
        return no_such("payment_intent", pi, "payment_intent");
    };
    let Some(session) = inner.sessions.get_mut(&session_id) else {
        return no_such("payment_intent", pi, "payment_intent");
    };
    let amount_total = session.amount_total;
    let currency = session.currency.clone();
    let Some(intent) = session.intent.as_mut() else {
        return no_such("payment_intent", pi, "payment_intent");
    };
    let method = intent.method;
    let intent_id = intent.id.clone();
    let Some(charge) = intent.charge.as_mut().filter(|c| c.status == "succeeded") else {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some("charge_not_refundable"),
            &format!("This PaymentIntent ({pi}) does not have a successful charge to refund."),
            Some("payment_intent"),
        );
    };
    let remaining = amount_total - charge.amount_refunded;
    let amount = match field(form, "amount") {
        None => remaining,
        Some(a) => match a.parse::<i64>() {
            Ok(a) if a > 0 => a,
            _ => return invalid("amount", &format!("Invalid positive integer: {a}")),
        },
    };
    if remaining == 0 {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some("charge_already_refunded"),
            &format!("Charge {} has already been refunded.", charge.id),
            None,
        );
    }
    if amount > remaining {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some("amount_too_large"),
            &format!(
                "Refund amount ({}) is greater than unrefunded amount on charge ({}).",
                euros(amount),
                euros(remaining)
            ),
            Some("amount"),
        );
    }
    charge.amount_refunded += amount;
    let refund = Refund {
        id: random_id("re_", 24),
        amount,
        currency,
        charge: charge.id.clone(),
        payment_intent: intent_id,
        // Card refunds succeed at once; SEPA refunds take a few days.
        status: if method == "card" {
            "succeeded"
        } else {
            "pending"
        },
        created: now(),
        method,
    };
    let body = refund_json(&refund);
    inner.refunds.insert(refund.id.clone(), refund);
    (StatusCode::OK, body)
}

fn euros(cents: i64) -> String {
    format!("€{}.{:02}", cents / 100, cents % 100)
}

/// A Checkout Session object, after the example in Stripe's API reference.
fn session_json(s: &Session, expand: Expand) -> Value {
    let payment_intent = match (&s.intent, expand) {
        (None, _) => Value::Null,
        (Some(i), Expand::None) => json!(i.id),
        (Some(i), Expand::PaymentIntent) => payment_intent_json(s, i, false),
        (Some(i), Expand::LatestCharge) => payment_intent_json(s, i, true),
    };
    let payment_method_types = s
        .allowed_payment_method_types
        .clone()
        .unwrap_or_else(|| vec!["card".into(), "sepa_debit".into()]);
    let complete = s.status == "complete";
    let customer_details = if complete {
        json!({
            "address": {
                "city": "Musterstadt",
                "country": "DE",
                "line1": "Hauptstraße 1",
                "line2": null,
                "postal_code": "12345",
                "state": null
            },
            "business_name": null,
            "email": "erika.mustermann@example.org",
            "individual_name": null,
            "name": "Erika Mustermann",
            "phone": null,
            "tax_exempt": "none",
            "tax_ids": []
        })
    } else {
        Value::Null
    };
    let mut head = json!({
        "id": s.id,
        "object": "checkout.session",
        "adaptive_pricing": { "enabled": false },
        "after_expiration": null,
        "allow_promotion_codes": null,
        "allowed_payment_method_types": s.allowed_payment_method_types,
        "amount_subtotal": s.amount_total,
        "amount_total": s.amount_total,
        "automatic_tax": { "enabled": false, "liability": null, "provider": null, "status": null },
        "billing_address_collection": null,
        "branding_settings": null,
        "cancel_url": s.cancel_url,
        "client_reference_id": s.client_reference_id,
        "client_secret": null,
        "collected_information": null,
        "consent": null,
        "consent_collection": null,
        "created": s.created,
        "currency": s.currency,
        "currency_conversion": null,
        "custom_fields": [],
        "custom_text": {
            "after_submit": null,
            "shipping_address": null,
            "submit": null,
            "terms_of_service_acceptance": null
        },
        "customer": null,
        "customer_account": null,
        "customer_creation": "if_required",
    });
    // Two literals: one would pass `json!`'s recursion limit.
    let rest = json!({
        "customer_details": customer_details,
        "customer_email": null,
        "discounts": [],
        "excluded_payment_method_types": null,
        "expires_at": s.expires_at,
        "invoice": null,
        "invoice_creation": {
            "enabled": false,
            "invoice_data": {
                "account_tax_ids": null,
                "custom_fields": null,
                "description": null,
                "footer": null,
                "issuer": null,
                "metadata": {},
                "rendering_options": null
            }
        },
        "livemode": false,
        "locale": null,
        "metadata": s.metadata,
        "mode": "payment",
        "origin_context": null,
        "payment_intent": payment_intent,
        "payment_link": null,
        "payment_method_collection": "if_required",
        "payment_method_configuration_details": null,
        "payment_method_options": {
            "card": { "request_three_d_secure": "automatic" },
            "sepa_debit": {}
        },
        "payment_method_types": payment_method_types,
        "payment_status": s.payment_status,
        "permissions": null,
        "phone_number_collection": { "enabled": false },
        "presentment_details": null,
        "recovered_from": null,
        "saved_payment_method_options": null,
        "setup_intent": null,
        "shipping_address_collection": null,
        "shipping_cost": null,
        "shipping_options": [],
        "status": s.status,
        "submit_type": null,
        "subscription": null,
        "success_url": s.success_url,
        "total_details": { "amount_discount": 0, "amount_shipping": 0, "amount_tax": 0 },
        "ui_mode": "hosted_page",
        "url": if s.status == "open" {
            json!(format!("https://checkout.stripe.com/c/pay/{}#fidkdWxOYHwnPyd1blpxYHZxWjA0", s.id))
        } else {
            Value::Null
        },
        "wallet_options": null
    });
    merge(&mut head, rest);
    head
}

/// `json!` has a recursion limit: long objects are written as two literals and joined.
fn merge(head: &mut Value, rest: Value) {
    if let (Value::Object(head), Value::Object(rest)) = (head, rest) {
        head.extend(rest);
    }
}

/// A PaymentIntent object, after the example in Stripe's API reference.
fn payment_intent_json(s: &Session, i: &Intent, expand_charge: bool) -> Value {
    let succeeded = i.status == "succeeded";
    let latest_charge = match (&i.charge, expand_charge) {
        (None, _) => Value::Null,
        (Some(c), false) => json!(c.id),
        (Some(c), true) => charge_json(s, i, c),
    };
    let last_payment_error = if i.status == "requires_payment_method" {
        json!({
            "code": "insufficient_funds",
            "doc_url": "https://stripe.com/docs/error-codes/insufficient-funds",
            "message": "The customer's account has insufficient funds to cover this payment.",
            "type": "card_error"
        })
    } else {
        Value::Null
    };
    let payment_method = format!("pm_{}", &i.id[3..]);
    json!({
        "id": i.id,
        "object": "payment_intent",
        "amount": s.amount_total,
        "amount_capturable": 0,
        "amount_details": { "tip": {} },
        "amount_received": if succeeded { s.amount_total } else { 0 },
        "application": null,
        "application_fee_amount": null,
        "automatic_payment_methods": null,
        "canceled_at": null,
        "cancellation_reason": null,
        "capture_method": "automatic",
        "client_secret": format!("{}_secret_{}", i.id, "Zx81aQ3LkPq0"),
        "confirmation_method": "automatic",
        "created": i.created,
        "currency": s.currency,
        "customer": null,
        "description": s.intent_description,
        "last_payment_error": last_payment_error,
        "latest_charge": latest_charge,
        "livemode": false,
        "metadata": s.intent_metadata,
        "next_action": null,
        "on_behalf_of": null,
        "payment_method": payment_method,
        "payment_method_configuration_details": null,
        "payment_method_options": if i.method == "card" {
            json!({ "card": { "installments": null, "mandate_options": null, "network": null, "request_three_d_secure": "automatic" } })
        } else {
            json!({ "sepa_debit": {} })
        },
        "payment_method_types": [i.method],
        "processing": null,
        "receipt_email": null,
        "review": null,
        "setup_future_usage": null,
        "shipping": null,
        "source": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": i.status,
        "transfer_data": null,
        "transfer_group": null
    })
}

/// A Charge object, after the example in Stripe's API reference.
fn charge_json(s: &Session, i: &Intent, c: &Charge) -> Value {
    let method_details = if i.method == "card" {
        json!({
            "card": {
                "amount_authorized": s.amount_total,
                "brand": "visa",
                "checks": { "address_line1_check": null, "address_postal_code_check": null, "cvc_check": "pass" },
                "country": "DE",
                "exp_month": 12,
                "exp_year": 2030,
                "fingerprint": "Xt5EWLLDS7FJjR1c",
                "funding": "credit",
                "installments": null,
                "last4": "4242",
                "mandate": null,
                "network": "visa",
                "three_d_secure": null,
                "wallet": null
            },
            "type": "card"
        })
    } else {
        json!({
            "sepa_debit": {
                "bank_code": "37040044",
                "branch_code": "",
                "country": "DE",
                "fingerprint": "vifs0Ho7vwRn1Miu",
                "last4": "3000",
                "mandate": "mandate_1OyD5E2eZvKYlo2C"
            },
            "type": "sepa_debit"
        })
    };
    let (outcome, failure_code, failure_message) = match c.status {
        "failed" => (
            json!({ "network_status": "declined_by_network", "reason": "insufficient_funds", "risk_level": "normal", "seller_message": "The bank returned the decline code `insufficient_funds`.", "type": "issuer_declined" }),
            json!("insufficient_funds"),
            json!("The customer's account has insufficient funds to cover this payment."),
        ),
        _ => (
            json!({ "network_status": "approved_by_network", "reason": null, "risk_level": "normal", "risk_score": 32, "seller_message": "Payment complete.", "type": "authorized" }),
            Value::Null,
            Value::Null,
        ),
    };
    let mut head = json!({
        "id": c.id,
        "object": "charge",
        "amount": s.amount_total,
        "amount_captured": if c.status == "failed" { 0 } else { s.amount_total },
        "amount_refunded": c.amount_refunded,
        "application": null,
        "application_fee": null,
        "application_fee_amount": null,
        "balance_transaction": if c.status == "succeeded" { json!(format!("txn_{}", &c.id[3..])) } else { Value::Null },
        "billing_details": {
            "address": { "city": null, "country": "DE", "line1": null, "line2": null, "postal_code": null, "state": null },
            "email": "erika.mustermann@example.org",
            "name": "Erika Mustermann",
            "phone": null,
            "tax_id": null
        },
        "calculated_statement_descriptor": "STADT MUSTERSTADT",
        "captured": c.status != "failed",
        "created": i.created,
        "currency": s.currency,
        "customer": null,
        "description": s.intent_description,
        "disputed": false,
    });
    let rest = json!({
        "failure_balance_transaction": null,
        "failure_code": failure_code,
        "failure_message": failure_message,
        "fraud_details": {},
        "livemode": false,
        "metadata": s.intent_metadata,
        "on_behalf_of": null,
        "outcome": outcome,
        "paid": c.status == "succeeded",
        "payment_intent": i.id,
        "payment_method": format!("pm_{}", &i.id[3..]),
        "payment_method_details": method_details,
        "radar_options": {},
        "receipt_email": null,
        "receipt_number": null,
        "receipt_url": format!("https://pay.stripe.com/receipts/payment/{}", c.id),
        "refunded": c.amount_refunded >= s.amount_total,
        "review": null,
        "shipping": null,
        "source_transfer": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": c.status,
        "transfer_data": null,
        "transfer_group": null
    });
    merge(&mut head, rest);
    head
}

/// A Refund object, after the example in Stripe's API reference.
fn refund_json(r: &Refund) -> Value {
    let destination = if r.method == "card" {
        json!({
            "card": { "reference": null, "reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund" },
            "type": "card"
        })
    } else {
        json!({ "sepa_debit": { "reference": null, "reference_status": "pending", "reference_type": null }, "type": "sepa_debit" })
    };
    json!({
        "id": r.id,
        "object": "refund",
        "amount": r.amount,
        "balance_transaction": format!("txn_{}", &r.id[3..]),
        "charge": r.charge,
        "created": r.created,
        "currency": r.currency,
        "destination_details": destination,
        "metadata": {},
        "payment_intent": r.payment_intent,
        "reason": null,
        "receipt_number": null,
        "source_transfer_reversal": null,
        "status": r.status,
        "transfer_reversal": null
    })
}

/// An Event object around `object`, after the example in Stripe's API reference.
fn event_envelope(object: Value, event_type: &str, created: i64) -> Value {
    json!({
        "id": random_id("evt_", 24),
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": { "object": object },
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null },
        "type": event_type
    })
}
