#![allow(clippy::expect_used)]

//! Prefill from the citizen's login (issue 5, item 3): a form field that names a claim is
//! filled from the login. From a login at level substantial or above the value is vouched for:
//! shown read-only, and a crafted post cannot change it, up to the case the clerk sees. From a
//! low login it is a suggestion the citizen may change. Logged in through the demo's own
//! provider (the relying party's code path is the production one; the real-provider tests are
//! in citizen_login.rs).

use reqwest::StatusCode;
use tests::{Browser, Db, GRAVE_ANSWERS, TRADE_ANSWERS, TestApp, both_databases};

const TRADE_FORM: &str = "/werther/services/gewerbeanmeldung/form";
const GRAVE_FORM: &str = "/werther/services/grabnutzungsrecht-verlaengerung/form";

/// The clerk's page of the only case in Werther's inbox.
async fn werther_case_page(app: &TestApp) -> String {
    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let inbox = clerk.get("/staff/inbox?tenant=werther").await;
    let case_url = inbox.attr("main table a", "href").expect("the case");
    clerk.get(&case_url).await.body
}

async fn identity_fields_from_a_substantial_login_are_read_only_and_a_crafted_post_cannot_change_them(
    db: Db,
) {
    let app = TestApp::start(db).await;
    let mut citizen: Browser = app.browser();
    citizen.demo_login("leonie").await;

    let first = citizen.get(TRADE_FORM).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    for (id, value) in [
        ("#f-vorname", "Leonie"),
        ("#f-nachname", "Fischer"),
        ("#f-plz", "99765"),
        ("#f-ort", "Heringen/Helme"),
        ("#f-email", "leonie.fischer@example.org"),
    ] {
        assert_eq!(first.attr(id, "value").as_deref(), Some(value), "{id}");
        assert!(first.attr(id, "readonly").is_some(), "{id} is read-only");
    }
    assert!(
        first.body.contains("Aus Ihrem Nutzerkonto übernommen"),
        "the page says where the values come from"
    );

    // Every answer posted as a forger would: another name and address on every step.
    let forged: Vec<(&str, &str)> = TRADE_ANSWERS
        .iter()
        .map(|&(k, v)| match k {
            "vorname" => (k, "Mallory"),
            "nachname" => (k, "Fälscher"),
            "plz" => (k, "12345"),
            _ => (k, v),
        })
        .collect();
    let submitted = citizen.apply(TRADE_FORM, &forged).await;
    // The trade registration's fee is paid (the demo's simulation), then confirmed.
    let done = citizen.pay_demo(&submitted, "paid").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(
        done.location().contains("/confirmation"),
        "{}",
        done.location()
    );

    let case = werther_case_page(&app).await;
    assert!(
        case.contains("Leonie") && case.contains("Fischer"),
        "{case}"
    );
    assert!(case.contains("99765"), "{case}");
    assert!(
        !case.contains("Mallory") && !case.contains("Fälscher") && !case.contains("12345"),
        "a crafted post changed a vouched-for value: {case}"
    );
    app.stop().await;
}

async fn values_from_a_low_login_are_suggestions_the_citizen_may_change(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    citizen.demo_login("jonas").await;

    let first = citizen.get(GRAVE_FORM).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.attr("#f-vorname", "value").as_deref(), Some("Jonas"));
    assert_eq!(first.attr("#f-nachname", "value").as_deref(), Some("Weber"));
    assert!(first.attr("#f-vorname", "readonly").is_none(), "editable");

    // The citizen applies for someone else's grave in their own name as typed: Erika.
    let submitted = citizen.apply(GRAVE_FORM, GRAVE_ANSWERS).await;
    let done = citizen.pay_demo(&submitted, "paid").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let case = werther_case_page(&app).await;
    assert!(
        case.contains("Erika") && case.contains("Hoffmann"),
        "{case}"
    );
    assert!(
        !case.contains("Weber"),
        "the suggestion was replaced: {case}"
    );
    app.stop().await;
}

both_databases!(
    identity_fields_from_a_substantial_login_are_read_only_and_a_crafted_post_cannot_change_them,
    values_from_a_low_login_are_suggestions_the_citizen_may_change,
);
