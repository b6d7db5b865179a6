//! Staff login through the administration's OpenID Connect provider, beside the local
//! password accounts (docs/login.md, "Staff login").
//!
//! - `GET /staff/login/oidc` begins: the browser's session (created now if it has none)
//!   keeps a flow of kind `staff`, and the browser goes to the provider.
//! - `GET /staff/login/callback` completes: the flow is taken once, the provider's answer
//!   checked ([`crate::auth::oidc`]), the roles read from the roles claim (minus the
//!   municipalities whose `required_amr` the login misses), and with at least one role left
//!   the account (found by its provider subject) gets those roles and a new session.
//!
//! Logout stays local (`POST /staff/logout`). Nothing of the claims, tokens or names is
//! logged; the staff id is.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use forms::TrustLevel;
use leptos::prelude::*;
use store::{LoginKind, OidcStaffLogin, Role, RoleKind, StoreError};

use crate::auth::oidc::{LoginError, RelyingParty};
use crate::auth::session::SessionKey;
use crate::config::{AcrMap, Config, StaffOidcConfig};
use crate::error::{AppResult, ErrorPage};
use crate::state::{AppState, Catalogue};
use crate::views;
use crate::web::PageCtx;

/// Where a staff login leads.
const RETURN_TO: &str = "/staff/inbox";

/// Staff login through the provider, as configured.
pub struct StaffLogin {
    pub rp: Arc<RelyingParty>,
    pub config: StaffOidcConfig,
}

/// The staff login of this installation, if `[staff_oidc]` is configured. `addr` is where
/// the portal listens (the callback's address without `PORTAL_PUBLIC_URL`, as for citizens).
pub fn setup(config: &Config, addr: SocketAddr) -> anyhow::Result<Option<StaffLogin>> {
    let Some(staff) = &config.staff_oidc else {
        return Ok(None);
    };
    let loopback = if addr.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
    } else {
        addr
    };
    let public_base = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{loopback}"));
    // No `acr_values` are asked for: the administration's provider applies its own policy;
    // the portal records what it sends and checks `amr` per municipality.
    let no_acr = AcrMap {
        low: Vec::new(),
        substantial: Vec::new(),
        high: Vec::new(),
    };
    let rp = RelyingParty::new(
        staff.issuer.clone(),
        staff.client_id.clone(),
        staff.client_secret.clone(),
        format!("{public_base}/staff/login/callback"),
        format!("{public_base}/staff/login"),
        no_acr,
    )?;
    tracing::info!(issuer = %staff.issuer, "staff login through the configured identity provider");
    Ok(Some(StaffLogin {
        rp: Arc::new(rp),
        config: staff.clone(),
    }))
}

