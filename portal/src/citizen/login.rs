//! Citizen login and logout, and "Meine Anträge".
//!
//! - `GET /login?return_to=PATH&level=LEVEL` begins a login: the browser's session (created
//!   now if it has none) keeps the flow's secrets, and the browser goes to the provider.
//! - `GET /login/callback` takes the browser back: the flow is taken from the session (once),
//!   the provider's answer checked ([`crate::auth::oidc`]), and on success a new session (new
//!   cookie) holds the citizen; the anonymous draft the login was begun from (if any) passes
//!   to the citizen, the browser's other drafts do not.
//! - `POST /logout` ends the session here, then at the provider; `GET /logout/done` says so.
//! - `GET /my-applications`: the citizen's drafts and cases in every municipality.
//!
//! Every failure ends without a session and with a page that says what to do.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use forms::TrustLevel;
use leptos::prelude::*;
use serde::Deserialize;
use store::{CitizenLogin, NewCitizenSession};

use crate::auth::citizen::Visitor;
use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::auth::oidc::{LoginError, RelyingParty};
use crate::auth::session::SessionKey;
use crate::config::{Config, Secret};
use crate::demo_op::{self, DemoOp};
use crate::error::{AppResult, ErrorPage};
use crate::i18n::Arg;
use crate::state::AppState;
use crate::views;
use crate::web::PageCtx;

/// Citizen login as this installation offers it.
pub struct Login {
    pub rp: Arc<RelyingParty>,
    /// The demo's own provider (demo mode without a configured provider only).
    pub demo_op: Option<Arc<DemoOp>>,
}

/// The login of this installation: the configured provider; in demo mode without one, the
/// demo's own provider on this portal; otherwise none. `addr` is where the portal listens.
pub fn setup(config: &Config, addr: SocketAddr) -> anyhow::Result<Option<Login>> {
    let loopback = if addr.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
    } else {
        addr
    };
    let public_base = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{loopback}"));
    if let Some(oidc) = &config.oidc {
        let rp = RelyingParty::new(
            oidc.issuer.clone(),
            oidc.client_id.clone(),
            oidc.client_secret.clone(),
            format!("{public_base}/login/callback"),
            format!("{public_base}/logout/done"),
            config.acr.clone(),
        )?;
        tracing::info!(issuer = %oidc.issuer, "citizen login through the configured identity provider");
        return Ok(Some(Login {
            rp: Arc::new(rp),
            demo_op: None,
        }));
    }
    if !config.demo {
        return Ok(None);
    }
    // The relying party talks to the demo provider over loopback, exactly as to a real one;
    // the browser reaches its pages at the public address.
    let issuer = format!("http://{loopback}/demo-op");
    let op = DemoOp::new(
        issuer.clone(),
        public_base.clone(),
        format!("{public_base}/login/callback"),
        format!("{public_base}/logout/done"),
    );
    let rp = RelyingParty::new(
        issuer,
        demo_op::CLIENT_ID.to_owned(),
        Secret::new(op.client_secret().to_owned()),
        format!("{public_base}/login/callback"),
        format!("{public_base}/logout/done"),
        config.acr.clone(),
    )?;
    Ok(Some(Login {
        rp: Arc::new(rp),
        demo_op: Some(Arc::new(op)),
    }))
}

