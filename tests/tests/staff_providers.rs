#![allow(clippy::expect_used)]

//! Staff identity providers per municipality, and roles an administrator assigns (issue 5
//! item 5), against two real `oidc-provider`s (`tests::oidc::TestOp`): the installation's
//! provider grants roles through its claim; Werther's own provider leaves the roles to
//! Werther's administrators.
//!
//! - A first login through Werther's provider records the account and ends without a session;
//!   Werther's administrator gives it a role under "Zugänge"; Ellrich's administrator neither
//!   sees nor changes it; the next login opens Werther's inbox and nothing else; a role taken
//!   away counts at once.
//! - Logging out ends the session here and at Werther's provider, which sends the browser
//!   back to the login page.
//! - A login begun at one provider cannot be completed at another's callback.

use reqwest::StatusCode;
use tests::oidc::{
    OpBrowser, STAFF_CLIENT_ID, STAFF_CLIENT_SECRET, STAFF_PETRA, TestOp, free_port,
    portal_with_staff_login, post_logout_redirect_uri, query_param, redirect_uri, resolve,
    staff_redirect_uri,
};
use tests::{Browser, Db, Page, TestApp, both_databases, file_dog_tax};

const STAFF_ACR: &str = "STORK-QAA-Level-2";

/// Petra's account as Werther's provider names it (no email address: the municipality is
/// added).
const PETRA_AT_WERTHER: &str = "petra.sommer@werther";

struct Setup {
    _installation: TestOp,
    werther: TestOp,
    app: TestApp,
    _config: tempfile::TempDir,
}

/// The demo portal with the installation's staff provider (roles from the claim) and
/// Werther's own (roles assigned by Werther's administrators).
async fn portal(db: Db) -> Setup {
    let port = free_port();
    let installation = TestOp::start_with_staff(
        &redirect_uri(port),
        &post_logout_redirect_uri(port),
        &staff_redirect_uri(port),
    )
    .await;
    let werther = TestOp::start_with_staff(
        &redirect_uri(port),
        &post_logout_redirect_uri(port),
        &format!("{}/werther", staff_redirect_uri(port)),
    )
    .await;
    let config = tempfile::tempdir().expect("temp dir");
    let file = config.path().join("portal.toml");
    std::fs::write(
        &file,
        format!(
            "[staff_oidc.municipalities.werther]\n\
             issuer = \"{}\"\n\
             client_id = \"{STAFF_CLIENT_ID}\"\n\
             client_secret = \"{STAFF_CLIENT_SECRET}\"\n\
             roles = \"admin\"\n",
            werther.issuer
        ),
    )
    .expect("write the configuration");
    let app = portal_with_staff_login(db, &installation, port, &file).await;
    Setup {
        _installation: installation,
        werther,
        app,
        _config: config,
    }
}

/// A whole staff login as `account` through the provider behind `begin` (a path on the
/// portal); the portal's answer to the callback, and the provider-side browser (for the
/// logout there).
async fn log_in_at(browser: &mut Browser, begin: &str, account: &str) -> (Page, OpBrowser) {
    let page = browser.get(begin).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mut op = OpBrowser::new();
    let callback = op.follow(&page.location(), account, STAFF_ACR).await;
    let base = browser.url("");
    assert!(
        callback.starts_with(&format!("{base}/staff/login/callback")),
        "the provider sent the browser to {callback}"
    );
    (browser.get(&callback[base.len()..]).await, op)
}

async fn staff_sessions(app: &TestApp) -> i64 {
    app.count_rows("sessions where staff_id is not null").await
}

/// The id of `username`'s account in the roles form of the accounts page.
fn account_id(page: &Page, username: &str) -> Option<String> {
    page.attr(
        &format!("form.roles-form[data-account='{username}'] input[name=staff]"),
        "value",
    )
}

