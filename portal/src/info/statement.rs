//! The accessibility statement (Erklärung zur Barrierefreiheit) as BITV 2.0 § 7 and the EU
//! model statement (Implementing Decision (EU) 2018/1523) lay it out: scope, conformance
//! status, what is not accessible yet, how the statement was made, the feedback contact and
//! the conciliation procedure.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use leptos::prelude::*;
use store::Tenant;

use crate::i18n::{Arg, Lang};
use crate::views;
use crate::web::PageCtx;

/// When the statement's text was written. The review date is each municipality's own.
const WRITTEN_ON: (i32, u32, u32) = (2026, 11, 27);

fn written_on() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(WRITTEN_ON.0, WRITTEN_ON.1, WRITTEN_ON.2)
}

fn dated(lang: Lang, key: &str, d: NaiveDate) -> String {
    lang.t_args(key, &[("date", Arg::from(views::format_day(lang, d)))])
}

fn reviewed(lang: Lang, tenant: &Tenant) -> impl IntoView + use<> {
    let text = match tenant.profile.accessibility_reviewed_on {
        Some(d) => dated(lang, "statement-reviewed", d),
        None => lang.t("statement-not-reviewed").to_owned(),
    };
    view! { <p>{text}</p> }
}

/// The parts that are the same for a municipality and the federation.
fn status_and_gaps(lang: Lang) -> impl IntoView + use<> {
    let gaps = [
        "statement-gap-pdf",
        "statement-gap-english",
        "statement-gap-sign-language",
        "statement-gap-audit",
    ]
    .into_iter()
    .map(|key| view! { <li>{lang.t(key)}</li> })
    .collect_view();
    view! {
        <h2>{lang.t("statement-status-title")}</h2>
        <p>{lang.t("statement-status-text")}" "<strong>{lang.t("statement-status-partial")}</strong>"."</p>
        <p>{lang.t("statement-method")}</p>
        <h2>{lang.t("statement-gaps-title")}</h2>
        <p>{lang.t("statement-gaps-intro")}</p>
        <ul class="bullets">{gaps}</ul>
        <p>{lang.t("statement-gaps-work")}</p>
    }
}

fn written(lang: Lang) -> impl IntoView + use<> {
    let text = written_on().map(|d| view! { <p>{dated(lang, "statement-written", d)}</p> });
    view! {
        <h2>{lang.t("statement-written-title")}</h2>
        {text}
    }
}

fn conciliation(lang: Lang) -> impl IntoView + use<> {
    view! {
        <h2>{lang.t("statement-conciliation-title")}</h2>
        <p>{lang.t("statement-conciliation-text")}</p>
        <p>
            {lang.t("statement-conciliation-more")}" "
            <a href="https://www.schlichtungsstelle-bgg.de" lang="de">"www.schlichtungsstelle-bgg.de"</a>
        </p>
        <p>
            {lang.t("statement-conciliation-email")}" "
            <a href="mailto:info@schlichtungsstelle-bgg.de">"info@schlichtungsstelle-bgg.de"</a>
        </p>
    }
}

pub fn tenant(ctx: &PageCtx, tenant: &Tenant) -> Response {
    let lang = ctx.lang;
    let title = lang.t("statement-title");
    let shell = ctx.tenant_shell(title.to_owned(), tenant);
    let name = || Arg::from(tenant.name.clone());
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <div class="prose">
                <p class="caption">{tenant.name.clone()}</p>
                <h1>{title}</h1>
                <p class="lead">{lang.t_args("statement-intro", &[("tenant", name())])}</p>
                <p>{lang.t_args("statement-scope", &[("tenant", name())])}</p>
                {status_and_gaps(lang)}
                {written(lang)}
                {reviewed(lang, tenant)}
                <h2 id="feedback">{lang.t("statement-feedback-title")}</h2>
                <p>{lang.t("statement-feedback-text")}</p>
                <p class="contact-name"><strong>{lang.t_args("statement-feedback-who", &[("tenant", name())])}</strong></p>
                {super::contact::block(lang, tenant)}
                {conciliation(lang)}
            </div>
        },
    )
}

pub fn federation(ctx: &PageCtx, tenants: &[Tenant]) -> Response {
    let lang = ctx.lang;
    let title = lang.t("statement-title");
    let shell = ctx.shell(title.to_owned());
    let statements = tenants
        .iter()
        .map(|t| {
            let label = lang.t_args("statement-of", &[("tenant", Arg::from(t.name.clone()))]);
            view! { <li><a href=format!("/{}/barrierefreiheit", t.slug)>{label}</a></li> }
        })
        .collect_view();
    let contacts = tenants
        .iter()
        .map(|t| {
            view! {
                <section class="contact-section" aria-labelledby=format!("feedback-{}", t.slug)>
                    <h3 id=format!("feedback-{}", t.slug)>{t.name.clone()}</h3>
                    {super::contact::block(lang, t)}
                    {reviewed(lang, t)}
                </section>
            }
        })
        .collect_view();
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <div class="prose">
                <h1>{title}</h1>
                <p class="lead">{lang.t("statement-federation-intro")}</p>
                <p>{lang.t("statement-federation-scope")}</p>
                <ul class="bullets">{statements}</ul>
                {status_and_gaps(lang)}
                {written(lang)}
                <h2 id="feedback">{lang.t("statement-feedback-title")}</h2>
                <p>{lang.t("statement-feedback-text")}</p>
                <p>{lang.t("statement-federation-feedback")}</p>
                {contacts}
                {conciliation(lang)}
            </div>
        },
    )
}