/// A path on this portal to return to: starts with one `/`, no scheme or host, no control
/// characters or backslashes (which some browsers read as `/`).
pub fn safe_return(path: &str) -> Option<&str> {
    (path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 2000
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\'))
    .then_some(path)
}

/// The draft a login's way back leads into (`/{tenant}/applications/{id}/...`: a step, the
/// check page, an upload): the one the citizen was working on when the login began, and the
/// only one of the browser's anonymous drafts that passes to the citizen.
pub fn draft_in(return_to: &str) -> Option<uuid::Uuid> {
    let path = return_to.split(['?', '#']).next()?;
    let mut parts = path.strip_prefix('/')?.split('/');
    let (_tenant, applications, id) = (parts.next()?, parts.next()?, parts.next()?);
    (applications == "applications")
        .then(|| uuid::Uuid::parse_str(id).ok())
        .flatten()
}

/// The URL that begins a login at `level` and comes back to `return_to`.
pub fn login_url(return_to: &str, level: TrustLevel) -> String {
    format!(
        "/login?return_to={}&level={level}",
        percent_encoding::utf8_percent_encode(return_to, percent_encoding::NON_ALPHANUMERIC)
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    return_to: Option<String>,
    #[serde(default)]
    level: Option<String>,
}

pub async fn begin(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: Visitor,
    Query(q): Query<LoginQuery>,
) -> AppResult<Response> {
    let Some(login) = state.login() else {
        return Ok(unavailable(&ctx));
    };
    let Some(return_to) = safe_return(q.return_to.as_deref().unwrap_or("/")) else {
        return Ok(ErrorPage::BadRequest.into_response());
    };
    let level = match q.level.as_deref().map(str::parse::<TrustLevel>) {
        None => TrustLevel::Low,
        Some(Ok(TrustLevel::None)) => TrustLevel::Low,
        Some(Ok(level)) => level,
        Some(Err(_)) => return Ok(ErrorPage::BadRequest.into_response()),
    };
    let begun = match login.rp.begin(level, ctx.lang.code()).await {
        Ok(begun) => begun,
        Err(e) => {
            tracing::error!(error = %e, "citizen login cannot begin");
            return Ok(provider_down(&ctx, return_to, level));
        }
    };
    let key = visitor.key.clone().unwrap_or_else(SessionKey::generate);
    let url = begun.url.clone();
    crate::auth::oidc::keep_flow(
        state.store(),
        &key,
        begun,
        level,
        return_to,
        store::LoginKind::Citizen,
        None,
    )
    .await?;
    let mut res = Redirect::to(&url).into_response();
    if visitor.key.is_none() {
        super::journey::set_session_cookie(&state, &mut res, &key);
    }
    Ok(res)
}

pub async fn callback(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: Visitor,
    Query(q): Query<crate::auth::oidc::CallbackQuery>,
) -> AppResult<Response> {
    let Some(login) = state.login() else {
        return Ok(ErrorPage::NotFound.into_response());
    };
    // The flow must have begun in this browser, and works once.
    let flow = crate::auth::oidc::take_flow(
        state.store(),
        visitor.key.as_ref(),
        q.state.as_deref(),
        store::LoginKind::Citizen,
    )
    .await?;
    let Some(flow) = flow else {
        tracing::warn!("login callback without a matching flow (unknown, used or expired state)");
        return Ok(failed(&ctx, Failure::Expired, "/"));
    };
    let needed = flow.level.parse().unwrap_or(TrustLevel::Low);
    if let Some(error) = q.error.as_deref() {
        let cancelled = error == "access_denied";
        tracing::info!(
            cancelled,
            "identity provider returned an error instead of a login"
        );
        let why = if cancelled {
            Failure::Cancelled
        } else {
            Failure::Refused
        };
        return Ok(failed(&ctx, why, &flow.return_to));
    }
    let Some(code) = q
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 2048)
    else {
        return Ok(failed(&ctx, Failure::Refused, &flow.return_to));
    };
    let identity = match login
        .rp
        .finish(
            code,
            q.iss.as_deref(),
            &flow.nonce,
            &flow.pkce_verifier,
            Some(needed),
        )
        .await
    {
        Ok(identity) => identity,
        Err(LoginError::TooLow { reached, needed }) => {
            tracing::info!(?reached, %needed, "login refused: trust level too low");
            return Ok(too_low(&ctx, reached, needed, &flow.return_to));
        }
        Err(e @ LoginError::Provider(_)) => {
            tracing::error!(error = %e, "login failed");
            return Ok(provider_down(&ctx, &flow.return_to, needed));
        }
        Err(e) => {
            tracing::warn!(error = %e, "login refused");
            return Ok(failed(&ctx, Failure::Refused, &flow.return_to));
        }
    };
    let config = state.config();
    let now = Utc::now();
    let new_key = SessionKey::generate_login();
    let expires_at = now + chrono::Duration::hours(i64::from(config.citizen_login_hours));
    let idle = now + chrono::Duration::minutes(i64::from(config.citizen_login_idle_minutes));
    let session = NewCitizenSession {
        key_hash: new_key.hash(),
        login: CitizenLogin {
            owner: identity.owner,
            level: identity.level.to_string(),
            claims: identity.claims,
            id_token: Some(identity.id_token),
            idle_expires_at: idle.min(expires_at),
        },
        expires_at,
        // Only the draft the login was begun from; on a shared computer the browser's other
        // anonymous drafts may be someone else's.
        draft: draft_in(&flow.return_to),
    };
    let old = visitor
        .key
        .as_ref()
        .map(SessionKey::hash)
        .unwrap_or_default();
    state.store().complete_login(&old, &session).await?;
    tracing::info!(level = %identity.level, "citizen logged in");
    let mut res = Redirect::to(&flow.return_to).into_response();
    super::journey::set_session_cookie(&state, &mut res, &new_key);
    Ok(res)
}

/// Ends the login here, then at the provider (which sends the browser to `/logout/done`).
pub async fn logout(
    State(state): State<AppState>,
    visitor: Visitor,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    if let Err(rejection) = posted {
        return Ok(rejection.into_response());
    }
    let id_token = visitor.login.as_ref().and_then(|l| l.id_token.clone());
    if let Some(key) = &visitor.key {
        state.store().delete_session(&key.hash()).await?;
    }
    let provider = match (state.login(), visitor.login.is_some()) {
        (Some(login), true) => login.rp.logout_url(id_token.as_deref()).await,
        _ => None,
    };
    let mut res = Redirect::to(provider.as_deref().unwrap_or("/logout/done")).into_response();
    // The browser forgets its key: nothing of this session stays reachable from it.
    if let Ok(v) = HeaderValue::from_str(&SessionKey::clear_cookie()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    tracing::info!("citizen logged out");
    Ok(res)
}

pub async fn logged_out(ctx: PageCtx) -> Response {
    let lang = ctx.lang;
    let shell = ctx.shell(lang.t("logout-done-title").to_owned());
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <h1>{lang.t("logout-done-title")}</h1>
            <p>{lang.t("logout-done-text")}</p>
            <p><a href="/">{lang.t("back-to-start")}</a></p>
        },
    )
}

