//! The drafts journey migration (`20261127000005`) reshapes a table that may hold drafts saved
//! before it, keyed by their resume token. Those drafts must survive it: same answers, and
//! still opened by their resume link (and only by it).
//!
//! Each test migrates a fresh database up to the migration before, writes drafts in the old
//! shape, and then lets the store apply the rest, as an upgraded installation would.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::json;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, Migrator};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Executor, PgConnection, PgPool, SqliteConnection};
use store::{NewCase, NewDraft, Store};
use uuid::Uuid;

const DRAFT_JOURNEY: i64 = 20261127000005;

/// The resume token hashes of the old drafts: one to open, one other, one expired.
const OLD_TOKEN: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const OTHER_TOKEN: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const EXPIRED_TOKEN: &str = "3333333333333333333333333333333333333333333333333333333333333333";

/// A set of migrations chosen in code (`sqlx` takes migrations from a folder or from this).
#[derive(Debug)]
struct Chosen(Vec<Migration>);

impl MigrationSource<'static> for Chosen {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        Box::pin(async move { Ok(self.0) })
    }
}

/// The embedded migrations before the drafts journey, byte for byte (same checksums), so the
/// store later applies only the rest.
async fn before_draft_journey(all: &Migrator) -> Migrator {
    let before: Vec<Migration> = all
        .iter()
        .filter(|m| m.version < DRAFT_JOURNEY)
        .cloned()
        .collect();
    assert!(
        all.iter().any(|m| m.version == DRAFT_JOURNEY),
        "the drafts journey migration is embedded"
    );
    Migrator::new(Chosen(before)).await.unwrap()
}

fn in_days(days: i64) -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6) + chrono::Duration::days(days)
}

const NEW_OWNER: &str = "phone-----------------------------------------------------------";

