//! `insert-bench`: the reference figure for `scripts/bench` (see docs/benchmarks.md).
//!
//! Plain durable inserts of a row the size of a case row, opened the way the portal's store
//! opens its database, with as many concurrent writers as the load generator has connections:
//!
//! - SQLite (`sqlite://FILE`): WAL, `synchronous=FULL`, foreign keys, busy timeout 5 s, and every
//!   write through a pool of exactly ONE connection (store/src/sqlite.rs).
//! - PostgreSQL (`postgres://...`): the store's own pool settings (`store::postgres_pool_options`:
//!   16 connections, acquire timeout 5 s, a connection tested only after a second idle).
//!
//! Each writer task inserts one row per transaction (begin, insert, commit) until the time is
//! up. The table `bench_insert` is created in the given (scratch) database and dropped at the
//! end; the portal's tables are never touched.
//!
//! Usage: `insert-bench --url URL [--writers 64] [--seconds 10]`.
//! Prints a human line and a last line `inserts_per_sec=<n>` for scripts.
//!
//! `insert-bench --print-form-body` prints the dog-tax answers (`tests::DOG_TAX_ANSWERS`)
//! urlencoded, without the CSRF token, so the benchmark posts exactly what the tests post.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

/// The same as the store's.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

struct Args {
    url: String,
    writers: usize,
    seconds: u64,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut url = None;
    let mut writers = 64;
    let mut seconds = 10;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--url" => url = Some(value()?),
            "--writers" => writers = value()?.parse().context("--writers: a number")?,
            "--seconds" => seconds = value()?.parse().context("--seconds: a number")?,
            "--print-form-body" => {
                println!("{}", form_body());
                std::process::exit(0);
            }
            "-h" | "--help" => {
                println!(
                    "usage: insert-bench --url sqlite://FILE|postgres://... [--writers N] [--seconds D]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other} (see --help)"),
        }
    }
    let url = url.context("--url is required (sqlite://FILE or postgres://...)")?;
    if writers == 0 || seconds == 0 {
        bail!("--writers and --seconds must be at least 1");
    }
    Ok(Args {
        url,
        writers,
        seconds,
    })
}

/// `application/x-www-form-urlencoded`, as a browser sends it.
fn form_body() -> String {
    fn encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    tests::DOG_TAX_ANSWERS
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A row payload the size of a case row: the answers of the dog-tax form as JSON, plus a
/// reference number and the submitter's session hash (what a case row carries besides ids).
fn payload() -> anyhow::Result<String> {
    let answers: serde_json::Map<String, serde_json::Value> = tests::DOG_TAX_ANSWERS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned())))
        .collect();
    let session: String = (0..32)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect();
    Ok(serde_json::to_string(&serde_json::json!({
        "reference": "WER-2026-7KQ2MX",
        "status": "received",
        "submitter_session": session,
        "answers": answers,
    }))?)
}

enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    async fn open(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .foreign_keys(true)
                .busy_timeout(BUSY_TIMEOUT)
                .synchronous(SqliteSynchronous::Full)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal);
            let pool = SqlitePoolOptions::new()
                .min_connections(1)
                .max_connections(1)
                .connect_with(options)
                .await?;
            sqlx::query(
                "create table if not exists bench_insert (id text primary key, payload text not null, \
                 created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')))",
            )
            .execute(&pool)
            .await?;
            Ok(Self::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = store::postgres_pool_options().connect(url).await?;
            sqlx::query(
                "create table if not exists bench_insert (id uuid primary key, payload jsonb not null, \
                 created_at timestamptz not null default now())",
            )
            .execute(&pool)
            .await?;
            Ok(Self::Postgres(pool))
        } else {
            bail!("unsupported database URL: expected sqlite://FILE or postgres://...")
        }
    }

    /// One row in its own transaction, committed durably.
    async fn insert(&self, payload: &str) -> anyhow::Result<()> {
        let id = uuid::Uuid::new_v4();
        match self {
            Self::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("insert into bench_insert (id, payload) values (?, ?)")
                    .bind(id.hyphenated().to_string())
                    .bind(payload)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Self::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("insert into bench_insert (id, payload) values ($1, $2::jsonb)")
                    .bind(id)
                    .bind(payload)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    async fn count(&self) -> anyhow::Result<i64> {
        Ok(match self {
            Self::Sqlite(pool) => {
                sqlx::query_scalar("select count(*) from bench_insert")
                    .fetch_one(pool)
                    .await?
            }
            Self::Postgres(pool) => {
                sqlx::query_scalar("select count(*) from bench_insert")
                    .fetch_one(pool)
                    .await?
            }
        })
    }

    async fn drop_table(&self) -> anyhow::Result<()> {
        match self {
            Self::Sqlite(pool) => {
                sqlx::query("drop table if exists bench_insert")
                    .execute(pool)
                    .await?;
            }
            Self::Postgres(pool) => {
                sqlx::query("drop table if exists bench_insert")
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }

    async fn close(self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let payload: Arc<str> = payload()?.into();
    let db = Arc::new(
        Db::open(&args.url)
            .await
            .context("cannot open the database")?,
    );

    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::with_capacity(args.writers);
    for _ in 0..args.writers {
        let (db, payload, done, failed) =
            (db.clone(), payload.clone(), done.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let mut first_error = None;
            while Instant::now() < deadline {
                match db.insert(&payload).await {
                    Ok(()) => done.fetch_add(1, Ordering::Relaxed),
                    Err(e) => {
                        first_error.get_or_insert(e);
                        failed.fetch_add(1, Ordering::Relaxed)
                    }
                };
            }
            first_error
        }));
    }
    for task in tasks {
        if let Some(e) = task.await? {
            eprintln!("insert-bench: an insert failed: {e:#}");
        }
    }
    let elapsed = started.elapsed().as_secs_f64();

    let inserted = done.load(Ordering::Relaxed);
    let failed = failed.load(Ordering::Relaxed);
    let counted = db.count().await?;
    db.drop_table().await?;
    if let Some(db) = Arc::into_inner(db) {
        db.close().await;
    }
    if counted != i64::try_from(inserted).unwrap_or(i64::MAX) {
        bail!("{inserted} inserts reported, but the table holds {counted} rows");
    }
    let rate = inserted as f64 / elapsed;
    println!(
        "{inserted} inserts ({failed} failed) of {} payload bytes by {} writers in {elapsed:.1} s",
        payload.len(),
        args.writers
    );
    println!("inserts_per_sec={rate:.1}");
    if failed > 0 {
        bail!("{failed} inserts failed");
    }
    Ok(())
}
