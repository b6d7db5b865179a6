//! Cross-tenant contract stories of the payment and delivery methods that take a tenant and
//! had no such story yet, run on both backends through `contract!` in `contract.rs`. Each
//! calls the method with another municipality's id (or data) and shows that nothing is read,
//! counted or changed, then that the rightful municipality still gets its way.

use chrono::{Duration, Utc};
use payments::{Cents, PaymentEvent, PaymentState};
use store::{
    CaseStatus, JOB_DELIVER, JOB_MAIL, JOB_PULL, JobState, NewAttempt, NewRefund, RefundVia, Store,
    StoreError, TenantId,
};
use uuid::Uuid;

use super::delivery_stories::spec;
use super::harness::Db;
use super::payment_stories::{fee, kinds, said};
use super::{count_behind_the_stores_back, new_case, new_session, tenant, tenant_with_service};

/// A case's deliveries other than the citizen's email: (kind, target, target kind), sorted.
async fn deliveries(
    store: &dyn Store,
    tenant: TenantId,
    case: Uuid,
) -> Vec<(String, Option<String>, Option<String>)> {
    let mut seen: Vec<_> = store
        .case_deliveries(tenant, case)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.kind != JOB_MAIL)
        .map(|d| (d.kind, d.target, d.target_kind))
        .collect();
    seen.sort();
    seen
}

fn delivery(
    kind: &str,
    target: &str,
    target_kind: &str,
) -> (String, Option<String>, Option<String>) {
    (
        kind.to_owned(),
        Some(target.to_owned()),
        Some(target_kind.to_owned()),
    )
}

/// `submit_case_with_fee` with a service of another municipality is refused, whether the case
/// would await payment or be complete at once (pay later, which queues deliveries), and
/// writes nothing: no case, fee, session, timeline or job, in either municipality.
pub async fn other_tenant_cannot_submit_a_case_with_a_fee_to_a_service(db: Db) {
    let store = &*db.store;
    let (a, a_service) = tenant_with_service(store, "aach", "AAC").await;
    let (b, _) = tenant_with_service(store, "bebra", "BEB").await;
    store
        .sync_targets(a.id, &[spec("amt-webhook", "webhook", None)])
        .await
        .unwrap();
    for (n, pay_later) in [(1, false), (2, true)] {
        let case = new_case(&a_service, &format!("BEB-2026-FEE0{n}"), Some("intruder"));
        match store
            .submit_case_with_fee(
                b.id,
                &case,
                &fee(7000, pay_later),
                Some(&new_session("intruder")),
            )
            .await
        {
            Err(StoreError::Conflict(_)) => {}
            other => panic!("pay later {pay_later}: expected Conflict, got {other:?}"),
        }
        for t in [a.id, b.id] {
            assert_eq!(store.case(t, case.id).await.unwrap(), None);
            assert_eq!(store.case_payment(t, case.id).await.unwrap(), None);
            assert!(kinds(store, t, case.id).await.is_empty());
            assert!(store.case_deliveries(t, case.id).await.unwrap().is_empty());
        }
    }
    for t in [a.id, b.id] {
        assert_eq!(store.count_cases(t).await.unwrap(), 0);
        assert_eq!(store.count_awaiting_cases(t).await.unwrap(), 0);
    }
    assert_eq!(store.session("intruder").await.unwrap(), None);
    for table in ["cases", "case_events", "outbox_jobs"] {
        assert_eq!(
            count_behind_the_stores_back(&db.url, &format!("select count(*) from {table}")).await,
            0,
            "nothing written to {table}"
        );
    }

    // The municipality that offers the service submits the same kind of case.
    let case = new_case(&a_service, "AAC-2026-FEE01", Some("citizen"));
    store
        .submit_case_with_fee(
            a.id,
            &case,
            &fee(7000, false),
            Some(&new_session("citizen")),
        )
        .await
        .unwrap();
    assert_eq!(
        store.case(a.id, case.id).await.unwrap().unwrap().status,
        CaseStatus::AwaitingPayment
    );
    assert_eq!(store.count_awaiting_cases(a.id).await.unwrap(), 1);
    assert_eq!(store.count_awaiting_cases(b.id).await.unwrap(), 0);
    assert_eq!(store.case(b.id, case.id).await.unwrap(), None);
}

