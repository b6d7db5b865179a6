//! The XBezahldienste wire format, in one place so it can be checked against the official
//! specification (which could not be read here). Markers as in `shared/PROTOCOLS.md`,
//! section "XBezahldienste": **(V)** seen in a public source, **(I)** inferred.
//!
//! # Assumptions
//!
//! - Create: `POST {base}/paymenttransaction/{originatorId}/{endpointId}` with a
//!   PaymentRequest as JSON; the answer is a PaymentTransaction
//!   `{paymentRequest, paymentInformation}` (V).
//! - Status: `GET {base}/paymenttransaction/{originatorId}/{endpointId}/{transactionId}`,
//!   answering the same shape (V).
//! - `requestId` has at most 36 characters (V). The platform treats it as unique per
//!   originator and endpoint: a PaymentRequest with a `requestId` it has seen before answers
//!   the transaction it created then, instead of creating a second one (I). That is what
//!   makes `create` idempotent; a platform that answered a repeat with an error instead would
//!   show up as `Refused` on the retry, never as a second charge.
//! - `requestTimestamp` is ISO 8601; we send UTC with a `Z`, to the second (V for ISO 8601,
//!   I for the exact form).
//! - `grosAmount` (sic) and the items' amounts are decimal euros with two places (I). They go
//!   out as JSON *numbers* written with exactly two decimals (`26.00`, never `26.0` or
//!   `"26.00"`): public implementations type these fields as numbers (a `BigDecimal` or
//!   `number`) (V), and writing the text from integer cents keeps floating point out of the
//!   amount entirely.
//! - `purpose` has at most 27 characters (V) and is the booking text (V): the case's
//!   reference, cut on a character boundary if longer. `description` has at most 250 (V);
//!   item descriptions are cut to the same length (I).
//! - Items (V for the field names): `id` is the item's position from 1, `reference` the case's
//!   reference, `taxRate`, `singleTaxAmount` and `totalTaxAmount` are 0 (municipal fees carry
//!   no VAT; I), the net amounts are the fee's, and `bookingData` is the municipality's booking
//!   data (the same on every item, since the portal keeps it per payment; I). A request
//!   without items gets one item for the whole amount (I: we do not know whether the platform
//!   accepts an empty list).
//! - `requestor` (payer and address) is optional and not sent: the portal does not pass the
//!   payer to the provider (I).
//! - PaymentInformation (V): `transactionId`, `transactionRedirectUrl` (only while the status
//!   is INITIAL), `transactionReference` (the Kassenzeichen), `paymentMethod`, `status`.
//! - Status values (V): INITIAL, PAYED or BOOKED, FAILED, CANCELED. We also accept the
//!   spellings PAID and CANCELLED, and compare without regard to case (I). Any other value is
//!   an error, never a payment.
//! - Error bodies have no known shape (I): we show the first of `message`, `detail`,
//!   `error_description`, `error`, `title` found in a JSON body, else the start of the text.
//! - pmPayment's token endpoint (V for `{base}/oauth/token/` and client credentials) answers
//!   as RFC 6749 says: `access_token`, `token_type` Bearer, `expires_in` seconds (I). The
//!   client authenticates with `client_id` and `client_secret` in the form body (I: RFC 6749
//!   allows this next to HTTP Basic; it is how FIT-Connect's token endpoint takes them).

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::{Cents, PaymentEvent, PaymentRequest};

/// At most this many characters in `requestId` (V).
pub(super) const REQUEST_ID_MAX: usize = 36;
/// At most this many characters in `purpose` (V).
pub(super) const PURPOSE_MAX: usize = 27;
/// At most this many characters in `description` (V).
pub(super) const DESCRIPTION_MAX: usize = 250;

/// The body of a create call.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OutgoingPaymentRequest {
    request_id: String,
    request_timestamp: String,
    currency: String,
    gros_amount: Box<RawValue>,
    purpose: String,
    description: String,
    redirect_url: String,
    items: Vec<OutgoingItem>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutgoingItem {
    id: String,
    reference: String,
    description: String,
    tax_rate: u32,
    quantity: u32,
    single_net_amount: Box<RawValue>,
    single_tax_amount: Box<RawValue>,
    total_net_amount: Box<RawValue>,
    total_tax_amount: Box<RawValue>,
    booking_data: BTreeMap<String, String>,
}

