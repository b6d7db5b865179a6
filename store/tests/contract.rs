//! The store's contract: one set of stories, run against SQLite (a fresh file per test) and
//! PostgreSQL (a fresh database per test on `TEST_POSTGRES_URL`, dropped afterwards).
//!
//! PostgreSQL is not optional: when it cannot be reached these tests fail and say so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness {
    //! Fresh databases for one story each, removed afterwards even when the story fails.

    use std::future::Future;
    use std::sync::Arc;
    use std::time::Duration;

    use sqlx::{Connection, Executor, PgConnection};
    use store::Store;

    pub struct Db {
        pub store: Arc<dyn Store>,
        /// Where `store` is, for stories that reconnect.
        pub url: String,
    }

    pub async fn run_sqlite<F, Fut>(story: F)
    where
        F: FnOnce(Db) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let dir = tempfile::tempdir().unwrap();
        let url = store::sqlite_url_in(dir.path());
        let store = store::connect(&url).await.unwrap();
        let outcome = tokio::spawn(story(Db { store, url })).await;
        drop(dir);
        if let Err(e) = outcome {
            std::panic::resume_unwind(e.into_panic());
        }
    }

    pub async fn run_postgres<F, Fut>(story: F)
    where
        F: FnOnce(Db) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let admin_url = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let shown = store::redact_url(&admin_url);
        let mut admin =
            match tokio::time::timeout(Duration::from_secs(10), PgConnection::connect(&admin_url))
                .await
            {
                Ok(Ok(conn)) => conn,
                Ok(Err(e)) => panic!(
                    "PostgreSQL is required for the store's contract tests and is not reachable \
                     at {shown} ({e}); start it or set TEST_POSTGRES_URL"
                ),
                Err(_) => panic!(
                    "PostgreSQL is required for the store's contract tests and did not answer \
                     at {shown} within 10 s; start it or set TEST_POSTGRES_URL"
                ),
            };
        let name = format!("portal_t_{:016x}", rand::random::<u64>());
        admin
            .execute(format!("create database {name}").as_str())
            .await
            .unwrap();
        let url = with_database(&admin_url, &name);

        let outcome = match store::connect(&url).await {
            Ok(store) => tokio::spawn(story(Db { store, url })).await,
            Err(e) => {
                drop_database(&mut admin, &name).await;
                panic!("connecting the store to {}: {e}", store::redact_url(&url));
            }
        };
        drop_database(&mut admin, &name).await;
        if let Err(e) = outcome {
            std::panic::resume_unwind(e.into_panic());
        }
    }

    async fn drop_database(admin: &mut PgConnection, name: &str) {
        admin
            .execute(format!("drop database if exists {name} with (force)").as_str())
            .await
            .unwrap();
    }

    /// The same server and credentials, another database.
    fn with_database(url: &str, name: &str) -> String {
        let (base, query) = match url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (url, String::new()),
        };
        let authority_start = base.find("://").map_or(0, |i| i + 3);
        let server = match base[authority_start..].find('/') {
            Some(slash) => &base[..authority_start + slash],
            None => base,
        };
        format!("{server}/{name}{query}")
    }
}

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, SubsecRound, Utc};
use serde_json::json;
use store::{
    AccentColour, Attachment, Backend, CaseStatus, CitizenLogin, Draft, ExternalUrl, FailedLogin,
    FormId, FormParameter, FormScope, LockoutPolicy, LoginFlow, LoginKind, NewAttachment, NewCase,
    NewCitizenSession, NewDraft, NewForm, NewLoginFlow, NewService, NewSession, NewStaff,
    NewTenant, OidcStaffLogin, Page, ParameterChanges, Role, RoleKind, Service, StaffId, Store,
    StoreError, Tenant, TenantId, TenantProfile,
};
use uuid::Uuid;

use harness::Db;

/// Generates `sqlite::<story>` and `postgres::<story>` tests from each story.
macro_rules! contract {
    ($($story:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    crate::harness::run_sqlite(super::$story).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    crate::harness::run_postgres(super::$story).await;
                }
            )+
        }
    };
}

contract!(
    a_fresh_database_is_ready,
    tenants_round_trip_and_slug_or_code_are_taken_once,
    forms_are_stored_verbatim_and_key_with_version_is_taken_once,
    services_are_listed_per_tenant_by_slug,
    a_submitted_case_reads_back_with_its_answers,
    a_duplicate_reference_is_refused_and_writes_nothing,
    a_case_for_a_service_of_another_tenant_is_refused,
    cases_are_listed_newest_first_with_paging_and_count,
    only_the_submitting_browser_sees_the_confirmation,
    sessions_expire_and_are_swept,
    staff_round_trip_with_roles_and_username_is_taken_once,
    removing_demo_data_leaves_real_municipalities_alone,
    a_demo_form_offered_by_a_real_municipality_stays,
    concurrent_submissions_all_succeed,
    data_survives_closing_and_reopening_the_store,
    other_tenant_cannot_list_services,
    other_tenant_cannot_read_a_service,
    other_tenant_cannot_submit_to_a_service,
    other_tenant_cannot_read_a_case,
    other_tenant_cannot_read_a_case_as_its_submitter,
    other_tenant_cannot_list_cases,
    other_tenant_cannot_count_cases,
    a_tenant_profile_round_trips_with_and_without_its_optional_parts,
    a_colour_with_too_little_contrast_written_behind_the_stores_back_is_corrupt,
    a_draft_is_created_updated_and_read_back_only_by_its_owner,
    another_browser_can_neither_read_update_nor_set_a_token_on_a_draft,
    submitting_another_browsers_draft_is_draft_gone_and_writes_nothing,
    a_resume_link_hands_the_draft_over,
    a_replaced_resume_token_stops_working,
    a_draft_completes_into_one_case_and_never_twice,
    parallel_submissions_of_one_draft_make_one_case,
    a_duplicate_reference_keeps_the_draft,
    expired_drafts_are_invisible_and_swept,
    an_expired_resume_link_opens_nothing,
    other_tenant_cannot_create_a_draft_for_a_service,
    other_tenant_cannot_read_a_draft,
    other_tenant_cannot_update_a_draft,
    other_tenant_cannot_set_a_resume_token_on_a_draft,
    other_tenant_cannot_claim_a_draft,
    other_tenant_cannot_submit_from_a_draft,
    removing_demo_data_keeps_a_demo_form_a_real_draft_was_started_on,
    failed_logins_lock_the_account_for_growing_times_and_a_success_resets_them,
    an_operator_unlocks_a_locked_account_at_once,
    parallel_failed_logins_are_all_counted,
    a_federation_publish_moves_every_service_of_an_older_version,
    a_version_not_newer_than_every_stored_one_is_refused_and_writes_nothing,
    a_brand_new_key_is_stored_but_offered_nowhere,
    form_versions_are_listed_by_key_newest_first_with_who_offers_which,
    drafts_and_cases_keep_their_version_when_a_new_one_is_published,
    parallel_publishes_of_one_key_never_store_an_older_version_after_a_newer,
    removing_demo_data_removes_forms_a_demo_municipality_published,
    other_tenant_cannot_publish_a_shared_form,
    other_tenant_cannot_publish_a_form_another_offers,
    other_tenant_cannot_publish_over_a_form_another_published,
    a_tenant_publish_never_moves_another_tenants_service,
    other_tenant_cannot_list_form_versions,
    parameter_values_are_set_replaced_and_cleared_per_form_key,
    other_tenant_cannot_read_parameter_values,
    other_tenant_cannot_change_parameter_values,
    removing_demo_data_removes_a_demo_municipalitys_parameter_values,
    attachments_are_added_listed_and_removed_by_the_drafts_owner,
    a_taken_attachment_id_or_storage_key_is_refused,
    another_browser_can_neither_add_list_nor_remove_attachments,
    attachments_of_an_expired_draft_are_invisible_and_swept_with_it,
    submitting_keeps_the_listed_attachments_on_the_case_and_drops_the_rest,
    a_refused_submission_keeps_the_attachments_on_the_draft,
    removing_demo_data_removes_a_demo_municipalitys_attachments,
    other_tenant_cannot_add_an_attachment_to_a_draft,
    other_tenant_cannot_list_draft_attachments,
    other_tenant_cannot_remove_a_draft_attachment,
    other_tenant_cannot_list_case_attachments,
    other_tenant_cannot_read_a_case_attachment,
    other_tenant_cannot_move_attachments_into_its_case,
    a_login_state_works_once,
    a_login_flow_is_taken_only_by_its_own_kind,
    an_oidc_staff_login_creates_the_account_and_replaces_its_roles,
    an_oidc_staff_login_never_takes_over_another_account,
    concurrent_first_logins_of_one_person_make_one_account,
    idle_provider_accounts_without_a_role_are_removed_and_logins_are_recorded,
    a_stolen_login_state_is_useless_in_another_browser,
    an_expired_login_flow_is_refused_and_swept,
    beginning_a_login_keeps_a_longer_session_and_never_touches_a_staff_session,
    a_completed_login_starts_a_new_session_and_takes_its_draft_along,
    a_login_takes_along_only_the_draft_it_was_begun_from,
    a_login_never_takes_another_browsers_draft,
    a_case_records_the_login_level_it_was_submitted_with,
    an_idle_citizen_login_ends_before_its_session_and_is_swept,
    activity_moves_the_idle_end_of_a_citizen_login_but_never_past_its_session,
    my_applications_list_the_citizens_drafts_across_municipalities,
    my_applications_list_the_citizens_cases_across_municipalities,
    other_tenant_cannot_read_a_logged_in_citizens_draft,
    a_free_case_is_complete_at_submission,
    a_case_with_a_fee_awaits_its_first_confirmed_payment_and_completes_once,
    a_late_paid_after_a_failure_counts_and_a_second_paid_attempt_is_due_for_refund,
    a_pay_later_case_is_complete_at_submission_and_its_payment_completes_nothing,
    parallel_confirmations_complete_a_case_exactly_once,
    refunds_never_exceed_what_was_paid,
    a_notification_is_recorded_once,
    an_outbox_job_is_leased_by_one_worker_until_its_lease_runs_out,
    booked_payments_list_what_was_paid_in_the_period,
    other_tenant_cannot_see_or_touch_payments,
    the_inbox_leaves_out_cases_awaiting_payment_which_have_their_own_list,
    completing_a_case_queues_one_job_per_matching_target_and_the_confirmation,
    a_case_is_forwarded_once_when_its_last_delivery_is_done,
    parallel_last_deliveries_forward_a_case_exactly_once,
    failed_deliveries_wait_are_given_up_and_come_back_when_an_admin_retries,
    a_target_removed_from_the_configuration_gets_no_new_cases,
    a_lease_leaves_out_the_municipalities_a_worker_is_busy_with,
    a_worker_whose_lease_ran_out_cannot_record_a_failure_over_the_new_holder,
    backend_statuses_follow_the_rules_and_queue_the_citizens_email,
    other_tenant_cannot_see_or_touch_deliveries,
    an_administrator_assigns_the_roles_a_login_keeps,
    other_tenant_cannot_see_or_change_its_staff_accounts,
    a_burst_of_submissions_gives_each_its_own_outcome,
    a_burst_of_new_drafts_and_saved_steps_gives_each_its_own_outcome,
    other_tenant_cannot_submit_a_case_with_a_fee_to_a_service,
    other_tenant_cannot_count_cases_awaiting_payment,
    other_tenant_cannot_list_or_finish_a_refund,
    other_tenant_cannot_sync_or_list_delivery_targets,
    other_tenant_cannot_mark_a_notification_as_seen,
    a_shared_form_is_offered_once_as_its_newest_version,
    a_municipalitys_own_form_is_offered_only_by_it,
    a_municipalitys_name_and_profile_are_updated_and_no_other,
);

#[path = "contract/payments.rs"]
mod payment_stories;
use payment_stories::*;

#[path = "contract/delivery.rs"]
mod delivery_stories;
use delivery_stories::*;

#[path = "contract/citizen_login_leftovers.rs"]
mod citizen_login_stories;
use citizen_login_stories::*;

#[path = "contract/bursts.rs"]
mod burst_stories;
use burst_stories::*;

#[path = "contract/staff_accounts.rs"]
mod staff_account_stories;
use staff_account_stories::*;

#[path = "contract/cross_tenant.rs"]
mod cross_tenant_stories;
use cross_tenant_stories::*;

#[path = "contract/offerings.rs"]
mod offering_stories;
use offering_stories::*;

// --- fixtures ------------------------------------------------------------------------------

fn new_tenant(slug: &str, code: &str, demo: bool) -> NewTenant {
    NewTenant {
        slug: slug.into(),
        name: format!("Gemeinde {slug}"),
        code: code.into(),
        profile: profile(slug),
        demo,
    }
}

/// A complete profile, every optional part given.
fn profile(slug: &str) -> TenantProfile {
    TenantProfile {
        accent_colour: AccentColour::parse("#0B5C3A").unwrap(),
        feedback_email: format!("barrierefreiheit-{slug}@example.org"),
        feedback_phone: "0361 5550-100".into(),
        town_hall_address: format!("Gemeindeverwaltung {slug}\nMarkt 1\n99999 {slug}"),
        imprint_url: Some(
            ExternalUrl::parse(&format!("https://{slug}.example.org/impressum")).unwrap(),
        ),
        privacy_url: Some(
            ExternalUrl::parse(&format!("https://{slug}.example.org/datenschutz")).unwrap(),
        ),
        accessibility_reviewed_on: Some(NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()),
    }
}

fn new_form(key: &str, version: i32, demo: bool) -> NewForm {
    NewForm {
        key: key.into(),
        version,
        // Unusual spacing and key order on purpose: the definition must come back verbatim.
        definition: format!(r#"{{"title": "Formular {key}",  "steps": [], "a": 1}}"#),
        demo,
    }
}

fn new_case(service: &Service, reference: &str, submitter: Option<&str>) -> NewCase {
    NewCase {
        id: Uuid::new_v4(),
        reference: reference.into(),
        service_id: service.id,
        form_id: service.form_id,
        status: CaseStatus::Received,
        answers: json!({
            "name": "Erika Mustermann",
            "hunde": [{"rasse": "Dackel", "alter": 3}, {"rasse": "Pudel", "alter": 11}],
            "betrag": 12050,
            "zustimmung": true,
            "bemerkung": null,
            "umlaute": "Größe ß",
        }),
        submitter_session: submitter.map(Into::into),
        from_draft: None,
        attachments: vec![],
        login_level: None,
    }
}

/// Microsecond precision: what both backends keep.
fn in_one_hour() -> chrono::DateTime<Utc> {
    Utc::now().trunc_subsecs(6) + chrono::Duration::hours(1)
}

fn new_session(key_hash: &str) -> NewSession {
    NewSession {
        key_hash: key_hash.into(),
        staff_id: None,
        expires_at: in_one_hour(),
    }
}

/// A municipality with one service.
async fn tenant_with_service(store: &dyn Store, slug: &str, code: &str) -> (Tenant, Service) {
    let tenant = store
        .create_tenant(&new_tenant(slug, code, false))
        .await
        .unwrap();
    let form = store
        .create_form(&new_form(&format!("form-{slug}"), 1, false))
        .await
        .unwrap();
    let service = store
        .create_service(
            tenant.id,
            &NewService {
                slug: "hundesteuer".into(),
                form_id: form,
            },
        )
        .await
        .unwrap();
    (tenant, service)
}

/// Two municipalities, each with a service named alike and one case submitted by its own
/// browser.
struct TwoTenants {
    a: Tenant,
    a_service: Service,
    a_case: NewCase,
    b: Tenant,
    b_service: Service,
    b_case: NewCase,
}

async fn two_tenants(store: &dyn Store) -> TwoTenants {
    let (a, a_service) = tenant_with_service(store, "aach", "AAC").await;
    let (b, b_service) = tenant_with_service(store, "bebra", "BEB").await;
    let a_case = new_case(&a_service, "AAC-2026-00001", Some("session-a"));
    store
        .submit_case(a.id, &a_case, Some(&new_session("session-a")))
        .await
        .unwrap();
    let b_case = new_case(&b_service, "BEB-2026-00001", Some("session-b"));
    store
        .submit_case(b.id, &b_case, Some(&new_session("session-b")))
        .await
        .unwrap();
    TwoTenants {
        a,
        a_service,
        a_case,
        b,
        b_service,
        b_case,
    }
}

fn assert_conflict<T>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::Conflict(got)) => assert_eq!(got, what),
        Err(other) => panic!("expected Conflict({what}), got {other:?}"),
        Ok(_) => panic!("expected Conflict({what}), got Ok"),
    }
}

// --- stories -------------------------------------------------------------------------------

async fn a_fresh_database_is_ready(db: Db) {
    db.store.ready().await.unwrap();
    let expected = if db.url.starts_with("sqlite:") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    assert_eq!(db.store.backend(), expected);
    assert!(!db.store.holds_demo_data().await.unwrap());
    assert!(db.store.tenants().await.unwrap().is_empty());
}

async fn tenants_round_trip_and_slug_or_code_are_taken_once(db: Db) {
    let store = &*db.store;
    let zell = store
        .create_tenant(&new_tenant("zell", "ZEL", false))
        .await
        .unwrap();
    let aach = store
        .create_tenant(&new_tenant("aach", "AAC", true))
        .await
        .unwrap();
    assert_eq!(zell.slug, "zell");
    assert_eq!(zell.name, "Gemeinde zell");
    assert_eq!(zell.code, "ZEL");
    assert!(!zell.demo && aach.demo);
    assert_ne!(zell.id, aach.id);

    // ordered by name
    assert_eq!(
        store.tenants().await.unwrap(),
        vec![aach.clone(), zell.clone()]
    );
    assert_eq!(
        store.tenant_by_slug("zell").await.unwrap(),
        Some(zell.clone())
    );
    assert_eq!(
        store.tenant_by_id(aach.id).await.unwrap(),
        Some(aach.clone())
    );
    assert_eq!(store.tenant_by_slug("nirgendwo").await.unwrap(), None);

    assert_conflict(
        store.create_tenant(&new_tenant("zell", "ZZZ", false)).await,
        "tenant slug",
    );
    assert_conflict(
        store
            .create_tenant(&new_tenant("zell-2", "ZEL", false))
            .await,
        "tenant code",
    );
    assert_eq!(store.tenants().await.unwrap().len(), 2);
}

