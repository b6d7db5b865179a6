#![allow(clippy::expect_used)]

//! The walking skeleton's journey: a citizen files an application and sees the reference
//! number; the clerk of that municipality sees it with every answer; nobody else does.

use reqwest::StatusCode;
use tests::{DOG_TAX_ANSWERS, DOG_TAX_FORM, Db, TestApp, both_databases};

async fn citizen_files_dog_tax_and_werther_clerk_sees_every_answer(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();

    let home = citizen.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.texts("ul.link-list a").contains(&"Werther".to_owned()));
    assert!(
        home.body.contains("demo-banner"),
        "every page shows the demo"
    );

    let tenant = citizen.get("/werther/").await;
    assert!(
        tenant
            .body
            .contains("/werther/services/hundesteuer-anmeldung")
    );
    let service = citizen.get("/werther/services/hundesteuer-anmeldung").await;
    assert_eq!(service.status, StatusCode::OK);
    assert!(service.body.contains(DOG_TAX_FORM));

    let done = citizen.apply(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let confirmation = citizen.get(&done.location()).await;
    assert_eq!(confirmation.status, StatusCode::OK);
    let reference = confirmation.text(".reference");
    assert!(
        reference.starts_with("WER-2026-") || reference.starts_with("WER-20"),
        "{reference}"
    );
    assert_eq!(reference.len(), "WER-2026-".len() + 6, "{reference}");
    assert_eq!(confirmation.header("cache-control"), "no-store");

    // Someone who only knows the link does not see the confirmation.
    let mut stranger = app.browser();
    assert_eq!(
        stranger.get(&done.location()).await.status,
        StatusCode::NOT_FOUND
    );

    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let inbox = clerk.get("/staff/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(
        inbox.texts("table.cases a").contains(&reference),
        "{}",
        inbox.body
    );
    let case_link = inbox.attr("table.cases a", "href").expect("case link");
    let case = clerk.get(&case_link).await;
    assert_eq!(case.status, StatusCode::OK);
    let values = case.texts(".summary dd");
    for expected in [
        "Anna",
        "Schulz",
        "12.03.1985",
        "Hauptstraße 1",
        "99735",
        "Bello",
        "Mischling",
    ] {
        assert!(
            values.iter().any(|v| v == expected),
            "{expected} missing in {values:?}"
        );
    }
    assert!(
        case.texts(".summary dt")
            .iter()
            .any(|l| l.contains("Vorname"))
    );

    // The clerk of Ellrich gets 404 for Werther's case, and does not list it.
    let mut other = app.browser();
    other.staff_login("clerk.ellrich", "demo").await;
    assert_eq!(other.get(&case_link).await.status, StatusCode::NOT_FOUND);
    assert!(!other.get("/staff/inbox").await.body.contains(&reference));
    assert_eq!(
        other.get("/staff/inbox?tenant=werther").await.status,
        StatusCode::NOT_FOUND
    );

    // No personal data in the log.
    let log = app.log_text();
    for secret in ["Anna", "Schulz", "Bello", "Hauptstraße"] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
    app.stop().await;
}

both_databases!(citizen_files_dog_tax_and_werther_clerk_sees_every_answer);
