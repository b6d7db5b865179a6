//! Staff login through the administrations' OpenID Connect providers, beside the local
//! password accounts (docs/login.md, "Staff login"): the installation's provider, and
//! municipalities' own.
//!
//! - `GET /staff/login/oidc` (the installation's provider) and `GET /staff/login/oidc/{slug}`
//!   (a municipality's) begin: the browser's session (created now if it has none) keeps a
//!   flow of kind `staff` for that provider, and the browser goes to the provider.
//! - `GET /staff/login/callback` and `GET /staff/login/callback/{slug}` complete: the flow
//!   is taken once (only the provider it began with completes it), the provider's answer
//!   checked ([`crate::auth::oidc`]), and the roles found: from the roles claim, or, with
//!   `roles = "admin"`, those an administrator gave the account. A municipality's provider
//!   grants roles in that municipality only. With at least one role left (after the
//!   municipalities' `required_amr`), the account (found by its provider subject) gets a new
//!   session; otherwise a provider whose roles administrators assign records the account, so
//!   that they can give it one.
//! - `POST /staff/logout` ends the session here and then at the provider.
//!
//! Nothing of the claims, tokens or names is logged; the staff id is.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use forms::TrustLevel;
use leptos::prelude::*;
use store::{LoginKind, OidcStaffLogin, Role, RoleKind, StoreError, TenantId};

use crate::auth::oidc::{LoginError, RelyingParty};
use crate::auth::session::SessionKey;
use crate::auth::staff::effective_roles;
use crate::config::{AcrMap, Config, StaffProvider};
use crate::error::{AppResult, ErrorPage};
use crate::state::{AppState, Catalogue};
use crate::views;
use crate::web::PageCtx;

/// Where a staff login leads.
const RETURN_TO: &str = "/staff/inbox";

/// Staff login through identity providers, as configured.
pub struct StaffLogin {
    /// The installation's provider.
    pub installation: Option<ProviderLogin>,
    /// Municipalities' own providers, by slug.
    pub municipalities: BTreeMap<String, ProviderLogin>,
    /// By municipality: `amr` values of which a login needs one for its roles there.
    pub required_amr: HashMap<TenantId, Vec<String>>,
    /// Origins of the providers' pages (the CSP's `form-action` on staff pages: the logout
    /// form's redirect goes there).
    pub origins: Vec<String>,
}

/// One provider and the portal's client there.
pub struct ProviderLogin {
    pub rp: Arc<RelyingParty>,
    pub config: StaffProvider,
    /// A municipality's own provider: its id and slug.
    pub tenant: Option<(TenantId, String)>,
}

impl StaffLogin {
    /// The provider of `slug` (a municipality's), or the installation's (`None`).
    pub fn provider(&self, slug: Option<&str>) -> Option<&ProviderLogin> {
        match slug {
            Some(slug) => self.municipalities.get(slug),
            None => self.installation.as_ref(),
        }
    }

    /// The provider an account logs in through: its municipality's, or the installation's.
    pub fn provider_of(
        &self,
        user: &store::StaffUser,
        catalogue: &Catalogue,
    ) -> Option<&ProviderLogin> {
        match user.oidc_tenant {
            Some(id) => {
                let slug = catalogue.tenant_by_id(id)?.slug.clone();
                self.municipalities.get(&slug)
            }
            None => self.installation.as_ref(),
        }
    }
}

