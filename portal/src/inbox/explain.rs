//! The explain view of a case: every condition, rule and computed value of the case's own form
//! version with its path, expression and value for the case's answers, so that a clerk can see
//! why a field was shown, required or computed as it was.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use forms::{Answers, FormDefinition, Outcome, Params, ValueFormat, format_eur};
use leptos::prelude::*;
use store::{Case, Tenant};

use crate::auth::staff::Staff;
use crate::i18n::{Arg, Lang};
use crate::views;
use crate::web::PageCtx;

pub fn page(
    ctx: &PageCtx,
    staff: &Staff,
    tenant: &Tenant,
    form: &FormDefinition,
    params: &Params,
    case: &Case,
) -> Response {
    let lang = ctx.lang;
    let title = format!("{} – {}", lang.t("explain-title"), case.reference);
    let shell = ctx.staff_shell(title.clone(), staff);
    let answers: Answers = serde_json::from_value(case.answers.clone()).unwrap_or_default();
    // The municipality's parameter values as they are now (a rate changed since the case
    // was filed shows its new value here; the case's answers keep the amount computed then).
    let explanations = form.explain(&answers, params);
    let meanings = meanings(lang, form);
    let caption = lang.t_args(
        "explain-caption",
        &[("reference", Arg::from(case.reference.clone()))],
    );
    let rows = explanations
        .into_iter()
        .map(|e| {
            // A row's line: `steps[1].fields[0].fields[7].visible_if (row 2)`.
            let (base, row) = match e.path.split_once(" (row ") {
                Some((base, row)) => (base, row.strip_suffix(')')),
                None => (e.path.as_str(), None),
            };
            let site = meanings.get(base);
            let meaning = site
                .map(|(key, label, _)| {
                    let label = match row {
                        Some(row) => label.replace("{row}", row),
                        None => label.clone(),
                    };
                    lang.t_args(key, &[("label", Arg::from(label))])
                })
                .unwrap_or_default();
            let money = site.is_some_and(|(_, _, money)| *money);
            view! {
                <tr>
                    <td><code>{e.path}</code></td>
                    <td>{meaning}</td>
                    <td><code>{e.expression}</code></td>
                    <td>{outcome(lang, e.outcome, money)}</td>
                </tr>
            }
        })
        .collect_view();
    let table = form.has_logic().then(|| {
        view! {
            <div class="table-wrapper" role="region" aria-label=caption.clone() tabindex="0">
                <table class="explain">
                    <caption class="visually-hidden">{caption.clone()}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{lang.t("explain-where")}</th>
                            <th scope="col">{lang.t("explain-what")}</th>
                            <th scope="col">{lang.t("explain-expression")}</th>
                            <th scope="col">{lang.t("explain-value")}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });
    let none = (!form.has_logic()).then(|| view! { <p>{lang.t("explain-none")}</p> });
    let version = format!("{} v{}", form.id, form.version);
    views::page(
        &shell,
        StatusCode::OK,
        view! {
            <p><a href=format!("/staff/cases/{}", case.id)>{lang.t("explain-back")}</a></p>
            <h1>{title}</h1>
            <dl class="summary case-meta">
                <div class="summary-row"><dt>{lang.t("case-municipality")}</dt><dd>{tenant.name.clone()}</dd></div>
                <div class="summary-row"><dt>{lang.t("case-form-version")}</dt><dd>{version.clone()}</dd></div>
            </dl>
            <p>{lang.t_args("explain-intro", &[("version", Arg::from(version))])}</p>
            <p>{lang.t("explain-params")}</p>
            {table}
            {none}
        },
    )
}

fn outcome(lang: Lang, outcome: Outcome, money: bool) -> impl IntoView + use<> {
    match outcome {
        Outcome::Bool(b) => lang
            .t(if b { "explain-true" } else { "explain-false" })
            .to_owned()
            .into_any(),
        // A money value is cents: the amount beside it.
        Outcome::Int(n) if money => format!("{n} ({})", format_eur(n, lang.code())).into_any(),
        Outcome::Int(n) => n.to_string().into_any(),
        // The engine's message is English.
        Outcome::Error(message) => view! {
            <strong>{lang.t("explain-error")}</strong>" "<span lang="en">{message}</span>
        }
        .into_any(),
    }
}

/// What each expression decides (a Fluent key, the label it names, and whether its value is
/// money), by its path (the paths `FormDefinition::explain` gives: `steps[1].visible_if`,
/// `steps[1].fields[3].required_if`, `rules[0].check`, ...).
fn meanings(lang: Lang, form: &FormDefinition) -> HashMap<String, (&'static str, String, bool)> {
    let code = lang.code();
    let mut out = HashMap::new();
    for (si, step) in form.steps.iter().enumerate() {
        let title = step.title.get(code).to_owned();
        out.insert(
            format!("steps[{si}].visible_if"),
            ("explain-step-visible", title, false),
        );
        for (fi, field) in step.fields.iter().enumerate() {
            let label = field.label.get(code);
            let money = field.format == Some(ValueFormat::Money);
            for (part, key, is_money) in [
                ("visible_if", "explain-field-visible", false),
                ("required_if", "explain-field-required", false),
                ("value", "explain-field-value", money),
            ] {
                out.insert(
                    format!("steps[{si}].fields[{fi}].{part}"),
                    (key, label.to_owned(), is_money),
                );
            }
            // The fields of a group, per row: "Hund 2: Nachweise ..." (`{row}` is filled in
            // with the row's number).
            let row_label = field.row_label.as_ref().map_or_else(
                || lang.t("group-row").to_owned(),
                |l| l.get(code).to_owned(),
            );
            for (ci, child) in field.fields.iter().enumerate() {
                let label = format!("{row_label} {{row}}: {}", child.label.get(code));
                let money = child.format == Some(ValueFormat::Money);
                for (part, key, is_money) in [
                    ("visible_if", "explain-field-visible", false),
                    ("required_if", "explain-field-required", false),
                    ("value", "explain-field-value", money),
                ] {
                    out.insert(
                        format!("steps[{si}].fields[{fi}].fields[{ci}].{part}"),
                        (key, label.clone(), is_money),
                    );
                }
            }
        }
    }
    for (ri, rule) in form.rules.iter().enumerate() {
        out.insert(
            format!("rules[{ri}].check"),
            ("explain-rule", rule.id.clone(), false),
        );
    }
    out
}