#[tokio::test]
async fn sqlite_keeps_an_old_draft_reachable_by_its_resume_link() {
    let dir = tempfile::tempdir().unwrap();
    let url = store::sqlite_url_in(dir.path());
    let expires_at = in_days(30);

    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true)
        .foreign_keys(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    before_draft_journey(&sqlx::migrate!("../migrations/sqlite"))
        .await
        .run(&mut conn)
        .await
        .unwrap();
    conn.execute(
        "insert into tenants (slug, name, code) values ('aach', 'Gemeinde Aach', 'AAC'); \
         insert into forms (key, version, definition) values ('hundesteuer', 1, '{}'); \
         insert into services (tenant_id, slug, form_id) \
         select t.id, 'hundesteuer', f.id from tenants t, forms f",
    )
    .await
    .unwrap();
    for (token_hash, answers, expires_at) in old_drafts(expires_at) {
        sqlx::query(
            "insert into drafts (token_hash, tenant_id, service_id, form_id, answers, expires_at) \
             select ?, s.tenant_id, s.id, s.form_id, ?, ? from services s",
        )
        .bind(token_hash)
        .bind(answers.to_string())
        .bind(expires_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.close().await.unwrap();

    let store = store::connect(&url).await.unwrap();
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    let (rows, owned_by_token): (i64, i64) =
        sqlx::query_as("select count(*), count(*) filter (where owner = token_hash) from drafts")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    conn.close().await.unwrap();
    assert_eq!((rows, owned_by_token), (3, 3));

    old_drafts_open_by_their_resume_link(&*store, expires_at).await;
}

#[tokio::test]
async fn postgres_keeps_an_old_draft_reachable_by_its_resume_link() {
    on_a_fresh_postgres_database(|url| async move {
        let expires_at = in_days(30);
        // A pool, not a connection: `Migrator::run` on a connection is not `Send` enough for
        // a spawned task.
        let pool = PgPool::connect(&url).await.unwrap();
        before_draft_journey(&sqlx::migrate!("../migrations/postgres"))
            .await
            .run(&pool)
            .await
            .unwrap();
        pool.execute(
            "insert into tenants (slug, name, code) values ('aach', 'Gemeinde Aach', 'AAC'); \
             insert into forms (key, version, definition) values ('hundesteuer', 1, '{}'); \
             insert into services (tenant_id, slug, form_id) \
             select t.id, 'hundesteuer', f.id from tenants t, forms f",
        )
        .await
        .unwrap();
        for (token_hash, answers, expires_at) in old_drafts(expires_at) {
            sqlx::query(
                "insert into drafts (token_hash, tenant_id, service_id, form_id, answers, \
                 expires_at) \
                 select $1, s.tenant_id, s.id, s.form_id, $2, $3 from services s",
            )
            .bind(token_hash)
            .bind(sqlx::types::Json(answers))
            .bind(expires_at)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;

        let store = store::connect(&url).await.unwrap();
        let mut conn = PgConnection::connect(&url).await.unwrap();
        let (rows, owned_by_token): (i64, i64) = sqlx::query_as(
            "select count(*), count(*) filter (where owner = token_hash) from drafts",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        assert_eq!((rows, owned_by_token), (3, 3));

        old_drafts_open_by_their_resume_link(&*store, expires_at).await;
    })
    .await;
}

/// Token hash, answers and expiry of the drafts written in the old shape.
fn old_drafts(expires_at: DateTime<Utc>) -> [(&'static str, serde_json::Value, DateTime<Utc>); 3] {
    [
        (
            OLD_TOKEN,
            json!({"vorname": "Erika", "plz": "99735"}),
            expires_at,
        ),
        (OTHER_TOKEN, json!({"vorname": "Max"}), expires_at),
        (EXPIRED_TOKEN, json!({}), in_days(-1)),
    ]
}

/// What the migrated store must do with the old drafts (both backends).
async fn old_drafts_open_by_their_resume_link(store: &dyn Store, expires_at: DateTime<Utc>) {
    store.ready().await.unwrap();
    let tenant = store.tenant_by_slug("aach").await.unwrap().unwrap();
    let service = store
        .service(tenant.id, "hundesteuer")
        .await
        .unwrap()
        .unwrap();

    // The resume link hands the old draft, as it was saved, to the browser that opens it.
    let claimed = store
        .claim_draft(tenant.id, OLD_TOKEN, NEW_OWNER)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.owner, NEW_OWNER);
    assert_eq!(claimed.tenant_id, tenant.id);
    assert_eq!(claimed.service_id, service.id);
    assert_eq!(claimed.form_id, service.form_id);
    assert_eq!(claimed.answers, json!({"vorname": "Erika", "plz": "99735"}));
    assert_eq!(claimed.expires_at, expires_at);
    assert_eq!(
        claimed.id.get_version_num(),
        4,
        "a random uuid: {}",
        claimed.id
    );
    assert_eq!(
        store.draft(tenant.id, claimed.id, NEW_OWNER).await.unwrap(),
        Some(claimed.clone())
    );

    // Every old draft got an id of its own.
    let other = store
        .claim_draft(tenant.id, OTHER_TOKEN, NEW_OWNER)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(other.id, claimed.id);
    assert_eq!(other.answers, json!({"vorname": "Max"}));

    // The expired one opens nothing and is swept as before.
    assert_eq!(
        store
            .claim_draft(tenant.id, EXPIRED_TOKEN, NEW_OWNER)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.delete_expired_drafts().await.unwrap(), 1);

    // New drafts (without a link yet) live next to the old ones, and the old one completes.
    store
        .create_draft(
            tenant.id,
            &NewDraft {
                id: Uuid::new_v4(),
                owner: NEW_OWNER.into(),
                service_id: service.id,
                form_id: service.form_id,
                answers: json!({}),
                expires_at,
            },
        )
        .await
        .unwrap();
    store
        .submit_case(
            tenant.id,
            &NewCase {
                id: Uuid::new_v4(),
                reference: "AAC-2026-00001".into(),
                service_id: service.id,
                form_id: service.form_id,
                status: store::CaseStatus::Received,
                answers: claimed.answers.clone(),
                submitter_session: Some(NEW_OWNER.into()),
                from_draft: Some(claimed.id),
                attachments: vec![],
                login_level: None,
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_draft(tenant.id, OLD_TOKEN, NEW_OWNER)
            .await
            .unwrap(),
        None
    );
}

/// Runs `test` on a database of its own on `TEST_POSTGRES_URL` (as the contract tests do),
/// dropped afterwards even when the test fails.
async fn on_a_fresh_postgres_database<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admin_url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut admin =
        tokio::time::timeout(Duration::from_secs(10), PgConnection::connect(&admin_url))
            .await
            .expect("PostgreSQL answers within 10 s (start it or set TEST_POSTGRES_URL)")
            .expect("PostgreSQL is reachable (start it or set TEST_POSTGRES_URL)");
    let name = format!("portal_m_{:016x}", rand::random::<u64>());
    admin
        .execute(format!("create database {name}").as_str())
        .await
        .unwrap();
    // The same server and credentials, another database.
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url.as_str(), String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    let url = format!("{server}/{name}{query}");

    let outcome = tokio::spawn(test(url)).await;
    admin
        .execute(format!("drop database if exists {name} with (force)").as_str())
        .await
        .unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
