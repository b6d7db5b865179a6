#![allow(clippy::expect_used, clippy::unwrap_used)]

//! Parameters each municipality sets (issue 4, item 1): one shared dog-tax form, each town's
//! own rates. The expected tax a citizen sees and the amount stored with the case use the
//! municipality's rates; a municipality's admin changes them and the next application uses
//! the new rate at once, in that municipality only; nobody changes another municipality's.

use reqwest::StatusCode;
use tests::{Browser, DOG_TAX_ANSWERS, Db, Page, TestApp, both_databases};

const WERTHER_FORM: &str = "/werther/services/hundesteuer-anmeldung/form";
const ELLRICH_FORM: &str = "/ellrich/services/hundesteuer-anmeldung/form";
const WERTHER_PARAMS: &str = "/staff/forms/hundesteuer-anmeldung/parameters?tenant=werther";
const ELLRICH_PARAMS: &str = "/staff/forms/hundesteuer-anmeldung/parameters?tenant=ellrich";

/// The amount on step 3, "Voraussichtliche Hundesteuer", for the standard answers (a first
/// dog, not dangerous).
async fn expected_tax(browser: &mut Browser, form: &str) -> String {
    let check = browser.walk_to_check(form, DOG_TAX_ANSWERS).await;
    let step3 = check.form_action().replace("/check", "/steps/3");
    let page = browser.get(&step3).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.text("h1").contains("Voraussichtliche Hundesteuer"));
    page.text(".computed-value")
}

/// Files the standard answers at `form`; the case's reference number.
async fn file(app: &TestApp, form: &str) -> String {
    let mut citizen = app.browser();
    let done = citizen.apply(form, DOG_TAX_ANSWERS).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    citizen.get(&done.location()).await.text(".reference")
}

async fn signed_in(app: &TestApp, username: &str) -> Browser {
    let mut browser = app.browser();
    browser.staff_login(username, "demo").await;
    browser
}

