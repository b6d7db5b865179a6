//! Records the store reads and writes. Plain data; the portal owns the behaviour.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::colour::AccentColour;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(pub i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FormId(pub i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServiceId(pub i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StaffId(pub i64);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTenant {
    /// URL segment, e.g. `heringen-helme`.
    pub slug: String,
    /// Display name, e.g. `Heringen/Helme`.
    pub name: String,
    /// Reference-number prefix, e.g. `HEH`.
    pub code: String,
    pub profile: TenantProfile,
    pub demo: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub code: String,
    pub profile: TenantProfile,
    pub demo: bool,
}

/// What a municipality shows about itself: its colour, and what BITV 2.0 requires every page
/// to lead to (a feedback contact for accessibility problems, the accessibility statement with
/// the date of the last review) plus the imprint and privacy notice it hosts elsewhere.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TenantProfile {
    /// Header band (behind white text) and links; checked for contrast when parsed.
    pub accent_colour: AccentColour,
    /// Where to report accessibility problems. Empty only for municipalities created before
    /// the profile existed.
    pub feedback_email: String,
    /// As people write it, e.g. `0361 5550-101`.
    pub feedback_phone: String,
    /// The town hall's postal address, one line per `\n`.
    pub town_hall_address: String,
    pub imprint_url: Option<ExternalUrl>,
    pub privacy_url: Option<ExternalUrl>,
    /// The last review of the portal's accessibility for this municipality; `None`: none yet.
    pub accessibility_reviewed_on: Option<NaiveDate>,
}

impl TenantProfile {
    /// The profile from its stored columns; a value the domain refuses (written behind the
    /// store's back) is reported as a corrupt row.
    pub(crate) fn from_columns(
        accent_colour: &str,
        feedback_email: String,
        feedback_phone: String,
        town_hall_address: String,
        imprint_url: Option<&str>,
        privacy_url: Option<&str>,
        accessibility_reviewed_on: Option<NaiveDate>,
    ) -> Result<Self, crate::StoreError> {
        let corrupt = |e: &dyn std::fmt::Display| crate::StoreError::Corrupt(e.to_string());
        let url = |u: Option<&str>| {
            u.map(ExternalUrl::parse)
                .transpose()
                .map_err(|e| corrupt(&e))
        };
        Ok(Self {
            accent_colour: AccentColour::parse(accent_colour).map_err(|e| corrupt(&e))?,
            feedback_email,
            feedback_phone,
            town_hall_address,
            imprint_url: url(imprint_url)?,
            privacy_url: url(privacy_url)?,
            accessibility_reviewed_on,
        })
    }
}

/// A link to a page outside the portal (imprint, privacy notice): `https://` or `http://`,
/// a host, no spaces, quotes or angle brackets.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExternalUrl(String);

