//! The staff pages as Leptos views.

use axum::http::StatusCode;
use axum::response::Response;
use forms::{Answers, FormDefinition};
use leptos::prelude::*;
use store::{Case, CaseStatus, CaseSummary, Tenant};

use crate::auth::staff::Staff;
use crate::i18n::{Arg, Lang};
use crate::inbox::PAGE_SIZE;
use crate::state::Catalogue;
use crate::views;
use crate::web::PageCtx;

pub enum LoginProblem {
    Missing,
    /// Wrong password, unknown username, or a locked account: one answer for all three.
    Wrong,
    Expired,
    /// The right password, but every role of the account is a municipality's that requires a
    /// second factor.
    NeedsMfa,
}

/// Demo accounts, listed on the login page in demo mode only.
const DEMO_ACCOUNTS: &[(&str, &str)] = &[
    ("clerk.ellrich", "Ellrich"),
    ("clerk.heringen-helme", "Heringen/Helme"),
    ("clerk.werther", "Werther"),
    ("clerk.kyffhaeuserland", "Kyffhäuserland"),
    ("admin.werther", "Werther"),
    ("federation.admin", "–"),
];

pub fn login(
    ctx: &PageCtx,
    status: StatusCode,
    username: String,
    problem: Option<LoginProblem>,
    staff_oidc: &[(String, Option<String>)],
) -> Response {
    let lang = ctx.lang;
    let title = lang.t("login-title");
    let shell = ctx.shell(match problem {
        Some(_) => format!("{}: {title}", lang.t("error-title-prefix")),
        None => title.to_owned(),
    });
    let alert = problem.map(|p| match p {
        LoginProblem::Expired => views::notice_alert(
            lang.t("csrf-expired-title").to_owned(),
            lang.t("csrf-expired-text").to_owned(),
        )
        .into_any(),
        LoginProblem::NeedsMfa => views::notice_alert(
            lang.t("login-needs-mfa-title").to_owned(),
            lang.t("login-needs-mfa").to_owned(),
        )
        .into_any(),
        LoginProblem::Missing => views::error_summary(
            lang,
            vec![("f-username".to_owned(), lang.t("login-missing").to_owned())],
        )
        .into_any(),
        // Every refusal (wrong password, unknown user, locked account) looks the same and
        // carries the lockout hint, so none of them tells whether the account exists or is
        // locked.
        LoginProblem::Wrong => view! {
            <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus=true>
                <h2 id="error-summary-title">{lang.t("error-summary-title")}</h2>
                <ul>
                    <li><a href="#f-username">{lang.t("login-wrong")}</a></li>
                </ul>
                <p class="error-summary__hint">{lang.t("login-lockout-hint")}</p>
            </div>
        }
        .into_any(),
    });
    let demo = ctx.demo.then(|| {
        let rows = DEMO_ACCOUNTS
            .iter()
            .map(|(user, town)| view! { <tr><td><code>{*user}</code></td><td>{*town}</td></tr> })
            .collect_view();
        view! {
            <section class="demo-accounts" aria-labelledby="demo-accounts-title">
                <h2 id="demo-accounts-title">{lang.t("login-demo-title")}</h2>
                <p>{lang.t("login-demo-text")}</p>
                <table>
                    <caption class="visually-hidden">{lang.t("login-demo-title")}</caption>
                    <thead><tr><th scope="col">{lang.t("login-username")}</th><th scope="col">{lang.t("login-demo-municipality")}</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        }
    });
    // Staff login through the administrations' identity providers, when configured: the
    // installation's, and municipalities' own.
    let oidc = (!staff_oidc.is_empty()).then(|| {
        let ways = staff_oidc
            .iter()
            .map(|(href, municipality)| {
                let label = match municipality {
                    Some(name) => lang.t_args(
                        "staff-oidc-button-municipality",
                        &[("municipality", Arg::from(name.clone()))],
                    ),
                    None => lang.t("staff-oidc-button").to_owned(),
                };
                view! { <li><a class="button" href=href.clone()>{label}</a></li> }
            })
            .collect_view();
        view! {
            <section class="staff-oidc" aria-labelledby="staff-oidc-title">
                <h2 id="staff-oidc-title">{lang.t("staff-oidc-section-title")}</h2>
                <ul class="staff-oidc-ways">{ways}</ul>
                <p>{lang.t("staff-oidc-or-password")}</p>
            </section>
        }
    });
    let token = ctx.csrf.token();
    views::page(
        &shell,
        status,
        view! {
            {alert}
            <h1>{title}</h1>
            {oidc}
            <form method="post" action="/staff/login" novalidate=true>
                <input type="hidden" name="_csrf" value=token/>
                <div class="field">
                    <label class="label" for="f-username">{lang.t("login-username")}</label>
                    <input class="input input--medium" type="text" id="f-username" name="username" value=username
                        autocomplete="username" spellcheck="false" autocapitalize="none"/>
                </div>
                <div class="field">
                    <label class="label" for="f-password">{lang.t("login-password")}</label>
                    <input class="input input--medium" type="password" id="f-password" name="password"
                        autocomplete="current-password"/>
                </div>
                <button type="submit" class="button">{lang.t("login-submit")}</button>
            </form>
            {demo}
        },
    )
}

