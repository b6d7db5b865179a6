//! Contract stories of fees, payment attempts, completion, refunds, the timeline and the
//! outbox (issue 6), run on both backends through `contract!` in `contract.rs`.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use payments::{Cents, FeeItem, PaymentEvent, PaymentState};
use store::{
    AttemptCreated, CaseFee, CaseStatus, NewAttempt, NewRefund, RefundError, RefundVia,
    StatusUpdate, Store, TenantId,
};
use uuid::Uuid;

use super::harness::Db;
use super::{new_case, new_session, tenant_with_service};

pub(super) fn fee(cents: i64, pay_later: bool) -> CaseFee {
    CaseFee {
        amount: Cents(cents),
        currency: "EUR".into(),
        items: vec![FeeItem {
            description: "Verlängerung des Nutzungsrechts".into(),
            quantity: 2,
            unit_amount: Cents(cents / 2),
        }],
        pay_later,
    }
}

fn attempt(case_id: Uuid, cents: i64) -> NewAttempt {
    NewAttempt {
        id: Uuid::new_v4(),
        case_id,
        provider: "simulated".into(),
        amount: Cents(cents),
        currency: "EUR".into(),
        expires_at: Utc::now() + Duration::hours(1),
        first_check_at: Utc::now() - Duration::seconds(1),
    }
}

pub(super) fn said(event: PaymentEvent) -> StatusUpdate {
    StatusUpdate {
        event,
        transaction_reference: None,
        method: None,
        actor: "simulated".into(),
    }
}

/// A municipality with a case of 70,00 € awaiting payment.
async fn case_awaiting_payment(store: &dyn Store, slug: &str, code: &str) -> (TenantId, Uuid) {
    let (tenant, service) = tenant_with_service(store, slug, code).await;
    let case = new_case(&service, &format!("{code}-2026-PAY01"), Some("browser"));
    store
        .submit_case_with_fee(
            tenant.id,
            &case,
            &fee(7000, false),
            Some(&new_session("browser")),
        )
        .await
        .unwrap();
    (tenant.id, case.id)
}

/// The kinds of a case's timeline, oldest first.
pub(super) async fn kinds(store: &dyn Store, tenant: TenantId, case: Uuid) -> Vec<String> {
    store
        .case_events(tenant, case)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

pub async fn a_free_case_is_complete_at_submission(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "frei", "FRE").await;
    let case = new_case(&service, "FRE-2026-FREE1", None);
    store.submit_case(tenant.id, &case, None).await.unwrap();
    let payment = store
        .case_payment(tenant.id, case.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(payment.fee, None);
    assert!(payment.completed_at.is_some());
    assert_eq!(
        kinds(store, tenant.id, case.id).await,
        ["submitted", "completed"]
    );
}

pub async fn a_case_with_a_fee_awaits_its_first_confirmed_payment_and_completes_once(db: Db) {
    let store = &*db.store;
    let (tenant, case) = case_awaiting_payment(store, "gebuehr", "GEB").await;
    let stored = store.case(tenant, case).await.unwrap().unwrap();
    assert_eq!(stored.status, CaseStatus::AwaitingPayment);
    let payment = store.case_payment(tenant, case).await.unwrap().unwrap();
    assert_eq!(payment.fee, Some(fee(7000, false)));
    assert_eq!(payment.completed_at, None);

    let a = attempt(case, 7000);
    store.create_attempt(tenant, &a).await.unwrap();
    let created = store.attempt(tenant, a.id).await.unwrap().unwrap();
    assert_eq!(created.state, PaymentState::Created);
    assert_eq!(created.provider_reference, None);
    store
        .attempt_created(
            tenant,
            a.id,
            &AttemptCreated {
                provider_reference: "sim_1".into(),
                redirect_url: "https://pay.example/sim_1".into(),
                transaction_reference: Some("KZ-4711".into()),
            },
        )
        .await
        .unwrap();
    let pending = store
        .attempt_by_reference(tenant, "simulated", "sim_1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pending.id, a.id);
    assert_eq!(pending.state, PaymentState::Pending);
    assert_eq!(pending.transaction_reference.as_deref(), Some("KZ-4711"));

    let mut update = said(PaymentEvent::Paid);
    update.method = Some("card".into());
    let applied = store
        .apply_payment_status(tenant, a.id, &update)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(applied.to, PaymentState::Paid);
    assert!(applied.completed);
    assert!(!applied.refund_due);
    let again = store
        .apply_payment_status(tenant, a.id, &update)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.to, PaymentState::Paid);
    assert!(!again.completed, "a repeat never completes again");

    let stored = store.case(tenant, case).await.unwrap().unwrap();
    assert_eq!(stored.status, CaseStatus::Received);
    let paid = store.attempt(tenant, a.id).await.unwrap().unwrap();
    assert!(paid.paid_at.is_some());
    assert_eq!(paid.method.as_deref(), Some("card"));
    assert_eq!(
        kinds(store, tenant, case).await,
        ["submitted", "payment_started", "payment_paid", "completed"]
    );
}

pub async fn a_late_paid_after_a_failure_counts_and_a_second_paid_attempt_is_due_for_refund(
    db: Db,
) {
    let store = &*db.store;
    let (tenant, case) = case_awaiting_payment(store, "spaet", "SPA").await;
    let first = attempt(case, 7000);
    store.create_attempt(tenant, &first).await.unwrap();
    let failed = store
        .apply_payment_status(tenant, first.id, &said(PaymentEvent::Failed))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.to, PaymentState::Failed);
    assert!(!failed.completed);
    assert_eq!(
        store.case(tenant, case).await.unwrap().unwrap().status,
        CaseStatus::AwaitingPayment
    );

    let second = attempt(case, 7000);
    store.create_attempt(tenant, &second).await.unwrap();
    let late = store
        .apply_payment_status(tenant, first.id, &said(PaymentEvent::Paid))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (late.from, late.to),
        (PaymentState::Failed, PaymentState::Paid)
    );
    assert!(late.completed, "the money was taken: the case is complete");

    let also = store
        .apply_payment_status(tenant, second.id, &said(PaymentEvent::Paid))
        .await
        .unwrap()
        .unwrap();
    assert!(!also.completed);
    assert!(also.refund_due, "paid twice: the second goes back");
    let attempts = store.case_attempts(tenant, case).await.unwrap();
    assert_eq!(attempts.len(), 2);
    assert!(!attempts[0].refund_due);
    assert!(attempts[1].refund_due);
    // A failure reported after payment changes nothing.
    let ignored = store
        .apply_payment_status(tenant, first.id, &said(PaymentEvent::Failed))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ignored.to, PaymentState::Paid);
}

