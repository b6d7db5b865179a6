#![allow(clippy::expect_used)]

//! Citizen login (issue 5) against a real, independent OpenID provider (the certified
//! `oidc-provider` package, `tests::oidc::TestOp`): a code flow with PKCE brings the citizen
//! back where she was with a new session and her name in the header; "Meine Anträge" lists her
//! drafts and cases across municipalities; another citizen cannot open them by changing a URL;
//! a service that needs `substantial` cannot be submitted after a `low` login; logging out ends
//! the session at the portal and at the provider.

use reqwest::StatusCode;
use tests::oidc::{
    ANNA, JONAS, OpBrowser, SESSION_COOKIE, TestOp, assert_sent_to_login, callback_path,
    citizen_sessions, free_port, log_in, portal_with_login, post_logout_redirect_uri, query_param,
    redirect_uri, resolve,
};
use tests::{
    Browser, DOG_TAX_FORM, DOG_TAX_OWNER, Db, GRAVE_ANSWERS, Page, TRADE_ANSWERS, TestApp,
    both_databases, file_dog_tax,
};

const SUBSTANTIAL_ACR: &str = "STORK-QAA-Level-3";
const LOW_ACR: &str = "STORK-QAA-Level-1";
const GRAVE_FORM: &str = "/werther/services/grabnutzungsrecht-verlaengerung/form";
const TRADE_FORM: &str = "/werther/services/gewerbeanmeldung/form";
const DOG_TAX_TITLE: &str = "Hundesteuer";
const GRAVE_TITLE: &str = "Verlängerung des Nutzungsrechts an einer Grabstätte";
const TRADE_TITLE: &str = "Gewerbeanmeldung";
/// Every case status as the portal names it.
const STATUS_LABELS: &[&str] = &[
    "Zahlung ausstehend",
    "Eingegangen",
    "Weitergeleitet",
    "In Bearbeitung",
    "Rückfrage",
    "Entschieden",
    "Abgeschlossen",
    "Zurückgezogen",
];

async fn portal(db: Db) -> (TestOp, TestApp) {
    let port = free_port();
    let op = TestOp::start(&redirect_uri(port), &post_logout_redirect_uri(port)).await;
    let app = portal_with_login(db, &op.issuer, port).await;
    (op, app)
}

/// The value of the browser's session cookie, if it has one.
fn session_cookie(browser: &Browser) -> Option<String> {
    browser.cookies.get(SESSION_COOKIE).cloned()
}

/// A new browser in which `account` logged in at `acr` (asking for `level`), back on
/// "Meine Anträge".
async fn logged_in(app: &TestApp, account: &str, level: &str, acr: &str) -> Browser {
    let mut browser = app.browser();
    let page = log_in(
        &mut browser,
        &mut OpBrowser::new(),
        "/my-applications",
        level,
        account,
        acr,
    )
    .await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the login of {account} at {acr}: {}",
        page.body
    );
    assert_eq!(
        resolve(&browser.url("/"), &page.location()).as_str(),
        browser.url("/my-applications")
    );
    browser
}

