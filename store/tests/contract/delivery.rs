//! Contract stories of delivery targets, deliveries, citizen emails and backend statuses
//! (issue 7), run on both backends through `contract!` in `contract.rs`.

use chrono::{Duration, Utc};
use store::{
    CaseStatus, JOB_DELIVER, JOB_MAIL, JOB_PULL, JobState, StatusChange, StatusRefusal, Store,
    TargetSpec, TenantId,
};
use uuid::Uuid;

use super::harness::Db;
use super::{new_case, tenant_with_service};

pub(super) fn spec(name: &str, kind: &str, services: Option<&[&str]>) -> TargetSpec {
    TargetSpec {
        name: name.into(),
        kind: kind.into(),
        services: services.map(|s| s.iter().map(|x| (*x).to_owned()).collect()),
    }
}

/// A municipality with a webhook for every service, a pull API for its one service, and a
/// file drop for another service only; and a free case just submitted (complete at once).
async fn delivered_municipality(store: &dyn Store, slug: &str, code: &str) -> (TenantId, Uuid) {
    let (tenant, service) = tenant_with_service(store, slug, code).await;
    store
        .sync_targets(
            tenant.id,
            &[
                spec("amt-webhook", "webhook", None),
                spec("fachverfahren", "pull_api", Some(&[service.slug.as_str()])),
                spec("ablage", "file_drop", Some(&["other-service"])),
            ],
        )
        .await
        .unwrap();
    let case = new_case(&service, &format!("{code}-2026-DLV01"), None);
    store.submit_case(tenant.id, &case, None).await.unwrap();
    (tenant.id, case.id)
}

async fn status_of(store: &dyn Store, tenant: TenantId, case: Uuid) -> CaseStatus {
    store.case(tenant, case).await.unwrap().unwrap().status
}

async fn count_events(store: &dyn Store, tenant: TenantId, case: Uuid, kind: &str) -> usize {
    store
        .case_events(tenant, case)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == kind)
        .count()
}

pub async fn completing_a_case_queues_one_job_per_matching_target_and_the_confirmation(db: Db) {
    let store = &*db.store;
    let (tenant, case) = delivered_municipality(store, "zustell", "ZUS").await;
    let jobs = store.case_deliveries(tenant, case).await.unwrap();
    let mut seen: Vec<(String, Option<String>, String)> = jobs
        .iter()
        .map(|j| (j.kind.clone(), j.target.clone(), j.idempotency_key.clone()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            (
                JOB_DELIVER.to_owned(),
                Some("amt-webhook".to_owned()),
                "ZUS-2026-DLV01.amt-webhook".to_owned()
            ),
            (
                JOB_MAIL.to_owned(),
                None,
                "mail.ZUS-2026-DLV01.completed".to_owned()
            ),
            (
                JOB_PULL.to_owned(),
                Some("fachverfahren".to_owned()),
                "ZUS-2026-DLV01.fachverfahren".to_owned()
            ),
        ],
        "the file drop takes another service only"
    );
    assert!(jobs.iter().all(|j| j.state == JobState::Pending));
    // The worker takes push deliveries and mails, never the pull target's job.
    let now = Utc::now() + Duration::seconds(1);
    let leased = store
        .lease_jobs(
            &[JOB_DELIVER, JOB_MAIL],
            10,
            now,
            now + Duration::seconds(60),
        )
        .await
        .unwrap();
    assert_eq!(leased.len(), 2);
    let ctx = store
        .job_context(leased.iter().find(|j| j.kind == JOB_DELIVER).unwrap().id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ctx.case_id, Some(case));
    assert_eq!(ctx.target.unwrap().name, "amt-webhook");
}

