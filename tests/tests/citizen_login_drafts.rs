#![allow(clippy::expect_used)]

//! A login takes along only the draft it was begun from (issue 5, review): on a shared
//! computer (a library, a town hall's terminal) one browser may hold anonymous drafts of
//! several people. The citizen who logs in from her draft gets that draft; the others stay
//! where they were, and their authors' resume links still work.

use reqwest::StatusCode;
use tests::oidc::{
    ANNA, JONAS, OpBrowser, TestOp, callback_path, free_port, portal_with_login,
    post_logout_redirect_uri, query_param, redirect_uri, resolve,
};
use tests::{Browser, DOG_TAX_FORM, DOG_TAX_OWNER, Db, Page, both_databases};

const LOW_ACR: &str = "STORK-QAA-Level-1";

/// The draft id in an application URL (`/{tenant}/applications/{id}/...`).
fn draft_id(url: &str) -> String {
    url.split("/applications/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("not an application URL: {url}"))
        .to_owned()
}

/// Starts a dog tax application as `first_name`, past its first step: the step URL.
async fn start_draft(browser: &mut Browser, first_name: &str) -> String {
    let first = browser.get(DOG_TAX_FORM).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let answers: Vec<(&str, &str)> = DOG_TAX_OWNER
        .iter()
        .map(|&(k, v)| {
            if k == "vorname" {
                (k, first_name)
            } else {
                (k, v)
            }
        })
        .collect();
    let next = browser.press(&first, "next", &answers).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let step = next.location();
    assert!(step.contains("/applications/"), "{step}");
    step
}

/// The resume link a "save" page shows, as a path on the portal.
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

/// On a step-up page: follows its login link as `account` and comes back. Returns where the
/// portal sent the browser after the login, and the link's `return_to`.
async fn step_up(browser: &mut Browser, page: &Page, account: &str) -> (String, String) {
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    let login = page
        .html()
        .select(&scraper::Selector::parse("main a[href]").expect("selector"))
        .filter_map(|a| a.value().attr("href"))
        .find(|href| href.starts_with("/login?"))
        .unwrap_or_else(|| panic!("no login link on the step-up page:\n{}", page.body))
        .to_owned();
    let return_to = query_param(&login, "return_to").expect("return_to");
    let begun = browser.get(&login).await;
    assert_eq!(begun.status, StatusCode::SEE_OTHER, "{}", begun.body);
    let callback = OpBrowser::new()
        .follow(&begun.location(), account, LOW_ACR)
        .await;
    let back = browser.get(&callback_path(browser, &callback)).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let to = resolve(&browser.url("/"), &back.location());
    (to.path().to_owned(), return_to)
}

async fn a_login_on_a_shared_computer_takes_only_the_draft_it_was_begun_from(db: Db) {
    let port = free_port();
    let op = TestOp::start(&redirect_uri(port), &post_logout_redirect_uri(port)).await;
    let mut app = portal_with_login(db, &op.issuer, port).await;
    let mut library = app.browser();

    // Xenia applies for the dog tax without logging in, saves, is shown her resume link, and
    // leaves the library.
    let x_step = start_draft(&mut library, "Xenia").await;
    let x_draft = draft_id(&x_step);
    let page = library.get(&x_step).await;
    let saved = library
        .press(&page, "save", &[("hunde.0.hund_name", "Bello")])
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let x_link = resume_path(&saved);

    // Anna, later, at the same computer and in the same browser, begins her own.
    let a_step = start_draft(&mut library, "Anna").await;
    let a_draft = draft_id(&a_step);
    assert_ne!(a_draft, x_draft);

    // Werther now asks for a login for the dog tax: Anna's next page is the step-up page,
    // whose login brings her back into her draft.
    let config = app.data_dir.path().join("portal.toml");
    std::fs::write(
        &config,
        "[trust_levels]\n\"werther/hundesteuer-anmeldung\" = \"low\"\n",
    )
    .expect("config");
    app.options
        .env
        .push(("PORTAL_CONFIG".into(), config.display().to_string()));
    app.crash_and_restart().await;
    let page = library.get(&a_step).await;
    let (back, return_to) = step_up(&mut library, &page, ANNA).await;
    assert_eq!(return_to, a_step);
    assert_eq!(back, a_step, "back in her draft");

    // Her draft is hers: it opens with what she typed, and "Meine Anträge" lists it.
    let opened = library.get(&a_step).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    let first = library
        .get(&format!("/werther/applications/{a_draft}/steps/1"))
        .await;
    assert_eq!(first.attr("#f-vorname", "value").as_deref(), Some("Anna"));
    let mine = library.get("/my-applications").await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert!(mine.body.contains(&a_draft), "{}", mine.body);

    // Xenia's draft did not pass to Anna: not listed, not to be opened.
    assert!(
        !mine.body.contains(&x_draft),
        "Anna's login took Xenia's draft:\n{}",
        mine.body
    );
    for url in [
        x_step.clone(),
        format!("/werther/applications/{x_draft}/check"),
    ] {
        let page = library.get(&url).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{url}: {}", page.body);
        assert!(!page.body.contains("Xenia") && !page.body.contains("Bello"));
    }

    // Xenia's link still works: at home it brings her draft back, and once she logs in
    // (from her draft, as Werther now asks) it is hers.
    let mut home = app.browser();
    let resumed = home.get(&x_link).await;
    assert_eq!(resumed.status, StatusCode::SEE_OTHER, "{}", resumed.body);
    let to = resumed.location();
    assert!(to.contains(&x_draft), "the link led to {to}");
    let page = home.get(&to).await;
    let (back, _) = step_up(&mut home, &page, JONAS).await;
    assert!(back.contains(&x_draft), "{back}");
    let step = home
        .get(&format!("/werther/applications/{x_draft}/steps/1"))
        .await;
    assert_eq!(step.status, StatusCode::OK, "{}", step.body);
    assert_eq!(step.attr("#f-vorname", "value").as_deref(), Some("Xenia"));
    let theirs = home.get("/my-applications").await;
    assert!(theirs.body.contains(&x_draft), "{}", theirs.body);
    assert!(!theirs.body.contains(&a_draft), "{}", theirs.body);
    app.stop().await;
}

both_databases!(a_login_on_a_shared_computer_takes_only_the_draft_it_was_begun_from);
