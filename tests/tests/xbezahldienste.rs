//! The XBezahldienste adapter (ePayBL over mutual TLS, pmPayment with OAuth2 client
//! credentials) against the fake platform in `tests::fake_xbezahldienste`, which follows
//! PROTOCOLS.md, not the adapter.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use payments::xbezahldienste::{Auth, XBezahldienste, XBezahldiensteConfig};
use payments::{Cents, FeeItem, PaymentError, PaymentEvent, PaymentProvider, PaymentRequest};
use tests::fake_xbezahldienste::{
    CLIENT_ID, CLIENT_SECRET, ENDPOINT_ID, FakeXBezahldienste, ORIGINATOR_ID,
};

const KEY: &str = "6f1c2a9e-0d4b-4c8e-9a57-3b2f1e0c7d44";

fn grave_fee(key: &str) -> PaymentRequest {
    PaymentRequest {
        idempotency_key: key.into(),
        amount: Cents(35_005),
        currency: "EUR".into(),
        reference: "GRAB-2026-7K3QF".into(),
        description: "Verlängerung des Nutzungsrechts an einer Grabstätte".into(),
        items: vec![
            FeeItem {
                description: "Nutzungsrecht, je Jahr".into(),
                quantity: 10,
                unit_amount: Cents(3500),
            },
            FeeItem {
                description: "Verwaltungsgebühr".into(),
                quantity: 1,
                unit_amount: Cents(5),
            },
        ],
        return_url: "https://portal.example/werther/payments/return/abc".into(),
        cancel_url: "https://portal.example/werther/payments/cancel/abc".into(),
        booking_data: BTreeMap::from([
            ("haushaltsstelle".into(), "1.7500.1100".into()),
            ("objektnummer".into(), "F-B-3-12".into()),
        ]),
        expires_at: None,
    }
}

fn mtls_config(fake: &FakeXBezahldienste) -> XBezahldiensteConfig {
    let pki = fake.pki();
    let mut config = XBezahldiensteConfig::new(
        &fake.base_url,
        ORIGINATOR_ID,
        ENDPOINT_ID,
        Auth::MutualTls {
            cert_pem: pki.client_cert_pem.clone().into_bytes(),
            key_pem: pki.client_key_pem.clone().into_bytes(),
        },
    );
    config.server_ca_pem = Some(pki.ca_pem.clone().into_bytes());
    config.timeout = Duration::from_secs(5);
    config
}

fn epaybl(fake: &FakeXBezahldienste) -> XBezahldienste {
    XBezahldienste::new(mtls_config(fake)).unwrap()
}

fn oauth_config(fake: &FakeXBezahldienste, secret: &str) -> XBezahldiensteConfig {
    let mut config = XBezahldiensteConfig::new(
        &fake.base_url,
        ORIGINATOR_ID,
        ENDPOINT_ID,
        Auth::ClientCredentials {
            token_url: None,
            client_id: CLIENT_ID.into(),
            client_secret: secret.into(),
        },
    );
    config.timeout = Duration::from_secs(5);
    config
}

fn pmpayment(fake: &FakeXBezahldienste) -> XBezahldienste {
    XBezahldienste::new(oauth_config(fake, CLIENT_SECRET)).unwrap()
}

/// Create, read INITIAL, let the platform report payment, read Paid with the Kassenzeichen
/// and the method.
async fn create_and_follow(adapter: &XBezahldienste, fake: &FakeXBezahldienste) {
    assert!(!adapter.refunds());
    let created = adapter.create(&grave_fee(KEY)).await.unwrap();
    assert!(!created.provider_reference.is_empty());
    assert!(
        created.redirect_url.contains("/pay/"),
        "{}",
        created.redirect_url
    );
    assert!(created.transaction_reference.is_some());
    assert_eq!(fake.transactions_created(), 1);

    let pending = adapter.status(&created.provider_reference).await.unwrap();
    assert_eq!(pending.event, PaymentEvent::Pending);
    assert_eq!(pending.method, None);

    assert!(fake.set_status(&created.provider_reference, "PAYED"));
    fake.set_payment_method(&created.provider_reference, "GIROPAY");
    let paid = adapter.status(&created.provider_reference).await.unwrap();
    assert_eq!(paid.event, PaymentEvent::Paid);
    assert_eq!(paid.method.as_deref(), Some("GIROPAY"));
    assert_eq!(paid.transaction_reference, created.transaction_reference);
}

