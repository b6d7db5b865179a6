#![allow(clippy::expect_used, clippy::unwrap_used)]

//! The admin pages (form versions: list, check, lint errors, publish, refusals, the 403 page;
//! a municipality's parameter values: the form, its errors, saved; municipalities: list, new,
//! errors, created, details; offering a form: the page, its errors, offered) and the explain view of a case pass axe-core (WCAG 2.0/2.1 A and AA) in German and in
//! English; at 320 px nothing scrolls sideways. Screenshots land in the ignored
//! `screenshots/` folder.

use serde_json::json;
use tests::chrome::{Chrome, Js};
use tests::{Db, TestApp};

const PARAMETERS: &str = "/staff/forms/hundesteuer-anmeldung/parameters?tenant=werther";
const NEW_MUNICIPALITY: &str = "/staff/municipalities/new";
const OFFER: &str = "/staff/forms/hundesteuer-anmeldung/offer";
const DOG_TAX_V1: &str = include_str!("../../portal/demo/forms/hundesteuer-anmeldung.json");

fn dog_tax(version: u32, label: &str) -> String {
    let mut def: serde_json::Value = serde_json::from_str(DOG_TAX_V1).unwrap();
    def["version"] = version.into();
    def["steps"][1]["fields"][0]["label"] = label.into();
    serde_json::to_string_pretty(&def).unwrap()
}

/// Goes to `path` (or stays, when `None`), checks the language, runs axe, takes a screenshot.
async fn check(chrome: &Chrome, base: &str, path: Option<&str>, what: &str, lang: &str) {
    chrome
        .check_page(base, path, &format!("admin {what}"), lang)
        .await;
}

/// Puts `text` into the definition's text area (typing 6 KB key by key would only be slow).
async fn paste(chrome: &Chrome, text: &str) {
    chrome
        .client
        .execute(
            "document.getElementById('f-definition').value = arguments[0];",
            vec![json!(text)],
        )
        .await
        .expect("paste the definition");
}

async fn sign_in(chrome: &Chrome, base: &str, username: &str) {
    chrome.goto(&format!("{base}/staff/login")).await;
    chrome
        .fill(&[("username", username), ("password", "demo")])
        .await;
    chrome.submit().await;
    assert!(chrome.url().await.ends_with("/staff/inbox"), "{username}");
}

async fn sign_out(chrome: &Chrome) {
    chrome.click_to_navigate(".staff-nav button").await;
}

