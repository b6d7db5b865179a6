#![allow(clippy::expect_used)]

//! The application journey and its drafts (issue 4, items 5 and 7): one page per step, back
//! and forth without losing answers, a check page with change links and a declaration, answers
//! saved at every step, a resume link that hands the draft to another browser, and a draft
//! that no other browser can open and that never submits twice.

use reqwest::StatusCode;
use tests::{DOG_TAX_ANSWERS, DOG_TAX_FORM, DOG_TAX_OWNER, Db, Page, TestApp, both_databases};

fn resume_path(page: &Page) -> String {
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

async fn a_citizen_goes_back_and_forth_and_nothing_typed_is_lost(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let first = citizen.get(DOG_TAX_FORM).await;
    assert_eq!(first.text("h1"), "Halterin oder Halter");
    assert_eq!(first.text(".step-counter"), "Schritt 1 von 3");
    assert!(
        first.attr("#f-hunde-0-hund_name", "name").is_none(),
        "one step per page"
    );
    let next = citizen.press(&first, "next", DOG_TAX_OWNER).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let step2 = next.location();
    assert!(step2.ends_with("/steps/2"), "{step2}");

    // Step 2 with a mistake: 422, every value kept, the error at the field.
    let page = citizen.get(&step2).await;
    let wrong = citizen
        .press(
            &page,
            "next",
            &[
                ("hunde.0.hund_name", "Bello"),
                ("hunde.0.hund_geburtsdatum", "31.02.2022"),
                ("hunde.0.gefaehrlicher_hund", "ja"),
                ("hunde.0.rasse_nachweis", "Wesenstest vom 01.09.2026"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong.attr("#f-hunde-0-hund_name", "value").as_deref(),
        Some("Bello")
    );
    assert!(!wrong.texts(".error-summary a").is_empty());

    // Back (the button): what was typed on step 2 is saved, step 1 shows its answers.
    let back = citizen
        .press(&wrong, "back", &[("hunde.0.hund_name", "Bello")])
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let step1 = citizen.get(&back.location()).await;
    assert_eq!(step1.attr("#f-vorname", "value").as_deref(), Some("Anna"));
    let again = citizen.get(&step2).await;
    assert_eq!(
        again.attr("#f-hunde-0-hund_name", "value").as_deref(),
        Some("Bello")
    );

    // Step 2 complete, with a dangerous dog and its proof.
    let mut dog: Vec<(&str, &str)> = DOG_TAX_ANSWERS
        .iter()
        .copied()
        .filter(|(k, _)| again.input_names().iter().any(|n| n == k))
        .collect();
    dog.retain(|(k, _)| *k != "hunde.0.gefaehrlicher_hund");
    dog.push(("hunde.0.gefaehrlicher_hund", "ja"));
    dog.push(("hunde.0.rasse_nachweis", "Wesenstest vom 01.09.2026"));
    let done = citizen.press(&again, "next", &dog).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let step3 = citizen.get(&done.location()).await;
    assert_eq!(step3.text(".step-counter"), "Schritt 3 von 3");
    let to_check = citizen.press(&step3, "next", &[]).await;
    let check_url = to_check.location();
    assert!(check_url.ends_with("/check"), "{check_url}");

    // The check page shows every answer with a change link.
    let check = citizen.get(&check_url).await;
    assert_eq!(check.status, StatusCode::OK);
    let values = check.texts(".summary dd");
    assert!(values.iter().any(|v| v == "Wesenstest vom 01.09.2026"));
    let change = check
        .html()
        .select(&scraper::Selector::parse(".summary-actions a").expect("selector"))
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .find(|href| href.contains("#f-hunde-0-gefaehrlicher_hund"))
        .expect("a change link for the dangerous-dog answer");
    assert!(change.contains("/steps/2?return=check"), "{change}");

    // Change: the dog is not dangerous after all. Continue leads back to the check page.
    let page = citizen.get(&change).await;
    assert_eq!(
        page.attr("input[name=_return]", "value").as_deref(),
        Some("check")
    );
    let mut changed: Vec<(&str, &str)> = dog
        .iter()
        .copied()
        .filter(|(k, _)| *k != "hunde.0.gefaehrlicher_hund")
        .collect();
    changed.push(("hunde.0.gefaehrlicher_hund", "nein"));
    let back_to_check = citizen.press(&page, "next", &changed).await;
    assert_eq!(back_to_check.location(), check_url);
    let check = citizen.get(&check_url).await;
    assert!(
        !check.body.contains("Wesenstest vom 01.09.2026"),
        "the hidden answer is not shown"
    );

    // Submit without the declaration: 422 at the box; with it: the case.
    let token = check.csrf_token();
    let refused = citizen.post(&check_url, &[("_csrf", &token)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.attr(".error-summary a", "href").as_deref(),
        Some("#f-_declaration")
    );
    assert_eq!(app.count_rows("cases").await, 0);
    let filed = citizen
        .post(&check_url, &[("_csrf", &token), ("_declaration", "yes")])
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    assert!(filed.location().contains("/confirmation"));
    assert_eq!(app.count_rows("cases").await, 1);
    assert_eq!(
        app.count_rows("drafts").await,
        0,
        "the draft became the case"
    );

    // The clerk sees the case without the stale, hidden answer.
    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let inbox = clerk.get("/staff/inbox").await;
    let case = clerk
        .get(&inbox.attr("table.cases a", "href").expect("case link"))
        .await;
    assert!(case.body.contains("Bello"));
    assert!(
        !case.body.contains("Wesenstest"),
        "a hidden field's stale value is not stored"
    );

    // The same check page posted again (a second tab): a clear page, nothing twice.
    let twice = citizen
        .post(&check_url, &[("_csrf", &token), ("_declaration", "yes")])
        .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count_rows("cases").await, 1);
    app.stop().await;
}

async fn a_saved_application_is_resumed_in_another_browser_and_submitted_once(db: Db) {
    let mut app = TestApp::start(db).await;
    let mut first = app.browser();
    let start = first.get(DOG_TAX_FORM).await;
    let step2 = first.press(&start, "next", DOG_TAX_OWNER).await.location();
    let page = first.get(&step2).await;
    let saved = first
        .press(&page, "save", &[("hunde.0.hund_name", "Bello")])
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.header("cache-control"), "no-store");
    let path = resume_path(&saved);
    assert!(saved.body.contains(&app.base), "the link is absolute");
    assert_eq!(app.count_rows("cases").await, 0, "saving submits nothing");

    // Saving again issues a fresh link; the old one stops working.
    let page = first.get(&step2).await;
    let resaved = first
        .press(&page, "save", &[("hunde.0.hund_name", "Bello")])
        .await;
    let path2 = resume_path(&resaved);
    assert_ne!(path, path2);
    assert_eq!(app.count_rows("drafts").await, 1);
    let old = app.browser().get(&path).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);

    // The draft survives a crash.
    app.crash_and_restart().await;

    // Another browser opens the link and lands on the first step still missing answers, with
    // everything typed so far.
    let mut second = app.browser();
    let resumed = second.get(&path2).await;
    assert_eq!(resumed.status, StatusCode::SEE_OTHER);
    let check = resumed.location();
    let to_step = second.get(&check).await;
    assert_eq!(to_step.status, StatusCode::SEE_OTHER);
    let open = second.get(&to_step.location()).await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.body);
    assert_eq!(
        open.attr("#f-hunde-0-hund_name", "value").as_deref(),
        Some("Bello")
    );
    assert!(
        !open.texts(".field-error").is_empty(),
        "sent back from the check page, the step shows what is missing"
    );

    // The first browser has lost it to the second.
    let lost = first.get(&step2).await;
    assert_eq!(lost.status, StatusCode::NOT_FOUND);
    assert!(lost.text("h1").contains("nicht gefunden"), "{}", lost.body);

    // The second browser completes and submits.
    let rest: Vec<(&str, &str)> = DOG_TAX_ANSWERS
        .iter()
        .copied()
        .filter(|(k, _)| open.input_names().iter().any(|n| n == k))
        .collect();
    let next = second.press(&open, "next", &rest).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let done = second.apply(&next.location(), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(done.location().contains("/confirmation"));
    assert_eq!(second.get(&done.location()).await.status, StatusCode::OK);
    assert_eq!(app.count_rows("cases").await, 1);

    // The link is used up: a clear page, not an error.
    let gone = app.browser().get(&path2).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.text("h1").contains("abgelaufen"), "{}", gone.body);

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

    // No personal data in the log.
    let log = app.log_text();
    assert!(!log.contains("Anna") && !log.contains("Schulz"), "{log}");
    app.stop().await;
}

