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
    AccentColour, Backend, CaseStatus, ExternalUrl, FailedLogin, FormId, LockoutPolicy, NewCase,
    NewDraft, NewForm, NewService, NewSession, NewStaff, NewTenant, Page, Role, RoleKind, Service,
    StaffId, Store, StoreError, Tenant, TenantProfile,
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
    a_draft_is_saved_replaced_and_read_back,
    a_draft_completes_into_one_case_and_never_twice,
    expired_drafts_are_invisible_and_swept,
    other_tenant_cannot_read_or_overwrite_a_draft,
    other_tenant_cannot_submit_from_a_draft,
    failed_logins_lock_the_account_for_growing_times_and_a_success_resets_them,
    an_operator_unlocks_a_locked_account_at_once,
    parallel_failed_logins_are_all_counted,
);

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

fn draft_hash(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn new_draft(service: &Service, n: u8, answers: serde_json::Value) -> NewDraft {
    NewDraft {
        token_hash: draft_hash(n),
        service_id: service.id,
        form_id: service.form_id,
        answers,
        expires_at: in_one_hour(),
    }
}

async fn a_draft_is_saved_replaced_and_read_back(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    store
        .save_draft(
            tenant.id,
            &new_draft(&service, 1, json!({"vorname": "Erika"})),
        )
        .await
        .unwrap();
    let later = new_draft(&service, 1, json!({"vorname": "Erika", "plz": "9973"}));
    store.save_draft(tenant.id, &later).await.unwrap();
    let read = store
        .draft(tenant.id, &draft_hash(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.answers, later.answers);
    assert_eq!(read.form_id, service.form_id);
    assert_eq!(read.service_id, service.id);
    assert_eq!(read.expires_at, later.expires_at);
    assert_eq!(store.draft(tenant.id, &draft_hash(2)).await.unwrap(), None);
}

async fn a_draft_completes_into_one_case_and_never_twice(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    store
        .save_draft(tenant.id, &new_draft(&service, 1, json!({})))
        .await
        .unwrap();
    let first = NewCase {
        from_draft: Some(draft_hash(1)),
        ..new_case(&service, "AAC-2026-00001", Some("browser"))
    };
    store
        .submit_case(tenant.id, &first, Some(&new_session("browser")))
        .await
        .unwrap();
    assert_eq!(store.draft(tenant.id, &draft_hash(1)).await.unwrap(), None);

    // The same draft again (a second tab): refused, and nothing is written.
    let second = NewCase {
        from_draft: Some(draft_hash(1)),
        ..new_case(&service, "AAC-2026-00002", Some("other-browser"))
    };
    match store
        .submit_case(tenant.id, &second, Some(&new_session("other-browser")))
        .await
    {
        Err(StoreError::DraftGone) => {}
        other => panic!("expected DraftGone, got {other:?}"),
    }
    assert_eq!(store.count_cases(tenant.id).await.unwrap(), 1);
    assert_eq!(store.session("other-browser").await.unwrap(), None);

    // A duplicate reference keeps the draft, so the citizen can try again.
    store
        .save_draft(tenant.id, &new_draft(&service, 3, json!({})))
        .await
        .unwrap();
    let clash = NewCase {
        from_draft: Some(draft_hash(3)),
        ..new_case(&service, "AAC-2026-00001", None)
    };
    assert!(matches!(
        store.submit_case(tenant.id, &clash, None).await,
        Err(StoreError::DuplicateReference)
    ));
    assert!(
        store
            .draft(tenant.id, &draft_hash(3))
            .await
            .unwrap()
            .is_some()
    );
}

async fn expired_drafts_are_invisible_and_swept(db: Db) {
    let store = &*db.store;
    let (tenant, service) = tenant_with_service(store, "aach", "AAC").await;
    let mut old = new_draft(&service, 1, json!({}));
    old.expires_at = Utc::now().trunc_subsecs(6) - chrono::Duration::minutes(1);
    store.save_draft(tenant.id, &old).await.unwrap();
    store
        .save_draft(tenant.id, &new_draft(&service, 2, json!({})))
        .await
        .unwrap();
    assert_eq!(store.draft(tenant.id, &draft_hash(1)).await.unwrap(), None);
    assert_eq!(store.delete_expired_drafts().await.unwrap(), 1);
    assert!(
        store
            .draft(tenant.id, &draft_hash(2))
            .await
            .unwrap()
            .is_some()
    );
}

async fn other_tenant_cannot_read_or_overwrite_a_draft(db: Db) {
    let store = &*db.store;
    let (a, service_a) = tenant_with_service(store, "aach", "AAC").await;
    let (b, service_b) = tenant_with_service(store, "bach", "BAC").await;
    store
        .save_draft(a.id, &new_draft(&service_a, 1, json!({"vorname": "Erika"})))
        .await
        .unwrap();
    assert_eq!(store.draft(b.id, &draft_hash(1)).await.unwrap(), None);
    // B can neither save into A's service nor overwrite A's draft through its own.
    assert!(matches!(
        store
            .save_draft(b.id, &new_draft(&service_a, 2, json!({})))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        store
            .save_draft(
                b.id,
                &new_draft(&service_b, 1, json!({"vorname": "Mallory"}))
            )
            .await
            .is_err()
    );
    let kept = store.draft(a.id, &draft_hash(1)).await.unwrap().unwrap();
    assert_eq!(kept.answers, json!({"vorname": "Erika"}));
}

async fn other_tenant_cannot_submit_from_a_draft(db: Db) {
    let store = &*db.store;
    let (a, service_a) = tenant_with_service(store, "aach", "AAC").await;
    let (b, service_b) = tenant_with_service(store, "bach", "BAC").await;
    store
        .save_draft(a.id, &new_draft(&service_a, 1, json!({})))
        .await
        .unwrap();
    let case = NewCase {
        from_draft: Some(draft_hash(1)),
        ..new_case(&service_b, "BAC-2026-00001", None)
    };
    assert!(matches!(
        store.submit_case(b.id, &case, None).await,
        Err(StoreError::DraftGone)
    ));
    assert_eq!(store.count_cases(b.id).await.unwrap(), 0);
    assert!(store.draft(a.id, &draft_hash(1)).await.unwrap().is_some());
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
