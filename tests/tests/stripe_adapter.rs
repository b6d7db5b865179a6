//! The Stripe adapter against the fake Stripe API: what it sends, how it reads what Stripe
//! says, and how it checks webhook signatures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue};
use payments::stripe::Stripe;
use payments::{
    Cents, FeeItem, NotificationError, PaymentError, PaymentEvent, PaymentProvider, PaymentRequest,
    RefundRequest,
};
use tests::fake_stripe::{EventType, FakeStripe, Outcome, now, signature_header, v1_signature};

fn request(key: &str) -> PaymentRequest {
    PaymentRequest {
        idempotency_key: key.to_owned(),
        amount: Cents(37_600),
        currency: "EUR".into(),
        reference: "GRB-2026-7K3QF".into(),
        description: "Verlängerung eines Grabnutzungsrechts".into(),
        items: vec![
            FeeItem {
                description: "Verlängerung des Nutzungsrechts, je Jahr".into(),
                quantity: 10,
                unit_amount: Cents(3_500),
            },
            FeeItem {
                description: "Verwaltungsgebühr".into(),
                quantity: 1,
                unit_amount: Cents(2_600),
            },
        ],
        return_url: "https://portal.example.org/zahlung/zurueck?a=GRB-2026-7K3QF".into(),
        cancel_url: "https://portal.example.org/zahlung/abgebrochen?a=GRB-2026-7K3QF".into(),
        booking_data: BTreeMap::from([("Haushaltsstelle".to_owned(), "1.5300.1100".to_owned())]),
        expires_at: None,
    }
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn setup() -> (FakeStripe, Stripe) {
    let fake = FakeStripe::start().await;
    let stripe = Stripe::new(fake.config()).unwrap();
    (fake, stripe)
}

/// A session created through the adapter, then set to `outcome` in the fake.
async fn paid_session(fake: &FakeStripe, stripe: &Stripe, outcome: Outcome) -> String {
    let created = stripe.create(&request(&key())).await.unwrap();
    fake.set_outcome(&created.provider_reference, outcome);
    created.provider_reference
}

fn signed(header: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("stripe-signature", HeaderValue::from_str(header).unwrap());
    h
}

// --- create -------------------------------------------------------------------------------

#[tokio::test]
async fn create_sends_line_items_in_cents_the_urls_the_reference_and_the_idempotency_key() {
    let (fake, stripe) = setup().await;
    let req = request(&key());
    let created = stripe.create(&req).await.unwrap();

    assert!(created.provider_reference.starts_with("cs_test_"));
    assert!(
        created.redirect_url.starts_with(&format!(
            "https://checkout.stripe.com/c/pay/{}",
            created.provider_reference
        )),
        "{}",
        created.redirect_url
    );
    assert_eq!(created.transaction_reference, None);
    assert_eq!(fake.amount_total(&created.provider_reference), Some(37_600));
    assert_eq!(
        fake.line_items(&created.provider_reference),
        vec![
            (
                "Verlängerung des Nutzungsrechts, je Jahr".to_owned(),
                3_500,
                10
            ),
            ("Verwaltungsgebühr".to_owned(), 2_600, 1),
        ]
    );

    let sent = fake.create_requests();
    assert_eq!(sent.len(), 1);
    let sent = &sent[0];
    assert!(sent.authorized);
    assert_eq!(
        sent.idempotency_key.as_deref(),
        Some(req.idempotency_key.as_str())
    );
    assert_eq!(sent.stripe_version.as_deref(), Some("2026-09-30.endive"));
    let expect = [
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][price_data][unit_amount]", "3500"),
        (
            "line_items[0][price_data][product_data][name]",
            "Verlängerung des Nutzungsrechts, je Jahr",
        ),
        ("line_items[0][quantity]", "10"),
        ("line_items[1][price_data][currency]", "eur"),
        ("line_items[1][price_data][unit_amount]", "2600"),
        (
            "line_items[1][price_data][product_data][name]",
            "Verwaltungsgebühr",
        ),
        ("line_items[1][quantity]", "1"),
        ("success_url", req.return_url.as_str()),
        ("cancel_url", req.cancel_url.as_str()),
        ("client_reference_id", "GRB-2026-7K3QF"),
        ("metadata[reference]", "GRB-2026-7K3QF"),
        ("metadata[idempotency_key]", req.idempotency_key.as_str()),
        ("metadata[booking_Haushaltsstelle]", "1.5300.1100"),
        ("payment_intent_data[metadata][reference]", "GRB-2026-7K3QF"),
    ];
    for (name, value) in expect {
        assert_eq!(sent.field(name), Some(value), "{name} in {:#?}", sent.form);
    }
    // No amount anywhere but the unit amounts from the request; no payment method list when
    // the account's methods apply; no line items beyond the fee items.
    for (k, v) in &sent.form {
        if k.contains("amount") {
            assert!(k.ends_with("[price_data][unit_amount]"), "{k}={v}");
        }
        assert!(!k.contains("payment_method_types"), "{k}");
        assert!(!k.starts_with("line_items[2]"), "{k}");
        assert!(!k.starts_with("expires_at"), "{k}");
    }
}