async fn forms_are_stored_verbatim_and_key_with_version_is_taken_once(db: Db) {
    let store = &*db.store;
    let v1 = new_form("hundesteuer-anmeldung", 1, false);
    let id1 = store.create_form(&v1).await.unwrap();
    let id2 = store
        .create_form(&new_form("hundesteuer-anmeldung", 2, false))
        .await
        .unwrap();
    assert_ne!(id1, id2);

    let stored = store.form(id1).await.unwrap().unwrap();
    assert_eq!(stored.id, id1);
    assert_eq!(stored.key, v1.key);
    assert_eq!(stored.version, 1);
    assert_eq!(stored.definition, v1.definition);
    assert_eq!(store.form(id2).await.unwrap().unwrap().version, 2);
    assert_eq!(store.form(FormId(id2.0 + 1000)).await.unwrap(), None);

    assert_conflict(store.create_form(&v1).await, "form key and version");
}

async fn services_are_listed_per_tenant_by_slug(db: Db) {
    let store = &*db.store;
    let tenant = store
        .create_tenant(&new_tenant("aach", "AAC", false))
        .await
        .unwrap();
    let form = store.create_form(&new_form("f", 1, false)).await.unwrap();
    for slug in ["wohngeld", "hundesteuer", "meldebescheinigung"] {
        let service = store
            .create_service(
                tenant.id,
                &NewService {
                    slug: slug.into(),
                    form_id: form,
                },
            )
            .await
            .unwrap();
        assert_eq!(service.tenant_id, tenant.id);
        assert_eq!(service.slug, slug);
        assert_eq!(service.form_id, form);
    }
    let slugs: Vec<String> = store
        .services(tenant.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.slug)
        .collect();
    assert_eq!(slugs, ["hundesteuer", "meldebescheinigung", "wohngeld"]);

    let found = store.service(tenant.id, "wohngeld").await.unwrap().unwrap();
    assert_eq!(found.slug, "wohngeld");
    assert_eq!(store.service(tenant.id, "fehlt").await.unwrap(), None);

    assert_conflict(
        store
            .create_service(
                tenant.id,
                &NewService {
                    slug: "wohngeld".into(),
                    form_id: form,
                },
            )
            .await,
        "service slug",
    );
    // the same slug in another municipality is fine
    let other = store
        .create_tenant(&new_tenant("bebra", "BEB", false))
        .await
        .unwrap();
    store
        .create_service(
            other.id,
            &NewService {
                slug: "wohngeld".into(),
                form_id: form,
            },
        )
        .await
        .unwrap();
}

async fn a_submitted_case_reads_back_with_its_answers(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let before = Utc::now() - chrono::Duration::minutes(1);
    let case = new_case(&service, "AAC-2026-7K3QF", Some("browser"));
    store
        .submit_case(tenant.id, &case, Some(&new_session("browser")))
        .await
        .unwrap();

    let stored = store.case(tenant.id, case.id).await.unwrap().unwrap();
    assert_eq!(stored.id, case.id);
    assert_eq!(stored.tenant_id, tenant.id);
    assert_eq!(stored.reference, case.reference);
    assert_eq!(stored.service_id, service.id);
    assert_eq!(stored.service_slug, "hundesteuer");
    assert_eq!(stored.form_id, service.form_id);
    assert_eq!(stored.status, CaseStatus::Received);
    assert_eq!(stored.answers, case.answers);
    assert!(
        stored.created_at > before && stored.created_at < Utc::now() + chrono::Duration::minutes(1)
    );

    // the submitting browser's session was stored with the case
    assert!(store.session("browser").await.unwrap().is_some());
    assert_eq!(store.case(tenant.id, Uuid::new_v4()).await.unwrap(), None);

    // without a session, and with an existing one
    let second = new_case(&service, "AAC-2026-00002", None);
    store.submit_case(tenant.id, &second, None).await.unwrap();
    let third = new_case(&service, "AAC-2026-00003", Some("browser"));
    store
        .submit_case(tenant.id, &third, Some(&new_session("browser")))
        .await
        .unwrap();
    assert_eq!(store.count_cases(tenant.id).await.unwrap(), 3);
}

async fn a_duplicate_reference_is_refused_and_writes_nothing(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let first = new_case(&service, "AAC-2026-AAAAA", None);
    store.submit_case(tenant.id, &first, None).await.unwrap();

    let second = new_case(&service, "AAC-2026-AAAAA", Some("new-browser"));
    match store
        .submit_case(tenant.id, &second, Some(&new_session("new-browser")))
        .await
    {
        Err(StoreError::DuplicateReference) => {}
        other => panic!("expected DuplicateReference, got {other:?}"),
    }
    assert_eq!(store.case(tenant.id, second.id).await.unwrap(), None);
    assert_eq!(store.session("new-browser").await.unwrap(), None);
    assert_eq!(store.count_cases(tenant.id).await.unwrap(), 1);

    // a fresh reference then goes through, session and all
    let retry = NewCase {
        reference: "AAC-2026-BBBBB".into(),
        ..second
    };
    store
        .submit_case(tenant.id, &retry, Some(&new_session("new-browser")))
        .await
        .unwrap();
    assert!(store.session("new-browser").await.unwrap().is_some());
    assert_eq!(store.count_cases(tenant.id).await.unwrap(), 2);
}

async fn a_case_for_a_service_of_another_tenant_is_refused(db: Db) {
    let store = &*db.store;
    let (a, a_service) = tenant_with_service(store, "aach", "AAC").await;
    let (b, _) = tenant_with_service(store, "bebra", "BEB").await;
    let case = new_case(&a_service, "BEB-2026-00001", Some("intruder"));
    match store
        .submit_case(b.id, &case, Some(&new_session("intruder")))
        .await
    {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(store.count_cases(a.id).await.unwrap(), 0);
    assert_eq!(store.count_cases(b.id).await.unwrap(), 0);
    assert_eq!(store.case(a.id, case.id).await.unwrap(), None);
    assert_eq!(store.session("intruder").await.unwrap(), None);
}

async fn cases_are_listed_newest_first_with_paging_and_count(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    assert!(
        store
            .cases(
                tenant.id,
                Page {
                    offset: 0,
                    limit: 10
                }
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.count_cases(tenant.id).await.unwrap(), 0);

    let mut submitted = Vec::new();
    for n in 1..=5 {
        let case = new_case(&service, &format!("AAC-2026-0000{n}"), None);
        store.submit_case(tenant.id, &case, None).await.unwrap();
        submitted.push(case);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    submitted.reverse();
    let newest_first: Vec<String> = submitted.iter().map(|c| c.reference.clone()).collect();

    let refs = |page: Page| async move {
        store
            .cases(tenant.id, page)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.reference)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        refs(Page {
            offset: 0,
            limit: 100
        })
        .await,
        newest_first
    );
    assert_eq!(
        refs(Page {
            offset: 0,
            limit: 2
        })
        .await,
        newest_first[0..2]
    );
    assert_eq!(
        refs(Page {
            offset: 2,
            limit: 2
        })
        .await,
        newest_first[2..4]
    );
    assert_eq!(
        refs(Page {
            offset: 4,
            limit: 2
        })
        .await,
        newest_first[4..]
    );
    assert!(
        refs(Page {
            offset: 5,
            limit: 2
        })
        .await
        .is_empty()
    );
    assert!(
        refs(Page {
            offset: 0,
            limit: 0
        })
        .await
        .is_empty()
    );
    assert_eq!(
        refs(Page {
            offset: 0,
            limit: u64::MAX
        })
        .await
        .len(),
        5
    );
    assert_eq!(store.count_cases(tenant.id).await.unwrap(), 5);

    let summary = &store
        .cases(
            tenant.id,
            Page {
                offset: 0,
                limit: 1,
            },
        )
        .await
        .unwrap()[0];
    let full = store.case(tenant.id, summary.id).await.unwrap().unwrap();
    assert_eq!(summary.id, submitted[0].id);
    assert_eq!(summary.service_slug, "hundesteuer");
    assert_eq!(summary.form_id, service.form_id);
    assert_eq!(summary.status, CaseStatus::Received);
    assert_eq!(summary.created_at, full.created_at);
}

async fn only_the_submitting_browser_sees_the_confirmation(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let mine = new_case(&service, "AAC-2026-00001", Some("mine"));
    store
        .submit_case(tenant.id, &mine, Some(&new_session("mine")))
        .await
        .unwrap();
    let theirs = new_case(&service, "AAC-2026-00002", Some("theirs"));
    store
        .submit_case(tenant.id, &theirs, Some(&new_session("theirs")))
        .await
        .unwrap();
    let anonymous = new_case(&service, "AAC-2026-00003", None);
    store
        .submit_case(tenant.id, &anonymous, None)
        .await
        .unwrap();

    let found = store
        .case_for_submitter(tenant.id, mine.id, "mine")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.reference, mine.reference);
    assert_eq!(found.answers, mine.answers);
    assert_eq!(
        store
            .case_for_submitter(tenant.id, mine.id, "theirs")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .case_for_submitter(tenant.id, theirs.id, "mine")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .case_for_submitter(tenant.id, anonymous.id, "")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .case_for_submitter(tenant.id, anonymous.id, "mine")
            .await
            .unwrap(),
        None
    );
}

async fn sessions_expire_and_are_swept(db: Db) {
    let store = &*db.store;
    let staff = store
        .create_staff(&NewStaff {
            username: "sachbearbeiterin".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            roles: vec![],
            demo: false,
        })
        .await
        .unwrap();
    let live = NewSession {
        key_hash: "live".into(),
        staff_id: Some(staff),
        expires_at: in_one_hour(),
    };
    store.create_session(&live).await.unwrap();
    let read = store.session("live").await.unwrap().unwrap();
    assert_eq!(read.key_hash, live.key_hash);
    assert_eq!(read.staff_id, Some(staff));
    assert_eq!(read.expires_at, live.expires_at);
    assert_conflict(store.create_session(&live).await, "session");

    let expired = NewSession {
        key_hash: "expired".into(),
        staff_id: None,
        expires_at: Utc::now() - chrono::Duration::seconds(1),
    };
    store.create_session(&expired).await.unwrap();
    assert_eq!(store.session("expired").await.unwrap(), None);
    assert_eq!(store.session("unknown").await.unwrap(), None);

    assert_eq!(store.delete_expired_sessions().await.unwrap(), 1);
    assert_eq!(store.delete_expired_sessions().await.unwrap(), 0);
    assert!(store.session("live").await.unwrap().is_some());

    store.delete_session("live").await.unwrap();
    assert_eq!(store.session("live").await.unwrap(), None);
    store.delete_session("live").await.unwrap();
}

async fn staff_round_trip_with_roles_and_username_is_taken_once(db: Db) {
    let store = &*db.store;
    let a = store
        .create_tenant(&new_tenant("aach", "AAC", false))
        .await
        .unwrap();
    let b = store
        .create_tenant(&new_tenant("bebra", "BEB", false))
        .await
        .unwrap();
    let new = NewStaff {
        username: "verwaltung".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        roles: vec![
            Role {
                kind: RoleKind::Clerk,
                tenant: Some(b.id),
            },
            Role {
                kind: RoleKind::TenantAdmin,
                tenant: Some(a.id),
            },
            Role {
                kind: RoleKind::FederationAdmin,
                tenant: None,
            },
        ],
        demo: false,
    };
    let id = store.create_staff(&new).await.unwrap();

    let by_name = store
        .staff_by_username("verwaltung")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_name.id, id);
    assert_eq!(by_name.username, new.username);
    assert_eq!(by_name.password_hash, new.password_hash);
    assert_eq!(by_name.failed_logins, 0);
    assert_eq!(by_name.locked_until, None);
    assert_eq!(
        by_name.roles,
        vec![
            Role {
                kind: RoleKind::FederationAdmin,
                tenant: None
            },
            Role {
                kind: RoleKind::TenantAdmin,
                tenant: Some(a.id)
            },
            Role {
                kind: RoleKind::Clerk,
                tenant: Some(b.id)
            },
        ]
    );
    assert_eq!(store.staff_by_id(id).await.unwrap(), Some(by_name));
    assert_eq!(store.staff_by_username("niemand").await.unwrap(), None);

    assert_conflict(
        store
            .create_staff(&NewStaff {
                roles: vec![],
                ..new.clone()
            })
            .await,
        "staff username",
    );
    // a role that does not fit its scope is refused, and the staff member with it
    let bad = NewStaff {
        username: "ohne-gemeinde".into(),
        roles: vec![Role {
            kind: RoleKind::Clerk,
            tenant: None,
        }],
        ..new
    };
    assert!(store.create_staff(&bad).await.is_err());
    assert_eq!(
        store.staff_by_username("ohne-gemeinde").await.unwrap(),
        None
    );
}

async fn removing_demo_data_leaves_real_municipalities_alone(db: Db) {
    let store = &*db.store;
    let (real, real_service) = tenant_with_service(store, "aach", "AAC").await;
    let real_case = new_case(&real_service, "AAC-2026-00001", Some("citizen"));
    store
        .submit_case(real.id, &real_case, Some(&new_session("citizen")))
        .await
        .unwrap();
    let real_draft = new_draft(&real_service, &browser("citizen"), json!({"plz": "99735"}));
    store.create_draft(real.id, &real_draft).await.unwrap();
    assert!(!store.holds_demo_data().await.unwrap());

    let demo = store
        .create_tenant(&new_tenant("demo", "DEM", true))
        .await
        .unwrap();
    let demo_form = store.create_form(&new_form("demo", 1, true)).await.unwrap();
    let demo_service = store
        .create_service(
            demo.id,
            &NewService {
                slug: "hundesteuer".into(),
                form_id: demo_form,
            },
        )
        .await
        .unwrap();
    let demo_case = new_case(&demo_service, "DEM-2026-00001", Some("demo-citizen"));
    store
        .submit_case(demo.id, &demo_case, Some(&new_session("demo-citizen")))
        .await
        .unwrap();
    let demo_draft = new_draft(&demo_service, &browser("demo-citizen"), json!({}));
    store.create_draft(demo.id, &demo_draft).await.unwrap();
    let demo_clerk = store
        .create_staff(&NewStaff {
            username: "demo-clerk".into(),
            password_hash: "x".into(),
            roles: vec![Role {
                kind: RoleKind::Clerk,
                tenant: Some(demo.id),
            }],
            demo: true,
        })
        .await
        .unwrap();
    store
        .create_session(&NewSession {
            key_hash: "demo-clerk-session".into(),
            staff_id: Some(demo_clerk),
            expires_at: in_one_hour(),
        })
        .await
        .unwrap();
    // a real admin who also had a role in the demo municipality
    store
        .create_staff(&NewStaff {
            username: "admin".into(),
            password_hash: "x".into(),
            roles: vec![
                Role {
                    kind: RoleKind::Clerk,
                    tenant: Some(demo.id),
                },
                Role {
                    kind: RoleKind::TenantAdmin,
                    tenant: Some(real.id),
                },
            ],
            demo: false,
        })
        .await
        .unwrap();
    assert!(store.holds_demo_data().await.unwrap());

    assert_eq!(store.remove_demo_data().await.unwrap(), 1);

    assert!(!store.holds_demo_data().await.unwrap());
    assert_eq!(store.tenants().await.unwrap(), vec![real.clone()]);
    assert_eq!(store.tenant_by_id(demo.id).await.unwrap(), None);
    assert_eq!(store.case(demo.id, demo_case.id).await.unwrap(), None);
    assert_eq!(store.form(demo_form).await.unwrap(), None);
    assert_eq!(store.staff_by_id(demo_clerk).await.unwrap(), None);
    assert_eq!(store.session("demo-clerk-session").await.unwrap(), None);
    assert_eq!(store.session("demo-citizen").await.unwrap(), None);
    let admin = store.staff_by_username("admin").await.unwrap().unwrap();
    assert_eq!(
        admin.roles,
        vec![Role {
            kind: RoleKind::TenantAdmin,
            tenant: Some(real.id)
        }]
    );

    let kept = store.case(real.id, real_case.id).await.unwrap().unwrap();
    assert_eq!(kept.answers, real_case.answers);
    assert_eq!(store.count_cases(real.id).await.unwrap(), 1);
    assert_eq!(
        store.services(real.id).await.unwrap(),
        vec![real_service.clone()]
    );
    assert!(store.form(real_service.form_id).await.unwrap().is_some());
    assert!(store.session("citizen").await.unwrap().is_some());
    assert_eq!(
        store
            .draft(real.id, real_draft.id, &browser("citizen"))
            .await
            .unwrap()
            .map(|d| d.answers),
        Some(real_draft.answers)
    );

    assert_eq!(store.remove_demo_data().await.unwrap(), 0);
}

/// A demo form that a real municipality offers is not removed, so the database still holds
/// demo data afterwards (the operator must replace that service's form first).
async fn a_demo_form_offered_by_a_real_municipality_stays(db: Db) {
    let store = &*db.store;
    let real = store
        .create_tenant(&new_tenant("aach", "AAC", false))
        .await
        .unwrap();
    let demo_form = store.create_form(&new_form("demo", 1, true)).await.unwrap();
    let service = store
        .create_service(
            real.id,
            &NewService {
                slug: "hundesteuer".into(),
                form_id: demo_form,
            },
        )
        .await
        .unwrap();
    store
        .submit_case(real.id, &new_case(&service, "AAC-2026-00001", None), None)
        .await
        .unwrap();
    assert!(store.holds_demo_data().await.unwrap());
    assert_eq!(store.remove_demo_data().await.unwrap(), 0);
    assert!(store.form(demo_form).await.unwrap().is_some());
    assert_eq!(store.count_cases(real.id).await.unwrap(), 1);
    assert!(store.holds_demo_data().await.unwrap());
}