impl ExternalUrl {
    pub fn parse(s: &str) -> Result<Self, UrlError> {
        let s = s.trim();
        let bad = || UrlError(s.to_owned());
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .ok_or_else(bad)?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let clean = s
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'));
        if host.is_empty() || host.starts_with('@') || !clean || s.len() > 2000 {
            return Err(bad());
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ExternalUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a web address (https://...)")]
pub struct UrlError(pub String);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewForm {
    /// The definition's stable key, e.g. `hundesteuer-anmeldung`.
    pub key: String,
    pub version: i32,
    /// The definition as JSON text (parsed and checked by the `forms` crate before storing).
    pub definition: String,
    pub demo: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormRecord {
    pub id: FormId,
    pub key: String,
    pub version: i32,
    pub definition: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewService {
    pub slug: String,
    pub form_id: FormId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub id: ServiceId,
    pub tenant_id: TenantId,
    pub slug: String,
    pub form_id: FormId,
}

/// Case status (DESIGN.md section 4). Stored as its snake_case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    AwaitingPayment,
    Received,
    Forwarded,
    InProgress,
    NeedsInfo,
    Decided,
    Closed,
    Withdrawn,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingPayment => "awaiting_payment",
            Self::Received => "received",
            Self::Forwarded => "forwarded",
            Self::InProgress => "in_progress",
            Self::NeedsInfo => "needs_info",
            Self::Decided => "decided",
            Self::Closed => "closed",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "awaiting_payment" => Self::AwaitingPayment,
            "received" => Self::Received,
            "forwarded" => Self::Forwarded,
            "in_progress" => Self::InProgress,
            "needs_info" => Self::NeedsInfo,
            "decided" => Self::Decided,
            "closed" => Self::Closed,
            "withdrawn" => Self::Withdrawn,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewCase {
    pub id: Uuid,
    /// `TENANTCODE-YEAR-XXXXXX`, unique per installation.
    pub reference: String,
    pub service_id: ServiceId,
    pub form_id: FormId,
    pub status: CaseStatus,
    /// The validated answers, `{field id: normalised value}`.
    pub answers: serde_json::Value,
    /// SHA-256 (hex) of the submitting browser's session cookie, so that only that browser
    /// sees the confirmation page.
    pub submitter_session: Option<String>,
    /// The draft this case was completed from. It must belong to the submitting browser
    /// (`submitter_session` equals the draft's `owner`) and is deleted in the same transaction,
    /// so a draft can never submit twice.
    pub from_draft: Option<Uuid>,
    /// The attachments of `from_draft` to keep: they move to the case in the same
    /// transaction. The draft's other attachments go with it; ids of another draft are
    /// ignored.
    pub attachments: Vec<Uuid>,
    /// The trust level of the citizen's login the case is submitted with (`low`,
    /// `substantial`, `high`); `None` without a login. Written with the case, never changed.
    pub login_level: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub reference: String,
    pub service_id: ServiceId,
    pub service_slug: String,
    pub form_id: FormId,
    pub status: CaseStatus,
    pub answers: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// See [`NewCase::login_level`].
    pub login_level: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaseSummary {
    pub id: Uuid,
    pub reference: String,
    pub service_slug: String,
    pub form_id: FormId,
    pub status: CaseStatus,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    Clerk,
    TenantAdmin,
    FederationAdmin,
}

impl RoleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clerk => "clerk",
            Self::TenantAdmin => "tenant_admin",
            Self::FederationAdmin => "federation_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "clerk" => Self::Clerk,
            "tenant_admin" => Self::TenantAdmin,
            "federation_admin" => Self::FederationAdmin,
            _ => return None,
        })
    }
}

/// A role, scoped to one tenant (`clerk`, `tenant_admin`) or to the whole federation
/// (`federation_admin`, with `tenant: None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Role {
    pub kind: RoleKind,
    pub tenant: Option<TenantId>,
}

/// The kinds an administrator may set in one municipality, each once, in a fixed order.
pub(crate) fn tenant_role_kinds(kinds: &[RoleKind]) -> Vec<RoleKind> {
    [RoleKind::Clerk, RoleKind::TenantAdmin]
        .into_iter()
        .filter(|k| kinds.contains(k))
        .collect()
}

#[derive(Clone, PartialEq, Eq)]
pub struct NewStaff {
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub demo: bool,
}

impl std::fmt::Debug for NewStaff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewStaff")
            .field("username", &self.username)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub id: StaffId,
    pub username: String,
    pub password_hash: String,
    /// Ordered by tenant id, federation roles first.
    pub roles: Vec<Role>,
    /// Failed logins since the last successful one.
    pub failed_logins: u32,
    /// Until then every login is refused without checking the password; `None` (or a time
    /// in the past): not locked.
    pub locked_until: Option<DateTime<Utc>>,
    /// The account is an identity provider's (found by its subject), not a local one.
    pub oidc: bool,
    /// An identity provider's account from a municipality's own provider: its roles count
    /// only in that municipality.
    pub oidc_tenant: Option<TenantId>,
    /// The last sign-in: a right password, or a login at the account's identity provider,
    /// whether or not it got a session (no role, a second factor missing); `None`: none
    /// recorded.
    pub last_login_at: Option<DateTime<Utc>>,
}

impl StaffUser {
    /// Whether the account refuses logins at `now`.
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

impl std::fmt::Debug for StaffUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffUser")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("roles", &self.roles)
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .finish_non_exhaustive()
    }
}

/// When repeated failed logins lock a staff account, and for how long.
///
/// The `threshold`-th consecutive failure (at least 1) locks the account for `base_seconds`;
/// every further failure (once the lock has run out) doubles that, up to `max_seconds`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub base_seconds: u32,
    pub max_seconds: u32,
}

impl LockoutPolicy {
    /// How long the account is locked after its `failed_logins`-th consecutive failure
    /// (`None`: below the threshold). The store computes the same in SQL.
    pub fn lock_seconds(&self, failed_logins: u32) -> Option<u64> {
        let over = failed_logins.checked_sub(self.threshold.max(1))?;
        let factor = 1u64 << over.min(30);
        Some((u64::from(self.base_seconds) * factor).min(u64::from(self.max_seconds)))
    }
}

/// What recording a failed login did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailedLogin {
    /// Consecutive failed logins, this one included.
    pub failed_logins: u32,
    /// Set when this failure locked the account.
    pub locked_until: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 (hex) of the cookie value; the value itself is never stored.
    pub key_hash: String,
    pub staff_id: Option<StaffId>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub key_hash: String,
    pub staff_id: Option<StaffId>,
    pub expires_at: DateTime<Utc>,
    /// The logged-in citizen, while the login has been used within its idle time.
    pub citizen: Option<CitizenLogin>,
    /// A staff login through an identity provider: what it vouched for.
    pub staff_oidc: Option<StaffOidcSession>,
}

