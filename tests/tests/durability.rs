//! Nothing lost (DESIGN.md principle 3, issue 2 acceptance): every case that got its
//! confirmation (the 303 at the end of the journey's check page) is still there after
//! `kill -9` or a graceful stop, and a stop lets the requests in flight finish.

#![allow(clippy::expect_used)] // a test fails loudly where a value is missing

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use reqwest::StatusCode;
use tests::{DOG_TAX_ANSWERS, DOG_TAX_FORM, Db, TestApp, both_databases, file_dog_tax};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// References in the Werther clerk's inbox (first page is enough for these few cases).
async fn werther_inbox(app: &TestApp) -> Vec<String> {
    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let inbox = clerk.get("/staff/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK);
    inbox.texts("table.cases a")
}

async fn a_confirmed_case_survives_kill_9(db: Db) {
    let mut app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let filed = file_dog_tax(&mut citizen).await;

    app.crash_and_restart().await;

    assert!(werther_inbox(&app).await.contains(&filed.reference));
    // The same browser still sees its confirmation: its session survived too.
    let again = citizen.get(&filed.confirmation).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.text(".reference"), filed.reference);
    app.stop().await;
}

async fn several_cases_from_several_browsers_all_survive_kill_9(db: Db) {
    let mut app = TestApp::start(db).await;
    let mut filed = Vec::new();
    for _ in 0..3 {
        let mut citizen = app.browser();
        let mut mine = Vec::new();
        for _ in 0..3 {
            mine.push(file_dog_tax(&mut citizen).await);
        }
        filed.push((citizen, mine));
    }

    app.crash_and_restart().await;

    let inbox = werther_inbox(&app).await;
    assert_eq!(inbox.len(), 9, "{inbox:?}");
    for (citizen, cases) in &mut filed {
        for case in cases.iter() {
            assert!(inbox.contains(&case.reference), "{} lost", case.reference);
            let page = citizen.get(&case.confirmation).await;
            assert_eq!(page.text(".reference"), case.reference);
        }
    }
    // A second crash right after the restart loses nothing either.
    app.crash_and_restart().await;
    assert_eq!(werther_inbox(&app).await.len(), 9);
    app.stop().await;
}

async fn a_graceful_stop_exits_cleanly_and_keeps_the_data(db: Db) {
    let mut app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let filed = file_dog_tax(&mut citizen).await;

    let status = app
        .terminate()
        .await
        .expect("the portal stops within 30 s of SIGTERM");
    assert!(
        status.success(),
        "exit status {status:?}\n{}",
        app.log_text()
    );
    assert!(app.log_text().contains("stopped"), "{}", app.log_text());

    app.launch().await.expect("starts again");
    assert!(werther_inbox(&app).await.contains(&filed.reference));
    assert_eq!(
        citizen.get(&filed.confirmation).await.status,
        StatusCode::OK
    );
    app.stop().await;
}

/// A submission whose body is still arriving when SIGTERM comes is finished, answered and
/// stored before the portal exits.
async fn a_request_in_flight_at_sigterm_is_finished(db: Db) {
    let mut app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let check = citizen.walk_to_check(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    let check_url = check.form_action();
    let token = check.csrf_token();
    let body = serde_urlencoded::to_string([("_csrf", token.as_str()), ("_declaration", "yes")])
        .expect("encode");
    let cookies = citizen
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let head = format!(
        "POST {check_url} HTTP/1.1\r\nHost: test\r\nCookie: {cookies}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);

    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    conn.write_all(head.as_bytes()).await.expect("send head");
    conn.write_all(first).await.expect("send half the body");
    // Let the portal take the request in before it is told to stop.
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.send_sigterm().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    conn.write_all(rest).await.expect("send the rest");
    let mut response = String::new();
    conn.read_to_string(&mut response)
        .await
        .expect("read the answer");
    assert!(
        response.starts_with("HTTP/1.1 303"),
        "the request in flight was not finished:\n{response}\n{}",
        app.log_text()
    );
    let confirmation = response
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(name, _)| name.eq_ignore_ascii_case("location"))
                .map(|(_, value)| value.trim().to_owned())
        })
        .expect("a Location header");
    assert!(confirmation.contains("/confirmation"), "{confirmation}");

    let status = app.wait_for_exit().await.expect("exits after draining");
    assert!(status.success(), "{status:?}");
    // Once stopped, it takes no new connections.
    assert!(tokio::net::TcpStream::connect(&addr).await.is_err());

    app.launch().await.expect("starts again");
    assert_eq!(werther_inbox(&app).await.len(), 1);
    assert_eq!(
        app.count_rows("drafts").await,
        0,
        "the draft became the case"
    );
    assert_eq!(citizen.get(&confirmation).await.status, StatusCode::OK);
    app.stop().await;
}

/// A citizen keeps filing applications, step by step, while the portal is told to stop:
/// every application that got its 303 to the confirmation is stored, and the portal exits
/// cleanly.
async fn every_acknowledged_case_survives_a_stop_under_load(db: Db) {
    let mut app = TestApp::start(db).await;
    let acknowledged_now = Arc::new(AtomicUsize::new(0));
    // Until the portal is gone (a transport error), with a bound in case it never goes.
    let sender = tokio::spawn(tests::file_until_gone(
        app.browser(),
        2_000,
        acknowledged_now.clone(),
    ));
    // Let some applications through, then stop in the middle of the stream.
    tests::first_confirmation(&acknowledged_now).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let status = app.terminate().await.expect("stops within 30 s");
    assert!(status.success(), "{status:?}");
    let tests::Filing {
        browser: mut citizen,
        acknowledged,
        attempted,
    } = sender.await.expect("sender");
    assert!(
        !acknowledged.is_empty(),
        "nothing was submitted before the stop"
    );

    app.launch().await.expect("starts again");
    for confirmation in &acknowledged {
        let page = citizen.get(confirmation).await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "{confirmation} acknowledged but lost"
        );
    }
    let stored = usize::try_from(app.count_rows("cases").await).expect("count");
    assert!(
        stored >= acknowledged.len() && stored <= attempted,
        "{stored} stored, {} acknowledged, {attempted} attempted",
        acknowledged.len()
    );
    app.stop().await;
}

both_databases!(
    a_confirmed_case_survives_kill_9,
    several_cases_from_several_browsers_all_survive_kill_9,
    a_graceful_stop_exits_cleanly_and_keeps_the_data,
    a_request_in_flight_at_sigterm_is_finished,
    every_acknowledged_case_survives_a_stop_under_load,
);