async fn concurrent_submissions_all_succeed(db: Db) {
    let (tenant, service) = tenant_with_service(&*db.store, "aach", "AAC").await;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = Arc::clone(&db.store);
        let service = service.clone();
        tasks.push(tokio::spawn(async move {
            let key = format!("browser-{n}");
            let case = new_case(&service, &format!("AAC-2026-{n:05}"), Some(&key));
            store
                .submit_case(tenant.id, &case, Some(&new_session(&key)))
                .await
                .unwrap();
            // reads interleave with the writes
            store.count_cases(tenant.id).await.unwrap();
            store.case(tenant.id, case.id).await.unwrap().unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(db.store.count_cases(tenant.id).await.unwrap(), 40);
}

async fn data_survives_closing_and_reopening_the_store(db: Db) {
    let Db { store, url } = db;
    let (tenant, service) = tenant_with_service(&*store, "aach", "AAC").await;
    let case = new_case(&service, "AAC-2026-00001", Some("browser"));
    store
        .submit_case(tenant.id, &case, Some(&new_session("browser")))
        .await
        .unwrap();
    let staff = store
        .create_staff(&NewStaff {
            username: "clerk".into(),
            password_hash: "x".into(),
            roles: vec![Role {
                kind: RoleKind::Clerk,
                tenant: Some(tenant.id),
            }],
            demo: false,
        })
        .await
        .unwrap();
    drop(store);

    let reopened = store::connect(&url).await.unwrap();
    reopened.ready().await.unwrap();
    assert_eq!(reopened.tenants().await.unwrap(), vec![tenant.clone()]);
    assert_eq!(reopened.services(tenant.id).await.unwrap(), vec![service]);
    let stored = reopened.case(tenant.id, case.id).await.unwrap().unwrap();
    assert_eq!(stored.answers, case.answers);
    assert!(reopened.session("browser").await.unwrap().is_some());
    assert_eq!(
        reopened.staff_by_id(staff).await.unwrap().unwrap().roles,
        vec![Role {
            kind: RoleKind::Clerk,
            tenant: Some(tenant.id)
        }]
    );
}

// --- cross-tenant: every method that takes a TenantId ----------------------------------------

async fn other_tenant_cannot_list_services(db: Db) {
    let t = two_tenants(&*db.store).await;
    assert_eq!(db.store.services(t.a.id).await.unwrap(), vec![t.a_service]);
    assert_eq!(db.store.services(t.b.id).await.unwrap(), vec![t.b_service]);
}

async fn other_tenant_cannot_read_a_service(db: Db) {
    let store = &*db.store;
    let t = two_tenants(store).await;
    let extra = store
        .create_service(
            t.a.id,
            &NewService {
                slug: "nur-in-aach".into(),
                form_id: t.a_service.form_id,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.service(t.a.id, "nur-in-aach").await.unwrap(),
        Some(extra)
    );
    assert_eq!(store.service(t.b.id, "nur-in-aach").await.unwrap(), None);
    // the shared slug resolves to each tenant's own service
    assert_eq!(
        store.service(t.b.id, "hundesteuer").await.unwrap(),
        Some(t.b_service)
    );
    assert_eq!(
        store.service(t.a.id, "hundesteuer").await.unwrap(),
        Some(t.a_service)
    );
}

async fn other_tenant_cannot_submit_to_a_service(db: Db) {
    let store = &*db.store;
    let t = two_tenants(store).await;
    let case = new_case(&t.a_service, "BEB-2026-99999", None);
    assert!(matches!(
        store.submit_case(t.b.id, &case, None).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.count_cases(t.a.id).await.unwrap(), 1);
    assert_eq!(store.count_cases(t.b.id).await.unwrap(), 1);
    assert_eq!(store.case(t.a.id, case.id).await.unwrap(), None);
    assert_eq!(store.case(t.b.id, case.id).await.unwrap(), None);
}

async fn other_tenant_cannot_read_a_case(db: Db) {
    let store = &*db.store;
    let t = two_tenants(store).await;
    assert!(store.case(t.a.id, t.a_case.id).await.unwrap().is_some());
    assert_eq!(store.case(t.b.id, t.a_case.id).await.unwrap(), None);
    assert_eq!(store.case(t.a.id, t.b_case.id).await.unwrap(), None);
}

async fn other_tenant_cannot_read_a_case_as_its_submitter(db: Db) {
    let store = &*db.store;
    let t = two_tenants(store).await;
    assert!(
        store
            .case_for_submitter(t.a.id, t.a_case.id, "session-a")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .case_for_submitter(t.b.id, t.a_case.id, "session-a")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .case_for_submitter(t.a.id, t.b_case.id, "session-b")
            .await
            .unwrap(),
        None
    );
}

async fn other_tenant_cannot_list_cases(db: Db) {
    let store = &*db.store;
    let t = two_tenants(store).await;
    let all = Page {
        offset: 0,
        limit: 100,
    };
    let a_ids: Vec<Uuid> = store
        .cases(t.a.id, all)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    let b_ids: Vec<Uuid> = store
        .cases(t.b.id, all)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(a_ids, vec![t.a_case.id]);
    assert_eq!(b_ids, vec![t.b_case.id]);
}

async fn other_tenant_cannot_count_cases(db: Db) {
    let store = &*db.store;
    let t = two_tenants(store).await;
    for n in 2..=4 {
        store
            .submit_case(
                t.a.id,
                &new_case(&t.a_service, &format!("AAC-2026-0000{n}"), None),
                None,
            )
            .await
            .unwrap();
    }
    assert_eq!(store.count_cases(t.a.id).await.unwrap(), 4);
    assert_eq!(store.count_cases(t.b.id).await.unwrap(), 1);
    let nobody = store
        .create_tenant(&new_tenant("leer", "LEE", false))
        .await
        .unwrap();
    assert_eq!(store.count_cases(nobody.id).await.unwrap(), 0);
}

// --- connecting --------------------------------------------------------------------------------

#[tokio::test]
async fn an_unreachable_postgres_fails_start_up_quickly() {
    // a port nobody listens on: bound, read, released
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let result = tokio::time::timeout(
        Duration::from_secs(30),
        store::connect(&format!("postgres://portal:secret@127.0.0.1:{port}/portal")),
    )
    .await
    .expect("connect must give up on its own");
    assert!(result.is_err(), "connect to a closed port must fail");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_unsupported_database_url_is_refused() {
    match store::connect("mysql://x").await {
        Err(StoreError::UnsupportedUrl(url)) => assert_eq!(url, "mysql://x"),
        Err(other) => panic!("expected UnsupportedUrl, got {other:?}"),
        Ok(_) => panic!("expected UnsupportedUrl, got a store"),
    }
}

#[tokio::test]
async fn an_sqlite_file_and_its_folder_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let url = store::sqlite_url_in(&dir.path().join("neu").join("daten"));
    let store = store::connect(&url).await.unwrap();
    store.ready().await.unwrap();
    assert!(dir.path().join("neu/daten/portal.db").exists());
}

async fn a_tenant_profile_round_trips_with_and_without_its_optional_parts(db: Db) {
    let store = &*db.store;
    let full = store
        .create_tenant(&new_tenant("aach", "AAC", false))
        .await
        .unwrap();
    assert_eq!(full.profile, profile("aach"));
    assert_eq!(
        full.profile.accent_colour.hex(),
        "#0b5c3a",
        "stored lowercase"
    );

    let mut bare = new_tenant("bebra", "BEB", false);
    bare.profile = TenantProfile {
        accent_colour: AccentColour::parse("#767676").unwrap(),
        feedback_email: "kontakt@example.org".into(),
        feedback_phone: "0361 5550-200".into(),
        town_hall_address: "Rathaus, Marktplatz 2, 36179 Bebra".into(),
        imprint_url: None,
        privacy_url: None,
        accessibility_reviewed_on: None,
    };
    let bare = store.create_tenant(&bare).await.unwrap();

    for (id, slug, expected) in [(full.id, "aach", &full), (bare.id, "bebra", &bare)] {
        assert_eq!(
            store.tenant_by_id(id).await.unwrap().as_ref(),
            Some(expected)
        );
        assert_eq!(
            store.tenant_by_slug(slug).await.unwrap().as_ref(),
            Some(expected)
        );
    }
    assert_eq!(
        store.tenants().await.unwrap(),
        vec![full.clone(), bare.clone()]
    );

    // Every profile survives a reconnect unchanged (nothing is cached in the store).
    let again = store::connect(&db.url).await.unwrap();
    assert_eq!(again.tenants().await.unwrap(), vec![full, bare]);
}

/// Runs `sql` on a connection of its own, past the store.
async fn execute_behind_the_stores_back(url: &str, sql: &str) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        let result = sqlx::query(sql).execute(&mut conn).await.map(drop);
        conn.close().await?;
        result
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        let result = sqlx::query(sql).execute(&mut conn).await.map(drop);
        conn.close().await?;
        result
    }
}

/// The store only takes colours that passed the contrast check; one edited into the database
/// by hand is reported, never shown.
async fn a_colour_with_too_little_contrast_written_behind_the_stores_back_is_corrupt(db: Db) {
    let store = &*db.store;
    let tenant = store
        .create_tenant(&new_tenant("aach", "AAC", false))
        .await
        .unwrap();
    execute_behind_the_stores_back(&db.url, "update tenants set accent_colour = '#ffcc00'")
        .await
        .unwrap();
    match store.tenant_by_id(tenant.id).await {
        Err(StoreError::Corrupt(message)) => {
            assert!(
                message.contains("#ffcc00") && message.contains("4.5:1"),
                "{message}"
            )
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    // Something that is no colour at all does not even reach the table.
    assert!(
        execute_behind_the_stores_back(&db.url, "update tenants set accent_colour = 'red'")
            .await
            .is_err(),
        "the table's check refuses a non-colour"
    );
}

// --- drafts -----------------------------------------------------------------------------------

/// The SHA-256 (hex) of a browser's session cookie, as the portal stores it: 64 characters.
fn browser(name: &str) -> String {
    format!("browser-{name:-<56}")
}

/// The SHA-256 (hex) of a resume token: 64 characters.
fn token(name: &str) -> String {
    format!("token-{name:-<58}")
}

fn new_draft(service: &Service, owner: &str, answers: serde_json::Value) -> NewDraft {
    NewDraft {
        id: Uuid::new_v4(),
        owner: owner.into(),
        service_id: service.id,
        form_id: service.form_id,
        answers,
        expires_at: in_one_hour(),
    }
}

/// A case completed from `draft` by the browser `submitter`.
fn case_from_draft(service: &Service, reference: &str, draft: Uuid, submitter: &str) -> NewCase {
    NewCase {
        from_draft: Some(draft),
        ..new_case(service, reference, Some(submitter))
    }
}

fn assert_draft_gone(result: Result<(), StoreError>) {
    match result {
        Err(StoreError::DraftGone) => {}
        other => panic!("expected DraftGone, got {other:?}"),
    }
}

async fn a_draft_is_created_updated_and_read_back_only_by_its_owner(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = browser("erika");
    let new = new_draft(&service, &erika, json!({"vorname": "Erika"}));
    store.create_draft(tenant.id, &new).await.unwrap();

    let read = store
        .draft(tenant.id, new.id, &erika)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        read,
        Draft {
            id: new.id,
            owner: erika.clone(),
            tenant_id: tenant.id,
            service_id: service.id,
            form_id: service.form_id,
            answers: new.answers.clone(),
            expires_at: new.expires_at,
        }
    );

    // The next step saves its answers and moves the expiry.
    let answers = json!({"vorname": "Erika", "plz": "99735", "hunde": [{"rasse": "Dackel"}]});
    let later = in_one_hour() + chrono::Duration::hours(1);
    assert!(
        store
            .update_draft(tenant.id, new.id, &erika, &answers, later)
            .await
            .unwrap()
    );
    let read = store
        .draft(tenant.id, new.id, &erika)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.answers, answers);
    assert_eq!(read.expires_at, later);

    // Another browser, or an id that was never created, reads nothing.
    assert_eq!(
        store
            .draft(tenant.id, new.id, &browser("other"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .draft(tenant.id, Uuid::new_v4(), &erika)
            .await
            .unwrap(),
        None
    );
    assert!(
        !store
            .update_draft(tenant.id, Uuid::new_v4(), &erika, &answers, later)
            .await
            .unwrap()
    );
    // The id is the key: a second draft with it is refused.
    assert_conflict(store.create_draft(tenant.id, &new).await, "draft id");
}

async fn another_browser_can_neither_read_update_nor_set_a_token_on_a_draft(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = browser("erika");
    let mallory = browser("mallory");
    let draft = new_draft(&service, &erika, json!({"vorname": "Erika"}));
    store.create_draft(tenant.id, &draft).await.unwrap();

    // Knowing the id (it is in the URL) is not enough.
    assert_eq!(
        store.draft(tenant.id, draft.id, &mallory).await.unwrap(),
        None
    );
    assert!(
        !store
            .update_draft(
                tenant.id,
                draft.id,
                &mallory,
                &json!({"vorname": "Mallory"}),
                in_one_hour()
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_resume_token(tenant.id, draft.id, &mallory, &token("mallorys-link"))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .claim_draft(tenant.id, &token("mallorys-link"), &mallory)
            .await
            .unwrap(),
        None
    );

    // The owner's draft is untouched.
    let kept = store
        .draft(tenant.id, draft.id, &erika)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.answers, json!({"vorname": "Erika"}));
    assert_eq!(kept.expires_at, draft.expires_at);
}

async fn submitting_another_browsers_draft_is_draft_gone_and_writes_nothing(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = browser("erika");
    let mallory = browser("mallory");
    let draft = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &draft).await.unwrap();

    let theft = case_from_draft(&service, "AAC-2026-00001", draft.id, &mallory);
    assert_draft_gone(
        store
            .submit_case(tenant.id, &theft, Some(&new_session(&mallory)))
            .await,
    );
    // Without a submitting browser nobody owns the draft either.
    let anonymous = NewCase {
        submitter_session: None,
        ..case_from_draft(&service, "AAC-2026-00002", draft.id, &erika)
    };
    assert_draft_gone(store.submit_case(tenant.id, &anonymous, None).await);

    assert_eq!(store.count_cases(tenant.id).await.unwrap(), 0);
    assert_eq!(store.session(&mallory).await.unwrap(), None);
    assert!(
        store
            .draft(tenant.id, draft.id, &erika)
            .await
            .unwrap()
            .is_some()
    );
}

async fn a_resume_link_hands_the_draft_over(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let laptop = browser("laptop");
    let phone = browser("phone");
    let draft = new_draft(&service, &laptop, json!({"vorname": "Erika"}));
    store.create_draft(tenant.id, &draft).await.unwrap();
    assert!(
        store
            .set_resume_token(tenant.id, draft.id, &laptop, &token("link"))
            .await
            .unwrap()
    );

    // The phone opens the link: the draft is now the phone's, as it was.
    let claimed = store
        .claim_draft(tenant.id, &token("link"), &phone)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, draft.id);
    assert_eq!(claimed.owner, phone);
    assert_eq!(claimed.answers, json!({"vorname": "Erika"}));
    assert_eq!(claimed.expires_at, draft.expires_at);
    assert_eq!(
        store.draft(tenant.id, draft.id, &phone).await.unwrap(),
        Some(claimed)
    );

    // The laptop has lost it: no reading, no writing, no submitting.
    assert_eq!(
        store.draft(tenant.id, draft.id, &laptop).await.unwrap(),
        None
    );
    assert!(
        !store
            .update_draft(tenant.id, draft.id, &laptop, &json!({}), in_one_hour())
            .await
            .unwrap()
    );
    assert_draft_gone(
        store
            .submit_case(
                tenant.id,
                &case_from_draft(&service, "AAC-2026-00001", draft.id, &laptop),
                None,
            )
            .await,
    );

    // The link stays valid: the laptop can take the draft back with it.
    let back = store
        .claim_draft(tenant.id, &token("link"), &laptop)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.owner, laptop);
    assert_eq!(
        store.draft(tenant.id, draft.id, &phone).await.unwrap(),
        None
    );

    // A link nobody made opens nothing.
    assert_eq!(
        store
            .claim_draft(tenant.id, &token("guessed"), &phone)
            .await
            .unwrap(),
        None
    );
}

async fn a_replaced_resume_token_stops_working(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = browser("erika");
    let draft = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &draft).await.unwrap();
    assert!(
        store
            .set_resume_token(tenant.id, draft.id, &erika, &token("first"))
            .await
            .unwrap()
    );
    assert!(
        store
            .set_resume_token(tenant.id, draft.id, &erika, &token("second"))
            .await
            .unwrap()
    );

    assert_eq!(
        store
            .claim_draft(tenant.id, &token("first"), &browser("finder"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.draft(tenant.id, draft.id, &erika).await.unwrap(),
        Some(Draft {
            id: draft.id,
            owner: erika.clone(),
            tenant_id: tenant.id,
            service_id: service.id,
            form_id: service.form_id,
            answers: json!({}),
            expires_at: draft.expires_at,
        })
    );
    let claimed = store
        .claim_draft(tenant.id, &token("second"), &browser("phone"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, draft.id);

    // A token opens one draft only.
    let other = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &other).await.unwrap();
    assert_conflict(
        store
            .set_resume_token(tenant.id, other.id, &erika, &token("second"))
            .await,
        "resume token",
    );
}

async fn a_draft_completes_into_one_case_and_never_twice(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = browser("erika");
    let draft = new_draft(&service, &erika, json!({"vorname": "Erika"}));
    store.create_draft(tenant.id, &draft).await.unwrap();
    assert!(
        store
            .set_resume_token(tenant.id, draft.id, &erika, &token("link"))
            .await
            .unwrap()
    );

    let first = case_from_draft(&service, "AAC-2026-00001", draft.id, &erika);
    store.submit_case(tenant.id, &first, None).await.unwrap();
    assert!(store.case(tenant.id, first.id).await.unwrap().is_some());
    assert_eq!(
        store.draft(tenant.id, draft.id, &erika).await.unwrap(),
        None
    );
    // Its resume link went with it.
    assert_eq!(
        store
            .claim_draft(tenant.id, &token("link"), &erika)
            .await
            .unwrap(),
        None
    );

    // The same draft again (a second tab, a reload): refused, and nothing is written.
    let second = case_from_draft(&service, "AAC-2026-00002", draft.id, &erika);
    assert_draft_gone(
        store
            .submit_case(tenant.id, &second, Some(&new_session(&erika)))
            .await,
    );
    assert_eq!(store.count_cases(tenant.id).await.unwrap(), 1);
    assert_eq!(store.case(tenant.id, second.id).await.unwrap(), None);
    assert_eq!(store.session(&erika).await.unwrap(), None);
}

async fn parallel_submissions_of_one_draft_make_one_case(db: Db) {
    let (tenant, service) = tenant_with_service(&*db.store, "aach", "AAC").await;
    let erika = browser("erika");
    let draft = new_draft(&service, &erika, json!({}));
    db.store.create_draft(tenant.id, &draft).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..8 {
        let store = Arc::clone(&db.store);
        let case = case_from_draft(&service, &format!("AAC-2026-{n:05}"), draft.id, &erika);
        tasks.push(tokio::spawn(async move {
            store.submit_case(tenant.id, &case, None).await
        }));
    }
    let mut submitted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => submitted += 1,
            Err(StoreError::DraftGone) => {}
            Err(other) => panic!("expected Ok or DraftGone, got {other:?}"),
        }
    }
    assert_eq!(submitted, 1);
    assert_eq!(db.store.count_cases(tenant.id).await.unwrap(), 1);
}

async fn a_duplicate_reference_keeps_the_draft(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    store
        .submit_case(tenant.id, &new_case(&service, "AAC-2026-00001", None), None)
        .await
        .unwrap();
    let erika = browser("erika");
    let draft = new_draft(&service, &erika, json!({"vorname": "Erika"}));
    store.create_draft(tenant.id, &draft).await.unwrap();

    let clash = case_from_draft(&service, "AAC-2026-00001", draft.id, &erika);
    match store
        .submit_case(tenant.id, &clash, Some(&new_session(&erika)))
        .await
    {
        Err(StoreError::DuplicateReference) => {}
        other => panic!("expected DuplicateReference, got {other:?}"),
    }
    assert!(
        store
            .draft(tenant.id, draft.id, &erika)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.session(&erika).await.unwrap(), None);

    // The portal draws a new reference and the same draft goes through.
    let retry = NewCase {
        reference: "AAC-2026-00002".into(),
        ..clash
    };
    store
        .submit_case(tenant.id, &retry, Some(&new_session(&erika)))
        .await
        .unwrap();
    assert_eq!(
        store.draft(tenant.id, draft.id, &erika).await.unwrap(),
        None
    );
    assert_eq!(store.count_cases(tenant.id).await.unwrap(), 2);
}

async fn expired_drafts_are_invisible_and_swept(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = browser("erika");
    let old = NewDraft {
        expires_at: Utc::now().trunc_subsecs(6) - chrono::Duration::minutes(1),
        ..new_draft(&service, &erika, json!({"vorname": "Erika"}))
    };
    store.create_draft(tenant.id, &old).await.unwrap();
    let fresh = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &fresh).await.unwrap();
    assert!(
        store
            .set_resume_token(tenant.id, fresh.id, &erika, &token("fresh"))
            .await
            .unwrap()
    );

    assert_eq!(store.draft(tenant.id, old.id, &erika).await.unwrap(), None);
    // Saving a step does not bring it back.
    assert!(
        !store
            .update_draft(tenant.id, old.id, &erika, &json!({}), in_one_hour())
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_resume_token(tenant.id, old.id, &erika, &token("old"))
            .await
            .unwrap()
    );
    assert_draft_gone(
        store
            .submit_case(
                tenant.id,
                &case_from_draft(&service, "AAC-2026-00001", old.id, &erika),
                None,
            )
            .await,
    );
    assert_eq!(store.count_cases(tenant.id).await.unwrap(), 0);

    assert_eq!(store.delete_expired_drafts().await.unwrap(), 1);
    assert_eq!(store.delete_expired_drafts().await.unwrap(), 0);
    assert!(
        store
            .draft(tenant.id, fresh.id, &erika)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .claim_draft(tenant.id, &token("fresh"), &erika)
            .await
            .unwrap()
            .is_some()
    );
}

