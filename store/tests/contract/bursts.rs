//! Contract stories of many writes at once, run on both backends through `contract!` in
//! `contract.rs`. Both stores write submissions, new drafts and saved steps that arrive
//! together in one go (SQLite: one commit; PostgreSQL: one statement); each must still end
//! exactly as it would alone.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::json;
use store::{JOB_DELIVER, JOB_MAIL, JOB_PULL, NewCase, NewDraft, StoreError, TargetSpec};
use uuid::Uuid;

use super::harness::Db;
use super::{
    assert_conflict, browser, case_from_draft, in_one_hour, new_attachment, new_case, new_draft,
    new_session, tenant_with_service,
};

/// What each submission of the burst must come to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Stored,
    DraftGone,
    Foreign,
    /// One of two submissions of the same draft, or of the same reference: exactly one of
    /// the pair is stored.
    OneOfPair(usize),
    DuplicateReference,
}

/// Story: at a deadline hundreds of citizens submit in the same second. Good submissions (with
/// and without a draft, with attachments, new sessions and sessions already there), a second
/// submission of the same draft from another tab, a draft of another browser, a service of
/// another municipality and taken references all arrive together; each gets its own answer,
/// exactly the good ones are stored with their timeline, outbox jobs and attachments, and a
/// refused one leaves its draft as it was.
pub async fn a_burst_of_submissions_gives_each_its_own_outcome(db: Db) {
    let store = Arc::clone(&db.store);
    let (tenant, service) = tenant_with_service(&*store, "aach", "AAC").await;
    let (_, other_service) = tenant_with_service(&*store, "bebra", "BEB").await;
    store
        .sync_targets(
            tenant.id,
            &[
                TargetSpec {
                    name: "amt".into(),
                    kind: "webhook".into(),
                    services: None,
                },
                TargetSpec {
                    name: "fachverfahren".into(),
                    kind: "pull_api".into(),
                    services: Some(vec![service.slug.clone()]),
                },
            ],
        )
        .await
        .unwrap();
    store
        .submit_case(tenant.id, &new_case(&service, "AAC-2026-TAKEN", None), None)
        .await
        .unwrap();
    // A browser that already has a session row.
    let returning = browser("returning");
    store
        .submit_case(
            tenant.id,
            &new_case(&service, "AAC-2026-EARLY", Some(&returning)),
            Some(&new_session(&returning)),
        )
        .await
        .unwrap();

    let mut burst: Vec<(NewCase, bool, Expect)> = Vec::new();
    let mut attached: HashMap<Uuid, Uuid> = HashMap::new();
    let mut kept_drafts = Vec::new();
    for n in 0..60 {
        let owner = if n % 10 == 0 {
            returning.clone()
        } else {
            browser(&format!("citizen-{n}"))
        };
        let draft = new_draft(&service, &owner, json!({"n": n}));
        store.create_draft(tenant.id, &draft).await.unwrap();
        let mut case = case_from_draft(&service, &format!("AAC-2026-D{n:04}"), draft.id, &owner);
        if n % 4 == 0 {
            let file = new_attachment("nachweis", &format!("nachweis-{n}.pdf"));
            assert!(
                store
                    .add_attachment(tenant.id, draft.id, &owner, &file)
                    .await
                    .unwrap()
            );
            case.attachments = vec![file.id];
            attached.insert(case.id, file.id);
        }
        match n % 6 {
            // The same draft again from another tab, with a reference of its own.
            0 => {
                let again = NewCase {
                    id: Uuid::new_v4(),
                    reference: format!("AAC-2026-T{n:04}"),
                    ..case.clone()
                };
                if let Some(file) = attached.get(&case.id).copied() {
                    attached.insert(again.id, file);
                }
                burst.push((case, true, Expect::OneOfPair(n)));
                burst.push((again, true, Expect::OneOfPair(n)));
            }
            // Someone else's draft: the thief's browser does not own it.
            1 => {
                let thief = browser(&format!("thief-{n}"));
                let theft = NewCase {
                    submitter_session: Some(thief),
                    ..case
                };
                kept_drafts.push((draft.id, owner));
                burst.push((theft, true, Expect::DraftGone));
            }
            _ => burst.push((case, true, Expect::Stored)),
        }
    }
    for n in 0..40 {
        let who = browser(&format!("walk-in-{n}"));
        let case = new_case(&service, &format!("AAC-2026-W{n:04}"), Some(&who));
        burst.push((case, n % 2 == 0, Expect::Stored));
    }
    for n in 0..10 {
        // Offered by another municipality only.
        let case = new_case(&other_service, &format!("AAC-2026-F{n:04}"), None);
        burst.push((case, true, Expect::Foreign));
        // Two at once with the same reference.
        let pair = 1000 + n;
        for _ in 0..2 {
            let case = new_case(&service, &format!("AAC-2026-P{n:04}"), None);
            burst.push((case, false, Expect::OneOfPair(pair)));
        }
    }
    for _ in 0..5 {
        let case = new_case(&service, "AAC-2026-TAKEN", None);
        burst.push((case, false, Expect::DuplicateReference));
    }

    let mut tasks = Vec::new();
    for (case, with_session, expect) in burst {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let session = case
                .submitter_session
                .as_deref()
                .filter(|_| with_session)
                .map(new_session);
            let result = store.submit_case(tenant.id, &case, session.as_ref()).await;
            (case, session, expect, result)
        }));
    }
    let mut pairs: HashMap<usize, usize> = HashMap::new();
    let mut stored = Vec::new();
    for task in tasks {
        let (case, session, expect, result) = task.await.unwrap();
        match (expect, &result) {
            (Expect::Stored, Ok(())) => stored.push((case, session)),
            (Expect::DraftGone, Err(StoreError::DraftGone)) => {}
            (Expect::Foreign, Err(StoreError::Conflict(why))) => {
                assert_eq!(why, "service not offered by this tenant");
            }
            (Expect::DuplicateReference, Err(StoreError::DuplicateReference)) => {}
            (Expect::OneOfPair(pair), Ok(())) => {
                *pairs.entry(pair).or_default() += 1;
                stored.push((case, session));
            }
            (Expect::OneOfPair(pair), Err(StoreError::DraftGone)) if pair < 1000 => {}
            (Expect::OneOfPair(pair), Err(StoreError::DuplicateReference)) if pair >= 1000 => {}
            (expect, result) => panic!("{}: expected {expect:?}, got {result:?}", case.reference),
        }
    }
    assert_eq!(pairs.len(), 20, "one of each pair is stored: {pairs:?}");
    assert!(pairs.values().all(|n| *n == 1), "never both: {pairs:?}");

    // 2 before the burst; 40 of the 60 drafts alone, 10 of the 10 draft pairs, 40 walk-ins,
    // 10 of the 10 reference pairs.
    assert_eq!(stored.len(), 40 + 10 + 40 + 10);
    assert_eq!(
        store.count_cases(tenant.id).await.unwrap(),
        2 + stored.len() as u64
    );
    for (case, session) in &stored {
        let read = store.case(tenant.id, case.id).await.unwrap().unwrap();
        assert_eq!(read.reference, case.reference);
        assert_eq!(read.answers, case.answers);
        let kinds: Vec<String> = store
            .case_events(tenant.id, case.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, ["submitted", "completed"], "{}", case.reference);
        let mut jobs: Vec<(String, String)> = store
            .case_deliveries(tenant.id, case.id)
            .await
            .unwrap()
            .into_iter()
            .map(|j| (j.kind, j.idempotency_key))
            .collect();
        jobs.sort();
        assert_eq!(
            jobs,
            [
                (JOB_DELIVER.to_owned(), format!("{}.amt", case.reference)),
                (
                    JOB_MAIL.to_owned(),
                    format!("mail.{}.completed", case.reference)
                ),
                (
                    JOB_PULL.to_owned(),
                    format!("{}.fachverfahren", case.reference)
                ),
            ]
        );
        let files: Vec<Uuid> = store
            .case_attachments(tenant.id, case.id)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(
            files,
            attached
                .get(&case.id)
                .copied()
                .into_iter()
                .collect::<Vec<_>>()
        );
        if let Some(draft) = case.from_draft {
            let owner = case.submitter_session.as_deref().unwrap();
            assert_eq!(store.draft(tenant.id, draft, owner).await.unwrap(), None);
        }
        if let Some(session) = session {
            assert!(store.session(&session.key_hash).await.unwrap().is_some());
        }
    }
    // A refused theft leaves the draft with its owner, attachments and all.
    for (draft, owner) in kept_drafts {
        assert!(
            store
                .draft(tenant.id, draft, &owner)
                .await
                .unwrap()
                .is_some()
        );
    }
}

