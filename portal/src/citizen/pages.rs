//! The citizen pages as Leptos views.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use forms::{Fee, FieldError, Journey, TrustLevel, format_eur};
use leptos::prelude::*;
use store::{Case, Tenant};

use crate::i18n::{Arg, Lang};
use crate::state::{BlankStart, Catalogue, Offering};
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

/// The fee as the service page states it, at this municipality's rate.
fn fee_text(lang: Lang, offering: &Offering) -> String {
    let fee = &offering.form.fee;
    let rate = fee
        .unit_cents(&offering.form.resolve_params(&offering.params))
        .unwrap_or_default();
    match fee {
        Fee::None { .. } => lang.t("fee-none").to_owned(),
        Fee::Fixed { .. } => lang.t_args(
            "fee-fixed",
            &[("amount", Arg::from(format_eur(rate, lang.code())))],
        ),
        Fee::PerUnit { unit, .. } => lang.t_args(
            "fee-per-unit",
            &[
                ("amount", Arg::from(format_eur(rate, lang.code()))),
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

/// What a service needs of the citizen's login, and what the visitor has.
#[derive(Clone, Copy, Debug)]
pub struct LoginNeed {
    /// The service's trust level (the form's, or as the municipality raised it).
    pub level: TrustLevel,
    /// This installation offers citizen login.
    pub available: bool,
    /// The visitor's login reaches the level (always true for `none`).
    pub reached: bool,
}

pub fn service(ctx: &PageCtx, tenant: &Tenant, offering: &Offering, login: LoginNeed) -> Response {
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
    // A real installation never takes an application that needs a login without one.
    let startable = login.level == TrustLevel::None || login.available;
    let login_note = (login.level != TrustLevel::None && !login.available)
        .then(|| view! { <div class="notice"><p>{lang.t("trust-login-unavailable")}</p></div> });
    let start_label = if login.reached {
        lang.t("service-start")
    } else {
        lang.t("service-start-login")
    };
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
            <p>{fee_text(lang, offering)}</p>
            {fee_note}
            <h2>{lang.t("service-login")}</h2>
            <p>{trust_text(lang, login.level)}</p>
            {login_note}
            {startable.then(|| view! {
                <p><a class="button button--start" href=start>{start_label}</a></p>
            })}
        },
    )
}

/// What a step page says above the form, besides field errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The CSRF token was missing or expired: send again, nothing is lost.
    TokenExpired,
}

/// One step as last posted or saved: values exactly as typed, errors in form order.
pub struct StepPage {
    pub status: StatusCode,
    /// Index of the step in the definition.
    pub step: usize,
    /// Where the page posts to.
    pub action: String,
    /// Where "back" leads without JavaScript (the previous step, or the service page).
    pub back: String,
    pub values: BTreeMap<String, String>,
    pub errors: Vec<FieldError>,
    pub notice: Option<Notice>,
    /// Came from a change link on the check page: continue goes back there.
    pub return_to_check: bool,
    /// The names of the files uploaded so far, by attachment id.
    pub files: BTreeMap<String, String>,
    /// Fields prefilled from a login at level substantial or above: shown read-only.
    pub locked: std::collections::BTreeSet<String>,
}

/// The messages of a page's errors: per field, and as the summary's links.
fn error_messages(
    lang: Lang,
    def: &forms::FormDefinition,
    errors: &[FieldError],
) -> (BTreeMap<String, String>, Vec<(String, String)>) {
    let mut messages = BTreeMap::new();
    let mut summary = Vec::new();
    for e in errors {
        if let Some(field) =
            def.field(forms::split_row_key(&e.field).map_or(&e.field, |(_, _, f)| f))
        {
            let m = fields::message(lang, def, field, &e.error);
            // In the summary, a row's field says which row: "Hund 2: Bitte geben Sie ... an."
            let in_summary = match forms::split_row_key(&e.field)
                .and_then(|(g, row, _)| Some((def.field(g)?, row)))
            {
                Some((group, row)) => format!("{}: {m}", views::row_title(lang, group, row)),
                None => m.clone(),
            };
            summary.push((fields::anchor(field, &e.field), in_summary));
            messages.insert(e.field.clone(), m);
        }
    }
    (messages, summary)
}

/// Which fields a step page shows, and where the step stands in the journey.
pub struct StepView<'a> {
    pub shown: Vec<&'a forms::Field>,
    /// The rows of the shown groups, each with the fields it shows.
    pub rows: views::GroupRows<'a>,
    pub progress: forms::Progress,
    /// The computed values the journey's logic came to (empty for a blank form).
    pub computed: BTreeMap<String, i64>,
}

