//! FIT-Connect Submission API v2, sender side (docs/fit-connect.md, PROTOCOLS.md).
//!
//! One delivery:
//! 1. a token by OAuth2 client credentials (fetched per delivery);
//! 2. the destination and its encryption key, trusted only through its `x5c` chain to the
//!    configured root ([`keys`]);
//! 3. `POST /v2/submissions` announcing the attachments (the application PDF and every
//!    upload), then each attachment `PUT` as a JWE ([`jwe`]), then `PUT` of the encrypted
//!    metadata ([`metadata`]) and data (the case's answers, which `submissionSchema`
//!    describes);
//! 4. the event log read back and every token verified ([`set`]): `submit-submission`
//!    delivers (the outcome is `submission <id>`), `reject-submission` is a permanent failure,
//!    neither is retried later.
//!
//! FIT-Connect has no idempotency key. So that a retry does not send the case a second time,
//! the submission a try created is saved with the outbox job (its checkpoint) before anything
//! else is sent, and remembered in the process as well; the next try, on any instance and
//! after a crash too, first reads that submission's event log and only resends what is
//! missing. Only a crash between the platform's answer to `POST /v2/submissions` and the save
//! leaves a submission behind that is never completed (the platform drops it), and the case is
//! submitted anew; the metadata's `senderReference` (the delivery's idempotency key) lets the
//! receiver spot such a pair.

pub mod jwe;
pub mod keys;
pub mod metadata;
pub mod set;
pub mod wire;

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use rustls_pki_types::UnixTime;
use uuid::Uuid;

use super::config::FitConnectTarget;
use super::{Delivered, DeliveryError, Parcel};
use keys::Use;

/// The metadata schema version this connector writes.
pub use metadata::VERSION as METADATA_VERSION;

/// Delivers one case as a FIT-Connect submission; the outcome is `submission <id>`.
#[tracing::instrument(skip_all, fields(destination = %target.destination_id))]
pub async fn deliver(
    http: &reqwest::Client,
    target: &FitConnectTarget,
    parcel: &Parcel,
) -> Delivered {
    let service = metadata::leika_urn(&parcel.doc).map_err(DeliveryError::Permanent)?;
    let memo = format!("{}|{}", target.destination_id, parcel.idempotency_key);
    let result = run(http, target, parcel, &service, &memo).await;
    let submitted = progress::recall(&memo).is_some_and(|p| p.submitted);
    match &result {
        Ok(_) => progress::forget(&memo),
        // Refused before anything was sent: a retry (e.g. by an admin after fixing the
        // configuration) starts afresh. After sending, the memory stays so that a retry only
        // looks at the event log again.
        Err(DeliveryError::Permanent(_)) if !submitted => progress::forget(&memo),
        Err(_) => {}
    }
    result
}

async fn run(
    http: &reqwest::Client,
    target: &FitConnectTarget,
    parcel: &Parcel,
    service: &str,
    memo: &str,
) -> Delivered {
    let api = wire::Api::connect(http, target).await?;
    let mut known = progress::recall(memo).or_else(|| progress::from_checkpoint(parcel));

    if let Some(p) = known {
        // An earlier try created the submission: ask the platform how far it got before
        // sending anything again.
        match api.events(p.submission_id).await? {
            None => {
                tracing::warn!(submission = %p.submission_id, "FIT-Connect no longer knows the submission; starting anew");
                progress::forget(memo);
                known = None;
            }
            Some(log) => {
                if let Some(outcome) = confirm(&api, target, &p, memo, &log).await? {
                    return Ok(Some(outcome));
                }
                if p.submitted {
                    return Err(not_confirmed(&p));
                }
            }
        }
    }

    let to = encryption_key(&api, target).await?;
    let p = match known {
        Some(p) => p,
        None => {
            let pdf_id = Uuid::new_v4();
            let announced: Vec<Uuid> = metadata::attachments(parcel, pdf_id)
                .iter()
                .map(|a| a.id)
                .collect();
            let created = api
                .create(
                    target.destination_id,
                    &announced,
                    service,
                    &parcel.doc.service.title,
                )
                .await?;
            tracing::info!(submission = %created.submission_id, "FIT-Connect submission created");
            let p = progress::Progress {
                submission_id: created.submission_id,
                case_id: created.case_id,
                pdf_id,
                submitted: false,
                since: Instant::now(),
            };
            progress::remember(memo, p);
            // Saved before anything else goes out: a retry elsewhere continues this one.
            if let Some(c) = &parcel.checkpoint {
                c.save(&progress::to_checkpoint(&p)).await?;
            }
            p
        }
    };

    let attachments = metadata::attachments(parcel, p.pdf_id);
    for a in &attachments {
        let sealed = jwe::encrypt(&to, &a.mime_type, a.bytes).map_err(encryption_failed)?;
        api.upload(p.submission_id, a.id, sealed).await?;
    }
    // The data is the answers, which `submissionSchema` (the form version's answers schema)
    // describes; the rest of the case travels as metadata and attachments (the PDF).
    let data = serde_json::to_vec(&parcel.doc.answers).map_err(DeliveryError::permanent)?;
    let meta = metadata::metadata(parcel, service, &data, &attachments);
    let meta = serde_json::to_vec(&meta).map_err(DeliveryError::permanent)?;
    let encrypted_metadata = jwe::encrypt(&to, metadata::JSON, &meta).map_err(encryption_failed)?;
    let encrypted_data = jwe::encrypt(&to, metadata::JSON, &data).map_err(encryption_failed)?;
    api.submit(p.submission_id, encrypted_metadata, encrypted_data)
        .await?;
    progress::mark_submitted(memo);
    if let Some(c) = &parcel.checkpoint {
        let sent = progress::Progress {
            submitted: true,
            ..p
        };
        if c.save(&progress::to_checkpoint(&sent)).await.is_err() {
            tracing::warn!(submission = %p.submission_id, "could not save that the submission was sent");
        }
    }
    tracing::info!(submission = %p.submission_id, "FIT-Connect submission sent");

    // The platform may write `submit-submission` a moment after answering; a short look
    // again here saves a retry (which, on another instance, would send the case again).
    for pause in CONFIRM_PAUSES {
        tokio::time::sleep(pause).await;
        let log = api
            .events(p.submission_id)
            .await?
            .ok_or_else(|| not_confirmed(&p))?;
        if let Some(outcome) = confirm(&api, target, &p, memo, &log).await? {
            return Ok(Some(outcome));
        }
    }
    Err(not_confirmed(&p))
}