/// The staff login of this installation, if `[staff_oidc]` is configured. `addr` is where
/// the portal listens (the callback's address without `PORTAL_PUBLIC_URL`, as for citizens).
/// A municipality's provider must name a municipality of the catalogue.
pub fn setup(
    config: &Config,
    addr: SocketAddr,
    catalogue: &Catalogue,
) -> anyhow::Result<Option<StaffLogin>> {
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
    let provider = |provider: &StaffProvider, tenant: Option<(TenantId, String)>| {
        let callback = match &tenant {
            Some((_, slug)) => format!("{public_base}/staff/login/callback/{slug}"),
            None => format!("{public_base}/staff/login/callback"),
        };
        // No `acr_values` are asked for: the administration's provider applies its own
        // policy; the portal records what it sends and checks `amr` per municipality.
        let no_acr = AcrMap {
            low: Vec::new(),
            substantial: Vec::new(),
            high: Vec::new(),
        };
        let rp = RelyingParty::new(
            provider.issuer.clone(),
            provider.client_id.clone(),
            provider.client_secret.clone(),
            callback,
            format!("{public_base}/staff/login"),
            no_acr,
        )?
        .with_scopes(crate::auth::oidc::STAFF_SCOPES);
        tracing::info!(
            issuer = %provider.issuer,
            municipality = tenant.as_ref().map(|(_, slug)| slug.as_str()),
            admin_assigned_roles = provider.roles_claim.is_none(),
            "staff login through the configured identity provider"
        );
        anyhow::Ok(ProviderLogin {
            rp: Arc::new(rp),
            config: provider.clone(),
            tenant,
        })
    };
    let known = |slug: &str, what: &str| {
        catalogue.tenant(slug).map(|t| t.id).ok_or_else(|| {
            anyhow::anyhow!(
                "staff_oidc.municipalities.{slug}: there is no municipality {slug:?} ({what})"
            )
        })
    };
    let installation = staff
        .installation
        .as_ref()
        .map(|p| provider(p, None))
        .transpose()?;
    let mut municipalities = BTreeMap::new();
    for (slug, own) in &staff.municipalities {
        let id = known(slug, "its identity provider")?;
        municipalities.insert(slug.clone(), provider(own, Some((id, slug.clone())))?);
    }
    let mut required_amr = HashMap::new();
    for (slug, values) in &staff.required_amr {
        required_amr.insert(known(slug, "required_amr")?, values.clone());
    }
    let mut origins: Vec<String> = installation
        .iter()
        .chain(municipalities.values())
        .filter_map(|p| p.rp.issuer_origin())
        .collect();
    origins.sort();
    origins.dedup();
    Ok(Some(StaffLogin {
        installation,
        municipalities,
        required_amr,
        origins,
    }))
}

/// `GET /staff/login/oidc`: the installation's provider.
pub async fn begin(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
) -> AppResult<Response> {
    begin_at(&state, &ctx, &headers, None).await
}

/// `GET /staff/login/oidc/{slug}`: a municipality's own provider.
pub async fn begin_municipal(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    begin_at(&state, &ctx, &headers, Some(slug)).await
}

