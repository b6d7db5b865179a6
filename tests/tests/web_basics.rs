//! Web basics for every response (issue 2 items 6, 8 and 9; DESIGN.md principle 6):
//! security headers, anonymous reads that write nothing, CSRF and session cookies, staff
//! sign-in and sign-out, the paged inbox and who may see it, the language switch.

#![allow(clippy::expect_used)] // a test fails loudly where a value is missing

use reqwest::StatusCode;
use tests::{DOG_TAX_ANSWERS, DOG_TAX_FORM, Db, Page, TestApp, both_databases, file_dog_tax};

const SESSION_COOKIE: &str = "__Host-portal-session";
const CSRF_COOKIE: &str = "__Host-portal-csrf";

fn assert_security_headers(page: &Page, what: &str) {
    let csp = page.header("content-security-policy");
    assert!(!csp.is_empty(), "{what}: no CSP");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
    assert_eq!(page.header("x-content-type-options"), "nosniff", "{what}");
    assert!(
        !page.header("referrer-policy").is_empty(),
        "{what}: no Referrer-Policy"
    );
}

async fn every_kind_of_response_carries_the_security_headers(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();

    for path in [
        "/",
        "/werther/",
        "/werther/services/hundesteuer-anmeldung",
        DOG_TAX_FORM,
    ] {
        assert_security_headers(&citizen.get(path).await, path);
    }
    let not_found = citizen.get("/nirgendwo/").await;
    assert_eq!(not_found.status, StatusCode::NOT_FOUND);
    assert_security_headers(&not_found, "404 page");
    let redirect = citizen.get("/werther").await;
    assert!(redirect.status.is_redirection(), "{}", redirect.status);
    assert_security_headers(&redirect, "redirect");
    let to_login = citizen.get("/staff/inbox").await;
    assert_eq!(to_login.location(), "/staff/login");
    assert_security_headers(&to_login, "redirect to login");
    let invalid = citizen.submit(DOG_TAX_FORM, &[("vorname", "Anna")]).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_security_headers(&invalid, "422 page");
    assert_eq!(
        invalid.header("cache-control"),
        "no-store",
        "typed answers are never cached"
    );
    // The later steps and the check page show the answers saved so far.
    let check = citizen.walk_to_check(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    let check_url = check.form_action();
    let step2 = check_url.replace("/check", "/steps/2");
    for (what, page) in [
        ("step page", citizen.get(&step2).await),
        ("check page", check),
    ] {
        assert_eq!(page.status, StatusCode::OK, "{what}");
        assert_security_headers(&page, what);
        assert_eq!(page.header("cache-control"), "no-store", "{what}");
    }
    let unticked = citizen.submit(&check_url, &[]).await;
    assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_security_headers(&unticked, "422 check page");

    // Personal pages are never stored by a cache.
    let filed = file_dog_tax(&mut citizen).await;
    let confirmation = citizen.get(&filed.confirmation).await;
    assert_eq!(confirmation.header("cache-control"), "no-store");
    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let inbox = clerk.get("/staff/inbox").await;
    assert_security_headers(&inbox, "inbox");
    assert_eq!(inbox.header("cache-control"), "no-store");
    let case = clerk
        .get(&inbox.attr("table.cases a", "href").expect("case link"))
        .await;
    assert_eq!(case.status, StatusCode::OK);
    assert_security_headers(&case, "case page");
    assert_eq!(case.header("cache-control"), "no-store");
    app.stop().await;
}

async fn anonymous_visits_write_nothing_to_the_database(db: Db) {
    let app = TestApp::start(db).await;
    let sessions = app.count_rows("sessions").await;
    let cases = app.count_rows("cases").await;
    let drafts = app.count_rows("drafts").await;

    let mut visitor = app.browser();
    for path in [
        "/",
        "/werther/",
        "/werther",
        "/ellrich/services/gewerbeanmeldung",
        "/ellrich/services/gewerbeanmeldung/form",
        DOG_TAX_FORM,
        "/kyffhaeuserland/services/grabnutzungsrecht-verlaengerung/form",
        "/staff/login",
        "/staff/inbox",
        "/healthz",
        "/readyz",
        "/static/portal.css",
        "/lang/en?next=/werther/",
        "/werther/",
        "/nirgendwo/",
        "/werther/cases/00000000-0000-0000-0000-000000000000/confirmation",
    ] {
        let page = visitor.get(path).await;
        assert!(page.status.as_u16() < 500, "{path}: {}", page.status);
    }
    // Posts that are refused write nothing either: the first step without a token, or
    // with its fields missing.
    let refused = visitor.post(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = visitor.submit(DOG_TAX_FORM, &[("vorname", "Anna")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    visitor
        .submit(
            "/staff/login",
            &[("username", "clerk.werther"), ("password", "falsch")],
        )
        .await;

    assert_eq!(
        app.count_rows("sessions").await,
        sessions,
        "a session was written"
    );
    assert_eq!(app.count_rows("cases").await, cases, "a case was written");
    assert_eq!(
        app.count_rows("drafts").await,
        drafts,
        "a draft was written"
    );
    assert!(
        !visitor.cookies.contains_key(SESSION_COOKIE),
        "no session cookie for reading"
    );
    app.stop().await;
}

async fn the_csrf_and_session_cookies_are_host_only_secure_and_http_only(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();

    let form = citizen.get(DOG_TAX_FORM).await;
    let csrf: Vec<String> = form
        .set_cookies()
        .into_iter()
        .filter(|c| c.starts_with(&format!("{CSRF_COOKIE}=")))
        .collect();
    assert_eq!(csrf.len(), 1, "{:?}", form.set_cookies());
    assert_cookie_attributes(&csrf[0]);
    // A page that issues no token sets no cookie.
    assert!(app.browser().get("/").await.set_cookies().is_empty());
    // A browser that has its secret keeps it.
    assert!(citizen.get(DOG_TAX_FORM).await.set_cookies().is_empty());

    // The session cookie comes with the draft, when the first step is taken, and again
    // with the submission.
    let started = citizen.submit(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let done = citizen.apply(&started.location(), DOG_TAX_ANSWERS).await;
    assert!(done.location().contains("/confirmation"), "{}", done.body);
    for (what, page) in [("start", &started), ("submission", &done)] {
        let session: Vec<String> = page
            .set_cookies()
            .into_iter()
            .filter(|c| c.starts_with(&format!("{SESSION_COOKIE}=")))
            .collect();
        assert_eq!(session.len(), 1, "{what}: {:?}", page.set_cookies());
        assert_cookie_attributes(&session[0]);
    }
    app.stop().await;
}

fn assert_cookie_attributes(cookie: &str) {
    let attrs: Vec<String> = cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    for wanted in ["path=/", "secure", "httponly", "samesite=lax"] {
        assert!(
            attrs.iter().any(|a| a == wanted),
            "{wanted} missing: {cookie}"
        );
    }
    assert!(
        !attrs.iter().any(|a| a.starts_with("domain")),
        "__Host- forbids Domain: {cookie}"
    );
}

async fn staff_login_gives_a_new_session_and_logout_ends_it(db: Db) {
    let app = TestApp::start(db).await;

    // An attacker plants a session id in the clerk's browser before login.
    let planted = "A".repeat(43);
    let mut clerk = app.browser();
    clerk
        .cookies
        .insert(SESSION_COOKIE.to_owned(), planted.clone());
    clerk.staff_login("clerk.werther", "demo").await;
    let session = clerk
        .cookies
        .get(SESSION_COOKIE)
        .cloned()
        .expect("session cookie");
    assert_ne!(session, planted, "the session id changes at login");
    let mut attacker = app.browser();
    attacker.cookies.insert(SESSION_COOKIE.to_owned(), planted);
    assert_eq!(
        attacker.get("/staff/inbox").await.location(),
        "/staff/login"
    );

    // Signing in again replaces the session; the earlier id no longer works.
    clerk.staff_login("clerk.werther", "demo").await;
    let second = clerk
        .cookies
        .get(SESSION_COOKIE)
        .cloned()
        .expect("session cookie");
    assert_ne!(second, session);
    let mut replay = app.browser();
    replay.cookies.insert(SESSION_COOKIE.to_owned(), session);
    assert_eq!(replay.get("/staff/inbox").await.location(), "/staff/login");

    // Logout, with the token of the logout button, ends the session on the server.
    let inbox = clerk.get("/staff/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK);
    let token = inbox
        .attr("form[action=\"/staff/logout\"] input[name=_csrf]", "value")
        .expect("logout button");
    let out = clerk.post("/staff/logout", &[("_csrf", &token)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/staff/login");
    assert!(
        !clerk.cookies.contains_key(SESSION_COOKIE),
        "the cookie is cleared"
    );
    assert_eq!(clerk.get("/staff/inbox").await.location(), "/staff/login");
    let mut stolen = app.browser();
    stolen.cookies.insert(SESSION_COOKIE.to_owned(), second);
    assert_eq!(stolen.get("/staff/inbox").await.location(), "/staff/login");
    assert_eq!(app.count_rows("sessions").await, 0, "no staff session left");
    app.stop().await;
}

async fn a_wrong_password_gets_401_with_the_username_kept(db: Db) {
    let app = TestApp::start(db).await;
    let mut clerk = app.browser();
    let secret_guess = "Sommer2026!geheim";
    let page = clerk
        .submit(
            "/staff/login",
            &[("username", "clerk.werther"), ("password", secret_guess)],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        page.attr("#f-username", "value").as_deref(),
        Some("clerk.werther")
    );
    assert!(
        page.attr("#f-password", "value").is_none(),
        "the password field stays empty"
    );
    assert!(
        !page.body.contains(secret_guess),
        "the password is never echoed"
    );
    assert!(page.attr(".error-summary", "autofocus").is_some());
    assert!(!clerk.cookies.contains_key(SESSION_COOKIE));

    // An unknown user gets exactly the same answer.
    let unknown = clerk
        .submit(
            "/staff/login",
            &[("username", "niemand"), ("password", secret_guess)],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.text(".error-summary"), page.text(".error-summary"));
    assert!(!app.log_text().contains(secret_guess));
    app.stop().await;
}

async fn the_inbox_lists_newest_first_25_to_a_page(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let mut filed = Vec::new();
    for _ in 0..30 {
        filed.push(file_dog_tax(&mut citizen).await.reference);
    }
    filed.reverse(); // newest first

    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let first = clerk.get("/staff/inbox").await;
    assert_eq!(first.texts("table.cases a"), filed[..25]);
    assert!(
        first
            .text(".pagination")
            .contains("Seite 1 von 2 (30 Anträge)")
    );
    assert!(first.attr("a[rel=prev]", "href").is_none());
    let next = first.attr("a[rel=next]", "href").expect("a link to page 2");
    let second = clerk.get(&next).await;
    assert_eq!(second.texts("table.cases a"), filed[25..]);
    assert!(second.attr("a[rel=next]", "href").is_none());
    assert!(second.attr("a[rel=prev]", "href").is_some());
    app.stop().await;
}

async fn each_municipality_sees_only_its_own_cases_and_the_federation_sees_all(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let werther = file_dog_tax(&mut citizen).await;

    let mut federation = app.browser();
    federation.staff_login("federation.admin", "demo").await;
    let inbox = federation.get("/staff/inbox").await;
    let towns = inbox.texts("ul.tabs a");
    assert_eq!(towns.len(), 4, "{towns:?}");
    for town in ["Ellrich", "Heringen/Helme", "Werther", "Kyffhäuserland"] {
        assert!(
            towns.iter().any(|t| t == town),
            "{town} missing in {towns:?}"
        );
    }
    let werther_inbox = federation.get("/staff/inbox?tenant=werther").await;
    assert!(
        werther_inbox
            .texts("table.cases a")
            .contains(&werther.reference)
    );
    let case_link = werther_inbox
        .attr("table.cases a", "href")
        .expect("case link");
    assert_eq!(federation.get(&case_link).await.status, StatusCode::OK);

    // Ellrich's clerk and admin: their own inbox only, no switcher, Werther's case is 404.
    for user in ["clerk.ellrich", "admin.ellrich"] {
        let mut other = app.browser();
        other.staff_login(user, "demo").await;
        let own = other.get("/staff/inbox").await;
        assert!(
            own.text("h1").contains("Ellrich"),
            "{user}: {}",
            own.text("h1")
        );
        assert!(
            own.texts("ul.tabs a").is_empty(),
            "{user} sees one municipality"
        );
        assert!(!own.body.contains(&werther.reference));
        let foreign = other.get("/staff/inbox?tenant=werther").await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{user}");
        let case = other.get(&case_link).await;
        assert_eq!(case.status, StatusCode::NOT_FOUND, "{user}");
        assert!(!case.body.contains(&werther.reference));
    }
    app.stop().await;
}

async fn the_language_switch_turns_pages_english_and_stays_on_site(db: Db) {
    let app = TestApp::start(db).await;
    let mut visitor = app.browser();
    assert_eq!(
        visitor.get("/").await.attr("html", "lang").as_deref(),
        Some("de")
    );

    let switch = visitor.get("/lang/en?next=/werther/").await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.location(), "/werther/");
    assert!(
        switch
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("portal-lang=en"))
    );
    let page = visitor.get("/werther/services/hundesteuer-anmeldung").await;
    assert_eq!(page.attr("html", "lang").as_deref(), Some("en"));
    assert!(page.text("h1").contains("Dog tax"), "{}", page.text("h1"));
    let invalid = visitor.submit(DOG_TAX_FORM, &[("vorname", "Anna")]).await;
    assert_eq!(invalid.text("#error-summary-title"), "There is a problem");
    let missing = visitor.get("/nirgendwo/").await;
    assert_eq!(missing.text("h1"), "Page not found");

    // Only local paths are followed: never off-site.
    for next in [
        "//evil.example",
        "https://evil.example/",
        "/%2F/evil.example",
        "%2F%2Fevil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "evil.example",
    ] {
        let res = visitor.get(&format!("/lang/de?next={next}")).await;
        assert!(res.status.is_redirection(), "{next}: {}", res.status);
        assert_eq!(res.location(), "/", "{next}");
    }
    assert_eq!(
        visitor.get("/lang/xx?next=/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        visitor.get("/").await.attr("html", "lang").as_deref(),
        Some("de")
    );
    app.stop().await;
}

both_databases!(
    every_kind_of_response_carries_the_security_headers,
    anonymous_visits_write_nothing_to_the_database,
    the_csrf_and_session_cookies_are_host_only_secure_and_http_only,
    staff_login_gives_a_new_session_and_logout_ends_it,
    a_wrong_password_gets_401_with_the_username_kept,
    the_inbox_lists_newest_first_25_to_a_page,
    each_municipality_sees_only_its_own_cases_and_the_federation_sees_all,
    the_language_switch_turns_pages_english_and_stays_on_site,
);