/// What an offering keeps of the first page of a blank application: the journey's view of its
/// first step, with the fields as indexes (into the step's fields, and into each group's).
pub fn blank_start_of(form: &forms::FormDefinition, journey: &Journey<'_>) -> BlankStart {
    let step = journey.first_step();
    let view = StepView::of(journey, step);
    let position = |fields: &[forms::Field], field: &forms::Field| {
        fields.iter().position(|f| f.id == field.id)
    };
    let step_fields = form.steps.get(step).map_or(&[][..], |s| &s.fields[..]);
    let rows = view
        .shown
        .iter()
        .filter_map(|group| {
            let rows = view.rows.get(&group.id)?;
            let rows = rows
                .iter()
                .map(|row| {
                    row.iter()
                        .filter_map(|c| position(&group.fields, c))
                        .collect()
                })
                .collect();
            Some((group.id.clone(), rows))
        })
        .collect();
    BlankStart {
        step,
        fields: view
            .shown
            .iter()
            .filter_map(|f| position(step_fields, f))
            .collect(),
        rows,
        computed: view.computed,
        progress: view.progress,
    }
}

impl<'a> StepView<'a> {
    /// The first page of a blank application, from what the offering keeps of it.
    pub fn blank(form: &'a forms::FormDefinition, blank: &BlankStart) -> Self {
        let Some(fields) = form.steps.get(blank.step).map(|s| &s.fields) else {
            return Self {
                shown: Vec::new(),
                rows: BTreeMap::new(),
                progress: blank.progress,
                computed: blank.computed.clone(),
            };
        };
        let shown: Vec<&forms::Field> =
            blank.fields.iter().filter_map(|&i| fields.get(i)).collect();
        let rows = shown
            .iter()
            .filter_map(|group| {
                let rows = blank.rows.get(&group.id)?;
                let rows = rows
                    .iter()
                    .map(|row| row.iter().filter_map(|&i| group.fields.get(i)).collect())
                    .collect();
                Some((group.id.clone(), rows))
            })
            .collect();
        Self {
            shown,
            rows,
            progress: blank.progress,
            computed: blank.computed.clone(),
        }
    }

    /// Everything from the journey's one evaluation of the form's logic.
    pub fn of(journey: &'a Journey<'_>, step: usize) -> Self {
        let shown = journey.fields_on_page(step);
        let rows = shown
            .iter()
            .filter(|f| f.kind == forms::FieldKind::Group)
            .map(|group| {
                let rows = (0..journey.rows(&group.id))
                    .map(|row| {
                        group
                            .fields
                            .iter()
                            .filter(|c| journey.shows_in_row(step, group, row, c))
                            .collect()
                    })
                    .collect();
                (group.id.clone(), rows)
            })
            .collect();
        Self {
            shown,
            rows,
            progress: journey.progress(step),
            computed: journey.conditions().computed_values().clone(),
        }
    }
}

