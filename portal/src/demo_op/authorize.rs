//! The demo provider's pages: the test identities page (the authorization endpoint), the
//! choice posted from it, and the logout endpoint.
//!
//! The browser is sent back only to the registered redirect URI (exact match). A request
//! from an unknown client or with another redirect URI gets an error page here and goes
//! nowhere (RFC 6749 section 4.1.2.1); any other bad request goes back with `error`.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{FromRequestParts, RawQuery};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;

use super::personas::{Level, PERSONAS, Persona};
use super::{
    AUTHORIZE_PATH, CLIENT_ID, CODE_TTL_SECS, DemoOp, Grant, SCOPES, now, param, random_token,
    see_other, with_query,
};
use crate::auth::csrf::{self, Csrf, CsrfForm, CsrfRejection};
use crate::error::ErrorPage;
use crate::i18n::{Arg, Lang};
use crate::views;
use crate::web::{self, PageCtx};

/// The longest `state`, `nonce` or `acr_values` taken (the portal's are far shorter).
const MAX_PARAM_LEN: usize = 1024;

/// The page context of the provider's pages, built here rather than by `PageCtx`'s own
/// extractor, which needs the portal's `AppState`: the provider's routes work on any state,
/// so they can be tested on their own. `demo` is always true: the provider exists only in
/// demo mode; and no citizen shows in the header: these pages stand for the provider's own
/// site, not the portal's.
pub(super) struct OpPage(PageCtx);

impl<S: Send + Sync> FromRequestParts<S> for OpPage {
    type Rejection = ErrorPage;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let csrf = parts
            .extensions
            .get::<Csrf>()
            .cloned()
            .ok_or(ErrorPage::Internal)?;
        Ok(Self(PageCtx {
            lang: web::lang_of(&parts.headers),
            csrf,
            demo: true,
            path: parts.uri.path().to_owned(),
            citizen: None,
        }))
    }
}

/// A checked authorization request, carried on by the identities page in hidden fields.
/// Its client and redirect URI are the registered ones.
#[derive(Debug)]
pub(super) struct AuthRequest {
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: String,
    /// The granted scope: the requested scopes the provider knows.
    scope: String,
    acr_values: Option<String>,
}

/// Why an authorization request is not served.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Unknown client or redirect URI: an error page, never a redirect.
    Page,
    /// Back to the client's redirect URI with this `error` (and the state, if usable).
    Redirect(&'static str, Option<String>),
}