/// A resume link opened after the draft expired opens nothing, even before the sweep.
async fn an_expired_resume_link_opens_nothing(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = browser("erika");
    let draft = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &draft).await.unwrap();
    assert!(
        store
            .set_resume_token(tenant.id, draft.id, &erika, &token("link"))
            .await
            .unwrap()
    );
    let past = Utc::now().trunc_subsecs(6) - chrono::Duration::seconds(1);
    assert!(
        store
            .update_draft(tenant.id, draft.id, &erika, &json!({}), past)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .claim_draft(tenant.id, &token("link"), &browser("phone"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.draft(tenant.id, draft.id, &erika).await.unwrap(),
        None
    );
}

// --- drafts across tenants: every draft method that takes a TenantId --------------------------

/// Municipality A with a draft (resume link `token("a-link")`) of `browser("erika")`, and
/// municipality B with a service named alike.
struct DraftOfA {
    a: Tenant,
    a_service: Service,
    draft: NewDraft,
    b: Tenant,
    b_service: Service,
}

async fn draft_of_a(store: &dyn Store) -> DraftOfA {
    let (a, a_service) = tenant_with_service(store, "aach", "AAC").await;
    let (b, b_service) = tenant_with_service(store, "bebra", "BEB").await;
    let draft = new_draft(&a_service, &browser("erika"), json!({"vorname": "Erika"}));
    store.create_draft(a.id, &draft).await.unwrap();
    assert!(
        store
            .set_resume_token(a.id, draft.id, &browser("erika"), &token("a-link"))
            .await
            .unwrap()
    );
    DraftOfA {
        a,
        a_service,
        draft,
        b,
        b_service,
    }
}

/// A's draft, as A wrote it, still with its owner and its link.
async fn assert_draft_of_a_untouched(store: &dyn Store, t: &DraftOfA) {
    let kept = store
        .draft(t.a.id, t.draft.id, &browser("erika"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.answers, t.draft.answers);
    assert_eq!(kept.expires_at, t.draft.expires_at);
    assert_eq!(kept.tenant_id, t.a.id);
    let claimed = store
        .claim_draft(t.a.id, &token("a-link"), &browser("erika"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, t.draft.id);
}

async fn other_tenant_cannot_create_a_draft_for_a_service(db: Db) {
    let store = &*db.store;
    let t = draft_of_a(store).await;
    let intruder = new_draft(&t.a_service, &browser("erika"), json!({}));
    assert_conflict(
        store.create_draft(t.b.id, &intruder).await,
        "service not offered by this tenant",
    );
    assert_eq!(
        store
            .draft(t.a.id, intruder.id, &browser("erika"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .draft(t.b.id, intruder.id, &browser("erika"))
            .await
            .unwrap(),
        None
    );
    // B's own service is fine.
    store
        .create_draft(
            t.b.id,
            &new_draft(&t.b_service, &browser("erika"), json!({})),
        )
        .await
        .unwrap();
}

async fn other_tenant_cannot_read_a_draft(db: Db) {
    let store = &*db.store;
    let t = draft_of_a(store).await;
    assert_eq!(
        store
            .draft(t.b.id, t.draft.id, &browser("erika"))
            .await
            .unwrap(),
        None
    );
    assert_draft_of_a_untouched(store, &t).await;
}

async fn other_tenant_cannot_update_a_draft(db: Db) {
    let store = &*db.store;
    let t = draft_of_a(store).await;
    assert!(
        !store
            .update_draft(
                t.b.id,
                t.draft.id,
                &browser("erika"),
                &json!({"vorname": "Mallory"}),
                in_one_hour() + chrono::Duration::hours(5),
            )
            .await
            .unwrap()
    );
    assert_draft_of_a_untouched(store, &t).await;
}

async fn other_tenant_cannot_set_a_resume_token_on_a_draft(db: Db) {
    let store = &*db.store;
    let t = draft_of_a(store).await;
    assert!(
        !store
            .set_resume_token(t.b.id, t.draft.id, &browser("erika"), &token("b-link"))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .claim_draft(t.a.id, &token("b-link"), &browser("erika"))
            .await
            .unwrap(),
        None
    );
    assert_draft_of_a_untouched(store, &t).await;
}

async fn other_tenant_cannot_claim_a_draft(db: Db) {
    let store = &*db.store;
    let t = draft_of_a(store).await;
    assert_eq!(
        store
            .claim_draft(t.b.id, &token("a-link"), &browser("mallory"))
            .await
            .unwrap(),
        None
    );
    assert_draft_of_a_untouched(store, &t).await;
}

async fn other_tenant_cannot_submit_from_a_draft(db: Db) {
    let store = &*db.store;
    let t = draft_of_a(store).await;
    let erika = browser("erika");
    // Through B's own service: the draft is not B's.
    let through_b = case_from_draft(&t.b_service, "BEB-2026-00001", t.draft.id, &erika);
    assert_draft_gone(
        store
            .submit_case(t.b.id, &through_b, Some(&new_session(&erika)))
            .await,
    );
    // Through A's service: not offered by B, a conflict as without a draft.
    let through_a = case_from_draft(&t.a_service, "BEB-2026-00002", t.draft.id, &erika);
    assert_conflict(
        store
            .submit_case(t.b.id, &through_a, Some(&new_session(&erika)))
            .await,
        "service not offered by this tenant",
    );
    assert_eq!(store.count_cases(t.a.id).await.unwrap(), 0);
    assert_eq!(store.count_cases(t.b.id).await.unwrap(), 0);
    assert_eq!(store.session(&erika).await.unwrap(), None);
    assert_draft_of_a_untouched(store, &t).await;
}

/// A real municipality's draft started on a demo form keeps that form when the operator
/// removes the demo data (after moving the service to a form of its own).
async fn removing_demo_data_keeps_a_demo_form_a_real_draft_was_started_on(db: Db) {
    let store = &*db.store;
    let real = store
        .create_tenant(&new_tenant("aach", "AAC", false))
        .await
        .unwrap();
    let demo_form = store.create_form(&new_form("demo", 1, true)).await.unwrap();
    let service = store
        .create_service(
            real.id,
            &NewService {
                slug: "hundesteuer".into(),
                form_id: demo_form,
            },
        )
        .await
        .unwrap();
    let erika = browser("erika");
    let draft = new_draft(&service, &erika, json!({"vorname": "Erika"}));
    store.create_draft(real.id, &draft).await.unwrap();
    let own_form = store
        .create_form(&new_form("hundesteuer", 1, false))
        .await
        .unwrap();
    execute_behind_the_stores_back(
        &db.url,
        &format!(
            "update services set form_id = {} where id = {}",
            own_form.0, service.id.0
        ),
    )
    .await
    .unwrap();

    assert_eq!(store.remove_demo_data().await.unwrap(), 0);
    assert!(store.form(demo_form).await.unwrap().is_some());
    let kept = store
        .draft(real.id, draft.id, &erika)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.form_id, demo_form);
}

// --- failed staff logins ----------------------------------------------------------------------

async fn staff_member(store: &dyn Store, username: &str) -> StaffId {
    store
        .create_staff(&NewStaff {
            username: username.into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            roles: vec![],
            demo: false,
        })
        .await
        .unwrap()
}

const POLICY: LockoutPolicy = LockoutPolicy {
    threshold: 5,
    base_seconds: 60,
    max_seconds: 200,
};

/// Asserts that `until` is `seconds` from now (give or take the test's own run time).
fn assert_locked_for(until: Option<chrono::DateTime<Utc>>, seconds: i64) {
    let until = until.expect("locked");
    let expected = Utc::now() + chrono::Duration::seconds(seconds);
    let off = (until - expected).num_milliseconds().abs();
    assert!(
        off < 5_000,
        "locked until {until}, expected about {expected}"
    );
}

async fn failed_logins_lock_the_account_for_growing_times_and_a_success_resets_them(db: Db) {
    let store = &*db.store;
    let clerk = staff_member(store, "sachbearbeitung").await;
    let other = staff_member(store, "kollegin").await;

    let fresh = store.staff_by_id(clerk).await.unwrap().unwrap();
    assert_eq!((fresh.failed_logins, fresh.locked_until), (0, None));
    assert!(!fresh.is_locked(Utc::now()));

    // Below the threshold: counted, not locked.
    for n in 1..=4 {
        assert_eq!(
            store.record_failed_login(clerk, &POLICY).await.unwrap(),
            FailedLogin {
                failed_logins: n,
                locked_until: None
            }
        );
    }
    let read = store
        .staff_by_username("sachbearbeitung")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((read.failed_logins, read.locked_until), (4, None));

    // The fifth locks for the base time; the lock reads back with the staff member.
    let fifth = store.record_failed_login(clerk, &POLICY).await.unwrap();
    assert_eq!(fifth.failed_logins, 5);
    assert_locked_for(fifth.locked_until, 60);
    let read = store
        .staff_by_username("sachbearbeitung")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.failed_logins, 5);
    assert_eq!(read.locked_until, fifth.locked_until);
    assert!(read.is_locked(Utc::now()));
    assert_eq!(store.staff_by_id(clerk).await.unwrap(), Some(read));

    // A right password while locked resets nothing.
    assert!(!store.reset_failed_logins(clerk).await.unwrap());
    let read = store.staff_by_id(clerk).await.unwrap().unwrap();
    assert_eq!(read.failed_logins, 5);
    assert_eq!(read.locked_until, fifth.locked_until);

    // Every further failure doubles the time, up to the cap.
    let sixth = store.record_failed_login(clerk, &POLICY).await.unwrap();
    assert_eq!(sixth.failed_logins, 6);
    assert_locked_for(sixth.locked_until, 120);
    let seventh = store.record_failed_login(clerk, &POLICY).await.unwrap();
    assert_locked_for(seventh.locked_until, 200);
    for _ in 0..40 {
        store.record_failed_login(clerk, &POLICY).await.unwrap();
    }
    let many = store.record_failed_login(clerk, &POLICY).await.unwrap();
    assert_eq!(many.failed_logins, 48);
    assert_locked_for(many.locked_until, 200);
    // The portal's own arithmetic agrees with the database's.
    let expected = [
        (4, None),
        (5, Some(60)),
        (6, Some(120)),
        (7, Some(200)),
        (48, Some(200)),
    ];
    for (n, seconds) in expected {
        assert_eq!(POLICY.lock_seconds(n), seconds, "after {n} failures");
    }

    // Another account is untouched.
    let untouched = store.staff_by_id(other).await.unwrap().unwrap();
    assert_eq!((untouched.failed_logins, untouched.locked_until), (0, None));

    // Once the lock has run out, a right password resets count and lock.
    execute_behind_the_stores_back(
        &db.url,
        &format!(
            "update staff set locked_until = '2000-01-01T00:00:00.000000Z' where id = {}",
            clerk.0
        ),
    )
    .await
    .unwrap();
    let expired = store.staff_by_id(clerk).await.unwrap().unwrap();
    assert!(expired.locked_until.is_some() && !expired.is_locked(Utc::now()));
    assert!(store.reset_failed_logins(clerk).await.unwrap());
    let read = store.staff_by_id(clerk).await.unwrap().unwrap();
    assert_eq!((read.failed_logins, read.locked_until), (0, None));
    assert!(
        store.reset_failed_logins(clerk).await.unwrap(),
        "nothing to reset is fine"
    );

    // Counting starts again from one: no lock until the threshold.
    assert_eq!(
        store.record_failed_login(clerk, &POLICY).await.unwrap(),
        FailedLogin {
            failed_logins: 1,
            locked_until: None
        }
    );

    // An unknown id changes nothing.
    let nobody = StaffId(clerk.0 + other.0 + 1000);
    assert_eq!(
        store.record_failed_login(nobody, &POLICY).await.unwrap(),
        FailedLogin {
            failed_logins: 0,
            locked_until: None
        }
    );
    assert!(!store.reset_failed_logins(nobody).await.unwrap());

    // The state survives a reconnect (another instance sees the same lock).
    store.record_failed_login(clerk, &POLICY).await.unwrap();
    let again = store::connect(&db.url).await.unwrap();
    assert_eq!(
        again
            .staff_by_id(clerk)
            .await
            .unwrap()
            .unwrap()
            .failed_logins,
        2
    );
}

async fn parallel_failed_logins_are_all_counted(db: Db) {
    let store = db.store.clone();
    let clerk = staff_member(&*store, "sachbearbeitung").await;
    let policy = LockoutPolicy {
        threshold: 5,
        base_seconds: 60,
        max_seconds: 3600,
    };
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.record_failed_login(clerk, &policy).await.unwrap() })
        })
        .collect();
    let mut counts = Vec::new();
    for t in tasks {
        counts.push(t.await.unwrap().failed_logins);
    }
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=24).collect::<Vec<u32>>(),
        "every failure counted once"
    );
    let read = store.staff_by_id(clerk).await.unwrap().unwrap();
    assert_eq!(read.failed_logins, 24);
    // 60 s * 2^19 is far beyond the cap.
    assert_locked_for(read.locked_until, 3600);
}

async fn an_operator_unlocks_a_locked_account_at_once(db: Db) {
    let store = &*db.store;
    let clerk = staff_member(store, "sachbearbeitung").await;
    for _ in 0..5 {
        store.record_failed_login(clerk, &POLICY).await.unwrap();
    }
    assert!(
        store
            .staff_by_id(clerk)
            .await
            .unwrap()
            .unwrap()
            .is_locked(Utc::now())
    );
    assert!(store.unlock_staff(clerk).await.unwrap());
    let read = store.staff_by_id(clerk).await.unwrap().unwrap();
    assert_eq!((read.failed_logins, read.locked_until), (0, None));
    assert!(store.reset_failed_logins(clerk).await.unwrap());
    assert!(!store.unlock_staff(store::StaffId(999_999)).await.unwrap());
}

// --- form versions: publishing and listing -----------------------------------------------------

/// A service of `tenant` named `slug`, offering `form`.
async fn offer(store: &dyn Store, tenant: &Tenant, slug: &str, form: FormId) -> Service {
    store
        .create_service(
            tenant.id,
            &NewService {
                slug: slug.into(),
                form_id: form,
            },
        )
        .await
        .unwrap()
}

/// The form version a service offers now.
async fn offered_form(store: &dyn Store, service: &Service) -> FormId {
    store
        .service(service.tenant_id, &service.slug)
        .await
        .unwrap()
        .unwrap()
        .form_id
}

async fn tenant(store: &dyn Store, slug: &str, code: &str) -> Tenant {
    store
        .create_tenant(&new_tenant(slug, code, false))
        .await
        .unwrap()
}

/// The distinct keys a scope lists, in the order listed.
async fn listed_keys(store: &dyn Store, scope: FormScope) -> Vec<String> {
    let mut keys: Vec<String> = store
        .form_versions(scope)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.key)
        .collect();
    keys.dedup();
    keys
}

/// The versions of `key` the store holds, newest first.
async fn stored_versions(store: &dyn Store, key: &str) -> Vec<i32> {
    store
        .form_versions(FormScope::All)
        .await
        .unwrap()
        .into_iter()
        .filter(|v| v.key == key)
        .map(|v| v.version)
        .collect()
}

fn assert_not_newer<T: std::fmt::Debug>(result: Result<T, StoreError>, version: i32, latest: i32) {
    match result {
        Err(StoreError::VersionNotNewer {
            version: v,
            latest: l,
        }) => assert_eq!((v, l), (version, latest)),
        other => panic!("expected VersionNotNewer({version}, {latest}), got {other:?}"),
    }
}

fn assert_shared<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::SharedForm) => {}
        other => panic!("expected SharedForm, got {other:?}"),
    }
}

async fn a_federation_publish_moves_every_service_of_an_older_version(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    let c = tenant(store, "celle", "CEL").await;
    let v1 = store
        .create_form(&new_form("hundesteuer", 1, false))
        .await
        .unwrap();
    let trade = store
        .create_form(&new_form("gewerbe", 1, false))
        .await
        .unwrap();
    let mut dog_services = Vec::new();
    for t in [&a, &b, &c] {
        dog_services.push(offer(store, t, "hundesteuer", v1).await);
    }
    let trade_service = offer(store, &a, "gewerbe", trade).await;

    let before = Utc::now() - chrono::Duration::minutes(1);
    let v2_form = new_form("hundesteuer", 2, false);
    let v2 = store.publish_form(&v2_form, FormScope::All).await.unwrap();
    assert_eq!(v2.moved, 3);
    for service in &dog_services {
        assert_eq!(offered_form(store, service).await, v2.id);
    }
    assert_eq!(offered_form(store, &trade_service).await, trade);
    let stored = store.form(v2.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.definition, v2_form.definition);
    // The old version is still there, unchanged.
    assert_eq!(store.form(v1).await.unwrap().unwrap().version, 1);

    // A service still on v1 moves too, along with those on v2.
    let late = offer(store, &c, "hundesteuer-alt", v1).await;
    let v3 = store
        .publish_form(&new_form("hundesteuer", 3, false), FormScope::All)
        .await
        .unwrap();
    assert_eq!(v3.moved, 4);
    assert_eq!(offered_form(store, &late).await, v3.id);

    let listed = store.form_versions(FormScope::All).await.unwrap();
    let newest = listed.iter().find(|v| v.id == v3.id).unwrap();
    assert_eq!(newest.owner, None);
    assert!(newest.created_at > before && newest.created_at <= Utc::now());
    assert_eq!(newest.offered_by.len(), 4);
}

