//! One renderer per field type (GOV.UK pattern): label, hint, error message, input, in that
//! order, linked with `aria-describedby`. Values are shown exactly as typed.

use forms::{ErrorCode, Field, FieldKind, FormDefinition, format_eur};
use leptos::either::EitherOf8;
use leptos::prelude::*;

use crate::i18n::{Arg, Lang};

/// The id of the element an error-summary link jumps to, for the answer under `key` (the
/// field's id, or its row key in a group).
pub fn anchor(field: &Field, key: &str) -> String {
    match field.kind {
        FieldKind::Radio | FieldKind::YesNo | FieldKind::Checkboxes => choice_id(&dom_id(key), 0),
        _ => dom_id(key),
    }
}

/// The element id of an answer's input: `f-` and the key, a row key's dots as hyphens
/// (`f-hunde-0-rasse`), so that it needs no escaping in a CSS selector. Field ids have no
/// hyphens, so no two keys meet.
pub fn dom_id(key: &str) -> String {
    // Built by hand rather than with `format!`: a page builds a few of these per field.
    let mut id = String::with_capacity(key.len() + 2);
    id.push_str("f-");
    if key.contains('.') {
        id.extend(key.chars().map(|c| if c == '.' { '-' } else { c }));
    } else {
        id.push_str(key);
    }
    id
}

/// The id of a choice's input: the answer's id and the choice's position (`f-art-0`).
pub fn choice_id(id: &str, i: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(id.len() + 4);
    out.push_str(id);
    out.push('-');
    let _ = write!(out, "{i}");
    out
}

