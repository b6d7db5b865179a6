//! The admin pages as Leptos views.

use axum::http::StatusCode;
use axum::response::Response;
use forms::{FormDefinition, Problem};
use leptos::prelude::*;
use store::{FormVersion, Tenant, TenantId};

use super::{Admin, FormGroup};
use crate::auth::staff::Staff;
use crate::i18n::{Arg, Lang};
use crate::views;
use crate::web::PageCtx;

/// A clerk (or anyone without an admin role) in the admin area: 403, said plainly, with the
/// way back.
pub fn forbidden(ctx: &PageCtx, staff: &Staff) -> Response {
    let lang = ctx.lang;
    let title = lang.t("admin-forbidden-title");
    let shell = ctx.staff_shell(title.to_owned(), staff);
    views::page(
        &shell,
        StatusCode::FORBIDDEN,
        view! {
            <h1>{title}</h1>
            <p>{lang.t("admin-forbidden-text")}</p>
            <p><a href="/staff/inbox">{lang.t("admin-back-to-inbox")}</a></p>
        },
    )
}

fn tenant_name(tenants: &[Tenant], id: TenantId) -> String {
    tenants
        .iter()
        .find(|t| t.id == id)
        .map_or_else(|| format!("#{}", id.0), |t| t.name.clone())
}

/// What the list says after a publish.
pub struct PublishedNotice {
    pub title: String,
    pub version: i32,
    pub moved: u64,
}

pub fn list(
    ctx: &PageCtx,
    staff: &Staff,
    tenants: &[Tenant],
    admin: &Admin<'_>,
    groups: &[FormGroup],
    published: Option<PublishedNotice>,
) -> Response {
    let lang = ctx.lang;
    let title = lang.t("forms-title");
    let shell = ctx.staff_shell(title.to_owned(), staff);
    let intro = match admin {
        Admin::Federation => lang.t("forms-intro-federation").to_owned(),
        Admin::Tenants(mine) => {
            let names: Vec<&str> = mine.iter().map(|t| t.name.as_str()).collect();
            lang.t_args(
                "forms-intro-tenant",
                &[("municipalities", Arg::from(names.join(", ")))],
            )
        }
    };
    let notice = published.map(|p| {
        let args = [
            ("title", Arg::from(p.title)),
            ("version", Arg::from(p.version)),
            ("moved", Arg::from(p.moved)),
        ];
        let key = if p.moved > 0 {
            "forms-published-moved"
        } else {
            "forms-published-nowhere"
        };
        view! {
            <div class="notice" role="status">
                <p>{lang.t_args(key, &args)}</p>
                <p>{lang.t("forms-published-kept")}</p>
            </div>
        }
    });
    let empty = groups
        .is_empty()
        .then(|| view! { <p>{lang.t("forms-empty")}</p> });
    let groups = groups
        .iter()
        .map(|g| group(lang, tenants, g))
        .collect_view();
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <p><a href="/staff/inbox">{lang.t("admin-back-to-inbox")}</a></p>
            {notice}
            <h1>{title}</h1>
            <p>{intro}</p>
            <p><a class="button" href="/staff/forms/new">{lang.t("forms-new-version")}</a></p>
            {empty}
            {groups}
        },
    )
}