/// What a staff session started through an identity provider keeps of the login.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffOidcSession {
    /// The login's `amr` as the provider sent it (a municipality may require one of its own).
    pub amr: Vec<String>,
    /// The ID token, the hint for the provider's logout.
    pub id_token: Option<String>,
}

impl std::fmt::Debug for StaffOidcSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffOidcSession")
            .field("amr", &self.amr)
            .finish_non_exhaustive()
    }
}

/// A citizen logged in through the identity provider, as a session keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct CitizenLogin {
    /// SHA-256 (hex) of `issuer|sub`: the owner of the citizen's drafts and cases.
    pub owner: String,
    /// The trust level reached: `low`, `substantial` or `high`.
    pub level: String,
    /// The identity attributes the provider sent (for prefill), as a JSON object.
    pub claims: serde_json::Value,
    /// The ID token, the hint for the provider's logout.
    pub id_token: Option<String>,
    pub idle_expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for CitizenLogin {
    // Personal data stays out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CitizenLogin")
            .field("level", &self.level)
            .field("idle_expires_at", &self.idle_expires_at)
            .finish_non_exhaustive()
    }
}

/// A login that begins: the browser's session (created if new) and the flow's secrets.
#[derive(Clone)]
pub struct NewLoginFlow {
    /// SHA-256 (hex) of the `state` sent to the provider.
    pub state_hash: String,
    /// SHA-256 (hex) of the browser's session cookie.
    pub session_hash: String,
    /// How long the browser's session lives at least, if it is new.
    pub session_expires_at: DateTime<Utc>,
    pub nonce: String,
    pub pkce_verifier: String,
    pub level: String,
    pub return_to: String,
    pub expires_at: DateTime<Utc>,
    /// Whose login this is: only the callback of the same kind takes the flow.
    pub kind: LoginKind,
    /// A staff login through a municipality's own provider: its slug (only that provider's
    /// callback completes the flow).
    pub staff_provider: Option<String>,
}

/// A citizen's login or a staff member's (each has its own callback and client).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoginKind {
    #[default]
    Citizen,
    Staff,
}

impl LoginKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Staff => "staff",
        }
    }
}

/// A staff login the identity provider vouched for: the account is found by `subject`
/// (created when new), its roles replaced when the provider grants them, and the new session
/// stored, in one transaction.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcStaffLogin {
    /// SHA-256 (hex) of the provider's `issuer|sub`.
    pub subject: String,
    /// The account's username (from the provider's claim).
    pub username: String,
    /// The municipality whose own provider vouched (`None`: the installation's provider).
    /// Kept with a new account; an account's roles count only in that municipality.
    pub provider_tenant: Option<TenantId>,
    /// The roles the login grants; they replace the account's roles. A tenant role of a
    /// tenant that does not exist is left out. `None`: the roles are an administrator's to
    /// assign, and the account keeps the ones it has.
    pub roles: Option<Vec<Role>>,
    /// The browser's session before the login (deleted), or empty.
    pub old_session_hash: String,
    /// SHA-256 (hex) of the new session's cookie; `None`: no session is started (the account
    /// is only recorded, e.g. so that an administrator can give it a first role).
    pub key_hash: Option<String>,
    pub expires_at: DateTime<Utc>,
    /// The login's `acr` and `amr` as the provider sent them.
    pub acr: Option<String>,
    pub amr: Vec<String>,
    /// The ID token, the hint for the provider's logout.
    pub id_token: Option<String>,
}

impl std::fmt::Debug for OidcStaffLogin {
    // Names stay out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcStaffLogin")
            .field("roles", &self.roles)
            .field("acr", &self.acr)
            .field("amr", &self.amr)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for NewLoginFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewLoginFlow")
            .field("level", &self.level)
            .field("return_to", &self.return_to)
            .finish_non_exhaustive()
    }
}

/// A login flow taken back when the provider returns the browser.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginFlow {
    pub nonce: String,
    pub pkce_verifier: String,
    pub level: String,
    pub return_to: String,
    /// See [`NewLoginFlow::staff_provider`].
    pub staff_provider: Option<String>,
}

impl std::fmt::Debug for LoginFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginFlow")
            .field("level", &self.level)
            .field("return_to", &self.return_to)
            .finish_non_exhaustive()
    }
}