async fn a_version_not_newer_than_every_stored_one_is_refused_and_writes_nothing(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let v1 = store
        .create_form(&new_form("eigen", 1, false))
        .await
        .unwrap();
    let service = offer(store, &a, "eigen", v1).await;
    // Version 3 is stored (offered nowhere); 1, 2 and 3 are all taken or older.
    store
        .create_form(&new_form("eigen", 3, false))
        .await
        .unwrap();
    for version in [1, 2, 3] {
        for scope in [FormScope::All, FormScope::Tenant(a.id)] {
            assert_not_newer(
                store
                    .publish_form(&new_form("eigen", version, false), scope)
                    .await,
                version,
                3,
            );
        }
    }
    assert_eq!(stored_versions(store, "eigen").await, [3, 1]);
    assert_eq!(offered_form(store, &service).await, v1);

    let v4 = store
        .publish_form(&new_form("eigen", 4, false), FormScope::Tenant(a.id))
        .await
        .unwrap();
    assert_eq!(v4.moved, 1);
    assert_eq!(offered_form(store, &service).await, v4.id);
}

async fn a_brand_new_key_is_stored_but_offered_nowhere(db: Db) {
    let store = &*db.store;
    let (a, service) = tenant_with_service(store, "aach", "AAC").await;
    let form = new_form("ganz-neu", 1, false);
    let published = store.publish_form(&form, FormScope::All).await.unwrap();
    assert_eq!(published.moved, 0);
    assert_eq!(
        store.form(published.id).await.unwrap().unwrap().definition,
        form.definition
    );
    let listed = store.form_versions(FormScope::All).await.unwrap();
    let new = listed.iter().find(|v| v.id == published.id).unwrap();
    assert_eq!((new.key.as_str(), new.version), ("ganz-neu", 1));
    assert_eq!(new.owner, None);
    assert!(new.offered_by.is_empty());

    // A municipality's own new form: owned by it, listed in its scope, offered nowhere yet.
    let own = store
        .publish_form(&new_form("eigen-neu", 1, false), FormScope::Tenant(a.id))
        .await
        .unwrap();
    assert_eq!(own.moved, 0);
    let listed = store.form_versions(FormScope::Tenant(a.id)).await.unwrap();
    let mine = listed.iter().find(|v| v.id == own.id).unwrap();
    assert_eq!(mine.owner, Some(a.id));
    assert!(mine.offered_by.is_empty());
    // Its own service did not move.
    assert_eq!(offered_form(store, &service).await, service.form_id);
}

async fn form_versions_are_listed_by_key_newest_first_with_who_offers_which(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    let dog1 = store
        .create_form(&new_form("hundesteuer", 1, false))
        .await
        .unwrap();
    let trade1 = store
        .create_form(&new_form("gewerbe", 1, false))
        .await
        .unwrap();
    let a_dog = offer(store, &a, "hundesteuer", dog1).await;
    let b_dog = offer(store, &b, "hundesteuer", dog1).await;
    let a_trade = offer(store, &a, "gewerbe", trade1).await;
    let trade2 = store
        .publish_form(&new_form("gewerbe", 2, false), FormScope::Tenant(a.id))
        .await
        .unwrap();
    // b's second service on the dog-tax form, under another name
    let b_dog2 = offer(store, &b, "hunde", dog1).await;

    let listed = store.form_versions(FormScope::All).await.unwrap();
    type Shape<'a> = (&'a str, i32, Option<TenantId>, Vec<(TenantId, &'a str)>);
    let shape: Vec<Shape> = listed
        .iter()
        .map(|v| {
            (
                v.key.as_str(),
                v.version,
                v.owner,
                v.offered_by
                    .iter()
                    .map(|o| (o.tenant_id, o.service_slug.as_str()))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            ("gewerbe", 2, Some(a.id), vec![(a.id, "gewerbe")]),
            ("gewerbe", 1, None, vec![]),
            (
                "hundesteuer",
                1,
                None,
                vec![
                    (a.id, "hundesteuer"),
                    (b.id, "hunde"),
                    (b.id, "hundesteuer")
                ]
            ),
        ]
    );
    assert_eq!(listed[0].id, trade2.id);
    assert_eq!(listed[0].offered_by[0].service_id, a_trade.id);
    assert_eq!(listed[1].id, trade1);
    let dog_services: Vec<_> = listed[2].offered_by.iter().map(|o| o.service_id).collect();
    assert_eq!(dog_services, [a_dog.id, b_dog2.id, b_dog.id]);
    // A municipality that offers and published nothing sees only the federation's keys:
    // `gewerbe` has a version of a's own.
    assert_eq!(
        listed_keys(store, FormScope::Tenant(TenantId(a.id.0 + b.id.0 + 1000))).await,
        ["hundesteuer"]
    );
}

async fn drafts_and_cases_keep_their_version_when_a_new_one_is_published(db: Db) {
    let store = &*db.store;
    let (a, service) = tenant_with_service(store, "aach", "AAC").await;
    let v1 = service.form_id;
    let erika = browser("erika");
    let draft = new_draft(&service, &erika, json!({"vorname": "Erika"}));
    store.create_draft(a.id, &draft).await.unwrap();
    let case = new_case(&service, "AAC-2026-00001", Some("browser"));
    store
        .submit_case(a.id, &case, Some(&new_session("browser")))
        .await
        .unwrap();

    let v2 = store
        .publish_form(&new_form("form-aach", 2, false), FormScope::All)
        .await
        .unwrap();
    assert_eq!(v2.moved, 1);
    assert_eq!(offered_form(store, &service).await, v2.id);
    assert_eq!(
        store.case(a.id, case.id).await.unwrap().unwrap().form_id,
        v1
    );
    let kept = store.draft(a.id, draft.id, &erika).await.unwrap().unwrap();
    assert_eq!(kept.form_id, v1);

    // The draft completes on its own version after the publish.
    let completed = case_from_draft(&service, "AAC-2026-00002", draft.id, &erika);
    store
        .submit_case(a.id, &completed, Some(&new_session(&erika)))
        .await
        .unwrap();
    assert_eq!(
        store
            .case(a.id, completed.id)
            .await
            .unwrap()
            .unwrap()
            .form_id,
        v1
    );
}

async fn parallel_publishes_of_one_key_never_store_an_older_version_after_a_newer(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    let v1 = store
        .create_form(&new_form("hundesteuer", 1, false))
        .await
        .unwrap();
    let services = [
        offer(store, &a, "hundesteuer", v1).await,
        offer(store, &b, "hundesteuer", v1).await,
    ];
    let mut tasks = Vec::new();
    // Newest first, so that later (older) versions race the newer ones.
    for version in (2..=13).rev() {
        let store = Arc::clone(&db.store);
        tasks.push(tokio::spawn(async move {
            store
                .publish_form(&new_form("hundesteuer", version, false), FormScope::All)
                .await
        }));
    }
    let mut published = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => published += 1,
            Err(StoreError::VersionNotNewer { .. }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    let mut listed: Vec<_> = store
        .form_versions(FormScope::All)
        .await
        .unwrap()
        .into_iter()
        .filter(|v| v.key == "hundesteuer")
        .collect();
    assert_eq!(listed.len(), published + 1);
    // In the order they were written, every version is greater than the one before.
    listed.sort_by_key(|v| v.id.0);
    assert!(
        listed.windows(2).all(|w| w[0].version < w[1].version),
        "{:?}",
        listed.iter().map(|v| v.version).collect::<Vec<_>>()
    );
    let newest = listed.last().unwrap();
    for service in &services {
        assert_eq!(offered_form(store, service).await, newest.id);
    }
    assert_eq!(newest.offered_by.len(), 2);
}

async fn removing_demo_data_removes_forms_a_demo_municipality_published(db: Db) {
    let store = &*db.store;
    let real = tenant(store, "aach", "AAC").await;
    let demo = store
        .create_tenant(&new_tenant("demo", "DEM", true))
        .await
        .unwrap();
    let v1 = store
        .create_form(&new_form("eigen", 1, true))
        .await
        .unwrap();
    let service = offer(store, &demo, "eigen", v1).await;
    let v2 = store
        .publish_form(&new_form("eigen", 2, true), FormScope::Tenant(demo.id))
        .await
        .unwrap();
    assert_eq!(v2.moved, 1);
    assert_eq!(offered_form(store, &service).await, v2.id);

    assert_eq!(store.remove_demo_data().await.unwrap(), 1);
    assert!(!store.holds_demo_data().await.unwrap());
    assert_eq!(store.form(v2.id).await.unwrap(), None);
    assert_eq!(store.tenants().await.unwrap(), vec![real]);
}

// --- form versions across municipalities --------------------------------------------------------

async fn other_tenant_cannot_publish_a_shared_form(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    let v1 = store
        .create_form(&new_form("hundesteuer", 1, false))
        .await
        .unwrap();
    let a_dog = offer(store, &a, "hundesteuer", v1).await;
    let b_dog = offer(store, &b, "hundesteuer", v1).await;
    for t in [&a, &b] {
        assert_shared(
            store
                .publish_form(&new_form("hundesteuer", 2, false), FormScope::Tenant(t.id))
                .await,
        );
    }
    assert_eq!(stored_versions(store, "hundesteuer").await, [1]);
    assert_eq!(offered_form(store, &a_dog).await, v1);
    assert_eq!(offered_form(store, &b_dog).await, v1);

    // The federation may.
    let v2 = store
        .publish_form(&new_form("hundesteuer", 2, false), FormScope::All)
        .await
        .unwrap();
    assert_eq!(v2.moved, 2);
}

async fn other_tenant_cannot_publish_a_form_another_offers(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    let own = store
        .create_form(&new_form("eigen", 1, false))
        .await
        .unwrap();
    let a_own = offer(store, &a, "eigen", own).await;
    let trade = store
        .create_form(&new_form("gewerbe", 1, false))
        .await
        .unwrap();
    offer(store, &b, "gewerbe", trade).await;

    assert_shared(
        store
            .publish_form(&new_form("eigen", 2, false), FormScope::Tenant(b.id))
            .await,
    );
    assert_eq!(stored_versions(store, "eigen").await, [1]);
    assert_eq!(offered_form(store, &a_own).await, own);
}

async fn other_tenant_cannot_publish_over_a_form_another_published(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    // a's own new form, offered nowhere yet: still a's.
    store
        .publish_form(&new_form("eigen", 1, false), FormScope::Tenant(a.id))
        .await
        .unwrap();
    assert_shared(
        store
            .publish_form(&new_form("eigen", 2, false), FormScope::Tenant(b.id))
            .await,
    );
    assert_eq!(stored_versions(store, "eigen").await, [1]);
    // a itself, and the federation, may publish the next version.
    store
        .publish_form(&new_form("eigen", 2, false), FormScope::Tenant(a.id))
        .await
        .unwrap();
    store
        .publish_form(&new_form("eigen", 3, false), FormScope::All)
        .await
        .unwrap();
    assert_eq!(stored_versions(store, "eigen").await, [3, 2, 1]);
}

/// A municipality's publish moves its own services and never another municipality's, in
/// either direction.
async fn a_tenant_publish_never_moves_another_tenants_service(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    let a_form = store
        .create_form(&new_form("eigen-a", 1, false))
        .await
        .unwrap();
    let b_form = store
        .create_form(&new_form("eigen-b", 1, false))
        .await
        .unwrap();
    let shared = store
        .create_form(&new_form("geteilt", 1, false))
        .await
        .unwrap();
    let a_own = offer(store, &a, "eigen-a", a_form).await;
    let b_own = offer(store, &b, "eigen-b", b_form).await;
    let a_shared = offer(store, &a, "geteilt", shared).await;
    let b_shared = offer(store, &b, "geteilt", shared).await;

    let a_v2 = store
        .publish_form(&new_form("eigen-a", 2, false), FormScope::Tenant(a.id))
        .await
        .unwrap();
    assert_eq!(a_v2.moved, 1);
    assert_eq!(offered_form(store, &a_own).await, a_v2.id);
    for (service, form) in [(&b_own, b_form), (&a_shared, shared), (&b_shared, shared)] {
        assert_eq!(offered_form(store, service).await, form);
    }

    // b cannot reach a's form, nor the shared one.
    for key in ["eigen-a", "geteilt"] {
        assert_shared(
            store
                .publish_form(&new_form(key, 3, false), FormScope::Tenant(b.id))
                .await,
        );
    }
    assert_eq!(offered_form(store, &a_own).await, a_v2.id);
    assert_eq!(offered_form(store, &a_shared).await, shared);
    assert_eq!(offered_form(store, &b_shared).await, shared);
}

async fn other_tenant_cannot_list_form_versions(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    for (key, offered_by) in [
        ("eigen-a", vec![&a]),
        ("eigen-b", vec![&b]),
        ("geteilt", vec![&a, &b]),
    ] {
        let form = store.create_form(&new_form(key, 1, false)).await.unwrap();
        for t in offered_by {
            offer(store, t, key, form).await;
        }
    }
    store
        .publish_form(&new_form("neu-a", 1, false), FormScope::Tenant(a.id))
        .await
        .unwrap();
    store
        .publish_form(&new_form("verbund", 1, false), FormScope::All)
        .await
        .unwrap();

    // Each sees its own, and the federation's keys (no municipality published a version of
    // them), never the other's own key.
    assert_eq!(
        listed_keys(store, FormScope::Tenant(a.id)).await,
        ["eigen-a", "eigen-b", "geteilt", "neu-a", "verbund"]
    );
    assert_eq!(
        listed_keys(store, FormScope::Tenant(b.id)).await,
        ["eigen-a", "eigen-b", "geteilt", "verbund"]
    );
    assert_eq!(
        listed_keys(store, FormScope::All).await,
        ["eigen-a", "eigen-b", "geteilt", "neu-a", "verbund"]
    );
    // A shared form shows every municipality that offers it (the public catalogue does too).
    let shared = store.form_versions(FormScope::Tenant(b.id)).await.unwrap();
    let shared = shared.iter().find(|v| v.key == "geteilt").unwrap();
    assert_eq!(shared.offered_by.len(), 2);
}

// --- a municipality's parameter values -----------------------------------------------------

const DOG_TAX: &str = "hundesteuer-anmeldung";

fn changes(pairs: &[(&str, Option<serde_json::Value>)]) -> ParameterChanges {
    pairs
        .iter()
        .map(|(id, v)| ((*id).to_owned(), v.clone()))
        .collect()
}

/// (key, id, value) of each stored value, in the store's order.
fn values_of(params: &[FormParameter]) -> Vec<(String, String, serde_json::Value)> {
    params
        .iter()
        .map(|p| (p.form_key.clone(), p.param_id.clone(), p.value.clone()))
        .collect()
}

fn value(key: &str, id: &str, v: serde_json::Value) -> (String, String, serde_json::Value) {
    (key.to_owned(), id.to_owned(), v)
}

async fn parameter_values_are_set_replaced_and_cleared_per_form_key(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let admin = staff_member(store, "admin.aach").await;
    assert!(
        store
            .form_parameters(a.id, DOG_TAX)
            .await
            .unwrap()
            .is_empty()
    );

    let before = Utc::now().trunc_subsecs(6) - chrono::Duration::seconds(1);
    store
        .set_form_parameters(
            a.id,
            DOG_TAX,
            &changes(&[
                ("steuer_weiterer_hund", Some(json!(10800))),
                ("steuer_erster_hund", Some(json!(5400))),
                ("ort", Some(json!("Größe ß"))),
            ]),
            Some(admin),
        )
        .await
        .unwrap();
    store
        .set_form_parameters(
            a.id,
            "gewerbeanmeldung",
            &changes(&[("gebuehr", Some(json!(2600)))]),
            None,
        )
        .await
        .unwrap();

    let read = store.form_parameters(a.id, DOG_TAX).await.unwrap();
    assert_eq!(
        values_of(&read),
        [
            value(DOG_TAX, "ort", json!("Größe ß")),
            value(DOG_TAX, "steuer_erster_hund", json!(5400)),
            value(DOG_TAX, "steuer_weiterer_hund", json!(10800)),
        ]
    );
    assert!(read.iter().all(|p| p.updated_by == Some(admin)));
    assert!(read.iter().all(|p| p.updated_at >= before));

    // Replace one, clear one; the one not named keeps its value; clearing twice is fine.
    store
        .set_form_parameters(
            a.id,
            DOG_TAX,
            &changes(&[
                ("steuer_erster_hund", Some(json!(6000))),
                ("ort", None),
                ("nie_gesetzt", None),
            ]),
            None,
        )
        .await
        .unwrap();
    let read = store.form_parameters(a.id, DOG_TAX).await.unwrap();
    assert_eq!(
        values_of(&read),
        [
            value(DOG_TAX, "steuer_erster_hund", json!(6000)),
            value(DOG_TAX, "steuer_weiterer_hund", json!(10800)),
        ]
    );
    assert_eq!(read[0].updated_by, None);
    assert_eq!(read[1].updated_by, Some(admin));

    // Every key at once, for the catalogue.
    assert_eq!(
        values_of(&store.tenant_form_parameters(a.id).await.unwrap()),
        [
            value("gewerbeanmeldung", "gebuehr", json!(2600)),
            value(DOG_TAX, "steuer_erster_hund", json!(6000)),
            value(DOG_TAX, "steuer_weiterer_hund", json!(10800)),
        ]
    );

    // Values outlive a reopened store.
    let reopened = store::connect(&db.url).await.unwrap();
    assert_eq!(
        values_of(&reopened.form_parameters(a.id, DOG_TAX).await.unwrap()),
        values_of(&read)
    );
}

/// Municipality A with its own dog-tax rates.
async fn rates_of_a(store: &dyn Store) -> (Tenant, Tenant, Vec<FormParameter>) {
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    store
        .set_form_parameters(
            a.id,
            DOG_TAX,
            &changes(&[
                ("steuer_erster_hund", Some(json!(6000))),
                ("steuer_weiterer_hund", Some(json!(12000))),
            ]),
            None,
        )
        .await
        .unwrap();
    let stored = store.form_parameters(a.id, DOG_TAX).await.unwrap();
    assert_eq!(stored.len(), 2);
    (a, b, stored)
}

async fn other_tenant_cannot_read_parameter_values(db: Db) {
    let store = &*db.store;
    let (_a, b, _) = rates_of_a(store).await;
    assert!(
        store
            .form_parameters(b.id, DOG_TAX)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.tenant_form_parameters(b.id).await.unwrap().is_empty());
}

async fn other_tenant_cannot_change_parameter_values(db: Db) {
    let store = &*db.store;
    let (a, b, stored) = rates_of_a(store).await;
    // B sets the same ids, then clears them: its own values come and go, A's stay.
    store
        .set_form_parameters(
            b.id,
            DOG_TAX,
            &changes(&[("steuer_erster_hund", Some(json!(1)))]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(store.form_parameters(a.id, DOG_TAX).await.unwrap(), stored);
    assert_eq!(
        values_of(&store.form_parameters(b.id, DOG_TAX).await.unwrap()),
        [value(DOG_TAX, "steuer_erster_hund", json!(1))]
    );
    store
        .set_form_parameters(
            b.id,
            DOG_TAX,
            &changes(&[("steuer_erster_hund", None), ("steuer_weiterer_hund", None)]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(store.form_parameters(a.id, DOG_TAX).await.unwrap(), stored);
    assert!(
        store
            .form_parameters(b.id, DOG_TAX)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.tenant_form_parameters(a.id).await.unwrap(), stored);
}

async fn removing_demo_data_removes_a_demo_municipalitys_parameter_values(db: Db) {
    let store = &*db.store;
    let real = tenant(store, "aach", "AAC").await;
    let demo = store
        .create_tenant(&new_tenant("demo", "DEM", true))
        .await
        .unwrap();
    // A demo federation admin once set a real municipality's rate.
    let demo_admin = store
        .create_staff(&NewStaff {
            username: "federation.admin".into(),
            password_hash: "x".into(),
            roles: vec![Role {
                kind: RoleKind::FederationAdmin,
                tenant: None,
            }],
            demo: true,
        })
        .await
        .unwrap();
    for t in [&real, &demo] {
        store
            .set_form_parameters(
                t.id,
                DOG_TAX,
                &changes(&[("steuer_erster_hund", Some(json!(4500)))]),
                Some(demo_admin),
            )
            .await
            .unwrap();
    }

    assert_eq!(store.remove_demo_data().await.unwrap(), 1);

    assert!(
        store
            .form_parameters(demo.id, DOG_TAX)
            .await
            .unwrap()
            .is_empty()
    );
    let kept = store.form_parameters(real.id, DOG_TAX).await.unwrap();
    assert_eq!(
        values_of(&kept),
        [value(DOG_TAX, "steuer_erster_hund", json!(4500))]
    );
    // The value stays; who set it is gone with the demo account.
    assert_eq!(kept[0].updated_by, None);
}

// --- attachments ------------------------------------------------------------------------------

/// A file as the portal records it once streamed to the object store.
fn new_attachment(field: &str, file_name: &str) -> NewAttachment {
    NewAttachment {
        id: Uuid::new_v4(),
        field_id: field.into(),
        file_name: file_name.into(),
        content_type: "application/pdf".into(),
        size_bytes: 48_213,
        sha256: format!("{:x<64}", field.len()),
        storage_key: format!("files/{}", Uuid::new_v4()),
    }
}

fn ids(list: &[Attachment]) -> Vec<Uuid> {
    list.iter().map(|a| a.id).collect()
}

/// The stored row says what was added, where it belongs now, and when it was added.
fn assert_stored(
    got: &Attachment,
    added: &NewAttachment,
    tenant: TenantId,
    draft: Option<Uuid>,
    case: Option<Uuid>,
) {
    assert_eq!(got.id, added.id);
    assert_eq!(got.tenant_id, tenant);
    assert_eq!((got.draft_id, got.case_id), (draft, case));
    assert_eq!(got.field_id, added.field_id);
    assert_eq!(got.file_name, added.file_name);
    assert_eq!(got.content_type, added.content_type);
    assert_eq!(got.size_bytes, added.size_bytes);
    assert_eq!(got.sha256, added.sha256);
    assert_eq!(got.storage_key, added.storage_key);
    let age = Utc::now() - got.created_at;
    assert!(
        age >= chrono::Duration::zero() - chrono::Duration::seconds(5)
            && age < chrono::Duration::minutes(1),
        "created_at {}",
        got.created_at
    );
}

async fn key_exists(store: &dyn Store, a: &NewAttachment) -> bool {
    store.attachment_key_exists(&a.storage_key).await.unwrap()
}

async fn attachments_are_added_listed_and_removed_by_the_drafts_owner(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = browser("erika");
    let draft = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &draft).await.unwrap();
    let vaccination = new_attachment("impfpass", "Impfpass Bello.pdf");
    let photo = NewAttachment {
        content_type: "image/jpeg".into(),
        ..new_attachment("foto", "Größe ß – Bello.jpg")
    };
    for a in [&vaccination, &photo] {
        assert!(
            store
                .add_attachment(tenant.id, draft.id, &erika, a)
                .await
                .unwrap()
        );
    }

    let listed = store
        .draft_attachments(tenant.id, draft.id, &erika)
        .await
        .unwrap();
    assert_eq!(ids(&listed), vec![vaccination.id, photo.id]);
    assert_stored(&listed[0], &vaccination, tenant.id, Some(draft.id), None);
    assert_stored(&listed[1], &photo, tenant.id, Some(draft.id), None);
    // Staff downloads see case attachments only.
    assert_eq!(store.attachment(tenant.id, photo.id).await.unwrap(), None);
    assert!(key_exists(store, &photo).await);
    assert!(!store.attachment_key_exists("files/unknown").await.unwrap());

    assert_eq!(
        store
            .remove_draft_attachment(tenant.id, draft.id, &erika, vaccination.id)
            .await
            .unwrap(),
        Some(vaccination.storage_key.clone())
    );
    assert_eq!(
        store
            .remove_draft_attachment(tenant.id, draft.id, &erika, vaccination.id)
            .await
            .unwrap(),
        None
    );
    assert!(!key_exists(store, &vaccination).await);
    let listed = store
        .draft_attachments(tenant.id, draft.id, &erika)
        .await
        .unwrap();
    assert_eq!(ids(&listed), vec![photo.id]);
}

async fn a_taken_attachment_id_or_storage_key_is_refused(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = browser("erika");
    let draft = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &draft).await.unwrap();
    let first = new_attachment("nachweis", "a.pdf");
    assert!(
        store
            .add_attachment(tenant.id, draft.id, &erika, &first)
            .await
            .unwrap()
    );
    let same_key = NewAttachment {
        storage_key: first.storage_key.clone(),
        ..new_attachment("nachweis", "b.pdf")
    };
    assert_conflict(
        store
            .add_attachment(tenant.id, draft.id, &erika, &same_key)
            .await,
        "storage key",
    );
    let same_id = NewAttachment {
        id: first.id,
        ..new_attachment("nachweis", "c.pdf")
    };
    assert_conflict(
        store
            .add_attachment(tenant.id, draft.id, &erika, &same_id)
            .await,
        "attachment id",
    );
    let listed = store
        .draft_attachments(tenant.id, draft.id, &erika)
        .await
        .unwrap();
    assert_eq!(ids(&listed), vec![first.id]);
    assert_eq!(listed[0].file_name, "a.pdf");
}

async fn another_browser_can_neither_add_list_nor_remove_attachments(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = browser("erika");
    let mallory = browser("mallory");
    let draft = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &draft).await.unwrap();
    let own = new_attachment("nachweis", "Nachweis.pdf");
    assert!(
        store
            .add_attachment(tenant.id, draft.id, &erika, &own)
            .await
            .unwrap()
    );

    let planted = new_attachment("nachweis", "Schadsoftware.pdf");
    assert!(
        !store
            .add_attachment(tenant.id, draft.id, &mallory, &planted)
            .await
            .unwrap()
    );
    assert!(!key_exists(store, &planted).await);
    assert_eq!(
        store
            .draft_attachments(tenant.id, draft.id, &mallory)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        store
            .remove_draft_attachment(tenant.id, draft.id, &mallory, own.id)
            .await
            .unwrap(),
        None
    );
    let listed = store
        .draft_attachments(tenant.id, draft.id, &erika)
        .await
        .unwrap();
    assert_eq!(ids(&listed), vec![own.id]);
}

async fn attachments_of_an_expired_draft_are_invisible_and_swept_with_it(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = browser("erika");
    let past = Utc::now().trunc_subsecs(6) - chrono::Duration::minutes(1);

    // An unknown or already expired draft takes nothing.
    let stray = new_attachment("nachweis", "a.pdf");
    assert!(
        !store
            .add_attachment(tenant.id, Uuid::new_v4(), &erika, &stray)
            .await
            .unwrap()
    );
    let expired = NewDraft {
        expires_at: past,
        ..new_draft(&service, &erika, json!({}))
    };
    store.create_draft(tenant.id, &expired).await.unwrap();
    assert!(
        !store
            .add_attachment(tenant.id, expired.id, &erika, &stray)
            .await
            .unwrap()
    );
    assert!(!key_exists(store, &stray).await);

    // A draft that expires with a file: the file is out of reach, then swept with the draft.
    let draft = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &draft).await.unwrap();
    let file = new_attachment("nachweis", "b.pdf");
    assert!(
        store
            .add_attachment(tenant.id, draft.id, &erika, &file)
            .await
            .unwrap()
    );
    let kept_draft = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &kept_draft).await.unwrap();
    let kept = new_attachment("nachweis", "c.pdf");
    assert!(
        store
            .add_attachment(tenant.id, kept_draft.id, &erika, &kept)
            .await
            .unwrap()
    );
    assert!(
        store
            .update_draft(tenant.id, draft.id, &erika, &json!({}), past)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .draft_attachments(tenant.id, draft.id, &erika)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        store
            .remove_draft_attachment(tenant.id, draft.id, &erika, file.id)
            .await
            .unwrap(),
        None
    );
    assert!(key_exists(store, &file).await);

    assert_eq!(store.delete_expired_drafts().await.unwrap(), 2);
    assert!(!key_exists(store, &file).await);
    assert!(key_exists(store, &kept).await);
    assert_eq!(
        ids(&store
            .draft_attachments(tenant.id, kept_draft.id, &erika)
            .await
            .unwrap()),
        vec![kept.id]
    );
}

async fn submitting_keeps_the_listed_attachments_on_the_case_and_drops_the_rest(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = browser("erika");
    let draft = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &draft).await.unwrap();
    let keep = new_attachment("nachweis", "Nachweis.pdf");
    let dropped = new_attachment("foto", "verworfen.png");
    for a in [&keep, &dropped] {
        assert!(
            store
                .add_attachment(tenant.id, draft.id, &erika, a)
                .await
                .unwrap()
        );
    }
    // The same browser's second application: its file must stay with it.
    let second = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &second).await.unwrap();
    let elsewhere = new_attachment("nachweis", "anderer Antrag.pdf");
    assert!(
        store
            .add_attachment(tenant.id, second.id, &erika, &elsewhere)
            .await
            .unwrap()
    );

    let case = NewCase {
        attachments: vec![keep.id, elsewhere.id, Uuid::new_v4()],
        ..case_from_draft(&service, "AAC-2026-00001", draft.id, &erika)
    };
    store.submit_case(tenant.id, &case, None).await.unwrap();

    let on_case = store.case_attachments(tenant.id, case.id).await.unwrap();
    assert_eq!(ids(&on_case), vec![keep.id]);
    assert_stored(&on_case[0], &keep, tenant.id, None, Some(case.id));
    assert_eq!(
        store.attachment(tenant.id, keep.id).await.unwrap().as_ref(),
        Some(&on_case[0])
    );
    assert!(key_exists(store, &keep).await);
    // The dropped file's row went with the draft; its file is left to the sweep.
    assert_eq!(store.attachment(tenant.id, dropped.id).await.unwrap(), None);
    assert!(!key_exists(store, &dropped).await);
    // The other draft's file did not move.
    assert_eq!(
        store.attachment(tenant.id, elsewhere.id).await.unwrap(),
        None
    );
    assert_eq!(
        ids(&store
            .draft_attachments(tenant.id, second.id, &erika)
            .await
            .unwrap()),
        vec![elsewhere.id]
    );
}

