//! Writes that arrive together are written by one statement: submissions, new drafts and
//! saved steps.
//!
//! A submission on its own is one statement (`insert_case`): it checks the service, deletes
//! the draft, writes the session, the case, its timeline and its outbox jobs. PostgreSQL's
//! cost for such a statement is mostly per statement, not per row: it opens and locks some
//! forty relations and indexes and starts a plan of ten parts, for one row each. A draft's
//! insert, with its five indexes and three foreign keys, is the same on a smaller scale.
//! Under load (many citizens at once) the writes waiting are therefore taken together and
//! written by the same statement with arrays instead of single values, each row checked on its
//! own exactly as the single statement checks it. A write that arrives when none is waiting
//! is written at once by the single statement: no one waits for a batch to fill.
//!
//! Each write is still atomic and durable on its own terms: the statement commits before
//! anyone is answered. A statement that fails as a whole (a duplicate reference in one row
//! fails them all, a deadlock with another batch) is not reported to anyone: every write of
//! the batch is then written again by its own single statement, which reports its own
//! outcome. Two writes of the same draft never share a batch, so that the second sees what
//! the first did, as it would alone.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use sqlx::PgPool;
use sqlx::types::Json;
use tokio::sync::{Semaphore, mpsc, oneshot};
use uuid::Uuid;

use chrono::{DateTime, Utc};

use super::{
    DRAFT_FIELDS, draft_from, insert_case, insert_draft, map_unique, read_draft, update_draft,
};
use crate::{Draft, NewCase, NewDraft, NewSession, Result, StoreError, TenantId};

/// At most this many submissions share one statement.
const MAX_BATCH: usize = 32;
/// Statements of batches running at once; while they run, the next submissions gather.
const IN_FLIGHT: usize = 2;

/// A write (or read) of a kind that several callers can share one statement for.
pub(super) trait Batched: Sized + Send + 'static {
    type Out: Send + 'static;

    /// Two jobs with the same key never share a batch: the later one goes alone, after it,
    /// and sees what the first did.
    fn key(&self) -> Option<Uuid>;

    /// The job on its own, by the single statement.
    fn alone(&self, pool: &PgPool) -> impl Future<Output = Result<Self::Out>> + Send;

    /// Several jobs by one statement: each job's outcome in order, or `None` for a job that
    /// must go alone to learn why it was not written. An error fails the whole batch, whose
    /// jobs then go alone, one by one.
    fn together(
        pool: &PgPool,
        jobs: &[Self],
    ) -> impl Future<Output = Result<Vec<Option<Result<Self::Out>>>>> + Send;
}

type Reply<T> = oneshot::Sender<Result<T>>;

/// A queue of jobs of one kind, taken in batches by a task of its own.
pub(super) struct Gatherer<J: Batched> {
    jobs: mpsc::UnboundedSender<(J, Reply<J::Out>)>,
}

impl<J: Batched> Gatherer<J> {
    /// Starts the task that gathers the jobs; it ends when the store is dropped.
    pub(super) fn start(pool: PgPool) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(gather(pool, queue));
        Self { jobs }
    }

    /// Queues `job` and waits for its outcome. The job goes to its end even if the caller
    /// stops waiting.
    pub(super) async fn ask(&self, job: J) -> Result<J::Out> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send((job, reply))
            .map_err(|_| lost("the writer has stopped"))?;
        answer
            .await
            .unwrap_or_else(|_| Err(lost("the write was abandoned")))
    }
}

/// An error that no row can cause, only the statement itself: PostgreSQL's classes 42
/// (syntax error or access rule violation: an unknown or ambiguous column, a type mismatch)
/// and 0A (feature not supported). A row can cause the others: a taken reference (class 23),
/// a deadlock with another batch (40), a value out of range (22); so can a lost connection.
fn broken_statement(e: &StoreError) -> bool {
    let StoreError::Database(sqlx::Error::Database(db)) = e else {
        return false;
    };
    db.code()
        .is_some_and(|code| code.starts_with("42") || code.starts_with("0A"))
}

fn lost(why: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("not written: {why}")))
}

async fn gather<J: Batched>(pool: PgPool, mut queue: mpsc::UnboundedReceiver<(J, Reply<J::Out>)>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    while let Some(first) = queue.recv().await {
        // Waiting for a slot is what lets the next jobs gather.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            run(&pool, batch).await;
            drop(slot);
        });
    }
}