/// An administrator sets `username`'s roles in `tenant` through the accounts page.
async fn set_roles(admin: &mut Browser, tenant: &str, username: &str, roles: &[&str]) -> Page {
    let list = admin.get(&format!("/staff/accounts?tenant={tenant}")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let id = account_id(&list, username)
        .unwrap_or_else(|| panic!("no roles form for {username}:\n{}", list.body));
    let token = list.csrf_token();
    let mut fields = vec![
        ("_csrf", token.as_str()),
        ("tenant", tenant),
        ("staff", id.as_str()),
    ];
    fields.extend(roles.iter().map(|r| ("role", *r)));
    admin.post("/staff/accounts", &fields).await
}

async fn a_municipal_providers_staff_get_their_roles_from_their_administrator(db: Db) {
    let Setup {
        app,
        werther: werther_op,
        _installation,
        _config,
    } = portal(db).await;
    let werther_case = file_dog_tax(&mut app.browser()).await;

    // The login page offers both providers.
    let login = app.browser().get("/staff/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.attr("a[href='/staff/login/oidc']", "href").is_some());
    assert!(
        login
            .text("a[href='/staff/login/oidc/werther']")
            .contains("Werther"),
        "{}",
        login.body
    );

    // Petra's first login through Werther's provider: known now, but no role, no session.
    let mut petra = app.browser();
    let (page, _) = log_in_at(&mut petra, "/staff/login/oidc/werther", STAFF_PETRA).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(
        page.text(".staff-oidc-reason").contains("noch keine Rolle"),
        "{}",
        page.body
    );
    assert_eq!(staff_sessions(&app).await, 0);
    assert_eq!(
        app.count_rows(&format!(
            "staff where username = '{PETRA_AT_WERTHER}' and oidc_tenant is not null"
        ))
        .await,
        1,
        "the account is recorded as Werther's"
    );
    // The roles claim of Werther's provider counts for nothing: administrators assign them.
    assert_eq!(
        app.count_rows(&format!(
            "staff_roles r join staff s on s.id = r.staff_id where s.username = '{PETRA_AT_WERTHER}'"
        ))
        .await,
        0
    );

    // Ellrich's administrator neither sees nor changes Werther's account.
    let mut ellrich_admin = app.browser();
    ellrich_admin.staff_login("admin.ellrich", "demo").await;
    let list = ellrich_admin.get("/staff/accounts").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(!list.body.contains(PETRA_AT_WERTHER), "{}", list.body);
    let petra_id: String = {
        let mut werther_admin = app.browser();
        werther_admin.staff_login("admin.werther", "demo").await;
        let list = werther_admin.get("/staff/accounts?tenant=werther").await;
        // The last sign-in of each account, for access reviews: Petra's at her provider (she
        // got no session), the administrator's just now.
        let row = |name: &str| {
            list.texts("tbody tr")
                .into_iter()
                .find(|r| r.contains(name))
                .unwrap_or_else(|| panic!("no row for {name}:\n{}", list.body))
        };
        assert!(row(PETRA_AT_WERTHER).contains("UTC"), "{}", list.body);
        assert!(
            row("clerk.werther").contains("nicht erfasst"),
            "{}",
            list.body
        );
        assert!(row("admin.werther").contains("UTC"), "{}", list.body);
        account_id(&list, PETRA_AT_WERTHER)
            .unwrap_or_else(|| panic!("Werther's admin does not see Petra:\n{}", list.body))
    };
    let token = list.csrf_token();
    for tenant in ["ellrich", "werther"] {
        let crossed = ellrich_admin
            .post(
                "/staff/accounts",
                &[
                    ("_csrf", token.as_str()),
                    ("tenant", tenant),
                    ("staff", petra_id.as_str()),
                    ("role", "tenant_admin"),
                ],
            )
            .await;
        assert!(
            crossed.status == StatusCode::NOT_FOUND || crossed.status == StatusCode::FORBIDDEN,
            "{tenant}: {} {}",
            crossed.status,
            crossed.body
        );
    }
    assert_eq!(
        app.count_rows(&format!(
            "staff_roles r join staff s on s.id = r.staff_id where s.username = '{PETRA_AT_WERTHER}'"
        ))
        .await,
        0
    );

    // Werther's administrator makes her a clerk; her own row cannot be changed.
    let mut werther_admin = app.browser();
    werther_admin.staff_login("admin.werther", "demo").await;
    let saved = set_roles(&mut werther_admin, "werther", PETRA_AT_WERTHER, &["clerk"]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let back = resolve(&werther_admin.url("/"), &saved.location());
    let list = werther_admin
        .get(&format!(
            "{}?{}",
            back.path(),
            back.query().unwrap_or_default()
        ))
        .await;
    assert!(
        list.text(".notice[role=status]").contains(PETRA_AT_WERTHER),
        "{}",
        list.body
    );
    assert_eq!(
        account_id(&list, "admin.werther"),
        None,
        "one's own roles are not editable"
    );

    // Now her login opens Werther's inbox, and nothing of Ellrich.
    let (page, op) = log_in_at(&mut petra, "/staff/login/oidc/werther", STAFF_PETRA).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let inbox = petra.get("/staff/inbox?tenant=werther").await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.body);
    assert!(
        inbox.body.contains(&werther_case.reference),
        "{}",
        inbox.body
    );
    assert_eq!(
        petra.get("/staff/inbox?tenant=ellrich").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        petra.get("/staff/accounts").await.status,
        StatusCode::FORBIDDEN,
        "a clerk does not manage accounts"
    );

    // A role taken away counts at the next page.
    let saved = set_roles(&mut werther_admin, "werther", PETRA_AT_WERTHER, &[]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        petra.get("/staff/inbox?tenant=werther").await.status,
        StatusCode::NOT_FOUND
    );
    let saved = set_roles(&mut werther_admin, "werther", PETRA_AT_WERTHER, &["clerk"]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    // Logging out ends the session here, then at Werther's provider, which sends the browser
    // back to the login page.
    let inbox = petra.get("/staff/inbox").await;
    let token = inbox.csrf_token();
    let out = petra
        .post("/staff/logout", &[("_csrf", token.as_str())])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    assert_eq!(
        app.count_rows(&format!(
            "sessions x join staff s on s.id = x.staff_id where s.username = '{PETRA_AT_WERTHER}'"
        ))
        .await,
        0,
        "Petra's session ended here"
    );
    let end_session = out.location();
    assert!(
        end_session.starts_with(&format!("{}/", werther_op.issuer)),
        "logout goes on to Werther's provider: {end_session}"
    );
    assert!(
        query_param(&end_session, "id_token_hint").is_some_and(|t| t.split('.').count() == 3),
        "{end_session}"
    );
    assert_eq!(
        query_param(&end_session, "post_logout_redirect_uri"),
        Some(petra.url("/staff/login"))
    );
    let mut op = op;
    let back = op.follow(&end_session, "", "").await;
    assert!(
        back.starts_with(&petra.url("/staff/login")),
        "the provider sends the browser back to {back}"
    );
    assert_eq!(
        petra.get("/staff/inbox").await.status,
        StatusCode::SEE_OTHER,
        "logged out"
    );
    app.stop().await;
}

async fn a_login_begun_at_one_provider_cannot_end_at_another(db: Db) {
    let Setup {
        app,
        werther: _werther,
        _installation,
        _config,
    } = portal(db).await;
    let mut browser = app.browser();
    let page = browser.get("/staff/login/oidc").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let callback = OpBrowser::new()
        .follow(&page.location(), STAFF_PETRA, STAFF_ACR)
        .await;
    let base = browser.url("");
    let path =
        callback[base.len()..].replace("/staff/login/callback", "/staff/login/callback/werther");
    let crossed = browser.get(&path).await;
    assert_eq!(crossed.status, StatusCode::BAD_REQUEST, "{}", crossed.body);
    assert_eq!(staff_sessions(&app).await, 0);
    assert_eq!(
        browser.get("/staff/login/oidc/atlantis").await.status,
        StatusCode::NOT_FOUND,
        "no such provider"
    );
    app.stop().await;
}

both_databases!(
    a_municipal_providers_staff_get_their_roles_from_their_administrator,
    a_login_begun_at_one_provider_cannot_end_at_another,
);
