#![allow(clippy::expect_used)]

//! When something breaks inside (here: the database disappears), the citizen gets a friendly
//! 500 page with a correlation id, and the log has the same id with the cause — but none of
//! what the citizen typed.

use reqwest::StatusCode;
use tests::{DOG_TAX_ANSWERS, DOG_TAX_FORM, Db, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_submission_shows_a_correlation_id_that_the_log_explains() {
    let app = TestApp::start(Db::Postgres).await;
    let mut citizen = app.browser();
    // Every step taken, the check page open: the database goes as the citizen submits.
    let check = citizen.walk_to_check(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    let check_url = check.form_action();
    let token = check.csrf_token();
    app.db.drop_database().await;

    let page = citizen
        .post(&check_url, &[("_csrf", &token), ("_declaration", "yes")])
        .await;
    assert_eq!(
        page.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        page.body
    );
    assert!(page.header("content-type").starts_with("text/html"));
    let id = page.text(".correlation-id");
    assert_eq!(id.len(), 16, "a correlation id on the page: {}", page.body);
    assert!(page.body.contains("demo-banner"));
    assert_eq!(page.header("cache-control"), "no-store");

    // Give the log reader a moment, then find the id with the cause next to it.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = app.log_text();
    let line = log
        .lines()
        .find(|l| l.contains(&id) && l.contains("internal error"))
        .unwrap_or_else(|| panic!("no log line with {id}:\n{log}"));
    assert!(line.contains("database"), "{line}");
    for typed in ["Anna", "Schulz", "Bello", "Hauptstraße"] {
        assert!(!log.contains(typed), "{typed} in the log:\n{log}");
    }
    app.stop().await;
}