/// "Meine Anträge": the logged-in citizen's drafts and cases, in every municipality.
pub async fn mine(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: Visitor,
) -> AppResult<Response> {
    let Some(citizen) = &visitor.login else {
        return Ok(Redirect::to(&login_url("/my-applications", TrustLevel::Low)).into_response());
    };
    let drafts = state.store().citizen_drafts(&citizen.owner).await?;
    let cases = state.store().citizen_cases(&citizen.owner).await?;
    // Each case's fee: paid (the receipt) or still open (the way to pay).
    let mut fees = std::collections::HashMap::new();
    for c in &cases {
        if let Some(store::CasePayment { fee: Some(_), .. }) =
            state.store().case_payment(c.tenant_id, c.id).await?
        {
            let attempts = state.store().case_attempts(c.tenant_id, c.id).await?;
            let paid = crate::payment::citizen::counting_payment(&attempts).is_some();
            fees.insert(c.id, paid);
        }
    }
    let catalogue = state.catalogue();
    let lang = ctx.lang;
    let service_name = |tenant: store::TenantId, service: store::ServiceId| {
        catalogue
            .services(tenant)
            .iter()
            .find(|o| o.service.id == service)
            .map(|o| o.form.title.get(lang.code()).to_owned())
            .unwrap_or_default()
    };
    let tenant_of = |id: store::TenantId| catalogue.tenants().iter().find(|t| t.id == id).cloned();
    let draft_rows = drafts
        .iter()
        .filter_map(|d| {
            let tenant = tenant_of(d.tenant_id)?;
            let href = format!("/{}/applications/{}/check", tenant.slug, d.id);
            let until = lang.t_args(
                "mine-draft-until",
                &[(
                    "date",
                    Arg::from(crate::views::format_day(lang, d.expires_at.date_naive())),
                )],
            );
            Some(view! {
                <tr>
                    <td><a href=href>{service_name(d.tenant_id, d.service_id)}</a></td>
                    <td>{tenant.name.clone()}</td>
                    <td>{until}</td>
                </tr>
            })
        })
        .collect_view();
    let case_rows = cases
        .iter()
        .filter_map(|c| {
            let tenant = tenant_of(c.tenant_id)?;
            let href = format!("/{}/cases/{}/confirmation", tenant.slug, c.id);
            let payment = match fees.get(&c.id) {
                Some(true) => Some(view! {
                    <a href=format!("/{}/cases/{}/receipt.pdf", tenant.slug, c.id) download="">{lang.t("mine-receipt")}</a>
                }.into_any()),
                Some(false) => Some(view! {
                    <a href=format!("/{}/cases/{}/payment", tenant.slug, c.id)>{lang.t("mine-pay")}</a>
                }.into_any()),
                None => None,
            };
            Some(view! {
                <tr>
                    <td><a href=href>{service_name(c.tenant_id, c.service_id)}</a></td>
                    <td>{tenant.name.clone()}</td>
                    <td>{c.reference.clone()}</td>
                    <td>
                        {lang.t(&format!("status-{}", c.status.as_str().replace('_', "-")))}
                        {c.status_note.clone().map(|n| view! { <br/><span class="status-note">{n}</span> })}
                    </td>
                    <td>{payment}</td>
                </tr>
            })
        })
        .collect_view();
    let no_drafts = drafts.is_empty();
    let no_cases = cases.is_empty();
    let shell = ctx.shell(lang.t("mine-title").to_owned());
    Ok(views::page(
        &shell,
        StatusCode::OK,
        view! {
            <h1>{lang.t("mine-title")}</h1>
            <p class="lead">{lang.t("mine-lead")}</p>
            <h2 id="drafts">{lang.t("mine-drafts")}</h2>
            {if no_drafts {
                view! { <p>{lang.t("mine-no-drafts")}</p> }.into_any()
            } else {
                view! {
                    <table class="table" aria-labelledby="drafts">
                        <thead><tr>
                            <th scope="col">{lang.t("mine-service")}</th>
                            <th scope="col">{lang.t("mine-municipality")}</th>
                            <th scope="col">{lang.t("mine-kept")}</th>
                        </tr></thead>
                        <tbody>{draft_rows}</tbody>
                    </table>
                }.into_any()
            }}
            <h2 id="cases">{lang.t("mine-cases")}</h2>
            {if no_cases {
                view! { <p>{lang.t("mine-no-cases")}</p> }.into_any()
            } else {
                view! {
                    <table class="table" aria-labelledby="cases">
                        <thead><tr>
                            <th scope="col">{lang.t("mine-service")}</th>
                            <th scope="col">{lang.t("mine-municipality")}</th>
                            <th scope="col">{lang.t("mine-reference")}</th>
                            <th scope="col">{lang.t("mine-status")}</th>
                            <th scope="col">{lang.t("pay-title")}</th>
                        </tr></thead>
                        <tbody>{case_rows}</tbody>
                    </table>
                }.into_any()
            }}
        },
    ))
}

