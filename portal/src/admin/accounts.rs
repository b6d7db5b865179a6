//! Staff accounts and their roles (`/staff/accounts`, docs/admin.md "Zugänge"): a
//! municipality's administrators see the accounts of their municipality (those with a role in
//! it, and those of its own identity provider) and set their roles there, `clerk` and
//! `tenant_admin`. Federation administrators act on every municipality and also see the
//! accounts that have no role anywhere yet (a first login through a provider whose roles
//! administrators assign).
//!
//! Not editable here: one's own account (nobody locks themselves out), and accounts of an
//! identity provider that grants roles through its claim (the next login would replace what
//! was set here).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;
use store::{RoleKind, StaffId, StaffUser, Tenant};

use super::{Admin, admin_of, pages};
use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::auth::staff::Staff;
use crate::error::{AppResult, ErrorPage};
use crate::i18n::{Arg, Lang};
use crate::state::AppState;
use crate::views;
use crate::web::PageCtx;

#[derive(Deserialize)]
pub struct AccountsQuery {
    /// The municipality shown (its slug); the first one the admin manages by default.
    tenant: Option<String>,
    /// Set by the redirect after saving: whose roles were saved.
    saved: Option<i64>,
}

/// Who may change an account's roles here, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Editable {
    Yes,
    /// One's own account.
    Own,
    /// The identity provider grants the roles through its claim.
    ByProvider,
}

/// How an account logs in, for the list.
fn account_kind(state: &AppState, lang: Lang, account: &StaffUser) -> (String, Editable) {
    if !account.oidc {
        return (lang.t("accounts-kind-local").to_owned(), Editable::Yes);
    }
    let catalogue = state.catalogue();
    let provider = state
        .staff_login()
        .and_then(|l| l.provider_of(account, &catalogue));
    let editable = match provider {
        Some(p) if p.config.roles_claim.is_none() => Editable::Yes,
        _ => Editable::ByProvider,
    };
    let kind = match account.oidc_tenant.and_then(|t| catalogue.tenant_by_id(t)) {
        Some(t) => lang.t_args(
            "accounts-kind-municipal",
            &[("municipality", Arg::from(t.name.clone()))],
        ),
        None => lang.t("accounts-kind-installation").to_owned(),
    };
    (kind, editable)
}

fn editable_for(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    account: &StaffUser,
) -> (String, Editable) {
    let (kind, editable) = account_kind(state, lang, account);
    if account.id == staff.user.id {
        return (kind, Editable::Own);
    }
    (kind, editable)
}

