//! Offering a stored form as a municipality's service: `GET|POST /staff/forms/{key}/offer`
//! (docs/admin.md "Ein Formular anbieten"). The newest version of the key becomes the
//! service `/{municipality}/services/{address}`; later publishes move it like every other
//! service.
//!
//! A federation administrator offers any form in any municipality, except a version that a
//! municipality published as its own; a municipality's administrator offers in their own
//! municipalities the forms no other municipality published. The store checks both again in
//! the transaction that writes the service.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use forms::FormDefinition;
use serde::Deserialize;
use serde_json::json;
use store::{FormScope, FormVersion, StoreError, Tenant};

use super::inputs::{self, Above, InputPage};
use super::{Admin, admin_of, pages, title_of};
use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::auth::staff::Staff;
use crate::error::{AppError, AppResult};
use crate::i18n::Arg;
use crate::state::AppState;
use crate::web::PageCtx;

#[derive(Deserialize)]
pub(super) struct OfferQuery {
    /// Set by the redirect after offering: the municipality's slug.
    offered: Option<String>,
}

/// The versions of `key` this admin sees, newest first; empty for a key they cannot see.
async fn versions_of(
    state: &AppState,
    admin: &Admin<'_>,
    key: &str,
) -> AppResult<Vec<FormVersion>> {
    let scopes = match admin {
        Admin::Federation => vec![FormScope::All],
        Admin::Tenants(mine) => mine.iter().map(|t| FormScope::Tenant(t.id)).collect(),
    };
    let mut versions: Vec<FormVersion> = Vec::new();
    for scope in scopes {
        versions.extend(
            state
                .store()
                .form_versions(scope)
                .await?
                .into_iter()
                .filter(|v| v.key == key),
        );
    }
    versions.sort_by_key(|v| std::cmp::Reverse(v.version));
    versions.dedup_by_key(|v| v.id);
    Ok(versions)
}

/// The municipalities this admin may offer the form in: theirs, not offering it yet, and not
/// kept from it by another municipality's ownership (the store's rule, shown up front).
fn candidates<'a>(
    admin: &Admin<'a>,
    tenants: &'a [Tenant],
    versions: &[FormVersion],
) -> Vec<&'a Tenant> {
    let offers = |t: &Tenant| {
        versions
            .iter()
            .any(|v| v.offered_by.iter().any(|o| o.tenant_id == t.id))
    };
    let allowed = |t: &Tenant| match admin {
        Admin::Federation => versions
            .first()
            .is_none_or(|newest| newest.owner.is_none_or(|o| o == t.id)),
        Admin::Tenants(_) => versions.iter().all(|v| v.owner.is_none_or(|o| o == t.id)),
    };
    tenants
        .iter()
        .filter(|t| admin.manages(t) && !offers(t) && allowed(t))
        .collect()
}

fn offer_form(
    lang: crate::i18n::Lang,
    key: &str,
    choices: &[&Tenant],
) -> anyhow::Result<FormDefinition> {
    let options: Vec<serde_json::Value> = choices
        .iter()
        .map(|t| json!({"value": t.slug, "label": t.name}))
        .collect();
    let tenant = if choices.len() == 1 {
        json!({
            "id": "tenant",
            "type": "radio",
            "label": lang.t("offer-municipality"),
            "options": options,
            "required": true,
        })
    } else {
        json!({
            "id": "tenant",
            "type": "select",
            "label": lang.t("offer-municipality"),
            "options": options,
            "required": true,
        })
    };
    let slug = json!({
        "id": "slug",
        "type": "text",
        "label": lang.t("offer-address"),
        "hint": lang.t("offer-address-hint"),
        "required": true,
    });
    inputs::definition(key, lang.t("offer-title-plain"), vec![tenant, slug])
}

/// The form of the URL as this admin may offer it.
struct Offering<'a> {
    key: &'a str,
    title: String,
    /// Where the admin may offer it (see [`candidates`]).
    choices: Vec<&'a Tenant>,
    /// The inputs; `None` when there is no choice.
    inputs: Option<FormDefinition>,
}

impl<'a> Offering<'a> {
    /// 404 for a key this admin does not see.
    async fn load(
        state: &AppState,
        ctx: &PageCtx,
        admin: &Admin<'a>,
        tenants: &'a [Tenant],
        key: &'a str,
    ) -> AppResult<Self> {
        let versions = versions_of(state, admin, key).await?;
        let newest = versions.first().ok_or(AppError::NotFound)?;
        let title = title_of(state, newest.id, ctx.lang.code())
            .await
            .unwrap_or_else(|| key.to_owned());
        let choices = candidates(admin, tenants, &versions);
        let inputs = (!choices.is_empty())
            .then(|| offer_form(ctx.lang, key, &choices))
            .transpose()?;
        Ok(Self {
            key,
            title,
            choices,
            inputs,
        })
    }
}