pub fn no_tenant(ctx: &PageCtx, staff: &Staff) -> Response {
    let lang = ctx.lang;
    let shell = ctx.staff_shell(lang.t("inbox-title").to_owned(), staff);
    views::page(
        &shell,
        StatusCode::OK,
        view! { <h1>{lang.t("inbox-title")}</h1><p>{lang.t("inbox-no-tenant")}</p> },
    )
}

pub fn status_text(lang: Lang, status: CaseStatus) -> String {
    lang.t(&format!("status-{}", status.as_str().replace('_', "-")))
        .to_owned()
}

#[allow(clippy::too_many_arguments)]
pub fn inbox(
    ctx: &PageCtx,
    staff: &Staff,
    catalogue: &Catalogue,
    visible: &[&Tenant],
    tenant: &Tenant,
    cases: &[CaseSummary],
    page_no: u64,
    total: u64,
    view_awaiting: (bool, u64),
) -> Response {
    let lang = ctx.lang;
    let (awaiting, awaiting_count) = view_awaiting;
    let title = format!("{} – {}", lang.t("inbox-title"), tenant.name);
    let view_param = if awaiting { "&view=awaiting" } else { "" };
    // Complete cases by default; those still awaiting payment on their own list.
    let views_nav = {
        let inbox_href = format!("/staff/inbox?tenant={}", tenant.slug);
        let awaiting_href = format!("{inbox_href}&view=awaiting");
        let awaiting_label = lang.t_args(
            "inbox-view-awaiting",
            &[("count", Arg::from(awaiting_count))],
        );
        view! {
            <nav aria-label=lang.t("inbox-views")><ul class="view-tabs">
                <li><a href=inbox_href aria-current=(!awaiting).then_some("page")>{lang.t("inbox-view-complete")}</a></li>
                <li><a href=awaiting_href aria-current=awaiting.then_some("page")>{awaiting_label}</a></li>
            </ul></nav>
        }
    };
    let shell = ctx.staff_shell(title.to_owned(), staff);
    let switcher = (visible.len() > 1).then(|| {
        let links = visible
            .iter()
            .map(|t| {
                let current = (t.id == tenant.id).then_some("page");
                view! { <li><a href=format!("/staff/inbox?tenant={}", t.slug) aria-current=current>{t.name.clone()}</a></li> }
            })
            .collect_view();
        view! { <nav aria-label=lang.t("inbox-municipalities")><ul class="tabs">{links}</ul></nav> }
    });
    let rows = cases
        .iter()
        .map(|c| {
            let service = catalogue
                .form(c.form_id)
                .map(|f| f.title.get(lang.code()).to_owned())
                .unwrap_or_else(|| c.service_slug.clone());
            view! {
                <tr>
                    <td><a href=format!("/staff/cases/{}", c.id)>{c.reference.clone()}</a></td>
                    <td>{service}</td>
                    <td>{views::format_date(lang, c.created_at)}</td>
                    <td>{status_text(lang, c.status)}</td>
                </tr>
            }
        })
        .collect_view();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let prev = (page_no > 1).then(|| {
        view! { <a rel="prev" href=format!("/staff/inbox?tenant={}{view_param}&page={}", tenant.slug, page_no - 1)>{lang.t("inbox-previous")}</a> }
    });
    let next = (page_no < pages).then(|| {
        view! { <a rel="next" href=format!("/staff/inbox?tenant={}{view_param}&page={}", tenant.slug, page_no + 1)>{lang.t("inbox-next")}</a> }
    });
    let position = lang.t_args(
        "inbox-page-of",
        &[
            ("page", Arg::from(page_no)),
            ("pages", Arg::from(pages)),
            ("total", Arg::from(total)),
        ],
    );
    // A region of its own that scrolls sideways on narrow screens; focusable (and named) so
    // that keyboard users can scroll it too.
    let table = (!cases.is_empty()).then(|| {
        view! {
            <div class="table-wrapper" role="region" aria-label=title.to_owned() tabindex="0">
            <table class="cases">
                <caption class="visually-hidden">{title.to_owned()}</caption>
                <thead>
                    <tr>
                        <th scope="col">{lang.t("inbox-reference")}</th>
                        <th scope="col">{lang.t("inbox-service")}</th>
                        <th scope="col">{lang.t("inbox-received")}</th>
                        <th scope="col">{lang.t("inbox-status")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            </div>
        }
    });
    let empty = cases
        .is_empty()
        .then(|| view! { <p>{lang.t("inbox-empty")}</p> });
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <h1>{title.to_owned()}</h1>

            {switcher}
            {views_nav}
            {table}
            {empty}
            <nav class="pagination" aria-label=lang.t("inbox-pagination")>
                {prev}" "<span>{position}</span>" "{next}
            </nav>
            <h2>{lang.t("cash-office-title")}</h2>
            <form method="get" action=format!("/staff/cash-office/{}/payments.csv", tenant.slug) class="inline-form">
                <div class="field">
                    <label for="f-day">{lang.t("cash-office-day")}</label>
                    <input id="f-day" name="day" type="date" class="input--short" value=chrono::Utc::now().with_timezone(&chrono_tz::Europe::Berlin).date_naive().to_string()/>
                </div>
                <div class="button-group">
                    <button type="submit" class="button button--secondary">{lang.t("cash-office-csv")}</button>
                    <button type="submit" formaction=format!("/staff/cash-office/{}/payments.json", tenant.slug) class="button button--secondary">{lang.t("cash-office-json")}</button>
                    <button type="submit" formaction=format!("/staff/cash-office/{}/refunds.csv", tenant.slug) class="button button--secondary">{lang.t("cash-office-refunds")}</button>
                </div>
            </form>
        },
    )
}

