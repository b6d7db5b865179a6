//! Starting the portal (DESIGN.md section 6, issue 2 items 2-4 and 8): demo mode only when
//! asked for or when nothing is configured; a database with demo data is refused outside
//! demo mode until `portal remove-demo-data`; configuration and database problems end in
//! one clear line and a non-zero exit; health checks; the first real admin from the CLI.

#![allow(clippy::expect_used)] // a test fails loudly where a value is missing

use reqwest::StatusCode;
use tests::{Db, Finished, Options, TestApp, both_databases, file_dog_tax};

fn without_demo() -> Options {
    Options {
        demo: false,
        env: Vec::new(),
    }
}

/// A start-up failure as an operator should see it: a non-zero exit and one line on
/// stderr that names the problem, no panic and no backtrace.
fn assert_refused_with_one_line(run: &Finished, naming: &str) {
    assert!(!run.status.success(), "expected a refusal:\n{run:?}");
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "one line on stderr, got:\n{}", run.stderr);
    assert!(
        lines[0].contains(naming),
        "{naming:?} not named in: {}",
        lines[0]
    );
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        !all.contains("panicked") && !all.contains("backtrace"),
        "{all}"
    );
    assert!(!all.contains("listening on"), "it must not serve: {all}");
}

async fn without_demo_mode_nothing_of_the_demo_exists(db: Db) {
    let app = TestApp::start_with(db, without_demo()).await;
    let mut visitor = app.browser();

    let home = visitor.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.texts("ul.link-list a").is_empty(), "{}", home.body);
    assert!(!home.body.contains("demo-banner"));
    assert!(!home.body.contains("Werther"));
    for path in ["/werther/", "/werther/services/hundesteuer-anmeldung"] {
        assert_eq!(
            visitor.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    let login = visitor.get("/staff/login").await;
    assert!(
        !login.body.contains("clerk.werther"),
        "no demo accounts listed"
    );
    assert!(!login.body.contains("demo-banner"));
    for user in ["clerk.werther", "admin.ellrich", "federation.admin"] {
        let token = visitor.get("/staff/login").await.csrf_token();
        let res = visitor
            .post(
                "/staff/login",
                &[("_csrf", &token), ("username", user), ("password", "demo")],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNAUTHORIZED,
            "{user} must not exist"
        );
    }
    for table in ["tenants", "forms", "services", "staff", "cases"] {
        assert_eq!(app.count_rows(table).await, 0, "{table}");
    }
    assert!(!app.log_text().contains("DEMO MODE"));
    app.stop().await;
}

async fn demo_data_is_refused_without_demo_mode_until_removed(db: Db) {
    let mut app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let demo_case = file_dog_tax(&mut citizen).await;
    app.kill9().await;

    app.options.demo = false;
    let refused = app.run(&[], "").await;
    assert_refused_with_one_line(&refused, "remove-demo-data");

    let removed = app.run(&["remove-demo-data"], "").await;
    assert!(removed.status.success(), "{removed:?}");
    for table in ["tenants", "forms", "services", "staff", "cases"] {
        assert_eq!(
            app.count_rows(table).await,
            0,
            "{table} still holds demo rows"
        );
    }

    app.launch()
        .await
        .expect("starts once the demo data is gone");
    let home = app.browser().get("/").await;
    assert!(home.texts("ul.link-list a").is_empty());
    assert!(!home.body.contains("demo-banner"));
    let gone = citizen.get(&demo_case.confirmation).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn an_unreachable_postgres_stops_start_up_with_one_line() {
    let app = TestApp::prepare(Db::Sqlite, without_demo()).await;
    let mut cmd = app.command();
    // Port 1 on loopback: nothing listens there. The password must not be shown.
    cmd.env(
        "PORTAL_DATABASE_URL",
        "postgres://portal:geheim@127.0.0.1:1/portal",
    );
    let run = TestApp::run_command(cmd, &[], "").await;
    assert_refused_with_one_line(&run, "database");
    assert!(run.stderr.contains("127.0.0.1:1"), "{}", run.stderr);
    assert!(!run.stderr.contains("geheim"), "{}", run.stderr);
}

#[tokio::test]
async fn an_sqlite_file_that_cannot_be_created_stops_start_up_with_one_line() {
    let app = TestApp::prepare(Db::Sqlite, without_demo()).await;
    let blocker = app.data_dir.path().join("not-a-folder");
    std::fs::write(&blocker, "a file where a folder should be").expect("write");
    let mut cmd = app.command();
    cmd.env(
        "PORTAL_DATABASE_URL",
        format!("sqlite://{}/portal.db", blocker.display()),
    );
    let run = TestApp::run_command(cmd, &[], "").await;
    assert_refused_with_one_line(&run, "database");
}

#[tokio::test]
async fn an_unknown_key_in_the_config_file_is_named_at_start_up() {
    let app = TestApp::prepare(Db::Sqlite, without_demo()).await;
    let file = app.data_dir.path().join("portal.toml");
    std::fs::write(
        &file,
        "bind = \"127.0.0.1:0\"\ndatabse_url = \"sqlite://x.db\"\n",
    )
    .expect("write");
    let path = file.display().to_string();

    let by_flag = app.run(&["--config", &path], "").await;
    assert_refused_with_one_line(&by_flag, "databse_url");

    let mut cmd = app.command();
    cmd.env("PORTAL_CONFIG", &path);
    let by_env = TestApp::run_command(cmd, &[], "").await;
    assert_refused_with_one_line(&by_env, "databse_url");

    // A missing file is as clear.
    let missing = app.run(&["--config", "/nonexistent/portal.toml"], "").await;
    assert_refused_with_one_line(&missing, "/nonexistent/portal.toml");
}

#[tokio::test]
async fn inferred_demo_mode_refuses_a_public_address() {
    let app = TestApp::prepare(Db::Sqlite, Options::default()).await;
    let mut cmd = app.command();
    // Nothing configured at all, so demo mode is inferred, not asked for.
    cmd.env_remove("PORTAL_DATABASE_URL")
        .env_remove("PORTAL_DEMO")
        .env("PORTAL_BIND", "0.0.0.0:0");
    let run = TestApp::run_command(cmd, &[], "").await;
    assert_refused_with_one_line(&run, "loopback");
    assert!(
        run.stderr.contains("PORTAL_DEMO"),
        "it says how: {}",
        run.stderr
    );
}

async fn health_and_readiness_answer(db: Db) {
    let app = TestApp::start_with(db, without_demo()).await;
    let mut probe = app.browser();
    let health = probe.get("/healthz").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok")
    );
    let ready = probe.get("/readyz").await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::OK, "ready")
    );
    app.stop().await;
}