/// The draft id in an application URL (`/{tenant}/applications/{id}/...`).
fn draft_id(url: &str) -> String {
    url.split("/applications/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("not an application URL: {url}"))
        .to_owned()
}

/// The case id in a confirmation URL (`/{tenant}/cases/{id}/confirmation`).
fn case_id(url: &str) -> String {
    url.split("/cases/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("not a case URL: {url}"))
        .to_owned()
}

/// Starts an application at `form` and continues past its first step: the draft's step URL.
async fn start_draft(browser: &mut Browser, form: &str, answers: &[(&str, &str)]) -> String {
    let first = browser.get(form).await;
    assert_eq!(first.status, StatusCode::OK, "GET {form}: {}", first.body);
    let shown = first.input_names();
    let fields: Vec<(&str, &str)> = answers
        .iter()
        .copied()
        .filter(|(name, _)| shown.iter().any(|n| n == name))
        .collect();
    let next = browser.press(&first, "next", &fields).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let step = next.location();
    assert!(step.contains("/applications/"), "{step}");
    step
}

/// The smallest element of the page's main area that holds a link whose address contains
/// `link_part` and whose text contains `text`: one entry of a list.
fn entry(page: &Page, link_part: &str, text: &str) -> Option<(String, String)> {
    let html = page.html();
    let all = scraper::Selector::parse("main *").expect("selector");
    let links = scraper::Selector::parse("a[href]").expect("selector");
    html.select(&all)
        .filter_map(|element| {
            let href = element
                .select(&links)
                .filter_map(|a| a.value().attr("href"))
                .find(|href| href.contains(link_part))
                .or_else(|| {
                    element
                        .value()
                        .attr("href")
                        .filter(|href| href.contains(link_part))
                })?
                .to_owned();
            let content = element.text().collect::<Vec<_>>().join(" ");
            content.contains(text).then_some((content, href))
        })
        .min_by_key(|(content, _)| content.len())
}

async fn a_citizen_logs_in_and_comes_back_to_the_form_with_a_new_session(db: Db) {
    let (op, app) = portal(db).await;
    let mut citizen = app.browser();
    // She begins as a visitor: the dog tax needs no login, its draft gives her a session.
    let _ = start_draft(&mut citizen, DOG_TAX_FORM, DOG_TAX_OWNER).await;
    let mut sessions_before: Vec<String> = session_cookie(&citizen).into_iter().collect();
    assert!(!sessions_before.is_empty(), "a draft gives a session");

    // The grave form needs a `low` login: the form page sends her to the login.
    let form = citizen.get(GRAVE_FORM).await;
    assert_eq!(form.status, StatusCode::SEE_OTHER, "{}", form.body);
    let login = form.location();
    assert_eq!(
        resolve(&citizen.url("/"), &login).path(),
        "/login",
        "{login}"
    );
    assert_eq!(
        query_param(&login, "return_to").as_deref(),
        Some(GRAVE_FORM)
    );
    assert_eq!(query_param(&login, "level").as_deref(), Some("low"));

    let start = citizen.get(&login).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    sessions_before.extend(session_cookie(&citizen));
    let authorize = start.location();
    assert!(
        authorize.starts_with(&format!("{}/", op.issuer)),
        "the login goes to the provider: {authorize}"
    );
    for (param, expected) in [
        ("response_type", Some("code")),
        ("client_id", Some("portal")),
        ("code_challenge_method", Some("S256")),
    ] {
        assert_eq!(
            query_param(&authorize, param).as_deref(),
            expected,
            "{authorize}"
        );
    }
    for param in [
        "state",
        "nonce",
        "code_challenge",
        "acr_values",
        "redirect_uri",
    ] {
        assert!(
            query_param(&authorize, param).is_some_and(|v| !v.is_empty()),
            "{param} missing in {authorize}"
        );
    }
    // The address prefills the forms, so a citizen's login asks for it (a staff login does
    // not: staff_login_oidc.rs).
    let scope = query_param(&authorize, "scope").unwrap_or_default();
    for wanted in ["openid", "profile", "email", "address"] {
        assert!(
            scope.split(' ').any(|s| s == wanted),
            "{wanted}: {authorize}"
        );
    }

    let callback = OpBrowser::new()
        .follow(&authorize, ANNA, SUBSTANTIAL_ACR)
        .await;
    let back = citizen.get(&callback_path(&citizen, &callback)).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert_eq!(
        resolve(&citizen.url("/"), &back.location()).as_str(),
        citizen.url(GRAVE_FORM),
        "back where she was"
    );
    let new_session = back
        .set_cookies()
        .iter()
        .find_map(|c| {
            c.strip_prefix(&format!("{SESSION_COOKIE}="))
                .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
        })
        .expect("the login sets a session cookie");
    assert!(!new_session.is_empty());
    assert!(
        !sessions_before.contains(&new_session),
        "the login starts a new session, not the one the browser had"
    );
    assert_eq!(citizen_sessions(&app).await, 1);

    let page = citizen.get(GRAVE_FORM).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let header = page.texts("header").join(" ");
    assert!(
        header.contains("Anna") && header.contains("Schulz"),
        "the header names who is logged in: {header:?}"
    );
    assert!(
        !page
            .texts(
                "header form[action=\"/logout\"][method=post] button, \
                 header form[action=\"/logout\"][method=post] input[type=submit]"
            )
            .is_empty(),
        "a logout button in the header:\n{}",
        page.body
    );

    // The session cookies she had before do not carry the login (no session fixation).
    for before in sessions_before {
        let mut old = app.browser();
        old.cookies.insert(SESSION_COOKIE.to_owned(), before);
        assert_sent_to_login(&mut old).await;
    }
    app.stop().await;
}

async fn my_applications_lists_the_citizens_drafts_and_cases_across_municipalities(db: Db) {
    let (_op, app) = portal(db).await;
    let mut anna = logged_in(&app, ANNA, "substantial", SUBSTANTIAL_ACR).await;
    let empty = anna.get("/my-applications").await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);

    let filed = file_dog_tax(&mut anna).await;
    let case = case_id(&filed.confirmation);
    let grave_step = start_draft(
        &mut anna,
        "/ellrich/services/grabnutzungsrecht-verlaengerung/form",
        GRAVE_ANSWERS,
    )
    .await;
    let grave_draft = draft_id(&grave_step);
    let trade_step = start_draft(
        &mut anna,
        "/kyffhaeuserland/services/gewerbeanmeldung/form",
        TRADE_ANSWERS,
    )
    .await;
    let trade_draft = draft_id(&trade_step);

    let list = anna.get("/my-applications").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.header("cache-control"), "no-store");

    let (case_entry, case_link) = entry(&list, &case, &filed.reference)
        .or_else(|| entry(&list, &filed.reference, &filed.reference))
        .unwrap_or_else(|| {
            panic!(
                "no entry with the reference {} and a link to the case:\n{}",
                filed.reference, list.body
            )
        });
    for expected in ["Werther", DOG_TAX_TITLE] {
        assert!(
            case_entry.contains(expected),
            "{expected} missing in {case_entry:?}"
        );
    }
    assert!(
        STATUS_LABELS.iter().any(|s| case_entry.contains(s)),
        "no status in {case_entry:?}"
    );
    for (draft, municipality, title) in [
        (&grave_draft, "Ellrich", GRAVE_TITLE),
        (&trade_draft, "Kyffhäuserland", TRADE_TITLE),
    ] {
        let (draft_entry, link) = entry(&list, draft, municipality).unwrap_or_else(|| {
            panic!(
                "no entry in {municipality} with a link to the draft {draft}:\n{}",
                list.body
            )
        });
        assert!(
            draft_entry.contains(title),
            "{title} missing in {draft_entry:?}"
        );
        // The link opens the draft (perhaps by way of the step that needs an answer).
        let mut opened = anna.get(&link).await;
        if opened.status == StatusCode::SEE_OTHER {
            let next = opened.location();
            assert!(next.contains(draft.as_str()), "{link} led to {next}");
            opened = anna.get(&next).await;
        }
        assert_eq!(opened.status, StatusCode::OK, "{link}: {}", opened.body);
    }
    let opened = anna.get(&case_link).await;
    assert_eq!(
        opened.status,
        StatusCode::OK,
        "{case_link}: {}",
        opened.body
    );
    assert!(opened.body.contains(&filed.reference), "{}", opened.body);
    app.stop().await;
}