/// Runs one batch and answers each of its jobs.
async fn run<J: Batched>(pool: &PgPool, batch: Vec<(J, Reply<J::Out>)>) {
    let mut keys = HashSet::new();
    let (together, after): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .partition(|(job, _)| job.key().is_none_or(|k| keys.insert(k)));
    let mut alone = Vec::new();
    if together.len() > 1 {
        let (jobs, replies): (Vec<J>, Vec<Reply<J::Out>>) = together.into_iter().unzip();
        match J::together(pool, &jobs).await {
            Ok(outcomes) if outcomes.len() == jobs.len() => {
                for ((job, reply), outcome) in jobs.into_iter().zip(replies).zip(outcomes) {
                    match outcome {
                        Some(result) => {
                            let _ = reply.send(result);
                        }
                        None => alone.push((job, reply)),
                    }
                }
            }
            Ok(_) => {
                tracing::error!("a batch answered for the wrong number of jobs; done one by one");
                alone.extend(jobs.into_iter().zip(replies));
            }
            Err(e) if broken_statement(&e) => {
                // Not a row's fault but the statement's (a column that is not there, a type
                // that does not fit): a bug. Release builds still write every job alone; debug
                // builds, which the tests run, answer the error, so that a broken batch
                // statement fails the tests instead of only slowing every burst down.
                tracing::error!(error = %e, "a batch statement is broken; done one by one");
                if cfg!(debug_assertions) {
                    for reply in replies {
                        let _ = reply.send(Err(lost(&format!("broken batch statement: {e}"))));
                    }
                    return;
                }
                alone.extend(jobs.into_iter().zip(replies));
            }
            Err(e) => {
                tracing::debug!(error = %e, "a batch failed; done one by one");
                alone.extend(jobs.into_iter().zip(replies));
            }
        }
    } else {
        alone = together;
    }
    for (job, reply) in alone.into_iter().chain(after) {
        let result = job.alone(pool).await;
        let _ = reply.send(result);
    }
}

// --- submissions ------------------------------------------------------------------------------

/// A submission without a fee (see `Store::submit_case`).
pub(super) struct Submission {
    pub(super) tenant: TenantId,
    pub(super) case: NewCase,
    pub(super) session: Option<NewSession>,
}

impl Batched for Submission {
    type Out = ();

    fn key(&self) -> Option<Uuid> {
        self.case.from_draft
    }

    async fn alone(&self, pool: &PgPool) -> Result<()> {
        insert_case(pool, self.tenant, &self.case, None, self.session.as_ref()).await
    }

    /// A case not written was not offered by this tenant, or its draft is gone: the single
    /// statement writes nothing either, and says which.
    async fn together(pool: &PgPool, jobs: &[Self]) -> Result<Vec<Option<Result<()>>>> {
        let stored = insert_cases(pool, jobs).await?;
        Ok(jobs
            .iter()
            .map(|j| stored.contains(&j.case.id).then_some(Ok(())))
            .collect())
    }
}

