//! One renderer per field type (GOV.UK pattern): label, hint, error message, input, in that
//! order, linked with `aria-describedby`. Values are shown exactly as typed.

use std::collections::BTreeMap;

use forms::{ErrorCode, Field, FieldKind, FormDefinition, Params, ValueFormat, format_eur};
use leptos::either::EitherOf7;
use leptos::prelude::*;

use crate::i18n::{Arg, Lang};

/// The id of the element an error-summary link jumps to.
pub fn anchor(field: &Field) -> String {
    match field.kind {
        FieldKind::Radio => format!("f-{}-0", field.id),
        _ => format!("f-{}", field.id),
    }
}

/// The translated message for one field error.
pub fn message(lang: Lang, def: &FormDefinition, field: &Field, error: &ErrorCode) -> String {
    // A rule brings its own message, in the form's languages.
    if let ErrorCode::Rule { rule } = error {
        return def
            .rule_message(rule, lang.code())
            .map_or_else(|| lang.t("error-rule").to_owned(), str::to_owned);
    }
    // "Required" reads differently for a choice and for a declaration to tick.
    let key = match (error, field.kind) {
        (ErrorCode::Required, FieldKind::Radio | FieldKind::Select) => {
            "error-required-choice".to_owned()
        }
        (ErrorCode::Required, FieldKind::Checkbox) => "error-required-checkbox".to_owned(),
        _ => format!("error-{}", error.code().replace('_', "-")),
    };
    let mut args: Vec<(&'static str, Arg<'_>)> =
        vec![("label", Arg::from(field.label.get(lang.code()).to_owned()))];
    for (name, value) in error.args() {
        // Money bounds are cents: shown as amounts.
        let arg = match field.kind {
            FieldKind::Money => Arg::from(format_eur(value, lang.code())),
            _ => Arg::from(value),
        };
        args.push((name, arg));
    }
    lang.t_args(&key, &args)
}

/// All steps of a form with the values typed so far and the errors found.
pub fn form_fields(
    lang: Lang,
    def: &FormDefinition,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
) -> impl IntoView + use<> {
    let computed = computed_values(lang, def, values);
    def.steps
        .iter()
        .map(|step| {
            let fields = step
                .fields
                .iter()
                .map(|f| {
                    let value = match f.kind {
                        FieldKind::Computed => computed.get(&f.id).cloned(),
                        _ => values.get(&f.id).cloned(),
                    };
                    field(lang, f, value, errors.get(&f.id).cloned())
                })
                .collect_view();
            view! {
                <fieldset class="section">
                    <legend class="section-title">{step.title.get(lang.code()).to_owned()}</legend>
                    {fields}
                </fieldset>
            }
        })
        .collect_view()
}

/// The computed fields' values for the answers typed so far, formatted for display. (With
/// the municipality's own parameters once they are stored; the defaults until then.)
fn computed_values(
    lang: Lang,
    def: &FormDefinition,
    values: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    // A blank form shows "calculated from your answers"; evaluating CEL for nothing would
    // triple the cost of the page.
    if values.is_empty() || !def.fields().any(|f| f.kind == FieldKind::Computed) {
        return BTreeMap::new();
    }
    let posted: Vec<(String, String)> =
        values.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let conditions = def.conditions(&posted, &Params::defaults());
    def.fields()
        .filter(|f| f.kind == FieldKind::Computed)
        .filter_map(|f| {
            let value = conditions.computed(&f.id)?;
            Some(match f.format {
                Some(ValueFormat::Money) => (f.id.clone(), format_eur(value, lang.code())),
                _ => (f.id.clone(), value.to_string()),
            })
        })
        .collect()
}