async fn another_browser_cannot_open_or_change_a_draft_by_its_url(db: Db) {
    let app = TestApp::start(db).await;
    let mut owner = app.browser();
    let start = owner.get(DOG_TAX_FORM).await;
    let step2 = owner.press(&start, "next", DOG_TAX_OWNER).await.location();
    let draft_base = step2.trim_end_matches("/steps/2").to_owned();

    let mut other = app.browser();
    let _ = other.get(DOG_TAX_FORM).await; // a session and a CSRF cookie of its own
    for path in [
        step2.clone(),
        format!("{draft_base}/steps/1"),
        format!("{draft_base}/check"),
    ] {
        let page = other.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.body.contains("Anna"), "{path}");
    }
    let token = other.get(DOG_TAX_FORM).await.csrf_token();
    let tampered = other
        .post(
            &format!("{draft_base}/steps/1"),
            &[
                ("_csrf", &token),
                ("_action", "next"),
                ("vorname", "Mallory"),
            ],
        )
        .await;
    assert_eq!(tampered.status, StatusCode::NOT_FOUND);
    let submitted = other
        .post(
            &format!("{draft_base}/check"),
            &[("_csrf", &token), ("_declaration", "yes")],
        )
        .await;
    assert_eq!(submitted.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count_rows("cases").await, 0);

    // Another municipality does not know Werther's draft.
    let elsewhere = owner
        .get(&step2.replacen("/werther/", "/ellrich/", 1))
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);

    // The owner's answers are untouched.
    let step1 = owner.get(&format!("{draft_base}/steps/1")).await;
    assert_eq!(step1.attr("#f-vorname", "value").as_deref(), Some("Anna"));
    app.stop().await;
}