/// The single statement of `insert_case` for many submissions without a fee: each row is
/// checked on its own (service of the tenant, draft still there and the browser's), and only
/// rows that pass are written. Returns the ids of the cases written.
async fn insert_cases(pool: &PgPool, jobs: &[Submission]) -> Result<HashSet<Uuid>> {
    let n = jobs.len();
    let mut rows = Rows::with_capacity(n);
    for (i, job) in jobs.iter().enumerate() {
        rows.push(i, job);
    }
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "with b as (select * from unnest($1::int[], $2::uuid[], $3::bigint[], $4::bigint[], \
               $5::bigint[], $6::text[], $7::text[], $8::jsonb[], $9::text[], $10::text[], \
               $11::bigint[], $12::timestamptz[], $13::uuid[], $14::text[]) \
               as b(i, id, tenant_id, service_id, form_id, reference, status, answers, \
                    submitter, session_hash, session_staff, session_expires, draft, \
                    login_level)), \
         ok as (select b.* from b join services sv \
               on sv.id = b.service_id and sv.tenant_id = b.tenant_id), \
         d as (delete from drafts dr using ok where dr.id = ok.draft \
               and dr.tenant_id = ok.tenant_id and dr.owner = ok.submitter \
               and dr.expires_at > now() returning dr.id), \
         go as (select ok.* from ok where ok.draft is null or ok.draft in (select id from d)), \
         f as (select * from unnest($15::int[], $16::uuid[]) as f(i, attachment)), \
         a as (update attachments at set case_id = go.id, draft_id = null from f \
               join go on go.i = f.i where at.id = f.attachment and at.draft_id = go.draft \
               and at.tenant_id = go.tenant_id), \
         s as (insert into sessions (key_hash, staff_id, expires_at) \
               select distinct on (session_hash) session_hash, session_staff, session_expires \
               from go where session_hash is not null order by session_hash, i \
               on conflict (key_hash) do nothing), \
         c as (insert into cases (id, tenant_id, service_id, form_id, reference, status, \
               answers, submitter_session, completed_at, login_level) \
               select id, tenant_id, service_id, form_id, reference, status, answers, \
               submitter, case when status = 'received' then now() end, login_level \
               from go order by i returning id), \
         ev as (insert into case_events (tenant_id, case_id, kind, actor) \
               select go.tenant_id, go.id, v.kind, 'citizen' from go join c on c.id = go.id, \
               (values (1, 'submitted'), (2, 'completed')) v(n, kind) \
               where v.kind = 'submitted' or go.status = 'received' order by go.i, v.n), \
         dj as (insert into outbox_jobs (tenant_id, kind, subject, idempotency_key, \
               next_attempt_at, case_id, target_id) \
               select go.tenant_id, case when t.kind = 'pull_api' then 'pull' else 'deliver' end, \
               go.id::text, go.reference || '.' || t.name, now(), go.id, t.id \
               from go join c on c.id = go.id join services sv on sv.id = go.service_id \
               join delivery_targets t on t.tenant_id = go.tenant_id \
               where go.status = 'received' and t.active \
               and (t.services is null or t.services ? sv.slug) \
               order by go.i, t.id \
               on conflict (idempotency_key) do nothing), \
         mj as (insert into outbox_jobs (tenant_id, kind, subject, idempotency_key, \
               next_attempt_at, case_id) \
               select go.tenant_id, 'mail', 'completed', 'mail.' || go.reference || '.completed', \
               now(), go.id from go join c on c.id = go.id where go.status = 'received' \
               order by go.i on conflict (idempotency_key) do nothing) \
         select id from c",
    )
    .bind(rows.i)
    .bind(rows.id)
    .bind(rows.tenant)
    .bind(rows.service)
    .bind(rows.form)
    .bind(rows.reference)
    .bind(rows.status)
    .bind(rows.answers)
    .bind(rows.submitter)
    .bind(rows.session_hash)
    .bind(rows.session_staff)
    .bind(rows.session_expires)
    .bind(rows.draft)
    .bind(rows.login_level)
    .bind(rows.attachment_of)
    .bind(rows.attachment)
    .fetch_all(pool)
    .await
    .map_err(map_unique)?;
    Ok(ids.into_iter().collect())
}

/// The batch as columns, one array per parameter; a case's attachments as pairs of its row
/// number and the attachment's id.
struct Rows<'a> {
    i: Vec<i32>,
    id: Vec<Uuid>,
    tenant: Vec<i64>,
    service: Vec<i64>,
    form: Vec<i64>,
    reference: Vec<&'a str>,
    status: Vec<&'static str>,
    answers: Vec<Json<&'a serde_json::Value>>,
    submitter: Vec<Option<&'a str>>,
    session_hash: Vec<Option<&'a str>>,
    session_staff: Vec<Option<i64>>,
    session_expires: Vec<Option<DateTime<Utc>>>,
    draft: Vec<Option<Uuid>>,
    login_level: Vec<Option<&'a str>>,
    attachment_of: Vec<i32>,
    attachment: Vec<Uuid>,
}

