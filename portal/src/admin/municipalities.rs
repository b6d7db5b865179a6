//! The federation's municipalities (`/staff/municipalities`, docs/admin.md "Kommunen"): a
//! federation administrator creates a municipality (name, address in the portal, reference
//! code and the details every page of it shows); a municipality's administrators, and the
//! federation's, change its name and details. Slug and code never change: links, bookmarks
//! and reference numbers carry them.
//!
//! This is how a real installation, started without the demo, gets its municipalities.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use forms::FormDefinition;
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;
use store::{AccentColour, ColourError, ExternalUrl, NewTenant, StoreError, Tenant, TenantProfile};

use super::inputs::{self, Above, InputPage};
use super::{Admin, admin_of, pages};
use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::auth::staff::Staff;
use crate::error::{AppResult, ErrorPage};
use crate::i18n::{Arg, Lang};
use crate::state::AppState;
use crate::views;
use crate::web::PageCtx;

/// First path segments of the portal's own pages: never a municipality's address. Keep in
/// step with the router (`app.rs` and the modules' `router()`), plus a few kept free, and
/// `new` (`/staff/municipalities/new` is the page that creates one).
const RESERVED: &[&str] = &[
    "admin",
    "api",
    "assets",
    "barrierefreiheit",
    "datenschutz",
    "demo-op",
    "demo-payment",
    "healthz",
    "hilfe",
    "impressum",
    "jwks",
    "kontakt",
    "lang",
    "leichte-sprache",
    "login",
    "logout",
    "metrics",
    "my-applications",
    "new",
    "payments",
    "readyz",
    "schemas",
    "services",
    "staff",
    "static",
    "upload",
];