pub async fn begin(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
) -> AppResult<Response> {
    let Some(login) = state.staff_login() else {
        return Ok(ErrorPage::NotFound.into_response());
    };
    let begun = match login.rp.begin(TrustLevel::Low, ctx.lang.code()).await {
        Ok(begun) => begun,
        Err(e) => {
            tracing::error!(error = %e, "staff login cannot begin");
            return Ok(failed(&ctx, Failure::ProviderDown));
        }
    };
    let existing = SessionKey::from_headers(&headers);
    let key = existing.clone().unwrap_or_else(SessionKey::generate);
    let url = begun.url.clone();
    crate::auth::oidc::keep_flow(
        state.store(),
        &key,
        begun,
        TrustLevel::Low,
        RETURN_TO,
        LoginKind::Staff,
    )
    .await?;
    let mut res = Redirect::to(&url).into_response();
    if existing.is_none()
        && let Ok(v) = HeaderValue::from_str(&key.set_cookie(crate::auth::oidc::FLOW_MINUTES * 60))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

pub async fn callback(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Query(q): Query<crate::auth::oidc::CallbackQuery>,
) -> AppResult<Response> {
    let Some(login) = state.staff_login() else {
        return Ok(ErrorPage::NotFound.into_response());
    };
    let old = SessionKey::from_headers(&headers);
    // The flow must have begun in this browser, as a staff login, and works once.
    let flow = crate::auth::oidc::take_flow(
        state.store(),
        old.as_ref(),
        q.state.as_deref(),
        LoginKind::Staff,
    )
    .await?;
    let Some(flow) = flow else {
        tracing::warn!(
            "staff login callback without a matching flow (unknown, used or expired state)"
        );
        return Ok(failed(&ctx, Failure::Expired));
    };
    if let Some(error) = q.error.as_deref() {
        let cancelled = error == "access_denied";
        tracing::info!(
            cancelled,
            "identity provider returned an error instead of a staff login"
        );
        return Ok(failed(
            &ctx,
            if cancelled {
                Failure::Cancelled
            } else {
                Failure::Refused
            },
        ));
    }
    let Some(code) = q
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 2048)
    else {
        return Ok(failed(&ctx, Failure::Refused));
    };
    let identity = match login
        .rp
        .finish(
            code,
            q.iss.as_deref(),
            &flow.nonce,
            &flow.pkce_verifier,
            None,
        )
        .await
    {
        Ok(identity) => identity,
        Err(e @ LoginError::Provider(_)) => {
            tracing::error!(error = %e, "staff login failed");
            return Ok(failed(&ctx, Failure::ProviderDown));
        }
        Err(e) => {
            tracing::warn!(error = %e, "staff login refused");
            return Ok(failed(&ctx, Failure::Refused));
        }
    };
    let Some(username) = username(&identity.claims, &login.config.username_claim) else {
        tracing::warn!("staff login refused: the provider sent no username claim");
        return Ok(failed(&ctx, Failure::NoAccess));
    };
    let granted = roles(
        &identity.claims,
        &login.config,
        &state.catalogue(),
        &identity.amr,
    );
    if granted.roles.is_empty() {
        tracing::info!(
            amr_missing = granted.amr_missing,
            "staff login refused: no role left"
        );
        return Ok(failed(
            &ctx,
            if granted.amr_missing {
                Failure::NeedsMfa
            } else {
                Failure::NoAccess
            },
        ));
    }
    let hours = i64::from(state.config().staff_session_hours);
    let key = SessionKey::generate();
    let staff_login = OidcStaffLogin {
        subject: identity.owner,
        username,
        roles: granted.roles,
        old_session_hash: old.as_ref().map(SessionKey::hash).unwrap_or_default(),
        key_hash: key.hash(),
        expires_at: Utc::now() + chrono::Duration::hours(hours),
        acr: identity.acr,
        amr: identity.amr,
    };
    let staff_id = match state.store().oidc_staff_login(&staff_login).await {
        Ok(id) => id,
        Err(StoreError::Conflict(_)) => {
            tracing::warn!("staff login refused: the username belongs to another account");
            return Ok(failed(&ctx, Failure::UsernameTaken));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(
        staff = staff_id.0,
        roles = staff_login.roles.len(),
        "staff signed in through the identity provider"
    );
    let mut res = Redirect::to(&flow.return_to).into_response();
    if let Ok(v) = HeaderValue::from_str(&key.set_cookie(hours * 3600)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The account's name: the configured claim, else `email`.
fn username(claims: &serde_json::Value, claim: &str) -> Option<String> {
    [claim, "email"]
        .into_iter()
        .filter_map(|name| claims.get(name)?.as_str())
        .map(str::trim)
        .find(|v| !v.is_empty() && v.len() <= 200)
        .map(str::to_owned)
}

/// The roles a login grants.
#[derive(Debug, Default, PartialEq, Eq)]
struct Granted {
    roles: Vec<Role>,
    /// A municipality's role was left out because the login's `amr` misses its requirement.
    amr_missing: bool,
}

/// The roles of the roles claim (a list of strings, or one string): `clerk:<slug>`,
/// `tenant_admin:<slug>`, `federation_admin`. Unknown values and municipalities are ignored,
/// and so are the roles of a municipality whose `required_amr` has no value in `amr`.
fn roles(
    claims: &serde_json::Value,
    config: &StaffOidcConfig,
    catalogue: &Catalogue,
    amr: &[String],
) -> Granted {
    let values: Vec<&str> = match claims.get(&config.roles_claim) {
        Some(serde_json::Value::Array(list)) => list.iter().filter_map(|v| v.as_str()).collect(),
        Some(serde_json::Value::String(one)) => vec![one.as_str()],
        _ => Vec::new(),
    };
    let mut granted = Granted::default();
    for value in values {
        let role = match value.split_once(':') {
            None if value == "federation_admin" => Role {
                kind: RoleKind::FederationAdmin,
                tenant: None,
            },
            Some((kind @ ("clerk" | "tenant_admin"), slug)) => {
                let Some(tenant) = catalogue.tenant(slug) else {
                    continue;
                };
                if let Some(required) = config.required_amr.get(slug)
                    && !amr.iter().any(|m| required.contains(m))
                {
                    granted.amr_missing = true;
                    continue;
                }
                let Some(kind) = RoleKind::parse(kind) else {
                    continue;
                };
                Role {
                    kind,
                    tenant: Some(tenant.id),
                }
            }
            _ => continue,
        };
        if !granted.roles.contains(&role) {
            granted.roles.push(role);
        }
    }
    granted
}

enum Failure {
    Expired,
    Cancelled,
    Refused,
    ProviderDown,
    NoAccess,
    NeedsMfa,
    UsernameTaken,
}

/// A staff login that ended without a session: what happened, and the way back to the login.
fn failed(ctx: &PageCtx, why: Failure) -> Response {
    let lang = ctx.lang;
    let (status, text) = match why {
        Failure::Expired => (StatusCode::BAD_REQUEST, "staff-oidc-expired"),
        Failure::Cancelled => (StatusCode::FORBIDDEN, "staff-oidc-cancelled"),
        Failure::Refused => (StatusCode::FORBIDDEN, "staff-oidc-refused"),
        Failure::ProviderDown => (StatusCode::BAD_GATEWAY, "staff-oidc-provider-down"),
        Failure::NoAccess => (StatusCode::FORBIDDEN, "staff-oidc-no-access"),
        Failure::NeedsMfa => (StatusCode::FORBIDDEN, "staff-oidc-needs-mfa"),
        Failure::UsernameTaken => (StatusCode::FORBIDDEN, "staff-oidc-username-taken"),
    };
    let title = lang.t("staff-oidc-failed-title");
    let shell = ctx.shell(title.to_owned());
    views::page(
        &shell,
        status,
        view! {
            <h1>{title}</h1>
            <p class="staff-oidc-reason">{lang.t(text)}</p>
            <p><a class="button" href="/staff/login">{lang.t("staff-oidc-back")}</a></p>
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_username_is_the_configured_claim_then_the_email() {
        let claims = serde_json::json!({"preferred_username": " petra ", "email": "p@example.de"});
        assert_eq!(
            username(&claims, "preferred_username").as_deref(),
            Some("petra")
        );
        assert_eq!(username(&claims, "upn").as_deref(), Some("p@example.de"));
        assert_eq!(username(&serde_json::json!({}), "preferred_username"), None);
    }
}
