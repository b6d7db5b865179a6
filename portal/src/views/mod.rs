//! The shared layout and components. Pages are Leptos views rendered to HTML on the server;
//! no hydration, no script. Text is escaped by Leptos; every text comes from Fluent.

pub mod fields;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::*;
use leptos::tachys::view::Position;

use store::Tenant;

use crate::i18n::{Arg, Lang};

/// What every page needs to know besides its own content.
#[derive(Clone, Debug)]
pub struct Shell {
    pub lang: Lang,
    pub demo: bool,
    /// The page's own title; the site name is appended.
    pub title: String,
    /// The municipality the page belongs to: its colour, name and footer links.
    pub tenant: Option<Tenant>,
    /// Signed-in staff member: name, CSRF token for the logout button, admin or not.
    pub staff: Option<StaffHeader>,
    /// The logged-in citizen: name, CSRF token for the logout button.
    pub citizen: Option<CitizenHeader>,
    /// The path of this page, for the language switch.
    pub path: String,
}

/// The logged-in citizen shown in the header of citizen pages.
#[derive(Clone, Debug)]
pub struct CitizenHeader {
    /// Empty when the identity provider sent no name.
    pub name: String,
    pub csrf_token: String,
}

/// The staff member shown in the header of staff pages.
#[derive(Clone, Debug)]
pub struct StaffHeader {
    pub username: String,
    pub csrf_token: String,
    /// Shows the way into the admin area (tenant or federation admins).
    pub admin: bool,
}

/// Renders a whole page.
pub fn page(shell: &Shell, status: StatusCode, content: impl IntoView + 'static) -> Response {
    let lang = shell.lang;
    let site = lang.t("site-name");
    let title = [shell.title.as_str(), " – ", site].concat();
    let (other_lang, other_label) = match lang {
        Lang::De => ("en", "English"),
        Lang::En => ("de", "Deutsch"),
    };
    let switch = ["/lang/", other_lang, "?next=", &encode_path(&shell.path)].concat();
    let demo = shell.demo.then(|| {
        view! {
            <div class="demo-banner" role="note">
                <strong>{lang.t("demo-label")}</strong>" "{lang.t("demo-banner")}
            </div>
        }
    });
    let staff = shell.staff.clone().map(
        |StaffHeader {
             username,
             csrf_token: token,
             admin,
         }| {
            let forms = admin.then(|| {
                view! {
                    <a href="/staff/forms">{lang.t("admin-forms-link")}</a>
                    <a href="/staff/deliveries">{lang.t("delivery-dead-link")}</a>
                    <a href="/staff/accounts">{lang.t("accounts-link")}</a>
                    <a href="/staff/municipalities">{lang.t("municipalities-link")}</a>
                }
            });
            view! {
                <nav class="staff-nav" aria-label=lang.t("staff-nav-label")>
                    <a href="/staff/inbox">{lang.t("staff-inbox")}</a>
                    {forms}
                    <span class="staff-user">{lang.t("staff-signed-in-as")}" "{username}</span>
                    <form method="post" action="/staff/logout" class="inline-form">
                        <input type="hidden" name="_csrf" value=token/>
                        <button type="submit" class="link-button">{lang.t("staff-logout")}</button>
                    </form>
                </nav>
            }
        },
    );
    let citizen = shell
        .citizen
        .clone()
        .filter(|_| shell.staff.is_none())
        .map(|CitizenHeader { name, csrf_token }| {
            let who = if name.is_empty() {
                lang.t("citizen-signed-in").to_owned()
            } else {
                format!("{} {name}", lang.t("citizen-signed-in-as"))
            };
            view! {
                <nav class="staff-nav citizen-nav" aria-label=lang.t("citizen-nav-label")>
                    <a href="/my-applications">{lang.t("mine-title")}</a>
                    <span class="staff-user">{who}</span>
                    <form method="post" action="/logout" class="inline-form">
                        <input type="hidden" name="_csrf" value=csrf_token/>
                        <button type="submit" class="link-button">{lang.t("citizen-logout")}</button>
                    </form>
                </nav>
            }
        });
    // The municipality's colour comes from its own small stylesheet (the CSP allows no inline
    // style); the version in the query lets browsers cache it until the colour changes.
    let theme = shell.tenant.as_ref().map(|t| {
        let href = format!(
            "/{}/theme.css?v={}",
            t.slug,
            t.profile.accent_colour.hex().trim_start_matches('#')
        );
        view! { <link rel="stylesheet" href=href/> }
    });
    let band = shell.tenant.as_ref().map(|t| {
        view! {
            <div class="tenant-band">
                <div class="container">
                    <a class="tenant-band-name" href=["/", t.slug.as_str(), "/"].concat()>{t.name.clone()}</a>
                </div>
            </div>
        }
    });
    let header_class = if shell.tenant.is_some() {
        "site-header site-header--tenant"
    } else {
        "site-header"
    };
    let view = view! {
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <title>{title}</title>
                <link rel="stylesheet" href="/static/portal.css"/>
                {theme}
            </head>
            <body>
                <a class="skip-link" href="#main">{lang.t("skip-to-content")}</a>
                <header class=header_class>
                    <div class="container header-row">
                        <a class="site-name" href="/">{site}</a>
                        <a class="lang-switch" href=switch lang=other_lang hreflang=other_lang>{other_label}</a>
                    </div>
                    {band}
                    {staff}
                    {citizen}
                </header>
                {demo}
                <main id="main" class="container" tabindex="-1">{content}</main>
                {footer(lang, shell.tenant.as_ref())}
            </body>
        </html>
    };
    // Rendered straight into one buffer big enough for a form page: no regrowth, no copy.
    let mut html = String::with_capacity(16 * 1024);
    html.push_str("<!DOCTYPE html>");
    view.to_html_with_buf(
        &mut html,
        &mut Position::FirstChild,
        true,
        false,
        Vec::new(),
    );
    (status, Html(html)).into_response()
}

