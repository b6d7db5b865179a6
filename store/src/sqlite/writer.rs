//! Group commit for SQLite's busiest write transactions.
//!
//! SQLite has one writer, and with `synchronous=FULL` every commit waits for the disk. Writes
//! that arrive together (submissions, draft steps, finished deliveries) are therefore committed
//! together: a thread of its own takes what is queued, runs each write inside one transaction
//! under a savepoint of its own, and commits once. A write that fails is rolled back to its
//! savepoint and reports its own error; the others go on. Nobody is answered before the commit
//! that holds their write is on disk, and if that commit fails, every write in it reports the
//! failure. So each write is as atomic and as durable as a transaction of its own, and a burst
//! of them costs one disk flush instead of one each.
//!
//! The thread runs nothing else, so the connection is not held up between two statements by
//! other work of the request runtime (rendering a page, evaluating a form's logic).

use std::future::Future;
use std::pin::Pin;

use sqlx::{Connection, SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use crate::{Result, StoreError};

/// At most this many writes share one commit.
const MAX_BATCH: usize = 128;

type BoxFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// Tells the caller how its write ended: `None` when the commit holding it succeeded,
/// otherwise why it failed.
type Reply = Box<dyn FnOnce(Option<String>) + Send>;

/// One queued write: runs on the batch's connection and says whether it succeeded (else it is
/// rolled back to its savepoint), with the reply to send after the commit.
type Run = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, (bool, Reply)> + Send>;

struct Job {
    /// Under a savepoint of its own (several statements), or not (one statement).
    savepoint: bool,
    run: Run,
}

pub(super) struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Writer {
    /// Starts the writer's thread for the store's write pool. The thread ends when the store
    /// (and with it the queue) is dropped, after the writes already queued.
    pub(super) fn start(pool: SqlitePool) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        let (jobs, queue) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || runtime.block_on(group_commit(pool, queue)))
            .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        Ok(Self { jobs })
    }

    /// Runs `work` as one write: atomic (a failure leaves nothing of it), and answered only
    /// once it is durable. It runs to its end even if the caller stops waiting.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T>
    where
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        self.queue(true, work).await
    }

    /// [`Writer::run`] for `work` that is a single statement: SQLite undoes a failed
    /// statement by itself, so it needs no savepoint (two statements fewer on the one
    /// connection).
    pub(super) async fn run_one<T, F>(&self, work: F) -> Result<T>
    where
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        self.queue(false, work).await
    }

    async fn queue<T, F>(&self, savepoint: bool, work: F) -> Result<T>
    where
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<Result<T>>();
        let run: Run = Box::new(move |conn| {
            Box::pin(async move {
                let result = work(conn).await;
                let ok = result.is_ok();
                let reply: Reply = Box::new(move |commit_failed| {
                    let result = match commit_failed {
                        Some(why) if ok => Err(lost(&why)),
                        _ => result,
                    };
                    let _ = answer.send(result);
                });
                (ok, reply)
            })
        });
        self.jobs
            .send(Job { savepoint, run })
            .map_err(|_| lost("the writer has stopped"))?;
        answered
            .await
            .unwrap_or_else(|_| Err(lost("the write was abandoned")))
    }
}

fn lost(why: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("write not committed: {why}")))
}

async fn group_commit(pool: SqlitePool, mut queue: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // A batch that panics drops its replies (its callers get an error); the next batch
        // starts afresh.
        if let Err(e) = tokio::spawn(commit(pool.clone(), batch)).await {
            tracing::error!(error = %e, "a group commit ended abnormally");
        }
    }
}

async fn commit(pool: SqlitePool, batch: Vec<Job>) {
    let mut jobs = batch.into_iter().peekable();
    while jobs.peek().is_some() {
        commit_some(&pool, &mut jobs).await;
    }
}

/// Runs writes of `jobs` in one transaction and commits them, until the writes run out or one
/// of a single statement fails: SQLite ends the whole transaction on some errors (a full disk,
/// say), so what came before is committed (or reported as failed) then, and the rest go on in
/// a new transaction.
async fn commit_some(pool: &SqlitePool, jobs: &mut impl Iterator<Item = Job>) {
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn,
        Err(e) => {
            // Never run: dropping the writes tells each caller that its write was not made.
            jobs.for_each(drop);
            tracing::error!(error = %e, "group commit found no connection");
            return;
        }
    };
    if !transaction(&mut conn, jobs).await {
        // SQLite ends a transaction by itself on some errors (a full disk, an I/O error),
        // while sqlx still counts it as open and would turn the next `BEGIN` into a
        // savepoint that never commits. The connection is therefore never used again; the
        // pool opens a fresh one.
        conn.close_on_drop();
    }
}

