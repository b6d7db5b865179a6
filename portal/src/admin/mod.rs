//! The admin area: form versions. `/staff/forms` lists the form keys with their versions and
//! which municipality offers which; `/staff/forms/new` checks a pasted definition and
//! publishes it as a new, immutable version; `/staff/forms/{key}/parameters?tenant={slug}`
//! sets a municipality's own values for a form's parameters; `/staff/forms/{key}/offer` offers
//! a form as a municipality's service; `/staff/municipalities` creates municipalities and
//! changes their details (docs/admin.md).
//!
//! Federation admins act on every form; a municipality's admin on the forms of the
//! municipalities they administer. Clerks get a 403 page.

mod accounts;
mod inputs;
mod municipalities;
mod offer;
mod pages;
mod parameters;
mod publish;

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::Deserialize;
use store::{FormId, FormScope, FormVersion, RoleKind, Tenant};

use crate::auth::staff::Staff;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::PageCtx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/forms", get(list))
        .route(
            "/staff/forms/new",
            get(publish::new_page).post(publish::check_or_publish),
        )
        .route(
            "/staff/forms/{key}/parameters",
            get(parameters::page).post(parameters::save),
        )
        .route(
            "/staff/forms/{key}/offer",
            get(offer::page).post(offer::offer),
        )
        .route("/staff/accounts", get(accounts::page).post(accounts::save))
        .route("/staff/municipalities", get(municipalities::list))
        .route(
            "/staff/municipalities/new",
            get(municipalities::new_page).post(municipalities::create),
        )
        .route(
            "/staff/municipalities/{slug}",
            get(municipalities::edit_page).post(municipalities::save),
        )
}

/// What a staff member administers.
pub enum Admin<'a> {
    /// Every form and every municipality.
    Federation,
    /// These municipalities (at least one), in catalogue order.
    Tenants(Vec<&'a Tenant>),
}

impl Admin<'_> {
    /// Whether this admin acts for the municipality.
    pub fn manages(&self, tenant: &Tenant) -> bool {
        match self {
            Self::Federation => true,
            Self::Tenants(mine) => mine.iter().any(|t| t.id == tenant.id),
        }
    }

    /// The scopes whose forms this admin sees: all, or one per municipality.
    fn scopes(&self) -> Vec<FormScope> {
        match self {
            Self::Federation => vec![FormScope::All],
            Self::Tenants(tenants) => tenants.iter().map(|t| FormScope::Tenant(t.id)).collect(),
        }
    }
}

/// The admin role of a staff member, if any: federation admin first, else the municipalities
/// where they are `tenant_admin` (a clerk role elsewhere does not count).
pub fn admin_of<'a>(staff: &Staff, tenants: &'a [Tenant]) -> Option<Admin<'a>> {
    if staff.is_federation_admin() {
        return Some(Admin::Federation);
    }
    let mine: Vec<&Tenant> = tenants
        .iter()
        .filter(|t| {
            staff
                .user
                .roles
                .iter()
                .any(|r| r.kind == RoleKind::TenantAdmin && r.tenant == Some(t.id))
        })
        .collect();
    (!mine.is_empty()).then_some(Admin::Tenants(mine))
}

/// Whether the staff member may open the admin area (for links to it).
pub fn is_admin(staff: &Staff) -> bool {
    staff
        .user
        .roles
        .iter()
        .any(|r| matches!(r.kind, RoleKind::TenantAdmin | RoleKind::FederationAdmin))
}

/// The versions of one form key, newest first, with the title of the newest.
pub struct FormGroup {
    pub key: String,
    pub title: String,
    pub versions: Vec<FormVersion>,
    /// The municipalities (in this admin's scope) that offer a version of the key with
    /// parameters, each with a link to set its own values.
    pub parameters_of: Vec<Tenant>,
}

#[derive(Deserialize)]
struct ListQuery {
    /// Set by the redirect after a publish: the new version's id and how many services moved.
    published: Option<String>,
    moved: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> AppResult<axum::response::Response> {
    let catalogue = state.catalogue();
    let Some(admin) = admin_of(&staff, catalogue.tenants()) else {
        return Ok(pages::forbidden(&ctx, &staff));
    };
    let mut versions: Vec<FormVersion> = Vec::new();
    for scope in admin.scopes() {
        versions.extend(state.store().form_versions(scope).await?);
    }
    // An admin of several municipalities sees a shared form once.
    versions.sort_by(|a, b| a.key.cmp(&b.key).then(b.version.cmp(&a.version)));
    versions.dedup_by_key(|v| v.id);

    let mut groups: Vec<FormGroup> = Vec::new();
    for version in versions {
        match groups.last_mut() {
            Some(group) if group.key == version.key => group.versions.push(version),
            _ => {
                let title = title_of(&state, version.id, ctx.lang.code())
                    .await
                    .unwrap_or_else(|| version.key.clone());
                groups.push(FormGroup {
                    key: version.key.clone(),
                    title,
                    versions: vec![version],
                    parameters_of: Vec::new(),
                });
            }
        }
    }

    for group in &mut groups {
        group.parameters_of = catalogue
            .tenants()
            .iter()
            .filter(|t| admin.manages(t))
            .filter(|t| {
                catalogue
                    .services(t.id)
                    .iter()
                    .any(|o| o.form.id == group.key && !o.form.parameters.is_empty())
            })
            .cloned()
            .collect();
    }

    // The notice after a publish, only for a version this admin can see.
    let published = q
        .published
        .as_deref()
        .and_then(|id| id.parse::<i64>().ok())
        .and_then(|id| {
            groups.iter().find_map(|g| {
                g.versions
                    .iter()
                    .find(|v| v.id == FormId(id))
                    .map(|v| (g.title.clone(), v.version))
            })
        })
        .map(|(title, version)| pages::PublishedNotice {
            title,
            version,
            moved: q
                .moved
                .as_deref()
                .and_then(|m| m.parse::<u64>().ok())
                .unwrap_or(0),
        });
    Ok(pages::list(
        &ctx,
        &staff,
        catalogue.tenants(),
        &admin,
        &groups,
        published,
    ))
}

/// The title of a stored form version in `lang`; `None` if it cannot be read.
async fn title_of(state: &AppState, id: FormId, lang: &str) -> Option<String> {
    match state.form(id).await {
        Ok(form) => Some(form.title.get(lang).to_owned()),
        Err(e) => {
            tracing::warn!(form = id.0, error = %format!("{e:#}"), "form version unreadable");
            None
        }
    }
}
