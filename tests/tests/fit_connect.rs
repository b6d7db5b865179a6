//! The FIT-Connect connector (`portal::delivery::fit_connect::deliver`) against the fake
//! Submission API (`tests::fake_fit_connect`), which decrypts what it gets, checks the hashes
//! and validates the metadata against FITKO's schema 1.0.0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::TimeZone;
use portal::delivery::document::{
    AttachmentInfo, CaseDocument, CaseInfo, FORMAT, MunicipalityInfo, PaymentInfo, ServiceInfo,
    SummaryRow, SummarySection,
};
use portal::delivery::fit_connect::deliver;
use portal::delivery::{DeliveryError, FileContent, Parcel};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};
use tests::fake_fit_connect::{FakeFitConnect, KeyChoice};
use uuid::Uuid;

const LEIKA: &str = "99105001000000";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n fake picture of a vaccination record";
const UPLOADED_PDF: &[u8] = b"%PDF-1.7 fake proof of address";
const APPLICATION_PDF: &[u8] = b"%PDF-1.7 fake application summary";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn file(field: &str, name: &str, content_type: &str, bytes: &[u8]) -> FileContent {
    FileContent {
        info: AttachmentInfo {
            id: Uuid::new_v4(),
            field: field.into(),
            file_name: name.into(),
            content_type: content_type.into(),
            size_bytes: bytes.len() as i64,
            sha256: Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            content_base64: None,
            url: None,
        },
        bytes: bytes.to_vec(),
    }
}

fn paid_fee(attempt: Uuid) -> PaymentInfo {
    PaymentInfo {
        amount_cents: 1999,
        amount: "19.99".into(),
        currency: "EUR".into(),
        status: "paid",
        pay_later: false,
        items: vec![payments::FeeItem {
            description: "Hundesteuer, erstes Jahr".into(),
            quantity: 1,
            unit_amount: payments::Cents(1999),
        }],
        provider: Some("stripe".into()),
        transaction_id: Some(attempt),
        provider_reference: Some("cs_test_a1b2c3".into()),
        transaction_reference: None,
        method: Some("card".into()),
        paid_at: Some(
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 20, 9, 31, 0)
                .unwrap(),
        ),
    }
}

fn open_fee() -> PaymentInfo {
    PaymentInfo {
        status: "open",
        pay_later: true,
        provider: None,
        transaction_id: None,
        provider_reference: None,
        method: None,
        paid_at: None,
        ..paid_fee(Uuid::nil())
    }
}

/// A completed dog-tax application with two uploads, as the worker would build it.
fn parcel(leika: Option<&str>, payment: Option<PaymentInfo>) -> Parcel {
    let reference =
        format!("WER-2026-{}", &Uuid::new_v4().simple().to_string()[..5]).to_uppercase();
    let files = vec![
        file("impfpass", "Impfpass.png", "image/png", PNG),
        file(
            "meldung",
            "Meldebescheinigung.pdf",
            "application/pdf",
            UPLOADED_PDF,
        ),
    ];
    Parcel {
        checkpoint: None,
        public_base: "https://portal.example".into(),
        // Unique per test: the connector remembers submissions per delivery.
        idempotency_key: format!("{reference}.fit-connect"),
        doc: CaseDocument {
            format: FORMAT,
            case: CaseInfo {
                id: Uuid::new_v4(),
                reference,
                status: "completed",
                submitted_at: chrono::Utc
                    .with_ymd_and_hms(2026, 11, 20, 9, 30, 0)
                    .unwrap(),
                completed_at: Some(
                    chrono::Utc
                        .with_ymd_and_hms(2026, 11, 20, 9, 31, 0)
                        .unwrap(),
                ),
                login_level: None,
            },
            municipality: MunicipalityInfo {
                slug: "werther".into(),
                name: "Stadt Werther (Westf.)".into(),
                code: "WER".into(),
            },
            service: ServiceInfo {
                slug: "hundesteuer".into(),
                title: "Anmeldung zur Hundesteuer".into(),
                leika: leika.map(str::to_owned),
                form_key: "hundesteuer".into(),
                form_version: 3,
                answers_schema: "https://portal.example/schemas/forms/hundesteuer/3.json".into(),
            },
            answers: serde_json::json!({"name": "Erika Mustermann"}),
            summary: vec![SummarySection {
                title: "Halterin".into(),
                rows: vec![SummaryRow {
                    label: "Name".into(),
                    value: "Erika Mustermann".into(),
                }],
            }],
            attachments: files.iter().map(|f| f.info.clone()).collect(),
            payment,
        },
        files,
        pdf: APPLICATION_PDF.to_vec(),
    }
}