pub fn step(
    ctx: &PageCtx,
    tenant: &Tenant,
    offering: &Offering,
    view: StepView<'_>,
    state: StepPage,
) -> Response {
    let lang = ctx.lang;
    let def = &offering.form;
    let title = def.title.get(lang.code()).to_owned();
    let Some(current) = def.steps.get(state.step) else {
        return crate::error::ErrorPage::NotFound.into_response();
    };
    let step_title = current.title.get(lang.code()).to_owned();
    let (messages, summary) = error_messages(lang, def, &state.errors);
    let progress = view.progress;
    let page_title = if summary.is_empty() {
        format!("{step_title} – {title}")
    } else {
        format!("{}: {step_title} – {title}", lang.t("error-title-prefix"))
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
        None => None,
    };
    let counter = lang.step_of(progress.number, progress.total);
    let shown = &view.shown;
    let has_groups = !view.rows.is_empty();
    let enctype = shown
        .iter()
        .any(|f| f.kind == forms::FieldKind::File)
        .then_some("multipart/form-data");
    let token = ctx.csrf.token();
    let back = state.back.clone();
    let continue_label = if state.return_to_check {
        lang.t("journey-continue-check")
    } else {
        lang.t("journey-continue")
    };
    views::page(
        &shell,
        state.status,
        view! {
            <p class="back-link-row"><a class="back-link" href=back>{lang.t("journey-back")}</a></p>
            {alert}
            <p class="caption">{tenant.name.clone()}" · "{title}</p>
            <p class="step-counter">{counter}</p>
            <h1>{step_title}</h1>
            <p>{lang.t("form-intro")}</p>
            <form method="post" action=state.action novalidate=true enctype=enctype>
                <input type="hidden" name="_csrf" value=token/>
                {state.return_to_check.then(|| view! { <input type="hidden" name="_return" value="check"/> })}
                {has_groups.then(|| view! {
                    // Enter in a field continues, as on every other page, rather than pressing
                    // the first "remove" button of a group: the first submit button is the default.
                    <button type="submit" name="_action" value="next" class="visually-hidden"
                        tabindex="-1" aria-hidden="true">{continue_label}</button>
                })}
                {views::step_fields(lang, shown, &view.rows, &view.computed, &state.values, &messages, &state.files, &state.locked)}
                <div class="button-group">
                    <button type="submit" name="_action" value="next" class="button">{continue_label}</button>
                    <button type="submit" name="_action" value="save" class="button button--secondary">
                        {lang.t("form-save")}
                    </button>
                </div>
                <p><button type="submit" name="_action" value="back" class="button-link">{lang.t("journey-back-keep")}</button></p>
            </form>
        },
    )
}

/// The check page: what failed when the citizen pressed "submit".
#[derive(Clone, Copy, Debug)]
pub struct CheckState {
    pub status: StatusCode,
    pub token_expired: bool,
    pub declaration_missing: bool,
    /// The box as last posted.
    pub declared: bool,
    /// Why the fee stops the submission (a text key), if it does.
    pub fee_problem: Option<&'static str>,
}

impl Default for CheckState {
    fn default() -> Self {
        Self {
            status: StatusCode::OK,
            token_expired: false,
            declaration_missing: false,
            declared: false,
            fee_problem: None,
        }
    }
}

