//! The portal's storage. One [`Store`] trait, two backends (SQLite embedded, PostgreSQL), each
//! with native types and its own migrations folder. SQL lives here and nowhere else.
//!
//! Tenant isolation: every method that reads or writes tenant data takes a [`TenantId`], which the
//! portal takes from the authenticated context (the URL's municipality for citizens, the staff
//! member's role for clerks). A row of another tenant is never returned, and the contract tests
//! prove it for every such method.

pub mod colour;
mod delivery_store;
mod payment_store;
mod postgres;
mod sqlite;
mod types;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use colour::{AccentColour, ColourError, Rgb, contrast_ratio};
pub use delivery_store::*;
pub use payment_store::*;
pub use postgres::pool_options as postgres_pool_options;
pub use types::*;

/// Errors of the storage layer. No HTTP in here: the portal maps them to pages.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The reference number is taken (the portal draws a new one and tries again).
    #[error("reference number already in use")]
    DuplicateReference,
    /// The case names a draft that is gone: already submitted (perhaps from another tab), or
    /// expired and swept. Nothing is written.
    #[error("the draft was already submitted or has expired")]
    DraftGone,
    /// A unique key (slug, username, form key and version) is taken.
    #[error("already exists: {0}")]
    Conflict(String),
    /// A form version that is not greater than every stored version of its key: published
    /// versions are immutable, so a new one needs a higher number. Nothing is written.
    #[error("version {version} is not newer than the stored version {latest}")]
    VersionNotNewer { version: i32, latest: i32 },
    /// A municipality's publish of a form that another municipality offers or published:
    /// shared forms are published for the whole federation. Nothing is written.
    #[error("the form is shared with another municipality")]
    SharedForm,
    /// A municipality's own form (a version one of its admins published) offered by another
    /// municipality: it is that municipality's until a federation admin publishes a version
    /// for everyone. Nothing is written.
    #[error("the form belongs to another municipality")]
    ForeignForm,
    /// A value read back from the database does not fit the domain (a bug or manual edit).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL (expected sqlite:... or postgres://...): {0}")]
    UnsupportedUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[async_trait]