/// Builds the PaymentRequest, or says why the portal's request cannot be sent.
pub(super) fn payment_request(
    request: &PaymentRequest,
    now: DateTime<Utc>,
) -> Result<OutgoingPaymentRequest, String> {
    let request_id = request.idempotency_key.as_str();
    if request_id.is_empty() || request_id.chars().count() > REQUEST_ID_MAX {
        return Err(format!(
            "the idempotency key must have 1 to {REQUEST_ID_MAX} characters (requestId)"
        ));
    }
    if request.amount.0 <= 0 {
        return Err("the amount must be positive".into());
    }
    let items = if request.items.is_empty() {
        vec![OutgoingItem {
            id: "1".into(),
            reference: request.reference.clone(),
            description: truncate_chars(&request.description, DESCRIPTION_MAX),
            tax_rate: 0,
            quantity: 1,
            single_net_amount: amount(request.amount)?,
            single_tax_amount: amount(Cents(0))?,
            total_net_amount: amount(request.amount)?,
            total_tax_amount: amount(Cents(0))?,
            booking_data: request.booking_data.clone(),
        }]
    } else {
        let mut sum = Cents(0);
        let mut items = Vec::with_capacity(request.items.len());
        for (position, item) in request.items.iter().enumerate() {
            let total = item.total();
            sum = Cents(
                sum.0
                    .checked_add(total.0)
                    .ok_or_else(|| "the fee items overflow".to_owned())?,
            );
            items.push(OutgoingItem {
                id: (position + 1).to_string(),
                reference: request.reference.clone(),
                description: truncate_chars(&item.description, DESCRIPTION_MAX),
                tax_rate: 0,
                quantity: item.quantity,
                single_net_amount: amount(item.unit_amount)?,
                single_tax_amount: amount(Cents(0))?,
                total_net_amount: amount(total)?,
                total_tax_amount: amount(Cents(0))?,
                booking_data: request.booking_data.clone(),
            });
        }
        if sum != request.amount {
            return Err(format!(
                "the fee items add up to {} EUR, not to the amount of {} EUR",
                sum.decimal_euros(),
                request.amount.decimal_euros()
            ));
        }
        items
    };
    Ok(OutgoingPaymentRequest {
        request_id: request_id.to_owned(),
        request_timestamp: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        currency: request.currency.clone(),
        gros_amount: amount(request.amount)?,
        purpose: truncate_chars(&request.reference, PURPOSE_MAX),
        description: truncate_chars(&request.description, DESCRIPTION_MAX),
        redirect_url: request.return_url.clone(),
        items,
    })
}

/// Decimal euros with two places as a JSON number token, e.g. `26.00`.
fn amount(cents: Cents) -> Result<Box<RawValue>, String> {
    RawValue::from_string(cents.decimal_euros()).map_err(|e| format!("amount: {e}"))
}

/// The first `max` characters of `text` (whole characters, never a split one).
pub(super) fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

/// A PaymentTransaction as the platform answers it. Every field is optional here; the
/// adapter decides which it needs.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct PaymentTransaction {
    #[serde(default)]
    pub payment_request: Option<EchoedRequest>,
    #[serde(default)]
    pub payment_information: Option<PaymentInformation>,
}