fn page_of(
    ctx: &PageCtx,
    staff: &Staff,
    status: StatusCode,
    offering: &Offering<'_>,
    values: &BTreeMap<String, String>,
    above: Above,
) -> Response {
    let lang = ctx.lang;
    let title = lang.t_args(
        "offer-title",
        &[("title", Arg::from(offering.title.clone()))],
    );
    let back = ("/staff/forms", lang.t("upload-back").to_owned());
    // Nowhere left to offer it: the page says so, without a form.
    let intro = if offering.inputs.is_some() {
        lang.t("offer-intro")
    } else {
        lang.t("offer-nowhere")
    };
    inputs::render(
        ctx,
        staff,
        status,
        InputPage {
            title,
            back,
            intro: intro.to_owned(),
            inputs: offering.inputs.as_ref(),
            values,
            above,
            action: format!("/staff/forms/{}/offer", offering.key),
            button: lang.t("offer-button").to_owned(),
        },
    )
}

pub(super) async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    Path(key): Path<String>,
    Query(q): Query<OfferQuery>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let Some(admin) = admin_of(&staff, catalogue.tenants()) else {
        return Ok(pages::forbidden(&ctx, &staff));
    };
    let offering = Offering::load(&state, &ctx, &admin, catalogue.tenants(), &key).await?;
    let title = offering.title.clone();
    // After an offer: where the service now is.
    let above = q
        .offered
        .as_deref()
        .and_then(|slug| catalogue.tenants().iter().find(|t| t.slug == slug))
        .filter(|t| admin.manages(t))
        .and_then(|t| {
            let service = catalogue.services(t.id).iter().find(|o| o.form.id == key)?;
            let href = format!("/{}/services/{}", t.slug, service.service.slug);
            let text = ctx.lang.t_args(
                "offer-done",
                &[
                    ("municipality", Arg::from(t.name.clone())),
                    ("title", Arg::from(title.clone())),
                ],
            );
            Some(Above::Done(text, Some((href.clone(), href))))
        })
        .unwrap_or(Above::Nothing);
    let mut values = BTreeMap::new();
    if inputs::is_slug(&key) {
        values.insert("slug".to_owned(), key.clone());
    }
    Ok(page_of(
        &ctx,
        &staff,
        StatusCode::OK,
        &offering,
        &values,
        above,
    ))
}

pub(super) async fn offer(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    Path(key): Path<String>,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let Some(admin) = admin_of(&staff, catalogue.tenants()) else {
        return Ok(pages::forbidden(&ctx, &staff));
    };
    let offering = Offering::load(&state, &ctx, &admin, catalogue.tenants(), &key).await?;
    let choices = &offering.choices;
    let (posted, token_ok) = match posted {
        Ok(CsrfForm(fields)) => (fields, true),
        Err(CsrfRejection::Token(fields)) => (fields, false),
        Err(other) => return Ok(other.into_response()),
    };
    let values = offering
        .inputs
        .as_ref()
        .map(|inputs| inputs::typed(inputs, &posted))
        .unwrap_or_default();
    let page = |status, above| page_of(&ctx, &staff, status, &offering, &values, above);
    if !token_ok {
        return Ok(page(StatusCode::FORBIDDEN, Above::TokenExpired));
    }
    let Some(inputs) = &offering.inputs else {
        return Ok(page(StatusCode::CONFLICT, Above::Nothing));
    };
    let checked = inputs::check(ctx.lang, inputs, &posted);
    let slug = values
        .get("slug")
        .map(|s| s.trim().to_lowercase())
        .unwrap_or_default();
    let slug_ok = inputs::is_slug(&slug);
    let answers = match checked {
        Ok(answers) if slug_ok => answers,
        checked => {
            // Every problem at once: the forms crate's, and the address's.
            let mut errors = checked.err().unwrap_or_default();
            if !slug_ok && !errors.iter().any(|(id, _)| id == "slug") {
                errors.push((
                    "slug".to_owned(),
                    ctx.lang.t("offer-address-invalid").to_owned(),
                ));
            }
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                Above::Errors(errors),
            ));
        }
    };
    // The select only takes its own options: a municipality this admin may offer in.
    let Some(tenant) = answers
        .get("tenant")
        .and_then(|slug| choices.iter().find(|t| t.slug == *slug))
    else {
        return Ok(pages::forbidden(&ctx, &staff));
    };
    let scope = match admin {
        Admin::Federation => FormScope::All,
        Admin::Tenants(_) => FormScope::Tenant(tenant.id),
    };
    let refused = |id: &str, key: &str| {
        page(
            StatusCode::CONFLICT,
            Above::Errors(vec![(id.to_owned(), ctx.lang.t(key).to_owned())]),
        )
    };
    match state
        .store()
        .offer_form(tenant.id, &slug, &key, scope)
        .await
    {
        Ok(Some(service)) => {
            tracing::info!(
                by = staff.user.id.0,
                tenant = tenant.id.0,
                service = service.id.0,
                form = %key,
                "form offered"
            );
        }
        Ok(None) => return Err(AppError::NotFound),
        Err(StoreError::Conflict(what)) if what == "service slug" => {
            return Ok(refused("slug", "offer-address-taken"));
        }
        Err(StoreError::Conflict(what)) if what == "form already offered" => {
            return Ok(refused("tenant", "offer-already"));
        }
        Err(StoreError::ForeignForm) => return Ok(refused("tenant", "offer-foreign")),
        Err(e) => return Err(e.into()),
    }
    if let Err(e) = state.reload_catalogue().await {
        tracing::warn!(error = %format!("{e:#}"), "catalogue reload after offering a form failed");
    }
    Ok(Redirect::to(&format!("/staff/forms/{key}/offer?offered={}", tenant.slug)).into_response())
}
