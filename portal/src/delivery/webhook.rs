//! Signed JSON webhook (docs/webhooks.md).
//!
//! `POST` of the case document with
//! - `Idempotency-Key: <reference>.<target>`, the same on every try of this delivery;
//! - `Portal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, the
//!   scheme Stripe uses, so receivers can reuse what they know;
//! - `Content-Type: application/json`.
//!
//! Any 2xx is delivered. 408, 429 and 5xx (and no answer) are tried again later; other 4xx
//! refusals are given up at once and shown to admins, since repeating the same body will not
//! change the answer.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::config::WebhookTarget;
use super::{Delivered, DeliveryError, Parcel};

pub const SIGNATURE_HEADER: &str = "Portal-Signature";
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this never fails.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

/// The body: the case document, with the attachments inline (base64) when all of them fit in
/// `inline_max_bytes`, else as links to the pull API, and the application PDF likewise.
pub fn body(target: &WebhookTarget, parcel: &Parcel) -> Vec<u8> {
    let mut doc = parcel.doc.clone();
    let total: u64 = parcel
        .files
        .iter()
        .map(|f| f.bytes.len() as u64)
        .sum::<u64>()
        + parcel.pdf.len() as u64;
    let inline = total <= target.inline_max_bytes;
    // Links into the pull API (fetched with a pull-API token of the municipality).
    let api = format!(
        "{}/api/v1/{}/cases/{}",
        parcel.public_base, parcel.doc.municipality.slug, parcel.doc.case.id
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    for (info, file) in doc.attachments.iter_mut().zip(&parcel.files) {
        if inline {
            info.content_base64 = Some(b64.encode(&file.bytes));
        } else {
            info.url = Some(format!("{api}/attachments/{}", info.id));
        }
    }
    let mut value = serde_json::to_value(&doc).unwrap_or_default();
    value["idempotency_key"] = parcel.idempotency_key.clone().into();
    value["application_pdf"] = if inline {
        serde_json::json!({
            "file_name": parcel.pdf_name(),
            "content_type": "application/pdf",
            "content_base64": b64.encode(&parcel.pdf),
        })
    } else {
        serde_json::json!({
            "file_name": parcel.pdf_name(),
            "content_type": "application/pdf",
            "url": format!("{api}/application.pdf"),
        })
    };
    serde_json::to_vec(&value).unwrap_or_default()
}

pub async fn deliver(http: &reqwest::Client, target: &WebhookTarget, parcel: &Parcel) -> Delivered {
    let body = body(target, parcel);
    let now = chrono::Utc::now().timestamp();
    let signed = signature(target.secret.expose().as_bytes(), now, &body);
    let response = http
        .post(&target.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(IDEMPOTENCY_HEADER, &parcel.idempotency_key)
        .header(SIGNATURE_HEADER, signed)
        .body(body)
        .send()
        .await
        .map_err(|e| {
            // Without the address: it may carry a token in its query.
            DeliveryError::Retry(if e.is_timeout() {
                "the receiver did not answer in time".to_owned()
            } else if e.is_connect() {
                "the receiver could not be reached".to_owned()
            } else {
                "the request failed".to_owned()
            })
        })?;
    let status = response.status();
    if status.is_success() {
        return Ok(Some(format!("HTTP {}", status.as_u16())));
    }
    let message = format!("the receiver answered HTTP {}", status.as_u16());
    if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        Err(DeliveryError::Retry(message))
    } else {
        Err(DeliveryError::Permanent(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
        // From openssl: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
        assert_eq!(
            signature(b"key", 1_700_000_000, br#"{"a":1}"#),
            "t=1700000000,v1=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
        );
    }
}