/// Why a login ended without one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    /// Unknown, used or expired state: the login must begin again.
    Expired,
    /// The citizen cancelled at the provider.
    Cancelled,
    /// The provider refused, or its answer failed a check.
    Refused,
}

fn failed(ctx: &PageCtx, why: Failure, return_to: &str) -> Response {
    let lang = ctx.lang;
    let (status, title, text) = match why {
        Failure::Expired => (
            StatusCode::BAD_REQUEST,
            "login-expired-title",
            "login-expired-text",
        ),
        Failure::Cancelled => (
            StatusCode::FORBIDDEN,
            "login-cancelled-title",
            "login-cancelled-text",
        ),
        Failure::Refused => (
            StatusCode::FORBIDDEN,
            "login-failed-title",
            "login-failed-text",
        ),
    };
    let shell = ctx.shell(lang.t(title).to_owned());
    let again = login_url(return_to, TrustLevel::Low);
    views::page(
        &shell,
        status,
        view! {
            <h1>{lang.t(title)}</h1>
            <p>{lang.t(text)}</p>
            <p><a class="button" href=again>{lang.t("login-again")}</a></p>
            <p><a href="/">{lang.t("back-to-start")}</a></p>
        },
    )
}

/// The login reached too low a level: what is needed, and the way to log in at it.
fn too_low(
    ctx: &PageCtx,
    reached: Option<TrustLevel>,
    needed: TrustLevel,
    return_to: &str,
) -> Response {
    let lang = ctx.lang;
    let shell = ctx.shell(lang.t("login-too-low-title").to_owned());
    let level_name = |l: TrustLevel| lang.t(&format!("level-{l}")).to_owned();
    let text = lang.t_args(
        "login-too-low-text",
        &[
            ("needed", Arg::from(level_name(needed))),
            (
                "reached",
                Arg::from(reached.map_or_else(|| lang.t("level-unknown").to_owned(), level_name)),
            ),
        ],
    );
    views::page(
        &shell,
        StatusCode::FORBIDDEN,
        view! {
            <h1>{lang.t("login-too-low-title")}</h1>
            <p>{text}</p>
            <p>{lang.t("login-too-low-how")}</p>
            <p><a class="button" href=login_url(return_to, needed)>{lang.t("login-step-up")}</a></p>
            <p><a href="/">{lang.t("back-to-start")}</a></p>
        },
    )
}