/// `count_awaiting_cases` counts the municipality's own cases awaiting payment only: never
/// another's, and never its own complete cases.
pub async fn other_tenant_cannot_count_cases_awaiting_payment(db: Db) {
    let store = &*db.store;
    let (a, a_service) = tenant_with_service(store, "aach", "AAC").await;
    let (b, b_service) = tenant_with_service(store, "bebra", "BEB").await;
    let nobody = tenant(store, "leer", "LEE").await;
    for n in 1..=2 {
        let case = new_case(&a_service, &format!("AAC-2026-PAY0{n}"), None);
        store
            .submit_case_with_fee(a.id, &case, &fee(7000, false), None)
            .await
            .unwrap();
    }
    let free = new_case(&a_service, "AAC-2026-FREE1", None);
    store.submit_case(a.id, &free, None).await.unwrap();
    let theirs = new_case(&b_service, "BEB-2026-PAY01", None);
    store
        .submit_case_with_fee(b.id, &theirs, &fee(3000, false), None)
        .await
        .unwrap();

    assert_eq!(store.count_awaiting_cases(a.id).await.unwrap(), 2);
    assert_eq!(store.count_awaiting_cases(b.id).await.unwrap(), 1);
    assert_eq!(store.count_awaiting_cases(nobody.id).await.unwrap(), 0);
    assert_eq!(store.count_cases(b.id).await.unwrap(), 0);

    // Another case awaiting payment in A changes A's count only.
    let third = new_case(&a_service, "AAC-2026-PAY03", None);
    store
        .submit_case_with_fee(a.id, &third, &fee(7000, false), None)
        .await
        .unwrap();
    assert_eq!(store.count_awaiting_cases(a.id).await.unwrap(), 3);
    assert_eq!(store.count_awaiting_cases(b.id).await.unwrap(), 1);
    assert_eq!(store.count_awaiting_cases(nobody.id).await.unwrap(), 0);
}