/// Check your answers: every visible step with its answers and a change link for each, then
/// the declaration and the submit button.
#[allow(clippy::too_many_arguments)]
pub fn check(
    ctx: &PageCtx,
    tenant: &Tenant,
    offering: &Offering,
    journey: &Journey<'_>,
    given: views::Given<'_>,
    draft: uuid::Uuid,
    due: Option<&store::CaseFee>,
    state: CheckState,
) -> Response {
    let lang = ctx.lang;
    let def = &offering.form;
    let title = lang.t("check-title");
    let shell = ctx.tenant_shell(
        if state.declaration_missing {
            format!("{}: {title}", lang.t("error-title-prefix"))
        } else {
            title.to_owned()
        },
        tenant,
    );
    let declaration_text = def.declaration.as_ref().map_or_else(
        || lang.t("check-declaration-default").to_owned(),
        |d| d.get(lang.code()).to_owned(),
    );
    let declaration_error = lang.t("check-declaration-missing");
    let alert = if let Some(problem) = state.fee_problem {
        Some(
            views::notice_alert(
                lang.t("check-fee-problem-title").to_owned(),
                lang.t(problem).to_owned(),
            )
            .into_any(),
        )
    } else if state.token_expired {
        Some(
            views::notice_alert(
                lang.t("csrf-expired-title").to_owned(),
                lang.t("csrf-expired-text").to_owned(),
            )
            .into_any(),
        )
    } else if state.declaration_missing {
        Some(
            views::error_summary(
                lang,
                vec![("f-_declaration".to_owned(), declaration_error.to_owned())],
            )
            .into_any(),
        )
    } else {
        None
    };
    let steps = journey
        .visible_steps()
        .into_iter()
        .filter_map(|i| def.steps.get(i).map(|s| (i, s)))
        .map(|(i, step)| {
            let visible = |key: &str| journey.conditions().is_field_visible(key);
            let change = |f: &forms::Field, key: &str| {
                format!(
                    "/{}/applications/{draft}/steps/{}?return=check#{}",
                    tenant.slug,
                    i + 1,
                    fields::anchor(f, key)
                )
            };
            let rows = views::answer_summary(
                lang,
                def,
                step,
                given,
                &visible,
                Some(&change),
                lang.t("check-not-given"),
            );
            view! {
                <h2>{step.title.get(lang.code()).to_owned()}</h2>
                {rows}
            }
        })
        .collect_view();
    // The amount the server computed from these answers and this municipality's rates.
    let fee = match due {
        Some(due) => {
            let lines = due
                .items
                .iter()
                .filter(|i| i.quantity != 1)
                .map(|i| {
                    format!(
                        " ({} × {})",
                        i.quantity,
                        format_eur(i.unit_amount.0, lang.code())
                    )
                })
                .collect::<String>();
            let next = if due.pay_later {
                lang.t("check-fee-later")
            } else {
                lang.t("check-fee-next")
            };
            view! {
                <p class="fee-due"><strong>{lang.t_args("check-fee-due", &[("amount", Arg::from(format_eur(due.amount.0, lang.code())))])}</strong>{lines}</p>
                <p>{next}</p>
            }
            .into_any()
        }
        None => view! { <p>{fee_text(lang, offering)}</p> }.into_any(),
    };
    let action = format!("/{}/applications/{draft}/check", tenant.slug);
    let token = ctx.csrf.token();
    let error = state.declaration_missing.then(|| {
        view! { <p class="field-error" id="f-_declaration-error"><span class="visually-hidden">{lang.t("error-prefix")}" "</span>{declaration_error}</p> }
    });
    let group_class = if state.declaration_missing {
        "field field--error"
    } else {
        "field"
    };
    let described = state.declaration_missing.then_some("f-_declaration-error");
    views::page(
        &shell,
        state.status,
        view! {
            {alert}
            <p class="caption">{tenant.name.clone()}" · "{def.title.get(lang.code()).to_owned()}</p>
            <h1>{title}</h1>
            <p>{lang.t("check-intro")}</p>
            {steps}
            <h2>{lang.t("service-fee")}</h2>
            {fee}
            <h2>{lang.t("check-declaration-title")}</h2>
            <form method="post" action=action novalidate=true>
                <input type="hidden" name="_csrf" value=token/>
                <div class=group_class>
                    {error}
                    <div class="choice">
                        <input type="checkbox" id="f-_declaration" name="_declaration" value="yes" checked=state.declared aria-describedby=described/>
                        <label for="f-_declaration">{declaration_text}</label>
                    </div>
                </div>
                <div class="button-group">
                    <button type="submit" class="button">{lang.t("form-submit")}</button>
                </div>
            </form>
        },
    )
}

/// The fee of a submitted case, for the confirmation page.
#[derive(Clone, Copy, Debug)]
pub enum FeeState {
    None,
    /// Paid (cents): the receipt can be downloaded.
    Paid(i64),
    /// Still open (cents), submitted to pay later.
    Open(i64),
}

