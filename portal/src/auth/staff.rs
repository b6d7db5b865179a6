//! The signed-in staff member and what they may see.

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use store::{Role, RoleKind, StaffOidcSession, StaffUser, Tenant, TenantId};

use crate::auth::session::SessionKey;
use crate::error::AppError;
use crate::state::AppState;

/// A staff member with a live session. Extracting it from a request without one redirects to
/// the login page. `user.roles` are the roles this session may use (see [`effective_roles`]).
pub struct Staff {
    pub user: StaffUser,
    pub session: SessionKey,
    /// A session an identity provider started: what the login vouched for.
    pub oidc: Option<StaffOidcSession>,
}

/// The `amr` of a local password login (RFC 8176: "pwd").
pub const PASSWORD_AMR: &str = "pwd";

/// The roles a login may use of `roles`, and whether some were left out for a missing `amr`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Granted {
    pub roles: Vec<Role>,
    /// A municipality's role was left out because the login's `amr` misses its requirement.
    pub amr_missing: bool,
}

/// The roles an identity provider's login may use of an account's `roles`: from a
/// municipality's own provider (`provider_tenant`) only that municipality's (never a
/// federation role), and of a municipality with a `required_amr` only when the login's `amr`
/// holds one of its values. A local password login (`amr` `None`) counts as `["pwd"]`
/// (RFC 8176): a municipality's roles that require a second factor are not reached with a
/// password alone, whichever way it was typed in. The federation role is bound by no
/// municipality, so a federation administrator reaches every municipality with a password.
pub fn effective_roles(
    roles: &[Role],
    provider_tenant: Option<TenantId>,
    amr: Option<&[String]>,
    required_amr: &HashMap<TenantId, Vec<String>>,
) -> Granted {
    let password = [PASSWORD_AMR.to_owned()];
    let amr = amr.unwrap_or(&password);
    let mut granted = Granted::default();
    for role in roles {
        if provider_tenant.is_some() && role.tenant != provider_tenant {
            continue;
        }
        if let Some(required) = role.tenant.and_then(|t| required_amr.get(&t))
            && !amr.iter().any(|m| required.contains(m))
        {
            granted.amr_missing = true;
            continue;
        }
        granted.roles.push(*role);
    }
    granted
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
        let mut user = state
            .store()
            .staff_by_id(staff_id)
            .await
            .map_err(|e| StaffRejection::Error(e.into()))?
            .ok_or(StaffRejection::Login)?;
        // An account uses only the roles its login may use, checked on every request: a role
        // an administrator gives or takes counts at once, and so does a municipality's new
        // amr requirement (a password login meets none).
        let no_requirements = HashMap::new();
        let required = state
            .staff_login()
            .map_or(&no_requirements, |l| &l.required_amr);
        if !user.oidc {
            user.roles = effective_roles(&user.roles, None, None, required).roles;
        } else {
            // Its provider taken out of the configuration, the account's sessions end.
            let catalogue = state.catalogue();
            if state
                .staff_login()
                .and_then(|l| l.provider_of(&user, &catalogue))
                .is_none()
            {
                return Err(StaffRejection::Login);
            }
            let amr = record.staff_oidc.as_ref().map_or(&[][..], |o| &o.amr[..]);
            user.roles = effective_roles(&user.roles, user.oidc_tenant, Some(amr), required).roles;
        }
        Ok(Self {
            user,
            session,
            oidc: record.staff_oidc,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(kind: RoleKind, tenant: Option<i64>) -> Role {
        Role {
            kind,
            tenant: tenant.map(TenantId),
        }
    }

    #[test]
    fn a_municipal_providers_login_uses_only_that_municipalitys_roles() {
        let roles = [
            role(RoleKind::FederationAdmin, None),
            role(RoleKind::Clerk, Some(1)),
            role(RoleKind::TenantAdmin, Some(2)),
        ];
        let none = HashMap::new();
        let pwd = ["pwd".to_owned()];
        assert_eq!(
            effective_roles(&roles, Some(TenantId(2)), Some(&pwd), &none).roles,
            vec![role(RoleKind::TenantAdmin, Some(2))]
        );
        assert_eq!(
            effective_roles(&roles, None, Some(&pwd), &none).roles,
            roles.to_vec(),
            "the installation's provider: every role"
        );
    }

    #[test]
    fn a_municipalitys_roles_need_its_amr_and_a_local_password_login_has_none() {
        let roles = [
            role(RoleKind::Clerk, Some(1)),
            role(RoleKind::Clerk, Some(2)),
        ];
        let required = HashMap::from([(TenantId(1), vec!["otp".to_owned(), "hwk".to_owned()])]);
        let pwd = ["pwd".to_owned()];
        let otp = ["pwd".to_owned(), "otp".to_owned()];
        let without = effective_roles(&roles, None, Some(&pwd), &required);
        assert_eq!(without.roles, vec![role(RoleKind::Clerk, Some(2))]);
        assert!(without.amr_missing);
        let with = effective_roles(&roles, None, Some(&otp), &required);
        assert_eq!(with.roles, roles.to_vec());
        assert!(!with.amr_missing);
        // A local password login is a login with a password alone.
        let local = effective_roles(&roles, None, None, &required);
        assert_eq!(local, without);
        // A municipality that accepts a password (nobody should) lets it in.
        let lax = HashMap::from([(TenantId(1), vec!["pwd".to_owned()])]);
        assert_eq!(
            effective_roles(&roles, None, None, &lax).roles,
            roles.to_vec()
        );
        // The federation role is bound by no municipality's requirement.
        let federation = [role(RoleKind::FederationAdmin, None)];
        assert_eq!(
            effective_roles(&federation, None, None, &required).roles,
            federation.to_vec()
        );
    }
}