/// Reference codes: 2 to 5 capital letters (`WER` in `WER-2026-7K3QF2`).
fn is_code(s: &str) -> bool {
    (2..=5).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase())
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    /// Set by the redirect after creating one: its slug.
    created: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct EditQuery {
    saved: Option<String>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let Some(admin) = admin_of(&staff, catalogue.tenants()) else {
        return Ok(pages::forbidden(&ctx, &staff));
    };
    let lang = ctx.lang;
    let federation = matches!(admin, Admin::Federation);
    let title = lang.t("municipalities-title");
    let shell = ctx.staff_shell(title.to_owned(), &staff);
    let created = q
        .created
        .as_deref()
        .and_then(|slug| catalogue.tenants().iter().find(|t| t.slug == slug))
        .filter(|t| admin.manages(t))
        .map(|t| {
            let text = lang.t_args(
                "municipalities-created",
                &[("municipality", Arg::from(t.name.clone()))],
            );
            view! {
                <div class="notice" role="status">
                    <p>{text}</p>
                    <p>{lang.t("municipalities-next")}</p>
                </div>
            }
        });
    let rows = catalogue
        .tenants()
        .iter()
        .filter(|t| admin.manages(t))
        .map(|t| {
            let public = format!("/{}/", t.slug);
            let edit = format!("/staff/municipalities/{}", t.slug);
            let services = catalogue.services(t.id).len();
            let edit_label = lang.t_args(
                "municipalities-edit-of",
                &[("municipality", Arg::from(t.name.clone()))],
            );
            view! {
                <tr>
                    <th scope="row">{t.name.clone()}</th>
                    <td><a href=public.clone()>{public.clone()}</a></td>
                    <td>{t.code.clone()}</td>
                    <td>{services.to_string()}</td>
                    <td><a href=edit aria-label=edit_label>{lang.t("municipalities-edit")}</a></td>
                </tr>
            }
        })
        .collect_view();
    let table = if catalogue.tenants().iter().any(|t| admin.manages(t)) {
        let caption = lang.t("municipalities-caption");
        view! {
            <div class="table-wrapper" role="region" aria-label=caption tabindex="0">
            <table class="data-table">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">{lang.t("municipalities-name")}</th>
                        <th scope="col">{lang.t("municipalities-address")}</th>
                        <th scope="col">{lang.t("municipalities-code")}</th>
                        <th scope="col">{lang.t("municipalities-services")}</th>
                        <th scope="col">{lang.t("municipalities-details")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            </div>
        }
        .into_any()
    } else {
        view! { <p>{lang.t("municipalities-none")}</p> }.into_any()
    };
    let new_link = federation.then(|| {
        view! {
            <p><a class="button" href="/staff/municipalities/new">{lang.t("municipalities-new")}</a></p>
        }
    });
    let intro = if federation {
        lang.t("municipalities-intro-federation")
    } else {
        lang.t("municipalities-intro-tenant")
    };
    Ok(views::page(
        &shell,
        StatusCode::OK,
        view! {
            {created}
            <h1>{title}</h1>
            <p>{intro}</p>
            {new_link}
            {table}
        },
    ))
}

/// The inputs of the details form; `new` adds address and code, which are set once.
fn details_form(lang: Lang, new: bool) -> anyhow::Result<FormDefinition> {
    let text = |id: &str, kind: &str, required: bool| {
        json!({
            "id": id,
            "type": kind,
            "label": lang.t(&format!("municipality-{id}")),
            "hint": lang.t(&format!("municipality-{id}-hint")),
            "required": required,
        })
    };
    let mut fields = vec![text("name", "text", true)];
    if new {
        fields.push(text("slug", "text", true));
        let mut code = text("code", "text", true);
        code["width"] = "short".into();
        fields.push(code);
    }
    fields.push(text("feedback_email", "email", true));
    fields.push(text("feedback_phone", "phone", true));
    fields.push(text("town_hall_address", "textarea", true));
    fields.push(text("imprint_url", "text", false));
    fields.push(text("privacy_url", "text", false));
    let mut colour = text("accent_colour", "text", false);
    colour["width"] = "short".into();
    fields.push(colour);
    fields.push(text("accessibility_reviewed_on", "date", false));
    inputs::definition("municipality", lang.t("municipality-form-title"), fields)
}

/// A municipality's stored details as typed into the form.
fn values_of(tenant: &Tenant) -> BTreeMap<String, String> {
    let p = &tenant.profile;
    let mut values = BTreeMap::from([
        ("name".to_owned(), tenant.name.clone()),
        ("feedback_email".to_owned(), p.feedback_email.clone()),
        ("feedback_phone".to_owned(), p.feedback_phone.clone()),
        ("town_hall_address".to_owned(), p.town_hall_address.clone()),
        ("accent_colour".to_owned(), p.accent_colour.hex()),
    ]);
    if let Some(url) = &p.imprint_url {
        values.insert("imprint_url".to_owned(), url.to_string());
    }
    if let Some(url) = &p.privacy_url {
        values.insert("privacy_url".to_owned(), url.to_string());
    }
    if let Some(day) = p.accessibility_reviewed_on {
        values.insert(
            "accessibility_reviewed_on".to_owned(),
            day.format("%d.%m.%Y").to_string(),
        );
    }
    values
}

/// What a checked details form holds.
#[derive(Debug)]
struct Details {
    name: String,
    slug: String,
    code: String,
    profile: TenantProfile,
}

/// Checks the posted details: the `forms` rules of each input, then what only the portal
/// knows (a free address, a code's letters, the colour's contrast with white text, a web
/// address). Every problem at once, each at its input.
fn check_details(
    lang: Lang,
    inputs: &FormDefinition,
    posted: &[(String, String)],
) -> Result<Details, Vec<(String, String)>> {
    let checked = inputs::check(lang, inputs, posted);
    // The portal's checks run on what was typed too when the forms crate found problems, so
    // that every problem shows at once; an input with a problem already gets no second one.
    let answer = |id: &str| {
        let value = match &checked {
            Ok(answers) => answers.get(id),
            Err(_) => posted
                .iter()
                .find(|(k, _)| k == id)
                .map(|(_, v)| v.as_str()),
        };
        value.unwrap_or_default().trim().to_owned()
    };
    let mut errors: Vec<(String, String)> = checked.as_ref().err().cloned().unwrap_or_default();
    let mut problem = |id: &str, key: &str, args: &[(&'static str, Arg)]| {
        if !errors.iter().any(|(e, _)| e == id) {
            errors.push((id.to_owned(), lang.t_args(key, args)));
        }
    };
    let slug = answer("slug").to_lowercase();
    if inputs.field("slug").is_some() {
        if !inputs::is_slug(&slug) {
            problem("slug", "municipality-slug-invalid", &[]);
        } else if RESERVED.contains(&slug.as_str()) {
            problem("slug", "municipality-slug-reserved", &[]);
        }
    }
    let code = answer("code").to_uppercase();
    if inputs.field("code").is_some() && !is_code(&code) {
        problem("code", "municipality-code-invalid", &[]);
    }
    let mut url = |id: &str| {
        let typed = answer(id);
        if typed.is_empty() {
            return None;
        }
        // Only `https://` for new entries: the page links from every page of the municipality.
        ExternalUrl::parse(&typed)
            .ok()
            .filter(|u| u.as_str().starts_with("https://"))
            .or_else(|| {
                problem(id, "municipality-url-invalid", &[]);
                None
            })
    };
    let imprint_url = url("imprint_url");
    let privacy_url = url("privacy_url");
    let colour = answer("accent_colour");
    let accent_colour = if colour.is_empty() {
        AccentColour::DEFAULT
    } else {
        let with_hash = if colour.starts_with('#') {
            colour
        } else {
            format!("#{colour}")
        };
        match AccentColour::parse(&with_hash) {
            Ok(c) => c,
            Err(ColourError::TooLittleContrast { ratio, .. }) => {
                let ratio = format!("{ratio:.1}");
                let ratio = match lang {
                    Lang::De => ratio.replace('.', ","),
                    Lang::En => ratio,
                };
                problem(
                    "accent_colour",
                    "municipality-colour-contrast",
                    &[("ratio", Arg::from(ratio))],
                );
                AccentColour::DEFAULT
            }
            Err(ColourError::Format(_)) => {
                problem("accent_colour", "municipality-colour-invalid", &[]);
                AccentColour::DEFAULT
            }
        }
    };
    // The forms crate stores a date as ISO `YYYY-MM-DD`.
    let accessibility_reviewed_on =
        NaiveDate::parse_from_str(&answer("accessibility_reviewed_on"), "%Y-%m-%d").ok();
    if !errors.is_empty() {
        // In form order, like the forms crate's own.
        errors.sort_by_key(|(id, _)| inputs.fields().position(|f| f.id == *id));
        return Err(errors);
    }
    Ok(Details {
        name: answer("name"),
        slug,
        code,
        profile: TenantProfile {
            accent_colour,
            feedback_email: answer("feedback_email"),
            feedback_phone: answer("feedback_phone"),
            town_hall_address: answer("town_hall_address").replace("\r\n", "\n"),
            imprint_url,
            privacy_url,
            accessibility_reviewed_on,
        },
    })
}

/// A posted details form, read.
enum Posted {
    /// The checked details, and the values as typed (for a page that refuses them later).
    Checked(Details, BTreeMap<String, String>),
    /// The page that answers the post: a refusal outright, 403 for an expired token or 422
    /// with every problem, the values kept.
    Answer(Response),
}

/// Reads the post of the new or the details form; `page` renders that form with a status,
/// what goes above it and the values.
fn read_post(
    lang: Lang,
    inputs: &FormDefinition,
    posted: Result<CsrfForm, CsrfRejection>,
    page: impl Fn(StatusCode, Above, &BTreeMap<String, String>) -> Response,
) -> Posted {
    let (posted, token_ok) = match posted {
        Ok(CsrfForm(fields)) => (fields, true),
        Err(CsrfRejection::Token(fields)) => (fields, false),
        Err(other) => return Posted::Answer(other.into_response()),
    };
    let values = inputs::typed(inputs, &posted);
    if !token_ok {
        return Posted::Answer(page(StatusCode::FORBIDDEN, Above::TokenExpired, &values));
    }
    match check_details(lang, inputs, &posted) {
        Ok(details) => Posted::Checked(details, values),
        Err(errors) => Posted::Answer(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Above::Errors(errors),
            &values,
        )),
    }
}

fn new_page_of(
    ctx: &PageCtx,
    staff: &Staff,
    status: StatusCode,
    inputs: &FormDefinition,
    values: &BTreeMap<String, String>,
    above: Above,
) -> Response {
    let lang = ctx.lang;
    inputs::render(
        ctx,
        staff,
        status,
        InputPage {
            title: lang.t("municipalities-new").to_owned(),
            back: (
                "/staff/municipalities",
                lang.t("municipalities-back").to_owned(),
            ),
            intro: lang.t("municipalities-new-intro").to_owned(),
            inputs: Some(inputs),
            values,
            above,
            action: "/staff/municipalities/new".to_owned(),
            button: lang.t("municipalities-create").to_owned(),
        },
    )
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
) -> AppResult<Response> {
    if !matches!(
        admin_of(&staff, state.catalogue().tenants()),
        Some(Admin::Federation)
    ) {
        return Ok(pages::forbidden(&ctx, &staff));
    }
    let inputs = details_form(ctx.lang, true)?;
    Ok(new_page_of(
        &ctx,
        &staff,
        StatusCode::OK,
        &inputs,
        &BTreeMap::new(),
        Above::Nothing,
    ))
}

pub(super) async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    if !matches!(
        admin_of(&staff, state.catalogue().tenants()),
        Some(Admin::Federation)
    ) {
        return Ok(pages::forbidden(&ctx, &staff));
    }
    let inputs = details_form(ctx.lang, true)?;
    let page = |status, above, values: &BTreeMap<String, String>| {
        new_page_of(&ctx, &staff, status, &inputs, values, above)
    };
    let (details, values) = match read_post(ctx.lang, &inputs, posted, page) {
        Posted::Checked(details, values) => (details, values),
        Posted::Answer(response) => return Ok(response),
    };
    let created = state
        .store()
        .create_tenant(&NewTenant {
            slug: details.slug.clone(),
            name: details.name,
            code: details.code,
            profile: details.profile,
            // Created in the demo, removed with the demo.
            demo: state.config().demo,
        })
        .await;
    let tenant = match created {
        Ok(tenant) => tenant,
        Err(StoreError::Conflict(what)) if what == "tenant slug" || what == "tenant code" => {
            let (id, key) = if what == "tenant slug" {
                ("slug", "municipality-slug-taken")
            } else {
                ("code", "municipality-code-taken")
            };
            let errors = vec![(id.to_owned(), ctx.lang.t(key).to_owned())];
            return Ok(page(StatusCode::CONFLICT, Above::Errors(errors), &values));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(
        by = staff.user.id.0,
        tenant = tenant.id.0,
        slug = %tenant.slug,
        "municipality created"
    );
    // This instance shows it at once; others within their refresh interval.
    if let Err(e) = state.reload_catalogue().await {
        tracing::warn!(error = %format!("{e:#}"), "catalogue reload after creating a municipality failed");
    }
    Ok(Redirect::to(&format!("/staff/municipalities?created={}", tenant.slug)).into_response())
}

/// Why a municipality's page is refused.
enum Refused {
    Forbidden,
    NotFound,
}

impl Refused {
    fn page(self, ctx: &PageCtx, staff: &Staff) -> Response {
        match self {
            Self::Forbidden => pages::forbidden(ctx, staff),
            Self::NotFound => ErrorPage::NotFound.into_response(),
        }
    }
}

/// The municipality of the URL if this admin manages it.
fn managed<'a>(staff: &Staff, tenants: &'a [Tenant], slug: &str) -> Result<&'a Tenant, Refused> {
    let admin = admin_of(staff, tenants).ok_or(Refused::Forbidden)?;
    let tenant = tenants
        .iter()
        .find(|t| t.slug == slug)
        .ok_or(Refused::NotFound)?;
    if !admin.manages(tenant) {
        return Err(Refused::Forbidden);
    }
    Ok(tenant)
}