/// Story: many citizens start and save applications in the same second. Each new draft and
/// each saved step gets its own answer: a service of another municipality and a taken draft
/// id are refused alone, another browser's draft is not saved over, two tabs saving the same
/// draft both succeed (the later wins, as alone), and everything else is stored.
pub async fn a_burst_of_new_drafts_and_saved_steps_gives_each_its_own_outcome(db: Db) {
    let store = Arc::clone(&db.store);
    let (tenant, service) = tenant_with_service(&*store, "aach", "AAC").await;
    let (_, other_service) = tenant_with_service(&*store, "bebra", "BEB").await;
    let taken = new_draft(&service, &browser("first"), json!({"step": 1}));
    store.create_draft(tenant.id, &taken).await.unwrap();

    let mut creates = Vec::new();
    for n in 0..90 {
        // Two of them reuse a taken id: their batch fails as a whole and is written again one
        // by one; the others' batches go through.
        let (draft, expect) = if n == 1 || n == 85 {
            let reuse = NewDraft {
                owner: browser(&format!("c{n}")),
                ..taken.clone()
            };
            (reuse, "draft id")
        } else if n % 9 == 0 {
            let foreign = new_draft(&other_service, &browser(&format!("c{n}")), json!({}));
            (foreign, "service not offered by this tenant")
        } else {
            let draft = new_draft(&service, &browser(&format!("c{n}")), json!({"n": n}));
            (draft, "")
        };
        let store = Arc::clone(&store);
        creates.push(tokio::spawn(async move {
            let result = store.create_draft(tenant.id, &draft).await;
            (draft, expect, result)
        }));
    }
    let mut stored = Vec::new();
    for task in creates {
        let (draft, expect, result) = task.await.unwrap();
        if expect.is_empty() {
            result.unwrap();
            stored.push(draft);
        } else {
            assert_conflict(result, expect);
        }
    }
    assert_eq!(stored.len(), 78);

    let mut saves = Vec::new();
    for (n, draft) in stored.iter().enumerate() {
        let tries: Vec<(String, serde_json::Value, bool)> = match n % 5 {
            // Someone else's browser: nothing saved.
            0 => vec![(browser("mallory"), json!({"stolen": true}), false)],
            // Two tabs at once.
            1 => vec![
                (draft.owner.clone(), json!({"tab": 1}), true),
                (draft.owner.clone(), json!({"tab": 2}), true),
            ],
            _ => vec![(draft.owner.clone(), json!({"saved": n}), true)],
        };
        for (owner, answers, expect) in tries {
            let store = Arc::clone(&store);
            let id = draft.id;
            saves.push(tokio::spawn(async move {
                let saved = store
                    .update_draft(tenant.id, id, &owner, &answers, in_one_hour())
                    .await
                    .unwrap();
                assert_eq!(saved, expect, "save by {owner}");
            }));
        }
    }
    for task in saves {
        task.await.unwrap();
    }
    for (n, draft) in stored.iter().enumerate() {
        let read = store
            .draft(tenant.id, draft.id, &draft.owner)
            .await
            .unwrap()
            .unwrap();
        match n % 5 {
            0 => assert_eq!(read.answers, draft.answers),
            1 => assert!(
                read.answers == json!({"tab": 1}) || read.answers == json!({"tab": 2}),
                "{}",
                read.answers
            ),
            _ => assert_eq!(read.answers, json!({"saved": n})),
        }
    }
    // Read all at once, by the owner, by another browser and as another municipality: only
    // the owner's own read finds it, with its own answers.
    let other_tenant = store.tenant_by_slug("bebra").await.unwrap().unwrap().id;
    let mut reads = Vec::new();
    for draft in &stored {
        for (tenant_id, owner, found) in [
            (tenant.id, draft.owner.clone(), true),
            (tenant.id, browser("mallory"), false),
            (other_tenant, draft.owner.clone(), false),
        ] {
            let store = Arc::clone(&store);
            let id = draft.id;
            reads.push(tokio::spawn(async move {
                let read = store.draft(tenant_id, id, &owner).await.unwrap();
                assert_eq!(read.is_some(), found, "draft {id} read by {owner}");
                read
            }));
        }
    }
    let mut seen = 0;
    for task in reads {
        if let Some(read) = task.await.unwrap() {
            let mine = stored.iter().find(|d| d.id == read.id).unwrap();
            assert_eq!(
                (read.owner.as_str(), read.tenant_id),
                (mine.owner.as_str(), tenant.id)
            );
            seen += 1;
        }
    }
    assert_eq!(seen, stored.len());
    // The taken id still belongs to the first browser, untouched.
    let first = store
        .draft(tenant.id, taken.id, &taken.owner)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.answers, json!({"step": 1}));
}
