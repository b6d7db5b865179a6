#![allow(clippy::expect_used)]

//! Staff login through the administration's OpenID provider (issue 5 item 5), against the
//! real `oidc-provider` (`tests::oidc::TestOp` with the `portal-staff` client): a clerk's roles
//! come from the `portal_roles` claim at every login; a municipality that requires a second
//! factor grants its roles only to a login whose `amr` has one (and none to a local password
//! login); the session records the
//! login's `acr` and `amr`; a local account with the same username is never taken over; a
//! state works once.

use reqwest::StatusCode;
use tests::oidc::{
    OpBrowser, STAFF_ELLA, STAFF_LOOKALIKE, STAFF_NOBODY, STAFF_PETRA, TestOp, free_port,
    portal_with_staff_login, post_logout_redirect_uri, query_param, redirect_uri, resolve,
    staff_redirect_uri,
};
use tests::{Browser, Db, Page, TestApp, both_databases, file_dog_tax};

const STAFF_ACR: &str = "STORK-QAA-Level-2";

struct Setup {
    _op: TestOp,
    app: TestApp,
    _config: tempfile::TempDir,
}

/// The demo portal with staff login through a fresh provider; Ellrich requires a second
/// factor (`mfa`, `otp` or `hwk`).
async fn portal(db: Db) -> Setup {
    let port = free_port();
    let op = TestOp::start_with_staff(
        &redirect_uri(port),
        &post_logout_redirect_uri(port),
        &staff_redirect_uri(port),
    )
    .await;
    let config = tempfile::tempdir().expect("temp dir");
    let file = config.path().join("portal.toml");
    std::fs::write(
        &file,
        "[staff_oidc.municipalities.ellrich]\nrequired_amr = [\"mfa\", \"otp\", \"hwk\"]\n",
    )
    .expect("write the configuration");
    let app = portal_with_staff_login(db, &op, port, &file).await;
    Setup {
        _op: op,
        app,
        _config: config,
    }
}

/// `GET /staff/login/oidc`: the address at the provider the portal sends the browser to.
async fn begin(browser: &mut Browser) -> String {
    let page = browser.get("/staff/login/oidc").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location();
    assert!(
        location.starts_with("http://") && !location.starts_with(&browser.url("/")),
        "the staff login did not go to the provider: {location}"
    );
    location
}

/// The portal's path of the provider's redirect back.
fn callback_path(browser: &Browser, callback: &str) -> String {
    let base = browser.url("");
    assert!(
        callback.starts_with(&format!("{base}/staff/login/callback")),
        "the provider sent the browser to {callback}"
    );
    callback[base.len()..].to_owned()
}

/// A whole staff login as `account` with these login form extras (`amr`, `roles`); the
/// portal's answer to the callback, and the callback path (for replays).
async fn staff_log_in(
    browser: &mut Browser,
    account: &str,
    extras: &[(&str, &str)],
) -> (Page, String) {
    let authorize = begin(browser).await;
    let mut op = OpBrowser::new();
    op.login_extras = extras
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let callback = op.follow(&authorize, account, STAFF_ACR).await;
    let path = callback_path(browser, &callback);
    (browser.get(&path).await, path)
}

/// A successful staff login: sent on to the inbox.
async fn logged_in(app: &TestApp, account: &str, extras: &[(&str, &str)]) -> Browser {
    let mut browser = app.browser();
    let (page, _) = staff_log_in(&mut browser, account, extras).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the staff login of {account}: {}",
        page.body
    );
    assert_eq!(
        resolve(&browser.url("/"), &page.location()).path(),
        "/staff/inbox"
    );
    browser
}

async fn staff_sessions(app: &TestApp) -> i64 {
    app.count_rows("sessions where staff_id is not null").await
}

/// A refusal: a 403 page that says why, and no staff session.
fn assert_refused(page: &Page, why: &str) {
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.text("h1").contains("Anmeldung"), "{}", page.body);
    assert!(
        page.text(".staff-oidc-reason").contains(why),
        "expected {why:?} in:\n{}",
        page.body
    );
    assert!(
        page.set_cookies()
            .iter()
            .all(|c| !c.contains("Max-Age=28800")),
        "a refused login got a session cookie"
    );
}