/// BITV 2.0 wants the accessibility statement, the feedback contact and (for public bodies)
/// information in Leichte Sprache reachable from every page: the municipality's own when the
/// page belongs to one, the federation's otherwise.
fn footer(lang: Lang, tenant: Option<&Tenant>) -> impl IntoView + use<> {
    let base = tenant.map_or("", |t| t.slug.as_str());
    let link = |page: &str| {
        if base.is_empty() {
            ["/", page].concat()
        } else {
            ["/", base, "/", page].concat()
        }
    };
    let external = |url: Option<&store::ExternalUrl>, key: &str| {
        url.map(|u| view! { <li><a href=u.as_str().to_owned()>{lang.t(key)}</a></li> })
    };
    let imprint = external(
        tenant.and_then(|t| t.profile.imprint_url.as_ref()),
        "footer-imprint",
    );
    let privacy = external(
        tenant.and_then(|t| t.profile.privacy_url.as_ref()),
        "footer-privacy",
    );
    view! {
        <footer class="site-footer">
            <div class="container">
                <nav aria-label=lang.t("footer-nav-label")>
                    <ul class="footer-links">
                        <li><a href=link("barrierefreiheit")>{lang.t("footer-accessibility")}</a></li>
                        <li><a href=link("leichte-sprache")>{lang.t("footer-easy-read")}</a></li>
                        <li><a href=link("kontakt")>{lang.t("footer-contact")}</a></li>
                        {imprint}
                        {privacy}
                    </ul>
                </nav>
                <p>{lang.t("footer-text")}</p>
            </div>
        </footer>
    }
}

/// A path as a query value: only the characters a path may need, percent-encoded.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The error summary at the top of a page after a failed submit (GOV.UK pattern): it takes
/// focus via `autofocus` (no script needed) and links to each field.
pub fn error_summary(lang: Lang, errors: Vec<(String, String)>) -> impl IntoView {
    view! {
        <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus=true>
            <h2 id="error-summary-title">{lang.t("error-summary-title")}</h2>
            <ul>
                {errors
                    .into_iter()
                    .map(|(anchor, message)| view! { <li><a href=format!("#{anchor}")>{message}</a></li> })
                    .collect_view()}
            </ul>
        </div>
    }
}

/// A notice that takes focus, for problems that are not about one field (expired token).
pub fn notice_alert(title: String, text: String) -> impl IntoView {
    view! {
        <div class="error-summary" role="alert" aria-labelledby="notice-title" tabindex="-1" autofocus=true>
            <h2 id="notice-title">{title}</h2>
            <p>{text}</p>
        </div>
    }
}

/// A calendar day, e.g. `02.11.2026` or `2 November 2026`.
pub fn format_day(lang: Lang, d: chrono::NaiveDate) -> String {
    match lang {
        Lang::De => d.format("%d.%m.%Y").to_string(),
        Lang::En => d.format("%-d %B %Y").to_string(),
    }
}

