#![allow(clippy::expect_used, clippy::unwrap_used)]

//! Brute-force protection of the staff login: five wrong passwords in a row lock the account
//! for a while (kept in the database), during which even the right password is refused with
//! the same answer as a wrong one; other accounts carry on, and once the lock has run out the
//! right password works again and resets the count.
//!
//! The lock is 1 s here (`staff_lockout_seconds` in a configuration file) instead of a minute.
//!
//! A refusal while locked is 401, like every other refused login, and not 429: a 429 (or a
//! `Retry-After`) only for locked accounts would tell a guesser which usernames exist, since
//! unknown usernames never lock.

use std::time::Duration;

use reqwest::StatusCode;
use sqlx::Connection;
use sqlx::types::chrono::{DateTime, Utc};
use tests::{Browser, Db, Options, Page, TestApp, both_databases};

const SESSION_COOKIE: &str = "__Host-portal-session";

/// The demo portal with `staff_lockout_seconds = 1`.
async fn start_with_one_second_lockout(db: Db) -> TestApp {
    let mut app = TestApp::prepare(db, Options::default()).await;
    let config = app.data_dir.path().join("portal.toml");
    std::fs::write(&config, "staff_lockout_seconds = 1\n").expect("write the config file");
    app.options
        .env
        .push(("PORTAL_CONFIG".into(), config.display().to_string()));
    app.launch()
        .await
        .unwrap_or_else(|e| panic!("portal did not start: {e}"));
    app
}

/// A staff member's failure count and lock as stored, read past the portal.
async fn lock_state(app: &TestApp, username: &str) -> (i64, Option<DateTime<Utc>>) {
    match app.db.kind {
        Db::Sqlite => {
            let mut conn = app.sqlite_reader().await;
            let (n, until): (i64, Option<String>) =
                sqlx::query_as("select failed_logins, locked_until from staff where username = ?")
                    .bind(username)
                    .fetch_one(&mut conn)
                    .await
                    .expect("staff row");
            let _ = conn.close().await;
            let until = until.map(|t| {
                DateTime::parse_from_rfc3339(&t)
                    .unwrap_or_else(|e| panic!("locked_until {t:?}: {e}"))
                    .with_timezone(&Utc)
            });
            (n, until)
        }
        Db::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.db.url)
                .await
                .expect("connect to the test database");
            let (n, until): (i32, Option<DateTime<Utc>>) =
                sqlx::query_as("select failed_logins, locked_until from staff where username = $1")
                    .bind(username)
                    .fetch_one(&mut conn)
                    .await
                    .expect("staff row");
            let _ = conn.close().await;
            (i64::from(n), until)
        }
    }
}

async fn try_login(browser: &mut Browser, username: &str, password: &str) -> Page {
    browser
        .submit(
            "/staff/login",
            &[("username", username), ("password", password)],
        )
        .await
}

/// A refused login: 401, the page again with the username kept, the password not echoed, and
/// an error summary. Returns the summary's text.
fn assert_refused(page: &Page, username: &str, password: &str) -> String {
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.body);
    assert_eq!(page.attr("#f-username", "value").as_deref(), Some(username));
    assert!(page.attr("#f-password", "value").is_none());
    // (The demo page itself names the demo password, so look for it as a value.)
    assert!(
        !page.body.contains(&format!("value=\"{password}\"")),
        "the password is never echoed"
    );
    assert!(page.attr(".error-summary", "autofocus").is_some());
    assert!(page.csrf_token().len() > 10, "the form can be sent again");
    let summary = page.text(".error-summary");
    assert!(!summary.is_empty());
    summary
}

