//! The PostgreSQL backend: a shared pool, native types (`uuid`, `jsonb`, `timestamptz`), and
//! constraint names from the migrations to tell unique violations apart.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{Connection, Postgres, Row, Transaction};
use uuid::Uuid;

use crate::types::tenant_role_kinds;
use crate::{
    Attachment, Backend, Case, CaseFee, CaseStatus, CaseSummary, CitizenCase, CitizenLogin, Draft,
    DraftSummary, FailedLogin, FormId, FormParameter, FormRecord, FormScope, FormVersion,
    LockoutPolicy, LoginFlow, LoginKind, NewAttachment, NewCase, NewCitizenSession, NewDraft,
    NewForm, NewLoginFlow, NewService, NewSession, NewStaff, NewTenant, Offer, OidcStaffLogin,
    Page, ParameterChanges, Published, Result, Role, RoleKind, Service, ServiceId, SessionRecord,
    StaffId, StaffOidcSession, StaffUser, Store, StoreError, Tenant, TenantId, TenantProfile,
};

mod batch;
mod delivery;
mod payments;

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

const MAX_CONNECTIONS: u32 = 16;
/// Short enough that an unreachable server fails start-up quickly, long enough for a busy pool.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// A pooled connection unused this long is tested before it is handed out.
const IDLE_BEFORE_TEST: Duration = Duration::from_secs(1);

/// How the store's PostgreSQL pool is set up; public so that the benchmark's reference
/// (`tests/src/bin/insert-bench.rs`) opens its pool the same way.
pub fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // sqlx tests every connection when it goes back to the pool (a round trip) and, by
        // default, again when it is taken out (another one): three round trips per
        // statement. A connection handed back a moment ago was tested then; only one idle
        // for a while (the server may have restarted since) is tested before use.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= IDLE_BEFORE_TEST {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

pub(crate) struct PgStore {
    pool: PgPool,
    /// Submissions without a fee, written together when they arrive together.
    submissions: batch::Gatherer<batch::Submission>,
    /// New drafts, saved steps and draft reads, likewise.
    draft_creates: batch::Gatherer<batch::DraftCreate>,
    draft_updates: batch::Gatherer<batch::DraftUpdate>,
    draft_reads: batch::Gatherer<batch::DraftRead>,
}

impl PgStore {
    pub(crate) async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        // One plain connection first: a pool would only say "timed out", this says why
        // (connection refused, password wrong, database missing).
        tokio::time::timeout(ACQUIRE_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolTimedOut))??
            .close()
            .await?;
        let pool = pool_options().connect_with(options).await?;
        // Takes an advisory lock, so instances starting together migrate one after the other.
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            submissions: batch::Gatherer::start(pool.clone()),
            draft_creates: batch::Gatherer::start(pool.clone()),
            draft_updates: batch::Gatherer::start(pool.clone()),
            draft_reads: batch::Gatherer::start(pool.clone()),
            pool,
        })
    }

    async fn begin(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }
}

fn parse_status(s: &str) -> Result<CaseStatus> {
    CaseStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("case status {s:?}")))
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Turns a unique violation into the store's own error, by the constraint names of the
/// migrations; anything else stays a database error.
fn map_unique(err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        let what = match db.constraint().unwrap_or_default() {
            "cases_reference_key" => return StoreError::DuplicateReference,
            "tenants_slug_key" => "tenant slug",
            "tenants_code_key" => "tenant code",
            "forms_key_version_key" => "form key and version",
            "services_tenant_slug_key" => "service slug",
            "staff_username_key" => "staff username",
            "cases_pkey" => "case id",
            "sessions_pkey" => "session",
            "drafts_pkey" => "draft id",
            "drafts_token_hash_key" => "resume token",
            "attachments_pkey" => "attachment id",
            "attachments_storage_key_key" => "storage key",
            _ => "unique key",
        };
        return StoreError::Conflict(what.to_owned());
    }
    StoreError::Database(err)
}

const TENANT_COLUMNS: &str = "select id, slug, name, code, demo, accent_colour, feedback_email, \
     feedback_phone, town_hall_address, imprint_url, privacy_url, accessibility_reviewed_on \
     from tenants";

fn tenant_from(row: &PgRow) -> Result<Tenant> {
    Ok(Tenant {
        id: TenantId(row.try_get("id")?),
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        code: row.try_get("code")?,
        profile: TenantProfile::from_columns(
            row.try_get("accent_colour")?,
            row.try_get("feedback_email")?,
            row.try_get("feedback_phone")?,
            row.try_get("town_hall_address")?,
            row.try_get("imprint_url")?,
            row.try_get("privacy_url")?,
            row.try_get("accessibility_reviewed_on")?,
        )?,
        demo: row.try_get("demo")?,
    })
}

fn service_from(row: &PgRow) -> Result<Service> {
    Ok(Service {
        id: ServiceId(row.try_get("id")?),
        tenant_id: TenantId(row.try_get("tenant_id")?),
        slug: row.try_get("slug")?,
        form_id: FormId(row.try_get("form_id")?),
    })
}

fn case_from(row: &PgRow) -> Result<Case> {
    Ok(Case {
        id: row.try_get("id")?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        reference: row.try_get("reference")?,
        service_id: ServiceId(row.try_get("service_id")?),
        service_slug: row.try_get("service_slug")?,
        form_id: FormId(row.try_get("form_id")?),
        status: parse_status(row.try_get("status")?)?,
        answers: row.try_get::<Json<serde_json::Value>, _>("answers")?.0,
        created_at: row.try_get("created_at")?,
        login_level: row.try_get("login_level")?,
    })
}

const SESSION_COLUMNS: &str = "select key_hash, staff_id, expires_at, citizen, citizen_level, \
     citizen_claims, id_token, idle_expires_at, staff_amr from sessions";

fn session_from(row: &PgRow) -> Result<SessionRecord> {
    let citizen = match (
        row.try_get::<Option<String>, _>("citizen")?,
        row.try_get::<Option<DateTime<Utc>>, _>("idle_expires_at")?,
    ) {
        // An idle login is over; the row lives on until its absolute end.
        (Some(owner), Some(idle_expires_at)) if idle_expires_at > Utc::now() => {
            Some(CitizenLogin {
                owner,
                level: row
                    .try_get::<Option<String>, _>("citizen_level")?
                    .unwrap_or_default(),
                claims: row
                    .try_get::<Option<Json<serde_json::Value>>, _>("citizen_claims")?
                    .map_or_else(
                        || serde_json::Value::Object(serde_json::Map::new()),
                        |j| j.0,
                    ),
                id_token: row.try_get("id_token")?,
                idle_expires_at,
            })
        }
        _ => None,
    };
    let staff_oidc = row
        .try_get::<Option<Json<Vec<String>>>, _>("staff_amr")?
        .map(|Json(amr)| -> Result<StaffOidcSession> {
            Ok(StaffOidcSession {
                amr,
                id_token: row.try_get("id_token")?,
            })
        })
        .transpose()?;
    Ok(SessionRecord {
        key_hash: row.try_get("key_hash")?,
        staff_id: row.try_get::<Option<i64>, _>("staff_id")?.map(StaffId),
        expires_at: row.try_get::<DateTime<Utc>, _>("expires_at")?,
        citizen,
        staff_oidc,
    })
}