/// Before each read of the event log after sending.
const CONFIRM_PAUSES: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_millis(500),
    Duration::from_millis(1500),
];

fn encryption_failed(e: &str) -> DeliveryError {
    DeliveryError::Permanent(format!("encrypting for the destination failed: {e}"))
}

fn not_confirmed(p: &progress::Progress) -> DeliveryError {
    DeliveryError::Retry(format!(
        "submission {} is sent but the platform has not confirmed it yet",
        p.submission_id
    ))
}

/// The destination's checked encryption key.
async fn encryption_key(
    api: &wire::Api<'_>,
    target: &FitConnectTarget,
) -> Result<jwe::Recipient, DeliveryError> {
    let destination = api.destination(target.destination_id).await?;
    if let Some(status) = destination.status.as_deref()
        && status != "active"
    {
        return Err(DeliveryError::Permanent(format!(
            "the destination is {:?}, not active",
            wire::clean(status)
        )));
    }
    if let Some(versions) = &destination.metadata_versions
        && !versions.iter().any(|v| v == METADATA_VERSION)
    {
        return Err(DeliveryError::Permanent(format!(
            "the destination does not take metadata version {METADATA_VERSION}"
        )));
    }
    let kid = destination
        .encryption_kid
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            DeliveryError::Permanent("the destination names no encryption key".into())
        })?;
    let jwk = api.destination_key(target.destination_id, &kid).await?;
    if jwk.kid.as_deref().is_some_and(|k| k != kid) {
        return Err(DeliveryError::Permanent(
            "the destination's encryption key has another kid than announced".into(),
        ));
    }
    let key = keys::check_destination_key(
        &jwk,
        Use::WrapKey,
        &target.trust_anchor_pem,
        UnixTime::now(),
    )
    .map_err(|e| DeliveryError::Permanent(format!("the destination's encryption key {e}")))?;
    Ok(jwe::Recipient { kid, key })
}