#[tokio::test]
async fn configured_payment_methods_are_sent_as_allowed_payment_method_types() {
    let fake = FakeStripe::start().await;
    let mut config = fake.config();
    config.payment_method_types = Some(vec!["card".into(), "sepa_debit".into()]);
    let stripe = Stripe::new(config).unwrap();
    stripe.create(&request(&key())).await.unwrap();
    let sent = &fake.create_requests()[0];
    assert_eq!(sent.field("allowed_payment_method_types[0]"), Some("card"));
    assert_eq!(
        sent.field("allowed_payment_method_types[1]"),
        Some("sepa_debit")
    );
}

#[tokio::test]
async fn a_fee_without_items_becomes_one_line_of_the_description() {
    let (fake, stripe) = setup().await;
    let mut req = request(&key());
    req.items.clear();
    req.amount = Cents(2_600);
    stripe.create(&req).await.unwrap();
    let sent = &fake.create_requests()[0];
    assert_eq!(
        sent.field("line_items[0][price_data][unit_amount]"),
        Some("2600")
    );
    assert_eq!(
        sent.field("line_items[0][price_data][product_data][name]"),
        Some("Verlängerung eines Grabnutzungsrechts")
    );
    assert_eq!(sent.field("line_items[0][quantity]"), Some("1"));
}

#[tokio::test]
async fn a_repeat_with_the_same_idempotency_key_makes_one_session() {
    let (fake, stripe) = setup().await;
    let req = request(&key());
    let first = stripe.create(&req).await.unwrap();
    let again = stripe.create(&req).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(fake.session_count(), 1);
    let sent = fake.create_requests();
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|r| r.idempotency_key.as_deref() == Some(req.idempotency_key.as_str()))
    );

    let other = stripe.create(&request(&key())).await.unwrap();
    assert_ne!(other.provider_reference, first.provider_reference);
    assert_eq!(fake.session_count(), 2);
}

#[tokio::test]
async fn the_same_key_with_other_parameters_is_refused() {
    let (fake, stripe) = setup().await;
    let mut req = request(&key());
    stripe.create(&req).await.unwrap();
    req.items[1].unit_amount = Cents(2_700);
    req.amount = Cents(37_700);
    match stripe.create(&req).await {
        Err(PaymentError::Refused(m)) => assert!(m.contains("idempotent"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.session_count(), 1);
}

#[tokio::test]
async fn items_that_do_not_add_up_are_refused_before_stripe_is_asked() {
    let (fake, stripe) = setup().await;
    let mut req = request(&key());
    req.amount = Cents(1);
    assert!(matches!(
        stripe.create(&req).await,
        Err(PaymentError::Refused(_))
    ));
    assert!(fake.requests().is_empty());
}

// --- status -------------------------------------------------------------------------------

#[tokio::test]
async fn an_open_session_is_pending() {
    let (_fake, stripe) = setup().await;
    let created = stripe.create(&request(&key())).await.unwrap();
    let status = stripe.status(&created.provider_reference).await.unwrap();
    assert_eq!(status.event, PaymentEvent::Pending);
    assert_eq!(status.transaction_reference, None);
    assert_eq!(status.method, None);
}

#[tokio::test]
async fn status_asks_for_the_payment_intent_and_its_charge_in_one_call() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;
    stripe.status(&id).await.unwrap();
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.method, "GET");
    assert_eq!(last.path, format!("/v1/checkout/sessions/{id}"));
    assert_eq!(
        last.query,
        vec![(
            "expand[0]".to_owned(),
            "payment_intent.latest_charge".to_owned()
        )]
    );
    assert_eq!(last.idempotency_key, None);
}