fn sha512(bytes: &[u8]) -> String {
    Sha512::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn permanent(result: Result<Option<String>, DeliveryError>) -> String {
    match result {
        Err(DeliveryError::Permanent(m)) => m,
        other => panic!("expected a permanent failure, got {other:?}"),
    }
}

fn retry(result: Result<Option<String>, DeliveryError>) -> String {
    match result {
        Err(DeliveryError::Retry(m)) => m,
        other => panic!("expected a failure worth retrying, got {other:?}"),
    }
}

fn schema() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/fit-connect/metadata.schema.v1.0.0.json"
    )))
    .unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

#[tokio::test]
async fn a_paid_application_arrives_decrypted_with_matching_hashes_and_valid_metadata() {
    let fake = FakeFitConnect::start().await;
    let attempt = Uuid::new_v4();
    let parcel = parcel(Some(LEIKA), Some(paid_fee(attempt)));

    let outcome = deliver(&http(), &fake.target(), &parcel).await.unwrap();

    let got = fake.submitted();
    assert_eq!(got.len(), 1, "exactly one submission");
    let s = &got[0];
    assert_eq!(outcome, Some(format!("submission {}", s.submission_id)));
    assert!(
        s.problems.is_empty(),
        "the receiver found problems: {:?}",
        s.problems
    );

    // The announcement.
    assert_eq!(
        s.create["publicService"]["identifier"],
        format!("urn:de:fim:leika:leistung:{LEIKA}")
    );
    assert_eq!(
        s.create["publicService"]["name"],
        "Anmeldung zur Hundesteuer"
    );
    assert_eq!(s.announced.len(), 3, "the application PDF and two uploads");

    // The data is the answers (what `submissionSchema` describes), byte for byte.
    assert_eq!(
        s.data.as_deref(),
        Some(serde_json::to_vec(&parcel.doc.answers).unwrap().as_slice())
    );
    assert_eq!(s.data_json()["name"], "Erika Mustermann");
    let header = s.data_header.as_ref().unwrap();
    assert_eq!(header["alg"], "RSA-OAEP-256");
    assert_eq!(header["enc"], "A256GCM");
    assert_eq!(header["cty"], "application/json");

    // The metadata, against FITKO's schema here too (not only in the fake).
    let m = s.metadata.as_ref().unwrap();
    let errors: Vec<String> = schema().iter_errors(m).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "schema errors: {errors:?}");
    assert_eq!(
        m["publicServiceType"]["identifier"],
        format!("urn:de:fim:leika:leistung:{LEIKA}")
    );
    let data = &m["contentStructure"]["data"];
    assert_eq!(data["hash"]["type"], "sha512");
    assert_eq!(
        data["hash"]["content"],
        sha512(&serde_json::to_vec(&parcel.doc.answers).unwrap())
    );
    assert_eq!(
        data["submissionSchema"]["schemaUri"],
        parcel.doc.service.answers_schema
    );
    assert_eq!(data["submissionSchema"]["mimeType"], "application/json");
    assert_eq!(
        m["additionalReferenceInfo"]["senderReference"],
        parcel.idempotency_key
    );

    let pay = &m["paymentInformation"];
    assert_eq!(pay["status"], "BOOKED");
    assert_eq!(pay["grossAmount"].as_f64(), Some(19.99));
    assert_eq!(pay["transactionId"], attempt.to_string());
    assert_eq!(pay["paymentMethod"], "CREDITCARD");
    assert_eq!(pay["transactionReference"], "cs_test_a1b2c3");

    // Every attachment: listed with its hash, purpose and name, and decrypted to the bytes sent.
    let listed = m["contentStructure"]["attachments"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    let form: Vec<&Value> = listed.iter().filter(|a| a["purpose"] == "form").collect();
    assert_eq!(form.len(), 1, "one application PDF");
    assert_eq!(form[0]["mimeType"], "application/pdf");
    assert_eq!(form[0]["filename"], parcel.pdf_name());
    let pdf_id = Uuid::parse_str(form[0]["attachmentId"].as_str().unwrap()).unwrap();
    assert_eq!(s.attachment(pdf_id).unwrap().bytes, APPLICATION_PDF);
    for f in &parcel.files {
        let entry = listed
            .iter()
            .find(|a| a["attachmentId"] == f.info.id.to_string())
            .expect("each upload is listed under its own id");
        assert_eq!(entry["purpose"], "attachment");
        assert_eq!(entry["filename"], f.info.file_name);
        assert_eq!(entry["mimeType"], f.info.content_type);
        assert_eq!(entry["hash"]["content"], sha512(&f.bytes));
        let arrived = s.attachment(f.info.id).expect("uploaded");
        assert_eq!(arrived.bytes, f.bytes);
        assert_eq!(arrived.header["cty"], f.info.content_type);
        assert_eq!(
            arrived.header["kid"],
            tests::fake_fit_connect::ENCRYPTION_KID
        );
    }
}