/// One transaction over writes of `jobs`. Returns whether it ended cleanly (committed, with
/// no error from SQLite's transaction control on the way).
async fn transaction(conn: &mut SqliteConnection, jobs: &mut impl Iterator<Item = Job>) -> bool {
    let mut tx = match Connection::begin(conn).await {
        Ok(tx) => tx,
        Err(e) => {
            jobs.for_each(drop);
            tracing::error!(error = %e, "group commit could not begin");
            return false;
        }
    };
    let fail_all = |replies: Vec<Reply>, why: String| {
        tracing::error!(error = %why, writes = replies.len(), "group commit failed");
        for reply in replies {
            reply(Some(why.clone()));
        }
    };
    let mut replies: Vec<Reply> = Vec::new();
    let mut failed_alone = None;
    for job in jobs.by_ref() {
        if !job.savepoint {
            let (ok, reply) = (job.run)(&mut tx).await;
            if ok {
                replies.push(reply);
                continue;
            }
            failed_alone = Some(reply);
            break;
        }
        let mut savepoint = match Connection::begin(&mut *tx).await {
            Ok(savepoint) => savepoint,
            Err(e) => {
                // The transaction is unusable: what ran in it is rolled back (dropped), this
                // write was never made.
                fail_all(replies, e.to_string());
                return false;
            }
        };
        let (ok, reply) = (job.run)(&mut savepoint).await;
        let ended = if ok {
            savepoint.commit().await
        } else {
            savepoint.rollback().await
        };
        if let Err(e) = ended {
            replies.push(reply);
            fail_all(replies, e.to_string());
            return false;
        }
        replies.push(reply);
    }
    let clean = match tx.commit().await {
        Ok(()) => {
            replies.into_iter().for_each(|reply| reply(None));
            true
        }
        Err(e) => {
            fail_all(replies, e.to_string());
            false
        }
    };
    if let Some(reply) = failed_alone {
        // Its own error.
        reply(None);
    }
    clean
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::str::FromStr;
    use std::sync::Arc;

    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

    use super::*;

    async fn pool(dir: &tempfile::TempDir) -> SqlitePool {
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                SqliteConnectOptions::from_str(&url)
                    .unwrap()
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal),
            )
            .await
            .unwrap();
        sqlx::query("create table t (x integer not null unique)")
            .execute(&pool)
            .await
            .unwrap();
        pool
    }

    async fn insert(tx: &mut SqliteConnection, x: i64) -> Result<()> {
        sqlx::query("insert into t (x) values (?)")
            .bind(x)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    /// Many writers at once share commits; a write that fails halfway leaves nothing, and
    /// takes nothing of the others with it, whether it has one statement or several.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_write_in_a_group_commit_leaves_nothing_and_harms_no_other() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir).await;
        insert(&mut pool.acquire().await.unwrap(), 0).await.unwrap();
        let writer = Arc::new(Writer::start(pool.clone()).unwrap());
        let mut tasks = Vec::new();
        for i in 1..=300_i64 {
            let writer = writer.clone();
            tasks.push(tokio::spawn(async move {
                match i % 3 {
                    // Two statements, the second a duplicate of 0: both must go.
                    0 => {
                        writer
                            .run(move |tx| {
                                Box::pin(async move {
                                    insert(tx, i).await?;
                                    insert(tx, 0).await
                                })
                            })
                            .await
                    }
                    // One statement, a duplicate.
                    1 if i % 2 == 0 => {
                        writer
                            .run_one(|tx| Box::pin(async move { insert(tx, 0).await }))
                            .await
                    }
                    _ => {
                        writer
                            .run_one(move |tx| Box::pin(async move { insert(tx, i).await }))
                            .await
                    }
                }
            }));
        }
        let mut ok = Vec::new();
        for (i, task) in (1..=300_i64).zip(tasks) {
            if task.await.unwrap().is_ok() {
                ok.push(i);
            }
        }
        let expected: Vec<i64> = (1..=300)
            .filter(|i| i % 3 == 2 || (i % 3 == 1 && i % 2 == 1))
            .collect();
        assert_eq!(ok, expected, "which writes reported success");
        let mut stored: Vec<i64> = sqlx::query_scalar("select x from t where x > 0 order by x")
            .fetch_all(&pool)
            .await
            .unwrap();
        stored.sort_unstable();
        assert_eq!(stored, expected, "what is stored is exactly what succeeded");
    }

    /// A full disk fails the write that hit it; the writes after it still commit, durably
    /// and visibly to other connections (the writer does not go on with a connection whose
    /// transaction SQLite may have ended by itself).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn after_a_full_disk_the_next_writes_still_commit() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir).await;
        sqlx::query("create table b (v blob)")
            .execute(&pool)
            .await
            .unwrap();
        let pages: i64 = sqlx::query_scalar("pragma page_count")
            .fetch_one(&pool)
            .await
            .unwrap();
        // The pool's one connection may grow the file by two pages only.
        sqlx::query(&format!("pragma max_page_count = {}", pages + 2))
            .execute(&pool)
            .await
            .unwrap();
        let writer = Writer::start(pool.clone()).unwrap();
        let full = writer
            .run(|tx| {
                Box::pin(async move {
                    sqlx::query("insert into b (v) values (randomblob(200000))")
                        .execute(&mut *tx)
                        .await?;
                    Ok(())
                })
            })
            .await;
        assert!(full.is_err(), "the write that fills the disk fails");
        for x in 1..=3 {
            writer
                .run_one(move |tx| Box::pin(async move { insert(tx, x).await }))
                .await
                .unwrap();
        }
        // Another connection sees them: they are committed, not in a transaction left open.
        let other = SqlitePoolOptions::new()
            .connect_with(
                SqliteConnectOptions::from_str(&format!(
                    "sqlite://{}",
                    dir.path().join("w.db").display()
                ))
                .unwrap(),
            )
            .await
            .unwrap();
        let stored: Vec<i64> = sqlx::query_scalar("select x from t order by x")
            .fetch_all(&other)
            .await
            .unwrap();
        assert_eq!(stored, vec![1, 2, 3]);
    }
}