impl<'a> Rows<'a> {
    fn with_capacity(n: usize) -> Self {
        Self {
            i: Vec::with_capacity(n),
            id: Vec::with_capacity(n),
            tenant: Vec::with_capacity(n),
            service: Vec::with_capacity(n),
            form: Vec::with_capacity(n),
            reference: Vec::with_capacity(n),
            status: Vec::with_capacity(n),
            answers: Vec::with_capacity(n),
            submitter: Vec::with_capacity(n),
            session_hash: Vec::with_capacity(n),
            session_staff: Vec::with_capacity(n),
            session_expires: Vec::with_capacity(n),
            draft: Vec::with_capacity(n),
            login_level: Vec::with_capacity(n),
            attachment_of: Vec::new(),
            attachment: Vec::new(),
        }
    }

    fn push(&mut self, i: usize, job: &'a Submission) {
        let i = i32::try_from(i).unwrap_or(i32::MAX);
        let case = &job.case;
        self.i.push(i);
        self.id.push(case.id);
        self.tenant.push(job.tenant.0);
        self.service.push(case.service_id.0);
        self.form.push(case.form_id.0);
        self.reference.push(&case.reference);
        self.status.push(case.status.as_str());
        self.answers.push(Json(&case.answers));
        self.submitter.push(case.submitter_session.as_deref());
        self.session_hash
            .push(job.session.as_ref().map(|s| s.key_hash.as_str()));
        self.session_staff
            .push(job.session.as_ref().and_then(|s| s.staff_id).map(|s| s.0));
        self.session_expires
            .push(job.session.as_ref().map(|s| s.expires_at));
        self.draft.push(case.from_draft);
        self.login_level.push(case.login_level.as_deref());
        for attachment in &case.attachments {
            self.attachment_of.push(i);
            self.attachment.push(*attachment);
        }
    }
}

// --- drafts -----------------------------------------------------------------------------------

/// A new draft (see `Store::create_draft`).
pub(super) struct DraftCreate {
    pub(super) tenant: TenantId,
    pub(super) draft: NewDraft,
}

impl Batched for DraftCreate {
    type Out = ();

    /// A taken id is refused by the single statement with its own error.
    fn key(&self) -> Option<Uuid> {
        Some(self.draft.id)
    }

    async fn alone(&self, pool: &PgPool) -> Result<()> {
        insert_draft(pool, self.tenant, &self.draft).await
    }

    async fn together(pool: &PgPool, jobs: &[Self]) -> Result<Vec<Option<Result<()>>>> {
        let stored = insert_drafts(pool, jobs).await?;
        Ok(jobs
            .iter()
            .map(|j| {
                Some(if stored.contains(&j.draft.id) {
                    Ok(())
                } else {
                    Err(not_offered())
                })
            })
            .collect())
    }
}

async fn insert_drafts(pool: &PgPool, jobs: &[DraftCreate]) -> Result<HashSet<Uuid>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "insert into drafts (id, owner, tenant_id, service_id, form_id, answers, expires_at) \
         select b.id, b.owner, b.tenant_id, b.service_id, b.form_id, b.answers, b.expires_at \
         from unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], \
              $6::jsonb[], $7::timestamptz[]) \
              as b(id, owner, tenant_id, service_id, form_id, answers, expires_at) \
         where exists (select 1 from services where id = b.service_id \
               and tenant_id = b.tenant_id) \
         returning id",
    )
    .bind(jobs.iter().map(|j| j.draft.id).collect::<Vec<_>>())
    .bind(
        jobs.iter()
            .map(|j| j.draft.owner.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(jobs.iter().map(|j| j.tenant.0).collect::<Vec<_>>())
    .bind(
        jobs.iter()
            .map(|j| j.draft.service_id.0)
            .collect::<Vec<_>>(),
    )
    .bind(jobs.iter().map(|j| j.draft.form_id.0).collect::<Vec<_>>())
    .bind(
        jobs.iter()
            .map(|j| Json(&j.draft.answers))
            .collect::<Vec<_>>(),
    )
    .bind(jobs.iter().map(|j| j.draft.expires_at).collect::<Vec<_>>())
    .fetch_all(pool)
    .await
    .map_err(map_unique)?;
    Ok(ids.into_iter().collect())
}

pub(super) fn not_offered() -> StoreError {
    StoreError::Conflict("service not offered by this tenant".into())
}

/// A saved step (see `Store::update_draft`).
pub(super) struct DraftUpdate {
    pub(super) tenant: TenantId,
    pub(super) id: Uuid,
    pub(super) owner: String,
    pub(super) answers: serde_json::Value,
    pub(super) expires_at: DateTime<Utc>,
}

impl Batched for DraftUpdate {
    type Out = bool;

    /// Two saves of the same draft (two tabs) are written one after the other, as alone.
    fn key(&self) -> Option<Uuid> {
        Some(self.id)
    }

    async fn alone(&self, pool: &PgPool) -> Result<bool> {
        update_draft(
            pool,
            self.tenant,
            self.id,
            &self.owner,
            &self.answers,
            self.expires_at,
        )
        .await
    }

    async fn together(pool: &PgPool, jobs: &[Self]) -> Result<Vec<Option<Result<bool>>>> {
        let updated = update_drafts(pool, jobs).await?;
        Ok(jobs
            .iter()
            .map(|j| Some(Ok(updated.contains(&j.id))))
            .collect())
    }
}

async fn update_drafts(pool: &PgPool, jobs: &[DraftUpdate]) -> Result<HashSet<Uuid>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "update drafts d set answers = b.answers, expires_at = b.expires_at, \
         updated_at = now() \
         from unnest($1::uuid[], $2::bigint[], $3::text[], $4::jsonb[], $5::timestamptz[]) \
              as b(id, tenant_id, owner, answers, expires_at) \
         where d.id = b.id and d.tenant_id = b.tenant_id and d.owner = b.owner \
         and d.expires_at > now() \
         returning d.id",
    )
    .bind(jobs.iter().map(|j| j.id).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.tenant.0).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.owner.as_str()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| Json(&j.answers)).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.expires_at).collect::<Vec<_>>())
    .fetch_all(pool)
    .await?;
    Ok(ids.into_iter().collect())
}