/// Waits until `until` (the database's clock, as the portal's) has passed, plus a margin.
async fn wait_until(until: DateTime<Utc>) {
    let left = (until - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(left + Duration::from_millis(300)).await;
}

async fn five_wrong_passwords_lock_the_account_until_the_lock_runs_out(db: Db) {
    let app = start_with_one_second_lockout(db).await;
    let mut guesser = app.browser();

    // Every refusal carries the lockout hint, so the first one already says what happens.
    let first = try_login(&mut guesser, "clerk.werther", "Sommer2026!").await;
    let wrong = assert_refused(&first, "clerk.werther", "Sommer2026!");
    assert!(
        wrong.contains("gesperrt"),
        "the hint about locking: {wrong}"
    );
    for guess in ["Winter2026!", "Herbst2026!", "Fruehling2026!"] {
        let page = try_login(&mut guesser, "clerk.werther", guess).await;
        assert_eq!(assert_refused(&page, "clerk.werther", guess), wrong);
    }
    assert_eq!(lock_state(&app, "clerk.werther").await, (4, None));

    // The fifth locks the account, visibly in the database.
    let fifth = try_login(&mut guesser, "clerk.werther", "Passwort123").await;
    assert_eq!(
        assert_refused(&fifth, "clerk.werther", "Passwort123"),
        wrong
    );
    let (failed, locked_until) = lock_state(&app, "clerk.werther").await;
    assert_eq!(failed, 5);
    let locked_until = locked_until.expect("locked after five failures");
    let left = locked_until - Utc::now();
    assert!(
        left.num_milliseconds() <= 1_500,
        "a lock of about the configured second: {left}"
    );

    // While locked, even the right password is refused, with the very same page.
    let mut clerk = app.browser();
    let locked = try_login(&mut clerk, "clerk.werther", "demo").await;
    assert_eq!(assert_refused(&locked, "clerk.werther", "demo"), wrong);
    assert!(!clerk.cookies.contains_key(SESSION_COOKIE));
    assert!(
        Utc::now() < locked_until,
        "the test was too slow to see the lock (1 s); the refusal above proves nothing"
    );
    assert_eq!(
        lock_state(&app, "clerk.werther").await,
        (5, Some(locked_until)),
        "an attempt while locked is not counted and does not extend the lock"
    );

    // Another account is not affected.
    let mut colleague = app.browser();
    colleague.staff_login("clerk.ellrich", "demo").await;
    assert_eq!(colleague.get("/staff/inbox").await.status, StatusCode::OK);
    assert_eq!(lock_state(&app, "clerk.ellrich").await, (0, None));

    // An unknown username gets the same answer, every time, and nothing is stored for it.
    let staff_rows = app.count_rows("staff").await;
    for _ in 0..6 {
        let page = try_login(&mut guesser, "niemand", "Sommer2026!").await;
        assert_eq!(assert_refused(&page, "niemand", "Sommer2026!"), wrong);
    }
    assert_eq!(app.count_rows("staff").await, staff_rows);

    // Once the lock has run out the right password works and resets the count.
    wait_until(locked_until).await;
    clerk.staff_login("clerk.werther", "demo").await;
    assert_eq!(clerk.get("/staff/inbox").await.status, StatusCode::OK);
    assert_eq!(lock_state(&app, "clerk.werther").await, (0, None));

    // Counting starts afresh: four failures do not lock.
    for guess in ["a", "b", "c", "d"] {
        try_login(&mut guesser, "clerk.werther", guess).await;
    }
    assert_eq!(lock_state(&app, "clerk.werther").await, (4, None));

    // The log names the locked account by its id only, never by name or password.
    let log = app.log_text();
    let lock_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("account locked"))
        .collect();
    assert!(
        lock_lines
            .iter()
            .any(|l| l.contains("WARN") && l.contains("staff=")),
        "a warning with the staff id:\n{log}"
    );
    for line in &lock_lines {
        assert!(
            !line.contains("clerk.werther") && !line.contains("admin.werther"),
            "{line}"
        );
    }
    for secret in ["Sommer2026!", "Passwort123", "Winter2026!"] {
        assert!(!log.contains(secret), "a password in the log");
    }
    app.stop().await;
}

/// After the lock runs out, each further failure locks for twice as long.
async fn further_failures_double_the_lock(db: Db) {
    let app = start_with_one_second_lockout(db).await;
    let mut guesser = app.browser();
    for n in 0..5 {
        let page = try_login(&mut guesser, "admin.werther", &format!("falsch-{n}")).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let (_, first) = lock_state(&app, "admin.werther").await;
    wait_until(first.expect("locked")).await;

    let sixth = try_login(&mut guesser, "admin.werther", "falsch-5").await;
    assert_eq!(sixth.status, StatusCode::UNAUTHORIZED);
    let (failed, until) = lock_state(&app, "admin.werther").await;
    assert_eq!(failed, 6);
    let left = until.expect("locked again") - Utc::now();
    assert!(
        (1_000..=2_000).contains(&left.num_milliseconds()),
        "about 2 s: {left}"
    );
    app.stop().await;
}

async fn an_operator_lifts_a_lock_from_the_command_line(db: Db) {
    // The default lock (a minute) would outlast the test: only the command can lift it.
    let app = TestApp::start(db).await;
    let mut guesser = app.browser();
    for guess in [
        "a-guess-1",
        "a-guess-2",
        "a-guess-3",
        "a-guess-4",
        "a-guess-5",
    ] {
        try_login(&mut guesser, "clerk.werther", guess).await;
    }
    let mut clerk = app.browser();
    let locked = try_login(&mut clerk, "clerk.werther", "demo").await;
    assert_refused(&locked, "clerk.werther", "demo");

    let unlock = app
        .run(&["staff", "unlock", "--username", "clerk.werther"], "")
        .await;
    assert!(unlock.status.success(), "{unlock:?}");
    assert_eq!(lock_state(&app, "clerk.werther").await, (0, None));
    clerk.staff_login("clerk.werther", "demo").await;

    let unknown = app
        .run(&["staff", "unlock", "--username", "niemand"], "")
        .await;
    assert!(!unknown.status.success());
    app.stop().await;
}

both_databases!(
    an_operator_lifts_a_lock_from_the_command_line,
    five_wrong_passwords_lock_the_account_until_the_lock_runs_out,
    further_failures_double_the_lock,
);