async fn a_citizen_cannot_open_another_citizens_drafts_or_cases(db: Db) {
    let (_op, app) = portal(db).await;
    let mut anna = logged_in(&app, ANNA, "substantial", SUBSTANTIAL_ACR).await;
    let filed = file_dog_tax(&mut anna).await;
    let check_page = anna.walk_to_check(TRADE_FORM, TRADE_ANSWERS).await;
    let check = check_page.form_action();
    let draft = draft_id(&check);
    let step = format!("/werther/applications/{draft}/steps/1");
    assert_eq!(
        anna.get(&step).await.status,
        StatusCode::OK,
        "Anna opens her step"
    );

    let mut jonas = logged_in(&app, JONAS, "substantial", SUBSTANTIAL_ACR).await;
    for url in [&step, &check, &filed.confirmation] {
        let page = jonas.get(url).await;
        assert_eq!(
            page.status,
            StatusCode::NOT_FOUND,
            "Jonas opened Anna's {url}: {}",
            page.body
        );
        for answer in [filed.reference.as_str(), "Fahrrädern", "Bahnhofstraße"] {
            assert!(
                !page.body.contains(answer),
                "{answer} shown to Jonas at {url}"
            );
        }
    }
    // Posting to her draft is no better.
    let cases = app.count_rows("cases").await;
    let own = jonas.get("/my-applications").await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let token = own.csrf_token();
    let submit = jonas
        .post(
            &check,
            &[("_csrf", token.as_str()), ("_declaration", "yes")],
        )
        .await;
    assert_eq!(submit.status, StatusCode::NOT_FOUND, "{}", submit.body);
    let mut step_fields: Vec<(&str, &str)> = vec![("_csrf", token.as_str()), ("_action", "next")];
    step_fields.extend_from_slice(&TRADE_ANSWERS[..3]);
    let overwrite = jonas.post(&step, &step_fields).await;
    assert_eq!(
        overwrite.status,
        StatusCode::NOT_FOUND,
        "{}",
        overwrite.body
    );
    assert_eq!(app.count_rows("cases").await, cases);
    assert!(
        !own.body.contains(&filed.reference) && !own.body.contains(&draft),
        "Jonas's list shows Anna's applications:\n{}",
        own.body
    );
    let own = jonas.get("/my-applications").await;
    assert!(
        !own.body.contains(&filed.reference) && !own.body.contains(&draft),
        "{}",
        own.body
    );

    // The drafts and cases are Anna's, not her browser's: logged in elsewhere she has them.
    let mut anna_elsewhere = logged_in(&app, ANNA, "substantial", SUBSTANTIAL_ACR).await;
    let list = anna_elsewhere.get("/my-applications").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains(&filed.reference), "{}", list.body);
    assert!(list.body.contains(&draft), "{}", list.body);
    let page = anna_elsewhere.get(&check).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    app.stop().await;
}