async fn begin_at(
    state: &AppState,
    ctx: &PageCtx,
    headers: &HeaderMap,
    slug: Option<String>,
) -> AppResult<Response> {
    let Some(provider) = state
        .staff_login()
        .and_then(|l| l.provider(slug.as_deref()))
    else {
        return Ok(ErrorPage::NotFound.into_response());
    };
    let begun = match provider.rp.begin(TrustLevel::Low, ctx.lang.code()).await {
        Ok(begun) => begun,
        Err(e) => {
            tracing::error!(error = %e, "staff login cannot begin");
            return Ok(failed(ctx, Failure::ProviderDown));
        }
    };
    let existing = SessionKey::from_headers(headers);
    let key = existing.clone().unwrap_or_else(SessionKey::generate);
    let url = begun.url.clone();
    crate::auth::oidc::keep_flow(
        state.store(),
        &key,
        begun,
        TrustLevel::Low,
        RETURN_TO,
        LoginKind::Staff,
        slug,
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

/// `GET /staff/login/callback`: back from the installation's provider.
pub async fn callback(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Query(q): Query<crate::auth::oidc::CallbackQuery>,
) -> AppResult<Response> {
    complete(&state, &ctx, &headers, q, None).await
}

/// `GET /staff/login/callback/{slug}`: back from a municipality's provider.
pub async fn callback_municipal(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<crate::auth::oidc::CallbackQuery>,
) -> AppResult<Response> {
    complete(&state, &ctx, &headers, q, Some(slug)).await
}

async fn complete(
    state: &AppState,
    ctx: &PageCtx,
    headers: &HeaderMap,
    q: crate::auth::oidc::CallbackQuery,
    slug: Option<String>,
) -> AppResult<Response> {
    let Some(login) = state.staff_login() else {
        return Ok(ErrorPage::NotFound.into_response());
    };
    let Some(provider) = login.provider(slug.as_deref()) else {
        return Ok(ErrorPage::NotFound.into_response());
    };
    let old = SessionKey::from_headers(headers);
    // The flow must have begun in this browser, as a staff login at this provider, and
    // works once.
    let flow = crate::auth::oidc::take_flow(
        state.store(),
        old.as_ref(),
        q.state.as_deref(),
        LoginKind::Staff,
    )
    .await?;
    let Some(flow) = flow.filter(|f| f.staff_provider == slug) else {
        tracing::warn!(
            "staff login callback without a matching flow (unknown, used, expired or begun at \
             another provider)"
        );
        return Ok(failed(ctx, Failure::Expired));
    };
    if let Some(error) = q.error.as_deref() {
        let cancelled = error == "access_denied";
        tracing::info!(
            cancelled,
            "identity provider returned an error instead of a staff login"
        );
        return Ok(failed(
            ctx,
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
        return Ok(failed(ctx, Failure::Refused));
    };
    let identity = match provider
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
            return Ok(failed(ctx, Failure::ProviderDown));
        }
        Err(e) => {
            tracing::warn!(error = %e, "staff login refused");
            return Ok(failed(ctx, Failure::Refused));
        }
    };
    let Some(username) = username(
        &identity.claims,
        &provider.config.username_claim,
        provider.tenant.as_ref().map(|(_, slug)| slug.as_str()),
    ) else {
        tracing::warn!("staff login refused: the provider sent no username claim");
        return Ok(failed(ctx, Failure::NoAccess));
    };
    let provider_tenant = provider.tenant.as_ref().map(|(id, _)| *id);
    let subject = account_subject(&identity.owner, slug.as_deref());
    // The roles: the claim's, or those administrators gave the account.
    let (claimed, account_roles) = match &provider.config.roles_claim {
        Some(claim) => {
            let roles = roles(&identity.claims, claim, &state.catalogue(), provider_tenant);
            (Some(roles.clone()), roles)
        }
        None => {
            let account = state.store().staff_by_subject(&subject).await?;
            (None, account.map(|a| a.roles).unwrap_or_default())
        }
    };
    let granted = effective_roles(
        &account_roles,
        provider_tenant,
        Some(&identity.amr),
        &login.required_amr,
    );
    let hours = i64::from(state.config().staff_session_hours);
    let key = SessionKey::generate();
    let mut staff_login = OidcStaffLogin {
        subject,
        username,
        provider_tenant,
        // The claim's roles as this provider may grant them; which of them a session may
        // use (a municipality's `required_amr`) is decided on every request, so a login
        // without a second factor does not take roles from the account's other sessions.
        roles: claimed,
        old_session_hash: old.as_ref().map(SessionKey::hash).unwrap_or_default(),
        key_hash: Some(key.hash()),
        expires_at: Utc::now() + chrono::Duration::hours(hours),
        acr: identity.acr,
        amr: identity.amr,
        id_token: Some(identity.id_token),
    };
    if granted.roles.is_empty() {
        tracing::info!(
            amr_missing = granted.amr_missing,
            "staff login refused: no role left"
        );
        if granted.amr_missing {
            return Ok(failed(ctx, Failure::NeedsMfa));
        }
        if staff_login.roles.is_some() {
            return Ok(failed(ctx, Failure::NoAccess));
        }
        // Administrators assign this provider's roles: the account is recorded (without a
        // session), so that they find it and can give it a first role.
        staff_login.key_hash = None;
        return Ok(match state.store().oidc_staff_login(&staff_login).await {
            Ok(id) => {
                tracing::info!(staff = id.0, "staff account waits for a role");
                failed(ctx, Failure::AwaitingRole)
            }
            Err(StoreError::Conflict(_)) => failed(ctx, Failure::UsernameTaken),
            Err(e) => return Err(e.into()),
        });
    }
    let staff_id = match state.store().oidc_staff_login(&staff_login).await {
        Ok(id) => id,
        Err(StoreError::Conflict(_)) => {
            tracing::warn!("staff login refused: the username belongs to another account");
            return Ok(failed(ctx, Failure::UsernameTaken));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(
        staff = staff_id.0,
        roles = granted.roles.len(),
        "staff signed in through the identity provider"
    );
    let mut res = Redirect::to(&flow.return_to).into_response();
    if let Ok(v) = HeaderValue::from_str(&key.set_cookie(hours * 3600)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The account of a provider's person: the installation's provider keys it by `issuer|sub`
/// alone, a municipality's also by the municipality, so that two providers sharing an
/// issuer (or a person of the installation's provider logging in at a municipality's)
/// never reach the same account and its roles.
fn account_subject(owner: &str, municipality: Option<&str>) -> String {
    match municipality {
        Some(slug) => crate::auth::oidc::owner_of(&format!("staff-provider:{slug}"), owner),
        None => owner.to_owned(),
    }
}

/// The account's name: the configured claim, else `email`. An account of a municipality's
/// provider whose name is no email address (`user@domain.tld`) gets `@<slug>`, so that two
/// municipalities' `mueller` are two accounts, and no provider can name its person
/// `mueller@<another slug>` (slugs hold no dot).
fn username(claims: &serde_json::Value, claim: &str, municipality: Option<&str>) -> Option<String> {
    let name = [claim, "email"]
        .into_iter()
        .filter_map(|name| claims.get(name)?.as_str())
        .map(str::trim)
        .find(|v| !v.is_empty() && v.len() <= 200)?;
    let email_like = name
        .rsplit_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    Some(match municipality {
        Some(slug) if !email_like => format!("{name}@{slug}"),
        _ => name.to_owned(),
    })
}

/// The roles of the roles claim (a list of strings, or one string): `clerk:<slug>`,
/// `tenant_admin:<slug>`, `federation_admin`. From a municipality's own provider
/// (`municipality`) only that municipality's roles count, and `clerk` and `tenant_admin`
/// alone name it. Unknown values and municipalities are ignored.
fn roles(
    claims: &serde_json::Value,
    claim: &str,
    catalogue: &Catalogue,
    municipality: Option<TenantId>,
) -> Vec<Role> {
    let values: Vec<&str> = match claims.get(claim) {
        Some(serde_json::Value::Array(list)) => list.iter().filter_map(|v| v.as_str()).collect(),
        Some(serde_json::Value::String(one)) => vec![one.as_str()],
        _ => Vec::new(),
    };
    let mut granted = Vec::new();
    for value in values {
        // `kind:slug`, or `kind` alone: a federation role, or from a municipality's own
        // provider a role in that municipality.
        let (kind, tenant) = match value.split_once(':') {
            Some((kind, slug)) => match catalogue.tenant(slug) {
                Some(tenant) => (kind, Some(tenant.id)),
                None => continue,
            },
            None => (value, municipality),
        };
        let role = match RoleKind::parse(kind) {
            Some(kind @ (RoleKind::Clerk | RoleKind::TenantAdmin)) if tenant.is_some() => {
                Role { kind, tenant }
            }
            Some(RoleKind::FederationAdmin) if tenant.is_none() => Role {
                kind: RoleKind::FederationAdmin,
                tenant: None,
            },
            _ => continue,
        };
        if municipality.is_some_and(|own| role.tenant != Some(own)) {
            continue;
        }
        if !granted.contains(&role) {
            granted.push(role);
        }
    }
    granted
}

/// The login page's ways in through an identity provider: the address that begins the login,
/// and the municipality's name for a municipality's own provider.
pub fn choices(state: &AppState) -> Vec<(String, Option<String>)> {
    let Some(login) = state.staff_login() else {
        return Vec::new();
    };
    let catalogue = state.catalogue();
    let installation = login
        .installation
        .as_ref()
        .map(|_| ("/staff/login/oidc".to_owned(), None));
    let municipalities = login.municipalities.keys().filter_map(|slug| {
        let name = catalogue.tenant(slug)?.name.clone();
        Some((format!("/staff/login/oidc/{slug}"), Some(name)))
    });
    installation.into_iter().chain(municipalities).collect()
}

/// `POST /staff/logout` for a session an identity provider started: the provider's logout
/// address (with the ID token as hint), when it has one.
pub async fn logout_url(
    state: &AppState,
    user: &store::StaffUser,
    session: &store::StaffOidcSession,
) -> Option<String> {
    let provider = state.staff_login()?.provider_of(user, &state.catalogue())?;
    provider.rp.logout_url(session.id_token.as_deref()).await
}

enum Failure {
    Expired,
    Cancelled,
    Refused,
    ProviderDown,
    NoAccess,
    NeedsMfa,
    UsernameTaken,
    /// The account is recorded; an administrator still has to give it a role.
    AwaitingRole,
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
        Failure::AwaitingRole => (StatusCode::FORBIDDEN, "staff-oidc-awaiting-role"),
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
            username(&claims, "preferred_username", None).as_deref(),
            Some("petra")
        );
        assert_eq!(
            username(&claims, "upn", None).as_deref(),
            Some("p@example.de")
        );
        assert_eq!(
            username(&serde_json::json!({}), "preferred_username", None),
            None
        );
    }

    #[test]
    fn a_municipal_providers_username_names_its_municipality() {
        let claims = serde_json::json!({"preferred_username": "mueller", "email": "m@werther.de"});
        assert_eq!(
            username(&claims, "preferred_username", Some("werther")).as_deref(),
            Some("mueller@werther")
        );
        assert_eq!(
            username(&claims, "upn", Some("werther")).as_deref(),
            Some("m@werther.de")
        );
    }

    #[test]
    fn a_municipal_provider_cannot_name_its_person_after_another_municipality() {
        let claims = serde_json::json!({"preferred_username": "mueller@heringen-helme"});
        assert_eq!(
            username(&claims, "preferred_username", Some("werther")).as_deref(),
            Some("mueller@heringen-helme@werther")
        );
    }

    #[test]
    fn two_providers_sharing_an_issuer_never_reach_the_same_account() {
        let owner = crate::auth::oidc::owner_of("https://idp.example.de", "pseudo-1");
        let installation = account_subject(&owner, None);
        let werther = account_subject(&owner, Some("werther"));
        let ellrich = account_subject(&owner, Some("ellrich"));
        assert_eq!(installation, owner);
        assert_ne!(werther, installation);
        assert_ne!(werther, ellrich);
        assert_eq!(werther, account_subject(&owner, Some("werther")));
    }
}
