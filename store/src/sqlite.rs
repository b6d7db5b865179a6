//! The SQLite backend: one file in the data folder, WAL mode, foreign keys on.
//!
//! Two pools: readers share several read-only connections, and every write goes through a pool of
//! exactly one connection. SQLite allows one writer at a time anyway; queueing writers in the pool
//! instead of in SQLite means no `SQLITE_BUSY` and no transaction that must upgrade its lock.
//! The busiest writes (submissions, draft steps, outbox jobs) share commits: see [`writer`].
//!
//! Types: uuids are hyphenated text, json is text, booleans 0/1, timestamps text in the fixed
//! format of [`TIMESTAMP_FORMAT`] (text order is time order).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, SqliteConnection, Transaction};
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

mod delivery;
mod payments;
mod writer;

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");

/// Every timestamp column holds this shape, e.g. `2026-11-27T10:13:05.123456Z`.
const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// Dates (no time of day) are text `YYYY-MM-DD`.
const DATE_FORMAT: &str = "%Y-%m-%d";

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) struct SqliteStore {
    read: SqlitePool,
    /// Exactly one connection: all writes are serialised here.
    write: SqlitePool,
    /// Runs the busiest write transactions (see [`writer`]).
    writer: writer::Writer,
}

impl SqliteStore {
    pub(crate) async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .synchronous(SqliteSynchronous::Full);

        let file = options.get_filename().to_owned();
        if let Some(parent) = file.parent()
            && !parent.as_os_str().is_empty()
        {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }

        // The writer creates the file, switches it to WAL (persistent in the file) and migrates
        // before any reader opens it.
        let write = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .connect_with(
                options
                    .clone()
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // The savepoints of group commit (`writer`) keep their undo pages in
                    // memory rather than in a temporary file.
                    .pragma("temp_store", "memory"),
            )
            .await?;
        MIGRATOR.run(&write).await?;

        let readers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(4)
            .clamp(4, 16) as u32;
        let read = SqlitePoolOptions::new()
            .max_connections(readers)
            .connect_with(options.read_only(true))
            .await?;

        Ok(Self {
            writer: writer::Writer::start(write.clone())?,
            read,
            write,
        })
    }

    async fn begin(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.write.begin().await?)
    }
}

fn now() -> String {
    format_ts(Utc::now())
}

fn format_ts(t: DateTime<Utc>) -> String {
    t.format(TIMESTAMP_FORMAT).to_string()
}

fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, TIMESTAMP_FORMAT)
        .map(|t| t.and_utc())
        .or_else(|_| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)))
        .map_err(|_| StoreError::Corrupt(format!("timestamp {s:?}")))
}

fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, DATE_FORMAT)
        .map_err(|_| StoreError::Corrupt(format!("date {s:?}")))
}

fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| StoreError::Corrupt(format!("uuid {s:?}")))
}

fn parse_status(s: &str) -> Result<CaseStatus> {
    CaseStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("case status {s:?}")))
}

fn parse_answers(s: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|_| StoreError::Corrupt("case answers are not JSON".into()))
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Turns a unique violation into the store's own error; anything else stays a database error.
/// SQLite names the columns, not the constraint: `UNIQUE constraint failed: tenants.slug`.
fn map_unique(err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        let columns = db
            .message()
            .split_once(':')
            .map(|(_, c)| c.trim())
            .unwrap_or_default();
        let what = match columns {
            "cases.reference" => return StoreError::DuplicateReference,
            "tenants.slug" => "tenant slug",
            "tenants.code" => "tenant code",
            "forms.key, forms.version" => "form key and version",
            "services.tenant_id, services.slug" => "service slug",
            "staff.username" => "staff username",
            "cases.id" => "case id",
            "sessions.key_hash" => "session",
            "drafts.id" => "draft id",
            "drafts.token_hash" => "resume token",
            "attachments.id" => "attachment id",
            "attachments.storage_key" => "storage key",
            _ => "unique key",
        };
        return StoreError::Conflict(what.to_owned());
    }
    StoreError::Database(err)
}

const TENANT_COLUMNS: &str = "select id, slug, name, code, demo, accent_colour, feedback_email, \
     feedback_phone, town_hall_address, imprint_url, privacy_url, accessibility_reviewed_on \
     from tenants";

fn tenant_from(row: &SqliteRow) -> Result<Tenant> {
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
            row.try_get::<Option<&str>, _>("accessibility_reviewed_on")?
                .map(parse_date)
                .transpose()?,
        )?,
        demo: row.try_get("demo")?,
    })
}

fn service_from(row: &SqliteRow) -> Result<Service> {
    Ok(Service {
        id: ServiceId(row.try_get("id")?),
        tenant_id: TenantId(row.try_get("tenant_id")?),
        slug: row.try_get("slug")?,
        form_id: FormId(row.try_get("form_id")?),
    })
}

fn case_from(row: &SqliteRow) -> Result<Case> {
    Ok(Case {
        id: parse_uuid(row.try_get("id")?)?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        reference: row.try_get("reference")?,
        service_id: ServiceId(row.try_get("service_id")?),
        service_slug: row.try_get("service_slug")?,
        form_id: FormId(row.try_get("form_id")?),
        status: parse_status(row.try_get("status")?)?,
        answers: parse_answers(row.try_get("answers")?)?,
        created_at: parse_ts(row.try_get("created_at")?)?,
        login_level: row.try_get("login_level")?,
    })
}

const SESSION_COLUMNS: &str = "select key_hash, staff_id, expires_at, citizen, citizen_level, \
     citizen_claims, id_token, idle_expires_at, staff_amr from sessions";