/// `pending_refunds` and `finish_refund` with another municipality's id: A's refund through
/// the provider is neither listed nor finished (done or failed) by B; it stays requested,
/// nothing is booked or added to the timeline; then A finishes it.
pub async fn other_tenant_cannot_list_or_finish_a_refund(db: Db) {
    let store = &*db.store;
    let (a, a_service) = tenant_with_service(store, "aach", "AAC").await;
    let (b, _) = tenant_with_service(store, "bebra", "BEB").await;
    let case = new_case(&a_service, "AAC-2026-REF01", None);
    store
        .submit_case_with_fee(a.id, &case, &fee(7000, false), None)
        .await
        .unwrap();
    let attempt = NewAttempt {
        id: Uuid::new_v4(),
        case_id: case.id,
        provider: "simulated".into(),
        amount: Cents(7000),
        currency: "EUR".into(),
        expires_at: Utc::now() + Duration::hours(1),
        first_check_at: Utc::now() + Duration::hours(1),
    };
    store.create_attempt(a.id, &attempt).await.unwrap();
    store
        .apply_payment_status(a.id, attempt.id, &said(PaymentEvent::Paid))
        .await
        .unwrap()
        .unwrap();
    let refund = NewRefund {
        id: Uuid::new_v4(),
        attempt_id: attempt.id,
        amount: Cents(2000),
        reason: "Antrag zurückgenommen".into(),
        via: RefundVia::Provider,
        staff_id: None,
        staff_name: "clerk".into(),
    };
    store.begin_refund(a.id, &refund).await.unwrap().unwrap();
    let pending = vec![(refund.id, Cents(2000))];
    assert_eq!(
        store.pending_refunds(a.id, attempt.id).await.unwrap(),
        pending
    );
    let events_before = kinds(store, a.id, case.id).await;
    let from = Utc::now() - Duration::hours(1);
    let to = Utc::now() + Duration::hours(1);

    assert!(
        store
            .pending_refunds(b.id, attempt.id)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .finish_refund(b.id, refund.id, Ok("re_foreign".into()))
        .await
        .unwrap();
    store
        .finish_refund(
            b.id,
            refund.id,
            Err("refused by the foreign provider".into()),
        )
        .await
        .unwrap();

    // Still requested, as A left it.
    assert_eq!(
        store.pending_refunds(a.id, attempt.id).await.unwrap(),
        pending
    );
    let paid = store.attempt(a.id, attempt.id).await.unwrap().unwrap();
    assert_eq!(paid.state, PaymentState::Paid);
    assert_eq!(paid.refunded, Cents(0));
    assert_eq!(kinds(store, a.id, case.id).await, events_before);
    assert!(kinds(store, b.id, case.id).await.is_empty());
    assert!(
        store
            .booked_refunds(a.id, from, to)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .booked_refunds(b.id, from, to)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        count_behind_the_stores_back(
            &db.url,
            "select count(*) from refunds where state = 'requested' \
             and provider_refund_id is null and error is null",
        )
        .await,
        1
    );

    // A hears from its provider and finishes the refund.
    store
        .finish_refund(a.id, refund.id, Ok("re_1".into()))
        .await
        .unwrap();
    assert!(
        store
            .pending_refunds(a.id, attempt.id)
            .await
            .unwrap()
            .is_empty()
    );
    let partly = store.attempt(a.id, attempt.id).await.unwrap().unwrap();
    assert_eq!(partly.state, PaymentState::PartiallyRefunded);
    assert_eq!(partly.refunded, Cents(2000));
    let booked = store.booked_refunds(a.id, from, to).await.unwrap();
    assert_eq!(
        booked
            .iter()
            .map(|r| (r.attempt_id, r.amount))
            .collect::<Vec<_>>(),
        vec![(attempt.id, Cents(2000))]
    );
    assert!(
        store
            .booked_refunds(b.id, from, to)
            .await
            .unwrap()
            .is_empty()
    );
}

/// `sync_targets` for B, even with none configured or a name A uses too, leaves A's targets
/// active and A's queued jobs open; `targets(B)` lists B's own only. A's cases still go to
/// A's targets, B's to B's; then A's own sync takes effect.
pub async fn other_tenant_cannot_sync_or_list_delivery_targets(db: Db) {
    let store = &*db.store;
    let (a, a_service) = tenant_with_service(store, "aach", "AAC").await;
    let (b, b_service) = tenant_with_service(store, "bebra", "BEB").await;
    store
        .sync_targets(
            a.id,
            &[
                spec("amt-webhook", "webhook", None),
                spec("fachverfahren", "pull_api", None),
            ],
        )
        .await
        .unwrap();
    let before = new_case(&a_service, "AAC-2026-DLV01", None);
    store.submit_case(a.id, &before, None).await.unwrap();
    let a_targets = store.targets(a.id).await.unwrap();
    assert_eq!(
        a_targets
            .iter()
            .map(|t| (t.name.as_str(), t.kind.as_str()))
            .collect::<Vec<_>>(),
        [("amt-webhook", "webhook"), ("fachverfahren", "pull_api")]
    );
    let a_jobs = store.case_deliveries(a.id, before.id).await.unwrap();
    assert_eq!(a_jobs.len(), 3, "{a_jobs:?}");

    // B drops every target it had (none), then configures one named like A's.
    store.sync_targets(b.id, &[]).await.unwrap();
    assert!(store.targets(b.id).await.unwrap().is_empty());
    store
        .sync_targets(b.id, &[spec("amt-webhook", "email", None)])
        .await
        .unwrap();

    assert_eq!(store.targets(a.id).await.unwrap(), a_targets);
    let b_targets = store.targets(b.id).await.unwrap();
    assert_eq!(b_targets.len(), 1, "{b_targets:?}");
    assert_eq!(b_targets[0].tenant_id, b.id);
    assert_eq!(
        (b_targets[0].name.as_str(), b_targets[0].kind.as_str()),
        ("amt-webhook", "email")
    );
    assert!(a_targets.iter().all(|t| t.id != b_targets[0].id));
    assert_eq!(
        store.case_deliveries(a.id, before.id).await.unwrap(),
        a_jobs,
        "A's jobs stay as they were"
    );
    assert!(a_jobs.iter().all(|j| j.state == JobState::Pending));
    assert!(store.dead_jobs(None).await.unwrap().is_empty());

    // New cases go to their own municipality's targets.
    let after = new_case(&a_service, "AAC-2026-DLV02", None);
    store.submit_case(a.id, &after, None).await.unwrap();
    assert_eq!(
        deliveries(store, a.id, after.id).await,
        vec![
            delivery(JOB_DELIVER, "amt-webhook", "webhook"),
            delivery(JOB_PULL, "fachverfahren", "pull_api"),
        ]
    );
    let theirs = new_case(&b_service, "BEB-2026-DLV01", None);
    store.submit_case(b.id, &theirs, None).await.unwrap();
    assert_eq!(
        deliveries(store, b.id, theirs.id).await,
        vec![delivery(JOB_DELIVER, "amt-webhook", "email")]
    );

    // A's own sync takes effect: the pull target's open jobs are given up, A's only.
    store
        .sync_targets(a.id, &[spec("amt-webhook", "webhook", None)])
        .await
        .unwrap();
    assert_eq!(
        store
            .targets(a.id)
            .await
            .unwrap()
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["amt-webhook"]
    );
    let dead = store.dead_jobs(Some(a.id)).await.unwrap();
    assert_eq!(dead.len(), 2, "{dead:?}");
    assert!(
        dead.iter()
            .all(|d| d.target.as_deref() == Some("fachverfahren"))
    );
    assert!(store.dead_jobs(Some(b.id)).await.unwrap().is_empty());
    assert_eq!(store.targets(b.id).await.unwrap(), b_targets);
}

/// A payment provider's notification is recorded per municipality: B's record of an event id
/// A recorded too is its own (not swallowed by A's), A's record never makes B's seen, and
/// B's record of an event never makes A's seen.
pub async fn other_tenant_cannot_mark_a_notification_as_seen(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    let seen = |t: TenantId, event: &'static str| async move {
        store.notification_seen(t, "stripe", event).await.unwrap()
    };
    let rows = |t: TenantId| {
        let url = db.url.clone();
        async move {
            count_behind_the_stores_back(
                &url,
                &format!(
                    "select count(*) from payment_notifications \
                     where tenant_id = {} and provider = 'stripe' and event_id = 'evt_1'",
                    t.0
                ),
            )
            .await
        }
    };

    store
        .record_notification(a.id, "stripe", "evt_1")
        .await
        .unwrap();
    assert!(seen(a.id, "evt_1").await);
    assert!(!seen(b.id, "evt_1").await, "A's record is not B's");

    store
        .record_notification(b.id, "stripe", "evt_1")
        .await
        .unwrap();
    assert!(seen(b.id, "evt_1").await, "B's record is its own");
    assert!(seen(a.id, "evt_1").await);
    assert_eq!((rows(a.id).await, rows(b.id).await), (1, 1));
    // A repeat by B is ignored and leaves A's alone.
    store
        .record_notification(b.id, "stripe", "evt_1")
        .await
        .unwrap();
    assert_eq!((rows(a.id).await, rows(b.id).await), (1, 1));

    store
        .record_notification(b.id, "stripe", "evt_2")
        .await
        .unwrap();
    assert!(seen(b.id, "evt_2").await);
    assert!(!seen(a.id, "evt_2").await, "B's record is not A's");
}