pub async fn a_pay_later_case_is_complete_at_submission_and_its_payment_completes_nothing(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "spaeter", "SPT").await;
    store
        .sync_targets(
            tenant.id,
            &[
                store::TargetSpec {
                    name: "kasse".into(),
                    kind: "webhook".into(),
                    services: None,
                },
                store::TargetSpec {
                    name: "fachverfahren".into(),
                    kind: "pull_api".into(),
                    services: None,
                },
            ],
        )
        .await
        .unwrap();
    let case = new_case(&service, "SPT-2026-LATER", None);
    store
        .submit_case_with_fee(tenant.id, &case, &fee(3000, true), None)
        .await
        .unwrap();
    let stored = store.case(tenant.id, case.id).await.unwrap().unwrap();
    assert_eq!(stored.status, CaseStatus::Received);
    let completed_at = store
        .case_payment(tenant.id, case.id)
        .await
        .unwrap()
        .unwrap()
        .completed_at;
    assert!(completed_at.is_some());
    let a = attempt(case.id, 3000);
    store.create_attempt(tenant.id, &a).await.unwrap();
    let paid = store
        .apply_payment_status(tenant.id, a.id, &said(PaymentEvent::Paid))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(paid.to, PaymentState::Paid);
    assert!(!paid.completed, "complete since submission");
    // The backends hear of the payment: the push target gets the case again, once.
    let again = store
        .apply_payment_status(tenant.id, a.id, &said(PaymentEvent::Paid))
        .await
        .unwrap()
        .unwrap();
    assert!(!again.completed);
    let mut keys: Vec<String> = store
        .case_deliveries(tenant.id, case.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.kind != store::JOB_MAIL)
        .map(|d| d.idempotency_key)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "SPT-2026-LATER.fachverfahren".to_owned(),
            "SPT-2026-LATER.kasse".to_owned(),
            "SPT-2026-LATER.kasse.payment".to_owned(),
        ]
    );
    assert_eq!(
        store
            .case_payment(tenant.id, case.id)
            .await
            .unwrap()
            .unwrap()
            .completed_at,
        completed_at
    );
}