pub async fn a_case_is_forwarded_once_when_its_last_delivery_is_done(db: Db) {
    let store = &*db.store;
    let (tenant, case) = delivered_municipality(store, "weiter", "WEI").await;
    let jobs = store.case_deliveries(tenant, case).await.unwrap();
    let push = jobs.iter().find(|j| j.kind == JOB_DELIVER).unwrap();
    let mail = jobs.iter().find(|j| j.kind == JOB_MAIL).unwrap();
    // The citizen's email is not a delivery: sending it forwards nothing.
    assert!(
        !store
            .delivery_done(mail.job_id, Some("sent"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .delivery_done(push.job_id, Some("HTTP 200"))
            .await
            .unwrap()
    );
    assert_eq!(status_of(store, tenant, case).await, CaseStatus::Received);
    // Done twice (a repeat after an unknown outcome) changes nothing.
    assert!(
        !store
            .delivery_done(push.job_id, Some("HTTP 200"))
            .await
            .unwrap()
    );
    let pending = store
        .pending_pulls(tenant, "fachverfahren", 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].case_id, case);
    assert_eq!(pending[0].reference, "WEI-2026-DLV01");
    assert!(
        store
            .pull_visible(tenant, "fachverfahren", case)
            .await
            .unwrap()
    );
    assert!(
        !store
            .pull_visible(tenant, "amt-webhook", case)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .acknowledge_pull(tenant, "fachverfahren", case)
            .await
            .unwrap(),
        Some(true),
        "the last delivery forwards the case"
    );
    assert_eq!(status_of(store, tenant, case).await, CaseStatus::Forwarded);
    assert_eq!(
        store
            .acknowledge_pull(tenant, "fachverfahren", case)
            .await
            .unwrap(),
        Some(false),
        "acknowledging again is harmless"
    );
    assert!(
        store
            .pending_pulls(tenant, "fachverfahren", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(count_events(store, tenant, case, "forwarded").await, 1);
    assert_eq!(count_events(store, tenant, case, "delivered").await, 2);
    let push = store
        .case_deliveries(tenant, case)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.kind == JOB_DELIVER)
        .unwrap();
    assert_eq!(push.state, JobState::Done);
    assert_eq!(push.outcome.as_deref(), Some("HTTP 200"));
}

pub async fn parallel_last_deliveries_forward_a_case_exactly_once(db: Db) {
    let store = db.store.clone();
    let (tenant, service) = tenant_with_service(&*store, "parallel", "PAR").await;
    let targets: Vec<TargetSpec> = (0..6)
        .map(|i| spec(&format!("hook-{i}"), "webhook", None))
        .collect();
    store.sync_targets(tenant.id, &targets).await.unwrap();
    let case = new_case(&service, "PAR-2026-DLV01", None);
    store.submit_case(tenant.id, &case, None).await.unwrap();
    let jobs: Vec<i64> = store
        .case_deliveries(tenant.id, case.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == JOB_DELIVER)
        .map(|j| j.job_id)
        .collect();
    assert_eq!(jobs.len(), 6);
    let mut tasks = Vec::new();
    for id in jobs {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.delivery_done(id, None).await.unwrap()
        }));
    }
    let mut forwarded = 0;
    for t in tasks {
        forwarded += usize::from(t.await.unwrap());
    }
    assert_eq!(forwarded, 1);
    assert_eq!(
        status_of(&*store, tenant.id, case.id).await,
        CaseStatus::Forwarded
    );
    assert_eq!(
        count_events(&*store, tenant.id, case.id, "forwarded").await,
        1
    );
}

pub async fn failed_deliveries_wait_are_given_up_and_come_back_when_an_admin_retries(db: Db) {
    let store = &*db.store;
    let (tenant, case) = delivered_municipality(store, "fehler", "FEH").await;
    let push = store
        .case_deliveries(tenant, case)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.kind == JOB_DELIVER)
        .unwrap();
    let later = Utc::now() + Duration::minutes(5);
    store
        .delivery_failed(
            push.job_id,
            None,
            later,
            "the receiver answered HTTP 500",
            false,
        )
        .await
        .unwrap();
    let now = Utc::now() + Duration::seconds(1);
    let due = store
        .lease_jobs(&[JOB_DELIVER], 10, now, now + Duration::seconds(60))
        .await
        .unwrap();
    assert!(due.is_empty(), "not before its next try");
    let after = later + Duration::seconds(1);
    let due = store
        .lease_jobs(&[JOB_DELIVER], 10, after, after + Duration::seconds(60))
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].attempts, 1);
    store
        .delivery_failed(
            push.job_id,
            None,
            after,
            "the receiver answered HTTP 410",
            true,
        )
        .await
        .unwrap();
    let dead = store.dead_jobs(Some(tenant)).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].case_reference.as_deref(), Some("FEH-2026-DLV01"));
    assert_eq!(dead[0].target.as_deref(), Some("amt-webhook"));
    assert_eq!(dead[0].attempts, 2);
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("the receiver answered HTTP 410")
    );
    assert_eq!(count_events(store, tenant, case, "delivery_dead").await, 1);
    let far = after + Duration::days(30);
    assert!(
        store
            .lease_jobs(&[JOB_DELIVER], 10, far, far + Duration::seconds(60))
            .await
            .unwrap()
            .is_empty(),
        "a dead job is never leased"
    );
    assert!(
        store
            .retry_dead_job(Some(tenant), dead[0].id)
            .await
            .unwrap()
    );
    assert!(
        !store
            .retry_dead_job(Some(tenant), dead[0].id)
            .await
            .unwrap()
    );
    assert!(
        store
            .dead_jobs(None)
            .await
            .unwrap()
            .iter()
            .all(|d| d.id != dead[0].id)
    );
    let now = Utc::now() + Duration::seconds(1);
    let again = store
        .lease_jobs(&[JOB_DELIVER], 10, now, now + Duration::seconds(60))
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 0, "tries count from zero again");
}