async fn walk_the_admin_pages(lang: &str) {
    let app = TestApp::start(Db::Sqlite).await;
    let base = app.base.clone();
    // A case to explain, filed over HTTP; and a paid one (the demo's simulated payment).
    tests::file_dog_tax(&mut app.browser()).await;
    let mut citizen = app.browser();
    citizen.demo_login("jonas").await;
    let submitted = citizen
        .apply(
            "/werther/services/grabnutzungsrecht-verlaengerung/form",
            tests::GRAVE_ANSWERS,
        )
        .await;
    let paid = citizen.pay_demo(&submitted, "paid").await;
    let paid_case = paid
        .location()
        .split("/cases/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the paid case")
        .to_owned();

    let chrome = Chrome::start(Js::On).await;
    chrome.goto(&format!("{base}/lang/{lang}?next=/")).await;

    // A clerk: the 403 page.
    sign_in(&chrome, &base, "clerk.werther").await;
    check(&chrome, &base, Some("/staff/forms"), "forbidden", lang).await;

    // The explain view of the clerk's case.
    chrome
        .goto(&format!("{base}/staff/inbox?tenant=werther"))
        .await;
    chrome.click_to_navigate("table.cases a").await;
    let explain = chrome
        .client
        .find(fantoccini::Locator::Css("a[href$='/explain']"))
        .await
        .expect("an explain link on the case page");
    let explain = explain.attr("href").await.ok().flatten().expect("href");
    check(&chrome, &base, Some(&explain), "explain", lang).await;

    // The inbox with the cash office export, the paid case's payment section with the refund
    // form, and a refund refused for a missing reason.
    check(
        &chrome,
        &base,
        Some("/staff/inbox?tenant=werther"),
        "inbox",
        lang,
    )
    .await;
    let paid_case = format!("/staff/cases/{paid_case}");
    check(&chrome, &base, Some(&paid_case), "case with payment", lang).await;
    chrome.fill(&[("amount", "10,00")]).await;
    chrome
        .click_to_navigate("form[action$='/refund'] button[type=submit]")
        .await;
    check(&chrome, &base, None, "refund refused", lang).await;
    sign_out(&chrome).await;

    // A federation admin: the list, the empty page, errors, a clean check, the publish.
    sign_in(&chrome, &base, "federation.admin").await;
    check(
        &chrome,
        &base,
        Some("/staff/deliveries"),
        "deliveries given up",
        lang,
    )
    .await;
    check(&chrome, &base, Some("/staff/forms"), "forms", lang).await;
    check(&chrome, &base, Some("/staff/accounts"), "accounts", lang).await;
    // Municipalities: the list, a new one refused and then created, its details; the
    // dog-tax form offered there, refused and then offered.
    check(
        &chrome,
        &base,
        Some("/staff/municipalities"),
        "municipalities",
        lang,
    )
    .await;
    check(
        &chrome,
        &base,
        Some(NEW_MUNICIPALITY),
        "municipality new",
        lang,
    )
    .await;
    chrome
        .fill(&[
            ("name", "Stadt Bleicherode"),
            ("slug", "staff"),
            ("code", "B1"),
            ("feedback_email", "barrierefrei@bleicherode.example"),
            ("feedback_phone", "036338 430"),
            ("town_hall_address", "Markt 1"),
            ("accent_colour", "#ffcc00"),
        ])
        .await;
    chrome.submit().await;
    check(&chrome, &base, None, "municipality errors", lang).await;
    chrome
        .fill(&[
            ("slug", "bleicherode"),
            ("code", "BLE"),
            ("accent_colour", ""),
        ])
        .await;
    chrome.submit().await;
    assert!(chrome.url().await.contains("created=bleicherode"));
    check(&chrome, &base, None, "municipality created", lang).await;
    check(
        &chrome,
        &base,
        Some("/staff/municipalities/bleicherode"),
        "municipality details",
        lang,
    )
    .await;
    check(&chrome, &base, Some(OFFER), "offer", lang).await;
    chrome.fill(&[("slug", "Hunde Steuer")]).await;
    chrome.submit().await;
    check(&chrome, &base, None, "offer errors", lang).await;
    chrome
        .fill(&[("tenant", "bleicherode"), ("slug", "hundesteuer")])
        .await;
    chrome.submit().await;
    assert!(chrome.url().await.contains("offered=bleicherode"));
    check(&chrome, &base, None, "offered", lang).await;
    check(&chrome, &base, Some("/staff/forms/new"), "upload", lang).await;
    chrome.submit().await;
    check(&chrome, &base, None, "upload missing", lang).await;

    let broken = dog_tax(2, "").replace("\"hund_name\"", "\"Hund Name\"");
    paste(&chrome, &broken).await;
    chrome.submit().await;
    check(&chrome, &base, None, "upload problems", lang).await;

    paste(&chrome, "id: [unclosed").await;
    chrome.submit().await;
    check(&chrome, &base, None, "upload yaml error", lang).await;

    paste(&chrome, &dog_tax(2, "Rufname des Hundes")).await;
    chrome.submit().await;
    check(&chrome, &base, None, "upload clean", lang).await;
    chrome.click_to_navigate("form.publish-form button").await;
    assert!(chrome.url().await.contains("/staff/forms?published="));
    check(&chrome, &base, None, "published", lang).await;

    // The same version again: refused.
    chrome.goto(&format!("{base}/staff/forms/new")).await;
    paste(&chrome, &dog_tax(2, "Rufname des Hundes")).await;
    chrome.submit().await;
    chrome.click_to_navigate("form.publish-form button").await;
    check(&chrome, &base, None, "upload not newer", lang).await;

    // A lost CSRF cookie: 403, the text kept, a notice.
    chrome
        .client
        .delete_cookie("__Host-portal-csrf")
        .await
        .expect("delete cookie");
    chrome.submit().await;
    check(&chrome, &base, None, "upload expired", lang).await;
    sign_out(&chrome).await;

    // A municipality's admin: a shared form is refused.
    sign_in(&chrome, &base, "admin.werther").await;
    check(&chrome, &base, Some("/staff/forms"), "forms tenant", lang).await;
    // Accounts and roles: the list, then a clerk's roles saved.
    check(
        &chrome,
        &base,
        Some("/staff/accounts"),
        "accounts tenant",
        lang,
    )
    .await;
    chrome
        .click_to_navigate("form.roles-form[data-account='clerk.werther'] button[type=submit]")
        .await;
    assert!(chrome.url().await.contains("saved="));
    check(&chrome, &base, None, "accounts saved", lang).await;
    // Its own dog-tax rates: the page, a bad amount (422 with the summary), saved.
    check(&chrome, &base, Some(PARAMETERS), "parameters", lang).await;
    chrome.fill(&[("steuer_erster_hund", "viel")]).await;
    chrome.submit().await;
    check(&chrome, &base, None, "parameters errors", lang).await;
    chrome.fill(&[("steuer_erster_hund", "56,00")]).await;
    chrome.submit().await;
    assert!(chrome.url().await.contains("saved=1"));
    check(&chrome, &base, None, "parameters saved", lang).await;
    chrome.goto(&format!("{base}/staff/forms/new")).await;
    paste(&chrome, &dog_tax(3, "Name")).await;
    chrome.submit().await;
    chrome.click_to_navigate("form.publish-form button").await;
    check(&chrome, &base, None, "upload shared", lang).await;

    chrome.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_page_passes_axe_in_german() {
    walk_the_admin_pages("de").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_page_passes_axe_in_english() {
    walk_the_admin_pages("en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_admin_page_scrolls_sideways_on_a_320_pixel_screen() {
    let app = TestApp::start(Db::Sqlite).await;
    tests::file_dog_tax(&mut app.browser()).await;
    let chrome = Chrome::start_sized(Js::On, 320, 640).await;
    sign_in(&chrome, &app.base, "federation.admin").await;
    let mut pages = vec![
        "/staff/forms".to_owned(),
        "/staff/forms/new".to_owned(),
        "/staff/accounts".to_owned(),
        PARAMETERS.to_owned(),
        "/staff/municipalities".to_owned(),
        NEW_MUNICIPALITY.to_owned(),
        "/staff/municipalities/werther".to_owned(),
        OFFER.to_owned(),
    ];
    chrome
        .goto(&format!("{}/staff/inbox?tenant=werther", app.base))
        .await;
    chrome.click_to_navigate("table.cases a").await;
    let case = chrome.url().await;
    let path = case
        .split_once("/staff/")
        .map(|(_, p)| p)
        .expect("case url");
    pages.push(format!("/staff/{path}/explain"));
    for path in &pages {
        chrome.goto(&format!("{}{path}", app.base)).await;
        let width = chrome.scroll_width().await;
        assert!(width <= 320, "{path} is {width} px wide on a 320 px screen");
    }
    // The lint errors, with long paths and messages.
    chrome.goto(&format!("{}/staff/forms/new", app.base)).await;
    paste(
        &chrome,
        &dog_tax(2, "").replace("\"hund_name\"", "\"Hund Name\""),
    )
    .await;
    chrome.submit().await;
    let width = chrome.scroll_width().await;
    assert!(width <= 320, "the lint errors are {width} px wide");
    chrome.screenshot("de-320px-admin-upload-problems").await;
    chrome.close().await;
    app.stop().await;
}