pub fn confirmation(
    ctx: &PageCtx,
    tenant: &Tenant,
    offering: Option<&Offering>,
    case: &Case,
    fee: FeeState,
) -> Response {
    let lang = ctx.lang;
    let base = format!("/{}/cases/{}", tenant.slug, case.id);
    let fee = match fee {
        FeeState::None => None,
        FeeState::Paid(cents) => Some(
            view! {
                <p>{lang.t_args("confirmation-paid", &[("amount", Arg::from(format_eur(cents, lang.code())))])}</p>
                <p><a href=format!("{base}/receipt.pdf") download="">{lang.t("receipt-download")}</a></p>
            }
            .into_any(),
        ),
        FeeState::Open(cents) => Some(
            view! {
                <p>{lang.t_args("confirmation-fee-open", &[("amount", Arg::from(format_eur(cents, lang.code())))])}</p>
                <p><a class="button" href=format!("{base}/payment")>{lang.t("confirmation-pay-now")}</a></p>
            }
            .into_any(),
        ),
    };
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
            {fee}
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
    link: Option<&str>,
    continue_at: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> Response {
    let lang = ctx.lang;
    let shell = ctx.tenant_shell(lang.t("draft-saved-title").to_owned(), tenant);
    let until = lang.t_args(
        "draft-saved-until",
        &[("date", Arg::from(views::format_date(lang, expires_at)))],
    );
    // A logged-in citizen finds the draft in "Meine Anträge"; anyone else gets the link.
    let how = match link {
        Some(link) => view! {
            <p>{lang.t("draft-saved-text")}</p>
            <p class="resume-link"><a href=link.to_owned()>{link.to_owned()}</a></p>
            <p>{until}</p>
            <p class="warning-text"><strong>{lang.t("draft-saved-warning")}</strong></p>
        }
        .into_any(),
        None => view! {
            <p>{lang.t("draft-saved-mine")}" "<a href="/my-applications">{lang.t("mine-title")}</a></p>
            <p>{until}</p>
        }
        .into_any(),
    };
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <div class="panel panel--info" role="status">
                <h1>{lang.t("draft-saved-title")}</h1>
                <p>{offering.form.title.get(lang.code()).to_owned()}</p>
            </div>
            {how}
            <p><a href=continue_at.to_owned()>{lang.t("draft-saved-continue")}</a></p>
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

/// A draft URL this browser does not own, or a draft that is gone (submitted, expired, or
/// opened in another browser with its resume link): a clear page, not an error.
pub fn draft_unknown(ctx: &PageCtx, tenant: &Tenant) -> Response {
    draft_unknown_or_login(ctx, tenant, None)
}

/// [`draft_unknown`]; for a visitor who is not logged in, with the way to log in (`login`): a
/// draft begun logged in opens only for that login.
pub fn draft_unknown_or_login(ctx: &PageCtx, tenant: &Tenant, login: Option<String>) -> Response {
    let lang = ctx.lang;
    let shell = ctx.tenant_shell(lang.t("draft-unknown-title").to_owned(), tenant);
    let login = login.map(|href| {
        view! {
            <p>{lang.t("draft-unknown-login")}</p>
            <p><a class="button" href=href>{lang.t("login-again")}</a></p>
        }
    });
    views::page(
        &shell,
        StatusCode::NOT_FOUND,
        view! {
            <h1>{lang.t("draft-unknown-title")}</h1>
            <p>{lang.t("draft-unknown-text")}</p>
            {login}
            <p><a href=format!("/{}/", tenant.slug)>{lang.t("confirmation-back")}</a></p>
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ids(fields: &[&forms::Field]) -> Vec<String> {
        fields.iter().map(|f| f.id.clone()).collect()
    }

    /// The form page of a blank application is built from what the offering keeps of its
    /// logic; it must show exactly what a fresh evaluation shows, rows of groups included.
    #[test]
    fn a_blank_first_page_shows_what_the_forms_logic_shows() {
        for json in [
            include_str!("../../demo/forms/hundesteuer-anmeldung.json"),
            include_str!("../../demo/forms/gewerbeanmeldung.json"),
            include_str!("../../demo/forms/grabnutzungsrecht-verlaengerung.json"),
        ] {
            let form = std::sync::Arc::new(forms::FormDefinition::from_json(json).unwrap());
            let service = store::Service {
                id: store::ServiceId(1),
                tenant_id: store::TenantId(1),
                slug: "s".to_owned(),
                form_id: store::FormId(1),
            };
            let offering = Offering::new(service, form.clone(), forms::Params::defaults());
            let typed = forms::Typed::new();
            let journey = form.journey(&typed, &offering.params);
            let step = journey.first_step();
            let fresh = StepView::of(&journey, step);
            let blank = offering.blank_start();
            let kept = StepView::blank(&form, blank);
            assert_eq!(blank.step, step, "{}", form.id);
            assert_eq!(ids(&kept.shown), ids(&fresh.shown), "{}", form.id);
            let rows = |v: &StepView| -> Vec<(String, Vec<Vec<String>>)> {
                v.rows
                    .iter()
                    .map(|(g, rows)| (g.clone(), rows.iter().map(|r| ids(r.as_slice())).collect()))
                    .collect()
            };
            assert_eq!(rows(&kept), rows(&fresh), "{}", form.id);
            assert_eq!(kept.progress, fresh.progress);
            assert_eq!(kept.computed, fresh.computed);
        }
    }
}