async fn a_clerk_logs_in_through_the_provider_and_sees_only_her_municipality(db: Db) {
    let Setup { app, _op, _config } = portal(db).await;
    let werther_case = file_dog_tax(&mut app.browser()).await;

    // The staff login page offers the provider.
    let mut anyone = app.browser();
    let login = anyone.get("/staff/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(
        login.attr("a[href='/staff/login/oidc']", "href").as_deref(),
        Some("/staff/login/oidc")
    );
    assert!(login.body.contains("Mit dem Dienstkonto anmelden"));

    // Only what a staff login needs: no postal address of the clerk.
    let authorize = begin(&mut anyone).await;
    let scope = query_param(&authorize, "scope").unwrap_or_default();
    let mut scopes: Vec<&str> = scope.split(' ').collect();
    scopes.sort_unstable();
    assert_eq!(scopes, ["email", "openid", "profile"], "{authorize}");

    let mut petra = logged_in(&app, STAFF_PETRA, &[]).await;
    let inbox = petra.get("/staff/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.body);
    assert!(
        inbox.body.contains(&werther_case.reference),
        "Werther's case is missing from the inbox:\n{}",
        inbox.body
    );
    let ellrich = petra.get("/staff/inbox?tenant=ellrich").await;
    assert_eq!(ellrich.status, StatusCode::NOT_FOUND);
    assert_eq!(staff_sessions(&app).await, 1);

    // Logout ends the session here (and then at the provider).
    let inbox = petra.get("/staff/inbox").await;
    let token = inbox.csrf_token();
    let out = petra
        .post("/staff/logout", &[("_csrf", token.as_str())])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(staff_sessions(&app).await, 0);
    let again = petra.get("/staff/inbox").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    app.stop().await;
}

async fn roles_follow_the_claim_at_every_login(db: Db) {
    let Setup { app, _op, _config } = portal(db).await;
    let mut petra = logged_in(&app, STAFF_PETRA, &[]).await;
    assert_eq!(
        petra.get("/staff/inbox?tenant=werther").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.count_rows("staff where username = 'petra.sommer' and password_hash = '!oidc'")
            .await,
        1
    );

    // The administrator moves Petra to Heringen/Helme at the provider; her next login follows.
    let mut petra = logged_in(&app, STAFF_PETRA, &[("roles", "clerk:heringen-helme")]).await;
    assert_eq!(
        petra.get("/staff/inbox?tenant=heringen-helme").await.status,
        StatusCode::OK
    );
    assert_eq!(
        petra.get("/staff/inbox?tenant=werther").await.status,
        StatusCode::NOT_FOUND
    );
    // Still one account.
    assert_eq!(
        app.count_rows("staff where username = 'petra.sommer'")
            .await,
        1
    );
    assert_eq!(
        app.count_rows(
            "staff_roles r join staff s on s.id = r.staff_id where s.username = 'petra.sommer'"
        )
        .await,
        1
    );

    // Only values the portal does not know: no access, no session.
    let before = staff_sessions(&app).await;
    let (page, _) = staff_log_in(&mut app.browser(), STAFF_NOBODY, &[]).await;
    assert_refused(&page, "keinen Zugang");
    assert_eq!(staff_sessions(&app).await, before);
    assert_eq!(app.count_rows("staff where username = 'nobody'").await, 0);
    app.stop().await;
}

async fn a_municipality_that_requires_mfa_grants_its_roles_only_with_it(db: Db) {
    let Setup { app, _op, _config } = portal(db).await;

    // Ella is clerk and admin of Ellrich only; a password login is not enough there.
    let (page, _) = staff_log_in(&mut app.browser(), STAFF_ELLA, &[("amr", "pwd")]).await;
    assert_refused(&page, "zweitem Faktor");
    assert_eq!(staff_sessions(&app).await, 0);

    // With a one-time code she gets in, and the session records the login's acr and amr.
    let mut ella = logged_in(&app, STAFF_ELLA, &[("amr", "pwd otp")]).await;
    assert_eq!(
        ella.get("/staff/inbox?tenant=ellrich").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.count_rows(&format!(
            "sessions where staff_id is not null and staff_acr = '{STAFF_ACR}' \
             and cast(staff_amr as text) like '%\"otp\"%' \
             and cast(staff_amr as text) like '%\"pwd\"%'"
        ))
        .await,
        1
    );

    // A role elsewhere is granted without a second factor; Ellrich's is left out.
    let mut both = logged_in(
        &app,
        STAFF_ELLA,
        &[("amr", "pwd"), ("roles", "clerk:ellrich clerk:werther")],
    )
    .await;
    assert_eq!(
        both.get("/staff/inbox?tenant=werther").await.status,
        StatusCode::OK
    );
    assert_eq!(
        both.get("/staff/inbox?tenant=ellrich").await.status,
        StatusCode::NOT_FOUND
    );
    // The login without a second factor took nothing from her session with one.
    assert_eq!(
        ella.get("/staff/inbox?tenant=ellrich").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.count_rows(&format!(
            "sessions where staff_id is not null and cast(staff_amr as text) like '%\"pwd\"%' \
             and cast(staff_amr as text) not like '%\"otp\"%' and staff_acr = '{STAFF_ACR}'"
        ))
        .await,
        1
    );
    app.stop().await;
}

/// The demo's local password account of Ellrich cannot get around Ellrich's second factor;
/// the federation administrator, whom no municipality binds, still can log in with a password.
async fn a_password_alone_does_not_reach_a_municipality_that_requires_mfa(db: Db) {
    let Setup { app, _op, _config } = portal(db).await;
    let mut clerk = app.browser();
    let page = clerk
        .submit(
            "/staff/login",
            &[("username", "clerk.ellrich"), ("password", "demo")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(
        page.text("[role=alert]").contains("zweitem Faktor"),
        "{}",
        page.body
    );
    assert_eq!(
        page.attr("input[name=username]", "value").as_deref(),
        Some("clerk.ellrich"),
        "the username is kept"
    );
    assert_eq!(staff_sessions(&app).await, 0);
    assert_ne!(
        clerk.get("/staff/inbox?tenant=ellrich").await.status,
        StatusCode::OK
    );
    // A wrong password still reads as a wrong password (the refusal above tells only the
    // one who knows the password).
    let wrong = app
        .browser()
        .submit(
            "/staff/login",
            &[("username", "clerk.ellrich"), ("password", "falsch")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);

    let mut federation = app.browser();
    federation.staff_login("federation.admin", "demo").await;
    assert_eq!(
        federation.get("/staff/inbox?tenant=ellrich").await.status,
        StatusCode::OK
    );
    app.stop().await;
}

async fn a_local_account_with_the_same_username_is_not_taken_over(db: Db) {
    let Setup { app, _op, _config } = portal(db).await;
    let (page, _) = staff_log_in(&mut app.browser(), STAFF_LOOKALIKE, &[]).await;
    assert_refused(&page, "gehört im Portal bereits");
    assert_eq!(staff_sessions(&app).await, 0);
    assert_eq!(
        app.count_rows("staff where username = 'clerk.werther' and oidc_subject is null")
            .await,
        1
    );
    // The local account still logs in with its password.
    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    assert_eq!(
        clerk.get("/staff/inbox?tenant=werther").await.status,
        StatusCode::OK
    );
    app.stop().await;
}

async fn a_replayed_state_ends_without_a_session(db: Db) {
    let Setup { app, _op, _config } = portal(db).await;
    let mut browser = app.browser();
    let (page, callback) = staff_log_in(&mut browser, STAFF_PETRA, &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(staff_sessions(&app).await, 1);

    // The same callback again, from a browser holding the old cookie or the new one.
    let replay = browser.get(&callback).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{}", replay.body);
    assert!(replay.text("h1").contains("Anmeldung"));
    let mut stranger = app.browser();
    let replay = stranger.get(&callback).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{}", replay.body);
    assert_eq!(staff_sessions(&app).await, 1);

    // A citizen's callback does not take a staff login's flow.
    let mut other = app.browser();
    let authorize = begin(&mut other).await;
    let callback = OpBrowser::new()
        .follow(&authorize, STAFF_PETRA, STAFF_ACR)
        .await;
    let path = callback_path(&other, &callback).replace("/staff/login/callback", "/login/callback");
    let crossed = other.get(&path).await;
    assert!(crossed.status.is_client_error() || crossed.status == StatusCode::NOT_FOUND);
    assert_eq!(staff_sessions(&app).await, 1);
    app.stop().await;
}

both_databases!(
    a_clerk_logs_in_through_the_provider_and_sees_only_her_municipality,
    roles_follow_the_claim_at_every_login,
    a_municipality_that_requires_mfa_grants_its_roles_only_with_it,
    a_password_alone_does_not_reach_a_municipality_that_requires_mfa,
    a_local_account_with_the_same_username_is_not_taken_over,
    a_replayed_state_ends_without_a_session,
);