/// A draft read (see `Store::draft`): every step and the submission open one.
pub(super) struct DraftRead {
    pub(super) tenant: TenantId,
    pub(super) id: Uuid,
    pub(super) owner: String,
}

impl Batched for DraftRead {
    type Out = Option<Draft>;

    fn key(&self) -> Option<Uuid> {
        None
    }

    async fn alone(&self, pool: &PgPool) -> Result<Option<Draft>> {
        read_draft(pool, self.tenant, self.id, &self.owner).await
    }

    async fn together(pool: &PgPool, jobs: &[Self]) -> Result<Vec<Option<Result<Option<Draft>>>>> {
        let found = select_drafts(pool, jobs).await?;
        // The same conditions as the single read, checked again on each row.
        Ok(jobs
            .iter()
            .map(|j| {
                let draft = found
                    .iter()
                    .find(|d| d.id == j.id && d.tenant_id == j.tenant && d.owner == j.owner)
                    .cloned();
                Some(Ok(draft))
            })
            .collect())
    }
}

/// One lookup by primary key per wanted draft. The `limit 1` keeps the subquery from being
/// pulled up into a join: as a join (`(id, tenant_id, owner) in (select * from unnest(..))`),
/// the plan cached while the table was small hashed the keys and scanned the whole table on
/// every batch, long after the table had grown (seen in the benchmark: 12 million rows read in
/// 8 seconds, PostgreSQL at two thirds of both cores).
fn select_drafts_sql() -> String {
    format!(
        "select d.* from unnest($1::uuid[], $2::bigint[], $3::text[]) as k(id, tenant_id, owner) \
         cross join lateral \
             (select {DRAFT_FIELDS} from drafts \
              where id = k.id and tenant_id = k.tenant_id and owner = k.owner \
              and expires_at > now() limit 1) d"
    )
}

