#![allow(clippy::expect_used)]

//! Save and continue later: a citizen saves what they typed, gets a resume link, continues in
//! another browser and submits; the link then works no more, and an old tab cannot submit the
//! same draft twice.

use reqwest::StatusCode;
use tests::{DOG_TAX_ANSWERS, DOG_TAX_FORM, Db, TestApp, both_databases, dog_tax_answers_with};

fn resume_path(page: &tests::Page) -> String {
    let link = page
        .attr(".resume-link a", "href")
        .unwrap_or_else(|| panic!("no resume link:\n{}", page.body));
    let path = link
        .split_once("/werther/")
        .map(|(_, rest)| format!("/werther/{rest}"))
        .expect("a link into the municipality");
    assert!(path.starts_with("/werther/resume/"), "{path}");
    path
}

async fn a_saved_application_is_resumed_in_another_browser_and_submitted_once(db: Db) {
    let mut app = TestApp::start(db).await;
    let mut first = app.browser();
    let half = [
        ("vorname", "Anna"),
        ("nachname", "Schulz"),
        ("plz", "9973"),
        ("_action", "save"),
    ];
    let saved = first.submit(DOG_TAX_FORM, &half).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.header("cache-control"), "no-store");
    let path = resume_path(&saved);
    assert!(
        saved.body.contains(&app.base),
        "the link is absolute: {}",
        saved.body
    );
    assert_eq!(app.count_rows("cases").await, 0, "saving submits nothing");

    // The draft survives a crash.
    app.crash_and_restart().await;

    // Another browser continues: everything typed so far is there, even the wrong postcode.
    let mut second = app.browser();
    let resumed = second.get(&path).await;
    assert_eq!(resumed.status, StatusCode::OK, "{}", resumed.body);
    assert_eq!(resumed.attr("#f-vorname", "value").as_deref(), Some("Anna"));
    assert_eq!(resumed.attr("#f-plz", "value").as_deref(), Some("9973"));
    let draft = resumed
        .attr("input[name=_draft]", "value")
        .expect("draft field");
    let token = resumed.csrf_token();
    let mut fields = vec![("_csrf", token.as_str()), ("_draft", draft.as_str())];
    fields.extend(dog_tax_answers_with(&[("plz", "99735")]));
    let done = second.post(DOG_TAX_FORM, &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(second.get(&done.location()).await.status, StatusCode::OK);
    assert_eq!(app.count_rows("cases").await, 1);

    // The link is used up: a clear page, not an error.
    let gone = app.browser().get(&path).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.text("h1").contains("abgelaufen"), "{}", gone.body);

    // The first browser's old tab posts the same draft: refused, values kept, nothing twice.
    let form = first.get(DOG_TAX_FORM).await;
    let token = form.csrf_token();
    let mut fields = vec![("_csrf", token.as_str()), ("_draft", draft.as_str())];
    fields.extend_from_slice(DOG_TAX_ANSWERS);
    let again = first.post(DOG_TAX_FORM, &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("schon abgeschickt"), "{}", again.body);
    assert_eq!(again.attr("#f-vorname", "value").as_deref(), Some("Anna"));
    assert!(again.attr("input[name=_draft]", "value").is_none());
    assert_eq!(app.count_rows("cases").await, 1);

    // Unknown and malformed links get the same clear page.
    for bad in [
        "/werther/resume/nope",
        "/werther/resume/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let page = app.browser().get(bad).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(
            page.body.contains("Link abgelaufen oder unbekannt"),
            "{bad}"
        );
    }
    // Another municipality does not know Werther's draft links.
    let other = path.replacen("/werther/", "/ellrich/", 1);
    assert_eq!(
        app.browser().get(&other).await.status,
        StatusCode::NOT_FOUND
    );

    // No personal data in the log.
    let log = app.log_text();
    assert!(!log.contains("Anna") && !log.contains("Schulz"), "{log}");
    app.stop().await;
}

async fn saving_again_keeps_one_draft_and_its_link(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let saved = citizen
        .submit(DOG_TAX_FORM, &[("vorname", "Anna"), ("_action", "save")])
        .await;
    let path = resume_path(&saved);
    let resumed = citizen.get(&path).await;
    let draft = resumed
        .attr("input[name=_draft]", "value")
        .expect("draft field");
    let token = resumed.csrf_token();
    let again = citizen
        .post(
            DOG_TAX_FORM,
            &[
                ("_csrf", &token),
                ("_draft", &draft),
                ("vorname", "Anna"),
                ("nachname", "Schulz"),
                ("_action", "save"),
            ],
        )
        .await;
    assert_eq!(
        resume_path(&again),
        path,
        "the same link after saving again"
    );
    assert_eq!(app.count_rows("drafts").await, 1);
    let page = citizen.get(&path).await;
    assert_eq!(page.attr("#f-nachname", "value").as_deref(), Some("Schulz"));
    app.stop().await;
}

both_databases!(
    a_saved_application_is_resumed_in_another_browser_and_submitted_once,
    saving_again_keeps_one_draft_and_its_link,
);