/// The municipality chosen among those the admin manages.
fn chosen<'a>(admin: &Admin<'a>, tenants: &'a [Tenant], slug: Option<&str>) -> Option<&'a Tenant> {
    let managed: Vec<&Tenant> = tenants.iter().filter(|t| admin.manages(t)).collect();
    match slug {
        Some(slug) => managed.into_iter().find(|t| t.slug == slug),
        None => managed.into_iter().next(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    Query(q): Query<AccountsQuery>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let Some(admin) = admin_of(&staff, catalogue.tenants()) else {
        return Ok(pages::forbidden(&ctx, &staff));
    };
    let Some(tenant) = chosen(&admin, catalogue.tenants(), q.tenant.as_deref()) else {
        return Ok(ErrorPage::NotFound.into_response());
    };
    let federation = matches!(admin, Admin::Federation);
    let accounts = state.store().staff_accounts(tenant.id, federation).await?;
    let lang = ctx.lang;
    let title = lang.t("accounts-title");
    let shell = ctx.staff_shell(title.to_owned(), &staff);
    let token = ctx.csrf.token();
    let others: Vec<&Tenant> = catalogue
        .tenants()
        .iter()
        .filter(|t| admin.manages(t))
        .collect();
    let switch = (others.len() > 1).then(|| {
        let links = others
            .iter()
            .map(|t| {
                let current = (t.id == tenant.id).then_some("page");
                view! {
                    <li><a href=format!("/staff/accounts?tenant={}", t.slug) aria-current=current>{t.name.clone()}</a></li>
                }
            })
            .collect_view();
        view! {
            <nav aria-label=lang.t("accounts-municipalities")>
                <ul class="accounts-municipalities">{links}</ul>
            </nav>
        }
    });
    let saved = q
        .saved
        .and_then(|id| accounts.iter().find(|a| a.id.0 == id))
        .map(|a| {
            let text = lang.t_args(
                "accounts-saved-text",
                &[("username", Arg::from(a.username.clone()))],
            );
            view! {
                <div class="notice" role="status">
                    <p><strong>{lang.t("accounts-saved-title")}</strong>" "{text}</p>
                </div>
            }
        });
    let rows = accounts
        .iter()
        .map(|account| {
            let (kind, editable) = editable_for(&state, &staff, lang, account);
            let has = |kind: RoleKind| {
                account
                    .roles
                    .iter()
                    .any(|r| r.kind == kind && r.tenant == Some(tenant.id))
            };
            let roles_cell = match editable {
                Editable::Yes => {
                    let id = account.id.0;
                    let name = account.username.clone();
                    let clerk_id = format!("clerk-{id}");
                    let admin_id = format!("admin-{id}");
                    view! {
                        <form method="post" action="/staff/accounts" class="roles-form" data-account=account.username.clone()>
                            <input type="hidden" name="_csrf" value=token.clone()/>
                            <input type="hidden" name="tenant" value=tenant.slug.clone()/>
                            <input type="hidden" name="staff" value=id.to_string()/>
                            <fieldset>
                                <legend class="visually-hidden">{lang.t_args("accounts-roles-of", &[("username", Arg::from(name))])}</legend>
                                <div class="choice">
                                    <input type="checkbox" id=clerk_id.clone() name="role" value="clerk" checked=has(RoleKind::Clerk)/>
                                    <label for=clerk_id>{lang.t("accounts-role-clerk")}</label>
                                </div>
                                <div class="choice">
                                    <input type="checkbox" id=admin_id.clone() name="role" value="tenant_admin" checked=has(RoleKind::TenantAdmin)/>
                                    <label for=admin_id>{lang.t("accounts-role-tenant-admin")}</label>
                                </div>
                            </fieldset>
                            <button type="submit" class="button secondary">{lang.t("accounts-save")}</button>
                        </form>
                    }
                    .into_any()
                }
                reason => {
                    let mut names: Vec<&str> = Vec::new();
                    if has(RoleKind::Clerk) {
                        names.push(lang.t("accounts-role-clerk"));
                    }
                    if has(RoleKind::TenantAdmin) {
                        names.push(lang.t("accounts-role-tenant-admin"));
                    }
                    let names = if names.is_empty() {
                        lang.t("accounts-no-role").to_owned()
                    } else {
                        names.join(", ")
                    };
                    let why = match reason {
                        Editable::Own => lang.t("accounts-own"),
                        _ => lang.t("accounts-by-provider"),
                    };
                    view! { <p>{names}</p><p class="hint">{why}</p> }.into_any()
                }
            };
            let last_login = account.last_login_at.map_or_else(
                || lang.t("accounts-never").to_owned(),
                |t| views::format_date(lang, t),
            );
            view! {
                <tr>
                    <th scope="row">{account.username.clone()}</th>
                    <td>{kind}</td>
                    <td>{last_login}</td>
                    <td>{roles_cell}</td>
                </tr>
            }
        })
        .collect_view();
    let body = if accounts.is_empty() {
        view! { <p>{lang.t("accounts-none")}</p> }.into_any()
    } else {
        let caption = lang.t_args(
            "accounts-caption",
            &[("municipality", Arg::from(tenant.name.clone()))],
        );
        let region = caption.clone();
        // Scrolls inside its own focusable region on narrow screens, like the inbox.
        view! {
            <div class="table-wrapper" role="region" aria-label=region tabindex="0">
            <table class="data-table">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">{lang.t("accounts-username")}</th>
                        <th scope="col">{lang.t("accounts-kind")}</th>
                        <th scope="col">{lang.t("accounts-last-login")}</th>
                        <th scope="col">{lang.t("accounts-roles")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            </div>
        }
        .into_any()
    };
    let intro = if federation {
        lang.t("accounts-intro-federation")
    } else {
        lang.t("accounts-intro")
    };
    Ok(views::page(
        &shell,
        StatusCode::OK,
        view! {
            {saved}
            <h1>{title}</h1>
            {switch}
            <p>{intro}</p>
            {body}
        },
    ))
}

pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    let fields = match posted {
        Ok(CsrfForm(fields)) => fields,
        // An expired token: the list again, nothing changed (the boxes show what is stored).
        Err(CsrfRejection::Token(_)) => {
            return Ok(Redirect::to("/staff/accounts").into_response());
        }
        Err(other) => return Ok(other.into_response()),
    };
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let catalogue = state.catalogue();
    let Some(admin) = admin_of(&staff, catalogue.tenants()) else {
        return Ok(pages::forbidden(&ctx, &staff));
    };
    let Some(tenant) = chosen(&admin, catalogue.tenants(), Some(value("tenant"))) else {
        return Ok(pages::forbidden(&ctx, &staff));
    };
    let Ok(id) = value("staff").parse::<i64>() else {
        return Ok(ErrorPage::NotFound.into_response());
    };
    // Only an account this admin sees in the list, and may change.
    let federation = matches!(admin, Admin::Federation);
    let accounts = state.store().staff_accounts(tenant.id, federation).await?;
    let Some(account) = accounts.iter().find(|a| a.id.0 == id) else {
        return Ok(ErrorPage::NotFound.into_response());
    };
    if editable_for(&state, &staff, ctx.lang, account).1 != Editable::Yes {
        return Ok(pages::forbidden(&ctx, &staff));
    }
    let kinds: Vec<RoleKind> = fields
        .iter()
        .filter(|(k, _)| k == "role")
        .filter_map(|(_, v)| match v.as_str() {
            "clerk" => Some(RoleKind::Clerk),
            "tenant_admin" => Some(RoleKind::TenantAdmin),
            _ => None,
        })
        .collect();
    if !state
        .store()
        .set_tenant_roles(tenant.id, StaffId(id), &kinds)
        .await?
    {
        return Ok(ErrorPage::NotFound.into_response());
    }
    tracing::info!(
        by = staff.user.id.0,
        staff = id,
        tenant = tenant.id.0,
        roles = kinds.len(),
        "staff roles set"
    );
    Ok(Redirect::to(&format!(
        "/staff/accounts?tenant={}&saved={id}",
        tenant.slug
    ))
    .into_response())
}