#[allow(clippy::too_many_arguments)]
pub fn case(
    ctx: &PageCtx,
    staff: &Staff,
    tenant: &Tenant,
    form: &FormDefinition,
    case: &Case,
    attachments: &[store::Attachment],
    payment: Option<leptos::prelude::AnyView>,
    deliveries: leptos::prelude::AnyView,
) -> Response {
    let lang = ctx.lang;
    let title = format!("{} {}", lang.t("case-title"), case.reference);
    let files: std::collections::BTreeMap<String, String> = attachments
        .iter()
        .map(|a| (a.id.to_string(), a.file_name.clone()))
        .collect();
    let files = &files;
    // Downloads only as attachments (never shown inline), each with its size.
    let downloads = (!attachments.is_empty()).then(|| {
        let items = attachments
            .iter()
            .map(|a| {
                let href = format!("/staff/cases/{}/attachments/{}", case.id, a.id);
                let size = format!("{} KB", (a.size_bytes + 1023) / 1024);
                view! {
                    <li><a href=href download=a.file_name.clone()>{a.file_name.clone()}</a>" ("{size}")"</li>
                }
            })
            .collect_view();
        view! {
            <h2>{lang.t("case-attachments")}</h2>
            <ul class="attachments">{items}</ul>
        }
    });
    // The trust level of the citizen's login at submission (a level the portal does not know
    // is shown as stored).
    let login = match case.login_level.as_deref() {
        None => lang.t("case-login-none").to_owned(),
        Some(level) => {
            let name = match level.parse::<forms::TrustLevel>() {
                Ok(known) => lang.t(&format!("level-{known}")).to_owned(),
                Err(_) => level.to_owned(),
            };
            lang.t_args("case-login-level", &[("level", Arg::from(name))])
        }
    };
    let shell = ctx.staff_shell(title.to_owned(), staff);
    let answers: Answers = serde_json::from_value(case.answers.clone()).unwrap_or_default();
    let steps = form
        .steps
        .iter()
        .map(|s| {
            let rows = views::answer_summary(
                lang,
                form,
                s,
                views::Given {
                    answers: &answers,
                    files,
                },
                &|_| true,
                None,
                lang.t("case-not-given"),
            );
            view! {
                <h2>{s.title.get(lang.code()).to_owned()}</h2>
                {rows}
            }
        })
        .collect_view();
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <p><a href=format!("/staff/inbox?tenant={}", tenant.slug)>{lang.t("case-back")}</a></p>
            <h1>{title.to_owned()}</h1>
            <dl class="summary case-meta">
                <div class="summary-row"><dt>{lang.t("case-municipality")}</dt><dd>{tenant.name.clone()}</dd></div>
                <div class="summary-row"><dt>{lang.t("inbox-service")}</dt><dd>{form.title.get(lang.code()).to_owned()}</dd></div>
                <div class="summary-row"><dt>{lang.t("inbox-received")}</dt><dd>{views::format_date(lang, case.created_at)}</dd></div>
                <div class="summary-row"><dt>{lang.t("inbox-status")}</dt><dd>{status_text(lang, case.status)}</dd></div>
                <div class="summary-row"><dt>{lang.t("case-login")}</dt><dd>{login}</dd></div>
                <div class="summary-row"><dt>{lang.t("case-form-version")}</dt><dd>{format!("{} v{}", form.id, form.version)}</dd></div>
            </dl>
            <p><a href=format!("/staff/cases/{}/explain", case.id)>{lang.t("explain-link")}</a></p>
            {payment}
            {deliveries}
            {steps}
            {downloads}
        },
    )
}