#[tokio::test]
async fn epaybl_creates_a_payment_and_reads_its_status_over_mutual_tls() {
    let fake = FakeXBezahldienste::start_mtls().await;
    let adapter = epaybl(&fake);
    assert_eq!(adapter.name(), "epaybl");
    create_and_follow(&adapter, &fake).await;
    assert_eq!(fake.tls_rejections(), 0);
}

#[tokio::test]
async fn pmpayment_creates_a_payment_and_reads_its_status_with_a_bearer_token() {
    let fake = FakeXBezahldienste::start_oauth().await;
    let adapter = pmpayment(&fake);
    assert_eq!(adapter.name(), "pmpayment");
    create_and_follow(&adapter, &fake).await;
}

#[tokio::test]
async fn the_create_request_speaks_the_xbezahldienste_wire_format() {
    let fake = FakeXBezahldienste::start_oauth().await;
    let adapter = pmpayment(&fake);
    let mut request = grave_fee(KEY);
    request.reference = "GRAB-2026-7K3QF-Nutzungsrecht-Ä-verlängert".into();
    request.description = "Ä".repeat(300);
    adapter.create(&request).await.unwrap();

    let raw = fake.last_create_body().unwrap();
    // Decimal euros with two places, as JSON numbers.
    assert!(raw.contains(r#""grosAmount":350.05"#), "{raw}");
    assert!(raw.contains(r#""singleNetAmount":35.00"#), "{raw}");
    assert!(raw.contains(r#""totalNetAmount":350.00"#), "{raw}");

    let body = fake.last_create_request().unwrap();
    assert_eq!(body["requestId"], KEY);
    assert_eq!(body["currency"], "EUR");
    assert_eq!(body["redirectUrl"], request.return_url);
    let timestamp = body["requestTimestamp"].as_str().unwrap();
    assert!(
        timestamp.len() == 20 && timestamp.ends_with('Z') && &timestamp[10..11] == "T",
        "{timestamp}"
    );
    let purpose = body["purpose"].as_str().unwrap();
    assert_eq!(purpose.chars().count(), 27);
    assert!(request.reference.starts_with(purpose));
    assert_eq!(body["description"].as_str().unwrap().chars().count(), 250);

    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let first = &items[0];
    assert_eq!(first["id"], "1");
    assert_eq!(first["reference"], request.reference);
    assert_eq!(first["description"], "Nutzungsrecht, je Jahr");
    assert_eq!(first["quantity"], 10);
    assert_eq!(first["taxRate"], 0);
    assert_eq!(first["singleTaxAmount"].as_f64(), Some(0.0));
    assert_eq!(first["totalTaxAmount"].as_f64(), Some(0.0));
    assert_eq!(first["bookingData"]["haushaltsstelle"], "1.7500.1100");
    assert_eq!(first["bookingData"]["objektnummer"], "F-B-3-12");
    assert_eq!(items[1]["id"], "2");

    // Whole euros keep their two places too.
    let mut whole = grave_fee("whole-euros-1");
    whole.amount = Cents(2600);
    whole.items = vec![FeeItem {
        description: "Hundesteuer".into(),
        quantity: 1,
        unit_amount: Cents(2600),
    }];
    adapter.create(&whole).await.unwrap();
    let raw = fake.last_create_body().unwrap();
    assert!(raw.contains(r#""grosAmount":26.00"#), "{raw}");
}

#[tokio::test]
async fn a_key_longer_than_36_characters_is_refused_before_anything_is_sent() {
    let fake = FakeXBezahldienste::start_oauth().await;
    let adapter = pmpayment(&fake);
    let result = adapter.create(&grave_fee(&"k".repeat(37))).await;
    assert!(
        matches!(result, Err(PaymentError::Refused(_))),
        "{result:?}"
    );
    assert_eq!(fake.api_calls(), 0);
    assert_eq!(fake.token_requests(), 0);
}

#[tokio::test]
async fn creating_again_with_the_same_key_makes_one_transaction() {
    let fake = FakeXBezahldienste::start_mtls().await;
    let adapter = epaybl(&fake);
    let first = adapter.create(&grave_fee(KEY)).await.unwrap();
    let again = adapter.create(&grave_fee(KEY)).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(fake.create_requests(), 2);
    assert_eq!(fake.transactions_created(), 1);

    let other = adapter
        .create(&grave_fee("0b7e4c1d-another-attempt"))
        .await
        .unwrap();
    assert_ne!(other.provider_reference, first.provider_reference);
    assert_eq!(fake.transactions_created(), 2);
}

#[tokio::test]
async fn creating_again_after_payment_sends_the_citizen_back_to_the_portal() {
    let fake = FakeXBezahldienste::start_oauth().await;
    let adapter = pmpayment(&fake);
    let request = grave_fee(KEY);
    let first = adapter.create(&request).await.unwrap();
    fake.set_status(&first.provider_reference, "BOOKED");
    let again = adapter.create(&request).await.unwrap();
    assert_eq!(again.provider_reference, first.provider_reference);
    assert_eq!(again.redirect_url, request.return_url);
    assert_eq!(fake.transactions_created(), 1);
}

#[tokio::test]
async fn every_spelling_of_paid_counts_and_the_other_states_map() {
    let fake = FakeXBezahldienste::start_oauth().await;
    let adapter = pmpayment(&fake);
    let created = adapter.create(&grave_fee(KEY)).await.unwrap();
    let id = &created.provider_reference;
    for (status, event) in [
        ("INITIAL", PaymentEvent::Pending),
        ("PAYED", PaymentEvent::Paid),
        ("PAID", PaymentEvent::Paid),
        ("BOOKED", PaymentEvent::Paid),
        ("FAILED", PaymentEvent::Failed),
        ("CANCELED", PaymentEvent::Cancelled),
        ("CANCELLED", PaymentEvent::Cancelled),
    ] {
        fake.set_status(id, status);
        let read = adapter.status(id).await.unwrap();
        assert_eq!(read.event, event, "{status}");
    }
}

#[tokio::test]
async fn an_unknown_status_is_never_taken_for_paid() {
    let fake = FakeXBezahldienste::start_mtls().await;
    let adapter = epaybl(&fake);
    let created = adapter.create(&grave_fee(KEY)).await.unwrap();
    for status in ["REFUNDED", "PAYMENT_PENDING", "", "PAYED_PARTIALLY"] {
        fake.set_status(&created.provider_reference, status);
        match adapter.status(&created.provider_reference).await {
            Err(PaymentError::Refused(message)) => {
                assert!(message.contains("status"), "{message}")
            }
            other => panic!("{status:?} read as {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_unknown_transaction_is_not_found() {
    let fake = FakeXBezahldienste::start_mtls().await;
    let adapter = epaybl(&fake);
    let result = adapter.status("TX-does-not-exist").await;
    assert!(matches!(result, Err(PaymentError::NotFound)), "{result:?}");
}

#[tokio::test]
async fn a_client_without_the_platforms_certificate_is_refused() {
    let fake = FakeXBezahldienste::start_mtls().await;
    let pki = fake.pki();

    // No client certificate at all, server trusted: the handshake fails.
    let bare = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let url = format!(
        "{}/paymenttransaction/{ORIGINATOR_ID}/{ENDPOINT_ID}/anything",
        fake.base_url
    );
    assert!(bare.get(&url).send().await.is_err());

    // A certificate from a CA the platform does not trust: an error, never a payment.
    let mut config = mtls_config(&fake);
    config.auth = Auth::MutualTls {
        cert_pem: pki.foreign_client_cert_pem.clone().into_bytes(),
        key_pem: pki.foreign_client_key_pem.clone().into_bytes(),
    };
    let stranger = XBezahldienste::new(config).unwrap();
    let created = stranger.create(&grave_fee(KEY)).await;
    assert!(
        matches!(created, Err(PaymentError::Unavailable(_))),
        "{created:?}"
    );

    // Even for a transaction that is paid.
    let real = epaybl(&fake).create(&grave_fee(KEY)).await.unwrap();
    fake.set_status(&real.provider_reference, "PAYED");
    let status = stranger.status(&real.provider_reference).await;
    assert!(status.is_err(), "{status:?}");

    assert_eq!(fake.api_calls(), 1);
    assert!(fake.tls_rejections() >= 3, "{}", fake.tls_rejections());
}

#[tokio::test]
async fn a_platform_whose_certificate_is_not_from_the_configured_ca_is_not_trusted() {
    let fake = FakeXBezahldienste::start_mtls().await;
    let mut config = mtls_config(&fake);
    config.server_ca_pem = Some(fake.pki().foreign_ca_pem.clone().into_bytes());
    let adapter = XBezahldienste::new(config).unwrap();
    let result = adapter.create(&grave_fee(KEY)).await;
    assert!(
        matches!(result, Err(PaymentError::Unavailable(_))),
        "{result:?}"
    );
    assert_eq!(fake.transactions_created(), 0);
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_without_showing_it() {
    let fake = FakeXBezahldienste::start_oauth().await;
    let adapter = XBezahldienste::new(oauth_config(&fake, "not-the-secret-1234")).unwrap();
    let result = adapter.create(&grave_fee(KEY)).await;
    let Err(PaymentError::Refused(message)) = result else {
        panic!("{result:?}");
    };
    assert!(message.contains("invalid_client") || message.contains("client authentication"));
    assert!(!message.contains("not-the-secret-1234"), "{message}");
    assert!(!format!("{adapter:?}").contains("not-the-secret-1234"));
    assert_eq!(fake.api_calls(), 0);
}

#[tokio::test]
async fn the_token_is_kept_for_several_calls() {
    let fake = FakeXBezahldienste::start_oauth().await;
    let adapter = pmpayment(&fake);
    let created = adapter.create(&grave_fee(KEY)).await.unwrap();
    for _ in 0..3 {
        adapter.status(&created.provider_reference).await.unwrap();
    }
    adapter.create(&grave_fee(KEY)).await.unwrap();
    assert_eq!(fake.token_requests(), 1);
    assert_eq!(fake.api_calls(), 5);
}

#[tokio::test]
async fn concurrent_calls_share_one_token_request() {
    let fake = FakeXBezahldienste::start_oauth().await;
    let created = pmpayment(&fake).create(&grave_fee(KEY)).await.unwrap();
    let before = fake.token_requests();
    // A new adapter has no token yet; eight calls at once fetch one.
    let adapter = std::sync::Arc::new(pmpayment(&fake));
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let adapter = adapter.clone();
            let id = created.provider_reference.clone();
            tokio::spawn(async move { adapter.status(&id).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(fake.token_requests(), before + 1);
}

#[tokio::test]
async fn a_token_the_platform_no_longer_accepts_is_renewed_once() {
    let fake = FakeXBezahldienste::start_oauth().await;
    let adapter = pmpayment(&fake);
    let created = adapter.create(&grave_fee(KEY)).await.unwrap();
    assert_eq!(fake.token_requests(), 1);

    fake.revoke_tokens();
    let status = adapter.status(&created.provider_reference).await.unwrap();
    assert_eq!(status.event, PaymentEvent::Pending);
    assert_eq!(fake.token_requests(), 2);

    // A platform that refuses every token: one renewal, then Refused, no loop.
    fake.refuse_all_tokens(true);
    let calls = fake.api_calls();
    let result = adapter.status(&created.provider_reference).await;
    assert!(
        matches!(result, Err(PaymentError::Refused(_))),
        "{result:?}"
    );
    assert_eq!(fake.token_requests(), 3);
    assert_eq!(fake.api_calls(), calls + 2);
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    let fake = FakeXBezahldienste::start_oauth().await;
    fake.set_token_lifetime(1);
    let adapter = pmpayment(&fake);
    let created = adapter.create(&grave_fee(KEY)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let calls = fake.api_calls();
    adapter.status(&created.provider_reference).await.unwrap();
    assert_eq!(fake.token_requests(), 2);
    // Renewed before the call, so the platform never saw the expired token.
    assert_eq!(fake.api_calls(), calls + 1);
}

#[tokio::test]
async fn a_platform_that_is_down_is_unavailable() {
    for fake in [
        FakeXBezahldienste::start_mtls().await,
        FakeXBezahldienste::start_oauth().await,
    ] {
        let adapter = if fake.base_url.starts_with("https") {
            epaybl(&fake)
        } else {
            pmpayment(&fake)
        };
        let created = adapter.create(&grave_fee(KEY)).await.unwrap();
        fake.set_status(&created.provider_reference, "PAYED");
        fake.set_down(true);
        let create = adapter.create(&grave_fee("second-attempt-key")).await;
        assert!(
            matches!(create, Err(PaymentError::Unavailable(_))),
            "{create:?}"
        );
        let status = adapter.status(&created.provider_reference).await;
        assert!(
            matches!(status, Err(PaymentError::Unavailable(_))),
            "{status:?}"
        );
        fake.set_down(false);
        let status = adapter.status(&created.provider_reference).await.unwrap();
        assert_eq!(status.event, PaymentEvent::Paid);
    }
}

#[tokio::test]
async fn a_token_endpoint_that_is_down_is_unavailable() {
    let fake = FakeXBezahldienste::start_oauth().await;
    fake.set_down(true);
    let result = pmpayment(&fake).create(&grave_fee(KEY)).await;
    assert!(
        matches!(result, Err(PaymentError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unreachable_platform_is_unavailable() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let fake = FakeXBezahldienste::start_oauth().await;
    let mut config = oauth_config(&fake, CLIENT_SECRET);
    config.base_url = format!("http://{closed}/rest");
    let result = XBezahldienste::new(config).unwrap().status("TX-1").await;
    assert!(
        matches!(result, Err(PaymentError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_slow_platform_times_out_as_unavailable() {
    let fake = FakeXBezahldienste::start_mtls().await;
    let mut config = mtls_config(&fake);
    config.timeout = Duration::from_millis(300);
    let adapter = XBezahldienste::new(config).unwrap();
    fake.set_delay(Duration::from_secs(3));
    let started = Instant::now();
    let result = adapter.create(&grave_fee(KEY)).await;
    assert!(
        matches!(&result, Err(PaymentError::Unavailable(m)) if m.contains("timed out")),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn an_endpoint_the_platform_does_not_know_is_refused() {
    let fake = FakeXBezahldienste::start_mtls().await;
    let mut config = mtls_config(&fake);
    config.endpoint_id = "another-office".into();
    let result = XBezahldienste::new(config)
        .unwrap()
        .create(&grave_fee(KEY))
        .await;
    let Err(PaymentError::Refused(message)) = result else {
        panic!("{result:?}");
    };
    assert!(
        message.contains("unknown originator or endpoint"),
        "{message}"
    );
}

#[tokio::test]
async fn a_request_the_platform_rejects_is_refused_with_its_message() {
    let fake = FakeXBezahldienste::start_oauth().await;
    let mut request = grave_fee(KEY);
    request.currency = "USD".into();
    let result = pmpayment(&fake).create(&request).await;
    let Err(PaymentError::Refused(message)) = result else {
        panic!("{result:?}");
    };
    assert!(message.contains("currency must be EUR"), "{message}");
    assert_eq!(fake.transactions_created(), 0);
}

#[tokio::test]
async fn the_citizen_pays_on_the_platforms_page_and_comes_back() {
    let fake = FakeXBezahldienste::start_mtls().await;
    let adapter = epaybl(&fake);
    let request = grave_fee(KEY);
    let created = adapter.create(&request).await.unwrap();

    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser.get(&created.redirect_url).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    assert!(page.text().await.unwrap().contains("350.05"));
    let back = browser.post(&created.redirect_url).send().await.unwrap();
    assert_eq!(back.status(), reqwest::StatusCode::SEE_OTHER);
    assert_eq!(
        back.headers()[reqwest::header::LOCATION].to_str().unwrap(),
        request.return_url
    );

    let status = adapter.status(&created.provider_reference).await.unwrap();
    assert_eq!(status.event, PaymentEvent::Paid);
    assert_eq!(status.method.as_deref(), Some("CREDITCARD"));
    // The page is gone once paid, and the status no longer offers it.
    let info = fake.transaction(&created.provider_reference).unwrap();
    assert!(info["paymentInformation"]["transactionRedirectUrl"].is_null());
}