async fn a_refused_submission_keeps_the_attachments_on_the_draft(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    store
        .submit_case(tenant.id, &new_case(&service, "AAC-2026-00001", None), None)
        .await
        .unwrap();
    let erika = browser("erika");
    let draft = new_draft(&service, &erika, json!({}));
    store.create_draft(tenant.id, &draft).await.unwrap();
    let file = new_attachment("nachweis", "Nachweis.pdf");
    assert!(
        store
            .add_attachment(tenant.id, draft.id, &erika, &file)
            .await
            .unwrap()
    );
    let assert_still_on_draft = || async {
        let listed = store
            .draft_attachments(tenant.id, draft.id, &erika)
            .await
            .unwrap();
        assert_eq!(ids(&listed), vec![file.id]);
        assert_eq!(
            (listed[0].draft_id, listed[0].case_id),
            (Some(draft.id), None)
        );
    };

    let clash = NewCase {
        attachments: vec![file.id],
        ..case_from_draft(&service, "AAC-2026-00001", draft.id, &erika)
    };
    match store.submit_case(tenant.id, &clash, None).await {
        Err(StoreError::DuplicateReference) => {}
        other => panic!("expected DuplicateReference, got {other:?}"),
    }
    assert_still_on_draft().await;
    assert_eq!(
        store.case_attachments(tenant.id, clash.id).await.unwrap(),
        vec![]
    );

    let theft = NewCase {
        attachments: vec![file.id],
        ..case_from_draft(&service, "AAC-2026-00002", draft.id, &browser("mallory"))
    };
    assert_draft_gone(store.submit_case(tenant.id, &theft, None).await);
    assert_still_on_draft().await;
    assert_eq!(store.case(tenant.id, theft.id).await.unwrap(), None);
}

async fn removing_demo_data_removes_a_demo_municipalitys_attachments(db: Db) {
    let store = &*db.store;
    let (real, real_service) = tenant_with_service(store, "aach", "AAC").await;
    let demo = store
        .create_tenant(&new_tenant("demo", "DEM", true))
        .await
        .unwrap();
    let demo_service = store
        .create_service(
            demo.id,
            &NewService {
                slug: "hundesteuer".into(),
                form_id: real_service.form_id,
            },
        )
        .await
        .unwrap();
    let erika = browser("erika");
    // Each municipality: one file on a draft, one on a submitted case.
    let mut files = Vec::new();
    for (tenant, service, code) in [(&real, &real_service, "AAC"), (&demo, &demo_service, "DEM")] {
        let pending = new_draft(service, &erika, json!({}));
        store.create_draft(tenant.id, &pending).await.unwrap();
        let on_draft = new_attachment("nachweis", "offen.pdf");
        assert!(
            store
                .add_attachment(tenant.id, pending.id, &erika, &on_draft)
                .await
                .unwrap()
        );
        let submitted = new_draft(service, &erika, json!({}));
        store.create_draft(tenant.id, &submitted).await.unwrap();
        let on_case = new_attachment("nachweis", "eingereicht.pdf");
        assert!(
            store
                .add_attachment(tenant.id, submitted.id, &erika, &on_case)
                .await
                .unwrap()
        );
        let case = NewCase {
            attachments: vec![on_case.id],
            ..case_from_draft(service, &format!("{code}-2026-00001"), submitted.id, &erika)
        };
        store.submit_case(tenant.id, &case, None).await.unwrap();
        files.push((on_draft, on_case, case.id));
    }

    assert_eq!(store.remove_demo_data().await.unwrap(), 1);

    let (real_draft_file, real_case_file, real_case) = &files[0];
    let (demo_draft_file, demo_case_file, _) = &files[1];
    assert!(!key_exists(store, demo_draft_file).await);
    assert!(!key_exists(store, demo_case_file).await);
    assert!(key_exists(store, real_draft_file).await);
    assert_eq!(
        ids(&store.case_attachments(real.id, *real_case).await.unwrap()),
        vec![real_case_file.id]
    );
}

/// Municipality A with a draft holding a file and a submitted case holding another (both by
/// the browser `erika`), and municipality B with a service named alike.
struct AttachmentsOfA {
    t: DraftOfA,
    draft_file: NewAttachment,
    case_id: Uuid,
    case_file: NewAttachment,
}

async fn attachments_of_a(store: &dyn Store) -> AttachmentsOfA {
    let t = draft_of_a(store).await;
    let erika = browser("erika");
    let draft_file = new_attachment("nachweis", "offen.pdf");
    assert!(
        store
            .add_attachment(t.a.id, t.draft.id, &erika, &draft_file)
            .await
            .unwrap()
    );
    let submitted = new_draft(&t.a_service, &erika, json!({}));
    store.create_draft(t.a.id, &submitted).await.unwrap();
    let case_file = new_attachment("nachweis", "eingereicht.pdf");
    assert!(
        store
            .add_attachment(t.a.id, submitted.id, &erika, &case_file)
            .await
            .unwrap()
    );
    let case = NewCase {
        attachments: vec![case_file.id],
        ..case_from_draft(&t.a_service, "AAC-2026-00001", submitted.id, &erika)
    };
    store.submit_case(t.a.id, &case, None).await.unwrap();
    AttachmentsOfA {
        t,
        draft_file,
        case_id: case.id,
        case_file,
    }
}

/// A's files, where A put them.
async fn assert_attachments_of_a_untouched(store: &dyn Store, x: &AttachmentsOfA) {
    let on_draft = store
        .draft_attachments(x.t.a.id, x.t.draft.id, &browser("erika"))
        .await
        .unwrap();
    assert_eq!(on_draft.len(), 1);
    assert_stored(
        &on_draft[0],
        &x.draft_file,
        x.t.a.id,
        Some(x.t.draft.id),
        None,
    );
    let on_case = store.case_attachments(x.t.a.id, x.case_id).await.unwrap();
    assert_eq!(on_case.len(), 1);
    assert_stored(&on_case[0], &x.case_file, x.t.a.id, None, Some(x.case_id));
}

async fn other_tenant_cannot_add_an_attachment_to_a_draft(db: Db) {
    let store = &*db.store;
    let x = attachments_of_a(store).await;
    let planted = new_attachment("nachweis", "fremd.pdf");
    assert!(
        !store
            .add_attachment(x.t.b.id, x.t.draft.id, &browser("erika"), &planted)
            .await
            .unwrap()
    );
    assert!(!key_exists(store, &planted).await);
    assert_attachments_of_a_untouched(store, &x).await;
}

