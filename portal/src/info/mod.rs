//! What every page links to from its footer (BITV 2.0): the accessibility statement, a page in
//! Leichte Sprache and the contact page, per municipality and for the federation as a whole;
//! plus each municipality's colour as a tiny stylesheet. All read from the in-memory
//! catalogue, so these pages cost no database round trip.

mod contact;
mod easy_read;
mod statement;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use store::Tenant;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::PageCtx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/barrierefreiheit", get(federation_statement))
        .route("/leichte-sprache", get(federation_easy_read))
        .route("/kontakt", get(federation_contact))
        .route("/{tenant}/barrierefreiheit", get(tenant_statement))
        .route("/{tenant}/leichte-sprache", get(tenant_easy_read))
        .route("/{tenant}/kontakt", get(tenant_contact))
        .route("/{tenant}/theme.css", get(theme))
}

async fn federation_statement(State(state): State<AppState>, ctx: PageCtx) -> Response {
    statement::federation(&ctx, state.catalogue().tenants())
}

async fn federation_easy_read(State(state): State<AppState>, ctx: PageCtx) -> Response {
    easy_read::page(&ctx, None, state.catalogue().tenants())
}

async fn federation_contact(State(state): State<AppState>, ctx: PageCtx) -> Response {
    contact::federation(&ctx, state.catalogue().tenants())
}

/// The municipality named in the path, or 404.
fn tenant(state: &AppState, slug: &str) -> AppResult<Tenant> {
    state
        .catalogue()
        .tenant(slug)
        .cloned()
        .ok_or(AppError::NotFound)
}

async fn tenant_statement(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    Ok(statement::tenant(&ctx, &tenant(&state, &slug)?))
}

async fn tenant_easy_read(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let tenant = tenant(&state, &slug)?;
    Ok(easy_read::page(&ctx, Some(&tenant), &[]))
}

async fn tenant_contact(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    Ok(contact::tenant(&ctx, &tenant(&state, &slug)?))
}

/// `--accent` for the municipality's pages. Linked with the colour in the query, so it may be
/// cached for a day: a new colour is a new address.
async fn theme(State(state): State<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let tenant = tenant(&state, &slug)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        theme_css(tenant.profile.accent_colour),
    )
        .into_response())
}

/// Only the two custom properties; portal.css says where they are used. The accent passed
/// the contrast check when it was stored (4.5:1 against white), and the darker shade (hover)
/// only has more.
pub fn theme_css(accent: store::AccentColour) -> String {
    let rgb = accent.rgb();
    format!(
        ":root {{ --accent: {}; --accent-dark: {}; }}\n",
        rgb.hex(),
        rgb.darken(20).hex()
    )
}

/// `tel:` link target: digits only, a leading `0` becoming Germany's `+49`.
pub(crate) fn phone_href(phone: &str) -> String {
    let digits: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    let international = if let Some(rest) = digits.strip_prefix("00") {
        format!("+{rest}")
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("+49{rest}")
    } else {
        digits
    };
    format!("tel:{international}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_theme_sets_the_accent_and_a_darker_hover_shade() {
        let css = theme_css(store::AccentColour::parse("#2F6B2F").unwrap());
        assert_eq!(
            css,
            ":root { --accent: #2f6b2f; --accent-dark: #255525; }\n"
        );
    }

    #[test]
    fn phone_numbers_become_international_tel_links() {
        assert_eq!(phone_href("0361 5550-130"), "tel:+493615550130");
        assert_eq!(phone_href("+49 361 5550130"), "tel:+493615550130");
        assert_eq!(phone_href("0049 (361) 5550130"), "tel:+493615550130");
    }
}