#[tokio::test]
async fn readiness_fails_when_postgres_goes_away_while_health_stays() {
    let app = TestApp::start_with(Db::Postgres, without_demo()).await;
    let mut probe = app.browser();
    assert_eq!(probe.get("/readyz").await.status, StatusCode::OK);
    app.db.drop_database().await;
    assert_eq!(
        probe.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(probe.get("/healthz").await.status, StatusCode::OK);
    app.stop().await;
}

async fn the_first_admin_is_created_from_the_command_line(db: Db) {
    let mut app = TestApp::prepare(db, without_demo()).await;
    let create = [
        "staff",
        "create",
        "--username",
        "ops.admin",
        "--role",
        "federation-admin",
    ];

    let short = app.run(&create, "kurz\n").await;
    assert_refused_with_one_line(&short, "12 characters");

    let created = app.run(&create, "ein-langes-Passwort-2026\n").await;
    assert!(created.status.success(), "{created:?}");
    assert!(created.stdout.contains("ops.admin"), "{}", created.stdout);
    assert!(
        !created.stdout.contains("ein-langes"),
        "the password is never printed"
    );

    let again = app.run(&create, "noch-ein-langes-Passwort\n").await;
    assert!(
        !again.status.success(),
        "a second account with the same name: {again:?}"
    );
    assert!(!again.stderr.contains("panicked"));

    let no_tenant = app
        .run(
            &["staff", "create", "--username", "clerk", "--role", "clerk"],
            "ein-langes-Passwort-2026\n",
        )
        .await;
    assert_refused_with_one_line(&no_tenant, "--tenant");

    app.launch().await.expect("starts");
    let mut admin = app.browser();
    let token = admin.get("/staff/login").await.csrf_token();
    let wrong = admin
        .post(
            "/staff/login",
            &[
                ("_csrf", &token),
                ("username", "ops.admin"),
                ("password", "kurz"),
            ],
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNAUTHORIZED,
        "the short password was not stored"
    );
    admin
        .staff_login("ops.admin", "ein-langes-Passwort-2026")
        .await;
    let inbox = admin.get("/staff/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains("ops.admin"), "signed in as ops.admin");
    app.stop().await;
}

both_databases!(
    without_demo_mode_nothing_of_the_demo_exists,
    demo_data_is_refused_without_demo_mode_until_removed,
    health_and_readiness_answer,
    the_first_admin_is_created_from_the_command_line,
);