async fn other_tenant_cannot_list_draft_attachments(db: Db) {
    let store = &*db.store;
    let x = attachments_of_a(store).await;
    assert_eq!(
        store
            .draft_attachments(x.t.b.id, x.t.draft.id, &browser("erika"))
            .await
            .unwrap(),
        vec![]
    );
    assert_attachments_of_a_untouched(store, &x).await;
}

async fn other_tenant_cannot_remove_a_draft_attachment(db: Db) {
    let store = &*db.store;
    let x = attachments_of_a(store).await;
    assert_eq!(
        store
            .remove_draft_attachment(x.t.b.id, x.t.draft.id, &browser("erika"), x.draft_file.id)
            .await
            .unwrap(),
        None
    );
    assert_attachments_of_a_untouched(store, &x).await;
}

async fn other_tenant_cannot_list_case_attachments(db: Db) {
    let store = &*db.store;
    let x = attachments_of_a(store).await;
    assert_eq!(
        store.case_attachments(x.t.b.id, x.case_id).await.unwrap(),
        vec![]
    );
    assert_attachments_of_a_untouched(store, &x).await;
}

async fn other_tenant_cannot_read_a_case_attachment(db: Db) {
    let store = &*db.store;
    let x = attachments_of_a(store).await;
    assert_eq!(
        store.attachment(x.t.b.id, x.case_file.id).await.unwrap(),
        None
    );
    assert!(
        store
            .attachment(x.t.a.id, x.case_file.id)
            .await
            .unwrap()
            .is_some()
    );
    assert_attachments_of_a_untouched(store, &x).await;
}

/// B's own application, submitted by the same browser, names A's files: none of them moves.
async fn other_tenant_cannot_move_attachments_into_its_case(db: Db) {
    let store = &*db.store;
    let x = attachments_of_a(store).await;
    let erika = browser("erika");
    let b_draft = new_draft(&x.t.b_service, &erika, json!({}));
    store.create_draft(x.t.b.id, &b_draft).await.unwrap();
    let case = NewCase {
        attachments: vec![x.draft_file.id, x.case_file.id],
        ..case_from_draft(&x.t.b_service, "BEB-2026-00001", b_draft.id, &erika)
    };
    store.submit_case(x.t.b.id, &case, None).await.unwrap();
    assert_eq!(
        store.case_attachments(x.t.b.id, case.id).await.unwrap(),
        vec![]
    );
    assert_eq!(
        store.case_attachments(x.t.a.id, case.id).await.unwrap(),
        vec![]
    );
    assert_attachments_of_a_untouched(store, &x).await;
}

// --- citizen login (OpenID Connect) -------------------------------------------------------------

/// SHA-256 (hex), the shape of every hash the store keeps.
fn sha256_hex(input: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(input.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The hash of a browser's session cookie.
fn cookie(name: &str) -> String {
    sha256_hex(&format!("cookie {name}"))
}

/// The hash of a login's `state`.
fn state(name: &str) -> String {
    sha256_hex(&format!("state {name}"))
}

/// The owner hash of a citizen: SHA-256 of `issuer|sub`.
fn citizen(sub: &str) -> String {
    sha256_hex(&format!("https://id.bund.de/idp|{sub}"))
}

/// Microsecond precision from now on, as both backends keep it.
fn from_now(duration: chrono::Duration) -> chrono::DateTime<Utc> {
    Utc::now().trunc_subsecs(6) + duration
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

/// A login begun by browser `session` with state `state` for the trust level `substantial`,
/// valid ten minutes, the browser's session living at least an hour.
fn login_flow(state: &str, session: &str) -> NewLoginFlow {
    NewLoginFlow {
        state_hash: state.into(),
        session_hash: session.into(),
        session_expires_at: in_one_hour(),
        nonce: format!("nonce-{}", &state[..16]),
        pkce_verifier: format!("pkce-verifier-{state}"),
        level: "substantial".into(),
        return_to: "/aach/hundesteuer/schritt/2".into(),
        expires_at: from_now(minutes(10)),
        kind: LoginKind::Citizen,
        staff_provider: None,
    }
}

/// What `take_login_flow` must give back of `flow`.
fn taken(flow: &NewLoginFlow) -> LoginFlow {
    LoginFlow {
        nonce: flow.nonce.clone(),
        pkce_verifier: flow.pkce_verifier.clone(),
        level: flow.level.clone(),
        return_to: flow.return_to.clone(),
        staff_provider: flow.staff_provider.clone(),
    }
}

/// The citizen `sub` as the identity provider reported them, idle for 30 minutes from now.
fn citizen_login(sub: &str) -> CitizenLogin {
    CitizenLogin {
        owner: citizen(sub),
        level: "substantial".into(),
        claims: json!({
            "given_name": "Erika",
            "family_name": "Mustermann",
            "birthdate": "1964-08-12",
            "address": {"street_address": "Heidestraße 17", "postal_code": "51147", "locality": "Köln"},
        }),
        id_token: Some(format!("eyJhbGciOiJSUzI1NiJ9.{sub}.c2lnbmF0dXJl")),
        idle_expires_at: from_now(minutes(30)),
    }
}

/// Browser `name` logs in as `login` (begin, take, complete) and holds the returned session.
async fn log_in(
    store: &dyn Store,
    name: &str,
    login: CitizenLogin,
    expires_at: chrono::DateTime<Utc>,
) -> String {
    let old = cookie(&format!("{name} before login"));
    let flow = login_flow(&state(&format!("{name} logs in")), &old);
    store.begin_login(&flow).await.unwrap();
    assert!(
        store
            .take_login_flow(&flow.state_hash, &old, LoginKind::Citizen)
            .await
            .unwrap()
            .is_some()
    );
    let new = cookie(&format!("{name} after login"));
    store
        .complete_login(
            &old,
            &NewCitizenSession {
                key_hash: new.clone(),
                login,
                expires_at,
                draft: None,
            },
        )
        .await
        .unwrap();
    new
}

/// Counts rows with a query of its own, past the store (for rows no method shows).
async fn count_behind_the_stores_back(url: &str, sql: &str) -> i64 {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        let count: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        count
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        let count: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        count
    }
}

async fn flows_of(url: &str, session: &str) -> i64 {
    count_behind_the_stores_back(
        url,
        &format!("select count(*) from login_flows where session_hash = '{session}'"),
    )
    .await
}

/// The provider sends the browser back once; a replayed callback finds nothing.
async fn a_login_state_works_once(db: Db) {
    let store = &*db.store;
    let erika = cookie("erika");
    let flow = login_flow(&state("erika"), &erika);
    store.begin_login(&flow).await.unwrap();

    // The browser's session was created with the flow.
    let session = store.session(&erika).await.unwrap().unwrap();
    assert_eq!(session.staff_id, None);
    assert_eq!(session.citizen, None);
    assert_eq!(session.expires_at, flow.session_expires_at);

    assert_eq!(
        store
            .take_login_flow(&state("other"), &erika, LoginKind::Citizen)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .take_login_flow(&flow.state_hash, &erika, LoginKind::Citizen)
            .await
            .unwrap(),
        Some(taken(&flow))
    );
    assert_eq!(
        store
            .take_login_flow(&flow.state_hash, &erika, LoginKind::Citizen)
            .await
            .unwrap(),
        None
    );
    assert_eq!(flows_of(&db.url, &erika).await, 0);
    // The browser's session outlives its flow.
    assert!(store.session(&erika).await.unwrap().is_some());
}

/// A state read off one browser (a log, a shoulder) and replayed from another opens nothing,
/// and does not spoil the login of the browser that began it.
async fn a_stolen_login_state_is_useless_in_another_browser(db: Db) {
    let store = &*db.store;
    let erika = cookie("erika");
    let mallory = cookie("mallory");
    let erikas = login_flow(&state("erika"), &erika);
    let mallorys = login_flow(&state("mallory"), &mallory);
    store.begin_login(&erikas).await.unwrap();
    store.begin_login(&mallorys).await.unwrap();

    assert_eq!(
        store
            .take_login_flow(&erikas.state_hash, &mallory, LoginKind::Citizen)
            .await
            .unwrap(),
        None
    );
    // A browser without any session gets nothing either.
    assert_eq!(
        store
            .take_login_flow(&erikas.state_hash, &cookie("nobody"), LoginKind::Citizen)
            .await
            .unwrap(),
        None
    );
    assert_eq!(flows_of(&db.url, &erika).await, 1);
    assert_eq!(
        store
            .take_login_flow(&erikas.state_hash, &erika, LoginKind::Citizen)
            .await
            .unwrap(),
        Some(taken(&erikas))
    );
    // The thief's own flow is still there, and only for the thief.
    assert_eq!(
        store
            .take_login_flow(&mallorys.state_hash, &erika, LoginKind::Citizen)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .take_login_flow(&mallorys.state_hash, &mallory, LoginKind::Citizen)
            .await
            .unwrap(),
        Some(taken(&mallorys))
    );
}

/// A login left at the provider for longer than its flow lives cannot be completed, and the
/// sweep removes the flow while the browser's session lives on.
async fn an_expired_login_flow_is_refused_and_swept(db: Db) {
    let store = &*db.store;
    let erika = cookie("erika");
    let stale = NewLoginFlow {
        expires_at: from_now(chrono::Duration::seconds(-1)),
        ..login_flow(&state("stale"), &erika)
    };
    let fresh = login_flow(&state("fresh"), &erika);
    store.begin_login(&stale).await.unwrap();
    store.begin_login(&fresh).await.unwrap();

    assert_eq!(
        store
            .take_login_flow(&stale.state_hash, &erika, LoginKind::Citizen)
            .await
            .unwrap(),
        None
    );
    assert_eq!(flows_of(&db.url, &erika).await, 2);

    // Only the flow expired, not a session.
    assert_eq!(store.delete_expired_sessions().await.unwrap(), 0);
    assert_eq!(flows_of(&db.url, &erika).await, 1);
    assert!(store.session(&erika).await.unwrap().is_some());
    assert_eq!(
        store
            .take_login_flow(&fresh.state_hash, &erika, LoginKind::Citizen)
            .await
            .unwrap(),
        Some(taken(&fresh))
    );
}

/// Starting a login never shortens the browser's session, and a clerk's session is not the
/// citizen login's to change.
async fn beginning_a_login_keeps_a_longer_session_and_never_touches_a_staff_session(db: Db) {
    let store = &*db.store;
    let erika = cookie("erika");
    let two_hours = from_now(chrono::Duration::hours(2));
    store
        .create_session(&NewSession {
            key_hash: erika.clone(),
            staff_id: None,
            expires_at: two_hours,
        })
        .await
        .unwrap();
    // The login asks for one hour: the two hours stay.
    store
        .begin_login(&login_flow(&state("first"), &erika))
        .await
        .unwrap();
    assert_eq!(
        store.session(&erika).await.unwrap().unwrap().expires_at,
        two_hours
    );
    // A login asking for more than the session has left lengthens it.
    let three_hours = from_now(chrono::Duration::hours(3));
    store
        .begin_login(&NewLoginFlow {
            session_expires_at: three_hours,
            ..login_flow(&state("second"), &erika)
        })
        .await
        .unwrap();
    let session = store.session(&erika).await.unwrap().unwrap();
    assert_eq!(session.expires_at, three_hours);
    assert_eq!(session.staff_id, None);
    assert_eq!(flows_of(&db.url, &erika).await, 2);

    let clerk = store
        .create_staff(&NewStaff {
            username: "sachbearbeiterin".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            roles: vec![],
            demo: false,
        })
        .await
        .unwrap();
    let staff_cookie = cookie("clerk");
    let staff_session = NewSession {
        key_hash: staff_cookie.clone(),
        staff_id: Some(clerk),
        expires_at: in_one_hour(),
    };
    store.create_session(&staff_session).await.unwrap();
    let _ = store
        .begin_login(&NewLoginFlow {
            session_expires_at: from_now(chrono::Duration::hours(12)),
            ..login_flow(&state("clerk"), &staff_cookie)
        })
        .await;
    let after = store.session(&staff_cookie).await.unwrap().unwrap();
    assert_eq!(after.staff_id, Some(clerk));
    assert_eq!(after.expires_at, staff_session.expires_at);
    assert_eq!(after.citizen, None);
}

/// The login's new session carries the citizen; the anonymous session it replaces is gone
/// with its flows, and the draft the login was begun from belongs to the citizen now, while
/// other browsers keep theirs.
async fn a_completed_login_starts_a_new_session_and_takes_its_draft_along(db: Db) {
    let store = &*db.store;
    let (a, a_service) = tenant_with_service(store, "aach", "AAC").await;
    let (b, b_service) = tenant_with_service(store, "bebra", "BEB").await;
    let before = cookie("erika before login");
    let other = cookie("max");

    let in_a = new_draft(&a_service, &before, json!({"vorname": "Erika"}));
    let in_b = new_draft(&b_service, &before, json!({"hund": "Dackel"}));
    let others = new_draft(&a_service, &other, json!({"vorname": "Max"}));
    for (tenant, draft) in [(a.id, &in_a), (b.id, &in_b), (a.id, &others)] {
        store.create_draft(tenant, draft).await.unwrap();
    }
    // Resume links, sent before the login.
    assert!(
        store
            .set_resume_token(a.id, in_a.id, &before, &token("erika-link"))
            .await
            .unwrap()
    );
    assert!(
        store
            .set_resume_token(a.id, others.id, &other, &token("max-link"))
            .await
            .unwrap()
    );

    let flow = login_flow(&state("erika"), &before);
    let abandoned = login_flow(&state("erika, another tab"), &before);
    store.begin_login(&flow).await.unwrap();
    store.begin_login(&abandoned).await.unwrap();
    store
        .begin_login(&login_flow(&state("max"), &other))
        .await
        .unwrap();
    assert_eq!(
        store
            .take_login_flow(&flow.state_hash, &before, LoginKind::Citizen)
            .await
            .unwrap(),
        Some(taken(&flow))
    );

    let login = citizen_login("erika-sub");
    let owner = login.owner.clone();
    let after = cookie("erika after login");
    let ends = from_now(chrono::Duration::hours(12));
    store
        .complete_login(
            &before,
            &NewCitizenSession {
                key_hash: after.clone(),
                login: login.clone(),
                expires_at: ends,
                draft: Some(in_a.id),
            },
        )
        .await
        .unwrap();

    let session = store.session(&after).await.unwrap().unwrap();
    assert_eq!(session.key_hash, after);
    assert_eq!(session.staff_id, None);
    assert_eq!(session.expires_at, ends);
    let got = session.citizen.unwrap();
    assert_eq!(got.owner, login.owner);
    assert_eq!(got.level, "substantial");
    assert_eq!(got.claims, login.claims);
    assert_eq!(got.id_token, login.id_token);
    assert_eq!(got.idle_expires_at, login.idle_expires_at);

    // The anonymous session is gone, and its other flow with it.
    assert_eq!(store.session(&before).await.unwrap(), None);
    assert_eq!(flows_of(&db.url, &before).await, 0);
    assert_eq!(
        store
            .take_login_flow(&abandoned.state_hash, &before, LoginKind::Citizen)
            .await
            .unwrap(),
        None
    );

    // The draft the login was begun from passed to the citizen; the browser's other
    // anonymous draft did not (see store/tests/contract/citizen_login_leftovers.rs).
    let moved = store.draft(a.id, in_a.id, &owner).await.unwrap().unwrap();
    assert_eq!(moved.owner, owner);
    assert_eq!(moved.answers, in_a.answers);
    assert_eq!(moved.expires_at, in_a.expires_at);
    assert_eq!(store.draft(a.id, in_a.id, &before).await.unwrap(), None);
    assert_eq!(store.draft(b.id, in_b.id, &owner).await.unwrap(), None);
    assert!(store.draft(b.id, in_b.id, &before).await.unwrap().is_some());
    // A citizen's draft opens only with their login: its resume link stopped working.
    assert_eq!(
        store
            .claim_draft(a.id, &token("erika-link"), &cookie("someone"))
            .await
            .unwrap(),
        None
    );
    assert!(store.draft(a.id, in_a.id, &owner).await.unwrap().is_some());

    // Another browser's draft, link and login are untouched.
    let kept = store.draft(a.id, others.id, &other).await.unwrap().unwrap();
    assert_eq!(kept.owner, other);
    assert_eq!(store.draft(a.id, others.id, &owner).await.unwrap(), None);
    assert!(store.session(&other).await.unwrap().is_some());
    assert_eq!(flows_of(&db.url, &other).await, 1);
    assert_eq!(
        store
            .claim_draft(a.id, &token("max-link"), &other)
            .await
            .unwrap()
            .map(|d| d.id),
        Some(others.id)
    );

    // A login without an ID token, and with no claims, round-trips as such.
    let bare = CitizenLogin {
        id_token: None,
        claims: json!({}),
        ..citizen_login("max-sub")
    };
    let max = log_in(store, "max", bare.clone(), in_one_hour()).await;
    let got = store.session(&max).await.unwrap().unwrap().citizen.unwrap();
    assert_eq!(got.id_token, None);
    assert_eq!(got.claims, json!({}));
    assert_eq!(got.owner, bare.owner);
}

/// Thirty minutes without a request end the login although the session's absolute end is
/// hours away: the session reads as anonymous, and the sweep removes it.
async fn an_idle_citizen_login_ends_before_its_session_and_is_swept(db: Db) {
    let store = &*db.store;
    let idle = log_in(
        store,
        "erika",
        CitizenLogin {
            idle_expires_at: from_now(chrono::Duration::seconds(-1)),
            ..citizen_login("erika-sub")
        },
        from_now(chrono::Duration::hours(12)),
    )
    .await;
    let active = log_in(
        store,
        "max",
        citizen_login("max-sub"),
        from_now(chrono::Duration::hours(12)),
    )
    .await;
    let anonymous = cookie("anonymous");
    store
        .create_session(&new_session(&anonymous))
        .await
        .unwrap();

    let session = store.session(&idle).await.unwrap().unwrap();
    assert_eq!(session.citizen, None);
    assert!(session.expires_at > Utc::now());
    assert!(
        store
            .session(&active)
            .await
            .unwrap()
            .unwrap()
            .citizen
            .is_some()
    );

    assert_eq!(store.delete_expired_sessions().await.unwrap(), 1);
    assert_eq!(store.session(&idle).await.unwrap(), None);
    assert!(store.session(&active).await.unwrap().is_some());
    assert!(store.session(&anonymous).await.unwrap().is_some());
    assert_eq!(store.delete_expired_sessions().await.unwrap(), 0);
}

/// Each request moves the idle end; the absolute end caps it; a session without a login has
/// no idle end to move.
async fn activity_moves_the_idle_end_of_a_citizen_login_but_never_past_its_session(db: Db) {
    let store = &*db.store;
    let ends = in_one_hour();
    let erika = log_in(store, "erika", citizen_login("erika-sub"), ends).await;

    let later = from_now(minutes(45));
    store.touch_session(&erika, later).await.unwrap();
    let session = store.session(&erika).await.unwrap().unwrap();
    assert_eq!(session.citizen.unwrap().idle_expires_at, later);
    assert_eq!(session.expires_at, ends);

    store
        .touch_session(&erika, from_now(chrono::Duration::hours(2)))
        .await
        .unwrap();
    let session = store.session(&erika).await.unwrap().unwrap();
    assert_eq!(session.citizen.unwrap().idle_expires_at, ends);
    assert_eq!(session.expires_at, ends);

    // Without a login nothing changes, and no login appears.
    let anonymous = cookie("anonymous");
    store
        .create_session(&new_session(&anonymous))
        .await
        .unwrap();
    let before = store.session(&anonymous).await.unwrap().unwrap();
    store
        .touch_session(&anonymous, from_now(minutes(30)))
        .await
        .unwrap();
    assert_eq!(store.session(&anonymous).await.unwrap().unwrap(), before);
    // An unknown session is no error.
    store
        .touch_session(&cookie("nobody"), from_now(minutes(30)))
        .await
        .unwrap();
    assert_eq!(store.session(&cookie("nobody")).await.unwrap(), None);
}

/// "Meine Anträge": the citizen's drafts in every municipality, last changed first; nobody
/// else's, nothing expired.
async fn my_applications_list_the_citizens_drafts_across_municipalities(db: Db) {
    let store = &*db.store;
    let (a, a_service) = tenant_with_service(store, "aach", "AAC").await;
    let (b, b_service) = tenant_with_service(store, "bebra", "BEB").await;
    let erika = citizen("erika-sub");
    let max = citizen("max-sub");

    let older = new_draft(&a_service, &erika, json!({}));
    store.create_draft(a.id, &older).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let newer = new_draft(&b_service, &erika, json!({}));
    store.create_draft(b.id, &newer).await.unwrap();
    let maxs = new_draft(&a_service, &max, json!({}));
    store.create_draft(a.id, &maxs).await.unwrap();
    let expired = NewDraft {
        expires_at: from_now(minutes(-1)),
        ..new_draft(&b_service, &erika, json!({}))
    };
    store.create_draft(b.id, &expired).await.unwrap();

    let listed = |owner: String| async move {
        store
            .citizen_drafts(&owner)
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.id, d.tenant_id, d.service_id, d.expires_at))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listed(erika.clone()).await,
        [
            (newer.id, b.id, b_service.id, newer.expires_at),
            (older.id, a.id, a_service.id, older.expires_at),
        ]
    );

    // Saving a step makes the older draft the last changed one.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let moved = in_one_hour() + minutes(30);
    assert!(
        store
            .update_draft(a.id, older.id, &erika, &json!({"vorname": "Erika"}), moved)
            .await
            .unwrap()
    );
    let summaries = store.citizen_drafts(&erika).await.unwrap();
    assert_eq!(
        summaries.iter().map(|d| d.id).collect::<Vec<_>>(),
        [older.id, newer.id]
    );
    assert_eq!(summaries[0].expires_at, moved);
    assert!(summaries[0].updated_at > summaries[1].updated_at);

    assert_eq!(
        listed(max.clone()).await,
        [(maxs.id, a.id, a_service.id, maxs.expires_at)]
    );
    assert_eq!(listed(citizen("nobody")).await, []);
}

