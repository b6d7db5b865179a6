//! The submission's metadata, FIT-Connect metadata schema 1.0.0
//! (`https://schema.fitko.de/fit-connect/metadata/1.0.0/metadata.schema.json`), built from the
//! parcel alone so it can be tested without a network:
//!
//! - `publicServiceType`: `urn:de:fim:leika:leistung:<LeiKa key>` and the service's title;
//! - `contentStructure.data`: SHA-512 (hex) of the data (the case document JSON) and
//!   `submissionSchema` = the form version's answers schema URL (`application/json`);
//! - `contentStructure.attachments`: per file its id, SHA-512, MIME type, file name and
//!   purpose: the application PDF is `form`, the citizen's uploads are `attachment`;
//! - `paymentInformation` when the service has a fee: BOOKED once paid, INITIAL while a
//!   pay-later fee is open; amount in euros; `transactionId` the paying attempt's id, else the
//!   case id; `transactionReference` the Kassenzeichen, else the provider's reference, else
//!   the case reference;
//! - `additionalReferenceInfo`: `senderReference` = the delivery's idempotency key (so a
//!   receiver can spot a second submission of the same case, see docs/fit-connect.md) and
//!   `applicationDate`.

use serde_json::{Value, json};
use sha2::{Digest, Sha512};
use uuid::Uuid;

use crate::delivery::Parcel;
use crate::delivery::document::{CaseDocument, PaymentInfo};

pub const SCHEMA: &str = "https://schema.fitko.de/fit-connect/metadata/1.0.0/metadata.schema.json";
pub const VERSION: &str = "1.0.0";
pub const LEIKA_URN_PREFIX: &str = "urn:de:fim:leika:leistung:";
/// The media type of the data and of its schema.
pub const JSON: &str = "application/json";

/// One attachment as it is announced, described and uploaded.
#[derive(Clone, Debug)]
pub struct Attachment<'a> {
    pub id: Uuid,
    pub bytes: &'a [u8],
    pub mime_type: String,
    pub filename: String,
    /// `form` (the application PDF) or `attachment` (an upload).
    pub purpose: &'static str,
}

/// The attachments of a parcel: the application PDF first (under `pdf_id`), then each upload
/// under its own id, so that the receiver can match them with the case document.
pub fn attachments(parcel: &Parcel, pdf_id: Uuid) -> Vec<Attachment<'_>> {
    let mut out = vec![Attachment {
        id: pdf_id,
        bytes: &parcel.pdf,
        mime_type: "application/pdf".into(),
        filename: parcel.pdf_name(),
        purpose: "form",
    }];
    out.extend(parcel.files.iter().map(|f| Attachment {
        id: f.info.id,
        bytes: &f.bytes,
        mime_type: mime_type(&f.info.content_type),
        filename: f.info.file_name.clone(),
        purpose: "attachment",
    }));
    out
}

/// `urn:de:fim:leika:leistung:<14 digits>`, or why there is none.
pub fn leika_urn(doc: &CaseDocument) -> Result<String, String> {
    let key = doc
        .service
        .leika
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or(
            "the form names no LeiKa key (`leika` in the form definition); \
             FIT-Connect identifies the service by it",
        )?;
    if key.len() != 14 || !key.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the form's LeiKa key is not 14 digits".into());
    }
    Ok(format!("{LEIKA_URN_PREFIX}{key}"))
}