fn group(lang: Lang, tenants: &[Tenant], g: &FormGroup) -> impl IntoView + use<> {
    let label = lang.t_args(
        "forms-versions-of",
        &[
            ("title", Arg::from(g.title.clone())),
            ("key", Arg::from(g.key.clone())),
        ],
    );
    let rows = g
        .versions
        .iter()
        .map(|v| version_row(lang, tenants, &g.key, v))
        .collect_view();
    let region = label.clone();
    let parameters = (!g.parameters_of.is_empty()).then(|| {
        let links = g
            .parameters_of
            .iter()
            .map(|t| {
                let href = format!("/staff/forms/{}/parameters?tenant={}", g.key, t.slug);
                let text = lang.t_args(
                    "forms-parameters-link",
                    &[
                        ("municipality", Arg::from(t.name.clone())),
                        ("title", Arg::from(g.title.clone())),
                    ],
                );
                view! { <li><a href=href>{text}</a></li> }
            })
            .collect_view();
        view! {
            <p>{lang.t("forms-parameters")}</p>
            <ul class="parameter-links">{links}</ul>
        }
    });
    let offer = format!("/staff/forms/{}/offer", g.key);
    let offer_label = lang.t_args("forms-offer-of", &[("title", Arg::from(g.title.clone()))]);
    view! {
        <h2>{g.title.clone()}</h2>
        <p>{lang.t("forms-key")}": "<code>{g.key.clone()}</code></p>
        <p><a href=offer aria-label=offer_label>{lang.t("forms-offer")}</a></p>
        {parameters}
        <div class="table-wrapper" role="region" aria-label=region tabindex="0">
            <table class="form-versions">
                <caption class="visually-hidden">{label}</caption>
                <thead>
                    <tr>
                        <th scope="col">{lang.t("forms-version")}</th>
                        <th scope="col">{lang.t("forms-published-on")}</th>
                        <th scope="col">{lang.t("forms-published-by")}</th>
                        <th scope="col">{lang.t("forms-offered-by")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn version_row(
    lang: Lang,
    tenants: &[Tenant],
    key: &str,
    v: &FormVersion,
) -> impl IntoView + use<> {
    let by = v.owner.map_or_else(
        || lang.t("forms-federation").to_owned(),
        |t| tenant_name(tenants, t),
    );
    let offered = if v.offered_by.is_empty() {
        lang.t("forms-offered-nowhere").to_owned()
    } else {
        v.offered_by
            .iter()
            .map(|o| {
                let name = tenant_name(tenants, o.tenant_id);
                // The service's own name only where it differs from the form's key.
                if o.service_slug == key {
                    name
                } else {
                    format!("{name} ({})", o.service_slug)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <tr>
            <th scope="row">{v.version}</th>
            <td>{views::format_date(lang, v.created_at)}</td>
            <td>{by}</td>
            <td>{offered}</td>
        </tr>
    }
}

/// The upload page's state: the text as posted (always kept), the municipality chosen (by
/// slug, for admins of several), and what checking or publishing found.
pub struct Upload {
    pub text: String,
    pub tenant: String,
    pub outcome: Outcome,
}

pub enum Outcome {
    Blank,
    /// The CSRF token was missing or expired: nothing done, the text kept.
    Expired,
    Missing,
    Problems(Vec<Problem>),
    /// Clean, but not publishable: why, and the field it is about.
    Refused {
        message: String,
        anchor: &'static str,
    },
    Clean {
        definition: Box<FormDefinition>,
        /// The municipality whose services a publish moves; `None`: every municipality's.
        municipality: Option<String>,
    },
}

const DEFINITION: &str = "f-definition";

pub fn upload(
    ctx: &PageCtx,
    staff: &Staff,
    admin: &Admin<'_>,
    status: StatusCode,
    upload: Upload,
) -> Response {
    let lang = ctx.lang;
    let title = lang.t("upload-title");
    let failed = matches!(
        upload.outcome,
        Outcome::Missing | Outcome::Problems(_) | Outcome::Refused { .. }
    );
    let page_title = if failed {
        format!("{}: {title}", lang.t("error-title-prefix"))
    } else {
        title.to_owned()
    };
    let shell = ctx.staff_shell(page_title, staff);
    let token = ctx.csrf.token();

    // The error summary (it takes focus) and the message at the field.
    let (alert, field_error, tenant_error) = match &upload.outcome {
        Outcome::Expired => (
            Some(
                views::notice_alert(
                    lang.t("csrf-expired-title").to_owned(),
                    lang.t("csrf-expired-text").to_owned(),
                )
                .into_any(),
            ),
            None,
            None,
        ),
        Outcome::Missing => {
            let message = lang.t("upload-missing").to_owned();
            (
                Some(
                    views::error_summary(lang, vec![(DEFINITION.to_owned(), message.clone())])
                        .into_any(),
                ),
                Some(message),
                None,
            )
        }
        Outcome::Problems(problems) => (
            Some(problem_summary(lang, problems).into_any()),
            Some(lang.t_args(
                "upload-problems",
                &[("count", Arg::from(problems.len() as u64))],
            )),
            None,
        ),
        Outcome::Refused { message, anchor } => {
            let summary = views::error_summary(lang, vec![((*anchor).to_owned(), message.clone())]);
            if *anchor == DEFINITION {
                (Some(summary.into_any()), Some(message.clone()), None)
            } else {
                (Some(summary.into_any()), None, Some(message.clone()))
            }
        }
        Outcome::Blank | Outcome::Clean { .. } => (None, None, None),
    };

    let tenant_select = match admin {
        Admin::Tenants(mine) if mine.len() > 1 => {
            Some(tenant_select(lang, mine, &upload.tenant, tenant_error))
        }
        _ => None,
    };
    let has_error = field_error.is_some();
    let described = if has_error {
        "f-definition-hint f-definition-error"
    } else {
        "f-definition-hint"
    };
    let field_error = field_error.map(|e| {
        view! {
            <p class="field-error" id="f-definition-error">
                <span class="visually-hidden">{lang.t("error-prefix")}" "</span>{e}
            </p>
        }
    });
    let result = match upload.outcome {
        Outcome::Clean {
            definition,
            municipality,
        } => Some(clean_result(
            lang,
            &definition,
            municipality,
            &upload.text,
            &upload.tenant,
            token.clone(),
        )),
        _ => None,
    };
    views::page(
        &shell,
        status,
        view! {
            <p><a href="/staff/forms">{lang.t("upload-back")}</a></p>
            {alert}
            <h1>{title}</h1>
            <p>{lang.t("upload-intro")}</p>
            // A clean check leads with its result and the publish button; the text stays
            // below, to change and check again.
            {result}
            <form method="post" action="/staff/forms/new" novalidate=true>
                <input type="hidden" name="_csrf" value=token/>
                {tenant_select}
                <div class=if has_error { "field field--error" } else { "field" }>
                    <label class="label" for=DEFINITION>{lang.t("upload-definition")}</label>
                    <div class="hint" id="f-definition-hint">{lang.t("upload-definition-hint")}</div>
                    {field_error}
                    <textarea class="textarea textarea--code" id=DEFINITION name="definition" rows="14" spellcheck="false"
                        autocapitalize="none" aria-describedby=described aria-invalid=has_error.then_some("true")>{upload.text}</textarea>
                </div>
                <button type="submit" class="button button--secondary" name="_action" value="check">{lang.t("upload-check")}</button>
            </form>
        },
    )
}

/// Every problem, each with its path, linking to the text area. The messages come from the
/// `forms` crate, in English.
fn problem_summary(lang: Lang, problems: &[Problem]) -> impl IntoView + use<> {
    let items = problems
        .iter()
        .map(|p| {
            let path = if p.path.is_empty() {
                lang.t("upload-problem-whole").to_owned()
            } else {
                p.path.clone()
            };
            view! {
                <li>
                    <a href=format!("#{DEFINITION}")>
                        <code class="problem-path">{path}</code>": "
                        <span class="problem-message" lang="en">{p.message.clone()}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    let count = lang.t_args(
        "upload-problems",
        &[("count", Arg::from(problems.len() as u64))],
    );
    view! {
        <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus=true>
            <h2 id="error-summary-title">{lang.t("error-summary-title")}</h2>
            <p>{count}</p>
            <ul class="problems">{items}</ul>
        </div>
    }
}

fn tenant_select(
    lang: Lang,
    mine: &[&Tenant],
    chosen: &str,
    error: Option<String>,
) -> impl IntoView + use<> {
    let has_error = error.is_some();
    let options = mine
        .iter()
        .map(|t| {
            let selected = t.slug == chosen;
            view! { <option value=t.slug.clone() selected=selected>{t.name.clone()}</option> }
        })
        .collect_view();
    let error = error.map(|e| {
        view! {
            <p class="field-error" id="f-tenant-error">
                <span class="visually-hidden">{lang.t("error-prefix")}" "</span>{e}
            </p>
        }
    });
    view! {
        <div class=if has_error { "field field--error" } else { "field" }>
            <label class="label" for="f-tenant">{lang.t("upload-municipality")}</label>
            {error}
            <select class="select" id="f-tenant" name="tenant"
                aria-describedby=has_error.then_some("f-tenant-error") aria-invalid=has_error.then_some("true")>
                <option value="">{lang.t("select-choose")}</option>
                {options}
            </select>
        </div>
    }
}

/// The summary of a clean definition and the button that publishes the same text.
fn clean_result(
    lang: Lang,
    def: &FormDefinition,
    municipality: Option<String>,
    text: &str,
    tenant: &str,
    token: String,
) -> impl IntoView + use<> {
    let code = lang.code();
    let fields = def
        .all_fields()
        .filter(|f| f.kind != forms::FieldKind::Group)
        .count() as u64;
    let steps = def
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            view! {
                <tr>
                    <td>{i + 1}". "{s.title.get(code).to_owned()}</td>
                    <td>{s.fields.len()}</td>
                </tr>
            }
        })
        .collect_view();
    let effect = match municipality {
        None => lang.t("upload-effect-federation").to_owned(),
        Some(name) => lang.t_args("upload-effect-tenant", &[("municipality", Arg::from(name))]),
    };
    let row = |label: &'static str, value: String| {
        view! { <div class="summary-row"><dt>{lang.t(label)}</dt><dd>{value}</dd></div> }
    };
    view! {
        <section aria-labelledby="check-result-title">
            <h2 id="check-result-title">{lang.t("upload-clean-title")}</h2>
            <dl class="summary upload-summary">
                {row("upload-summary-title", def.title.get(code).to_owned())}
                {row("upload-summary-key", def.id.clone())}
                {row("upload-summary-version", def.version.to_string())}
                {row("upload-summary-steps", def.steps.len().to_string())}
                {row("upload-summary-fields", fields.to_string())}
            </dl>
            <table class="upload-steps">
                <caption>{lang.t("upload-steps-caption")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{lang.t("upload-step")}</th>
                        <th scope="col">{lang.t("upload-step-fields")}</th>
                    </tr>
                </thead>
                <tbody>{steps}</tbody>
            </table>
            <p>{effect}</p>
            <p>{lang.t("upload-effect-kept")}</p>
            <form method="post" action="/staff/forms/new" class="publish-form">
                <input type="hidden" name="_csrf" value=token/>
                <input type="hidden" name="definition" value=text.to_owned()/>
                <input type="hidden" name="tenant" value=tenant.to_owned()/>
                <button type="submit" class="button" name="_action" value="publish">{lang.t("upload-publish")}</button>
            </form>
        </section>
    }
}

/// A municipality's own values for a form's parameters.
pub fn parameters(
    ctx: &PageCtx,
    staff: &Staff,
    status: StatusCode,
    page: super::parameters::ParamsPage<'_>,
) -> Response {
    use super::parameters::Notice;
    let lang = ctx.lang;
    let code = lang.code();
    let form_title = page.form.title.get(code).to_owned();
    let title = lang.t_args(
        "params-title",
        &[
            ("title", Arg::from(form_title.clone())),
            ("municipality", Arg::from(page.tenant.name.clone())),
        ],
    );
    let page_title = if page.errors.is_empty() {
        title.clone()
    } else {
        format!("{}: {title}", lang.t("error-title-prefix"))
    };
    let shell = ctx.staff_shell(page_title, staff);
    let token = ctx.csrf.token();
    let alert = if !page.errors.is_empty() {
        let summary = page
            .errors
            .iter()
            .filter_map(|(id, message)| {
                let field = page.inputs.field(id)?;
                Some((views::fields::anchor(field, id), message.clone()))
            })
            .collect();
        Some(views::error_summary(lang, summary).into_any())
    } else {
        match page.notice {
            Some(Notice::TokenExpired) => Some(
                views::notice_alert(
                    lang.t("csrf-expired-title").to_owned(),
                    lang.t("csrf-expired-text").to_owned(),
                )
                .into_any(),
            ),
            Some(Notice::Saved) => Some(
                view! {
                    <div class="notice" role="status">
                        <p>{lang.t("params-saved")}</p>
                    </div>
                }
                .into_any(),
            ),
            None => None,
        }
    };
    let fields = page
        .inputs
        .fields()
        .map(|f| {
            let error = page
                .errors
                .iter()
                .find(|(id, _)| *id == f.id)
                .map(|(_, m)| m.clone());
            views::fields::field(lang, f, &f.id, page.values.get(&f.id).cloned(), error)
        })
        .collect_view();
    let none = page.form.parameters.is_empty();
    let action = format!(
        "/staff/forms/{}/parameters?tenant={}",
        page.form.id, page.tenant.slug
    );
    let form = (!none).then(|| {
        view! {
            <form method="post" action=action novalidate=true>
                <input type="hidden" name="_csrf" value=token/>
                {fields}
                <button type="submit" class="button">{lang.t("params-save")}</button>
            </form>
        }
    });
    let empty = none.then(|| view! { <p>{lang.t("params-none")}</p> });
    let version = format!("{} v{}", page.form.id, page.form.version);
    views::page(
        &shell,
        status,
        view! {
            <p><a href="/staff/forms">{lang.t("upload-back")}</a></p>
            {alert}
            <p class="caption">{page.tenant.name.clone()}" · "{form_title}</p>
            <h1>{title}</h1>
            <p>{lang.t_args("params-intro", &[("version", Arg::from(version))])}</p>
            <p>{lang.t("params-empty-default")}</p>
            {form}
            {empty}
        },
    )
}
