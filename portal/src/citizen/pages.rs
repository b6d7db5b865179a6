//! The citizen pages as Leptos views.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;
use forms::{Fee, FieldError, TrustLevel, format_eur};
use leptos::prelude::*;
use store::{Case, Tenant};

use crate::i18n::{Arg, Lang};
use crate::state::{Catalogue, Offering};
use crate::views::{self, fields};
use crate::web::PageCtx;

pub fn home(ctx: &PageCtx, catalogue: &Catalogue) -> Response {
    let lang = ctx.lang;
    let shell = ctx.shell(lang.t("home-title").to_owned());
    let tenants = catalogue
        .tenants()
        .iter()
        .map(|t| view! { <li><a href=format!("/{}/", t.slug)>{t.name.clone()}</a></li> })
        .collect_view();
    let empty = catalogue
        .tenants()
        .is_empty()
        .then(|| view! { <p>{lang.t("home-empty")}</p> });
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <h1>{lang.t("home-title")}</h1>
            <p class="lead">{lang.t("home-lead")}</p>
            <h2>{lang.t("home-municipalities")}</h2>
            <ul class="link-list">{tenants}</ul>
            {empty}
        },
    )
}

pub fn tenant(ctx: &PageCtx, tenant: &Tenant, offerings: &[Offering]) -> Response {
    let lang = ctx.lang;
    let shell = ctx.tenant_shell(tenant.name.clone(), tenant);
    let services = offerings
        .iter()
        .map(|o| {
            let href = format!("/{}/services/{}", tenant.slug, o.service.slug);
            view! {
                <li>
                    <a href=href>{o.form.title.get(lang.code()).to_owned()}</a>
                    <p>{o.form.summary.get(lang.code()).to_owned()}</p>
                </li>
            }
        })
        .collect_view();
    let empty = offerings
        .is_empty()
        .then(|| view! { <p>{lang.t("tenant-no-services")}</p> });
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <h1>{tenant.name.clone()}</h1>
            <h2>{lang.t("tenant-services")}</h2>
            <ul class="service-list">{services}</ul>
            {empty}
        },
    )
}

fn fee_text(lang: Lang, fee: &Fee) -> String {
    match fee {
        Fee::None { .. } => lang.t("fee-none").to_owned(),
        Fee::Fixed { cents, .. } => lang.t_args(
            "fee-fixed",
            &[("amount", Arg::from(format_eur(*cents, lang.code())))],
        ),
        Fee::PerUnit {
            cents_per_unit,
            unit,
            ..
        } => lang.t_args(
            "fee-per-unit",
            &[
                (
                    "amount",
                    Arg::from(format_eur(*cents_per_unit, lang.code())),
                ),
                ("unit", Arg::from(unit.get(lang.code()).to_owned())),
            ],
        ),
    }
}

fn trust_text(lang: Lang, level: TrustLevel) -> &'static str {
    lang.t(match level {
        TrustLevel::None => "trust-none",
        TrustLevel::Low => "trust-low",
        TrustLevel::Substantial => "trust-substantial",
        TrustLevel::High => "trust-high",
    })
}

pub fn service(ctx: &PageCtx, tenant: &Tenant, offering: &Offering) -> Response {
    let lang = ctx.lang;
    let form = &offering.form;
    let title = form.title.get(lang.code()).to_owned();
    let shell = ctx.tenant_shell(title.clone(), tenant);
    let requirements = form
        .requirements
        .iter()
        .map(|r| view! { <li>{r.get(lang.code()).to_owned()}</li> })
        .collect_view();
    let fee_note = form
        .fee
        .note()
        .map(|n| view! { <p>{n.get(lang.code()).to_owned()}</p> });
    let start = format!("/{}/services/{}/form", tenant.slug, offering.service.slug);
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <p class="caption">{tenant.name.clone()}</p>
            <h1>{title}</h1>
            <p class="lead">{form.summary.get(lang.code()).to_owned()}</p>
            <h2>{lang.t("service-requirements")}</h2>
            <ul class="bullets">{requirements}</ul>
            <h2>{lang.t("service-fee")}</h2>
            <p>{fee_text(lang, &form.fee)}</p>
            {fee_note}
            <h2>{lang.t("service-login")}</h2>
            <p>{trust_text(lang, form.trust_level)}</p>
            <p><a class="button button--start" href=start>{lang.t("service-start")}</a></p>
        },
    )
}

/// What the form page says above the form, besides field errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The CSRF token was missing or expired: send again, nothing is lost.
    TokenExpired,
    /// The draft this form was resumed from is gone (submitted or expired).
    DraftGone,
    /// Opened from a resume link.
    Resumed,
}

/// The form as last posted: values exactly as typed, errors in form order.
pub struct FormState {
    pub status: StatusCode,
    pub values: BTreeMap<String, String>,
    pub errors: Vec<FieldError>,
    pub notice: Option<Notice>,
    /// The resume token of the draft being continued (kept in a hidden field).
    pub draft: Option<String>,
}

impl Default for FormState {
    fn default() -> Self {
        Self {
            status: StatusCode::OK,
            values: BTreeMap::new(),
            errors: Vec::new(),
            notice: None,
            draft: None,
        }
    }
}