/// A worker whose slots one municipality already fills (its backend hangs, say) leases the
/// others' jobs first, though that municipality's jobs are older; they stay for the next lease.
pub async fn a_lease_leaves_out_the_municipalities_a_worker_is_busy_with(db: Db) {
    let store = &*db.store;
    let (busy, _) = delivered_municipality(store, "haengt", "HAE").await;
    let (other, _) = delivered_municipality(store, "frei", "FRE").await;
    let now = Utc::now() + Duration::seconds(1);
    let until = now + Duration::seconds(60);
    let first = store.lease_jobs(&[JOB_DELIVER], 1, now, now).await.unwrap();
    assert_eq!(
        first.iter().map(|j| j.tenant_id).collect::<Vec<_>>(),
        [busy],
        "unskipped, the oldest job comes first"
    );
    let later = now + Duration::seconds(1);
    let leased = store
        .lease_jobs_skipping(&[JOB_DELIVER], &[busy], 10, later, until)
        .await
        .unwrap();
    assert!(!leased.is_empty());
    assert!(
        leased.iter().all(|j| j.tenant_id == other),
        "only the other municipality's jobs: {leased:?}"
    );
    assert!(
        store
            .lease_jobs_skipping(&[JOB_DELIVER], &[busy, other], 10, later, until)
            .await
            .unwrap()
            .is_empty(),
        "skipping both leaves nothing"
    );
    let rest = store
        .lease_jobs(&[JOB_DELIVER], 10, later, until)
        .await
        .unwrap();
    assert!(!rest.is_empty());
    assert!(
        rest.iter().all(|j| j.tenant_id == busy),
        "the skipped jobs wait for the next lease: {rest:?}"
    );
}

pub async fn a_worker_whose_lease_ran_out_cannot_record_a_failure_over_the_new_holder(db: Db) {
    let store = &*db.store;
    let (tenant, case) = delivered_municipality(store, "lease", "LEA").await;
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now() + Duration::seconds(1), 6);
    let first = now + Duration::seconds(30);
    let leased = store
        .lease_jobs(&[JOB_DELIVER], 10, now, first)
        .await
        .unwrap();
    assert_eq!(leased.len(), 1);
    let job = leased[0].id;
    // Worker A is slow; its lease runs out and worker B takes the job.
    let later = now + Duration::seconds(31);
    let second = later + Duration::seconds(30);
    assert_eq!(
        store
            .lease_jobs(&[JOB_DELIVER], 10, later, second)
            .await
            .unwrap()
            .len(),
        1
    );
    // A's late failure changes nothing.
    store
        .delivery_failed(job, Some(first), later, "timed out", true)
        .await
        .unwrap();
    assert!(store.dead_jobs(Some(tenant)).await.unwrap().is_empty());
    let d = store
        .case_deliveries(tenant, case)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.job_id == job)
        .unwrap();
    assert_eq!((d.attempts, d.state), (0, JobState::Pending));
    // B's failure counts.
    store
        .delivery_failed(job, Some(second), later, "HTTP 503", false)
        .await
        .unwrap();
    let d = store
        .case_deliveries(tenant, case)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.job_id == job)
        .unwrap();
    assert_eq!(d.attempts, 1);
    assert_eq!(d.last_error.as_deref(), Some("HTTP 503"));
}