pub fn format_date(lang: Lang, t: chrono::DateTime<chrono::Utc>) -> String {
    // UTC, said so; local time needs a time-zone database (a later issue).
    match lang {
        Lang::De => t.format("%d.%m.%Y, %H:%M UTC").to_string(),
        Lang::En => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// The fields of each shown group on a step page: per row, the fields the row shows (see
/// [`forms::Journey::shows_in_row`]), by group id.
pub type GroupRows<'a> = std::collections::BTreeMap<String, Vec<Vec<&'a forms::Field>>>;

/// The title of one row of a group: its `row_label` (or "Eintrag") and its number from 1.
pub fn row_title(lang: Lang, group: &forms::Field, row: usize) -> String {
    let label = group.row_label.as_ref().map_or_else(
        || lang.t("group-row").to_owned(),
        |l| l.get(lang.code()).to_owned(),
    );
    format!("{label} {}", row + 1)
}

/// The fields one step page shows (see [`forms::Journey::fields_on_page`]), with the values
/// typed so far, the computed values the journey's logic came to (empty for a blank form, which
/// shows "calculated from your answers"), and the errors found. The step's title is the page's
/// heading, so the fields stand without a fieldset of their own (choices bring theirs). A group
/// is a fieldset with one fieldset per row, each with a button that removes it, and a button
/// that adds a row: plain submit buttons, so they work without JavaScript.
#[allow(clippy::too_many_arguments)]
pub fn step_fields(
    lang: Lang,
    shown: &[&forms::Field],
    rows: &GroupRows<'_>,
    computed: &std::collections::BTreeMap<String, i64>,
    values: &std::collections::BTreeMap<String, String>,
    errors: &std::collections::BTreeMap<String, String>,
    files: &std::collections::BTreeMap<String, String>,
    locked: &std::collections::BTreeSet<String>,
) -> impl IntoView + use<> {
    let one = |f: &forms::Field, key: &str| {
        if locked.contains(key) {
            return leptos::either::EitherOf3::C(fields::locked_field(
                lang,
                f,
                key,
                values.get(key).cloned(),
            ));
        }
        let value = match f.kind {
            forms::FieldKind::Computed => computed.get(key).map(|&v| match f.format {
                Some(forms::ValueFormat::Money) => forms::format_eur(v, lang.code()),
                _ => v.to_string(),
            }),
            _ => values.get(key).cloned(),
        };
        if f.kind == forms::FieldKind::Checkboxes {
            let value = values.get(key).cloned();
            return leptos::either::EitherOf3::B(fields::checkboxes_field(
                lang,
                f,
                key,
                value,
                errors.get(key).cloned(),
            ));
        }
        leptos::either::EitherOf3::A(fields::field(lang, f, key, value, errors.get(key).cloned()))
    };
    shown
        .iter()
        .map(|f| {
            if f.kind == forms::FieldKind::File {
                let uploaded: Vec<(String, String)> = values
                    .get(&f.id)
                    .map(|ids| {
                        ids.split_whitespace()
                            .map(|id| (id.to_owned(), files.get(id).cloned().unwrap_or_default()))
                            .collect()
                    })
                    .unwrap_or_default();
                return leptos::either::EitherOf3::B(fields::file_field(
                    lang,
                    f,
                    &uploaded,
                    errors.get(&f.id).cloned(),
                ));
            }
            if f.kind != forms::FieldKind::Group {
                return leptos::either::EitherOf3::A(one(f, &f.id));
            }
            let group_rows = rows.get(&f.id).map(Vec::as_slice).unwrap_or_default();
            let (min, max) = f.row_bounds();
            let count = group_rows.len();
            let single = f.is_single_row();
            let row_views = group_rows
                .iter()
                .enumerate()
                .map(|(row, children)| {
                    let title = row_title(lang, f, row);
                    let cells = children
                        .iter()
                        .map(|c| one(c, &forms::row_key(&f.id, row, &c.id)))
                        .collect_view();
                    if single {
                        // One row, always there: its fields stand in the group's fieldset.
                        return leptos::either::Either::Left(cells);
                    }
                    let remove = (count > min).then(|| {
                        let label = lang.t_args("group-remove", &[("row", Arg::from(title.clone()))]);
                        view! {
                            <button type="submit" name="_action" value=format!("remove:{}.{row}", f.id)
                                class="button button--secondary button--small">{label}</button>
                        }
                    });
                    leptos::either::Either::Right(view! {
                        <fieldset class="group-row" id=format!("f-{}-row-{row}", f.id)>
                            <legend class="group-row-title">{title}</legend>
                            {cells}
                            {remove}
                        </fieldset>
                    })
                })
                .collect_view();
            let add = (count < max).then(|| {
                let label = f.add_label.as_ref().map_or_else(
                    || lang.t("group-add").to_owned(),
                    |l| l.get(lang.code()).to_owned(),
                );
                view! {
                    <button type="submit" name="_action" value=format!("add:{}", f.id)
                        class="button button--secondary">{label}</button>
                }
            });
            let hint = f.hint.as_ref().map(|h| {
                view! { <div class="hint" id=format!("f-{}-hint", f.id)>{h.get(lang.code()).to_owned()}</div> }
            });
            let described = f.hint.as_ref().map(|_| format!("f-{}-hint", f.id));
            leptos::either::EitherOf3::C(view! {
                <fieldset class="group" id=format!("f-{}", f.id) aria-describedby=described>
                    <legend class="label group-title">{f.label.get(lang.code()).to_owned()}</legend>
                    {hint}
                    <input type="hidden" name=f.id.clone() value=count.to_string()/>
                    {row_views}
                    {add}
                </fieldset>
            })
        })
        .collect_view()
}

/// The answers of an application and the names of its files (by attachment id).
#[derive(Clone, Copy)]
pub struct Given<'a> {
    pub answers: &'a forms::Answers,
    pub files: &'a std::collections::BTreeMap<String, String>,
}

/// The change link of an answer on the check page, by field and key.
pub type ChangeLink<'a> = dyn Fn(&forms::Field, &str) -> String + 'a;

/// One answer as a row of a summary list, with its change link when there is one.
fn summary_row(
    lang: Lang,
    label: String,
    shown: String,
    change: Option<String>,
) -> impl IntoView + use<> {
    let change = change.map(|href| {
        let hidden = label.clone();
        view! {
            <dd class="summary-actions">
                <a href=href>{lang.t("check-change")}<span class="visually-hidden">" "{hidden}</span></a>
            </dd>
        }
    });
    view! {
        <div class="summary-row">
            <dt>{label}</dt>
            <dd>{shown}</dd>
            {change}
        </div>
    }
}

/// The answers of one step for reading (the check page, the clerk's case page): a summary
/// list of the fields outside groups and, for each group, a heading and a list per row.
/// `visible` says which answers (by key) are shown at all; `change` gives an answer's change
/// link (by field and key), `None` on read-only pages.
pub fn answer_summary(
    lang: Lang,
    def: &forms::FormDefinition,
    step: &forms::Step,
    given: Given<'_>,
    visible: &dyn Fn(&str) -> bool,
    change: Option<&ChangeLink<'_>>,
    not_given: &str,
) -> AnyView {
    let Given { answers, files } = given;
    let row = |f: &forms::Field, key: &str| {
        let shown = if f.kind == forms::FieldKind::File {
            // The files by their names (the answer holds their ids).
            answers
                .get(key)
                .map(|ids| {
                    ids.split_whitespace()
                        .map(|id| files.get(id).map_or(id, String::as_str))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_else(|| not_given.to_owned())
        } else {
            def.display_value(key, answers, lang.code())
                .unwrap_or_else(|| not_given.to_owned())
        };
        let href = change.filter(|_| f.kind.is_input()).map(|c| c(f, key));
        summary_row(lang, f.label.get(lang.code()).to_owned(), shown, href)
    };
    let mut blocks: Vec<AnyView> = Vec::new();
    let mut list: Vec<AnyView> = Vec::new();
    let flush = |list: &mut Vec<AnyView>, blocks: &mut Vec<AnyView>| {
        if !list.is_empty() {
            let items = std::mem::take(list);
            blocks.push(view! { <dl class="summary">{items}</dl> }.into_any());
        }
    };
    for f in &step.fields {
        if f.kind == forms::FieldKind::Info || !visible(&f.id) {
            continue;
        }
        if f.kind != forms::FieldKind::Group {
            list.push(row(f, &f.id).into_any());
            continue;
        }
        flush(&mut list, &mut blocks);
        let count = answers
            .get(&f.id)
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
            .min(forms::MAX_ROWS as usize);
        blocks.push(view! { <h3>{f.label.get(lang.code()).to_owned()}</h3> }.into_any());
        for r in 0..count {
            let title = (!f.is_single_row()).then(|| view! { <h4>{row_title(lang, f, r)}</h4> });
            let items: Vec<AnyView> = f
                .fields
                .iter()
                .filter(|c| c.kind != forms::FieldKind::Info)
                .map(|c| (c, forms::row_key(&f.id, r, &c.id)))
                .filter(|(_, key)| visible(key))
                .map(|(c, key)| row(c, &key).into_any())
                .collect();
            blocks.push(
                view! {
                    {title}
                    <dl class="summary">{items}</dl>
                }
                .into_any(),
            );
        }
    }
    flush(&mut list, &mut blocks);
    blocks.into_any()
}