/// Verifies every token of the event log. `Some(outcome)` once the platform confirms the
/// submission; `None` while it has not; an error when the destination rejected it or a
/// token cannot be trusted.
async fn confirm(
    api: &wire::Api<'_>,
    target: &FitConnectTarget,
    p: &progress::Progress,
    memo: &str,
    log: &[String],
) -> Result<Option<String>, DeliveryError> {
    let untrusted = |e: String| {
        DeliveryError::Permanent(format!(
            "the event log of submission {} cannot be trusted: a token {e}",
            p.submission_id
        ))
    };
    let mut platform: Option<keys::JwkSet> = None;
    let mut destination_keys: HashMap<String, rsa::RsaPublicKey> = HashMap::new();
    let mut events = Vec::with_capacity(log.len());
    for token in log {
        let unverified = set::parse(token, p.submission_id, p.case_id).map_err(untrusted)?;
        let key = if unverified.event.by_destination() {
            match destination_keys.get(&unverified.kid) {
                Some(k) => k.clone(),
                None => {
                    let jwk = api
                        .destination_key(target.destination_id, &unverified.kid)
                        .await?;
                    let k = keys::check_destination_key(
                        &jwk,
                        Use::Verify,
                        &target.trust_anchor_pem,
                        UnixTime::now(),
                    )
                    .map_err(|e| untrusted(format!("is signed by a destination key that {e}")))?;
                    destination_keys.insert(unverified.kid.clone(), k.clone());
                    k
                }
            }
        } else {
            if platform.is_none() {
                platform = Some(api.platform_keys().await?);
            }
            let jwk = platform
                .iter()
                .flat_map(|s| &s.keys)
                .find(|k| k.kid.as_deref() == Some(unverified.kid.as_str()))
                .ok_or_else(|| {
                    untrusted("is signed by a key the platform does not publish".into())
                })?;
            if jwk.alg.as_deref().is_some_and(|a| a != set::ALG)
                || jwk
                    .key_ops
                    .as_ref()
                    .is_some_and(|ops| !ops.iter().any(|o| o == "verify"))
            {
                return Err(untrusted(
                    "is signed by a platform key not meant for it".into(),
                ));
            }
            keys::rsa_key(jwk, keys::MIN_PLATFORM_BITS)
                .map_err(|e| untrusted(format!("is signed by a platform key that {e}")))?
        };
        events.push(unverified.verify(&key).map_err(untrusted)?);
    }

    if let Some(reject) = events.iter().find(|e| e.name == "reject-submission") {
        progress::forget(memo);
        let titles = reject.problem_titles();
        return Err(DeliveryError::Permanent(if titles.is_empty() {
            format!("the destination rejected submission {}", p.submission_id)
        } else {
            format!(
                "the destination rejected submission {}: {}",
                p.submission_id,
                titles.join("; ")
            )
        }));
    }
    if events.iter().any(|e| e.name == "submit-submission") {
        return Ok(Some(format!("submission {}", p.submission_id)));
    }
    Ok(None)
}

/// What this process knows of the submissions it created, so that a retry does not create
/// another one (FIT-Connect has no idempotency key). Lost on restart.
mod progress {
    use super::*;

    /// Entries older than this are dropped: by then the delivery is done or given up.
    const KEEP: Duration = Duration::from_secs(7 * 24 * 3600);
    const MAX_ENTRIES: usize = 10_000;

    #[derive(Clone, Copy, Debug)]
    pub struct Progress {
        pub submission_id: Uuid,
        pub case_id: Uuid,
        /// The attachment id of the application PDF (the uploads keep their own ids).
        pub pdf_id: Uuid,
        /// The `PUT` of metadata and data was answered with success.
        pub submitted: bool,
        pub since: Instant,
    }

    static KNOWN: LazyLock<Mutex<HashMap<String, Progress>>> = LazyLock::new(Default::default);

    fn with<T>(f: impl FnOnce(&mut HashMap<String, Progress>) -> T) -> T {
        let mut map = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut map)
    }

    pub fn recall(key: &str) -> Option<Progress> {
        with(|m| m.get(key).copied())
    }

    pub fn remember(key: &str, p: Progress) {
        with(|m| {
            m.retain(|_, v| v.since.elapsed() < KEEP);
            if m.len() >= MAX_ENTRIES
                && let Some(oldest) = m
                    .iter()
                    .min_by_key(|(_, v)| v.since)
                    .map(|(k, _)| k.clone())
            {
                m.remove(&oldest);
            }
            m.insert(key.to_owned(), p);
        });
    }

    pub fn mark_submitted(key: &str) {
        with(|m| {
            if let Some(p) = m.get_mut(key) {
                p.submitted = true;
            }
        });
    }

    pub fn forget(key: &str) {
        with(|m| m.remove(key));
    }

    /// The progress as saved with the outbox job.
    pub fn to_checkpoint(p: &Progress) -> String {
        serde_json::json!({
            "fit_connect": {
                "submission_id": p.submission_id,
                "case_id": p.case_id,
                "pdf_id": p.pdf_id,
                "submitted": p.submitted,
            }
        })
        .to_string()
    }

    /// The progress an earlier try saved with the outbox job, if any.
    pub fn from_checkpoint(parcel: &Parcel) -> Option<Progress> {
        let saved = parcel.checkpoint.as_ref()?.saved.as_deref()?;
        let v: serde_json::Value = serde_json::from_str(saved).ok()?;
        let f = v.get("fit_connect")?;
        let id = |k: &str| f.get(k)?.as_str().and_then(|s| Uuid::parse_str(s).ok());
        Some(Progress {
            submission_id: id("submission_id")?,
            case_id: id("case_id")?,
            pdf_id: id("pdf_id")?,
            submitted: f.get("submitted")?.as_bool()?,
            since: Instant::now(),
        })
    }
}