fn draft_summary_from(row: &PgRow) -> Result<DraftSummary> {
    Ok(DraftSummary {
        id: row.try_get("id")?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        service_id: ServiceId(row.try_get("service_id")?),
        updated_at: row.try_get("updated_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

fn citizen_case_from(row: &PgRow) -> Result<CitizenCase> {
    Ok(CitizenCase {
        id: row.try_get("id")?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        service_id: ServiceId(row.try_get("service_id")?),
        reference: row.try_get("reference")?,
        status: parse_status(row.try_get("status")?)?,
        status_note: row.try_get("status_note")?,
        created_at: row.try_get("created_at")?,
    })
}

const DRAFT_FIELDS: &str = "id, owner, tenant_id, service_id, form_id, answers, expires_at";

fn draft_from(row: &PgRow) -> Result<Draft> {
    Ok(Draft {
        id: row.try_get("id")?,
        owner: row.try_get("owner")?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        service_id: ServiceId(row.try_get("service_id")?),
        form_id: FormId(row.try_get("form_id")?),
        answers: row.try_get::<Json<serde_json::Value>, _>("answers")?.0,
        expires_at: row.try_get("expires_at")?,
    })
}

fn failed_logins_from(n: i32) -> Result<u32> {
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("failed logins {n}")))
}

const ATTACHMENT_COLUMNS: &str = "select a.id, a.tenant_id, a.draft_id, a.case_id, a.field_id, \
     a.file_name, a.content_type, a.size_bytes, a.sha256, a.storage_key, a.created_at \
     from attachments a";

fn attachment_from(row: &PgRow) -> Result<Attachment> {
    Ok(Attachment {
        id: row.try_get("id")?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        draft_id: row.try_get("draft_id")?,
        case_id: row.try_get("case_id")?,
        field_id: row.try_get("field_id")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size_bytes: row.try_get("size_bytes")?,
        sha256: row.try_get("sha256")?,
        storage_key: row.try_get("storage_key")?,
        created_at: row.try_get("created_at")?,
    })
}

const STAFF_COLUMNS: &str = "select id, username, password_hash, failed_logins, locked_until, oidc_subject, \
     oidc_tenant, last_login_at from staff";

const CASE_COLUMNS: &str = "select c.id, c.tenant_id, c.reference, c.service_id, \
     s.slug as service_slug, c.form_id, c.status, c.answers, c.created_at, c.login_level \
     from cases c join services s on s.id = c.service_id and s.tenant_id = c.tenant_id";

async fn insert_session(
    tx: &mut Transaction<'static, Postgres>,
    session: &NewSession,
    if_new: bool,
) -> Result<()> {
    let sql = if if_new {
        "insert into sessions (key_hash, staff_id, expires_at) values ($1, $2, $3) \
         on conflict (key_hash) do nothing"
    } else {
        "insert into sessions (key_hash, staff_id, expires_at) values ($1, $2, $3)"
    };
    sqlx::query(sql)
        .bind(&session.key_hash)
        .bind(session.staff_id.map(|s| s.0))
        .bind(session.expires_at)
        .execute(&mut **tx)
        .await
        .map_err(map_unique)?;
    Ok(())
}

impl PgStore {
    async fn staff_from(&self, row: Option<PgRow>) -> Result<Option<StaffUser>> {
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let rows = sqlx::query(
            "select kind, tenant_id from staff_roles where staff_id = $1 \
             order by tenant_id nulls first, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let roles = rows
            .iter()
            .map(|r| {
                let kind: &str = r.try_get("kind")?;
                Ok(Role {
                    kind: RoleKind::parse(kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("role kind {kind:?}")))?,
                    tenant: r.try_get::<Option<i64>, _>("tenant_id")?.map(TenantId),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(StaffUser {
            id: StaffId(id),
            username: row.try_get("username")?,
            password_hash: row.try_get("password_hash")?,
            roles,
            failed_logins: failed_logins_from(row.try_get("failed_logins")?)?,
            locked_until: row.try_get("locked_until")?,
            oidc: row.try_get::<Option<&str>, _>("oidc_subject")?.is_some(),
            oidc_tenant: row.try_get::<Option<i64>, _>("oidc_tenant")?.map(TenantId),
            last_login_at: row.try_get("last_login_at")?,
        }))
    }
}

fn form_parameter_from(row: &PgRow) -> Result<FormParameter> {
    Ok(FormParameter {
        form_key: row.try_get("form_key")?,
        param_id: row.try_get("param_id")?,
        value: row.try_get::<Json<serde_json::Value>, _>("value")?.0,
        updated_at: row.try_get("updated_at")?,
        updated_by: row.try_get::<Option<i64>, _>("updated_by")?.map(StaffId),
    })
}

impl PgStore {
    /// The inbox's cases (complete ones), or those still awaiting payment.
    async fn cases_of(
        &self,
        tenant: TenantId,
        page: Page,
        awaiting: bool,
    ) -> Result<Vec<CaseSummary>> {
        let rows = sqlx::query(
            "select c.id, c.reference, s.slug as service_slug, c.form_id, c.status, c.created_at \
             from cases c join services s on s.id = c.service_id and s.tenant_id = c.tenant_id \
             where c.tenant_id = $1 and (c.status = 'awaiting_payment') = $4 \
             order by c.created_at desc, c.id \
             limit $2 offset $3",
        )
        .bind(tenant.0)
        .bind(to_i64(page.limit))
        .bind(to_i64(page.offset))
        .bind(awaiting)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CaseSummary {
                    id: row.try_get("id")?,
                    reference: row.try_get("reference")?,
                    service_slug: row.try_get("service_slug")?,
                    form_id: FormId(row.try_get("form_id")?),
                    status: parse_status(row.try_get("status")?)?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn count_cases_of(&self, tenant: TenantId, awaiting: bool) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "select count(*) from cases where tenant_id = $1 \
             and (status = 'awaiting_payment') = $2",
        )
        .bind(tenant.0)
        .bind(awaiting)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Stores a case (free, or with its fee) and deletes its draft, in one statement; a case
    /// stored as `received` is complete at once (the same rule as `payments::complete_case`:
    /// `completed_at` set, a `completed` event on the timeline, its deliveries and the
    /// citizen's confirmation email queued as in `delivery::queue_deliveries`).
    async fn insert_case(
        &self,
        tenant: TenantId,
        case: &NewCase,
        fee: Option<&CaseFee>,
        session: Option<&NewSession>,
    ) -> Result<()> {
        insert_case(&self.pool, tenant, case, fee, session).await
    }
}

/// Writes a case with everything that comes with it (see below) in one statement.
pub(super) async fn insert_case(
    pool: &PgPool,
    tenant: TenantId,
    case: &NewCase,
    fee: Option<&CaseFee>,
    session: Option<&NewSession>,
) -> Result<()> {
    let items = fee.map(payments::items_json).transpose()?;
    // One statement, so one round trip and atomic by itself: the service must belong to
    // the tenant (`ok`), the draft it completes (if any) must still be there, unexpired,
    // of this tenant and owned by the submitting browser (`d` deletes it), and only then
    // are the session (kept if it exists) and the case written, and the draft's listed
    // attachments moved to the case (`a`). A unique violation undoes all of it, so a
    // duplicate reference keeps the draft. The draft's delete cascades to its other
    // attachments only at the end of the statement, after `a` has moved the kept ones;
    // the moved rows' foreign key to the case is checked then too, and so are the
    // timeline's (`ev`) and the outbox jobs' (`dj`, `mj`).
    let inserted: i64 = sqlx::query_scalar(
        "with ok as (select 1 from services where id = $3 and tenant_id = $2), \
         d as (delete from drafts where $12::uuid is not null and id = $12 \
               and tenant_id = $2 and owner = $8 and expires_at > now() \
               and exists (select 1 from ok) returning 1), \
         go as (select 1 from ok where $12::uuid is null or exists (select 1 from d)), \
         a as (update attachments set case_id = $1, draft_id = null \
               where id = any($13::uuid[]) and draft_id = $12 and tenant_id = $2 \
               and exists (select 1 from d)), \
         s as (insert into sessions (key_hash, staff_id, expires_at) \
               select $9, $10, $11 from go where $9::text is not null \
               on conflict (key_hash) do nothing), \
         c as (insert into cases (id, tenant_id, service_id, form_id, reference, status, \
               answers, submitter_session, fee_cents, currency, pay_later, fee_items, \
               completed_at, login_level) \
               select $1, $2, $3, $4, $5, $6, $7, $8, $14, $15, $16, $17, \
               case when $6 = 'received' then now() end, $18 from go returning id), \
         ev as (insert into case_events (tenant_id, case_id, kind, actor) \
               select $2, c.id, v.kind, 'citizen' from c, \
               (values (1, 'submitted'), (2, 'completed')) v(n, kind) \
               where v.kind = 'submitted' or $6 = 'received' order by v.n), \
         dj as (insert into outbox_jobs (tenant_id, kind, subject, idempotency_key, \
               next_attempt_at, case_id, target_id) \
               select $2, case when t.kind = 'pull_api' then 'pull' else 'deliver' end, \
               c.id::text, $5 || '.' || t.name, now(), c.id, t.id \
               from c, delivery_targets t, services sv \
               where $6 = 'received' and sv.id = $3 and t.tenant_id = $2 and t.active \
               and (t.services is null or t.services ? sv.slug) \
               on conflict (idempotency_key) do nothing), \
         mj as (insert into outbox_jobs (tenant_id, kind, subject, idempotency_key, \
               next_attempt_at, case_id) \
               select $2, 'mail', 'completed', 'mail.' || $5 || '.completed', now(), c.id \
               from c where $6 = 'received' on conflict (idempotency_key) do nothing) \
         select count(*) from c",
    )
    .bind(case.id)
    .bind(tenant.0)
    .bind(case.service_id.0)
    .bind(case.form_id.0)
    .bind(&case.reference)
    .bind(case.status.as_str())
    .bind(Json(&case.answers))
    .bind(case.submitter_session.as_deref())
    .bind(session.map(|s| s.key_hash.as_str()))
    .bind(session.and_then(|s| s.staff_id).map(|s| s.0))
    .bind(session.map(|s| s.expires_at))
    .bind(case.from_draft)
    .bind(&case.attachments)
    .bind(fee.map(|f| f.amount.0))
    .bind(fee.map(|f| f.currency.as_str()))
    .bind(fee.is_some_and(|f| f.pay_later))
    .bind(items.map(Json))
    .bind(case.login_level.as_deref())
    .fetch_one(pool)
    .await
    .map_err(map_unique)?;
    if inserted == 0 {
        // Only on this rare path: tell a foreign service from a draft that is gone.
        let offered: bool = sqlx::query_scalar(
            "select exists (select 1 from services where id = $1 and tenant_id = $2)",
        )
        .bind(case.service_id.0)
        .bind(tenant.0)
        .fetch_one(pool)
        .await?;
        return Err(if offered && case.from_draft.is_some() {
            StoreError::DraftGone
        } else {
            StoreError::Conflict("service not offered by this tenant".into())
        });
    }
    Ok(())
}

/// Stores a new draft, if the tenant offers its service.
pub(super) async fn insert_draft(pool: &PgPool, tenant: TenantId, draft: &NewDraft) -> Result<()> {
    let written = sqlx::query(
        "insert into drafts (id, owner, tenant_id, service_id, form_id, answers, expires_at) \
         select $1, $2, $3, $4, $5, $6, $7 \
         where exists (select 1 from services where id = $4 and tenant_id = $3)",
    )
    .bind(draft.id)
    .bind(&draft.owner)
    .bind(tenant.0)
    .bind(draft.service_id.0)
    .bind(draft.form_id.0)
    .bind(Json(&draft.answers))
    .bind(draft.expires_at)
    .execute(pool)
    .await
    .map_err(map_unique)?
    .rows_affected();
    if written == 0 {
        return Err(batch::not_offered());
    }
    Ok(())
}

/// Saves the answers of the owner's unexpired draft; `false` when there is none.
pub(super) async fn update_draft(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
    owner: &str,
    answers: &serde_json::Value,
    expires_at: DateTime<Utc>,
) -> Result<bool> {
    let updated = sqlx::query(
        "update drafts set answers = $4, expires_at = $5, updated_at = now() \
         where id = $1 and tenant_id = $2 and owner = $3 and expires_at > now()",
    )
    .bind(id)
    .bind(tenant.0)
    .bind(owner)
    .bind(Json(answers))
    .bind(expires_at)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// The owner's unexpired draft of this tenant.
pub(super) async fn read_draft(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
    owner: &str,
) -> Result<Option<Draft>> {
    sqlx::query(&format!(
        "select {DRAFT_FIELDS} from drafts \
         where id = $1 and tenant_id = $2 and owner = $3 and expires_at > now()"
    ))
    .bind(id)
    .bind(tenant.0)
    .bind(owner)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(draft_from)
    .transpose()
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ready(&self) -> Result<()> {
        sqlx::query("select 1").execute(&self.pool).await?;
        let Some(latest) = MIGRATOR.iter().map(|m| m.version).max() else {
            return Ok(());
        };
        let applied: bool = sqlx::query_scalar(
            "select exists (select 1 from _sqlx_migrations where version = $1 and success)",
        )
        .bind(latest)
        .fetch_one(&self.pool)
        .await?;
        if applied {
            Ok(())
        } else {
            Err(StoreError::Corrupt(format!(
                "migration {latest} not applied"
            )))
        }
    }

    async fn holds_demo_data(&self) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "select exists (select 1 from tenants where demo) \
             or exists (select 1 from forms where demo) \
             or exists (select 1 from staff where demo)",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    async fn remove_demo_data(&self) -> Result<u64> {
        let mut tx = self.begin().await?;
        for sql in [
            // Rows only: the files are left to the sweep of files without a row.
            "delete from attachments where tenant_id in (select id from tenants where demo)",
            // Citizen sessions that submitted demo cases go with them.
            "delete from sessions where staff_id is null and key_hash in \
             (select submitter_session from cases \
              where tenant_id in (select id from tenants where demo))",
            "delete from refunds where tenant_id in (select id from tenants where demo)",
            "delete from payment_attempts where tenant_id in (select id from tenants where demo)",
            "delete from payment_notifications \
             where tenant_id in (select id from tenants where demo)",
            "delete from outbox_jobs where tenant_id in (select id from tenants where demo)",
            "delete from case_events where tenant_id in (select id from tenants where demo)",
            "delete from cases where tenant_id in (select id from tenants where demo)",
            "delete from drafts where tenant_id in (select id from tenants where demo)",
            "delete from services where tenant_id in (select id from tenants where demo)",
            "delete from form_parameters where tenant_id in (select id from tenants where demo)",
            "delete from staff_roles where tenant_id in (select id from tenants where demo)",
            "delete from sessions where staff_id in (select id from staff where demo)",
            "delete from staff where demo",
            // A demo municipality's own form versions outlive it only as federation forms.
            "update forms set tenant_id = null \
             where tenant_id in (select id from tenants where demo)",
            "delete from forms where demo \
             and not exists (select 1 from services s where s.form_id = forms.id) \
             and not exists (select 1 from cases c where c.form_id = forms.id) \
             and not exists (select 1 from drafts d where d.form_id = forms.id)",
        ] {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let removed = sqlx::query("delete from tenants where demo")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(removed)
    }

    async fn create_tenant(&self, tenant: &NewTenant) -> Result<Tenant> {
        let p = &tenant.profile;
        let id: i64 = sqlx::query_scalar(
            "insert into tenants (slug, name, code, demo, accent_colour, feedback_email, \
             feedback_phone, town_hall_address, imprint_url, privacy_url, \
             accessibility_reviewed_on) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id",
        )
        .bind(&tenant.slug)
        .bind(&tenant.name)
        .bind(&tenant.code)
        .bind(tenant.demo)
        .bind(p.accent_colour.hex())
        .bind(&p.feedback_email)
        .bind(&p.feedback_phone)
        .bind(&p.town_hall_address)
        .bind(p.imprint_url.as_ref().map(|u| u.as_str()))
        .bind(p.privacy_url.as_ref().map(|u| u.as_str()))
        .bind(p.accessibility_reviewed_on)
        .fetch_one(&self.pool)
        .await
        .map_err(map_unique)?;
        Ok(Tenant {
            id: TenantId(id),
            slug: tenant.slug.clone(),
            name: tenant.name.clone(),
            code: tenant.code.clone(),
            profile: tenant.profile.clone(),
            demo: tenant.demo,
        })
    }

    async fn update_tenant(
        &self,
        tenant: TenantId,
        name: &str,
        profile: &TenantProfile,
    ) -> Result<bool> {
        let p = profile;
        let updated = sqlx::query(
            "update tenants set name = $1, accent_colour = $2, feedback_email = $3, \
             feedback_phone = $4, town_hall_address = $5, imprint_url = $6, privacy_url = $7, \
             accessibility_reviewed_on = $8 where id = $9",
        )
        .bind(name)
        .bind(p.accent_colour.hex())
        .bind(&p.feedback_email)
        .bind(&p.feedback_phone)
        .bind(&p.town_hall_address)
        .bind(p.imprint_url.as_ref().map(|u| u.as_str()))
        .bind(p.privacy_url.as_ref().map(|u| u.as_str()))
        .bind(p.accessibility_reviewed_on)
        .bind(tenant.0)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn tenants(&self) -> Result<Vec<Tenant>> {
        sqlx::query(&format!("{TENANT_COLUMNS} order by name, id"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(tenant_from)
            .collect()
    }

    async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>> {
        sqlx::query(&format!("{TENANT_COLUMNS} where slug = $1"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(tenant_from)
            .transpose()
    }

    async fn tenant_by_id(&self, id: TenantId) -> Result<Option<Tenant>> {
        sqlx::query(&format!("{TENANT_COLUMNS} where id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(tenant_from)
            .transpose()
    }

    async fn create_form(&self, form: &NewForm) -> Result<FormId> {
        let id: i64 = sqlx::query_scalar(
            "insert into forms (key, version, definition, demo) values ($1, $2, $3::json, $4) \
             returning id",
        )
        .bind(&form.key)
        .bind(form.version)
        .bind(&form.definition)
        .bind(form.demo)
        .fetch_one(&self.pool)
        .await
        .map_err(map_unique)?;
        Ok(FormId(id))
    }

    async fn form(&self, id: FormId) -> Result<Option<FormRecord>> {
        // `json` keeps the text as stored; `::text` hands it back verbatim.
        let row = sqlx::query(
            "select id, key, version, definition::text as definition from forms where id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(FormRecord {
                id: FormId(row.try_get("id")?),
                key: row.try_get("key")?,
                version: row.try_get("version")?,
                definition: row.try_get("definition")?,
            })
        })
        .transpose()
    }

    async fn publish_form(&self, form: &NewForm, scope: FormScope) -> Result<Published> {
        let mut tx = self.begin().await?;
        // Publishes of one key queue here until the transaction ends, so a version can never
        // be written after a greater one (under read committed, each statement below sees
        // what the previous publish committed).
        sqlx::query("select pg_advisory_xact_lock(hashtextextended('form-key:' || $1, 0))")
            .bind(&form.key)
            .execute(&mut *tx)
            .await?;
        let latest: Option<i32> =
            sqlx::query_scalar("select max(version) from forms where key = $1")
                .bind(&form.key)
                .fetch_one(&mut *tx)
                .await?;
        if let Some(latest) = latest.filter(|&latest| latest >= form.version) {
            return Err(StoreError::VersionNotNewer {
                version: form.version,
                latest,
            });
        }
        let owner = match scope {
            FormScope::All => None,
            FormScope::Tenant(tenant) => {
                let shared: bool = sqlx::query_scalar(
                    "select exists (select 1 from services s join forms f on f.id = s.form_id \
                                    where f.key = $1 and s.tenant_id <> $2) \
                     or exists (select 1 from forms \
                                where key = $1 and tenant_id is not null and tenant_id <> $2)",
                )
                .bind(&form.key)
                .bind(tenant.0)
                .fetch_one(&mut *tx)
                .await?;
                if shared {
                    return Err(StoreError::SharedForm);
                }
                Some(tenant.0)
            }
        };
        let id: i64 = sqlx::query_scalar(
            "insert into forms (key, version, definition, demo, tenant_id) \
             values ($1, $2, $3::json, $4, $5) returning id",
        )
        .bind(&form.key)
        .bind(form.version)
        .bind(&form.definition)
        .bind(form.demo)
        .bind(owner)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_unique)?;
        // Only the services in scope: a municipality's publish names its own in the SQL.
        let sql = match scope {
            FormScope::All => {
                "update services set form_id = $1 \
                 where form_id in (select id from forms where key = $2 and version < $3)"
            }
            FormScope::Tenant(_) => {
                "update services set form_id = $1 \
                 where form_id in (select id from forms where key = $2 and version < $3) \
                 and tenant_id = $4"
            }
        };
        let mut update = sqlx::query(sql).bind(id).bind(&form.key).bind(form.version);
        if let FormScope::Tenant(tenant) = scope {
            update = update.bind(tenant.0);
        }
        let moved = update.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(Published {
            id: FormId(id),
            moved,
        })
    }

    async fn form_versions(&self, scope: FormScope) -> Result<Vec<FormVersion>> {
        let select = "select f.id, f.key, f.version, f.tenant_id, f.created_at, \
             s.id as service_id, s.tenant_id as service_tenant, s.slug as service_slug \
             from forms f left join services s on s.form_id = f.id";
        let order = "order by f.key, f.version desc, s.tenant_id, s.slug";
        let rows = match scope {
            FormScope::All => {
                sqlx::query(&format!("{select} {order}"))
                    .fetch_all(&self.pool)
                    .await?
            }
            // The keys this municipality offers (any version) or published itself, and the
            // federation's: keys no municipality published a version of, which it may adopt.
            FormScope::Tenant(tenant) => {
                sqlx::query(&format!(
                    "{select} where f.key in ( \
                         select key from forms where tenant_id = $1 \
                         union select o.key from forms o \
                               join services os on os.form_id = o.id where os.tenant_id = $1 \
                         union select g.key from forms g group by g.key \
                               having count(g.tenant_id) = 0) \
                     {order}"
                ))
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await?
            }
        };
        let mut versions: Vec<FormVersion> = Vec::new();
        for row in &rows {
            let id = FormId(row.try_get("id")?);
            if versions.last().is_none_or(|v| v.id != id) {
                versions.push(FormVersion {
                    id,
                    key: row.try_get("key")?,
                    version: row.try_get("version")?,
                    owner: row.try_get::<Option<i64>, _>("tenant_id")?.map(TenantId),
                    created_at: row.try_get("created_at")?,
                    offered_by: Vec::new(),
                });
            }
            if let (Some(service), Some(version)) = (
                row.try_get::<Option<i64>, _>("service_id")?,
                versions.last_mut(),
            ) {
                version.offered_by.push(Offer {
                    tenant_id: TenantId(row.try_get("service_tenant")?),
                    service_id: ServiceId(service),
                    service_slug: row.try_get("service_slug")?,
                });
            }
        }
        Ok(versions)
    }

    async fn create_service(&self, tenant: TenantId, service: &NewService) -> Result<Service> {
        // A version of another municipality's own form is never offered here.
        let id: Option<i64> = sqlx::query_scalar(
            "insert into services (tenant_id, slug, form_id) \
             select $1, $2, id from forms \
             where id = $3 and (tenant_id is null or tenant_id = $1) returning id",
        )
        .bind(tenant.0)
        .bind(&service.slug)
        .bind(service.form_id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_unique)?;
        let id = id.ok_or(StoreError::ForeignForm)?;
        Ok(Service {
            id: ServiceId(id),
            tenant_id: tenant,
            slug: service.slug.clone(),
            form_id: service.form_id,
        })
    }

    async fn offer_form(
        &self,
        tenant: TenantId,
        slug: &str,
        key: &str,
        scope: FormScope,
    ) -> Result<Option<Service>> {
        let mut tx = self.begin().await?;
        // The publish lock of the key: no version is published, and no other offer of the key
        // made, between the checks and the insert.
        sqlx::query("select pg_advisory_xact_lock(hashtextextended('form-key:' || $1, 0))")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        if let FormScope::Tenant(acting) = scope {
            let foreign: bool = sqlx::query_scalar(
                "select exists (select 1 from forms \
                                where key = $1 and tenant_id is not null and tenant_id <> $2)",
            )
            .bind(key)
            .bind(tenant.0)
            .fetch_one(&mut *tx)
            .await?;
            if acting != tenant || foreign {
                return Err(StoreError::ForeignForm);
            }
        }
        let newest: Option<(i64, Option<i64>)> = sqlx::query_as(
            "select id, tenant_id from forms where key = $1 order by version desc limit 1",
        )
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((form_id, owner)) = newest else {
            return Ok(None);
        };
        if owner.is_some_and(|owner| owner != tenant.0) {
            return Err(StoreError::ForeignForm);
        }
        let offered: bool = sqlx::query_scalar(
            "select exists (select 1 from services s join forms f on f.id = s.form_id \
                            where s.tenant_id = $1 and f.key = $2)",
        )
        .bind(tenant.0)
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
        if offered {
            return Err(StoreError::Conflict("form already offered".into()));
        }
        let id: i64 = sqlx::query_scalar(
            "insert into services (tenant_id, slug, form_id) values ($1, $2, $3) returning id",
        )
        .bind(tenant.0)
        .bind(slug)
        .bind(form_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_unique)?;
        tx.commit().await?;
        Ok(Some(Service {
            id: ServiceId(id),
            tenant_id: tenant,
            slug: slug.to_owned(),
            form_id: FormId(form_id),
        }))
    }

    async fn services(&self, tenant: TenantId) -> Result<Vec<Service>> {
        sqlx::query(
            "select id, tenant_id, slug, form_id from services where tenant_id = $1 \
             order by slug",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(service_from)
        .collect()
    }

    async fn service(&self, tenant: TenantId, slug: &str) -> Result<Option<Service>> {
        sqlx::query(
            "select id, tenant_id, slug, form_id from services where tenant_id = $1 and slug = $2",
        )
        .bind(tenant.0)
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(service_from)
        .transpose()
    }

    async fn form_parameters(&self, tenant: TenantId, key: &str) -> Result<Vec<FormParameter>> {
        sqlx::query(
            "select form_key, param_id, value, updated_at, updated_by from form_parameters \
             where tenant_id = $1 and form_key = $2 order by param_id",
        )
        .bind(tenant.0)
        .bind(key)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(form_parameter_from)
        .collect()
    }

    async fn tenant_form_parameters(&self, tenant: TenantId) -> Result<Vec<FormParameter>> {
        sqlx::query(
            "select form_key, param_id, value, updated_at, updated_by from form_parameters \
             where tenant_id = $1 order by form_key, param_id",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(form_parameter_from)
        .collect()
    }

    async fn set_form_parameters(
        &self,
        tenant: TenantId,
        key: &str,
        changes: &ParameterChanges,
        by: Option<StaffId>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let at = Utc::now();
        for (id, value) in changes {
            match value {
                Some(value) => {
                    sqlx::query(
                        "insert into form_parameters \
                         (tenant_id, form_key, param_id, value, updated_at, updated_by) \
                         values ($1, $2, $3, $4, $5, $6) \
                         on conflict (tenant_id, form_key, param_id) do update set \
                         value = excluded.value, updated_at = excluded.updated_at, \
                         updated_by = excluded.updated_by",
                    )
                    .bind(tenant.0)
                    .bind(key)
                    .bind(id)
                    .bind(Json(value))
                    .bind(at)
                    .bind(by.map(|s| s.0))
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "delete from form_parameters \
                         where tenant_id = $1 and form_key = $2 and param_id = $3",
                    )
                    .bind(tenant.0)
                    .bind(key)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn submit_case(
        &self,
        tenant: TenantId,
        case: &NewCase,
        session: Option<&NewSession>,
    ) -> Result<()> {
        self.submissions
            .ask(batch::Submission {
                tenant,
                case: case.clone(),
                session: session.cloned(),
            })
            .await
    }

    async fn create_draft(&self, tenant: TenantId, draft: &NewDraft) -> Result<()> {
        self.draft_creates
            .ask(batch::DraftCreate {
                tenant,
                draft: draft.clone(),
            })
            .await
    }

    async fn update_draft(
        &self,
        tenant: TenantId,
        id: Uuid,
        owner: &str,
        answers: &serde_json::Value,
        expires_at: DateTime<Utc>,
    ) -> Result<bool> {
        self.draft_updates
            .ask(batch::DraftUpdate {
                tenant,
                id,
                owner: owner.to_owned(),
                answers: answers.clone(),
                expires_at,
            })
            .await
    }

    async fn draft(&self, tenant: TenantId, id: Uuid, owner: &str) -> Result<Option<Draft>> {
        self.draft_reads
            .ask(batch::DraftRead {
                tenant,
                id,
                owner: owner.to_owned(),
            })
            .await
    }

    async fn set_resume_token(
        &self,
        tenant: TenantId,
        id: Uuid,
        owner: &str,
        token_hash: &str,
    ) -> Result<bool> {
        let updated = sqlx::query(
            "update drafts set token_hash = $4, updated_at = now() \
             where id = $1 and tenant_id = $2 and owner = $3 and expires_at > now()",
        )
        .bind(id)
        .bind(tenant.0)
        .bind(owner)
        .bind(token_hash)
        .execute(&self.pool)
        .await
        .map_err(map_unique)?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn claim_draft(
        &self,
        tenant: TenantId,
        token_hash: &str,
        new_owner: &str,
    ) -> Result<Option<Draft>> {
        sqlx::query(&format!(
            "update drafts set owner = $3, updated_at = now() \
             where token_hash = $1 and tenant_id = $2 and expires_at > now() \
             returning {DRAFT_FIELDS}"
        ))
        .bind(token_hash)
        .bind(tenant.0)
        .bind(new_owner)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(draft_from)
        .transpose()
    }

    async fn delete_expired_drafts(&self) -> Result<u64> {
        Ok(sqlx::query("delete from drafts where expires_at <= now()")
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    async fn add_attachment(
        &self,
        tenant: TenantId,
        draft_id: Uuid,
        owner: &str,
        attachment: &NewAttachment,
    ) -> Result<bool> {
        let written = sqlx::query(
            "insert into attachments (id, tenant_id, draft_id, field_id, file_name, \
             content_type, size_bytes, sha256, storage_key) \
             select $1, tenant_id, id, $2, $3, $4, $5, $6, $7 from drafts \
             where id = $8 and tenant_id = $9 and owner = $10 and expires_at > now()",
        )
        .bind(attachment.id)
        .bind(&attachment.field_id)
        .bind(&attachment.file_name)
        .bind(&attachment.content_type)
        .bind(attachment.size_bytes)
        .bind(&attachment.sha256)
        .bind(&attachment.storage_key)
        .bind(draft_id)
        .bind(tenant.0)
        .bind(owner)
        .execute(&self.pool)
        .await
        .map_err(map_unique)?
        .rows_affected();
        Ok(written == 1)
    }

    async fn draft_attachments(
        &self,
        tenant: TenantId,
        draft_id: Uuid,
        owner: &str,
    ) -> Result<Vec<Attachment>> {
        sqlx::query(&format!(
            "{ATTACHMENT_COLUMNS} join drafts d on d.id = a.draft_id \
             where a.draft_id = $1 and a.tenant_id = $2 \
             and d.tenant_id = a.tenant_id and d.owner = $3 and d.expires_at > now() \
             order by a.created_at, a.id"
        ))
        .bind(draft_id)
        .bind(tenant.0)
        .bind(owner)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(attachment_from)
        .collect()
    }

    async fn remove_draft_attachment(
        &self,
        tenant: TenantId,
        draft_id: Uuid,
        owner: &str,
        attachment_id: Uuid,
    ) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "delete from attachments \
             where id = $1 and draft_id = $2 and tenant_id = $3 \
             and exists (select 1 from drafts \
                         where id = $2 and tenant_id = $3 and owner = $4 and expires_at > now()) \
             returning storage_key",
        )
        .bind(attachment_id)
        .bind(draft_id)
        .bind(tenant.0)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn case_attachments(&self, tenant: TenantId, case_id: Uuid) -> Result<Vec<Attachment>> {
        sqlx::query(&format!(
            "{ATTACHMENT_COLUMNS} where a.case_id = $1 and a.tenant_id = $2 \
             order by a.created_at, a.id"
        ))
        .bind(case_id)
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(attachment_from)
        .collect()
    }

    async fn attachment(&self, tenant: TenantId, id: Uuid) -> Result<Option<Attachment>> {
        sqlx::query(&format!(
            "{ATTACHMENT_COLUMNS} where a.id = $1 and a.tenant_id = $2 and a.case_id is not null"
        ))
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(attachment_from)
        .transpose()
    }

    async fn attachment_key_exists(&self, storage_key: &str) -> Result<bool> {
        Ok(
            sqlx::query_scalar("select exists (select 1 from attachments where storage_key = $1)")
                .bind(storage_key)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn case(&self, tenant: TenantId, id: Uuid) -> Result<Option<Case>> {
        sqlx::query(&format!(
            "{CASE_COLUMNS} where c.tenant_id = $1 and c.id = $2"
        ))
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(case_from)
        .transpose()
    }

    async fn case_for_submitter(
        &self,
        tenant: TenantId,
        id: Uuid,
        session_key_hash: &str,
    ) -> Result<Option<Case>> {
        sqlx::query(&format!(
            "{CASE_COLUMNS} where c.tenant_id = $1 and c.id = $2 and c.submitter_session = $3"
        ))
        .bind(tenant.0)
        .bind(id)
        .bind(session_key_hash)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(case_from)
        .transpose()
    }

    async fn cases(&self, tenant: TenantId, page: Page) -> Result<Vec<CaseSummary>> {
        self.cases_of(tenant, page, false).await
    }

    async fn count_cases(&self, tenant: TenantId) -> Result<u64> {
        self.count_cases_of(tenant, false).await
    }

    async fn create_staff(&self, staff: &NewStaff) -> Result<StaffId> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "insert into staff (username, password_hash, demo) values ($1, $2, $3) returning id",
        )
        .bind(&staff.username)
        .bind(&staff.password_hash)
        .bind(staff.demo)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_unique)?;
        for role in &staff.roles {
            sqlx::query("insert into staff_roles (staff_id, kind, tenant_id) values ($1, $2, $3)")
                .bind(id)
                .bind(role.kind.as_str())
                .bind(role.tenant.map(|t| t.0))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(StaffId(id))
    }

    async fn staff_by_username(&self, username: &str) -> Result<Option<StaffUser>> {
        let row = sqlx::query(&format!("{STAFF_COLUMNS} where username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        self.staff_from(row).await
    }

    async fn staff_by_id(&self, id: StaffId) -> Result<Option<StaffUser>> {
        let row = sqlx::query(&format!("{STAFF_COLUMNS} where id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        self.staff_from(row).await
    }

    async fn record_failed_login(
        &self,
        id: StaffId,
        policy: &LockoutPolicy,
    ) -> Result<FailedLogin> {
        // One statement: the row lock orders parallel failures, and the count and the lock it
        // implies are written together. Right of `=` the columns hold their old values. The
        // lock is `base * 2^(failures - threshold)` seconds, capped (the same as
        // `LockoutPolicy::lock_seconds`).
        let row = sqlx::query(
            "update staff set failed_logins = failed_logins + 1, \
             locked_until = case when failed_logins + 1 >= $2 then \
                 now() + least($3 * (1::bigint << least(failed_logins + 1 - $2, 30)), $4) \
                     * interval '1 second' \
                 else null end \
             where id = $1 \
             returning failed_logins, locked_until",
        )
        .bind(id.0)
        .bind(i32::try_from(policy.threshold.max(1)).unwrap_or(i32::MAX))
        .bind(i64::from(policy.base_seconds))
        .bind(i64::from(policy.max_seconds))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(FailedLogin {
                failed_logins: 0,
                locked_until: None,
            });
        };
        Ok(FailedLogin {
            failed_logins: failed_logins_from(row.try_get("failed_logins")?)?,
            locked_until: row.try_get("locked_until")?,
        })
    }

    async fn oidc_staff_login(&self, login: &OidcStaffLogin) -> Result<StaffId> {
        let mut tx = self.begin().await?;
        let existing: Option<(i64, String)> =
            sqlx::query_as("select id, username from staff where oidc_subject = $1 for update")
                .bind(&login.subject)
                .fetch_optional(&mut *tx)
                .await?;
        let (id, username) = match existing {
            Some(found) => found,
            None => {
                // A first login. Another one of the same person may be creating the account
                // at this moment (two tabs): the insert then waits for it and does nothing,
                // and its account is taken, locked like a found one. Every unique index is an
                // arbiter: the racing insert meets the username's index as often as the
                // subject's. Nothing found then means the username is another account's.
                let created: Option<i64> = sqlx::query_scalar(
                    "insert into staff (username, password_hash, demo, oidc_subject, \
                     oidc_tenant) values ($1, '!oidc', false, $2, $3) \
                     on conflict do nothing returning id",
                )
                .bind(&login.username)
                .bind(&login.subject)
                .bind(login.provider_tenant.map(|t| t.0))
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_unique)?;
                match created {
                    Some(id) => (id, login.username.clone()),
                    None => sqlx::query_as(
                        "select id, username from staff where oidc_subject = $1 for update",
                    )
                    .bind(&login.subject)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::Conflict("staff username".into()))?,
                }
            }
        };
        if username != login.username {
            sqlx::query("update staff set username = $1 where id = $2")
                .bind(&login.username)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_unique)?;
        }
        if let Some(roles) = &login.roles {
            sqlx::query("delete from staff_roles where staff_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for role in roles {
                sqlx::query(
                    "insert into staff_roles (staff_id, kind, tenant_id) \
                     select $1, $2, $3::bigint \
                     where $3::bigint is null \
                         or exists (select 1 from tenants where id = $3::bigint)",
                )
                .bind(id)
                .bind(role.kind.as_str())
                .bind(role.tenant.map(|t| t.0))
                .execute(&mut *tx)
                .await?;
            }
        }
        // The provider vouched for the person: a sign-in, with a session or not (one waiting
        // for a role keeps its account from the idle sweep by trying again).
        sqlx::query("update staff set last_login_at = now() where id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(key_hash) = &login.key_hash {
            sqlx::query("delete from sessions where key_hash = $1")
                .bind(&login.old_session_hash)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "insert into sessions (key_hash, staff_id, expires_at, staff_acr, staff_amr, \
                 id_token) values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(key_hash)
            .bind(id)
            .bind(login.expires_at)
            .bind(login.acr.as_deref())
            .bind(Json(&login.amr))
            .bind(login.id_token.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(map_unique)?;
        }
        tx.commit().await?;
        Ok(StaffId(id))
    }

    async fn staff_by_subject(&self, subject: &str) -> Result<Option<StaffUser>> {
        let row = sqlx::query(&format!("{STAFF_COLUMNS} where oidc_subject = $1"))
            .bind(subject)
            .fetch_optional(&self.pool)
            .await?;
        self.staff_from(row).await
    }

    async fn staff_accounts(&self, tenant: TenantId, unassigned: bool) -> Result<Vec<StaffUser>> {
        let rows = sqlx::query(&format!(
            "{STAFF_COLUMNS} where (oidc_tenant = $1 \
             or exists (select 1 from staff_roles r where r.staff_id = staff.id \
                 and r.tenant_id = $1) \
             or ($2 and oidc_tenant is null \
                 and not exists (select 1 from staff_roles r where r.staff_id = staff.id))) \
             order by lower(username), username"
        ))
        .bind(tenant.0)
        .bind(unassigned)
        .fetch_all(&self.pool)
        .await?;
        let mut accounts = Vec::with_capacity(rows.len());
        for row in rows {
            accounts.extend(self.staff_from(Some(row)).await?);
        }
        Ok(accounts)
    }

    async fn set_tenant_roles(
        &self,
        tenant: TenantId,
        staff: StaffId,
        kinds: &[RoleKind],
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        // The account's row lock orders two administrators changing it at once.
        let found: Option<i64> = sqlx::query_scalar(
            "select id from staff where id = $1 and (oidc_tenant is null or oidc_tenant = $2) \
             and exists (select 1 from tenants where id = $2) for update",
        )
        .bind(staff.0)
        .bind(tenant.0)
        .fetch_optional(&mut *tx)
        .await?;
        if found.is_none() {
            return Ok(false);
        }
        sqlx::query("delete from staff_roles where staff_id = $1 and tenant_id = $2")
            .bind(staff.0)
            .bind(tenant.0)
            .execute(&mut *tx)
            .await?;
        for kind in tenant_role_kinds(kinds) {
            sqlx::query("insert into staff_roles (staff_id, kind, tenant_id) values ($1, $2, $3)")
                .bind(staff.0)
                .bind(kind.as_str())
                .bind(tenant.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn unlock_staff(&self, id: StaffId) -> Result<bool> {
        let updated =
            sqlx::query("update staff set failed_logins = 0, locked_until = null where id = $1")
                .bind(id.0)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(updated == 1)
    }

    async fn reset_failed_logins(&self, id: StaffId) -> Result<bool> {
        let updated = sqlx::query(
            "update staff set failed_logins = 0, locked_until = null, last_login_at = now() \
             where id = $1 and (locked_until is null or locked_until <= now())",
        )
        .bind(id.0)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn delete_idle_accounts(&self, idle_since: DateTime<Utc>) -> Result<u64> {
        // The candidates are locked first (skipping any an administrator is changing right
        // now), then deleted by a second statement that checks again with a fresh snapshot:
        // a role granted meanwhile (`set_tenant_roles` locks the row first) keeps the account.
        const IDLE: &str = "s.oidc_subject is not null \
             and coalesce(s.last_login_at, s.created_at) < $1 \
             and not exists (select 1 from staff_roles r where r.staff_id = s.id) \
             and not exists (select 1 from sessions x where x.staff_id = s.id) \
             and not exists (select 1 from refunds f where f.staff_id = s.id)";
        let mut tx = self.begin().await?;
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "select s.id from staff s where {IDLE} for update skip locked"
        ))
        .bind(idle_since)
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let deleted = sqlx::query(&format!(
            "delete from staff s where s.id = any($2) and {IDLE}"
        ))
        .bind(idle_since)
        .bind(&ids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(deleted)
    }

    async fn create_session(&self, session: &NewSession) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_session(&mut tx, session, false).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, key_hash: &str) -> Result<Option<SessionRecord>> {
        sqlx::query(&format!(
            "{SESSION_COLUMNS} where key_hash = $1 and expires_at > now()"
        ))
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(session_from)
        .transpose()
    }

    async fn delete_session(&self, key_hash: &str) -> Result<()> {
        sqlx::query("delete from sessions where key_hash = $1")
            .bind(key_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self) -> Result<u64> {
        let mut tx = self.begin().await?;
        sqlx::query("delete from login_flows where expires_at <= now()")
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query(
            "delete from sessions where expires_at <= now() \
             or (citizen is not null and idle_expires_at <= now())",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(deleted)
    }

    async fn begin_login(&self, flow: &NewLoginFlow) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "insert into sessions (key_hash, staff_id, expires_at) values ($1, null, $2) \
             on conflict (key_hash) do update \
             set expires_at = greatest(sessions.expires_at, excluded.expires_at) \
             where sessions.staff_id is null and sessions.citizen is null",
        )
        .bind(&flow.session_hash)
        .bind(flow.session_expires_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into login_flows (state_hash, session_hash, nonce, pkce_verifier, level, \
             return_to, expires_at, kind, staff_provider) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&flow.state_hash)
        .bind(&flow.session_hash)
        .bind(&flow.nonce)
        .bind(&flow.pkce_verifier)
        .bind(&flow.level)
        .bind(&flow.return_to)
        .bind(flow.expires_at)
        .bind(flow.kind.as_str())
        .bind(flow.staff_provider.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(map_unique)?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_login_flow(
        &self,
        state_hash: &str,
        session_hash: &str,
        kind: LoginKind,
    ) -> Result<Option<LoginFlow>> {
        let row = sqlx::query(
            "delete from login_flows where state_hash = $1 and session_hash = $2 \
             and kind = $3 and expires_at > now() \
             returning nonce, pkce_verifier, level, return_to, staff_provider",
        )
        .bind(state_hash)
        .bind(session_hash)
        .bind(kind.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(LoginFlow {
                nonce: row.try_get("nonce")?,
                pkce_verifier: row.try_get("pkce_verifier")?,
                level: row.try_get("level")?,
                return_to: row.try_get("return_to")?,
                staff_provider: row.try_get("staff_provider")?,
            })
        })
        .transpose()
    }

    async fn complete_login(
        &self,
        old_session_hash: &str,
        session: &NewCitizenSession,
    ) -> Result<()> {
        let login = &session.login;
        let mut tx = self.begin().await?;
        sqlx::query(
            "insert into sessions (key_hash, staff_id, expires_at, citizen, citizen_level, \
             citizen_claims, id_token, idle_expires_at) \
             values ($1, null, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&session.key_hash)
        .bind(session.expires_at)
        .bind(&login.owner)
        .bind(&login.level)
        .bind(Json(&login.claims))
        .bind(login.id_token.as_deref())
        .bind(login.idle_expires_at)
        .execute(&mut *tx)
        .await
        .map_err(map_unique)?;
        if let Some(draft) = session.draft {
            sqlx::query(
                "update drafts set owner = $1, token_hash = null, updated_at = now() \
                 where id = $2 and owner = $3",
            )
            .bind(&login.owner)
            .bind(draft)
            .bind(old_session_hash)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("delete from sessions where key_hash = $1")
            .bind(old_session_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn touch_session(&self, key_hash: &str, idle_expires_at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "update sessions set idle_expires_at = least($1, expires_at) \
             where key_hash = $2 and citizen is not null and idle_expires_at > now()",
        )
        .bind(idle_expires_at)
        .bind(key_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn citizen_drafts(&self, owner: &str) -> Result<Vec<DraftSummary>> {
        sqlx::query(
            "select id, tenant_id, service_id, updated_at, expires_at from drafts \
             where owner = $1 and expires_at > now() order by updated_at desc, id",
        )
        .bind(owner)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(draft_summary_from)
        .collect()
    }

    async fn citizen_cases(&self, owner: &str) -> Result<Vec<CitizenCase>> {
        sqlx::query(
            "select id, tenant_id, service_id, reference, status, status_note, created_at \
             from cases where submitter_session = $1 order by created_at desc, id",
        )
        .bind(owner)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(citizen_case_from)
        .collect()
    }
}
