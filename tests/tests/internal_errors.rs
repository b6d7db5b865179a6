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
    let form = citizen.get(DOG_TAX_FORM).await;
    let token = form.csrf_token();
    app.db.drop_database().await;

    let mut fields = vec![("_csrf", token.as_str())];
    fields.extend_from_slice(DOG_TAX_ANSWERS);
    let page = citizen.post(DOG_TAX_FORM, &fields).await;
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
