//! What every response gets: a correlation id and request span, security headers, the CSRF
//! cookie when a token was issued, and full pages for errors. Plus the page context
//! extractor, health checks, static files and the language switch.

use std::time::Instant;

use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use leptos::prelude::*;
use tracing::Instrument;

use crate::auth::csrf::{self, Csrf};
use crate::auth::session::cookie;
use crate::error::ErrorPage;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::views::{self, Shell};

pub const LANG_COOKIE: &str = "portal-lang";

/// `default-src 'none'`: nothing loads but our own stylesheet (and later our own script).
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// The CSP with more origins allowed as a form's target: browsers apply `form-action` to
/// the redirects after a form post too, and the logout forms' redirects go to the identity
/// providers.
pub fn csp_with_form_action(origins: &[String]) -> String {
    CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {}", origins.join(" ")),
    )
}

/// The request's correlation id, shown on the 500 page and in every log line of the request.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub async fn frame(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    // From the thread-local generator: no system call per request.
    let request_id = format!("{:016x}", rand::random::<u64>());
    let method = req.method().clone();
    let lang = lang_of(req.headers());
    let path = req.uri().path().to_owned();
    let csrf = Csrf::from_cookie(state.csrf_key(), cookie(req.headers(), csrf::COOKIE));
    req.extensions_mut().insert(csrf.clone());
    req.extensions_mut().insert(RequestId(request_id.clone()));

    // No path in the span: it may carry case ids or reference numbers.
    let span = tracing::info_span!("request", id = %request_id, method = %method);
    let mut res = next.run(req).instrument(span.clone()).await;

    let page = res
        .extensions()
        .get::<ErrorPage>()
        .copied()
        .or_else(|| bare_error(&res));
    if let Some(page) = page {
        res = error_page(&state, lang, &path, page, &request_id);
    }
    if let Some(set) = csrf.set_cookie()
        && let Ok(v) = HeaderValue::from_str(&set)
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    security_headers(res.headers_mut(), state.csp());
    let status = res.status().as_u16();
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(
                status,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "request failed"
            );
        } else {
            tracing::debug!(
                status,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "request"
            );
        }
    });
    res
}

/// A framework error (no route, wrong method, body limit) that has no page yet.
fn bare_error(res: &Response) -> Option<ErrorPage> {
    // A page, or a machine endpoint's JSON answer (the demo provider's token errors, the pull
    // API's problem documents), stays.
    let is_own = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        let v = v.as_bytes();
        v.starts_with(b"text/html")
            || v.starts_with(b"application/json")
            || v.starts_with(b"application/problem+json")
    });
    if is_own {
        return None;
    }
    ErrorPage::from_status(res.status())
}

fn error_page(
    state: &AppState,
    lang: Lang,
    path: &str,
    page: ErrorPage,
    request_id: &str,
) -> Response {
    let shell = Shell {
        lang,
        demo: state.config().demo,
        title: lang.t(&format!("{}-title", page.key())).to_owned(),
        tenant: None,
        staff: None,
        citizen: None,
        path: path.to_owned(),
    };
    let title = shell.title.clone();
    let text = lang.t(&format!("{}-text", page.key()));
    let reference = (page == ErrorPage::Internal).then(|| {
        view! { <p>{lang.t("page-internal-reference")}" "<code class="correlation-id">{request_id.to_owned()}</code></p> }
    });
    views::page(
        &shell,
        page.status(),
        view! {
            <h1>{title}</h1>
            <p>{text}</p>
            {reference}
            <p><a href="/">{lang.t("back-to-start")}</a></p>
        },
    )
}

fn security_headers(h: &mut HeaderMap, csp: Option<&HeaderValue>) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        csp.cloned().unwrap_or(HeaderValue::from_static(CSP)),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    // Pages carry CSRF tokens and may carry personal data: no cache keeps them.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The address citizens reach the portal at, for links shown to them: the configured
/// `public_url`, else the host the request came to (fine for the demo on loopback).
pub fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config().public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .map_or_else(|| state.config().bind.to_string(), str::to_owned);
    format!("http://{host}")
}

pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_default()
}

/// What a page handler needs besides its own data.
pub struct PageCtx {
    pub lang: Lang,
    pub csrf: Csrf,
    pub demo: bool,
    pub path: String,
    /// The logged-in citizen's name (empty when the provider sent none), for the header.
    pub citizen: Option<String>,
}

impl PageCtx {
    pub fn shell(&self, title: String) -> Shell {
        Shell {
            lang: self.lang,
            demo: self.demo,
            title,
            tenant: None,
            staff: None,
            citizen: self
                .citizen
                .clone()
                .map(|name| crate::views::CitizenHeader {
                    name,
                    csrf_token: self.csrf.token(),
                }),
            path: self.path.clone(),
        }
    }

    /// A staff page: the header shows who is signed in, the logout button and, for admins, the
    /// way into the admin area.
    pub fn staff_shell(&self, title: String, staff: &crate::auth::staff::Staff) -> Shell {
        Shell {
            staff: Some(crate::views::StaffHeader {
                username: staff.user.username.clone(),
                csrf_token: self.csrf.token(),
                admin: crate::admin::is_admin(staff),
            }),
            ..self.shell(title)
        }
    }

    /// A page of one municipality: its colour, its name in the header, its footer links.
    pub fn tenant_shell(&self, title: String, tenant: &store::Tenant) -> Shell {
        Shell {
            tenant: Some(tenant.clone()),
            ..self.shell(title)
        }
    }
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = ErrorPage;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let csrf = parts
            .extensions
            .get::<Csrf>()
            .cloned()
            .ok_or(ErrorPage::Internal)?;
        // Only a browser with a session cookie costs a lookup.
        let citizen = match crate::auth::citizen::Visitor::from_request_parts(parts, state).await {
            Ok(visitor) => visitor.name(),
            Err(e) => {
                // Logs the cause with the request's correlation id.
                let _ = e.into_response();
                return Err(ErrorPage::Internal);
            }
        };
        Ok(Self {
            lang: lang_of(&parts.headers),
            csrf,
            demo: state.config().demo,
            path: parts.uri.path().to_owned(),
            citizen,
        })
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/static/portal.css", get(stylesheet))
        .route("/lang/{code}", get(switch_language))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store().ready().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
        }
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/portal.css"),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct Next_ {
    next: Option<String>,
}

/// Sets the language cookie (a preference, not personal data; nothing is stored) and goes
/// back to the page. Only local paths are followed, so this is no open redirect.
async fn switch_language(Path(code): Path<String>, Query(q): Query<Next_>) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        return ErrorPage::NotFound.into_response();
    };
    let next = q
        .next
        .filter(|n| {
            n.starts_with('/')
                && !n.starts_with("//")
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        })
        .unwrap_or_else(|| "/".to_owned());
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    );
    let mut res = Redirect::to(&next).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}