async fn a_substantial_service_cannot_be_submitted_after_a_low_login(db: Db) {
    let (_op, app) = portal(db).await;
    let mut anna = app.browser();
    let form = anna.get(TRADE_FORM).await;
    assert_eq!(form.status, StatusCode::SEE_OTHER, "{}", form.body);
    assert_eq!(
        query_param(&form.location(), "level").as_deref(),
        Some("substantial")
    );
    let back = log_in(
        &mut anna,
        &mut OpBrowser::new(),
        TRADE_FORM,
        "substantial",
        ANNA,
        SUBSTANTIAL_ACR,
    )
    .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let check_page = anna.walk_to_check(TRADE_FORM, TRADE_ANSWERS).await;
    let check = check_page.form_action();
    let cases = app.count_rows("cases").await;

    // The same person logs in again, this time at `low` only.
    let again = log_in(
        &mut anna,
        &mut OpBrowser::new(),
        "/my-applications",
        "low",
        ANNA,
        LOW_ACR,
    )
    .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let form = anna.get(TRADE_FORM).await;
    assert_eq!(
        form.status,
        StatusCode::SEE_OTHER,
        "the form sends a `low` login to log in higher: {}",
        form.body
    );
    assert_eq!(
        query_param(&form.location(), "level").as_deref(),
        Some("substantial")
    );

    // Posting the check page directly, with a valid token, does not submit.
    let list = anna.get("/my-applications").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let token = list.csrf_token();
    let submit = anna
        .post(
            &check,
            &[("_csrf", token.as_str()), ("_declaration", "yes")],
        )
        .await;
    let refused_to_login = submit.status == StatusCode::SEE_OTHER && {
        let to = submit.location();
        resolve(&anna.url("/"), &to).path() == "/login"
            && query_param(&to, "level").as_deref() == Some("substantial")
    };
    assert!(
        submit.status.is_client_error() || refused_to_login,
        "a `low` login submitted a `substantial` service: {} ({})\n{}",
        submit.status,
        submit.location(),
        submit.body
    );
    assert_eq!(app.count_rows("cases").await, cases, "no case");

    // Logged in at `substantial` again, the very same post submits (the refusal was the level).
    let up = log_in(
        &mut anna,
        &mut OpBrowser::new(),
        TRADE_FORM,
        "substantial",
        ANNA,
        SUBSTANTIAL_ACR,
    )
    .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    let list = anna.get("/my-applications").await;
    let token = list.csrf_token();
    let submit = anna
        .post(
            &check,
            &[("_csrf", token.as_str()), ("_declaration", "yes")],
        )
        .await;
    assert_eq!(submit.status, StatusCode::SEE_OTHER, "{}", submit.body);
    // Stored, and on to pay the trade registration's fee (the demo's simulation).
    assert!(
        submit.location().starts_with("/demo-payment/"),
        "{}",
        submit.location()
    );
    assert_eq!(app.count_rows("cases").await, cases + 1);
    app.stop().await;
}