/// The session a successful citizen login starts, under a new key.
#[derive(Clone, Debug)]
pub struct NewCitizenSession {
    pub key_hash: String,
    pub login: CitizenLogin,
    /// The absolute end (12 hours after login by default).
    pub expires_at: DateTime<Utc>,
    /// The draft the citizen was working on when the login began (the login's way back
    /// leads into it): it passes to the citizen if the browser's old session owns it. The
    /// browser's other anonymous drafts (someone else's, on a shared computer) stay where
    /// they are, reachable by their resume links.
    pub draft: Option<Uuid>,
}

/// A draft in the citizen's list ("Meine Anträge").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftSummary {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub service_id: ServiceId,
    pub updated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A case in the citizen's list ("Meine Anträge").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitizenCase {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub service_id: ServiceId,
    pub reference: String,
    pub status: CaseStatus,
    /// The backend's latest word for the citizen, shown with the status.
    pub status_note: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn external_links_are_web_addresses_without_markup() {
        for good in [
            "https://www.example.org/impressum",
            "http://example.org",
            " https://example.org/datenschutz?x=1#a ",
        ] {
            assert_eq!(ExternalUrl::parse(good).unwrap().as_str(), good.trim());
        }
        for bad in [
            "",
            "example.org",
            "javascript:alert(1)",
            "https://",
            "https:///path",
            "https://exa mple.org",
            "https://example.org/\"onmouseover",
            "https://example.org/<b>",
            "ftp://example.org",
            "https://@evil",
        ] {
            assert!(ExternalUrl::parse(bad).is_err(), "{bad:?}");
        }
    }
}

/// An application in progress: the answers typed so far, saved at every step.
///
/// A draft belongs to one browser (`owner`, the SHA-256 of its session cookie) and is only
/// read or written with that owner. A resume link (a random token, only its SHA-256 stored)
/// hands it over to another browser.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDraft {
    /// Not secret: used in URLs, always together with the owner.
    pub id: Uuid,
    /// SHA-256 (hex) of the owning browser's session cookie.
    pub owner: String,
    pub service_id: ServiceId,
    /// The exact form version the draft was started on.
    pub form_id: FormId,
    /// `{field id: value as typed}`.
    pub answers: serde_json::Value,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub id: Uuid,
    pub owner: String,
    pub tenant_id: TenantId,
    pub service_id: ServiceId,
    pub form_id: FormId,
    pub answers: serde_json::Value,
    pub expires_at: DateTime<Utc>,
}

/// A file a citizen uploaded for a field of a draft, already in the object store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAttachment {
    pub id: Uuid,
    /// The form field it was uploaded for.
    pub field_id: String,
    /// The citizen's file name, sanitised by the portal.
    pub file_name: String,
    /// The type the portal found in the content (not the one the browser claimed).
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 (hex) of the content.
    pub sha256: String,
    /// Where the content is in the object store; chosen by the server, unique.
    pub storage_key: String,
}

/// An uploaded file: while the application is in progress it belongs to a draft, once
/// submitted to the case (exactly one of `draft_id` and `case_id` is set).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub draft_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    pub field_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub created_at: DateTime<Utc>,
}

/// Which forms an admin acts on: a federation admin on all of them, a municipality's admin
/// on its own municipality's. Publishing moves the services in this scope to the new version;
/// listing shows the form keys in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormScope {
    /// The whole federation: every municipality's services, every form.
    All,
    /// One municipality: only its services, and the forms it offers or published itself.
    Tenant(TenantId),
}

/// A stored form version, with the services that offer exactly this version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormVersion {
    pub id: FormId,
    pub key: String,
    pub version: i32,
    /// The municipality whose admin published it; `None`: published for the whole federation
    /// (or seeded, or created from the command line).
    pub owner: Option<TenantId>,
    pub created_at: DateTime<Utc>,
    /// Ordered by municipality id, then service slug.
    pub offered_by: Vec<Offer>,
}

/// A municipality's service offering a form version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub tenant_id: TenantId,
    pub service_id: ServiceId,
    pub service_slug: String,
}

/// What publishing a form version did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Published {
    pub id: FormId,
    /// Services moved from an older version of the key to this one (0 for a brand-new key).
    pub moved: u64,
}

/// A municipality's own value for one parameter of a form, by form key: it holds for every
/// version of the key that declares the parameter (a rate outlives a new version).
#[derive(Clone, Debug, PartialEq)]
pub struct FormParameter {
    pub form_key: String,
    pub param_id: String,
    /// A JSON number (cents for money) or string; the portal checks it against the version.
    pub value: serde_json::Value,
    pub updated_at: DateTime<Utc>,
    /// Who set it; `None` when seeded or when that staff account is gone.
    pub updated_by: Option<StaffId>,
}

/// Changes to a municipality's parameter values for one form key, by parameter id:
/// `Some(value)` sets or replaces, `None` clears (the default applies again). Ids not named
/// keep their values.
pub type ParameterChanges = std::collections::BTreeMap<String, Option<serde_json::Value>>;