/// The part of the echoed PaymentRequest the adapter checks.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct EchoedRequest {
    #[serde(default)]
    pub request_id: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct PaymentInformation {
    #[serde(default)]
    pub transaction_id: Option<String>,
    #[serde(default)]
    pub transaction_redirect_url: Option<String>,
    #[serde(default)]
    pub transaction_reference: Option<String>,
    #[serde(default)]
    pub payment_method: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// The portal's reading of a platform status; `None` for a value we do not know.
pub(super) fn status_event(status: &str) -> Option<PaymentEvent> {
    match status.trim().to_ascii_uppercase().as_str() {
        "INITIAL" => Some(PaymentEvent::Pending),
        "PAYED" | "PAID" | "BOOKED" => Some(PaymentEvent::Paid),
        "FAILED" => Some(PaymentEvent::Failed),
        "CANCELED" | "CANCELLED" => Some(PaymentEvent::Cancelled),
        _ => None,
    }
}

/// An OAuth2 token answer (RFC 6749 section 5.1).
#[derive(Deserialize)]
pub(super) struct TokenAnswer {
    pub access_token: String,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// A readable message from an error body: a known field of a JSON body, else the start of the
/// text, one line, at most 200 characters.
pub(super) fn platform_message(body: &str) -> String {
    let from_json = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            ["message", "detail", "error_description", "error", "title"]
                .iter()
                .find_map(|key| match value.get(key) {
                    Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
                    _ => None,
                })
        });
    let text = from_json.unwrap_or_else(|| body.to_owned());
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let short = truncate_chars(one_line.trim(), 200);
    if short.is_empty() {
        "no message".into()
    } else {
        short
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::FeeItem;

    fn request() -> PaymentRequest {
        PaymentRequest {
            idempotency_key: "0b8f8f0e-3c4e-4a59-9d59-3a3c7d6c2f10".into(),
            amount: Cents(35_005),
            currency: "EUR".into(),
            reference: "GRAB-2026-7K3QF-ÄÖÜ-verlängerung".into(),
            description: "Verlängerung des Nutzungsrechts".into(),
            items: vec![
                FeeItem {
                    description: "Jahr".into(),
                    quantity: 10,
                    unit_amount: Cents(3500),
                },
                FeeItem {
                    description: "Gebühr".into(),
                    quantity: 1,
                    unit_amount: Cents(5),
                },
            ],
            return_url: "https://portal.example/return".into(),
            cancel_url: "https://portal.example/cancel".into(),
            booking_data: BTreeMap::from([("haushaltsstelle".into(), "1.7500.1100".into())]),
            expires_at: None,
        }
    }

    #[test]
    fn amounts_are_numbers_with_two_decimals() {
        let now = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let body = serde_json::to_string(&payment_request(&request(), now).unwrap()).unwrap();
        assert!(body.contains(r#""grosAmount":350.05"#), "{body}");
        assert!(body.contains(r#""singleNetAmount":35.00"#), "{body}");
        assert!(body.contains(r#""totalTaxAmount":0.00"#), "{body}");
        assert!(
            body.contains(r#""requestTimestamp":"2026-09-21T"#),
            "{body}"
        );
    }

    #[test]
    fn purpose_is_cut_on_a_character_boundary() {
        let now = Utc::now();
        let out = payment_request(&request(), now).unwrap();
        assert_eq!(out.purpose.chars().count(), PURPOSE_MAX);
        assert_eq!(truncate_chars("ÄÖÜ", 2), "ÄÖ");
        assert_eq!(truncate_chars("kurz", 27), "kurz");
    }

    #[test]
    fn a_long_key_or_a_mismatched_sum_is_refused_before_sending() {
        let mut long = request();
        long.idempotency_key = "x".repeat(37);
        assert!(payment_request(&long, Utc::now()).is_err());
        let mut wrong = request();
        wrong.amount = Cents(1);
        assert!(payment_request(&wrong, Utc::now()).is_err());
    }

    #[test]
    fn statuses_map_and_unknown_ones_do_not() {
        assert_eq!(status_event("PAYED"), Some(PaymentEvent::Paid));
        assert_eq!(status_event("paid"), Some(PaymentEvent::Paid));
        assert_eq!(status_event("BOOKED"), Some(PaymentEvent::Paid));
        assert_eq!(status_event("INITIAL"), Some(PaymentEvent::Pending));
        assert_eq!(status_event("CANCELLED"), Some(PaymentEvent::Cancelled));
        assert_eq!(status_event("FAILED"), Some(PaymentEvent::Failed));
        assert_eq!(status_event("PAYMENT_PENDING"), None);
        assert_eq!(status_event(""), None);
    }

    #[test]
    fn error_messages_are_short_and_on_one_line() {
        assert_eq!(
            platform_message(r#"{"message":"unknown endpoint"}"#),
            "unknown endpoint"
        );
        assert_eq!(platform_message("bad\nrequest"), "bad request");
        assert_eq!(platform_message(""), "no message");
        assert_eq!(platform_message(&"x".repeat(500)).len(), 200);
    }
}