fn session_from(row: &SqliteRow) -> Result<SessionRecord> {
    let citizen = match (
        row.try_get::<Option<String>, _>("citizen")?,
        row.try_get::<Option<String>, _>("idle_expires_at")?,
    ) {
        (Some(owner), Some(idle)) => {
            let idle_expires_at = parse_ts(&idle)?;
            let claims: Option<String> = row.try_get("citizen_claims")?;
            let claims = match claims {
                Some(text) => serde_json::from_str(&text)
                    .map_err(|_| StoreError::Corrupt("citizen claims are not JSON".into()))?,
                None => serde_json::Value::Object(serde_json::Map::new()),
            };
            // An idle login is over; the row lives on until its absolute end.
            (idle_expires_at > Utc::now()).then(|| -> Result<CitizenLogin> {
                Ok(CitizenLogin {
                    owner,
                    level: row
                        .try_get::<Option<String>, _>("citizen_level")?
                        .unwrap_or_default(),
                    claims,
                    id_token: row.try_get("id_token")?,
                    idle_expires_at,
                })
            })
        }
        _ => None,
    }
    .transpose()?;
    let staff_oidc = row
        .try_get::<Option<&str>, _>("staff_amr")?
        .map(|amr| -> Result<StaffOidcSession> {
            Ok(StaffOidcSession {
                amr: serde_json::from_str(amr)
                    .map_err(|_| StoreError::Corrupt("staff amr is not a JSON list".into()))?,
                id_token: row.try_get("id_token")?,
            })
        })
        .transpose()?;
    Ok(SessionRecord {
        key_hash: row.try_get("key_hash")?,
        staff_id: row.try_get::<Option<i64>, _>("staff_id")?.map(StaffId),
        expires_at: parse_ts(row.try_get("expires_at")?)?,
        citizen,
        staff_oidc,
    })
}

fn draft_summary_from(row: &SqliteRow) -> Result<DraftSummary> {
    Ok(DraftSummary {
        id: parse_uuid(row.try_get("id")?)?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        service_id: ServiceId(row.try_get("service_id")?),
        updated_at: parse_ts(row.try_get("updated_at")?)?,
        expires_at: parse_ts(row.try_get("expires_at")?)?,
    })
}

fn citizen_case_from(row: &SqliteRow) -> Result<CitizenCase> {
    Ok(CitizenCase {
        id: parse_uuid(row.try_get("id")?)?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        service_id: ServiceId(row.try_get("service_id")?),
        reference: row.try_get("reference")?,
        status: parse_status(row.try_get("status")?)?,
        status_note: row.try_get("status_note")?,
        created_at: parse_ts(row.try_get("created_at")?)?,
    })
}

const DRAFT_FIELDS: &str = "id, owner, tenant_id, service_id, form_id, answers, expires_at";

fn draft_from(row: &SqliteRow) -> Result<Draft> {
    Ok(Draft {
        id: parse_uuid(row.try_get("id")?)?,
        owner: row.try_get("owner")?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        service_id: ServiceId(row.try_get("service_id")?),
        form_id: FormId(row.try_get("form_id")?),
        answers: serde_json::from_str(row.try_get("answers")?)
            .map_err(|_| StoreError::Corrupt("draft answers are not JSON".into()))?,
        expires_at: parse_ts(row.try_get("expires_at")?)?,
    })
}

fn form_parameter_from(row: &SqliteRow) -> Result<FormParameter> {
    let value: String = row.try_get("value")?;
    Ok(FormParameter {
        form_key: row.try_get("form_key")?,
        param_id: row.try_get("param_id")?,
        value: serde_json::from_str(&value)
            .map_err(|_| StoreError::Corrupt("parameter value is not JSON".into()))?,
        updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?)?,
        updated_by: row.try_get::<Option<i64>, _>("updated_by")?.map(StaffId),
    })
}

fn draft_answers(answers: &serde_json::Value) -> Result<String> {
    serde_json::to_string(answers)
        .map_err(|_| StoreError::Corrupt("draft answers cannot be serialised".into()))
}

fn failed_logins_from(n: i64) -> Result<u32> {
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("failed logins {n}")))
}

const ATTACHMENT_COLUMNS: &str = "select a.id, a.tenant_id, a.draft_id, a.case_id, a.field_id, \
     a.file_name, a.content_type, a.size_bytes, a.sha256, a.storage_key, a.created_at \
     from attachments a";

fn attachment_from(row: &SqliteRow) -> Result<Attachment> {
    let uuid = |column: &str| -> Result<Option<Uuid>> {
        row.try_get::<Option<&str>, _>(column)?
            .map(parse_uuid)
            .transpose()
    };
    Ok(Attachment {
        id: parse_uuid(row.try_get("id")?)?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        draft_id: uuid("draft_id")?,
        case_id: uuid("case_id")?,
        field_id: row.try_get("field_id")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size_bytes: row.try_get("size_bytes")?,
        sha256: row.try_get("sha256")?,
        storage_key: row.try_get("storage_key")?,
        created_at: parse_ts(row.try_get("created_at")?)?,
    })
}

/// The ids as a JSON array of hyphenated uuids, for `in (select value from json_each(?))`.
fn uuid_list(ids: &[Uuid]) -> String {
    let ids: Vec<String> = ids.iter().map(|id| id.hyphenated().to_string()).collect();
    serde_json::Value::from(ids).to_string()
}

const STAFF_COLUMNS: &str = "select id, username, password_hash, failed_logins, locked_until, oidc_subject, \
     oidc_tenant, last_login_at from staff";

const CASE_COLUMNS: &str = "select c.id, c.tenant_id, c.reference, c.service_id, \
     s.slug as service_slug, c.form_id, c.status, c.answers, c.created_at, c.login_level \
     from cases c join services s on s.id = c.service_id and s.tenant_id = c.tenant_id";