/// Shown where a service needs a higher level than the current login: the step-up page.
pub fn needs_level(
    ctx: &PageCtx,
    visitor: &Visitor,
    needed: TrustLevel,
    return_to: &str,
) -> Response {
    too_low(ctx, visitor.level(), needed, return_to)
}

fn provider_down(ctx: &PageCtx, return_to: &str, level: TrustLevel) -> Response {
    let lang = ctx.lang;
    let shell = ctx.shell(lang.t("login-provider-down-title").to_owned());
    views::page(
        &shell,
        StatusCode::BAD_GATEWAY,
        view! {
            <h1>{lang.t("login-provider-down-title")}</h1>
            <p>{lang.t("login-provider-down-text")}</p>
            <p><a class="button" href=login_url(return_to, level)>{lang.t("login-again")}</a></p>
        },
    )
}

fn unavailable(ctx: &PageCtx) -> Response {
    let lang = ctx.lang;
    let shell = ctx.shell(lang.t("login-unavailable-title").to_owned());
    views::page(
        &shell,
        StatusCode::NOT_FOUND,
        view! {
            <h1>{lang.t("login-unavailable-title")}</h1>
            <p>{lang.t("trust-login-unavailable")}</p>
            <p><a href="/">{lang.t("back-to-start")}</a></p>
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_accepts_only_a_path_on_this_portal() {
        assert_eq!(safe_return("/my-applications"), Some("/my-applications"));
        assert_eq!(
            safe_return("/werther/services/x/form?a=1"),
            Some("/werther/services/x/form?a=1")
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "evil",
            "",
            "/a b",
            "/\u{0}x",
        ] {
            assert_eq!(safe_return(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn only_a_way_back_into_a_draft_names_a_draft() {
        let id = uuid::Uuid::new_v4();
        for path in [
            format!("/werther/applications/{id}/steps/2"),
            format!("/werther/applications/{id}/check"),
            format!("/werther/applications/{id}/steps/1?return=check"),
            format!("/ellrich/applications/{id}"),
        ] {
            assert_eq!(draft_in(&path), Some(id), "{path}");
        }
        for path in [
            "/my-applications".to_owned(),
            "/werther/services/hundesteuer/form".to_owned(),
            format!("/werther/cases/{id}/confirmation"),
            format!("/werther/resume/{id}"),
            "/werther/applications/not-a-uuid/check".to_owned(),
            format!("/applications/{id}"),
            "/".to_owned(),
        ] {
            assert_eq!(draft_in(&path), None, "{path}");
        }
    }

    #[test]
    fn the_login_link_carries_the_path_encoded() {
        assert_eq!(
            login_url("/my-applications", TrustLevel::Substantial),
            "/login?return_to=%2Fmy%2Dapplications&level=substantial"
        );
    }
}
