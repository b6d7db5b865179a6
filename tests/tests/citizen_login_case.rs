#![allow(clippy::expect_used)]

//! What a citizen's login means for the case (issue 5, review), against the real, independent
//! test provider: an email address the provider has not verified (`email_verified` not
//! `true`) is no vouched-for value even from a `substantial` login, so the citizen may change
//! it; and the clerk's case page says at which trust level the citizen was logged in when
//! submitting, or that there was no login.

use reqwest::StatusCode;
use tests::oidc::{
    ANNA, OpBrowser, TestOp, free_port, log_in, portal_with_login, post_logout_redirect_uri,
    redirect_uri,
};
use tests::{Browser, Db, TRADE_ANSWERS, TestApp, both_databases, file_dog_tax};

const SUBSTANTIAL_ACR: &str = "STORK-QAA-Level-3";
const TRADE_FORM: &str = "/werther/services/gewerbeanmeldung/form";
/// What the test provider sends for Anna: an `email`, but no `email_verified`.
const ANNAS_EMAIL: &str = "anna.schulz@example.org";

/// The case id in a confirmation URL (`/{tenant}/cases/{id}/confirmation`).
fn case_id(url: &str) -> String {
    url.split("/cases/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("not a case URL: {url}"))
        .to_owned()
}

/// The clerk's page of case `id`, as one text.
async fn clerk_sees(clerk: &mut Browser, id: &str) -> String {
    let page = clerk.get(&format!("/staff/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.texts(".case-meta .summary-row").join("\n") + "\n" + &page.body
}

async fn an_unverified_email_stays_editable_and_the_case_records_the_login_level(db: Db) {
    let port = free_port();
    let op = TestOp::start(&redirect_uri(port), &post_logout_redirect_uri(port)).await;
    let app: TestApp = portal_with_login(db, &op.issuer, port).await;

    let mut anna = app.browser();
    let back = log_in(
        &mut anna,
        &mut OpBrowser::new(),
        TRADE_FORM,
        "substantial",
        ANNA,
        SUBSTANTIAL_ACR,
    )
    .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let first = anna.get(TRADE_FORM).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    // The name is vouched for; the email address only suggested.
    assert_eq!(first.attr("#f-vorname", "value").as_deref(), Some("Anna"));
    assert!(
        first.attr("#f-vorname", "readonly").is_some(),
        "name locked"
    );
    assert_eq!(
        first.attr("#f-email", "value").as_deref(),
        Some(ANNAS_EMAIL)
    );
    assert!(
        first.attr("#f-email", "readonly").is_none(),
        "an email without email_verified is locked:\n{}",
        first.body
    );

    // She gives another address (and a forger's name, which does not count).
    let answers: Vec<(&str, &str)> = TRADE_ANSWERS
        .iter()
        .map(|&(k, v)| match k {
            "email" => (k, "anna.privat@example.org"),
            "vorname" => (k, "Mallory"),
            _ => (k, v),
        })
        .collect();
    let submitted = anna.apply(TRADE_FORM, &answers).await;
    let done = anna.pay_demo(&submitted, "paid").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let logged_in_case = case_id(&done.location());

    // Someone else files the dog tax without logging in.
    let filed = file_dog_tax(&mut app.browser()).await;
    let anonymous_case = case_id(&filed.confirmation);

    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let case = clerk_sees(&mut clerk, &logged_in_case).await;
    assert!(
        case.contains("anna.privat@example.org") && !case.contains(ANNAS_EMAIL),
        "the address she typed counts:\n{case}"
    );
    assert!(
        case.contains("Anna") && !case.contains("Mallory"),
        "the vouched-for name counts:\n{case}"
    );
    assert!(
        case.contains("Angemeldet mit Vertrauensniveau: substanziell"),
        "the login's level on the case page:\n{case}"
    );
    let case = clerk_sees(&mut clerk, &anonymous_case).await;
    assert!(
        case.contains("Ohne Anmeldung eingereicht") && !case.contains("Vertrauensniveau"),
        "{case}"
    );

    // In English as well.
    clerk.get("/lang/en?next=/").await;
    let case = clerk_sees(&mut clerk, &logged_in_case).await;
    assert!(
        case.contains("Logged in at trust level: substantial"),
        "{case}"
    );
    app.stop().await;
}

both_databases!(an_unverified_email_stays_editable_and_the_case_records_the_login_level);