async fn insert_session(
    tx: &mut SqliteConnection,
    session: &NewSession,
    if_new: bool,
) -> Result<()> {
    let sql = if if_new {
        "insert into sessions (key_hash, staff_id, expires_at, created_at) values (?, ?, ?, ?) \
         on conflict (key_hash) do nothing"
    } else {
        "insert into sessions (key_hash, staff_id, expires_at, created_at) values (?, ?, ?, ?)"
    };
    sqlx::query(sql)
        .bind(&session.key_hash)
        .bind(session.staff_id.map(|s| s.0))
        .bind(format_ts(session.expires_at))
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(map_unique)?;
    Ok(())
}

impl SqliteStore {
    async fn staff_from(&self, row: Option<SqliteRow>) -> Result<Option<StaffUser>> {
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        // `nulls first`: federation roles first, then by tenant id.
        let rows = sqlx::query(
            "select kind, tenant_id from staff_roles where staff_id = ? \
             order by tenant_id nulls first, id",
        )
        .bind(id)
        .fetch_all(&self.read)
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
            locked_until: row
                .try_get::<Option<&str>, _>("locked_until")?
                .map(parse_ts)
                .transpose()?,
            oidc: row.try_get::<Option<&str>, _>("oidc_subject")?.is_some(),
            oidc_tenant: row.try_get::<Option<i64>, _>("oidc_tenant")?.map(TenantId),
            last_login_at: row
                .try_get::<Option<&str>, _>("last_login_at")?
                .map(parse_ts)
                .transpose()?,
        }))
    }
}

impl SqliteStore {
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
             where c.tenant_id = ? and (c.status = 'awaiting_payment') = ? \
             order by c.created_at desc, c.id \
             limit ? offset ?",
        )
        .bind(tenant.0)
        .bind(awaiting)
        .bind(to_i64(page.limit))
        .bind(to_i64(page.offset))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CaseSummary {
                    id: parse_uuid(row.try_get("id")?)?,
                    reference: row.try_get("reference")?,
                    service_slug: row.try_get("service_slug")?,
                    form_id: FormId(row.try_get("form_id")?),
                    status: parse_status(row.try_get("status")?)?,
                    created_at: parse_ts(row.try_get("created_at")?)?,
                })
            })
            .collect()
    }

    async fn count_cases_of(&self, tenant: TenantId, awaiting: bool) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "select count(*) from cases where tenant_id = ? \
             and (status = 'awaiting_payment') = ?",
        )
        .bind(tenant.0)
        .bind(awaiting)
        .fetch_one(&self.read)
        .await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Stores a case (free, or with its fee) and deletes its draft, in one transaction; a
    /// case stored as `received` is complete at once.
    async fn insert_case(
        &self,
        tenant: TenantId,
        case: &NewCase,
        fee: Option<&CaseFee>,
        session: Option<&NewSession>,
    ) -> Result<()> {
        let (case, fee, session) = (case.clone(), fee.cloned(), session.cloned());
        self.writer
            .run(move |tx| {
                Box::pin(async move {
                    insert_case(tx, tenant, &case, fee.as_ref(), session.as_ref()).await
                })
            })
            .await
    }
}