pub async fn parallel_confirmations_complete_a_case_exactly_once(db: Db) {
    let store = db.store.clone();
    let (tenant, case) = case_awaiting_payment(&*store, "parallel", "PAR").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let a = attempt(case, 7000);
        store.create_attempt(tenant, &a).await.unwrap();
        ids.push(a.id);
    }
    let mut tasks = Vec::new();
    for round in 0..4 {
        for id in &ids {
            let store = store.clone();
            let id = *id;
            tasks.push(tokio::spawn(async move {
                let _ = round;
                store
                    .apply_payment_status(tenant, id, &said(PaymentEvent::Paid))
                    .await
                    .unwrap()
                    .unwrap()
            }));
        }
    }
    let mut completed = 0;
    for t in tasks {
        if t.await.unwrap().completed {
            completed += 1;
        }
    }
    assert_eq!(completed, 1, "one completion, whatever the order");
    let attempts = store.case_attempts(tenant, case).await.unwrap();
    assert_eq!(attempts.iter().filter(|a| a.refund_due).count(), 2);
    let completions = kinds(&*store, tenant, case)
        .await
        .into_iter()
        .filter(|k| k == "completed")
        .count();
    assert_eq!(completions, 1);
}

pub async fn refunds_never_exceed_what_was_paid(db: Db) {
    let store = &*db.store;
    let (tenant, case) = case_awaiting_payment(store, "erstattung", "ERS").await;
    let a = attempt(case, 7000);
    store.create_attempt(tenant, &a).await.unwrap();
    let refund = |amount: i64, via: RefundVia| NewRefund {
        id: Uuid::new_v4(),
        attempt_id: a.id,
        amount: Cents(amount),
        reason: "Antrag zurückgenommen".into(),
        via,
        staff_id: None,
        staff_name: "clerk".into(),
    };
    assert_eq!(
        store
            .begin_refund(tenant, &refund(100, RefundVia::Provider))
            .await
            .unwrap(),
        Err(RefundError::NotPaid)
    );
    store
        .apply_payment_status(tenant, a.id, &said(PaymentEvent::Paid))
        .await
        .unwrap();

    let first = refund(2000, RefundVia::Provider);
    store.begin_refund(tenant, &first).await.unwrap().unwrap();
    // Requested counts: no more than what is left.
    assert_eq!(
        store
            .begin_refund(tenant, &refund(5001, RefundVia::CashOffice))
            .await
            .unwrap(),
        Err(RefundError::TooMuch { left: Cents(5000) })
    );
    store
        .finish_refund(tenant, first.id, Ok("re_1".into()))
        .await
        .unwrap();
    let partly = store.attempt(tenant, a.id).await.unwrap().unwrap();
    assert_eq!(partly.state, PaymentState::PartiallyRefunded);
    assert_eq!(partly.refunded, Cents(2000));

    // A failed refund frees its amount again.
    let failing = refund(5000, RefundVia::Provider);
    store.begin_refund(tenant, &failing).await.unwrap().unwrap();
    store
        .finish_refund(tenant, failing.id, Err("card expired".into()))
        .await
        .unwrap();
    store
        .begin_refund(tenant, &refund(5000, RefundVia::CashOffice))
        .await
        .unwrap()
        .unwrap();
    let refunded = store.attempt(tenant, a.id).await.unwrap().unwrap();
    assert_eq!(refunded.state, PaymentState::Refunded);
    assert_eq!(refunded.refunded, Cents(7000));
    let events = kinds(store, tenant, case).await;
    assert_eq!(events.iter().filter(|k| *k == "refund_done").count(), 2);
    // The day's refunds for the cash office: the two done, not the failed one.
    let from = Utc::now() - Duration::hours(1);
    let to = Utc::now() + Duration::hours(1);
    let booked = store.booked_refunds(tenant, from, to).await.unwrap();
    assert_eq!(
        booked.iter().map(|r| (r.amount, r.via)).collect::<Vec<_>>(),
        vec![
            (Cents(2000), RefundVia::Provider),
            (Cents(5000), RefundVia::CashOffice)
        ]
    );
    assert!(booked.iter().all(|r| r.case_reference == "ERS-2026-PAY01"));
    let (other, _) = case_awaiting_payment(store, "fremdkasse", "FKA").await;
    assert!(
        store
            .booked_refunds(other, from, to)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(events.iter().filter(|k| *k == "refund_failed").count(), 1);
}

pub async fn a_notification_is_recorded_once(db: Db) {
    let store = &*db.store;
    let (tenant, _) = case_awaiting_payment(store, "meldung", "MEL").await;
    assert!(
        !store
            .notification_seen(tenant, "stripe", "evt_1")
            .await
            .unwrap()
    );
    store
        .record_notification(tenant, "stripe", "evt_1")
        .await
        .unwrap();
    store
        .record_notification(tenant, "stripe", "evt_1")
        .await
        .unwrap();
    assert!(
        store
            .notification_seen(tenant, "stripe", "evt_1")
            .await
            .unwrap()
    );
    assert!(
        !store
            .notification_seen(tenant, "epaybl", "evt_1")
            .await
            .unwrap()
    );
}

pub async fn an_outbox_job_is_leased_by_one_worker_until_its_lease_runs_out(db: Db) {
    let store = db.store.clone();
    let (tenant, case) = case_awaiting_payment(&*store, "auftrag", "AUF").await;
    let a = attempt(case, 7000);
    store.create_attempt(tenant, &a).await.unwrap();
    let now = Utc::now();
    // Several workers at once: the job goes to exactly one.
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .lease_jobs(&["reconcile_payment"], 10, now, now + Duration::seconds(60))
                .await
                .unwrap()
        }));
    }
    let mut leased = Vec::new();
    for t in tasks {
        leased.extend(t.await.unwrap());
    }
    assert_eq!(leased.len(), 1);
    let job = &leased[0];
    assert_eq!(job.tenant_id, tenant);
    assert_eq!(job.subject, a.id.hyphenated().to_string());
    assert_eq!(job.attempts, 0);
    assert!(
        store
            .lease_jobs(&["deliver"], 10, now, now + Duration::seconds(60))
            .await
            .unwrap()
            .is_empty(),
        "other kinds are not taken"
    );
    // The worker died: after the lease the job comes back.
    let later = now + Duration::seconds(61);
    let again = store
        .lease_jobs(
            &["reconcile_payment"],
            10,
            later,
            later + Duration::seconds(60),
        )
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    store
        .job_retry(
            job.id,
            later + Duration::seconds(30),
            "provider down",
            false,
        )
        .await
        .unwrap();
    assert!(
        store
            .lease_jobs(
                &["reconcile_payment"],
                10,
                later,
                later + Duration::seconds(60)
            )
            .await
            .unwrap()
            .is_empty(),
        "not due yet"
    );
    let due = later + Duration::seconds(31);
    let retried = store
        .lease_jobs(&["reconcile_payment"], 10, due, due + Duration::seconds(60))
        .await
        .unwrap();
    assert_eq!(retried[0].attempts, 1);
    // Cancelled: still asked about (money taken late counts); paid: the job ends.
    store
        .apply_payment_status(tenant, a.id, &said(PaymentEvent::Cancelled))
        .await
        .unwrap();
    let later_still = due + Duration::seconds(120);
    let asked_again = store
        .lease_jobs(
            &["reconcile_payment"],
            10,
            later_still,
            later_still + Duration::seconds(60),
        )
        .await
        .unwrap();
    assert_eq!(
        asked_again.len(),
        1,
        "a cancelled attempt is still asked about"
    );
    store
        .apply_payment_status(tenant, a.id, &said(PaymentEvent::Paid))
        .await
        .unwrap();
    let after = due + Duration::seconds(240);
    assert!(
        store
            .lease_jobs(
                &["reconcile_payment"],
                10,
                after,
                after + Duration::seconds(60)
            )
            .await
            .unwrap()
            .is_empty()
    );
    // Dead-lettered jobs are never leased again.
    let b = attempt(case, 7000);
    store.create_attempt(tenant, &b).await.unwrap();
    let job = store
        .lease_jobs(
            &["reconcile_payment"],
            10,
            after,
            after + Duration::seconds(60),
        )
        .await
        .unwrap();
    store
        .job_retry(job[0].id, after, "gave up", true)
        .await
        .unwrap();
    let much_later = after + Duration::days(1);
    assert!(
        store
            .lease_jobs(
                &["reconcile_payment"],
                10,
                much_later,
                much_later + Duration::seconds(60)
            )
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn booked_payments_list_what_was_paid_in_the_period(db: Db) {
    let store = &*db.store;
    let (tenant, case) = case_awaiting_payment(store, "kasse", "KAS").await;
    let paid = attempt(case, 7000);
    let open = attempt(case, 7000);
    store.create_attempt(tenant, &paid).await.unwrap();
    store.create_attempt(tenant, &open).await.unwrap();
    let mut update = said(PaymentEvent::Paid);
    update.transaction_reference = Some("KZ-0815".into());
    store
        .apply_payment_status(tenant, paid.id, &update)
        .await
        .unwrap();
    let from = Utc::now() - Duration::hours(1);
    let to = Utc::now() + Duration::hours(1);
    let booked = store.booked_payments(tenant, from, to).await.unwrap();
    assert_eq!(booked.len(), 1);
    assert_eq!(booked[0].attempt_id, paid.id);
    assert_eq!(booked[0].case_reference, "KAS-2026-PAY01");
    assert_eq!(booked[0].transaction_reference.as_deref(), Some("KZ-0815"));
    assert_eq!(booked[0].amount, Cents(7000));
    assert_eq!(booked[0].items, fee(7000, false).items);
    assert!(
        store
            .booked_payments(tenant, to, to + Duration::days(1))
            .await
            .unwrap()
            .is_empty()
    );
}

/// Every payment method that takes a tenant, called with the other municipality's id.
pub async fn other_tenant_cannot_see_or_touch_payments(db: Db) {
    let store = &*db.store;
    let (mine, case) = case_awaiting_payment(store, "meins", "MEI").await;
    let (theirs, _) = case_awaiting_payment(store, "fremd", "FRE").await;
    let a = attempt(case, 7000);
    store.create_attempt(mine, &a).await.unwrap();
    store
        .attempt_created(
            theirs,
            a.id,
            &AttemptCreated {
                provider_reference: "stolen".into(),
                redirect_url: "https://evil.example".into(),
                transaction_reference: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .attempt(mine, a.id)
            .await
            .unwrap()
            .unwrap()
            .provider_reference,
        None,
        "attempt_created of another tenant writes nothing"
    );
    store
        .attempt_created(
            mine,
            a.id,
            &AttemptCreated {
                provider_reference: "sim_mine".into(),
                redirect_url: "https://pay.example".into(),
                transaction_reference: None,
            },
        )
        .await
        .unwrap();

    assert!(store.case_payment(theirs, case).await.unwrap().is_none());
    assert!(
        store
            .create_attempt(theirs, &attempt(case, 1))
            .await
            .is_err()
    );
    assert!(store.attempt(theirs, a.id).await.unwrap().is_none());
    assert!(
        store
            .attempt_by_reference(theirs, "simulated", "sim_mine")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.case_attempts(theirs, case).await.unwrap().is_empty());
    assert!(
        store
            .apply_payment_status(theirs, a.id, &said(PaymentEvent::Paid))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.attempt(mine, a.id).await.unwrap().unwrap().state,
        PaymentState::Pending
    );
    assert!(store.case_events(theirs, case).await.unwrap().is_empty());
    assert!(
        store
            .add_case_event(theirs, case, "note", "evil", &serde_json::json!({}))
            .await
            .is_err()
    );
    store
        .apply_payment_status(mine, a.id, &said(PaymentEvent::Paid))
        .await
        .unwrap();
    let refund = NewRefund {
        id: Uuid::new_v4(),
        attempt_id: a.id,
        amount: Cents(100),
        reason: "x".into(),
        via: RefundVia::CashOffice,
        staff_id: None,
        staff_name: "evil".into(),
    };
    assert_eq!(
        store.begin_refund(theirs, &refund).await.unwrap(),
        Err(RefundError::NotPaid)
    );
    let from = Utc::now() - Duration::hours(1);
    let to = Utc::now() + Duration::hours(1);
    assert!(
        store
            .booked_payments(theirs, from, to)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .record_notification(mine, "stripe", "evt_x")
        .await
        .unwrap();
    assert!(
        !store
            .notification_seen(theirs, "stripe", "evt_x")
            .await
            .unwrap()
    );
    let seen: BTreeSet<String> = kinds(store, mine, case).await.into_iter().collect();
    assert!(!seen.contains("note"));
}

pub async fn the_inbox_leaves_out_cases_awaiting_payment_which_have_their_own_list(db: Db) {
    let store = &*db.store;
    let (tenant, case) = case_awaiting_payment(store, "liste", "LIS").await;
    let (other, _) = case_awaiting_payment(store, "anderswo", "AND").await;
    let page = store::Page {
        offset: 0,
        limit: 10,
    };
    assert!(store.cases(tenant, page).await.unwrap().is_empty());
    assert_eq!(store.count_cases(tenant).await.unwrap(), 0);
    let waiting = store.awaiting_cases(tenant, page).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].id, case);
    assert_eq!(store.count_awaiting_cases(tenant).await.unwrap(), 1);
    // Another municipality's list never holds it.
    assert!(
        store
            .awaiting_cases(other, page)
            .await
            .unwrap()
            .iter()
            .all(|c| c.id != case)
    );
    // Paid: it moves to the inbox.
    let a = attempt(case, 7000);
    store.create_attempt(tenant, &a).await.unwrap();
    store
        .apply_payment_status(tenant, a.id, &said(PaymentEvent::Paid))
        .await
        .unwrap();
    assert_eq!(store.count_cases(tenant).await.unwrap(), 1);
    assert_eq!(store.count_awaiting_cases(tenant).await.unwrap(), 0);
}