pub fn sha512_hex(bytes: &[u8]) -> String {
    Sha512::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn hash(bytes: &[u8]) -> Value {
    json!({ "type": "sha512", "content": sha512_hex(bytes) })
}

/// The metadata document for `data` (the exact bytes sent as data) and `attachments`.
pub fn metadata(
    parcel: &Parcel,
    service_urn: &str,
    data: &[u8],
    attachments: &[Attachment<'_>],
) -> Value {
    let doc = &parcel.doc;
    let mut m = json!({
        "$schema": SCHEMA,
        "publicServiceType": {
            "identifier": service_urn,
            "name": doc.service.title,
        },
        "contentStructure": {
            "data": {
                "hash": hash(data),
                "submissionSchema": {
                    "schemaUri": doc.service.answers_schema,
                    "mimeType": JSON,
                },
            },
            "attachments": attachments.iter().map(|a| json!({
                "attachmentId": a.id.to_string(),
                "hash": hash(a.bytes),
                "mimeType": a.mime_type,
                "filename": a.filename,
                "purpose": a.purpose,
            })).collect::<Vec<_>>(),
        },
        "additionalReferenceInfo": {
            "senderReference": parcel.idempotency_key,
            "applicationDate": doc.case.submitted_at.date_naive().to_string(),
        },
    });
    if let Some(p) = &doc.payment {
        m["paymentInformation"] = payment_information(p, doc);
    }
    m
}

/// `paymentInformation` of a service with a fee.
pub fn payment_information(p: &PaymentInfo, doc: &CaseDocument) -> Value {
    let paid = p.status == "paid";
    let transaction_id = p.transaction_id.unwrap_or(doc.case.id).to_string();
    let reference = p
        .transaction_reference
        .clone()
        .or_else(|| p.provider_reference.clone())
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| doc.case.reference.clone());
    let method = match (paid, p.method.as_deref()) {
        (true, Some(m)) => payment_method(m),
        (true, None) => "OTHER",
        // A pay-later fee is settled by a fee notice (Gebührenbescheid).
        (false, _) => "INVOICE",
    };
    let mut info = json!({
        "transactionId": transaction_id,
        "transactionReference": reference,
        "paymentMethod": method,
        "status": if paid { "BOOKED" } else { "INITIAL" },
    });
    if p.currency.eq_ignore_ascii_case("EUR") && p.amount_cents > 0 {
        info["grossAmount"] = euros(p.amount_cents);
    }
    if paid && let Some(detail) = p.method.as_deref().filter(|m| is_token_36(m)) {
        info["paymentMethodDetail"] = detail.into();
    }
    if paid && let Some(at) = p.paid_at {
        info["transactionTimestamp"] = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).into();
    }
    info
}

/// Cents as a JSON number of euros with at most two decimals, written from the decimal
/// text so that `35000` is `350.0` and `1999` is exactly `19.99`.
fn euros(cents: i64) -> Value {
    let text = format!("{}.{:02}", cents / 100, cents % 100);
    serde_json::from_str::<Value>(&text).unwrap_or(Value::Null)
}

/// The schema's enumeration from how a provider names the method.
fn payment_method(raw: &str) -> &'static str {
    let m: String = raw
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    match m.as_str() {
        "card" | "creditcard" | "kreditkarte" | "visa" | "mastercard" | "amex" => "CREDITCARD",
        "paypal" => "PAYPAL",
        "giropay" => "GIROPAY",
        "paydirect" => "PAYDIRECT",
        "invoice" | "rechnung" => "INVOICE",
        _ => "OTHER",
    }
}

