#![allow(clippy::expect_used)]

//! Every page of the citizen and staff journeys, with and without errors, passes axe-core
//! (WCAG 2.0/2.1 A and AA) in German and in English; at 320 px nothing scrolls sideways.
//! Screenshots of the main pages land in the ignored `screenshots/` folder.

use tests::chrome::{Chrome, Js};
use tests::{DEMO_SERVICES, Db, TestApp};

/// Goes to `path` (or stays, when `None`), checks the language, runs axe, takes a screenshot.
async fn check(chrome: &Chrome, base: &str, path: Option<&str>, what: &str, lang: &str) {
    chrome.check_page(base, path, what, lang).await;
}

async fn walk_every_page(lang: &str) {
    let app = TestApp::start(Db::Sqlite).await;
    let base = app.base.clone();
    let chrome = Chrome::start(Js::On).await;
    chrome.goto(&format!("{base}/lang/{lang}?next=/")).await;

    check(&chrome, &base, Some("/"), "start page", lang).await;
    check(&chrome, &base, Some("/werther/"), "municipality", lang).await;
    check(
        &chrome,
        &base,
        Some("/does-not-exist/"),
        "not found page",
        lang,
    )
    .await;
    for page in ["barrierefreiheit", "leichte-sprache", "kontakt"] {
        check(&chrome, &base, Some(&format!("/{page}")), page, lang).await;
        let path = format!("/werther/{page}");
        check(
            &chrome,
            &base,
            Some(&path),
            &format!("werther {page}"),
            lang,
        )
        .await;
    }

    // The demo's own login: the page of test people, then logged in as Leonie (level
    // substantial, enough for every demo service), her name in the header.
    check(
        &chrome,
        &base,
        Some("/login?return_to=%2F&level=substantial"),
        "demo login",
        lang,
    )
    .await;
    chrome
        .click_to_navigate("section[aria-labelledby=persona-leonie] button[type=submit]")
        .await;
    assert!(
        chrome.text(".citizen-nav").await.contains("Leonie"),
        "logged in as Leonie"
    );
    check(&chrome, &base, None, "start page logged in", lang).await;

    for (service, answers) in DEMO_SERVICES {
        let page = format!("/werther/services/{service}");
        check(
            &chrome,
            &base,
            Some(&page),
            &format!("service {service}"),
            lang,
        )
        .await;
        let form = format!("{page}/form");
        check(
            &chrome,
            &base,
            Some(&form),
            &format!("form {service}"),
            lang,
        )
        .await;
        chrome.submit().await;
        check(
            &chrome,
            &base,
            None,
            &format!("form errors {service}"),
            lang,
        )
        .await;

        // A lost CSRF cookie: 403, the form shown again with a notice.
        chrome.fill_shown(&answers[..3]).await;
        chrome
            .client
            .delete_cookie("__Host-portal-csrf")
            .await
            .expect("delete cookie");
        chrome.submit().await;
        check(
            &chrome,
            &base,
            None,
            &format!("form expired {service}"),
            lang,
        )
        .await;

        // Every further step, then the check page.
        let mut step = 1;
        loop {
            chrome.fill_shown(answers).await;
            chrome.submit().await;
            if chrome.on_check_page().await {
                break;
            }
            step += 1;
            assert!(step < 20, "{service}: no check page after {step} steps");
            check(
                &chrome,
                &base,
                None,
                &format!("form {service} step {step}"),
                lang,
            )
            .await;
        }
        check(&chrome, &base, None, &format!("check {service}"), lang).await;
        chrome.submit().await;
        check(
            &chrome,
            &base,
            None,
            &format!("check without declaration {service}"),
            lang,
        )
        .await;
        chrome.fill(&[("_declaration", "true")]).await;
        chrome.submit().await;
        // A fee: the simulated provider's page, a failed payment, the payment page offering
        // to pay again, then paid.
        if chrome.url().await.contains("/demo-payment/") {
            check(
                &chrome,
                &base,
                None,
                &format!("payment simulation {service}"),
                lang,
            )
            .await;
            chrome
                .click_to_navigate("button[name=outcome][value=failed]")
                .await;
            assert!(chrome.url().await.ends_with("/payment"), "{service}");
            check(
                &chrome,
                &base,
                None,
                &format!("payment failed {service}"),
                lang,
            )
            .await;
            chrome
                .click_to_navigate("main form button[type=submit]")
                .await;
            chrome
                .click_to_navigate("button[name=outcome][value=paid]")
                .await;
        }
        assert!(
            chrome.text(".reference").await.starts_with("WER-"),
            "{service} filed"
        );
        check(
            &chrome,
            &base,
            None,
            &format!("confirmation {service}"),
            lang,
        )
        .await;
    }

    // "Meine Anträge" with the drafts and cases just filed; then logging out through the
    // header's button (the demo provider sends the browser back to the portal).
    check(
        &chrome,
        &base,
        Some("/my-applications"),
        "my applications",
        lang,
    )
    .await;
    chrome
        .click_to_navigate(".citizen-nav button[type=submit]")
        .await;
    assert!(chrome.url().await.ends_with("/logout/done"));
    check(&chrome, &base, None, "logged out", lang).await;

    // A login below the service's level: the step-up page.
    chrome
        .goto(&format!(
            "{base}/login?return_to=%2Fwerther%2Fservices%2Fgewerbeanmeldung%2Fform&level=substantial"
        ))
        .await;
    chrome
        .click_to_navigate("section[aria-labelledby=persona-jonas] button[type=submit]")
        .await;
    check(&chrome, &base, None, "login level too low", lang).await;

    // A body over the limit: the 413 page.
    chrome
        .goto(&format!(
            "{base}/werther/services/hundesteuer-anmeldung/form"
        ))
        .await;
    chrome
        .execute_navigating(
            "document.querySelector('main form input[type=text]').value = 'x'.repeat(1200000); document.querySelector('main form').submit();",
        )
        .await;
    check(&chrome, &base, None, "too large page", lang).await;

    // Save and continue later: the saved page, the resumed form, an unknown link.
    chrome
        .goto(&format!(
            "{base}/werther/services/hundesteuer-anmeldung/form"
        ))
        .await;
    chrome.fill(&[("vorname", "Anna")]).await;
    chrome
        .click_to_navigate("button[name=_action][value=save]")
        .await;
    check(&chrome, &base, None, "draft saved", lang).await;
    chrome.click_to_navigate(".resume-link a").await;
    check(&chrome, &base, None, "draft resumed", lang).await;
    // Sent back to the step with what is missing: the back link and the change page.
    assert!(chrome.url().await.contains("/steps/1?errors=1"));
    check(
        &chrome,
        &base,
        Some("/werther/resume/unknown"),
        "resume unknown",
        lang,
    )
    .await;

    check(&chrome, &base, Some("/staff/login"), "staff login", lang).await;
    chrome
        .fill(&[("username", "clerk.werther"), ("password", "wrong")])
        .await;
    chrome.submit().await;
    check(&chrome, &base, None, "staff login failed", lang).await;
    chrome
        .fill(&[("username", "federation.admin"), ("password", "demo")])
        .await;
    chrome.submit().await;
    check(&chrome, &base, None, "inbox", lang).await;
    check(
        &chrome,
        &base,
        Some("/staff/inbox?tenant=werther"),
        "inbox werther",
        lang,
    )
    .await;
    let case = chrome
        .client
        .find(fantoccini::Locator::Css("table.cases a"))
        .await
        .expect("a case in the inbox")
        .attr("href")
        .await
        .ok()
        .flatten()
        .expect("case link");
    check(&chrome, &base, Some(&case), "case", lang).await;

    chrome.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_in_german() {
    walk_every_page("de").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_in_english() {
    walk_every_page("en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_scrolls_sideways_on_a_320_pixel_screen() {
    let app = TestApp::start(Db::Sqlite).await;
    let chrome = Chrome::start_sized(Js::On, 320, 640).await;
    for path in [
        "/",
        "/werther/",
        "/werther/services/gewerbeanmeldung",
        "/werther/services/hundesteuer-anmeldung/form",
        "/login?return_to=%2F&level=high",
        "/staff/login",
    ] {
        chrome.goto(&format!("{}{path}", app.base)).await;
        let width = chrome.scroll_width().await;
        assert!(width <= 320, "{path} is {width} px wide on a 320 px screen");
    }
    chrome.submit().await;
    let width = chrome.scroll_width().await;
    assert!(
        width <= 320,
        "the login error page is {width} px wide on a 320 px screen"
    );
    chrome.screenshot("de-320px-login-errors").await;
    chrome.close().await;
    app.stop().await;
}