/// One field. The kinds render as the branches of an `EitherOf7` rather than as type-erased
/// views: erasing turns every attribute into an owned string, which made the form page five
/// times slower than the rest of the layout.
fn field(
    lang: Lang,
    f: &Field,
    value: Option<String>,
    error: Option<String>,
) -> impl IntoView + use<> {
    let id = format!("f-{}", f.id);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let mut described = Vec::new();
    if f.hint.is_some() {
        described.push(hint_id.clone());
    }
    if error.is_some() {
        described.push(error_id.clone());
    }
    let described = (!described.is_empty()).then(|| described.join(" "));
    let label_text = f.label.get(lang.code()).to_owned();
    // All fields of a form stand on one page for now, so a field that depends on other
    // answers says "if applicable" (the server drops it when its condition does not hold).
    let marker = if f.visible_if.is_some() || f.required_if.is_some() {
        Some(lang.t("field-conditional"))
    } else if !f.required && f.kind != FieldKind::Checkbox {
        Some(lang.t("field-optional"))
    } else {
        None
    };
    let optional = marker.map(|m| view! { <span class="optional">" "{m}</span> });
    let hint = f.hint.as_ref().map(
        |h| view! { <div class="hint" id=hint_id.clone()>{h.get(lang.code()).to_owned()}</div> },
    );
    let has_error = error.is_some();
    let error_view = error.map(|e| {
        view! {
            <p class="field-error" id=error_id.clone()>
                <span class="visually-hidden">{lang.t("error-prefix")}" "</span>{e}
            </p>
        }
    });
    let class = if has_error {
        "field field--error"
    } else {
        "field"
    };
    let invalid = has_error.then_some("true");
    let required = f.required.then_some("true");
    let value = value.unwrap_or_default();
    let width = match f.width.as_deref() {
        Some("short") => "input input--short",
        Some("medium") => "input input--medium",
        _ => "input",
    };
    let name = f.id.clone();
    let autocomplete = f.autocomplete.clone();

    match f.kind {
        FieldKind::Info => {
            let text = f.text.as_ref().map(|t| t.get(lang.code()).to_owned());
            EitherOf7::F(view! {
                <div class="info-block">
                    <h3 class="info-title">{label_text}</h3>
                    {text.map(|t| view! { <p>{t}</p> })}
                </div>
            })
        }
        FieldKind::Computed => {
            // Shown, never posted: the server computes it again from the answers.
            let shown = if value.is_empty() {
                lang.t("computed-pending").to_owned()
            } else {
                value
            };
            EitherOf7::G(view! {
                <div class="field computed">
                    <p class="label" id=id.clone()>{label_text}</p>
                    {hint}
                    <p class="computed-value" aria-describedby=described>{shown}</p>
                </div>
            })
        }
        FieldKind::Radio => {
            let options = f
                .options
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let oid = format!("{id}-{i}");
                    let checked = c.value == value;
                    view! {
                        <div class="choice">
                            <input type="radio" id=oid.clone() name=name.clone() value=c.value.clone() checked=checked/>
                            <label for=oid>{c.label.get(lang.code()).to_owned()}</label>
                        </div>
                    }
                })
                .collect_view();
            EitherOf7::A(view! {
                <div class=class>
                    <fieldset class="choices" aria-describedby=described>
                        <legend class="label">{label_text}{optional}</legend>
                        {hint}
                        {error_view}
                        {options}
                    </fieldset>
                </div>
            })
        }
        FieldKind::Checkbox => {
            let checked = matches!(value.as_str(), "true" | "on" | "1" | "yes");
            EitherOf7::B(view! {
                <div class=class>
                    {hint}
                    {error_view}
                    <div class="choice">
                        <input type="checkbox" id=id.clone() name=name value="true" checked=checked
                            aria-describedby=described aria-invalid=invalid aria-required=required/>
                        <label for=id>{label_text}</label>
                    </div>
                </div>
            })
        }
        FieldKind::Select => {
            let options = f
                .options
                .iter()
                .map(|c| {
                    let selected = c.value == value;
                    view! { <option value=c.value.clone() selected=selected>{c.label.get(lang.code()).to_owned()}</option> }
                })
                .collect_view();
            EitherOf7::C(view! {
                <div class=class>
                    <label class="label" for=id.clone()>{label_text}{optional}</label>
                    {hint}
                    {error_view}
                    <select class="select" id=id name=name aria-describedby=described aria-invalid=invalid
                        aria-required=required autocomplete=autocomplete>
                        <option value="">{lang.t("select-choose")}</option>
                        {options}
                    </select>
                </div>
            })
        }
        FieldKind::Textarea => EitherOf7::D(view! {
            <div class=class>
                <label class="label" for=id.clone()>{label_text}{optional}</label>
                {hint}
                {error_view}
                <textarea class="textarea" id=id name=name rows="5" aria-describedby=described
                    aria-invalid=invalid aria-required=required autocomplete=autocomplete>{value}</textarea>
            </div>
        }),
        kind => {
            // Dates and numbers are text inputs: a browser's date or number input would drop
            // a value it cannot parse, and the citizen must see what they typed.
            let (input_type, inputmode) = match kind {
                FieldKind::Email => ("email", None),
                FieldKind::Phone => ("tel", None),
                FieldKind::Number | FieldKind::PostalCode | FieldKind::Date => {
                    ("text", Some("numeric"))
                }
                FieldKind::Money => ("text", Some("decimal")),
                _ => ("text", None),
            };
            let spellcheck = matches!(
                kind,
                FieldKind::Email | FieldKind::Phone | FieldKind::PostalCode
            )
            .then_some("false");
            let class_input = match kind {
                FieldKind::PostalCode | FieldKind::Date | FieldKind::Number | FieldKind::Money => {
                    "input input--short"
                }
                _ => width,
            };
            EitherOf7::E(view! {
                <div class=class>
                    <label class="label" for=id.clone()>{label_text}{optional}</label>
                    {hint}
                    {error_view}
                    <input class=class_input type=input_type id=id name=name value=value inputmode=inputmode
                        spellcheck=spellcheck autocomplete=autocomplete aria-describedby=described
                        aria-invalid=invalid aria-required=required/>
                </div>
            })
        }
    }
}