/// The translated message for one field error.
pub fn message(lang: Lang, def: &FormDefinition, field: &Field, error: &ErrorCode) -> String {
    // A rule brings its own message, in the form's languages.
    if let ErrorCode::Rule { rule } = error {
        return def
            .rule_message(rule, lang.code())
            .map_or_else(|| lang.t("error-rule").to_owned(), str::to_owned);
    }
    // "Required" reads differently for a choice, a declaration and a consent to tick.
    let key = match (error, field.kind) {
        (ErrorCode::Required, FieldKind::Radio | FieldKind::Select | FieldKind::YesNo) => {
            "error-required-choice".to_owned()
        }
        (ErrorCode::Required, FieldKind::Checkbox) => "error-required-checkbox".to_owned(),
        (ErrorCode::Required, FieldKind::Consent) => "error-required-consent".to_owned(),
        _ => format!("error-{}", error.code().replace('_', "-")),
    };
    let mut args: Vec<(&'static str, Arg<'_>)> =
        vec![("label", Arg::from(field.label.get(lang.code()).to_owned()))];
    for (name, value) in error.text_args() {
        args.push((name, Arg::from(value.to_owned())));
    }
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

/// The ids an answer's elements share, the `aria-describedby` list that links hint and error
/// to the input, and the marker after the label.
struct Frame {
    id: String,
    hint_id: String,
    error_id: String,
    described: Option<String>,
    marker: Option<&'static str>,
}

fn frame(lang: Lang, f: &Field, key: &str, has_error: bool) -> Frame {
    let id = dom_id(key);
    let hint_id = [id.as_str(), "-hint"].concat();
    let error_id = [id.as_str(), "-error"].concat();
    let described = match (f.hint.is_some(), has_error) {
        (true, true) => Some([hint_id.as_str(), " ", error_id.as_str()].concat()),
        (true, false) => Some(hint_id.clone()),
        (false, true) => Some(error_id.clone()),
        (false, false) => None,
    };
    // A field that depends on other answers says "if applicable" (the server drops it when
    // its condition does not hold); an optional one says so, except a lone tick box.
    let marker = if f.visible_if.is_some() || f.required_if.is_some() {
        Some(lang.t("field-conditional"))
    } else if !f.required && f.kind != FieldKind::Checkbox {
        Some(lang.t("field-optional"))
    } else {
        None
    };
    Frame {
        id,
        hint_id,
        error_id,
        described,
        marker,
    }
}

/// A field's error message, with "Fehler:" for screen readers, under its id for
/// `aria-describedby`.
fn error_message(lang: Lang, id: String, message: String) -> impl IntoView + use<> {
    view! {
        <p class="field-error" id=id>
            <span class="visually-hidden">{lang.t("error-prefix")}" "</span>{message}
        </p>
    }
}

/// A checkbox list: a fieldset with the question as its legend and one tick box per option,
/// each posting the field's key with its value.
pub(crate) fn checkboxes_field(
    lang: Lang,
    f: &Field,
    key: &str,
    value: Option<String>,
    error: Option<String>,
) -> impl IntoView + use<> {
    let Frame {
        id,
        hint_id,
        error_id,
        described,
        marker,
    } = frame(lang, f, key, error.is_some());
    let ticked: Vec<String> = value
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    let hint = f.hint.as_ref().map(
        |h| view! { <div class="hint" id=hint_id.clone()>{h.get(lang.code()).to_owned()}</div> },
    );
    let has_error = error.is_some();
    let error_view = error.map(|e| error_message(lang, error_id.clone(), e));
    let optional = marker.map(|m| view! { <span class="optional">" "{m}</span> });
    let boxes = f
        .options
        .iter()
        .enumerate()
        .map(|(i, choice)| {
            let oid = choice_id(&id, i);
            let checked = ticked.contains(&choice.value);
            view! {
                <div class="choice">
                    <input type="checkbox" id=oid.clone() name=key.to_owned() value=choice.value.clone()
                        checked=checked/>
                    <label for=oid>{choice.label.get(lang.code()).to_owned()}</label>
                </div>
            }
        })
        .collect_view();
    let class = if has_error {
        "field field--error"
    } else {
        "field"
    };
    view! {
        <div class=class>
            <fieldset class="choices" aria-describedby=described>
                <legend class="label">{f.label.get(lang.code()).to_owned()}{optional}</legend>
                {hint}
                {error_view}
                {boxes}
            </fieldset>
        </div>
    }
}

/// A file field: the files uploaded so far, each with a button that removes it, and a file
/// input while more may be added. The hint says which types and how large; the page posts
/// `multipart/form-data`, so this works without JavaScript.
pub(crate) fn file_field(
    lang: Lang,
    f: &Field,
    uploaded: &[(String, String)],
    error: Option<String>,
) -> impl IntoView + use<> {
    let id = dom_id(&f.id);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let types: Vec<String> = f
        .accepted_types()
        .iter()
        .map(|t| t.to_uppercase())
        .collect();
    let max_files = f.max_file_count();
    let limits = lang.t_args(
        "file-limits",
        &[
            ("types", Arg::from(types.join(", "))),
            ("max", Arg::from(f.max_file_bytes() / (1024 * 1024))),
            ("count", Arg::from(max_files)),
        ],
    );
    let hint_text = f
        .hint
        .as_ref()
        .map(|h| format!("{} ", h.get(lang.code())))
        .unwrap_or_default();
    let described = if error.is_some() {
        format!("{hint_id} {error_id}")
    } else {
        hint_id.clone()
    };
    let has_error = error.is_some();
    let error_view = error.map(|e| error_message(lang, error_id.clone(), e));
    let optional = (!f.required && f.required_if.is_none() && f.visible_if.is_none())
        .then(|| view! { <span class="optional">" "{lang.t("field-optional")}</span> });
    let list = (!uploaded.is_empty()).then(|| {
        let items = uploaded
            .iter()
            .map(|(attachment, name)| {
                let value = format!("remove_file:{}:{attachment}", f.id);
                view! {
                    <li>
                        <span class="uploaded-name">{name.clone()}</span>" "
                        <button type="submit" name="_action" value=value class="button-link">
                            {lang.t("file-remove")}<span class="visually-hidden">" "{name.clone()}</span>
                        </button>
                    </li>
                }
            })
            .collect_view();
        view! {
            <p class="uploaded-title">{lang.t("file-uploaded")}</p>
            <ul class="uploaded">{items}</ul>
        }
    });
    let accept = f
        .accepted_types()
        .iter()
        .map(|t| match *t {
            "pdf" => ".pdf,application/pdf",
            "jpeg" => ".jpg,.jpeg,image/jpeg",
            _ => ".png,image/png",
        })
        .collect::<Vec<_>>()
        .join(",");
    let input = (uploaded.len() < max_files).then(|| {
        let multiple = max_files - uploaded.len() > 1;
        view! {
            <input class="file-input" type="file" id=id.clone() name=f.id.clone() accept=accept
                multiple=multiple aria-describedby=described.clone()
                aria-invalid=has_error.then_some("true")/>
        }
    });
    let class = if has_error {
        "field field--error"
    } else {
        "field"
    };
    view! {
        <div class=class>
            <label class="label" for=id.clone()>{f.label.get(lang.code()).to_owned()}{optional}</label>
            <div class="hint" id=hint_id>{hint_text}{limits}</div>
            {error_view}
            {list}
            {input}
        </div>
    }
}

/// One field. The kinds render as the branches of an `EitherOf8` rather than as type-erased
/// views: erasing turns every attribute into an owned string, which made the form page five
/// times slower than the rest of the layout.
pub(crate) fn field(
    lang: Lang,
    f: &Field,
    key: &str,
    value: Option<String>,
    error: Option<String>,
) -> impl IntoView + use<> {
    let Frame {
        id,
        hint_id,
        error_id,
        described,
        marker,
    } = frame(lang, f, key, error.is_some());
    let label_text = f.label.get(lang.code()).to_owned();
    let optional = marker.map(|m| view! { <span class="optional">" "{m}</span> });
    let hint = f.hint.as_ref().map(
        |h| view! { <div class="hint" id=hint_id.clone()>{h.get(lang.code()).to_owned()}</div> },
    );
    let has_error = error.is_some();
    let error_view = error.map(|e| error_message(lang, error_id.clone(), e));
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
    let name = key.to_owned();
    let autocomplete = f.autocomplete.clone();

    match f.kind {
        FieldKind::Info => {
            let text = f.text.as_ref().map(|t| t.get(lang.code()).to_owned());
            EitherOf8::F(view! {
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
            EitherOf8::G(view! {
                <div class="field computed">
                    <p class="label" id=id.clone()>{label_text}</p>
                    {hint}
                    <p class="computed-value" aria-describedby=described>{shown}</p>
                </div>
            })
        }
        FieldKind::Radio | FieldKind::YesNo => {
            // Yes/no is a radio pair whose values are what the answer stores.
            let choices: Vec<(String, String)> = if f.kind == FieldKind::YesNo {
                vec![
                    ("true".to_owned(), lang.t("field-yes").to_owned()),
                    ("false".to_owned(), lang.t("field-no").to_owned()),
                ]
            } else {
                f.options
                    .iter()
                    .map(|c| (c.value.clone(), c.label.get(lang.code()).to_owned()))
                    .collect()
            };
            let options = choices
                .into_iter()
                .enumerate()
                .map(|(i, (choice, label))| {
                    let oid = choice_id(&id, i);
                    let checked = choice == value;
                    view! {
                        <div class="choice">
                            <input type="radio" id=oid.clone() name=name.clone() value=choice checked=checked/>
                            <label for=oid>{label}</label>
                        </div>
                    }
                })
                .collect_view();
            EitherOf8::A(view! {
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
            EitherOf8::B(view! {
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
        FieldKind::Consent => {
            // The question as the legend, the statement agreed to as the tick box's label.
            let statement = f
                .text
                .as_ref()
                .map(|t| t.get(lang.code()).to_owned())
                .unwrap_or_default();
            let checked = value == "true";
            EitherOf8::H(view! {
                <div class=class>
                    <fieldset class="choices" aria-describedby=described>
                        <legend class="label">{label_text}{optional}</legend>
                        {hint}
                        {error_view}
                        <div class="choice">
                            <input type="checkbox" id=id.clone() name=name value="true" checked=checked
                                aria-invalid=invalid aria-required=required/>
                            <label for=id>{statement}</label>
                        </div>
                    </fieldset>
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
            EitherOf8::C(view! {
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
        FieldKind::Textarea => EitherOf8::D(view! {
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
                FieldKind::Email | FieldKind::Phone | FieldKind::PostalCode | FieldKind::Iban
            )
            .then_some("false");
            // Never offer a remembered IBAN: on a shared computer it is someone else's account.
            let autocomplete = match kind {
                FieldKind::Iban => Some("off".to_owned()),
                _ => autocomplete,
            };
            let autocapitalize = (kind == FieldKind::Iban).then_some("characters");
            let class_input = match kind {
                FieldKind::PostalCode | FieldKind::Date | FieldKind::Number | FieldKind::Money => {
                    "input input--short"
                }
                FieldKind::Iban => "input",
                _ => width,
            };
            EitherOf8::E(view! {
                <div class=class>
                    <label class="label" for=id.clone()>{label_text}{optional}</label>
                    {hint}
                    {error_view}
                    <input class=class_input type=input_type id=id name=name value=value inputmode=inputmode
                        spellcheck=spellcheck autocomplete=autocomplete autocapitalize=autocapitalize
                        aria-describedby=described
                        aria-invalid=invalid aria-required=required/>
                </div>
            })
        }
    }
}

/// A field the citizen's login vouched for (level substantial or above): shown read-only,
/// saying where the value comes from. The server sets the value whatever is posted.
pub(crate) fn locked_field(
    lang: Lang,
    f: &Field,
    key: &str,
    value: Option<String>,
) -> impl IntoView + use<> {
    let id = dom_id(key);
    let note_id = format!("{id}-prefilled");
    view! {
        <div class="field field--locked">
            <label class="label" for=id.clone()>{f.label.get(lang.code()).to_owned()}</label>
            <div class="hint" id=note_id.clone()>{lang.t("field-prefilled")}</div>
            <input class="input" type="text" id=id name=key.to_owned() value=value.unwrap_or_default()
                readonly=true aria-describedby=note_id/>
        </div>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const FORM: &str = r#"{
      "id": "erstattung", "version": 1, "title": "Erstattung", "summary": "Geld zurück.",
      "fee": { "kind": "none" },
      "steps": [{ "title": "Konto", "fields": [
        { "id": "erstattung", "type": "yes_no", "label": "Möchten Sie eine Erstattung?",
          "required": true, "hint": "Nur bei Überzahlung." },
        { "id": "iban", "type": "iban", "label": "IBAN", "required": true },
        { "id": "datenschutz", "type": "consent", "label": "Datenschutz", "required": true,
          "text": { "de": "Ich willige ein.", "en": "I agree." } }
      ]}]
    }"#;

    fn form() -> FormDefinition {
        FormDefinition::from_json(FORM).unwrap()
    }

    fn render(lang: Lang, id: &str, value: Option<&str>, error: Option<&str>) -> String {
        let def = form();
        let f = def.field(id).unwrap();
        field(
            lang,
            f,
            id,
            value.map(str::to_owned),
            error.map(str::to_owned),
        )
        .into_view()
        .to_html()
    }

    #[test]
    fn iban_is_a_long_text_input_without_autofill_or_spellcheck() {
        let html = render(Lang::De, "iban", Some("de89 3704"), Some("Falsch"));
        assert!(html.contains(r#"class="input""#), "{html}");
        assert!(html.contains(r#"type="text""#), "{html}");
        assert!(html.contains(r#"autocomplete="off""#), "{html}");
        assert!(html.contains(r#"spellcheck="false""#), "{html}");
        assert!(html.contains(r#"autocapitalize="characters""#), "{html}");
        assert!(
            html.contains(r#"value="de89 3704""#),
            "what was typed is shown: {html}"
        );
        assert!(
            html.contains(r#"aria-describedby="f-iban-error""#),
            "{html}"
        );
        assert!(
            html.contains(r#"<label for="f-iban" class="label">IBAN"#),
            "{html}"
        );
    }

    #[test]
    fn yes_no_is_a_fieldset_with_two_radios_ja_and_nein() {
        let html = render(Lang::De, "erstattung", Some("false"), None);
        assert!(html.contains("<fieldset"), "{html}");
        assert!(
            html.contains("<legend class=\"label\">Möchten Sie eine Erstattung?"),
            "{html}"
        );
        assert!(
            html.contains(r#"aria-describedby="f-erstattung-hint""#),
            "{html}"
        );
        assert_eq!(html.matches(r#"type="radio""#).count(), 2, "{html}");
        assert!(html.contains(r#"id="f-erstattung-0""#) && html.contains(r#"value="true""#));
        assert!(
            html.contains(r#"<label for="f-erstattung-0">Ja</label>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<label for="f-erstattung-1">Nein</label>"#),
            "{html}"
        );
        // The stored `false` ticks Nein again.
        assert!(
            html.contains(r#"id="f-erstattung-1" name="erstattung" value="false" checked"#),
            "{html}"
        );
        let english = render(Lang::En, "erstattung", None, None);
        assert!(english.contains(">Yes</label>") && english.contains(">No</label>"));
        assert!(!english.contains("checked"), "{english}");
        assert_eq!(
            anchor(form().field("erstattung").unwrap(), "erstattung"),
            "f-erstattung-0"
        );
    }

    #[test]
    fn consent_is_one_checkbox_labelled_with_its_statement() {
        let html = render(Lang::De, "datenschutz", None, Some("Bitte zustimmen"));
        assert!(
            html.contains("<legend class=\"label\">Datenschutz"),
            "{html}"
        );
        assert_eq!(html.matches(r#"type="checkbox""#).count(), 1, "{html}");
        assert!(
            html.contains(r#"<label for="f-datenschutz">Ich willige ein.</label>"#),
            "{html}"
        );
        assert!(html.contains(r#"aria-invalid="true""#), "{html}");
        assert!(
            html.contains(r#"aria-describedby="f-datenschutz-error""#),
            "{html}"
        );
        assert!(html.contains("Bitte zustimmen"), "{html}");
        assert!(!html.contains("checked"), "{html}");
        let ticked = render(Lang::En, "datenschutz", Some("true"), None);
        assert!(
            ticked.contains("I agree.") && ticked.contains("checked"),
            "{ticked}"
        );
    }

    #[test]
    fn the_new_error_codes_have_their_own_messages_in_both_languages() {
        let def = form();
        let consent = def.field("datenschutz").unwrap();
        let iban = def.field("iban").unwrap();
        let yes_no = def.field("erstattung").unwrap();
        for lang in [Lang::De, Lang::En] {
            for (f, error) in [
                (consent, ErrorCode::Required),
                (yes_no, ErrorCode::Required),
                (iban, ErrorCode::InvalidIban),
                (iban, ErrorCode::IbanLength { length: 22 }),
                (iban, ErrorCode::IbanChecksum),
            ] {
                let text = message(lang, &def, f, &error);
                assert!(!text.starts_with("error-"), "{text}");
                assert!(text.contains(f.label.get(lang.code())), "{text}");
            }
        }
        let length = message(Lang::De, &def, iban, &ErrorCode::IbanLength { length: 22 });
        assert!(length.contains("22 Zeichen"), "{length}");
        let consent = message(Lang::De, &def, consent, &ErrorCode::Required);
        assert!(consent.contains("Häkchen"), "{consent}");
    }
}