#[tokio::test]
async fn an_open_pay_later_fee_is_sent_as_initial_under_the_case_id() {
    let fake = FakeFitConnect::start().await;
    let parcel = parcel(Some(LEIKA), Some(open_fee()));
    deliver(&http(), &fake.target(), &parcel).await.unwrap();
    let s = &fake.submitted()[0];
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    let pay = &s.metadata.as_ref().unwrap()["paymentInformation"];
    assert_eq!(pay["status"], "INITIAL");
    assert_eq!(pay["transactionId"], parcel.doc.case.id.to_string());
    assert_eq!(pay["paymentMethod"], "INVOICE");
    assert_eq!(pay["transactionReference"], parcel.doc.case.reference);
    assert!(pay.get("transactionTimestamp").is_none());
}

#[tokio::test]
async fn a_free_service_sends_no_payment_information() {
    let fake = FakeFitConnect::start().await;
    let parcel = parcel(Some(LEIKA), None);
    deliver(&http(), &fake.target(), &parcel).await.unwrap();
    let s = &fake.submitted()[0];
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert!(
        s.metadata
            .as_ref()
            .unwrap()
            .get("paymentInformation")
            .is_none()
    );
}

#[tokio::test]
async fn a_form_without_a_leika_key_is_refused_before_anything_is_sent() {
    let fake = FakeFitConnect::start().await;
    let message = permanent(deliver(&http(), &fake.target(), &parcel(None, None)).await);
    assert!(message.contains("LeiKa"), "{message}");
    assert_eq!(fake.token_requests(), 0);
    assert!(fake.submissions().is_empty());
}

#[tokio::test]
async fn a_destination_key_whose_chain_does_not_reach_the_trust_anchor_is_refused() {
    let fake = FakeFitConnect::start().await;
    fake.serve_key(KeyChoice::ForeignChain);
    let message = permanent(deliver(&http(), &fake.target(), &parcel(Some(LEIKA), None)).await);
    assert!(message.contains("trust anchor"), "{message}");
    assert!(
        fake.submissions().is_empty(),
        "nothing is sent to an untrusted key"
    );

    // The good key, but the portal trusts another root.
    fake.serve_key(KeyChoice::Good);
    let mut target = fake.target();
    target.trust_anchor_pem = std::fs::read(FakeFitConnect::foreign_trust_anchor()).unwrap();
    let message = permanent(deliver(&http(), &target, &parcel(Some(LEIKA), None)).await);
    assert!(message.contains("trust anchor"), "{message}");
    assert!(fake.submissions().is_empty());
}

#[tokio::test]
async fn a_destination_key_shorter_than_4096_bits_is_refused() {
    let fake = FakeFitConnect::start().await;
    fake.serve_key(KeyChoice::Short);
    let message = permanent(deliver(&http(), &fake.target(), &parcel(Some(LEIKA), None)).await);
    assert!(message.contains("2048 bits"), "{message}");
    assert!(fake.submissions().is_empty());
}

#[tokio::test]
async fn a_key_other_than_the_one_its_certificate_certifies_is_refused() {
    let fake = FakeFitConnect::start().await;
    fake.serve_key(KeyChoice::Mismatched);
    let message = permanent(deliver(&http(), &fake.target(), &parcel(Some(LEIKA), None)).await);
    assert!(message.contains("does not match"), "{message}");
    assert!(fake.submissions().is_empty());
}

#[tokio::test]
async fn event_tokens_with_a_bad_signature_are_not_accepted() {
    let fake = FakeFitConnect::start().await;
    fake.forge_events(true);
    let parcel = parcel(Some(LEIKA), None);
    let message = permanent(deliver(&http(), &fake.target(), &parcel).await);
    assert!(message.contains("cannot be trusted"), "{message}");
    assert!(message.contains("does not verify"), "{message}");
    // It was sent, but an event log that does not verify never counts as delivered, and a
    // second try does not send it again.
    assert_eq!(fake.submitted().len(), 1);
    let again = deliver(&http(), &fake.target(), &parcel).await;
    assert!(again.is_err(), "{again:?}");
    assert_eq!(fake.submissions().len(), 1);
}