/// The amount stored with the case `reference`, as its clerk's case page shows it.
async fn stored_tax(app: &TestApp, clerk: &str, tenant: &str, reference: &str) -> String {
    let mut browser = signed_in(app, clerk).await;
    let inbox = browser.get(&format!("/staff/inbox?tenant={tenant}")).await;
    let html = inbox.html();
    let link = html
        .select(&scraper::Selector::parse("table.cases a").unwrap())
        .find(|a| a.text().collect::<String>().trim() == reference)
        .and_then(|a| a.value().attr("href"))
        .unwrap_or_else(|| panic!("{reference} not in the inbox:\n{}", inbox.body))
        .to_owned();
    let case = browser.get(&link).await;
    assert_eq!(case.status, StatusCode::OK);
    let html = case.html();
    let row = html
        .select(&scraper::Selector::parse(".summary-row").unwrap())
        .find(|r| {
            r.text()
                .collect::<String>()
                .contains("Hundesteuer für diese Hunde")
        })
        .unwrap_or_else(|| panic!("no tax row on the case page:\n{}", case.body));
    row.select(&scraper::Selector::parse("dd").unwrap())
        .next()
        .unwrap()
        .text()
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The rates as the parameter page's inputs show them.
fn inputs(page: &Page) -> Vec<(String, String)> {
    page.html()
        .select(&scraper::Selector::parse("main form input:not([type=hidden])").unwrap())
        .map(|e| {
            (
                e.value().attr("name").unwrap().to_owned(),
                e.value().attr("value").unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn rates<'a>(first: &'a str, further: &'a str, dangerous: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("steuer_erster_hund", first),
        ("steuer_weiterer_hund", further),
        ("steuer_gefaehrlicher_hund", dangerous),
    ]
}

async fn each_municipality_computes_the_tax_with_its_own_rates(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    // The same answers: Werther keeps the form's default of 48 € for a first dog, Ellrich
    // charges 60 €, Heringen/Helme 54 €.
    assert_eq!(expected_tax(&mut citizen, WERTHER_FORM).await, "48,00 €");
    assert_eq!(expected_tax(&mut citizen, ELLRICH_FORM).await, "60,00 €");
    assert_eq!(
        expected_tax(
            &mut citizen,
            "/heringen-helme/services/hundesteuer-anmeldung/form"
        )
        .await,
        "54,00 €"
    );

    // The check page shows the same amount, and the case stores it.
    let check = citizen.walk_to_check(WERTHER_FORM, DOG_TAX_ANSWERS).await;
    assert!(check.body.contains("48,00 €"), "{}", check.body);
    let werther = file(&app, WERTHER_FORM).await;
    let ellrich = file(&app, ELLRICH_FORM).await;
    assert_eq!(
        stored_tax(&app, "clerk.werther", "werther", &werther).await,
        "48,00 €"
    );
    assert_eq!(
        stored_tax(&app, "clerk.ellrich", "ellrich", &ellrich).await,
        "60,00 €"
    );
    app.stop().await;
}

async fn a_municipalitys_admin_changes_its_rate_and_the_next_application_uses_it(db: Db) {
    let app = TestApp::start(db).await;
    let mut admin = signed_in(&app, "admin.werther").await;

    // The form list links to Werther's values, and only to its own.
    let list = admin.get("/staff/forms").await;
    assert!(list.body.contains(WERTHER_PARAMS), "{}", list.body);
    assert!(!list.body.contains("parameters?tenant=ellrich"));

    // Werther has no values of its own yet: empty inputs, the defaults in the hints.
    let page = admin.get(WERTHER_PARAMS).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(
        inputs(&page),
        [
            ("steuer_erster_hund".to_owned(), String::new()),
            ("steuer_weiterer_hund".to_owned(), String::new()),
            ("steuer_gefaehrlicher_hund".to_owned(), String::new()),
        ]
    );
    for default in ["48,00 €", "96,00 €", "600,00 €"] {
        assert!(
            page.body.contains(default),
            "the default {default} is shown"
        );
    }

    // A draft begun before the change.
    let mut early = app.browser();
    let early_check = early.walk_to_check(WERTHER_FORM, DOG_TAX_ANSWERS).await;

    let saved = admin
        .submit(WERTHER_PARAMS, &rates("66,50", "108", ""))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = admin.get(&saved.location()).await;
    assert_eq!(after.status, StatusCode::OK);
    assert!(after.body.contains("role=\"status\""), "{}", after.body);
    assert_eq!(
        inputs(&after),
        [
            ("steuer_erster_hund".to_owned(), "66,50".to_owned()),
            ("steuer_weiterer_hund".to_owned(), "108,00".to_owned()),
            ("steuer_gefaehrlicher_hund".to_owned(), String::new()),
        ]
    );

    // At once: the next application in Werther, and the draft begun before, use it.
    let mut citizen = app.browser();
    assert_eq!(expected_tax(&mut citizen, WERTHER_FORM).await, "66,50 €");
    let step3 = early_check.form_action().replace("/check", "/steps/3");
    assert_eq!(early.get(&step3).await.text(".computed-value"), "66,50 €");
    let werther = file(&app, WERTHER_FORM).await;
    assert_eq!(
        stored_tax(&app, "clerk.werther", "werther", &werther).await,
        "66,50 €"
    );
    // Ellrich keeps its own.
    assert_eq!(expected_tax(&mut citizen, ELLRICH_FORM).await, "60,00 €");
    let ellrich = file(&app, ELLRICH_FORM).await;
    assert_eq!(
        stored_tax(&app, "clerk.ellrich", "ellrich", &ellrich).await,
        "60,00 €"
    );

    // An empty input returns to the form's default.
    let cleared = admin.submit(WERTHER_PARAMS, &rates("", "", "")).await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER, "{}", cleared.body);
    assert_eq!(expected_tax(&mut citizen, WERTHER_FORM).await, "48,00 €");
    let page = admin.get(WERTHER_PARAMS).await;
    assert!(inputs(&page).iter().all(|(_, v)| v.is_empty()));
    app.stop().await;
}

async fn nobody_changes_another_municipalitys_rates(db: Db) {
    let app = TestApp::start(db).await;

    // Werther's admin: Ellrich's page and a post to it are refused, nothing changes.
    let mut admin = signed_in(&app, "admin.werther").await;
    let page = admin.get(ELLRICH_PARAMS).await;
    assert!(
        matches!(page.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        page.status
    );
    assert!(!page.body.contains("60,00"), "Ellrich's rates not shown");
    let own = admin.get(WERTHER_PARAMS).await;
    let token = own.csrf_token();
    let mut fields = vec![("_csrf", token.as_str())];
    fields.extend(rates("1,00", "1,00", "1,00"));
    let posted = admin.post(ELLRICH_PARAMS, &fields).await;
    assert!(
        matches!(posted.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        posted.status
    );

    // A clerk: 403, for their own municipality too.
    let mut clerk = signed_in(&app, "clerk.werther").await;
    assert_eq!(
        clerk.get(WERTHER_PARAMS).await.status,
        StatusCode::FORBIDDEN
    );
    let token = clerk.get("/staff/inbox").await.csrf_token();
    let mut fields = vec![("_csrf", token.as_str())];
    fields.extend(rates("1,00", "1,00", "1,00"));
    assert_eq!(
        clerk.post(WERTHER_PARAMS, &fields).await.status,
        StatusCode::FORBIDDEN
    );
    // Signed out: the login page.
    let mut anonymous = app.browser();
    assert_eq!(
        anonymous.get(WERTHER_PARAMS).await.status,
        StatusCode::SEE_OTHER
    );

    let mut citizen = app.browser();
    assert_eq!(expected_tax(&mut citizen, ELLRICH_FORM).await, "60,00 €");
    assert_eq!(expected_tax(&mut citizen, WERTHER_FORM).await, "48,00 €");

    // The federation admin sets any municipality's values.
    let mut federation = signed_in(&app, "federation.admin").await;
    let saved = federation
        .submit(ELLRICH_PARAMS, &rates("61,00", "120,00", "720,00"))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(expected_tax(&mut citizen, ELLRICH_FORM).await, "61,00 €");
    // An unknown municipality or form: not found.
    assert_eq!(
        federation
            .get("/staff/forms/hundesteuer-anmeldung/parameters?tenant=nirgendwo")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        federation
            .get("/staff/forms/gibt-es-nicht/parameters?tenant=werther")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

async fn bad_input_keeps_every_value_and_saves_nothing(db: Db) {
    let app = TestApp::start(db).await;
    let mut admin = signed_in(&app, "admin.werther").await;
    let refused = admin
        .submit(WERTHER_PARAMS, &rates("viel", "-5,00", "540"))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        inputs(&refused),
        [
            ("steuer_erster_hund".to_owned(), "viel".to_owned()),
            ("steuer_weiterer_hund".to_owned(), "-5,00".to_owned()),
            ("steuer_gefaehrlicher_hund".to_owned(), "540".to_owned()),
        ]
    );
    let summary = refused.texts(".error-summary a");
    assert_eq!(summary.len(), 2, "{}", refused.body);
    assert!(
        refused
            .attr(".error-summary a", "href")
            .is_some_and(|h| h == "#f-steuer_erster_hund"),
        "{}",
        refused.body
    );
    assert_eq!(refused.texts(".field-error").len(), 2);
    assert!(refused.text("title").starts_with("Fehler"));

    // A lost token: 403, the values kept, nothing saved.
    let posted = admin
        .post(WERTHER_PARAMS, &rates("70,00", "140,00", "700,00"))
        .await;
    assert_eq!(posted.status, StatusCode::FORBIDDEN);
    assert_eq!(inputs(&posted)[0].1, "70,00");

    let mut citizen = app.browser();
    assert_eq!(expected_tax(&mut citizen, WERTHER_FORM).await, "48,00 €");
    assert!(
        inputs(&admin.get(WERTHER_PARAMS).await)
            .iter()
            .all(|(_, v)| v.is_empty())
    );
    app.stop().await;
}

both_databases!(
    each_municipality_computes_the_tax_with_its_own_rates,
    a_municipalitys_admin_changes_its_rate_and_the_next_application_uses_it,
    nobody_changes_another_municipalitys_rates,
    bad_input_keeps_every_value_and_saves_nothing,
);