fn edit_page_of(
    ctx: &PageCtx,
    staff: &Staff,
    status: StatusCode,
    tenant: &Tenant,
    inputs: &FormDefinition,
    values: &BTreeMap<String, String>,
    above: Above,
) -> Response {
    let lang = ctx.lang;
    let intro = lang.t_args(
        "municipalities-edit-intro",
        &[
            ("address", Arg::from(format!("/{}/", tenant.slug))),
            ("code", Arg::from(tenant.code.clone())),
        ],
    );
    inputs::render(
        ctx,
        staff,
        status,
        InputPage {
            title: lang.t_args(
                "municipalities-edit-title",
                &[("municipality", Arg::from(tenant.name.clone()))],
            ),
            back: (
                "/staff/municipalities",
                lang.t("municipalities-back").to_owned(),
            ),
            intro,
            inputs: Some(inputs),
            values,
            above,
            action: format!("/staff/municipalities/{}", tenant.slug),
            button: lang.t("municipalities-save").to_owned(),
        },
    )
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<EditQuery>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = match managed(&staff, catalogue.tenants(), &slug) {
        Ok(tenant) => tenant,
        Err(refused) => return Ok(refused.page(&ctx, &staff)),
    };
    let inputs = details_form(ctx.lang, false)?;
    let above = if q.saved.is_some() {
        Above::Done(ctx.lang.t("municipalities-saved").to_owned(), None)
    } else {
        Above::Nothing
    };
    Ok(edit_page_of(
        &ctx,
        &staff,
        StatusCode::OK,
        tenant,
        &inputs,
        &values_of(tenant),
        above,
    ))
}

