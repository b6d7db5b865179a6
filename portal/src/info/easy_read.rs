//! Leichte Sprache (Easy Read): what the portal is and how to apply, in short sentences, one
//! statement each, one sentence per line, long words split with the Mediopunkt. The English
//! version is an Easy Read text in the same spirit.

use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::*;
use store::Tenant;

use crate::i18n::{Arg, Lang};
use crate::views;
use crate::web::PageCtx;

const STEPS: usize = 8;

/// One paragraph per line of the Fluent text: each sentence starts on its own line.
fn lines(text: String) -> impl IntoView + use<> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| view! { <p>{l.to_owned()}</p> })
        .collect_view()
}

fn help(lang: Lang, tenant: &Tenant) -> impl IntoView + use<> {
    let p = &tenant.profile;
    let phone = (!p.feedback_phone.is_empty()).then(|| {
        view! {
            {lines(lang.t("easy-help-phone").to_owned())}
            <p class="easy-contact"><a href=super::phone_href(&p.feedback_phone)>{p.feedback_phone.clone()}</a></p>
        }
    });
    let email = (!p.feedback_email.is_empty()).then(|| {
        view! {
            {lines(lang.t("easy-help-email").to_owned())}
            <p class="easy-contact"><a href=format!("mailto:{}", p.feedback_email)>{p.feedback_email.clone()}</a></p>
        }
    });
    let address = (!p.town_hall_address.trim().is_empty()).then(|| {
        view! {
            {lines(lang.t("easy-help-address").to_owned())}
            <p class="address easy-contact">{p.town_hall_address.trim().to_owned()}</p>
        }
    });
    view! { {phone}{email}{address} }
}

pub fn page(ctx: &PageCtx, tenant: Option<&Tenant>, all: &[Tenant]) -> Response {
    let lang = ctx.lang;
    let title = lang.t("easy-title");
    let shell = match tenant {
        Some(t) => ctx.tenant_shell(title.to_owned(), t),
        None => ctx.shell(title.to_owned()),
    };
    let steps = (1..=STEPS)
        .map(|i| view! { <li>{lines(lang.t(&format!("easy-step-{i}")).to_owned())}</li> })
        .collect_view();
    let caption = tenant.map(|t| view! { <p class="caption">{t.name.clone()}</p> });
    let help = match tenant {
        Some(t) => {
            let start = format!("/{}/", t.slug);
            let label = lang.t_args("easy-start-link", &[("tenant", Arg::from(t.name.clone()))]);
            view! {
                {lines(lang.t("easy-help-text").to_owned())}
                {help(lang, t)}
                <p class="easy-contact"><a href=start>{label}</a></p>
            }
            .into_any()
        }
        None => {
            let links = all
                .iter()
                .map(|t| {
                    let label =
                        lang.t_args("easy-page-of", &[("tenant", Arg::from(t.name.clone()))]);
                    view! { <li><a href=format!("/{}/leichte-sprache", t.slug)>{label}</a></li> }
                })
                .collect_view();
            view! {
                {lines(lang.t("easy-help-choose").to_owned())}
                <ul class="link-list">{links}</ul>
            }
            .into_any()
        }
    };
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <div class="easy-read">
                {caption}
                <h1>{title}</h1>
                {lines(lang.t("easy-intro").to_owned())}
                <h2>{lang.t("easy-what-title")}</h2>
                {lines(lang.t("easy-what-text").to_owned())}
                <h2>{lang.t("easy-how-title")}</h2>
                <ol class="easy-steps">{steps}</ol>
                <h2>{lang.t("easy-help-title")}</h2>
                {help}
            </div>
        },
    )
}