/// `^[\w\d-]+$`, 1 to 36 characters, as `transactionId` and `paymentMethodDetail` need.
pub fn is_token_36(s: &str) -> bool {
    (1..=36).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `type/subtype` as the schema's pattern allows; anything else is sent as octet stream.
pub fn mime_type(content_type: &str) -> String {
    let t = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let ok = |s: &str, extra: &[u8]| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || extra.contains(&b))
    };
    match t.split_once('/') {
        Some((ty, sub)) if ok(ty, b"-.") && ok(sub, b"-.+") => t,
        _ => "application/octet-stream".into(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use chrono::TimeZone;

    use super::*;
    use crate::delivery::document::{CaseInfo, MunicipalityInfo, ServiceInfo};

    fn doc(payment: Option<PaymentInfo>) -> CaseDocument {
        CaseDocument {
            format: crate::delivery::document::FORMAT,
            case: CaseInfo {
                id: Uuid::from_u128(7),
                reference: "WER-2026-7K3QF".into(),
                status: "completed",
                submitted_at: chrono::Utc.with_ymd_and_hms(2026, 3, 12, 13, 5, 0).unwrap(),
                completed_at: None,
                login_level: None,
            },
            municipality: MunicipalityInfo {
                slug: "werther".into(),
                name: "Stadt Werther".into(),
                code: "WER".into(),
            },
            service: ServiceInfo {
                slug: "hund".into(),
                title: "Hundesteuer".into(),
                leika: Some("99105001000000".into()),
                form_key: "hund".into(),
                form_version: 2,
                answers_schema: "https://portal.example/schemas/forms/hund/2.json".into(),
            },
            answers: Default::default(),
            summary: vec![],
            attachments: vec![],
            payment,
        }
    }

    fn fee(status: &'static str) -> PaymentInfo {
        PaymentInfo {
            amount_cents: 1999,
            amount: "19.99".into(),
            currency: "EUR".into(),
            status,
            pay_later: status == "open",
            items: vec![],
            provider: None,
            transaction_id: None,
            provider_reference: None,
            transaction_reference: None,
            method: None,
            paid_at: None,
        }
    }

    #[test]
    fn the_service_is_named_by_its_leika_urn() {
        assert_eq!(
            leika_urn(&doc(None)).unwrap(),
            "urn:de:fim:leika:leistung:99105001000000"
        );
        let mut none = doc(None);
        none.service.leika = None;
        assert!(leika_urn(&none).unwrap_err().contains("LeiKa"));
        none.service.leika = Some("991050".into());
        assert!(leika_urn(&none).is_err());
    }

    #[test]
    fn a_paid_fee_is_booked_and_an_open_one_initial() {
        let mut paid = fee("paid");
        let attempt = Uuid::new_v4();
        paid.transaction_id = Some(attempt);
        paid.transaction_reference = Some("5.0123.000456.7".into());
        paid.method = Some("card".into());
        paid.paid_at = Some(chrono::Utc.with_ymd_and_hms(2026, 3, 12, 13, 8, 0).unwrap());
        let d = doc(Some(paid.clone()));
        let info = payment_information(&paid, &d);
        assert_eq!(info["status"], "BOOKED");
        assert_eq!(info["transactionId"], attempt.to_string());
        assert_eq!(info["transactionReference"], "5.0123.000456.7");
        assert_eq!(info["paymentMethod"], "CREDITCARD");
        assert_eq!(info["paymentMethodDetail"], "card");
        assert_eq!(info["grossAmount"].to_string(), "19.99");
        assert_eq!(info["transactionTimestamp"], "2026-03-12T13:08:00Z");

        let open = fee("open");
        let d = doc(Some(open.clone()));
        let info = payment_information(&open, &d);
        assert_eq!(info["status"], "INITIAL");
        assert_eq!(info["transactionId"], Uuid::from_u128(7).to_string());
        assert_eq!(info["transactionReference"], "WER-2026-7K3QF");
        assert_eq!(info["paymentMethod"], "INVOICE");
        assert!(info.get("transactionTimestamp").is_none());
        assert!(is_token_36(info["transactionId"].as_str().unwrap()));
    }

    #[test]
    fn amounts_are_euros_with_two_decimals() {
        assert_eq!(euros(35_000).to_string(), "350.0");
        assert_eq!(euros(1).to_string(), "0.01");
        assert_eq!(euros(1999).to_string(), "19.99");
        assert_eq!(euros(100_005).to_string(), "1000.05");
    }

    #[test]
    fn media_types_fit_the_schema_pattern() {
        assert_eq!(mime_type("image/PNG"), "image/png");
        assert_eq!(mime_type("text/plain; charset=utf-8"), "text/plain");
        assert_eq!(
            mime_type("application/vnd.oasis.opendocument.text"),
            "application/vnd.oasis.opendocument.text"
        );
        assert_eq!(mime_type("image/svg+xml"), "image/svg+xml");
        assert_eq!(mime_type(""), "application/octet-stream");
        assert_eq!(mime_type("nonsense"), "application/octet-stream");
        assert_eq!(mime_type("a b/c"), "application/octet-stream");
    }

    #[test]
    fn the_metadata_describes_data_and_attachments_by_hash() {
        let parcel = Parcel {
            checkpoint: None,
            public_base: "https://portal.example".into(),
            idempotency_key: "WER-2026-7K3QF.fit".into(),
            doc: doc(Some(fee("open"))),
            files: vec![],
            pdf: b"%PDF-1.7".to_vec(),
        };
        let pdf_id = Uuid::new_v4();
        let atts = attachments(&parcel, pdf_id);
        let m = metadata(
            &parcel,
            "urn:de:fim:leika:leistung:99105001000000",
            b"{}",
            &atts,
        );
        assert_eq!(
            m["contentStructure"]["data"]["hash"]["content"],
            sha512_hex(b"{}")
        );
        assert_eq!(
            sha512_hex(b"abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
        let a = &m["contentStructure"]["attachments"][0];
        assert_eq!(a["attachmentId"], pdf_id.to_string());
        assert_eq!(a["purpose"], "form");
        assert_eq!(a["filename"], "Antrag-WER-2026-7K3QF.pdf");
        assert_eq!(
            m["contentStructure"]["data"]["submissionSchema"]["schemaUri"],
            "https://portal.example/schemas/forms/hund/2.json"
        );
        assert_eq!(
            m["additionalReferenceInfo"]["applicationDate"],
            "2026-03-12"
        );
        assert_eq!(m["paymentInformation"]["status"], "INITIAL");
    }
}