pub trait Store: PaymentStore + DeliveryStore + Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Database reachable and every embedded migration applied (for `/readyz`).
    async fn ready(&self) -> Result<()>;

    // --- installation ---------------------------------------------------------------------
    /// True when the database holds demo data (tenants, forms or staff seeded by demo mode).
    async fn holds_demo_data(&self) -> Result<bool>;
    /// Deletes everything demo mode created (demo tenants with their services, cases,
    /// attachment rows, sessions and parameter values, demo forms, demo staff). Returns the
    /// number of tenants removed. The attachments' files stay in the object store until the
    /// sweep of files without a row (see [`Store::attachment_key_exists`]).
    async fn remove_demo_data(&self) -> Result<u64>;

    // --- tenants (the municipalities) -----------------------------------------------------
    async fn create_tenant(&self, tenant: &NewTenant) -> Result<Tenant>;
    /// Sets a municipality's display name and profile (slug and code never change: links and
    /// reference numbers carry them). `false`: no such municipality.
    async fn update_tenant(
        &self,
        tenant: TenantId,
        name: &str,
        profile: &TenantProfile,
    ) -> Result<bool>;
    /// All tenants, ordered by name (the public list on `/`).
    async fn tenants(&self) -> Result<Vec<Tenant>>;
    async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>>;
    async fn tenant_by_id(&self, id: TenantId) -> Result<Option<Tenant>>;

    // --- form definitions (shared by the federation, immutable once stored) ----------------
    async fn create_form(&self, form: &NewForm) -> Result<FormId>;
    async fn form(&self, id: FormId) -> Result<Option<FormRecord>>;
    /// Stores a new version of a form and moves the services in `scope` that offer an older
    /// version of its key to it, in one transaction. The version must be greater than every
    /// stored version of the key (else `Err(VersionNotNewer)`). With `FormScope::Tenant` the
    /// version belongs to that municipality, only its services move, and the key must not be
    /// offered or published by any other municipality (else `Err(SharedForm)`). Drafts and
    /// cases keep the version they were started on. A brand-new key moves nothing.
    async fn publish_form(&self, form: &NewForm, scope: FormScope) -> Result<Published>;
    /// Every version of the form keys in `scope` (a municipality's scope: the keys it offers
    /// or published, and the federation's keys, of which no municipality published a
    /// version), ordered by key, newest version first, each with the services of every
    /// municipality that offer it (which municipality offers what is public: the catalogue
    /// shows it).
    async fn form_versions(&self, scope: FormScope) -> Result<Vec<FormVersion>>;

    // --- services (a form offered by one municipality) -------------------------------------
    /// Offers a form version as a service of the tenant. A version that belongs to another
    /// municipality, or none stored under that id, is refused (`Err(ForeignForm)`); a slug the
    /// tenant uses already is a `Conflict("service slug")`.
    async fn create_service(&self, tenant: TenantId, service: &NewService) -> Result<Service>;
    /// Offers the newest version of form `key` as the tenant's service `slug`, in one
    /// transaction with its checks. `None`: no version of the key is stored. Refused, writing
    /// nothing: the tenant offers the key already (`Conflict("form already offered")`), the
    /// slug is taken (`Conflict("service slug")`), the newest version belongs to another
    /// municipality, or, with `FormScope::Tenant` (a municipality's admin, who must act for
    /// `tenant`), any version does (`Err(ForeignForm)`).
    async fn offer_form(
        &self,
        tenant: TenantId,
        slug: &str,
        key: &str,
        scope: FormScope,
    ) -> Result<Option<Service>>;
    /// The tenant's services, ordered by slug.
    async fn services(&self, tenant: TenantId) -> Result<Vec<Service>>;
    async fn service(&self, tenant: TenantId, slug: &str) -> Result<Option<Service>>;

    // --- a municipality's parameter values for shared forms (by form key) -------------------
    /// The tenant's own values for the parameters of form `key`, ordered by parameter id.
    async fn form_parameters(&self, tenant: TenantId, key: &str) -> Result<Vec<FormParameter>>;
    /// The tenant's own values for every form key, ordered by key, then parameter id (what
    /// the catalogue loads).
    async fn tenant_form_parameters(&self, tenant: TenantId) -> Result<Vec<FormParameter>>;
    /// Applies `changes` to the tenant's values for form `key` in one transaction, stamped
    /// with `by` and the time: all of them or, on an error, none.
    async fn set_form_parameters(
        &self,
        tenant: TenantId,
        key: &str,
        changes: &ParameterChanges,
        by: Option<StaffId>,
    ) -> Result<()>;

    // --- cases -----------------------------------------------------------------------------
    /// Stores a submitted case, and the submitting browser's session when it is new, in one
    /// transaction. `Err(DuplicateReference)` when the reference number is taken; nothing is
    /// written then. The service must belong to `tenant`, else `Err(Conflict)`. With
    /// `from_draft`, the draft's attachments named in `attachments` move to the case and the
    /// draft is deleted with the others (their files are left to the sweep).
    async fn submit_case(
        &self,
        tenant: TenantId,
        case: &NewCase,
        session: Option<&NewSession>,
    ) -> Result<()>;
    async fn case(&self, tenant: TenantId, id: Uuid) -> Result<Option<Case>>;
    /// The case only if it was submitted by the browser holding this session.
    async fn case_for_submitter(
        &self,
        tenant: TenantId,
        id: Uuid,
        session_key_hash: &str,
    ) -> Result<Option<Case>>;
    /// The tenant's cases, newest first.
    /// The inbox: complete cases (every status but `awaiting_payment`), newest first.
    async fn cases(&self, tenant: TenantId, page: Page) -> Result<Vec<CaseSummary>>;
    async fn count_cases(&self, tenant: TenantId) -> Result<u64>;

    // --- drafts (bound to the owning browser; only SHA-256 of cookie and token stored) ------
    /// Stores a new draft. The service must belong to `tenant`, else `Err(Conflict)`.
    async fn create_draft(&self, tenant: TenantId, draft: &NewDraft) -> Result<()>;
    /// Replaces the answers of the owner's draft and moves its expiry. `false` when there is
    /// no such unexpired draft of this tenant and owner (submitted, expired, handed over).
    async fn update_draft(
        &self,
        tenant: TenantId,
        id: Uuid,
        owner: &str,
        answers: &serde_json::Value,
        expires_at: DateTime<Utc>,
    ) -> Result<bool>;
    /// The owner's unexpired draft.
    async fn draft(&self, tenant: TenantId, id: Uuid, owner: &str) -> Result<Option<Draft>>;
    /// Sets (or replaces: the old link stops working) the resume token of the owner's draft.
    /// `false` when there is no such unexpired draft.
    async fn set_resume_token(
        &self,
        tenant: TenantId,
        id: Uuid,
        owner: &str,
        token_hash: &str,
    ) -> Result<bool>;
    /// Opens a resume link: the unexpired draft with this token passes to `new_owner` (the
    /// browser that opened the link; the previous browser loses it) and is returned.
    async fn claim_draft(
        &self,
        tenant: TenantId,
        token_hash: &str,
        new_owner: &str,
    ) -> Result<Option<Draft>>;
    /// Deletes expired drafts with their attachment rows (their files are left to the sweep).
    async fn delete_expired_drafts(&self) -> Result<u64>;

    // --- attachments (files in the object store; here only what is known of them) ----------
    /// Records a file uploaded for the owner's draft. `false`, and nothing is written, when
    /// there is no such unexpired draft of this tenant and owner. A taken id or storage key
    /// is `Err(Conflict)`.
    async fn add_attachment(
        &self,
        tenant: TenantId,
        draft_id: Uuid,
        owner: &str,
        attachment: &NewAttachment,
    ) -> Result<bool>;
    /// The attachments of the owner's unexpired draft, oldest first (empty for anyone else).
    async fn draft_attachments(
        &self,
        tenant: TenantId,
        draft_id: Uuid,
        owner: &str,
    ) -> Result<Vec<Attachment>>;
    /// Removes an attachment from the owner's unexpired draft and returns its storage key, so
    /// that the caller deletes the file. `None` when there is no such attachment for this
    /// owner; nothing changes then.
    async fn remove_draft_attachment(
        &self,
        tenant: TenantId,
        draft_id: Uuid,
        owner: &str,
        attachment_id: Uuid,
    ) -> Result<Option<String>>;
    /// The attachments of a case, oldest first.
    async fn case_attachments(&self, tenant: TenantId, case_id: Uuid) -> Result<Vec<Attachment>>;
    /// A case's attachment (for staff downloads); an attachment of a draft is `None`.
    async fn attachment(&self, tenant: TenantId, id: Uuid) -> Result<Option<Attachment>>;
    /// Whether any row of the installation names this object store key. The sweep of files
    /// without a row asks this; it must skip files younger than an upload may take, since a
    /// file is written before its row.
    async fn attachment_key_exists(&self, storage_key: &str) -> Result<bool>;

    // --- staff -----------------------------------------------------------------------------
    async fn create_staff(&self, staff: &NewStaff) -> Result<StaffId>;
    async fn staff_by_username(&self, username: &str) -> Result<Option<StaffUser>>;
    async fn staff_by_id(&self, id: StaffId) -> Result<Option<StaffUser>>;
    /// Counts a failed login (wrong password) in one atomic update and, from the policy's
    /// threshold on, locks the account (see [`LockoutPolicy`]). An unknown id changes nothing
    /// and reports zero failures.
    async fn record_failed_login(&self, id: StaffId, policy: &LockoutPolicy)
    -> Result<FailedLogin>;
    /// After a right password: resets the failure count and lock and records the login's
    /// time, unless the account is locked right now (a failure in a parallel request may have
    /// locked it since it was read). `false` then, and nothing changes: the login must be
    /// refused.
    async fn reset_failed_logins(&self, id: StaffId) -> Result<bool>;
    /// Deletes the identity providers' accounts that have no role, no session and no refund
    /// to their name, and have not signed in since `idle_since` (or were created before it
    /// without a sign-in recorded): a person the provider knows but the portal does not let in
    /// is not kept for ever; a new login records the account afresh. Local accounts are never
    /// deleted. An account an administrator is giving a role at that moment stays.
    async fn delete_idle_accounts(&self, idle_since: DateTime<Utc>) -> Result<u64>;
    /// A staff login through an identity provider, in one transaction: the account with
    /// this `oidc_subject` (created with the username, the provider's municipality and an
    /// unusable password when new; its username follows the claim), its roles replaced by
    /// the login's when it brings some (tenant roles only for existing tenants), and, when
    /// `key_hash` is given, the old session deleted and the new one stored with
    /// `acr`/`amr`/ID token. `Err(Conflict)`, and nothing is written, when the username
    /// belongs to another account (a local account is never taken over).
    async fn oidc_staff_login(&self, login: &OidcStaffLogin) -> Result<StaffId>;
    /// The identity provider's account with this subject (SHA-256 of `issuer|sub`).
    async fn staff_by_subject(&self, subject: &str) -> Result<Option<StaffUser>>;
    /// The staff accounts a municipality's administrators manage, by username: those of the
    /// municipality's own identity provider and those with a role in it; with `unassigned`
    /// (for a federation administrator) also every other account without any role.
    async fn staff_accounts(&self, tenant: TenantId, unassigned: bool) -> Result<Vec<StaffUser>>;
    /// An administrator sets an account's roles in one municipality (`clerk`,
    /// `tenant_admin`; other kinds are ignored), replacing the ones it had there. `false`,
    /// and nothing changes, for an unknown account or one of another municipality's identity
    /// provider (its roles count only there).
    async fn set_tenant_roles(
        &self,
        tenant: TenantId,
        staff: StaffId,
        kinds: &[RoleKind],
    ) -> Result<bool>;
    /// An operator lifts a lock at once (`portal staff unlock`). `false` for an unknown id.
    async fn unlock_staff(&self, id: StaffId) -> Result<bool>;

    // --- sessions (only the SHA-256 of the cookie value is stored) -------------------------
    async fn create_session(&self, session: &NewSession) -> Result<()>;
    /// A session that has not expired yet.
    async fn session(&self, key_hash: &str) -> Result<Option<SessionRecord>>;
    async fn delete_session(&self, key_hash: &str) -> Result<()>;
    /// Deletes expired sessions (a citizen's also when idle too long) and expired login flows.
    async fn delete_expired_sessions(&self) -> Result<u64>;

    // --- citizen login (OpenID Connect) ----------------------------------------------------
    /// A login begins: the browser's session row is created (or kept, with the later of both
    /// expiries; a staff or citizen session keeps its own end, so that beginning logins never
    /// stretches a login past its absolute end) and the flow stored with it, in one
    /// transaction.
    async fn begin_login(&self, flow: &NewLoginFlow) -> Result<()>;
    /// The unexpired flow of `kind` with this state that this browser session began, deleted
    /// as it is read: a state works once. `None` for any other state, session or kind; nothing
    /// changes then.
    async fn take_login_flow(
        &self,
        state_hash: &str,
        session_hash: &str,
        kind: LoginKind,
    ) -> Result<Option<LoginFlow>>;
    /// A login succeeded: in one transaction the new session (new key) is stored, the draft
    /// the citizen was working on ([`NewCitizenSession::draft`], only if this browser began
    /// it anonymously: `drafts.owner` = the old session hash) passes to the citizen and loses
    /// its resume link (a citizen's draft opens only with their login), and the old session
    /// is deleted with its flows. The browser's other anonymous drafts are left alone: on a
    /// shared computer they may be someone else's, who keeps their resume links.
    async fn complete_login(
        &self,
        old_session_hash: &str,
        session: &NewCitizenSession,
    ) -> Result<()>;
    /// Moves a citizen session's idle end (never past its absolute end). A login already idle
    /// too long stays ended.
    async fn touch_session(&self, key_hash: &str, idle_expires_at: DateTime<Utc>) -> Result<()>;
    /// "Meine Anträge": the owner's unexpired drafts in every tenant, last changed first. With
    /// [`Store::citizen_cases`] the only queries scoped by identity instead of tenant
    /// (DESIGN.md principle 5).
    async fn citizen_drafts(&self, owner: &str) -> Result<Vec<DraftSummary>>;
    /// "Meine Anträge": the owner's cases in every tenant, newest first.
    async fn citizen_cases(&self, owner: &str) -> Result<Vec<CitizenCase>>;
}

/// Opens the database named by `url`, creating an SQLite file (and its folder) when missing,
/// and applies the embedded migrations.
///
/// `sqlite:PATH` or `sqlite://PATH` selects SQLite, `postgres://` or `postgresql://` PostgreSQL.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

/// The default database of a data folder: an SQLite file inside it.
pub fn sqlite_url_in(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("portal.db").display())
}

/// A database URL fit for logs and error messages: the password is replaced by `***`.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
        && let Some((user, _password)) = userinfo.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_password_never_reaches_a_log_line() {
        assert_eq!(
            redact_url("postgres://portal:s3cret@db:5432/portal"),
            "postgres://portal:***@db:5432/portal"
        );
        assert_eq!(
            redact_url("sqlite://data/portal.db"),
            "sqlite://data/portal.db"
        );
    }
}