async fn logging_out_ends_the_session_at_the_portal_and_the_provider(db: Db) {
    let (op, app) = portal(db).await;
    let mut citizen = app.browser();
    let mut at_provider = OpBrowser::new();
    let back = log_in(
        &mut citizen,
        &mut at_provider,
        "/my-applications",
        "low",
        ANNA,
        SUBSTANTIAL_ACR,
    )
    .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let list = citizen.get("/my-applications").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let token = list
        .attr(
            "header form[action=\"/logout\"][method=post] input[name=_csrf]",
            "value",
        )
        .unwrap_or_else(|| panic!("no logout form in the header:\n{}", list.body));
    let copied_cookies = citizen.cookies.clone();
    assert_eq!(citizen_sessions(&app).await, 1);

    let out = citizen.post("/logout", &[("_csrf", token.as_str())]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    let end_session = out.location();
    assert!(
        end_session.starts_with(&format!("{}/", op.issuer)),
        "logout goes on to the provider: {end_session}"
    );
    assert!(
        query_param(&end_session, "id_token_hint").is_some_and(|t| t.split('.').count() == 3),
        "{end_session}"
    );
    assert_eq!(
        query_param(&end_session, "post_logout_redirect_uri"),
        Some(citizen.url("/logout/done"))
    );
    assert_eq!(
        citizen_sessions(&app).await,
        0,
        "the portal's session ended first"
    );

    let done = at_provider.follow(&end_session, "", "").await;
    assert!(
        done.starts_with(&citizen.url("/logout/done")),
        "the provider sends the browser back to {done}"
    );
    let page = citizen.get(&done[citizen.url("").len()..]).await;
    assert!(
        page.status == StatusCode::OK || page.status == StatusCode::SEE_OTHER,
        "/logout/done: {} {}",
        page.status,
        page.body
    );
    assert_sent_to_login(&mut citizen).await;
    // The cookie copied before the logout is worth nothing now.
    let mut copy = app.browser();
    copy.cookies = copied_cookies;
    assert_sent_to_login(&mut copy).await;

    // The provider's session ended too: logging in again asks for the login once more.
    let mut again = app.browser();
    let page = log_in(
        &mut again,
        &mut at_provider,
        "/my-applications",
        "low",
        JONAS,
        SUBSTANTIAL_ACR,
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let list = again.get("/my-applications").await;
    let header = list.texts("header").join(" ");
    assert!(
        header.contains("Becker") && !header.contains("Schulz"),
        "after the logout the provider logged in the person who typed: {header:?}"
    );
    app.stop().await;
}

both_databases!(
    a_citizen_logs_in_and_comes_back_to_the_form_with_a_new_session,
    my_applications_lists_the_citizens_drafts_and_cases_across_municipalities,
    a_citizen_cannot_open_another_citizens_drafts_or_cases,
    a_substantial_service_cannot_be_submitted_after_a_low_login,
    logging_out_ends_the_session_at_the_portal_and_the_provider,
);
