#![allow(clippy::expect_used)]

//! Nothing lost under `kill -9`: several browsers keep submitting while the portal is killed
//! at a random moment, round after round; every submission that got its 303 is there after the
//! restart, and no submission is stored twice.
//!
//! CI size: 2 rounds of 4 browsers. Full size, e.g.:
//! `CRASH_ROUNDS=20 CRASH_CLIENTS=16 cargo test -p tests --test crash -- --nocapture`
//! (prints the figures of each round).

use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;
use tests::{DOG_TAX_ANSWERS, DOG_TAX_FORM, Db, TestApp, both_databases};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn every_acknowledged_case_survives_kill_9_under_load(db: Db) {
    let rounds = setting("CRASH_ROUNDS", 2);
    let clients = setting("CRASH_CLIENTS", 4);
    let mut app = TestApp::start(db).await;
    let mut acknowledged_total = 0usize;
    let mut attempted_total = 0usize;

    for round in 1..=rounds {
        let mut senders = Vec::new();
        for _ in 0..clients {
            let mut browser = app.browser();
            let token = browser.get(DOG_TAX_FORM).await.csrf_token();
            senders.push(tokio::spawn(async move {
                let mut fields = vec![("_csrf", token.as_str())];
                fields.extend_from_slice(DOG_TAX_ANSWERS);
                let mut acknowledged = Vec::new();
                let mut attempted = 0usize;
                // Until the portal is gone, with a bound in case it never goes.
                for _ in 0..5_000 {
                    attempted += 1;
                    match browser.try_post(DOG_TAX_FORM, &fields).await {
                        Ok(page) if page.status == StatusCode::SEE_OTHER => {
                            acknowledged.push(page.location());
                        }
                        Ok(page) => panic!("unexpected answer {}: {}", page.status, page.body),
                        Err(_) => break,
                    }
                }
                (browser, acknowledged, attempted)
            }));
        }
        let wait = rand::thread_rng().gen_range(150..600);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        app.kill9().await;

        let mut results = Vec::new();
        for sender in senders {
            results.push(sender.await.expect("sender"));
        }
        app.launch().await.expect("starts again after kill -9");

        let mut acknowledged_round = 0;
        for (browser, acknowledged, attempted) in &mut results {
            acknowledged_round += acknowledged.len();
            attempted_total += *attempted;
            for confirmation in acknowledged.iter() {
                let page = browser.get(confirmation).await;
                assert_eq!(
                    page.status,
                    StatusCode::OK,
                    "round {round}: {confirmation} was acknowledged but is lost"
                );
            }
        }
        acknowledged_total += acknowledged_round;
        let stored = usize::try_from(app.count_rows("cases").await).expect("count");
        // Each attempt stores at most one case: the ones in flight at the kill may or may not
        // be there, none twice; every acknowledged one is.
        assert!(
            stored >= acknowledged_total && stored <= attempted_total,
            "round {round}: {stored} stored, {acknowledged_total} acknowledged, {attempted_total} attempted"
        );
        println!(
            "round {round}/{rounds} ({db:?}): killed after {wait} ms; {acknowledged_round} acknowledged this round; \
             {stored} stored of {acknowledged_total} acknowledged and {attempted_total} attempted in all"
        );
    }
    assert!(
        acknowledged_total > 0,
        "no submission got through before the kills"
    );
    app.stop().await;
}

both_databases!(every_acknowledged_case_survives_kill_9_under_load);