pub async fn a_target_removed_from_the_configuration_gets_no_new_cases(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "entfernt", "ENT").await;
    store
        .sync_targets(
            tenant.id,
            &[
                spec("alt", "webhook", None),
                spec("abruf", "pull_api", None),
            ],
        )
        .await
        .unwrap();
    let before = new_case(&service, "ENT-2026-DLV00", None);
    store.submit_case(tenant.id, &before, None).await.unwrap();
    store
        .sync_targets(tenant.id, &[spec("neu", "email", None)])
        .await
        .unwrap();
    let names: Vec<String> = store
        .targets(tenant.id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, vec!["neu".to_owned()]);
    let case = new_case(&service, "ENT-2026-DLV01", None);
    store.submit_case(tenant.id, &case, None).await.unwrap();
    let targets: Vec<Option<String>> = store
        .case_deliveries(tenant.id, case.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind != JOB_MAIL)
        .map(|j| j.target)
        .collect();
    assert_eq!(targets, vec![Some("neu".to_owned())]);
    // The removed pull target's open job is given up (it would never be acknowledged).
    let dead = store.dead_jobs(Some(tenant.id)).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].target.as_deref(), Some("abruf"));
    assert_eq!(dead[0].case_reference.as_deref(), Some("ENT-2026-DLV00"));
}

pub async fn backend_statuses_follow_the_rules_and_queue_the_citizens_email(db: Db) {
    let store = &*db.store;
    let (tenant, case) = delivered_municipality(store, "status", "STA").await;
    let change = |status, note: Option<&str>, key: &str| StatusChange {
        status,
        note: note.map(str::to_owned),
        actor: "fachverfahren".into(),
        mail_key: Some(key.to_owned()),
    };
    store
        .change_status(
            tenant,
            case,
            &change(
                CaseStatus::NeedsInfo,
                Some("Bitte reichen Sie den Mietvertrag nach."),
                "mail.STA.1",
            ),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status_of(store, tenant, case).await, CaseStatus::NeedsInfo);
    assert_eq!(
        store.status_note(tenant, case).await.unwrap().as_deref(),
        Some("Bitte reichen Sie den Mietvertrag nach.")
    );
    store
        .change_status(
            tenant,
            case,
            &change(CaseStatus::Decided, None, "mail.STA.2"),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .change_status(
                tenant,
                case,
                &change(CaseStatus::Withdrawn, None, "mail.STA.3")
            )
            .await
            .unwrap(),
        Err(StatusRefusal::NotAllowed),
        "no withdrawal after the decision"
    );
    assert_eq!(
        store
            .change_status(
                tenant,
                Uuid::new_v4(),
                &change(CaseStatus::Closed, None, "x")
            )
            .await
            .unwrap(),
        Err(StatusRefusal::NotFound)
    );
    let mails: Vec<String> = store
        .case_deliveries(tenant, case)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == JOB_MAIL)
        .map(|j| j.idempotency_key)
        .collect();
    assert_eq!(
        mails,
        vec![
            "mail.STA-2026-DLV01.completed".to_owned(),
            "mail.STA.1".to_owned(),
            "mail.STA.2".to_owned()
        ],
        "the refused change queued nothing"
    );
    assert_eq!(count_events(store, tenant, case, "status").await, 2);
}

pub async fn other_tenant_cannot_see_or_touch_deliveries(db: Db) {
    let store = &*db.store;
    let (a, case) = delivered_municipality(store, "eigen", "EIG").await;
    let (b, _) = delivered_municipality(store, "fremd", "FRM").await;
    assert!(store.case_deliveries(b, case).await.unwrap().is_empty());
    assert!(!store.pull_visible(b, "fachverfahren", case).await.unwrap());
    assert_eq!(
        store
            .acknowledge_pull(b, "fachverfahren", case)
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .pending_pulls(b, "fachverfahren", 10)
            .await
            .unwrap()
            .iter()
            .all(|p| p.case_id != case)
    );
    assert_eq!(
        store
            .change_status(
                b,
                case,
                &StatusChange {
                    status: CaseStatus::Closed,
                    note: None,
                    actor: "x".into(),
                    mail_key: None,
                },
            )
            .await
            .unwrap(),
        Err(StatusRefusal::NotFound)
    );
    assert_eq!(store.status_note(b, case).await.unwrap(), None);
    let push = store
        .case_deliveries(a, case)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.kind == JOB_DELIVER)
        .unwrap();
    store
        .delivery_failed(push.job_id, None, Utc::now(), "HTTP 410", true)
        .await
        .unwrap();
    assert!(store.dead_jobs(Some(b)).await.unwrap().is_empty());
    assert!(!store.retry_dead_job(Some(b), push.job_id).await.unwrap());
    assert_eq!(store.dead_jobs(Some(a)).await.unwrap().len(), 1);
    assert!(
        store
            .targets(b)
            .await
            .unwrap()
            .iter()
            .all(|t| t.tenant_id == b)
    );
    assert_eq!(status_of(store, a, case).await, CaseStatus::Received);
}