async fn a_step_that_does_not_exist_or_a_broken_id_is_not_found(db: Db) {
    let app = TestApp::start(db).await;
    let mut owner = app.browser();
    let start = owner.get(DOG_TAX_FORM).await;
    let step2 = owner.press(&start, "next", DOG_TAX_OWNER).await.location();
    let draft_base = step2.trim_end_matches("/steps/2").to_owned();
    for path in [
        format!("{draft_base}/steps/0"),
        format!("{draft_base}/steps/99"),
        format!("{draft_base}/steps/x"),
        "/werther/applications/not-a-uuid/steps/1".to_owned(),
        "/werther/applications/00000000-0000-0000-0000-000000000000/check".to_owned(),
    ] {
        let page = owner.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
    }
    app.stop().await;
}

async fn an_oversized_value_is_shown_back_but_not_parked_in_the_draft(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let start = citizen.get(DOG_TAX_FORM).await;
    let huge = "x".repeat(100_000);
    // "Save" takes anything, valid or not; the draft keeps at most ten times the field's limit.
    let saved = citizen.press(&start, "save", &[("vorname", &huge)]).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let draft = saved
        .attr("main a[href*='/applications/']", "href")
        .expect("a link to continue");
    let check = citizen.get(&draft).await;
    let step = citizen.get(&check.location()).await;
    let kept = step.attr("#f-vorname", "value").expect("the field");
    assert_eq!(
        kept.chars().count(),
        2_000,
        "200 characters allowed, 10 times kept"
    );
    // Continue with it: the page shows it exactly as posted, with the message.
    let refused = citizen.press(&step, "next", &[("vorname", &huge)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.attr("#f-vorname", "value").map(|v| v.len()),
        Some(100_000)
    );
    app.stop().await;
}

both_databases!(
    an_oversized_value_is_shown_back_but_not_parked_in_the_draft,
    a_citizen_goes_back_and_forth_and_nothing_typed_is_lost,
    a_saved_application_is_resumed_in_another_browser_and_submitted_once,
    another_browser_cannot_open_or_change_a_draft_by_its_url,
    a_step_that_does_not_exist_or_a_broken_id_is_not_found,
);
