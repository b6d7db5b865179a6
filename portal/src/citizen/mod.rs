//! The citizen's side: the list of municipalities, a municipality's services, a service
//! page, the form, and the confirmation with the reference number.

mod journey;
pub mod login;
mod pages;

pub use pages::blank_start_of;
mod uploads;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use store::Tenant;

use crate::error::{AppError, AppResult, ErrorPage};
use crate::state::{AppState, Catalogue, Offering};
use crate::web::PageCtx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/{tenant}", get(tenant_redirect))
        .route("/{tenant}/", get(tenant_home))
        .route("/{tenant}/services/{service}", get(service_page))
        .route(
            "/{tenant}/services/{service}/form",
            get(journey::start_page)
                .post(journey::start)
                .layer(DefaultBodyLimit::max(uploads::UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/{tenant}/applications/{id}/steps/{step}",
            get(journey::step_page)
                .post(journey::step_submit)
                .layer(DefaultBodyLimit::max(uploads::UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/{tenant}/applications/{id}/check",
            get(journey::check_page).post(journey::check_submit),
        )
        .route("/{tenant}/cases/{id}/confirmation", get(confirmation))
        .route(
            "/{tenant}/cases/{id}/payment",
            get(crate::payment::citizen::payment_page).post(crate::payment::citizen::pay),
        )
        .route(
            "/{tenant}/cases/{id}/receipt.pdf",
            get(crate::payment::citizen::receipt),
        )
        .route(
            "/{tenant}/cases/{id}/payment/return",
            get(crate::payment::citizen::returned),
        )
        .route(
            "/payments/{tenant}/webhook",
            axum::routing::post(crate::payment::webhook::receive),
        )
        .route("/{tenant}/resume/{token}", get(journey::resume))
        .route("/login", get(login::begin))
        .route("/login/callback", get(login::callback))
        .route("/logout", axum::routing::post(login::logout))
        .route("/logout/done", get(login::logged_out))
        .route("/my-applications", get(login::mine))
}

async fn home(State(state): State<AppState>, ctx: PageCtx) -> Response {
    pages::home(&ctx, &state.catalogue())
}

async fn tenant_redirect(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    match state.catalogue().tenant(&slug) {
        Some(t) => Redirect::permanent(&format!("/{}/", t.slug)).into_response(),
        None => ErrorPage::NotFound.into_response(),
    }
}

async fn tenant_home(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    Ok(pages::tenant(&ctx, tenant, catalogue.services(tenant.id)))
}

/// The municipality and the service named in the path, or 404.
fn find<'a>(
    catalogue: &'a Catalogue,
    slug: &str,
    service: &str,
) -> AppResult<(&'a Tenant, &'a Offering)> {
    let tenant = catalogue.tenant(slug).ok_or(AppError::NotFound)?;
    let offering = catalogue
        .offering(tenant.id, service)
        .ok_or(AppError::NotFound)?;
    Ok((tenant, offering))
}

async fn service_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: crate::auth::citizen::Visitor,
    Path((slug, service)): Path<(String, String)>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let (tenant, offering) = find(&catalogue, &slug, &service)?;
    let needed = state.trust_level(tenant, offering);
    let login = pages::LoginNeed {
        level: needed,
        available: state.login().is_some(),
        reached: visitor.reaches(needed),
    };
    Ok(pages::service(&ctx, tenant, offering, login))
}

/// Shown only to the browser that submitted the case: anyone else gets 404, even with the
/// right link.
async fn confirmation(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: crate::auth::citizen::Visitor,
    Path((slug, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let owner = visitor.owner().ok_or(AppError::NotFound)?;
    let case = state
        .store()
        .case_for_submitter(tenant.id, id, &owner)
        .await?
        .ok_or(AppError::NotFound)?;
    if crate::payment::citizen::awaits_payment(&case) {
        return Ok(
            axum::response::Redirect::to(&crate::payment::citizen::payment_url(tenant, case.id))
                .into_response(),
        );
    }
    let offering = catalogue
        .services(tenant.id)
        .iter()
        .find(|o| o.service.id == case.service_id);
    let fee = match state.store().case_payment(tenant.id, case.id).await? {
        Some(store::CasePayment { fee: Some(fee), .. }) => {
            let attempts = state.store().case_attempts(tenant.id, case.id).await?;
            match crate::payment::citizen::counting_payment(&attempts) {
                Some(paid) => pages::FeeState::Paid(paid.amount.0),
                None => pages::FeeState::Open(fee.amount.0),
            }
        }
        _ => pages::FeeState::None,
    };
    Ok(pages::confirmation(&ctx, tenant, offering, &case, fee))
}