pub fn form(ctx: &PageCtx, tenant: &Tenant, offering: &Offering, state: FormState) -> Response {
    let lang = ctx.lang;
    let def = &offering.form;
    let title = def.title.get(lang.code()).to_owned();
    let mut messages = BTreeMap::new();
    let mut summary = Vec::new();
    for e in &state.errors {
        if let Some(field) = def.field(&e.field) {
            let m = fields::message(lang, def, field, &e.error);
            summary.push((fields::anchor(field), m.clone()));
            messages.insert(e.field.clone(), m);
        }
    }
    let page_title = if summary.is_empty() {
        title.clone()
    } else {
        format!("{}: {title}", lang.t("error-title-prefix"))
    };
    let shell = ctx.tenant_shell(page_title, tenant);
    let alert = match state.notice {
        _ if !summary.is_empty() => Some(views::error_summary(lang, summary).into_any()),
        Some(Notice::TokenExpired) => Some(
            views::notice_alert(
                lang.t("csrf-expired-title").to_owned(),
                lang.t("csrf-expired-text").to_owned(),
            )
            .into_any(),
        ),
        Some(Notice::DraftGone) => Some(
            views::notice_alert(
                lang.t("draft-gone-title").to_owned(),
                lang.t("draft-gone-text").to_owned(),
            )
            .into_any(),
        ),
        Some(Notice::Resumed) => Some(
            view! { <div class="notice" role="status"><p>{lang.t("draft-resumed")}</p></div> }
                .into_any(),
        ),
        None => None,
    };
    let action = format!("/{}/services/{}/form", tenant.slug, offering.service.slug);
    let token = ctx.csrf.token();
    views::page(
        &shell,
        state.status,
        view! {
            {alert}
            <p class="caption">{tenant.name.clone()}</p>
            <h1>{title}</h1>
            <p>{lang.t("form-intro")}</p>
            <form method="post" action=action novalidate=true>
                <input type="hidden" name="_csrf" value=token/>
                {state.draft.map(|d| view! { <input type="hidden" name="_draft" value=d/> })}
                {fields::form_fields(lang, def, &state.values, &messages)}
                <div class="button-group">
                    <button type="submit" class="button">{lang.t("form-submit")}</button>
                    <button type="submit" name="_action" value="save" class="button button--secondary">
                        {lang.t("form-save")}
                    </button>
                </div>
            </form>
        },
    )
}

pub fn confirmation(
    ctx: &PageCtx,
    tenant: &Tenant,
    offering: Option<&Offering>,
    case: &Case,
) -> Response {
    let lang = ctx.lang;
    let shell = ctx.tenant_shell(lang.t("confirmation-title").to_owned(), tenant);
    let service = offering.map(|o| view! { <p>{lang.t("confirmation-service")}" "{o.form.title.get(lang.code()).to_owned()}</p> });
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <div class="panel" role="status">
                <h1>{lang.t("confirmation-title")}</h1>
                <p>{lang.t("confirmation-reference")}</p>
                <p class="reference"><strong>{case.reference.clone()}</strong></p>
            </div>
            {service}
            <p>{lang.t("confirmation-received")}" "{views::format_date(lang, case.created_at)}</p>
            <h2>{lang.t("confirmation-next-title")}</h2>
            <p>{lang.t_args("confirmation-next-text", &[("tenant", Arg::from(tenant.name.clone()))])}</p>
            <p class="no-print"><a href=format!("/{}/", tenant.slug)>{lang.t("confirmation-back")}</a></p>
        },
    )
}

/// After "save and continue later": the resume link, once, with its expiry.
pub fn draft_saved(
    ctx: &PageCtx,
    tenant: &Tenant,
    offering: &Offering,
    link: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> Response {
    let lang = ctx.lang;
    let shell = ctx.tenant_shell(lang.t("draft-saved-title").to_owned(), tenant);
    let until = lang.t_args(
        "draft-saved-until",
        &[("date", Arg::from(views::format_date(lang, expires_at)))],
    );
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <div class="panel panel--info" role="status">
                <h1>{lang.t("draft-saved-title")}</h1>
                <p>{offering.form.title.get(lang.code()).to_owned()}</p>
            </div>
            <p>{lang.t("draft-saved-text")}</p>
            <p class="resume-link"><a href=link.to_owned()>{link.to_owned()}</a></p>
            <p>{until}</p>
            <p class="warning-text"><strong>{lang.t("draft-saved-warning")}</strong></p>
            <p><a href=format!("/{}/", tenant.slug)>{lang.t("confirmation-back")}</a></p>
        },
    )
}

/// A resume link that is unknown or has expired: a clear page, not an error.
pub fn resume_unknown(ctx: &PageCtx, tenant: &Tenant) -> Response {
    let lang = ctx.lang;
    let shell = ctx.tenant_shell(lang.t("resume-unknown-title").to_owned(), tenant);
    views::page(
        &shell,
        StatusCode::NOT_FOUND,
        view! {
            <h1>{lang.t("resume-unknown-title")}</h1>
            <p>{lang.t("resume-unknown-text")}</p>
            <p><a href=format!("/{}/", tenant.slug)>{lang.t("confirmation-back")}</a></p>
        },
    )
}
