#![allow(clippy::expect_used)]

//! Nothing lost under `kill -9`: several browsers keep filing applications, each walking the
//! whole journey (the first step, every further step, the check page), while the portal is
//! killed at a random moment, round after round. Every case whose browser got the 303 to its
//! confirmation is there after the restart, and no application is stored twice.
//!
//! CI size: 2 rounds of 4 browsers. Full size, e.g.:
//! `CRASH_ROUNDS=20 CRASH_CLIENTS=16 cargo test -p tests --test crash -- --nocapture`
//! (prints the figures of each round).

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;
use tests::{Db, TestApp, both_databases};

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
        let acknowledged_now = Arc::new(AtomicUsize::new(0));
        let mut senders = Vec::new();
        for _ in 0..clients {
            // Until the portal is gone, with a bound in case it never goes.
            senders.push(tokio::spawn(tests::file_until_gone(
                app.browser(),
                5_000,
                acknowledged_now.clone(),
            )));
        }
        // Killed at a random moment once applications get through, so that every round
        // has some to lose; the browsers are then at every point of their journeys.
        let started = tests::first_confirmation(&acknowledged_now).await;
        let wait = rand::thread_rng().gen_range(0..450);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let killed_after = started.elapsed().as_millis();
        app.kill9().await;

        let mut results = Vec::new();
        for sender in senders {
            results.push(sender.await.expect("sender"));
        }
        app.launch().await.expect("starts again after kill -9");

        let mut acknowledged_round = 0;
        for filing in &mut results {
            acknowledged_round += filing.acknowledged.len();
            attempted_total += filing.attempted;
            for confirmation in &filing.acknowledged {
                let page = filing.browser.get(confirmation).await;
                assert_eq!(
                    page.status,
                    StatusCode::OK,
                    "round {round}: {confirmation} was acknowledged but is lost"
                );
            }
        }
        acknowledged_total += acknowledged_round;
        let stored = usize::try_from(app.count_rows("cases").await).expect("count");
        let drafts = usize::try_from(app.count_rows("drafts").await).expect("count");
        // Each application stores at most one case: the ones in flight at the kill may or
        // may not be there, none twice; every acknowledged one is.
        assert!(
            stored >= acknowledged_total && stored <= attempted_total,
            "round {round}: {stored} stored, {acknowledged_total} acknowledged, {attempted_total} attempted"
        );
        // An application leaves a draft (cut off on the way) or a case, never both: the
        // draft becomes the case in one transaction.
        assert!(
            stored + drafts <= attempted_total,
            "round {round}: {stored} cases and {drafts} drafts from {attempted_total} applications"
        );
        println!(
            "round {round}/{rounds} ({db:?}): killed after {killed_after} ms; {acknowledged_round} acknowledged this round; \
             {stored} stored of {acknowledged_total} acknowledged and {attempted_total} attempted in all; \
             {drafts} drafts left"
        );
    }
    assert!(
        acknowledged_total > 0,
        "no application got through before the kills"
    );
    app.stop().await;
}

both_databases!(every_acknowledged_case_survives_kill_9_under_load);