impl DemoOp {
    /// Checks an authorization request: from the query (`posted` false), or as posted back
    /// from the identities page (`posted` true: the response type and challenge method were
    /// checked when the page was shown and are not posted).
    pub(super) fn check_request(
        &self,
        fields: &[(String, String)],
        posted: bool,
    ) -> Result<AuthRequest, Refusal> {
        let client_id = param(fields, "client_id").map_err(|_| Refusal::Page)?;
        let redirect_uri = param(fields, "redirect_uri").map_err(|_| Refusal::Page)?;
        if client_id != Some(CLIENT_ID) || redirect_uri != Some(self.redirect_uri.as_str()) {
            return Err(Refusal::Page);
        }
        // From here on the browser may go back to the client, with the state if it is usable.
        let state = param(fields, "state")
            .ok()
            .flatten()
            .filter(|s| s.len() <= MAX_PARAM_LEN)
            .map(str::to_owned);
        let refuse = |error| Refusal::Redirect(error, state.clone());
        let get = |name| param(fields, name).map_err(|_| refuse("invalid_request"));
        if get("state")?.is_some_and(|s| s.len() > MAX_PARAM_LEN) {
            return Err(refuse("invalid_request"));
        }
        if !posted {
            match get("response_type")? {
                Some("code") => {}
                Some(_) => return Err(refuse("unsupported_response_type")),
                None => return Err(refuse("invalid_request")),
            }
            // RFC 7636 would take a missing method as `plain`; only S256 is accepted.
            if get("code_challenge_method")? != Some("S256") {
                return Err(refuse("invalid_request"));
            }
            // The provider always shows a page, so it cannot answer without one.
            if get("prompt")?.is_some_and(|p| p.split_whitespace().any(|v| v == "none")) {
                return Err(refuse("login_required"));
            }
        }
        let requested: Vec<&str> = get("scope")?
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        if !requested.contains(&"openid") {
            return Err(refuse("invalid_request"));
        }
        let scope = SCOPES
            .iter()
            .filter(|s| requested.contains(s))
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        // An S256 challenge is always 43 base64url characters.
        let code_challenge = get("code_challenge")?
            .filter(|c| {
                c.len() == 43
                    && c.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .ok_or_else(|| refuse("invalid_request"))?;
        let nonce = get("nonce")?;
        let acr_values = get("acr_values")?;
        if nonce.is_some_and(|n| n.len() > MAX_PARAM_LEN)
            || acr_values.is_some_and(|a| a.len() > MAX_PARAM_LEN)
        {
            return Err(refuse("invalid_request"));
        }
        Ok(AuthRequest {
            state,
            nonce: nonce.map(str::to_owned),
            code_challenge: code_challenge.to_owned(),
            scope,
            acr_values: acr_values.map(str::to_owned),
        })
    }

    /// A fresh single-use code for the persona, valid [`CODE_TTL_SECS`].
    pub(super) fn issue_code(
        &self,
        req: &AuthRequest,
        persona: &'static Persona,
        now: i64,
    ) -> String {
        let code = random_token();
        let grant = Grant {
            redirect_uri: self.redirect_uri.clone(),
            nonce: req.nonce.clone(),
            code_challenge: req.code_challenge.clone(),
            scope: req.scope.clone(),
            persona,
            auth_time: now,
        };
        self.codes.insert(&code, grant, now + CODE_TTL_SECS, now);
        code
    }

    fn refuse(&self, ctx: &PageCtx, refusal: Refusal) -> Response {
        match refusal {
            Refusal::Page => refused_page(ctx),
            Refusal::Redirect(error, state) => {
                see_other(&self.callback(&[("error", error)], state.as_deref()))
            }
        }
    }

    /// The fields every form of the identities page posts back (besides the CSRF token).
    fn hidden_fields(&self, req: &AuthRequest) -> Vec<(&'static str, String)> {
        let optional = [
            ("state", &req.state),
            ("nonce", &req.nonce),
            ("acr_values", &req.acr_values),
        ];
        let mut fields = vec![
            ("client_id", CLIENT_ID.to_owned()),
            ("redirect_uri", self.redirect_uri.clone()),
            ("code_challenge", req.code_challenge.clone()),
            ("scope", req.scope.clone()),
        ];
        fields.extend(
            optional
                .into_iter()
                .filter_map(|(name, value)| value.clone().map(|v| (name, v))),
        );
        fields
    }

    /// The request as a GET address, for the language switch of the identities page.
    fn request_path(&self, req: &AuthRequest) -> String {
        let mut params: Vec<(&str, String)> = vec![
            ("response_type", "code".to_owned()),
            ("code_challenge_method", "S256".to_owned()),
        ];
        params.extend(self.hidden_fields(req));
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        with_query(AUTHORIZE_PATH, &params)
    }
}

fn parse_query(query: Option<&str>) -> Option<Vec<(String, String)>> {
    serde_urlencoded::from_str(query.unwrap_or_default()).ok()
}

/// `GET /demo-op/authorize`: the test identities, or a refusal.
pub(super) async fn page(
    Extension(op): Extension<Arc<DemoOp>>,
    OpPage(ctx): OpPage,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(fields) = parse_query(query.as_deref()) else {
        return refused_page(&ctx);
    };
    match op.check_request(&fields, false) {
        Ok(req) => identities_page(&ctx, &op, &req, false),
        Err(refusal) => op.refuse(&ctx, refusal),
    }
}

/// `POST /demo-op/authorize`: a test identity was chosen (a code goes back to the client),
/// or the sign-in was cancelled (`access_denied`). A stale CSRF token shows the page again.
pub(super) async fn submit(
    Extension(op): Extension<Arc<DemoOp>>,
    OpPage(ctx): OpPage,
    form: Result<CsrfForm, CsrfRejection>,
) -> Response {
    let (fields, token_valid) = match form {
        Ok(CsrfForm(fields)) => (fields, true),
        Err(CsrfRejection::Token(fields)) => (fields, false),
        Err(other) => return other.into_response(),
    };
    let req = match op.check_request(&fields, true) {
        Ok(req) => req,
        Err(refusal) => return op.refuse(&ctx, refusal),
    };
    if !token_valid {
        return identities_page(&ctx, &op, &req, true);
    }
    if matches!(param(&fields, "decision"), Ok(Some("cancel"))) {
        return see_other(&op.callback(&[("error", "access_denied")], req.state.as_deref()));
    }
    let Some(persona) = param(&fields, "persona")
        .ok()
        .flatten()
        .and_then(Persona::by_id)
    else {
        return ErrorPage::BadRequest.into_response();
    };
    let code = op.issue_code(&req, persona, now());
    see_other(&op.callback(&[("code", &code)], req.state.as_deref()))
}

/// `GET /demo-op/end-session`: back to the registered address after logout, or a page.
/// The provider keeps no login of its own, so there is nothing else to end.
pub(super) async fn end_session(
    Extension(op): Extension<Arc<DemoOp>>,
    OpPage(ctx): OpPage,
    RawQuery(query): RawQuery,
) -> Response {
    let fields = parse_query(query.as_deref()).unwrap_or_default();
    let target = param(&fields, "post_logout_redirect_uri").ok().flatten();
    let client_ok = matches!(param(&fields, "client_id"), Ok(None | Some(CLIENT_ID)));
    if client_ok && target == Some(op.post_logout_redirect_uri.as_str()) {
        let state = param(&fields, "state").ok().flatten();
        let params: Vec<(&str, &str)> = state.map(|s| ("state", s)).into_iter().collect();
        return see_other(&with_query(&op.post_logout_redirect_uri, &params));
    }
    let lang = ctx.lang;
    let title = lang.t("demo-op-logged-out-title");
    views::page(
        &ctx.shell(title.to_owned()),
        StatusCode::OK,
        view! {
            <p class="caption">{lang.t("demo-op-caption")}</p>
            <h1>{title}</h1>
            <p>{lang.t("demo-op-logged-out-text")}</p>
            <p><a href="/">{lang.t("demo-op-back")}</a></p>
        },
    )
}

fn refused_page(ctx: &PageCtx) -> Response {
    let lang = ctx.lang;
    let title = lang.t("demo-op-refused-title");
    views::page(
        &ctx.shell(title.to_owned()),
        StatusCode::BAD_REQUEST,
        view! {
            <p class="caption">{lang.t("demo-op-caption")}</p>
            <h1>{title}</h1>
            <p>{lang.t("demo-op-refused-text")}</p>
            <p><a href="/">{lang.t("demo-op-back")}</a></p>
        },
    )
}

/// The hidden fields of one form of the identities page, the CSRF token first.
fn hidden_inputs(token: &str, fields: &[(&'static str, String)]) -> impl IntoView + use<> {
    let token = token.to_owned();
    let fields = fields.to_vec();
    view! {
        <input type="hidden" name=csrf::FIELD value=token/>
        {fields
            .into_iter()
            .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
            .collect_view()}
    }
}

/// One test identity: who it is, what it delivers, whether it reaches the requested level
/// (said in words), and its sign-in button.
fn persona_section(
    lang: Lang,
    persona: &'static Persona,
    requested: Option<Level>,
    token: &str,
    fields: &[(&'static str, String)],
) -> impl IntoView + use<> {
    let level = lang.t(persona.level.key());
    let method = lang.t(persona.method_key);
    let label = lang.t_args(
        "demo-op-login",
        &[
            ("name", Arg::from(persona.name())),
            ("level", Arg::from(level)),
            ("method", Arg::from(method)),
        ],
    );
    let mut rows: Vec<(&'static str, String)> = vec![
        ("demo-op-level", level.to_owned()),
        ("demo-op-method", method.to_owned()),
        ("demo-op-email", persona.email.to_owned()),
    ];
    if let Some(d) = &persona.details {
        let birthdate = chrono::NaiveDate::parse_from_str(d.birthdate, "%Y-%m-%d").map_or_else(
            |_| d.birthdate.to_owned(),
            |day| views::format_day(lang, day),
        );
        rows.push(("demo-op-birthdate", birthdate));
        if let Some(birth_name) = d.birth_name {
            rows.push(("demo-op-birth-name", birth_name.to_owned()));
        }
        rows.push(("demo-op-place-of-birth", d.place_of_birth.to_owned()));
        let nationality = match d.nationality {
            "DE" => lang.t("demo-op-nationality-de").to_owned(),
            other => other.to_owned(),
        };
        rows.push(("demo-op-nationality", nationality));
        rows.push((
            "demo-op-address",
            format!("{}, {} {}", d.street_address, d.postal_code, d.locality),
        ));
    }
    rows.push(("demo-op-pseudonym", persona.sub.to_owned()));
    let rows = rows
        .into_iter()
        .map(|(key, value)| {
            view! { <div class="summary-row"><dt>{lang.t(key)}</dt><dd>{value}</dd></div> }
        })
        .collect_view();
    let reach = requested.map(|wanted| {
        let key = if persona.level >= wanted {
            "demo-op-reaches"
        } else {
            "demo-op-falls-short"
        };
        view! { <p><strong>{lang.t(key)}</strong></p> }
    });
    let heading = format!("persona-{}", persona.id);
    let labelled_by = heading.clone();
    view! {
        <section aria-labelledby=labelled_by>
            <h3 id=heading>{persona.name()}</h3>
            <dl class="summary">{rows}</dl>
            {reach}
            <form method="post" action=AUTHORIZE_PATH>
                {hidden_inputs(token, fields)}
                <input type="hidden" name="persona" value=persona.id/>
                <button type="submit" class="button">{label}</button>
            </form>
        </section>
    }
}

/// The test identities page. `expired`: the posted CSRF token was stale (403, a notice).
fn identities_page(ctx: &PageCtx, op: &DemoOp, req: &AuthRequest, expired: bool) -> Response {
    let lang = ctx.lang;
    let title = lang.t("demo-op-title");
    let mut shell = ctx.shell(title.to_owned());
    shell.path = op.request_path(req);
    let token = ctx.csrf.token();
    let fields = op.hidden_fields(req);
    let requested = req.acr_values.as_deref().and_then(Level::requested);
    let alert = expired.then(|| {
        views::notice_alert(
            lang.t("demo-op-expired-title").to_owned(),
            lang.t("demo-op-expired-text").to_owned(),
        )
    });
    let requested_text = requested.map(|level| {
        let text = lang.t_args(
            "demo-op-requested",
            &[("level", Arg::from(lang.t(level.key())))],
        );
        view! { <p class="notice">{text}</p> }
    });
    let personas = PERSONAS
        .iter()
        .map(|p| persona_section(lang, p, requested, &token, &fields))
        .collect_view();
    let status = if expired {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::OK
    };
    views::page(
        &shell,
        status,
        view! {
            {alert}
            <p class="caption">{lang.t("demo-op-caption")}</p>
            <h1>{title}</h1>
            <p class="lead">{lang.t("demo-op-intro")}</p>
            <p class="warning-text"><strong>{lang.t("demo-op-warning")}</strong></p>
            {requested_text}
            <h2>{lang.t("demo-op-identities")}</h2>
            {personas}
            <h2>{lang.t("demo-op-cancel-title")}</h2>
            <p>{lang.t("demo-op-cancel-text")}</p>
            <form method="post" action=AUTHORIZE_PATH>
                {hidden_inputs(&token, &fields)}
                <button type="submit" name="decision" value="cancel" class="button button--secondary">
                    {lang.t("demo-op-cancel")}
                </button>
            </form>
        },
    )
}