async fn select_drafts(pool: &PgPool, jobs: &[DraftRead]) -> Result<Vec<Draft>> {
    sqlx::query(&select_drafts_sql())
        .bind(jobs.iter().map(|j| j.id).collect::<Vec<_>>())
        .bind(jobs.iter().map(|j| j.tenant.0).collect::<Vec<_>>())
        .bind(jobs.iter().map(|j| j.owner.as_str()).collect::<Vec<_>>())
        .fetch_all(pool)
        .await?
        .iter()
        .map(draft_from)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// A job whose batch statement runs `sql` and whose single statement always succeeds.
    struct Job(u32, &'static str);

    impl Batched for Job {
        type Out = u32;

        fn key(&self) -> Option<Uuid> {
            None
        }

        async fn alone(&self, _pool: &PgPool) -> Result<u32> {
            Ok(self.0)
        }

        async fn together(pool: &PgPool, jobs: &[Self]) -> Result<Vec<Option<Result<u32>>>> {
            sqlx::query(jobs[0].1).execute(pool).await?;
            Ok(jobs.iter().map(|j| Some(Ok(j.0 + 100))).collect())
        }
    }

    async fn test_pool() -> PgPool {
        let url = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        PgPool::connect(&url)
            .await
            .expect("PostgreSQL is reachable (start it or set TEST_POSTGRES_URL)")
    }

    async fn outcomes(pool: &PgPool, sql: &'static str) -> Vec<Result<u32>> {
        let (batch, answers): (Vec<_>, Vec<_>) = (1..=3)
            .map(|i| {
                let (reply, answer) = oneshot::channel();
                ((Job(i, sql), reply), answer)
            })
            .unzip();
        run(pool, batch).await;
        let mut out = Vec::new();
        for answer in answers {
            out.push(answer.await.expect("every job is answered"));
        }
        out
    }

    /// Session 11's first batched read had an ambiguous column: the fallback wrote every
    /// job alone, so every story still passed, only slower. A statement that no row can
    /// break now fails the batch in debug builds; a row's error still falls back.
    #[tokio::test]
    async fn a_broken_batch_statement_fails_the_tests_and_a_row_error_falls_back() {
        let pool = test_pool().await;

        let fine = outcomes(&pool, "select 1").await;
        assert_eq!(
            fine.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
            [101, 102, 103],
            "a batch that works answers from the batch"
        );

        let row_fault = outcomes(&pool, "select 1 / 0").await;
        assert_eq!(
            row_fault
                .into_iter()
                .map(Result::unwrap)
                .collect::<Vec<_>>(),
            [1, 2, 3],
            "a batch failing as a row can make it fail is written one by one"
        );

        if !cfg!(debug_assertions) {
            return; // release builds write a broken batch one by one, like a row's error
        }
        let broken = outcomes(&pool, "select no_such_column from pg_class").await;
        for outcome in broken {
            let e = outcome.expect_err("a broken statement is an error in debug builds");
            assert!(e.to_string().contains("broken batch statement"), "{e}");
        }
    }

    /// The plan a pooled connection caches for the batched draft read while the drafts table
    /// is still small must stay an index lookup per key: it is kept after the table has grown
    /// (until the next analyze), and a scan of the whole table per batch had taken
    /// PostgreSQL to two thirds of both cores in the benchmark.
    #[tokio::test]
    async fn the_batched_draft_read_looks_up_each_key_even_in_a_plan_cached_on_a_small_table() {
        let pool = test_pool().await;
        let mut conn = pool.acquire().await.unwrap();
        // A temporary table of the migration's shape shadows any real one on this connection.
        for sql in [
            "create temporary table drafts (id uuid primary key, owner text not null, \
             tenant_id bigint not null, service_id bigint not null, form_id bigint not null, \
             answers jsonb not null, expires_at timestamptz not null)",
            "create index on drafts (expires_at)",
            "create index on drafts (tenant_id)",
            "create index on drafts (owner)",
            "insert into drafts select gen_random_uuid(), 'owner-' || n, 1, 1, 1, \
             jsonb_build_object('vorname', 'Anna', 'n', n), now() + interval '1 day' \
             from generate_series(1, 300) n",
            "analyze drafts",
            "set plan_cache_mode = force_generic_plan",
        ] {
            sqlx::query(sql).execute(&mut *conn).await.unwrap();
        }
        sqlx::query(&format!(
            "prepare batched_draft_read(uuid[], bigint[], text[]) as {}",
            select_drafts_sql()
        ))
        .execute(&mut *conn)
        .await
        .unwrap();
        let plan: Vec<String> =
            sqlx::query_scalar("explain execute batched_draft_read(null, null, null)")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("Index Scan using"), "{plan}");
        assert!(!plan.contains("Hash"), "{plan}");
        assert!(!plan.contains("Seq Scan on drafts"), "{plan}");
        assert!(!plan.contains("Bitmap Heap Scan on drafts"), "{plan}");
        // The connection goes back to the pool: leave nothing of this test on it.
        sqlx::query("discard all")
            .execute(&mut *conn)
            .await
            .unwrap();
    }
}