pub(super) async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    Path(slug): Path<String>,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = match managed(&staff, catalogue.tenants(), &slug) {
        Ok(tenant) => tenant,
        Err(refused) => return Ok(refused.page(&ctx, &staff)),
    };
    let inputs = details_form(ctx.lang, false)?;
    let page = |status, above, values: &BTreeMap<String, String>| {
        edit_page_of(&ctx, &staff, status, tenant, &inputs, values, above)
    };
    let details = match read_post(ctx.lang, &inputs, posted, page) {
        Posted::Checked(details, _) => details,
        Posted::Answer(response) => return Ok(response),
    };
    if !state
        .store()
        .update_tenant(tenant.id, &details.name, &details.profile)
        .await?
    {
        return Ok(ErrorPage::NotFound.into_response());
    }
    tracing::info!(
        by = staff.user.id.0,
        tenant = tenant.id.0,
        "municipality details saved"
    );
    if let Err(e) = state.reload_catalogue().await {
        tracing::warn!(error = %format!("{e:#}"), "catalogue reload after saving a municipality failed");
    }
    Ok(Redirect::to(&format!("/staff/municipalities/{}?saved=1", tenant.slug)).into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const GOOD: &[(&str, &str)] = &[
        ("name", "Stadt Bleicherode"),
        ("slug", "bleicherode"),
        ("code", "ble"),
        ("feedback_email", "barrierefrei@bleicherode.example"),
        ("feedback_phone", "036338 430"),
        (
            "town_hall_address",
            "Stadtverwaltung\r\nHauptstraße 65\r\n99752 Bleicherode",
        ),
        ("imprint_url", "https://www.bleicherode.example/impressum"),
        ("privacy_url", ""),
        ("accent_colour", "0b5c3a"),
        ("accessibility_reviewed_on", "02.11.2026"),
    ];

    #[test]
    fn a_new_municipality_is_read_with_its_code_in_capitals_and_its_address_in_lines() {
        let inputs = details_form(Lang::De, true).unwrap();
        let details = check_details(Lang::De, &inputs, &posted(GOOD)).unwrap();
        assert_eq!(details.slug, "bleicherode");
        assert_eq!(details.code, "BLE");
        assert_eq!(
            details.profile.town_hall_address,
            "Stadtverwaltung\nHauptstraße 65\n99752 Bleicherode"
        );
        assert_eq!(details.profile.accent_colour.hex(), "#0b5c3a");
        assert_eq!(details.profile.privacy_url, None);
        assert_eq!(
            details.profile.accessibility_reviewed_on,
            NaiveDate::from_ymd_opt(2026, 11, 2)
        );
    }

    #[test]
    fn every_problem_is_named_at_its_input_in_form_order() {
        let inputs = details_form(Lang::De, true).unwrap();
        let mut bad = posted(GOOD);
        for (k, v) in &mut bad {
            match k.as_str() {
                "slug" => *v = "staff".into(),
                "code" => *v = "B1".into(),
                "imprint_url" => *v = "javascript:alert(1)".into(),
                "accent_colour" => *v = "#ffcc00".into(),
                _ => {}
            }
        }
        let errors = check_details(Lang::De, &inputs, &bad).unwrap_err();
        let at: Vec<&str> = errors.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(at, ["slug", "code", "imprint_url", "accent_colour"]);
        assert!(
            errors[3].1.contains("1,"),
            "the ratio, German: {}",
            errors[3].1
        );
    }

    #[test]
    fn a_missing_required_input_is_the_forms_crates_message() {
        let inputs = details_form(Lang::De, true).unwrap();
        let errors = check_details(Lang::De, &inputs, &posted(&[("name", "X")])).unwrap_err();
        let at: Vec<&str> = errors.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(
            at,
            [
                "slug",
                "code",
                "feedback_email",
                "feedback_phone",
                "town_hall_address"
            ]
        );
        // The portal's own checks alongside the forms crate's.
        let errors = check_details(
            Lang::De,
            &inputs,
            &posted(&[("name", "X"), ("slug", "staff"), ("accent_colour", "gelb")]),
        )
        .unwrap_err();
        let at: Vec<&str> = errors.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(
            at,
            [
                "slug",
                "code",
                "feedback_email",
                "feedback_phone",
                "town_hall_address",
                "accent_colour"
            ]
        );
    }

    #[test]
    fn stored_details_show_as_typed_and_read_back_unchanged() {
        let inputs = details_form(Lang::De, true).unwrap();
        let details = check_details(Lang::De, &inputs, &posted(GOOD)).unwrap();
        let tenant = Tenant {
            id: store::TenantId(1),
            slug: details.slug.clone(),
            name: details.name.clone(),
            code: details.code.clone(),
            profile: details.profile.clone(),
            demo: false,
        };
        let edit = details_form(Lang::De, false).unwrap();
        let values: Vec<(String, String)> = values_of(&tenant).into_iter().collect();
        let again = check_details(Lang::De, &edit, &values).unwrap();
        assert_eq!(again.profile, details.profile);
        assert_eq!(again.name, details.name);
    }
}