/// "Meine Anträge": the citizen's cases in every municipality, newest first; nobody else's.
async fn my_applications_list_the_citizens_cases_across_municipalities(db: Db) {
    let store = &*db.store;
    let (a, a_service) = tenant_with_service(store, "aach", "AAC").await;
    let (b, b_service) = tenant_with_service(store, "bebra", "BEB").await;
    let erika = citizen("erika-sub");
    let max = citizen("max-sub");

    let first = new_case(&a_service, "AAC-2026-00001", Some(&erika));
    store.submit_case(a.id, &first, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let maxs = new_case(&a_service, "AAC-2026-00002", Some(&max));
    store.submit_case(a.id, &maxs, None).await.unwrap();
    let anonymous = new_case(&b_service, "BEB-2026-00001", None);
    store.submit_case(b.id, &anonymous, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = NewCase {
        status: CaseStatus::AwaitingPayment,
        ..new_case(&b_service, "BEB-2026-00002", Some(&erika))
    };
    store.submit_case(b.id, &second, None).await.unwrap();

    let cases = store.citizen_cases(&erika).await.unwrap();
    assert_eq!(
        cases
            .iter()
            .map(|c| (
                c.id,
                c.tenant_id,
                c.service_id,
                c.reference.as_str(),
                c.status
            ))
            .collect::<Vec<_>>(),
        [
            (
                second.id,
                b.id,
                b_service.id,
                "BEB-2026-00002",
                CaseStatus::AwaitingPayment
            ),
            (
                first.id,
                a.id,
                a_service.id,
                "AAC-2026-00001",
                CaseStatus::Received
            ),
        ]
    );
    assert!(cases[0].created_at > cases[1].created_at);
    let stored = store.case(a.id, first.id).await.unwrap().unwrap();
    assert_eq!(cases[1].created_at, stored.created_at);

    assert_eq!(
        store
            .citizen_cases(&max)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        [maxs.id]
    );
    assert_eq!(store.citizen_cases(&citizen("nobody")).await.unwrap(), []);
}

/// A logged-in citizen's draft is reachable across identities but never across
/// municipalities: B with A's draft id and the right owner gets nothing.
async fn other_tenant_cannot_read_a_logged_in_citizens_draft(db: Db) {
    let store = &*db.store;
    let t = draft_of_a(store).await;
    // Erika's browser (which owns A's draft) logs in: the draft passes to the citizen.
    let flow = login_flow(&state("erika"), &browser("erika"));
    store.begin_login(&flow).await.unwrap();
    let login = citizen_login("erika-sub");
    let owner = login.owner.clone();
    store
        .complete_login(
            &browser("erika"),
            &NewCitizenSession {
                key_hash: cookie("erika after login"),
                login,
                expires_at: in_one_hour(),
                draft: Some(t.draft.id),
            },
        )
        .await
        .unwrap();
    let b_draft = new_draft(&t.b_service, &owner, json!({}));
    store.create_draft(t.b.id, &b_draft).await.unwrap();

    assert!(
        store
            .draft(t.a.id, t.draft.id, &owner)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.draft(t.b.id, t.draft.id, &owner).await.unwrap(), None);
    assert_eq!(store.draft(t.a.id, b_draft.id, &owner).await.unwrap(), None);
    assert!(
        !store
            .update_draft(t.b.id, t.draft.id, &owner, &json!({"x": 1}), in_one_hour())
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_resume_token(t.b.id, t.draft.id, &owner, &token("b-link"))
            .await
            .unwrap()
    );
    let kept = store
        .draft(t.a.id, t.draft.id, &owner)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.answers, t.draft.answers);
    assert_eq!(kept.tenant_id, t.a.id);
}

/// A citizen's callback never takes a staff login's flow, nor the other way round.
async fn a_login_flow_is_taken_only_by_its_own_kind(db: Db) {
    let store = &*db.store;
    let browser = cookie("both kinds");
    let citizens = login_flow(&state("citizen flow"), &browser);
    let staffs = NewLoginFlow {
        kind: LoginKind::Staff,
        level: "low".into(),
        return_to: "/staff/inbox".into(),
        staff_provider: Some("aach".into()),
        ..login_flow(&state("staff flow"), &browser)
    };
    store.begin_login(&citizens).await.unwrap();
    store.begin_login(&staffs).await.unwrap();
    for (flow, wrong, right) in [
        (&citizens, LoginKind::Staff, LoginKind::Citizen),
        (&staffs, LoginKind::Citizen, LoginKind::Staff),
    ] {
        assert_eq!(
            store
                .take_login_flow(&flow.state_hash, &browser, wrong)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .take_login_flow(&flow.state_hash, &browser, right)
                .await
                .unwrap(),
            Some(taken(flow))
        );
    }
    assert_eq!(flows_of(&db.url, &browser).await, 0);
}

/// A staff login through the provider, under a new session key `key`.
fn oidc_staff(
    subject: &str,
    username: &str,
    roles: Vec<Role>,
    old: &str,
    key: &str,
) -> OidcStaffLogin {
    OidcStaffLogin {
        subject: sha256_hex(&format!("https://id.kreis.example|{subject}")),
        username: username.into(),
        provider_tenant: None,
        roles: Some(roles),
        old_session_hash: cookie(old),
        key_hash: Some(cookie(key)),
        expires_at: in_one_hour(),
        acr: Some("urn:example:mfa".into()),
        amr: vec!["pwd".into(), "otp".into()],
        id_token: Some(format!("id-token-{key}")),
    }
}

fn clerk_of(tenant: &Tenant) -> Role {
    Role {
        kind: RoleKind::Clerk,
        tenant: Some(tenant.id),
    }
}

/// The first login creates the account (no usable password); every login replaces its roles
/// with the claim's, leaves out roles of tenants that do not exist, ends the old session and
/// records the login's acr and amr on the new one.
async fn an_oidc_staff_login_creates_the_account_and_replaces_its_roles(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    let before = NewSession {
        key_hash: cookie("petra before"),
        staff_id: None,
        expires_at: in_one_hour(),
    };
    store.create_session(&before).await.unwrap();
    let admin_b = Role {
        kind: RoleKind::TenantAdmin,
        tenant: Some(b.id),
    };
    let nowhere = Role {
        kind: RoleKind::Clerk,
        tenant: Some(TenantId(a.id.0 + b.id.0 + 1000)),
    };
    let first = oidc_staff(
        "petra-sub",
        "petra",
        vec![clerk_of(&a), admin_b, nowhere],
        "petra before",
        "petra 1",
    );
    let id = store.oidc_staff_login(&first).await.unwrap();
    let petra = store.staff_by_id(id).await.unwrap().unwrap();
    assert_eq!(petra.username, "petra");
    assert_eq!(petra.roles, vec![clerk_of(&a), admin_b]);
    assert!(!petra.password_hash.starts_with("$argon2"));
    assert_eq!(store.session(&before.key_hash).await.unwrap(), None);
    let session = store
        .session(first.key_hash.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.staff_id, Some(id));
    assert_eq!(session.citizen, None);
    let recorded = count_behind_the_stores_back(
        &db.url,
        &format!(
            "select count(*) from sessions where key_hash = '{}' \
             and staff_acr = 'urn:example:mfa' and staff_amr is not null",
            first.key_hash.as_deref().unwrap()
        ),
    )
    .await;
    assert_eq!(recorded, 1);

    // The next login: the same account, the roles the claim says now, a new session.
    let second = oidc_staff(
        "petra-sub",
        "petra",
        vec![clerk_of(&b)],
        "petra 1",
        "petra 2",
    );
    assert_eq!(store.oidc_staff_login(&second).await.unwrap(), id);
    let petra = store.staff_by_id(id).await.unwrap().unwrap();
    assert_eq!(petra.roles, vec![clerk_of(&b)]);
    assert_eq!(
        store
            .session(first.key_hash.as_deref().unwrap())
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .session(second.key_hash.as_deref().unwrap())
            .await
            .unwrap()
            .is_some()
    );

    // A federation role spans all tenants; the username follows the claim.
    let federation = Role {
        kind: RoleKind::FederationAdmin,
        tenant: None,
    };
    let third = oidc_staff(
        "petra-sub",
        "petra.k",
        vec![federation],
        "petra 2",
        "petra 3",
    );
    assert_eq!(store.oidc_staff_login(&third).await.unwrap(), id);
    let petra = store.staff_by_id(id).await.unwrap().unwrap();
    assert_eq!(petra.username, "petra.k");
    assert_eq!(petra.roles, vec![federation]);
    assert_eq!(
        store
            .staff_by_username("petra")
            .await
            .unwrap()
            .map(|s| s.id),
        None
    );
}

/// A clerk who opens the portal in two tabs (or double-clicks) logs in twice at once for the
/// first time: both logins succeed, with one account and a session each, and neither is told
/// that its username is taken.
async fn concurrent_first_logins_of_one_person_make_one_account(db: Db) {
    let a = tenant(&*db.store, "aach", "AAC").await;
    let mut tasks = Vec::new();
    for n in 0..8 {
        let store = Arc::clone(&db.store);
        let login = oidc_staff(
            "petra-sub",
            "petra",
            vec![clerk_of(&a)],
            &format!("before {n}"),
            &format!("petra {n}"),
        );
        tasks.push(tokio::spawn(
            async move { store.oidc_staff_login(&login).await },
        ));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().expect("every first login succeeds"));
    }
    ids.sort_by_key(|id| id.0);
    ids.dedup();
    assert_eq!(ids.len(), 1, "one account: {ids:?}");
    let accounts = count_behind_the_stores_back(&db.url, "select count(*) from staff").await;
    assert_eq!(accounts, 1);
    let sessions = count_behind_the_stores_back(
        &db.url,
        &format!(
            "select count(*) from sessions where staff_id = {}",
            ids[0].0
        ),
    )
    .await;
    assert_eq!(sessions, 8);
    let petra = db.store.staff_by_id(ids[0]).await.unwrap().unwrap();
    assert_eq!(petra.roles, vec![clerk_of(&a)]);
}

/// Data minimisation: an identity provider's account that has no role (one waiting for an
/// administrator, or one whose roles were all taken away) is removed once it has not signed in
/// for long enough; an account with a role, one with a session, one that signed in lately and a
/// local account stay. Every sign-in (a right password, a provider login with or without a
/// session) records its time.
async fn idle_provider_accounts_without_a_role_are_removed_and_logins_are_recorded(db: Db) {
    use std::collections::HashMap;
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    // (subject, roles, keeps its session)
    let people = [
        ("waiting", vec![], false),
        ("former", vec![], false),
        ("role-only", vec![clerk_of(&a)], false),
        ("session-only", vec![], true),
        ("active", vec![clerk_of(&a)], true),
    ];
    let mut ids = HashMap::new();
    for (who, roles, keeps_session) in people {
        let mut login = oidc_staff(&format!("{who}-sub"), who, roles, "before", who);
        if who == "waiting" {
            // Refused for want of a role: recorded, no session.
            login.key_hash = None;
        }
        let id = store.oidc_staff_login(&login).await.unwrap();
        if !keeps_session && let Some(key) = &login.key_hash {
            store.delete_session(key).await.unwrap();
        }
        ids.insert(who, id);
    }
    let local = store
        .create_staff(&NewStaff {
            username: "local".into(),
            password_hash: "x".into(),
            roles: vec![],
            demo: false,
        })
        .await
        .unwrap();
    let last_login = |id: StaffId| async move {
        store
            .staff_by_id(id)
            .await
            .unwrap()
            .map(|s| s.last_login_at)
    };
    for id in ids.values() {
        assert!(
            last_login(*id).await.flatten().is_some(),
            "a provider sign-in"
        );
    }
    assert_eq!(last_login(local).await, Some(None));
    assert!(store.reset_failed_logins(local).await.unwrap());
    assert!(
        last_login(local).await.flatten().is_some(),
        "a right password"
    );

    // Long ago, all of them; then the one waiting for a role tries again.
    execute_behind_the_stores_back(
        &db.url,
        "update staff set created_at = '2020-01-01T00:00:00.000000Z', \
         last_login_at = '2020-01-01T00:00:00.000000Z'",
    )
    .await
    .unwrap();
    let mut again = oidc_staff("again-sub", "again", vec![], "x", "y");
    again.key_hash = None;
    let again = store.oidc_staff_login(&again).await.unwrap();
    execute_behind_the_stores_back(
        &db.url,
        "update staff set created_at = '2020-01-01T00:00:00.000000Z' where username = 'again'",
    )
    .await
    .unwrap();

    let idle_since = Utc::now() - chrono::Duration::days(90);
    assert_eq!(store.delete_idle_accounts(idle_since).await.unwrap(), 2);
    assert_eq!(last_login(ids["waiting"]).await, None, "removed");
    assert_eq!(last_login(ids["former"]).await, None, "removed");
    for kept in ["role-only", "session-only", "active"] {
        assert!(last_login(ids[kept]).await.is_some(), "{kept} stays");
    }
    assert!(last_login(again).await.is_some(), "signed in lately");
    assert!(last_login(local).await.is_some(), "a local account");
    assert_eq!(store.delete_idle_accounts(idle_since).await.unwrap(), 0);
    // The next login records the person afresh.
    let back = store
        .oidc_staff_login(&oidc_staff("former-sub", "former", vec![], "x", "z"))
        .await
        .unwrap();
    assert_ne!(back, ids["former"]);
}

/// A username that belongs to a local account (or to another provider account) is refused:
/// nothing is written, the other account keeps its password and roles.
async fn an_oidc_staff_login_never_takes_over_another_account(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    let local = store
        .create_staff(&NewStaff {
            username: "clerk.aach".into(),
            password_hash: hash.into(),
            roles: vec![clerk_of(&a)],
            demo: false,
        })
        .await
        .unwrap();
    let intruder = oidc_staff("mallory-sub", "clerk.aach", vec![clerk_of(&b)], "m0", "m1");
    assert!(matches!(
        store.oidc_staff_login(&intruder).await,
        Err(StoreError::Conflict(_))
    ));
    let kept = store.staff_by_id(local).await.unwrap().unwrap();
    assert_eq!(kept.password_hash, hash);
    assert_eq!(kept.roles, vec![clerk_of(&a)]);
    assert_eq!(
        store
            .session(intruder.key_hash.as_deref().unwrap())
            .await
            .unwrap(),
        None
    );
    let accounts = count_behind_the_stores_back(&db.url, "select count(*) from staff").await;
    assert_eq!(accounts, 1);

    // A provider account cannot rename itself onto another account either.
    let anna = oidc_staff("anna-sub", "anna", vec![clerk_of(&b)], "a0", "a1");
    let anna_id = store.oidc_staff_login(&anna).await.unwrap();
    let renamed = oidc_staff("anna-sub", "clerk.aach", vec![clerk_of(&a)], "a1", "a2");
    assert!(matches!(
        store.oidc_staff_login(&renamed).await,
        Err(StoreError::Conflict(_))
    ));
    let anna_now = store.staff_by_id(anna_id).await.unwrap().unwrap();
    assert_eq!(anna_now.username, "anna");
    assert_eq!(anna_now.roles, vec![clerk_of(&b)]);
    assert!(
        store
            .session(anna.key_hash.as_deref().unwrap())
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .session(renamed.key_hash.as_deref().unwrap())
            .await
            .unwrap(),
        None
    );
}
