//! The contact page, and the contact block the statement and the Leichte Sprache page share.

use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::*;
use store::Tenant;

use crate::i18n::{Arg, Lang};
use crate::views;
use crate::web::PageCtx;

/// The town hall's address and the feedback mailbox and phone, each left out when not set.
pub fn block(lang: Lang, tenant: &Tenant) -> impl IntoView + use<> {
    let p = &tenant.profile;
    let address = (!p.town_hall_address.trim().is_empty()).then(|| {
        view! { <p class="address">{p.town_hall_address.trim().to_owned()}</p> }
    });
    let email = (!p.feedback_email.is_empty()).then(|| {
        let email = p.feedback_email.clone();
        view! {
            <li>{lang.t("contact-email")}" "<a href=format!("mailto:{email}")>{email.clone()}</a></li>
        }
    });
    let phone = (!p.feedback_phone.is_empty()).then(|| {
        let phone = p.feedback_phone.clone();
        view! {
            <li>{lang.t("contact-phone")}" "<a href=super::phone_href(&phone)>{phone.clone()}</a></li>
        }
    });
    let missing = (address.is_none() && email.is_none() && phone.is_none())
        .then(|| view! { <p>{lang.t("contact-missing")}</p> });
    view! {
        <div class="contact">
            {address}
            <ul class="contact-list">{email}{phone}</ul>
            {missing}
        </div>
    }
}

pub fn tenant(ctx: &PageCtx, tenant: &Tenant) -> Response {
    let lang = ctx.lang;
    let title = lang.t("contact-title");
    let shell = ctx.tenant_shell(title.to_owned(), tenant);
    let intro = lang.t_args(
        "contact-intro",
        &[("tenant", Arg::from(tenant.name.clone()))],
    );
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <p class="caption">{tenant.name.clone()}</p>
            <h1>{title}</h1>
            <p class="lead">{intro}</p>
            {block(lang, tenant)}
            <h2>{lang.t("contact-accessibility-title")}</h2>
            <p>{lang.t("contact-accessibility-text")}</p>
            <p><a href=format!("/{}/barrierefreiheit", tenant.slug)>{lang.t("footer-accessibility")}</a></p>
        },
    )
}

pub fn federation(ctx: &PageCtx, tenants: &[Tenant]) -> Response {
    let lang = ctx.lang;
    let title = lang.t("contact-title");
    let shell = ctx.shell(title.to_owned());
    let each = tenants
        .iter()
        .map(|t| {
            view! {
                <section class="contact-section" aria-labelledby=format!("contact-{}", t.slug)>
                    <h2 id=format!("contact-{}", t.slug)>{t.name.clone()}</h2>
                    {block(lang, t)}
                    <p><a href=format!("/{}/kontakt", t.slug)>{lang.t_args("contact-page-of", &[("tenant", Arg::from(t.name.clone()))])}</a></p>
                </section>
            }
        })
        .collect_view();
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <h1>{title}</h1>
            <p class="lead">{lang.t("contact-federation-intro")}</p>
            {each}
        },
    )
}
