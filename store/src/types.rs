//! Records the store reads and writes. Plain data; the portal owns the behaviour.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
    pub demo: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub code: String,
    pub demo: bool,
}

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
}

impl std::fmt::Debug for StaffUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffUser")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
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
}
