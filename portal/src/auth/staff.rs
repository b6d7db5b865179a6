//! The signed-in staff member and what they may see.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use store::{RoleKind, StaffUser, Tenant, TenantId};

use crate::auth::session::SessionKey;
use crate::error::AppError;
use crate::state::AppState;

/// A staff member with a live session. Extracting it from a request without one redirects to
/// the login page.
pub struct Staff {
    pub user: StaffUser,
    pub session: SessionKey,
}

impl Staff {
    pub fn is_federation_admin(&self) -> bool {
        self.user
            .roles
            .iter()
            .any(|r| r.kind == RoleKind::FederationAdmin)
    }

    /// The municipalities whose cases this person may see, ordered as the catalogue.
    pub fn tenants<'a>(&self, all: &'a [Tenant]) -> Vec<&'a Tenant> {
        if self.is_federation_admin() {
            return all.iter().collect();
        }
        all.iter().filter(|t| self.may_see(t.id)).collect()
    }

    pub fn may_see(&self, tenant: TenantId) -> bool {
        self.is_federation_admin() || self.user.roles.iter().any(|r| r.tenant == Some(tenant))
    }
}

pub enum StaffRejection {
    Login,
    Error(AppError),
}

impl IntoResponse for StaffRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Login => Redirect::to("/staff/login").into_response(),
            Self::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = StaffRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = SessionKey::from_headers(&parts.headers).ok_or(StaffRejection::Login)?;
        let record = state
            .store()
            .session(&session.hash())
            .await
            .map_err(|e| StaffRejection::Error(e.into()))?
            .ok_or(StaffRejection::Login)?;
        let staff_id = record.staff_id.ok_or(StaffRejection::Login)?;
        let user = state
            .store()
            .staff_by_id(staff_id)
            .await
            .map_err(|e| StaffRejection::Error(e.into()))?
            .ok_or(StaffRejection::Login)?;
        Ok(Self { user, session })
    }
}