#[tokio::test]
async fn an_unavailable_platform_is_retried_and_the_retry_delivers_once() {
    let fake = FakeFitConnect::start().await;
    fake.set_unavailable(true);
    let parcel = parcel(Some(LEIKA), None);
    let message = retry(deliver(&http(), &fake.target(), &parcel).await);
    assert!(message.contains("503"), "{message}");
    assert!(fake.submissions().is_empty());

    fake.set_unavailable(false);
    deliver(&http(), &fake.target(), &parcel).await.unwrap();
    assert_eq!(fake.submissions().len(), 1);
}

#[tokio::test]
async fn refused_client_credentials_are_permanent_and_not_repeated_in_the_message() {
    let fake = FakeFitConnect::start().await;
    let mut target = fake.target();
    target.client_secret = portal::config::Secret::new("wrong-secret-0123456789".into());
    let message = permanent(deliver(&http(), &target, &parcel(Some(LEIKA), None)).await);
    assert!(message.contains("invalid_client"), "{message}");
    assert!(!message.contains("wrong-secret"), "{message}");
    assert!(!message.contains("127.0.0.1"), "no addresses: {message}");

    fake.refuse_tokens(true);
    let message = permanent(deliver(&http(), &fake.target(), &parcel(Some(LEIKA), None)).await);
    assert!(!message.contains(&fake.client_secret), "{message}");
    assert!(fake.submissions().is_empty());
}

#[tokio::test]
async fn a_token_endpoint_that_does_not_answer_is_retried() {
    let fake = FakeFitConnect::start().await;
    let mut target = fake.target();
    // Nothing listens on port 1 of loopback.
    target.token_url = "http://127.0.0.1:1/token".into();
    let message = retry(deliver(&http(), &target, &parcel(Some(LEIKA), None)).await);
    assert!(message.contains("token endpoint"), "{message}");
}

#[tokio::test]
async fn a_rejection_by_the_destination_is_permanent_and_names_the_problem() {
    let fake = FakeFitConnect::start().await;
    fake.reject_next("Angaben zur Hunderasse fehlen");
    let message = permanent(deliver(&http(), &fake.target(), &parcel(Some(LEIKA), None)).await);
    assert!(message.contains("rejected"), "{message}");
    assert!(
        message.contains("Angaben zur Hunderasse fehlen"),
        "{message}"
    );
}

#[tokio::test]
async fn a_service_the_destination_does_not_offer_is_refused_with_the_problems_title() {
    let fake = FakeFitConnect::start().await;
    fake.offer_services(&["urn:de:fim:leika:leistung:99000000000000"]);
    let message = permanent(deliver(&http(), &fake.target(), &parcel(Some(LEIKA), None)).await);
    assert!(message.contains("HTTP 422"), "{message}");
    assert!(
        message.contains("Service is not offered by the destination"),
        "{message}"
    );
    assert!(
        !message.contains("see the fake's source"),
        "never the detail: {message}"
    );
}

#[tokio::test]
async fn a_lost_answer_to_the_submit_does_not_send_the_case_twice() {
    let fake = FakeFitConnect::start().await;
    fake.lose_next_submit_answer();
    let parcel = parcel(Some(LEIKA), None);
    retry(deliver(&http(), &fake.target(), &parcel).await);
    assert_eq!(fake.submitted().len(), 1, "the platform got it");

    let outcome = deliver(&http(), &fake.target(), &parcel).await.unwrap();
    assert_eq!(
        fake.submissions().len(),
        1,
        "the retry found it instead of sending again"
    );
    assert_eq!(
        outcome,
        Some(format!(
            "submission {}",
            fake.submissions()[0].submission_id
        ))
    );
}

#[tokio::test]
async fn a_failed_upload_is_resumed_in_the_same_submission() {
    let fake = FakeFitConnect::start().await;
    fake.fail_next_upload();
    let parcel = parcel(Some(LEIKA), None);
    retry(deliver(&http(), &fake.target(), &parcel).await);
    assert_eq!(fake.submissions().len(), 1);
    assert!(fake.submitted().is_empty());

    deliver(&http(), &fake.target(), &parcel).await.unwrap();
    let all = fake.submissions();
    assert_eq!(all.len(), 1, "no second submission");
    assert!(all[0].submitted);
    assert!(all[0].problems.is_empty(), "{:?}", all[0].problems);
}