/// The submission's write (one group-committed write, see [`writer`]), in two round trips to
/// the connection: the session and the case (the case only if the municipality offers the
/// service), then the rest. Whatever fails, the writer undoes all of it (a savepoint).
async fn insert_case(
    tx: &mut SqliteConnection,
    tenant: TenantId,
    case: &NewCase,
    fee: Option<&CaseFee>,
    session: Option<&NewSession>,
) -> Result<()> {
    let items = fee.map(payments::items_json).transpose()?;
    let answers = serde_json::to_string(&case.answers)
        .map_err(|_| StoreError::Corrupt("case answers cannot be serialised".into()))?;
    let id = case.id.hyphenated().to_string();
    // A case received at once (nothing to pay now) is complete as it is written: the same as
    // `payments::complete_case` does later for a paid one.
    let complete = case.status == CaseStatus::Received;
    let at = now();

    // 1. The browser's session (kept if it exists), and the case. The service must belong to
    //    the tenant: checked in the insert itself.
    let mut sql = String::new();
    if session.is_some() {
        sql.push_str(
            "insert into sessions (key_hash, staff_id, expires_at, created_at) \
             values (?, ?, ?, ?) on conflict (key_hash) do nothing; ",
        );
    }
    sql.push_str(
        "insert into cases (id, tenant_id, service_id, form_id, reference, status, answers, \
         submitter_session, created_at, fee_cents, currency, pay_later, fee_items, \
         login_level, completed_at) \
         select ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? \
         where exists (select 1 from services where id = ? and tenant_id = ?) \
         returning 1",
    );
    let mut query = sqlx::query(&sql);
    if let Some(session) = session {
        query = query
            .bind(&session.key_hash)
            .bind(session.staff_id.map(|s| s.0))
            .bind(format_ts(session.expires_at))
            .bind(&at);
    }
    let inserted = query
        .bind(&id)
        .bind(tenant.0)
        .bind(case.service_id.0)
        .bind(case.form_id.0)
        .bind(&case.reference)
        .bind(case.status.as_str())
        .bind(answers)
        .bind(case.submitter_session.as_deref())
        .bind(&at)
        .bind(fee.map(|f| f.amount.0))
        .bind(fee.map(|f| f.currency.as_str()))
        .bind(fee.is_some_and(|f| f.pay_later))
        .bind(items)
        .bind(case.login_level.as_deref())
        .bind(complete.then_some(&at))
        .bind(case.service_id.0)
        .bind(tenant.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_unique)?;
    if inserted.is_empty() {
        // A foreign service is a conflict, with or without a draft.
        return Err(StoreError::Conflict(
            "service not offered by this tenant".into(),
        ));
    }

    // 2. The draft's own attachments move to the case before the draft's delete takes the
    //    others with it; the draft must be the submitting browser's own, unexpired. Then the
    //    events (`submitted`, and `completed` for a complete case) and a complete case's jobs:
    //    one per active target that takes the service, and the citizen's confirmation email.
    let mut sql = String::new();
    let draft = case.from_draft.map(|d| d.hyphenated().to_string());
    if draft.is_some() {
        if !case.attachments.is_empty() {
            sql.push_str(
                "update attachments set case_id = ?, draft_id = null \
                 where draft_id = ? and tenant_id = ? \
                 and id in (select value from json_each(?)); ",
            );
        }
        sql.push_str(
            "delete from drafts where id = ? and tenant_id = ? and owner = ? and expires_at > ? \
             returning 1; ",
        );
    }
    sql.push_str(
        "insert into case_events (tenant_id, case_id, kind, actor, detail, at) \
         select ?, ?, kind, 'citizen', '{}', ? \
         from (select 1 as n, 'submitted' as kind union all select 2, 'completed') \
         where n = 1 or ? order by n",
    );
    if complete {
        sql.push_str("; ");
        sql.push_str(delivery::QUEUE_TARGETS);
        sql.push_str("; ");
        sql.push_str(delivery::QUEUE_COMPLETED_MAIL);
    }
    let mut query = sqlx::query(&sql);
    if let Some(draft) = &draft {
        if !case.attachments.is_empty() {
            query = query
                .bind(&id)
                .bind(draft)
                .bind(tenant.0)
                .bind(uuid_list(&case.attachments));
        }
        query = query
            .bind(draft)
            .bind(tenant.0)
            .bind(case.submitter_session.as_deref())
            .bind(&at);
    }
    query = query.bind(tenant.0).bind(&id).bind(&at).bind(complete);
    if complete {
        query = delivery::bind_queue_targets(query, tenant, &id, "", true);
        query = delivery::bind_queue_completed_mail(query, tenant, &id);
    }
    let deleted = query.fetch_all(&mut *tx).await?;
    if draft.is_some() && deleted.is_empty() {
        // Submitted a moment ago (another tab), or expired: the writer undoes the case, the
        // session and the move.
        return Err(StoreError::DraftGone);
    }
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ready(&self) -> Result<()> {
        sqlx::query("select 1").execute(&self.read).await?;
        let Some(latest) = MIGRATOR.iter().map(|m| m.version).max() else {
            return Ok(());
        };
        let applied: bool = sqlx::query_scalar(
            "select exists (select 1 from _sqlx_migrations where version = ? and success)",
        )
        .bind(latest)
        .fetch_one(&self.read)
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
        .fetch_one(&self.read)
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
             accessibility_reviewed_on, created_at) \
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id",
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
        .bind(
            p.accessibility_reviewed_on
                .map(|d| d.format(DATE_FORMAT).to_string()),
        )
        .bind(now())
        .fetch_one(&self.write)
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
            "update tenants set name = ?, accent_colour = ?, feedback_email = ?, \
             feedback_phone = ?, town_hall_address = ?, imprint_url = ?, privacy_url = ?, \
             accessibility_reviewed_on = ? where id = ?",
        )
        .bind(name)
        .bind(p.accent_colour.hex())
        .bind(&p.feedback_email)
        .bind(&p.feedback_phone)
        .bind(&p.town_hall_address)
        .bind(p.imprint_url.as_ref().map(|u| u.as_str()))
        .bind(p.privacy_url.as_ref().map(|u| u.as_str()))
        .bind(
            p.accessibility_reviewed_on
                .map(|d| d.format(DATE_FORMAT).to_string()),
        )
        .bind(tenant.0)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn tenants(&self) -> Result<Vec<Tenant>> {
        sqlx::query(&format!("{TENANT_COLUMNS} order by name, id"))
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(tenant_from)
            .collect()
    }

    async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>> {
        sqlx::query(&format!("{TENANT_COLUMNS} where slug = ?"))
            .bind(slug)
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(tenant_from)
            .transpose()
    }

    async fn tenant_by_id(&self, id: TenantId) -> Result<Option<Tenant>> {
        sqlx::query(&format!("{TENANT_COLUMNS} where id = ?"))
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(tenant_from)
            .transpose()
    }

    async fn create_form(&self, form: &NewForm) -> Result<FormId> {
        let id: i64 = sqlx::query_scalar(
            "insert into forms (key, version, definition, demo, created_at) \
             values (?, ?, ?, ?, ?) returning id",
        )
        .bind(&form.key)
        .bind(form.version)
        .bind(&form.definition)
        .bind(form.demo)
        .bind(now())
        .fetch_one(&self.write)
        .await
        .map_err(map_unique)?;
        Ok(FormId(id))
    }

    async fn form(&self, id: FormId) -> Result<Option<FormRecord>> {
        let row = sqlx::query("select id, key, version, definition from forms where id = ?")
            .bind(id.0)
            .fetch_optional(&self.read)
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
        // The single writer connection runs one transaction at a time, so nothing can come
        // between the checks and the writes.
        let mut tx = self.begin().await?;
        let latest: Option<i32> =
            sqlx::query_scalar("select max(version) from forms where key = ?")
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
                                    where f.key = ?1 and s.tenant_id <> ?2) \
                     or exists (select 1 from forms \
                                where key = ?1 and tenant_id is not null and tenant_id <> ?2)",
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
            "insert into forms (key, version, definition, demo, tenant_id, created_at) \
             values (?, ?, ?, ?, ?, ?) returning id",
        )
        .bind(&form.key)
        .bind(form.version)
        .bind(&form.definition)
        .bind(form.demo)
        .bind(owner)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_unique)?;
        // Only the services in scope: a municipality's publish names its own in the SQL.
        let sql = match scope {
            FormScope::All => {
                "update services set form_id = ?1 \
                 where form_id in (select id from forms where key = ?2 and version < ?3)"
            }
            FormScope::Tenant(_) => {
                "update services set form_id = ?1 \
                 where form_id in (select id from forms where key = ?2 and version < ?3) \
                 and tenant_id = ?4"
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
                    .fetch_all(&self.read)
                    .await?
            }
            // The keys this municipality offers (any version) or published itself, and the
            // federation's: keys no municipality published a version of, which it may adopt.
            FormScope::Tenant(tenant) => {
                sqlx::query(&format!(
                    "{select} where f.key in ( \
                         select key from forms where tenant_id = ?1 \
                         union select o.key from forms o \
                               join services os on os.form_id = o.id where os.tenant_id = ?1 \
                         union select g.key from forms g group by g.key \
                               having count(g.tenant_id) = 0) \
                     {order}"
                ))
                .bind(tenant.0)
                .fetch_all(&self.read)
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
                    created_at: parse_ts(row.try_get("created_at")?)?,
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
            "insert into services (tenant_id, slug, form_id, created_at) \
             select ?1, ?2, id, ?4 from forms \
             where id = ?3 and (tenant_id is null or tenant_id = ?1) returning id",
        )
        .bind(tenant.0)
        .bind(&service.slug)
        .bind(service.form_id.0)
        .bind(now())
        .fetch_optional(&self.write)
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
        // The single writer connection runs one transaction at a time, so nothing can come
        // between the checks and the insert.
        let mut tx = self.begin().await?;
        if let FormScope::Tenant(acting) = scope {
            let foreign: bool = sqlx::query_scalar(
                "select exists (select 1 from forms \
                                where key = ?1 and tenant_id is not null and tenant_id <> ?2)",
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
            "select id, tenant_id from forms where key = ? order by version desc limit 1",
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
                            where s.tenant_id = ? and f.key = ?)",
        )
        .bind(tenant.0)
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
        if offered {
            return Err(StoreError::Conflict("form already offered".into()));
        }
        let id: i64 = sqlx::query_scalar(
            "insert into services (tenant_id, slug, form_id, created_at) values (?, ?, ?, ?) \
             returning id",
        )
        .bind(tenant.0)
        .bind(slug)
        .bind(form_id)
        .bind(now())
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
            "select id, tenant_id, slug, form_id from services where tenant_id = ? order by slug",
        )
        .bind(tenant.0)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(service_from)
        .collect()
    }

    async fn service(&self, tenant: TenantId, slug: &str) -> Result<Option<Service>> {
        sqlx::query(
            "select id, tenant_id, slug, form_id from services where tenant_id = ? and slug = ?",
        )
        .bind(tenant.0)
        .bind(slug)
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(service_from)
        .transpose()
    }

    async fn form_parameters(&self, tenant: TenantId, key: &str) -> Result<Vec<FormParameter>> {
        sqlx::query(
            "select form_key, param_id, value, updated_at, updated_by from form_parameters \
             where tenant_id = ? and form_key = ? order by param_id",
        )
        .bind(tenant.0)
        .bind(key)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(form_parameter_from)
        .collect()
    }

    async fn tenant_form_parameters(&self, tenant: TenantId) -> Result<Vec<FormParameter>> {
        sqlx::query(
            "select form_key, param_id, value, updated_at, updated_by from form_parameters \
             where tenant_id = ? order by form_key, param_id",
        )
        .bind(tenant.0)
        .fetch_all(&self.read)
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
        let at = now();
        for (id, value) in changes {
            match value {
                Some(value) => {
                    sqlx::query(
                        "insert into form_parameters \
                         (tenant_id, form_key, param_id, value, updated_at, updated_by, created_at) \
                         values (?, ?, ?, ?, ?, ?, ?) \
                         on conflict (tenant_id, form_key, param_id) do update set \
                         value = excluded.value, updated_at = excluded.updated_at, \
                         updated_by = excluded.updated_by",
                    )
                    .bind(tenant.0)
                    .bind(key)
                    .bind(id)
                    .bind(value.to_string())
                    .bind(&at)
                    .bind(by.map(|s| s.0))
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "delete from form_parameters \
                         where tenant_id = ? and form_key = ? and param_id = ?",
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
        self.insert_case(tenant, case, None, session).await
    }

    async fn create_draft(&self, tenant: TenantId, draft: &NewDraft) -> Result<()> {
        let answers = draft_answers(&draft.answers)?;
        let draft = draft.clone();
        let written = self
            .writer
            .run_one(move |tx| {
                Box::pin(async move {
                    let now = now();
                    Ok(sqlx::query(
                        "insert into drafts (id, owner, tenant_id, service_id, form_id, answers, \
                         expires_at, created_at, updated_at) \
                         select ?, ?, ?, ?, ?, ?, ?, ?, ? \
                         where exists (select 1 from services where id = ? and tenant_id = ?)",
                    )
                    .bind(draft.id.hyphenated().to_string())
                    .bind(&draft.owner)
                    .bind(tenant.0)
                    .bind(draft.service_id.0)
                    .bind(draft.form_id.0)
                    .bind(answers)
                    .bind(format_ts(draft.expires_at))
                    .bind(&now)
                    .bind(&now)
                    .bind(draft.service_id.0)
                    .bind(tenant.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_unique)?
                    .rows_affected())
                })
            })
            .await?;
        if written == 0 {
            return Err(StoreError::Conflict(
                "service not offered by this tenant".into(),
            ));
        }
        Ok(())
    }

    async fn update_draft(
        &self,
        tenant: TenantId,
        id: Uuid,
        owner: &str,
        answers: &serde_json::Value,
        expires_at: DateTime<Utc>,
    ) -> Result<bool> {
        let answers = draft_answers(answers)?;
        let owner = owner.to_owned();
        let updated = self
            .writer
            .run_one(move |tx| {
                Box::pin(async move {
                    let now = now();
                    Ok(sqlx::query(
                        "update drafts set answers = ?, expires_at = ?, updated_at = ? \
                         where id = ? and tenant_id = ? and owner = ? and expires_at > ?",
                    )
                    .bind(answers)
                    .bind(format_ts(expires_at))
                    .bind(&now)
                    .bind(id.hyphenated().to_string())
                    .bind(tenant.0)
                    .bind(owner)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected())
                })
            })
            .await?;
        Ok(updated == 1)
    }

    async fn draft(&self, tenant: TenantId, id: Uuid, owner: &str) -> Result<Option<Draft>> {
        sqlx::query(&format!(
            "select {DRAFT_FIELDS} from drafts \
             where id = ? and tenant_id = ? and owner = ? and expires_at > ?"
        ))
        .bind(id.hyphenated().to_string())
        .bind(tenant.0)
        .bind(owner)
        .bind(now())
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(draft_from)
        .transpose()
    }

    async fn set_resume_token(
        &self,
        tenant: TenantId,
        id: Uuid,
        owner: &str,
        token_hash: &str,
    ) -> Result<bool> {
        let now = now();
        let updated = sqlx::query(
            "update drafts set token_hash = ?, updated_at = ? \
             where id = ? and tenant_id = ? and owner = ? and expires_at > ?",
        )
        .bind(token_hash)
        .bind(&now)
        .bind(id.hyphenated().to_string())
        .bind(tenant.0)
        .bind(owner)
        .bind(&now)
        .execute(&self.write)
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
        let now = now();
        sqlx::query(&format!(
            "update drafts set owner = ?, updated_at = ? \
             where token_hash = ? and tenant_id = ? and expires_at > ? \
             returning {DRAFT_FIELDS}"
        ))
        .bind(new_owner)
        .bind(&now)
        .bind(token_hash)
        .bind(tenant.0)
        .bind(&now)
        .fetch_optional(&self.write)
        .await?
        .as_ref()
        .map(draft_from)
        .transpose()
    }

    async fn delete_expired_drafts(&self) -> Result<u64> {
        Ok(sqlx::query("delete from drafts where expires_at <= ?")
            .bind(now())
            .execute(&self.write)
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
        let now = now();
        let written = sqlx::query(
            "insert into attachments (id, tenant_id, draft_id, field_id, file_name, \
             content_type, size_bytes, sha256, storage_key, created_at) \
             select ?, tenant_id, id, ?, ?, ?, ?, ?, ?, ? from drafts \
             where id = ? and tenant_id = ? and owner = ? and expires_at > ?",
        )
        .bind(attachment.id.hyphenated().to_string())
        .bind(&attachment.field_id)
        .bind(&attachment.file_name)
        .bind(&attachment.content_type)
        .bind(attachment.size_bytes)
        .bind(&attachment.sha256)
        .bind(&attachment.storage_key)
        .bind(&now)
        .bind(draft_id.hyphenated().to_string())
        .bind(tenant.0)
        .bind(owner)
        .bind(&now)
        .execute(&self.write)
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
             where a.draft_id = ? and a.tenant_id = ? \
             and d.tenant_id = a.tenant_id and d.owner = ? and d.expires_at > ? \
             order by a.created_at, a.id"
        ))
        .bind(draft_id.hyphenated().to_string())
        .bind(tenant.0)
        .bind(owner)
        .bind(now())
        .fetch_all(&self.read)
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
        let draft_id = draft_id.hyphenated().to_string();
        Ok(sqlx::query_scalar(
            "delete from attachments \
             where id = ? and draft_id = ? and tenant_id = ? \
             and exists (select 1 from drafts \
                         where id = ? and tenant_id = ? and owner = ? and expires_at > ?) \
             returning storage_key",
        )
        .bind(attachment_id.hyphenated().to_string())
        .bind(&draft_id)
        .bind(tenant.0)
        .bind(&draft_id)
        .bind(tenant.0)
        .bind(owner)
        .bind(now())
        .fetch_optional(&self.write)
        .await?)
    }

    async fn case_attachments(&self, tenant: TenantId, case_id: Uuid) -> Result<Vec<Attachment>> {
        sqlx::query(&format!(
            "{ATTACHMENT_COLUMNS} where a.case_id = ? and a.tenant_id = ? \
             order by a.created_at, a.id"
        ))
        .bind(case_id.hyphenated().to_string())
        .bind(tenant.0)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(attachment_from)
        .collect()
    }

    async fn attachment(&self, tenant: TenantId, id: Uuid) -> Result<Option<Attachment>> {
        sqlx::query(&format!(
            "{ATTACHMENT_COLUMNS} where a.id = ? and a.tenant_id = ? and a.case_id is not null"
        ))
        .bind(id.hyphenated().to_string())
        .bind(tenant.0)
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(attachment_from)
        .transpose()
    }

    async fn attachment_key_exists(&self, storage_key: &str) -> Result<bool> {
        Ok(
            sqlx::query_scalar("select exists (select 1 from attachments where storage_key = ?)")
                .bind(storage_key)
                .fetch_one(&self.read)
                .await?,
        )
    }

    async fn case(&self, tenant: TenantId, id: Uuid) -> Result<Option<Case>> {
        sqlx::query(&format!(
            "{CASE_COLUMNS} where c.tenant_id = ? and c.id = ?"
        ))
        .bind(tenant.0)
        .bind(id.hyphenated().to_string())
        .fetch_optional(&self.read)
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
            "{CASE_COLUMNS} where c.tenant_id = ? and c.id = ? and c.submitter_session = ?"
        ))
        .bind(tenant.0)
        .bind(id.hyphenated().to_string())
        .bind(session_key_hash)
        .fetch_optional(&self.read)
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
            "insert into staff (username, password_hash, demo, created_at) values (?, ?, ?, ?) \
             returning id",
        )
        .bind(&staff.username)
        .bind(&staff.password_hash)
        .bind(staff.demo)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_unique)?;
        for role in &staff.roles {
            sqlx::query(
                "insert into staff_roles (staff_id, kind, tenant_id, created_at) \
                 values (?, ?, ?, ?)",
            )
            .bind(id)
            .bind(role.kind.as_str())
            .bind(role.tenant.map(|t| t.0))
            .bind(now())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(StaffId(id))
    }

    async fn staff_by_username(&self, username: &str) -> Result<Option<StaffUser>> {
        let row = sqlx::query(&format!("{STAFF_COLUMNS} where username = ?"))
            .bind(username)
            .fetch_optional(&self.read)
            .await?;
        self.staff_from(row).await
    }

    async fn staff_by_id(&self, id: StaffId) -> Result<Option<StaffUser>> {
        let row = sqlx::query(&format!("{STAFF_COLUMNS} where id = ?"))
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?;
        self.staff_from(row).await
    }

    async fn record_failed_login(
        &self,
        id: StaffId,
        policy: &LockoutPolicy,
    ) -> Result<FailedLogin> {
        // One statement: the count and the lock it implies are written together, and the
        // single writer connection orders parallel failures. Right of `=` the columns hold
        // their old values. The lock is `base * 2^(failures - threshold)` seconds, capped
        // (the same as `LockoutPolicy::lock_seconds`).
        let row = sqlx::query(
            "update staff set failed_logins = failed_logins + 1, \
             locked_until = case when failed_logins + 1 >= ?2 then \
                 strftime('%Y-%m-%dT%H:%M:%f000Z', ?3, \
                     '+' || min(?4 * (1 << min(failed_logins + 1 - ?2, 30)), ?5) || ' seconds') \
                 else null end \
             where id = ?1 \
             returning failed_logins, locked_until",
        )
        .bind(id.0)
        .bind(i64::from(policy.threshold.max(1)))
        .bind(now())
        .bind(i64::from(policy.base_seconds))
        .bind(i64::from(policy.max_seconds))
        .fetch_optional(&self.write)
        .await?;
        let Some(row) = row else {
            return Ok(FailedLogin {
                failed_logins: 0,
                locked_until: None,
            });
        };
        Ok(FailedLogin {
            failed_logins: failed_logins_from(row.try_get("failed_logins")?)?,
            locked_until: row
                .try_get::<Option<&str>, _>("locked_until")?
                .map(parse_ts)
                .transpose()?,
        })
    }

    async fn oidc_staff_login(&self, login: &OidcStaffLogin) -> Result<StaffId> {
        let amr = serde_json::to_string(&login.amr)
            .map_err(|_| StoreError::Corrupt("amr cannot be serialised".into()))?;
        let now = now();
        let mut tx = self.begin().await?;
        let existing: Option<(i64, String)> =
            sqlx::query_as("select id, username from staff where oidc_subject = ?")
                .bind(&login.subject)
                .fetch_optional(&mut *tx)
                .await?;
        let id = match existing {
            Some((id, username)) => {
                if username != login.username {
                    sqlx::query("update staff set username = ? where id = ?")
                        .bind(&login.username)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_unique)?;
                }
                id
            }
            None => sqlx::query_scalar(
                "insert into staff (username, password_hash, demo, created_at, oidc_subject, \
                 oidc_tenant) values (?, '!oidc', 0, ?, ?, ?) returning id",
            )
            .bind(&login.username)
            .bind(&now)
            .bind(&login.subject)
            .bind(login.provider_tenant.map(|t| t.0))
            .fetch_one(&mut *tx)
            .await
            .map_err(map_unique)?,
        };
        if let Some(roles) = &login.roles {
            sqlx::query("delete from staff_roles where staff_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for role in roles {
                sqlx::query(
                    "insert into staff_roles (staff_id, kind, tenant_id, created_at) \
                     select ?1, ?2, ?3, ?4 \
                     where ?3 is null or exists (select 1 from tenants where id = ?3)",
                )
                .bind(id)
                .bind(role.kind.as_str())
                .bind(role.tenant.map(|t| t.0))
                .bind(&now)
                .execute(&mut *tx)
                .await?;
            }
        }
        // The provider vouched for the person: a sign-in, with a session or not.
        sqlx::query("update staff set last_login_at = ? where id = ?")
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(key_hash) = &login.key_hash {
            sqlx::query("delete from sessions where key_hash = ?")
                .bind(&login.old_session_hash)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "insert into sessions (key_hash, staff_id, expires_at, created_at, staff_acr, \
                 staff_amr, id_token) values (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(key_hash)
            .bind(id)
            .bind(format_ts(login.expires_at))
            .bind(&now)
            .bind(login.acr.as_deref())
            .bind(amr)
            .bind(login.id_token.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(map_unique)?;
        }
        tx.commit().await?;
        Ok(StaffId(id))
    }

    async fn staff_by_subject(&self, subject: &str) -> Result<Option<StaffUser>> {
        let row = sqlx::query(&format!("{STAFF_COLUMNS} where oidc_subject = ?"))
            .bind(subject)
            .fetch_optional(&self.read)
            .await?;
        self.staff_from(row).await
    }

    async fn staff_accounts(&self, tenant: TenantId, unassigned: bool) -> Result<Vec<StaffUser>> {
        let rows = sqlx::query(&format!(
            "{STAFF_COLUMNS} where (oidc_tenant = ?1 \
             or exists (select 1 from staff_roles r where r.staff_id = staff.id \
                 and r.tenant_id = ?1) \
             or (?2 and oidc_tenant is null \
                 and not exists (select 1 from staff_roles r where r.staff_id = staff.id))) \
             order by lower(username), username"
        ))
        .bind(tenant.0)
        .bind(unassigned)
        .fetch_all(&self.read)
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
        let now = now();
        let mut tx = self.begin().await?;
        let found: Option<i64> = sqlx::query_scalar(
            "select id from staff where id = ? and (oidc_tenant is null or oidc_tenant = ?) \
             and exists (select 1 from tenants where id = ?)",
        )
        .bind(staff.0)
        .bind(tenant.0)
        .bind(tenant.0)
        .fetch_optional(&mut *tx)
        .await?;
        if found.is_none() {
            return Ok(false);
        }
        sqlx::query("delete from staff_roles where staff_id = ? and tenant_id = ?")
            .bind(staff.0)
            .bind(tenant.0)
            .execute(&mut *tx)
            .await?;
        for kind in tenant_role_kinds(kinds) {
            sqlx::query(
                "insert into staff_roles (staff_id, kind, tenant_id, created_at) \
                 values (?, ?, ?, ?)",
            )
            .bind(staff.0)
            .bind(kind.as_str())
            .bind(tenant.0)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn unlock_staff(&self, id: StaffId) -> Result<bool> {
        let updated =
            sqlx::query("update staff set failed_logins = 0, locked_until = null where id = ?")
                .bind(id.0)
                .execute(&self.write)
                .await?
                .rows_affected();
        Ok(updated == 1)
    }

    async fn reset_failed_logins(&self, id: StaffId) -> Result<bool> {
        let updated = sqlx::query(
            "update staff set failed_logins = 0, locked_until = null, last_login_at = ?2 \
             where id = ?1 and (locked_until is null or locked_until <= ?2)",
        )
        .bind(id.0)
        .bind(now())
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn delete_idle_accounts(&self, idle_since: DateTime<Utc>) -> Result<u64> {
        // Timestamps share one fixed-width format, so they compare as text.
        let deleted = sqlx::query(
            "delete from staff where oidc_subject is not null \
             and coalesce(last_login_at, created_at) < ? \
             and not exists (select 1 from staff_roles r where r.staff_id = staff.id) \
             and not exists (select 1 from sessions x where x.staff_id = staff.id) \
             and not exists (select 1 from refunds f where f.staff_id = staff.id)",
        )
        .bind(format_ts(idle_since))
        .execute(&self.write)
        .await?
        .rows_affected();
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
            "{SESSION_COLUMNS} where key_hash = ? and expires_at > ?"
        ))
        .bind(key_hash)
        .bind(now())
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(session_from)
        .transpose()
    }

    async fn delete_session(&self, key_hash: &str) -> Result<()> {
        sqlx::query("delete from sessions where key_hash = ?")
            .bind(key_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self) -> Result<u64> {
        let now = now();
        let mut tx = self.begin().await?;
        sqlx::query("delete from login_flows where expires_at <= ?")
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query(
            "delete from sessions where expires_at <= ? \
             or (citizen is not null and idle_expires_at <= ?)",
        )
        .bind(&now)
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(deleted)
    }

    async fn begin_login(&self, flow: &NewLoginFlow) -> Result<()> {
        let mut tx = self.begin().await?;
        // Timestamps share one fixed-width format, so `max` of the text is the later time.
        sqlx::query(
            "insert into sessions (key_hash, staff_id, expires_at, created_at) \
             values (?, null, ?, ?) \
             on conflict (key_hash) do update set expires_at = max(expires_at, excluded.expires_at) \
             where sessions.staff_id is null and sessions.citizen is null",
        )
        .bind(&flow.session_hash)
        .bind(format_ts(flow.session_expires_at))
        .bind(now())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into login_flows (state_hash, session_hash, nonce, pkce_verifier, level, \
             return_to, expires_at, created_at, kind, staff_provider) \
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&flow.state_hash)
        .bind(&flow.session_hash)
        .bind(&flow.nonce)
        .bind(&flow.pkce_verifier)
        .bind(&flow.level)
        .bind(&flow.return_to)
        .bind(format_ts(flow.expires_at))
        .bind(now())
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
            "delete from login_flows where state_hash = ? and session_hash = ? and kind = ? \
             and expires_at > ? returning nonce, pkce_verifier, level, return_to, staff_provider",
        )
        .bind(state_hash)
        .bind(session_hash)
        .bind(kind.as_str())
        .bind(now())
        .fetch_optional(&self.write)
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
        let claims = serde_json::to_string(&login.claims)
            .map_err(|_| StoreError::Corrupt("citizen claims cannot be serialised".into()))?;
        let now = now();
        let mut tx = self.begin().await?;
        sqlx::query(
            "insert into sessions (key_hash, staff_id, expires_at, created_at, citizen, \
             citizen_level, citizen_claims, id_token, idle_expires_at) \
             values (?, null, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&session.key_hash)
        .bind(format_ts(session.expires_at))
        .bind(&now)
        .bind(&login.owner)
        .bind(&login.level)
        .bind(claims)
        .bind(login.id_token.as_deref())
        .bind(format_ts(login.idle_expires_at))
        .execute(&mut *tx)
        .await
        .map_err(map_unique)?;
        if let Some(draft) = session.draft {
            sqlx::query(
                "update drafts set owner = ?, token_hash = null, updated_at = ? \
                 where id = ? and owner = ?",
            )
            .bind(&login.owner)
            .bind(&now)
            .bind(draft.hyphenated().to_string())
            .bind(old_session_hash)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("delete from sessions where key_hash = ?")
            .bind(old_session_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn touch_session(&self, key_hash: &str, idle_expires_at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "update sessions set idle_expires_at = min(?, expires_at) \
             where key_hash = ? and citizen is not null and idle_expires_at > ?",
        )
        .bind(format_ts(idle_expires_at))
        .bind(key_hash)
        .bind(now())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn citizen_drafts(&self, owner: &str) -> Result<Vec<DraftSummary>> {
        sqlx::query(
            "select id, tenant_id, service_id, updated_at, expires_at from drafts \
             where owner = ? and expires_at > ? order by updated_at desc, id",
        )
        .bind(owner)
        .bind(now())
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(draft_summary_from)
        .collect()
    }

    async fn citizen_cases(&self, owner: &str) -> Result<Vec<CitizenCase>> {
        sqlx::query(
            "select id, tenant_id, service_id, reference, status, status_note, created_at \
             from cases where submitter_session = ? order by created_at desc, id",
        )
        .bind(owner)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(citizen_case_from)
        .collect()
    }
}