#[tokio::test]
async fn a_card_payment_is_paid_by_card() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;
    let status = stripe.status(&id).await.unwrap();
    assert_eq!(status.event, PaymentEvent::Paid);
    assert_eq!(status.method.as_deref(), Some("card"));
    assert_eq!(status.transaction_reference, fake.payment_intent_id(&id));
    assert!(status.transaction_reference.unwrap().starts_with("pi_"));
}

#[tokio::test]
async fn sepa_direct_debit_still_processing_is_pending() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::SepaProcessing).await;
    let status = stripe.status(&id).await.unwrap();
    assert_eq!(status.event, PaymentEvent::Pending);
    assert_eq!(status.method.as_deref(), Some("sepa_debit"));
}

#[tokio::test]
async fn sepa_direct_debit_that_went_through_is_paid() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::SepaProcessing).await;
    fake.set_outcome(&id, Outcome::SepaPaid);
    let status = stripe.status(&id).await.unwrap();
    assert_eq!(status.event, PaymentEvent::Paid);
    assert_eq!(status.method.as_deref(), Some("sepa_debit"));
}

#[tokio::test]
async fn a_failed_async_payment_is_failed() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::SepaProcessing).await;
    fake.set_outcome(&id, Outcome::AsyncPaymentFailed);
    let status = stripe.status(&id).await.unwrap();
    assert_eq!(status.event, PaymentEvent::Failed);
    assert_eq!(status.method.as_deref(), Some("sepa_debit"));
}

#[tokio::test]
async fn an_expired_session_is_expired() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::Expired).await;
    let status = stripe.status(&id).await.unwrap();
    assert_eq!(status.event, PaymentEvent::Expired);
    assert_eq!(status.transaction_reference, None);
}

#[tokio::test]
async fn a_refund_made_in_the_dashboard_shows_as_refunded() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;
    fake.set_refunded(&id, 2_600);
    assert_eq!(
        stripe.status(&id).await.unwrap().event,
        PaymentEvent::Refunded {
            total: Cents(2_600),
            amount: Cents(37_600)
        }
    );
}

#[tokio::test]
async fn an_unknown_session_is_not_found() {
    let (fake, stripe) = setup().await;
    assert!(matches!(
        stripe.status("cs_test_nosuchsession").await,
        Err(PaymentError::NotFound)
    ));
    assert_eq!(fake.requests().len(), 1);
    // Not an id of ours: never put into a URL.
    for bad in [
        "../refunds",
        "cs_test_a/../../refunds",
        "pi_123",
        "",
        "cs_a?expand[]=x",
    ] {
        assert!(
            matches!(stripe.status(bad).await, Err(PaymentError::NotFound)),
            "{bad}"
        );
    }
    assert_eq!(fake.requests().len(), 1);
}

// --- refunds ------------------------------------------------------------------------------

fn refund(id: &str, cents: i64) -> RefundRequest {
    RefundRequest {
        idempotency_key: key(),
        provider_reference: id.to_owned(),
        amount: Cents(cents),
    }
}

#[tokio::test]
async fn a_partial_refund_and_then_the_rest() {
    let (fake, stripe) = setup().await;
    assert!(stripe.refunds());
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;

    let first = refund(&id, 2_600);
    let done = stripe.refund(&first).await.unwrap();
    assert!(done.provider_refund_id.starts_with("re_"));
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent.path, "/v1/refunds");
    assert_eq!(
        sent.field("payment_intent"),
        fake.payment_intent_id(&id).as_deref()
    );
    assert_eq!(sent.field("amount"), Some("2600"));
    assert_eq!(
        sent.idempotency_key.as_deref(),
        Some(first.idempotency_key.as_str())
    );
    assert_eq!(
        stripe.status(&id).await.unwrap().event,
        PaymentEvent::Refunded {
            total: Cents(2_600),
            amount: Cents(37_600)
        }
    );

    let rest = stripe.refund(&refund(&id, 35_000)).await.unwrap();
    assert_ne!(rest.provider_refund_id, done.provider_refund_id);
    assert_eq!(
        stripe.status(&id).await.unwrap().event,
        PaymentEvent::Refunded {
            total: Cents(37_600),
            amount: Cents(37_600)
        }
    );
    assert_eq!(fake.refunds(&id).len(), 2);
}

#[tokio::test]
async fn a_full_refund_of_a_sepa_payment() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::SepaPaid).await;
    stripe.refund(&refund(&id, 37_600)).await.unwrap();
    assert_eq!(
        stripe.status(&id).await.unwrap().event,
        PaymentEvent::Refunded {
            total: Cents(37_600),
            amount: Cents(37_600)
        }
    );
}

#[tokio::test]
async fn a_refund_repeated_with_its_key_refunds_once() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;
    let req = refund(&id, 1_000);
    let a = stripe.refund(&req).await.unwrap();
    let b = stripe.refund(&req).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(fake.refunds(&id), vec![(a.provider_refund_id, 1_000)]);
}

#[tokio::test]
async fn refunding_more_than_was_paid_is_refused_with_stripes_message() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;
    match stripe.refund(&refund(&id, 40_000)).await {
        Err(PaymentError::Refused(m)) => {
            assert!(m.contains("greater than unrefunded amount"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert!(fake.refunds(&id).is_empty());
}

#[tokio::test]
async fn refunding_an_unpaid_payment_is_refused() {
    let (fake, stripe) = setup().await;
    let open = stripe.create(&request(&key())).await.unwrap();
    assert!(matches!(
        stripe.refund(&refund(&open.provider_reference, 100)).await,
        Err(PaymentError::Refused(_))
    ));
    let processing = paid_session(&fake, &stripe, Outcome::SepaProcessing).await;
    match stripe.refund(&refund(&processing, 100)).await {
        Err(PaymentError::Refused(m)) => {
            assert!(m.contains("does not have a successful charge"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        stripe.refund(&refund("cs_test_nosuchsession", 100)).await,
        Err(PaymentError::NotFound)
    ));
}

// --- errors -------------------------------------------------------------------------------

#[tokio::test]
async fn stripes_error_becomes_refused_with_its_message() {
    let (fake, stripe) = setup().await;
    fake.fail_next(
        400,
        "invalid_request_error",
        Some("parameter_invalid_string"),
        "Invalid URL: success_url must be a valid URL.",
    );
    match stripe.create(&request(&key())).await {
        Err(PaymentError::Refused(m)) => {
            assert_eq!(m, "Invalid URL: success_url must be a valid URL.")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_key_is_refused_without_showing_the_key() {
    let fake = FakeStripe::start().await;
    let mut config = fake.config();
    config.secret_key = "sk_test_thisisnotthekey9876".into();
    let stripe = Stripe::new(config).unwrap();
    match stripe.create(&request(&key())).await {
        Err(PaymentError::Refused(m)) => {
            assert!(m.starts_with("Invalid API Key provided"), "{m}");
            assert!(!m.contains("9876") && !m.contains("thisisnotthekey"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!fake.requests()[0].authorized);
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_unavailable() {
    let (fake, stripe) = setup().await;
    let created = stripe.create(&request(&key())).await.unwrap();
    fake.fail_next(
        429,
        "invalid_request_error",
        Some("rate_limit"),
        "Too many requests hit the API too quickly.",
    );
    assert!(matches!(
        stripe.status(&created.provider_reference).await,
        Err(PaymentError::Unavailable(_))
    ));
    fake.fail_next(500, "api_error", None, "An unknown error occurred.");
    assert!(matches!(
        stripe.status(&created.provider_reference).await,
        Err(PaymentError::Unavailable(_))
    ));
    // A refused request under a key is not saved: the same key works once Stripe is back.
    let req = request(&key());
    fake.fail_next(500, "api_error", None, "An unknown error occurred.");
    assert!(matches!(
        stripe.create(&req).await,
        Err(PaymentError::Unavailable(_))
    ));
    stripe.create(&req).await.unwrap();
    assert_eq!(fake.session_count(), 2);
}

#[tokio::test]
async fn stripe_answering_503_is_unavailable_until_it_is_back() {
    let (fake, stripe) = setup().await;
    let created = stripe.create(&request(&key())).await.unwrap();
    fake.set_unavailable(true);
    assert!(matches!(
        stripe.create(&request(&key())).await,
        Err(PaymentError::Unavailable(_))
    ));
    assert!(matches!(
        stripe.status(&created.provider_reference).await,
        Err(PaymentError::Unavailable(_))
    ));
    fake.set_unavailable(false);
    assert_eq!(
        stripe
            .status(&created.provider_reference)
            .await
            .unwrap()
            .event,
        PaymentEvent::Pending
    );
}

#[tokio::test]
async fn stripe_that_cannot_be_reached_is_unavailable() {
    let (fake, stripe) = setup().await;
    fake.shut_down();
    tokio::time::sleep(Duration::from_millis(50)).await;
    match stripe.create(&request(&key())).await {
        Err(PaymentError::Unavailable(m)) => assert!(!m.contains(fake.secret_key()), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_slow_stripe_times_out_as_unavailable() {
    let fake = FakeStripe::start().await;
    let mut config = fake.config();
    config.timeout = Duration::from_millis(300);
    let stripe = Stripe::new(config).unwrap();
    fake.set_delay(Duration::from_secs(2));
    let started = Instant::now();
    assert!(matches!(
        stripe.create(&request(&key())).await,
        Err(PaymentError::Unavailable(_))
    ));
    assert!(started.elapsed() < Duration::from_millis(1_500));
}

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let fake = FakeStripe::start().await;
    let config = fake.config();
    let shown = format!("{config:?} {:?}", Stripe::new(config.clone()).unwrap());
    assert!(!shown.contains(fake.secret_key()), "{shown}");
    assert!(!shown.contains(fake.webhook_secret()), "{shown}");
}

// --- webhooks -----------------------------------------------------------------------------

#[tokio::test]
async fn a_signed_event_names_its_session() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;
    for event_type in EventType::ALL {
        let d = fake.event(&id, event_type);
        let n = stripe
            .verify_notification(&d.headers(), &d.body, now())
            .unwrap();
        assert_eq!(n.event_id, d.event_id);
        assert!(n.event_id.starts_with("evt_"));
        assert_eq!(
            n.provider_reference.as_deref(),
            Some(id.as_str()),
            "{event_type:?}"
        );
    }
}

#[tokio::test]
async fn an_event_about_a_charge_names_no_session() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;
    let d = fake.charge_event(&id);
    let n = stripe
        .verify_notification(&d.headers(), &d.body, now())
        .unwrap();
    assert_eq!(n.event_id, d.event_id);
    assert_eq!(n.provider_reference, None);
}

#[tokio::test]
async fn several_v1_signatures_during_secret_rotation() {
    let fake = FakeStripe::start().await;
    let old = fake.webhook_secret().to_owned();
    let new = "whsec_thenewsecretafterrotation01".to_owned();
    let stripe = Stripe::new(fake.config()).unwrap();
    let created = stripe.create(&request(&key())).await.unwrap();
    let d = fake.event(&created.provider_reference, EventType::Completed);
    let t = now();
    // Stripe signs with both secrets while they overlap.
    let both = format!(
        "t={t},v1={},v1={}",
        v1_signature(&new, t, &d.body),
        v1_signature(&old, t, &d.body)
    );
    // The portal knows only the old secret, only the new one, or both.
    for secrets in [
        vec![old.clone()],
        vec![new.clone()],
        vec![old.clone(), new.clone()],
    ] {
        let mut config = fake.config();
        config.webhook_secrets = secrets.clone();
        let stripe = Stripe::new(config).unwrap();
        assert!(
            stripe
                .verify_notification(&signed(&both), &d.body, t)
                .is_ok(),
            "{} secrets",
            secrets.len()
        );
    }
    // Signed with the new one only: a portal configured with both accepts it.
    let mut config = fake.config();
    config.webhook_secrets = vec![old.clone(), new.clone()];
    let rotated = Stripe::new(config).unwrap();
    let only_new = signature_header(&new, t, &d.body);
    assert!(
        rotated
            .verify_notification(&signed(&only_new), &d.body, t)
            .is_ok()
    );
    assert_eq!(
        stripe.verify_notification(&signed(&only_new), &d.body, t),
        Err(NotificationError::BadSignature)
    );
}

#[tokio::test]
async fn a_forged_signature_is_refused() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;
    let d = fake.forged_event(&id, EventType::Completed);
    assert_eq!(
        stripe.verify_notification(&d.headers(), &d.body, now()),
        Err(NotificationError::BadSignature)
    );
}

#[tokio::test]
async fn a_signature_older_than_300_seconds_is_stale() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;
    let t = now();
    let d = fake.event_at(&id, EventType::Completed, t - 301);
    assert_eq!(
        stripe.verify_notification(&d.headers(), &d.body, t),
        Err(NotificationError::Stale)
    );
    let d = fake.event_at(&id, EventType::Completed, t - 300);
    assert!(stripe.verify_notification(&d.headers(), &d.body, t).is_ok());
    let d = fake.stale_event(&id, EventType::Expired, 3_600);
    assert_eq!(
        stripe.verify_notification(&d.headers(), &d.body, now()),
        Err(NotificationError::Stale)
    );
    // Stripe signs each retry anew: the same event signed now goes through.
    let retry = fake.resign(&d, now());
    let n = stripe
        .verify_notification(&retry.headers(), &retry.body, now())
        .unwrap();
    assert_eq!(n.event_id, d.event_id);
}

#[tokio::test]
async fn a_signature_from_the_future_is_refused() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;
    let t = now();
    let d = fake.event_at(&id, EventType::Completed, t + 301);
    assert_eq!(
        stripe.verify_notification(&d.headers(), &d.body, t),
        Err(NotificationError::Stale)
    );
    let d = fake.event_at(&id, EventType::Completed, t + 60);
    assert!(stripe.verify_notification(&d.headers(), &d.body, t).is_ok());
}

#[tokio::test]
async fn a_missing_or_malformed_signature_header_is_malformed() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;
    let d = fake.event(&id, EventType::Completed);
    let t = now();
    assert_eq!(
        stripe.verify_notification(&HeaderMap::new(), &d.body, t),
        Err(NotificationError::Malformed)
    );
    let good_v1 = v1_signature(fake.webhook_secret(), t, &d.body);
    for bad in [
        String::new(),
        "garbage".to_owned(),
        format!("v1={good_v1}"),
        format!("t={t}"),
        format!("t=yesterday,v1={good_v1}"),
        format!("t={t},t={t},v1={good_v1}"),
        format!("t={t};v1={good_v1}"),
    ] {
        assert_eq!(
            stripe.verify_notification(&signed(&bad), &d.body, t),
            Err(NotificationError::Malformed),
            "{bad:?}"
        );
    }
    let mut two = d.headers();
    two.append(
        "stripe-signature",
        HeaderValue::from_str(&d.signature).unwrap(),
    );
    assert_eq!(
        stripe.verify_notification(&two, &d.body, t),
        Err(NotificationError::Malformed)
    );
    let mut binary = HeaderMap::new();
    binary.insert(
        "stripe-signature",
        HeaderValue::from_bytes(b"t=1,v1=\xff").unwrap(),
    );
    assert_eq!(
        stripe.verify_notification(&binary, &d.body, t),
        Err(NotificationError::Malformed)
    );
    // A v1 that is not hex of the right length matches nothing.
    assert_eq!(
        stripe.verify_notification(&signed(&format!("t={t},v1=abc")), &d.body, t),
        Err(NotificationError::BadSignature)
    );
}

#[tokio::test]
async fn a_body_changed_after_signing_is_refused() {
    let (fake, stripe) = setup().await;
    let id = paid_session(&fake, &stripe, Outcome::PaidByCard).await;
    let d = fake.event(&id, EventType::Completed);
    let changed = d.tampered();
    assert_ne!(changed.body, d.body);
    assert_eq!(
        stripe.verify_notification(&changed.headers(), &changed.body, now()),
        Err(NotificationError::BadSignature)
    );
    let mut extra = d.body.clone();
    extra.extend_from_slice(b"\n");
    assert_eq!(
        stripe.verify_notification(&d.headers(), &extra, now()),
        Err(NotificationError::BadSignature)
    );
}

#[tokio::test]
async fn the_signature_is_checked_before_the_body_is_read() {
    let (fake, stripe) = setup().await;
    let t = now();
    let body = b"this is not JSON \xff\xfe";
    let forged = signature_header("whsec_nottheone", t, body);
    assert_eq!(
        stripe.verify_notification(&signed(&forged), body, t),
        Err(NotificationError::BadSignature)
    );
    let stale = signature_header(fake.webhook_secret(), t - 1_000, body);
    assert_eq!(
        stripe.verify_notification(&signed(&stale), body, t),
        Err(NotificationError::Stale)
    );
    let genuine = signature_header(fake.webhook_secret(), t, body);
    assert!(matches!(
        stripe.verify_notification(&signed(&genuine), body, t),
        Err(NotificationError::Unreadable(_))
    ));
    let no_id =
        br#"{"object":"event","data":{"object":{"id":"cs_test_1","object":"checkout.session"}}}"#;
    let genuine = signature_header(fake.webhook_secret(), t, no_id);
    assert!(matches!(
        stripe.verify_notification(&signed(&genuine), no_id, t),
        Err(NotificationError::Unreadable(_))
    ));
}

#[tokio::test]
async fn without_webhook_secrets_notifications_are_unsupported() {
    let fake = FakeStripe::start().await;
    let mut config = fake.config();
    config.webhook_secrets.clear();
    let stripe = Stripe::new(config).unwrap();
    let created = stripe.create(&request(&key())).await.unwrap();
    let d = fake.event(&created.provider_reference, EventType::Completed);
    assert_eq!(
        stripe.verify_notification(&d.headers(), &d.body, now()),
        Err(NotificationError::Unsupported)
    );
}

/// The fake delivers over HTTP like Stripe does; a receiver that verifies and answers 200 or
/// 400 sees genuine, forged and stale deliveries for many sessions apart.
#[tokio::test]
async fn deliveries_over_http_for_many_sessions() {
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::StatusCode;

    let fake = FakeStripe::start().await;
    let stripe = Arc::new(Stripe::new(fake.config()).unwrap());
    let received = Arc::new(std::sync::Mutex::new(Vec::new()));

    type Shared = (Arc<Stripe>, Arc<std::sync::Mutex<Vec<Option<String>>>>);
    async fn receive(
        State((stripe, received)): State<Shared>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        match stripe.verify_notification(&headers, &body, now()) {
            Ok(n) => {
                received.lock().unwrap().push(n.provider_reference);
                StatusCode::OK
            }
            Err(_) => StatusCode::BAD_REQUEST,
        }
    }
    let app = axum::Router::new()
        .route("/webhooks/stripe", axum::routing::post(receive))
        .with_state((stripe.clone(), received.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/stripe", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut ids = Vec::new();
    for _ in 0..50 {
        let created = stripe.create(&request(&key())).await.unwrap();
        fake.set_outcome(&created.provider_reference, Outcome::PaidByCard);
        ids.push(created.provider_reference);
    }
    assert_eq!(fake.session_count(), 50);
    let started = Instant::now();
    let deliveries: Vec<_> = ids
        .iter()
        .flat_map(|id| EventType::ALL.map(|t| fake.event(id, t)))
        .collect();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    for d in &deliveries {
        assert_eq!(fake.deliver(&url, d).await.unwrap(), StatusCode::OK);
        assert_eq!(
            fake.deliver(&url, &d.forged()).await.unwrap(),
            StatusCode::BAD_REQUEST
        );
    }
    let stale = fake.stale_event(&ids[0], EventType::Completed, 301);
    assert_eq!(
        fake.deliver(&url, &stale).await.unwrap(),
        StatusCode::BAD_REQUEST
    );
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), deliveries.len());
    assert!(got.iter().zip(&deliveries).all(|(g, d)| g == &d.session_id));
    server.abort();
}
