//! A broken definition fails at load time with a message that names the problem.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{DefinitionError, FieldKind, FormDefinition};

/// A valid form whose first (only) field and fee can be swapped out.
fn form_with(fields: &str, fee: &str) -> String {
    format!(
        r#"{{
          "id": "test-form", "version": 1,
          "title": {{"de": "Test", "en": "Test"}}, "summary": "Ein Test.",
          "fee": {fee},
          "steps": [{{ "title": "Alles", "fields": [{fields}] }}]
        }}"#
    )
}

fn lint(fields: &str) -> Result<FormDefinition, DefinitionError> {
    FormDefinition::from_json(&form_with(fields, r#"{"kind": "none"}"#))
}

fn lint_fee(fields: &str, fee: &str) -> Result<FormDefinition, DefinitionError> {
    FormDefinition::from_json(&form_with(fields, fee))
}

const NAME: &str = r#"{ "id": "name", "type": "text", "label": "Name" }"#;
const YEARS: &str = r#"{ "id": "jahre", "type": "number", "label": "Jahre", "required": true, "min": 1, "max": 30 }"#;
const PER_YEAR: &str =
    r#"{"kind": "per_unit", "cents_per_unit": 3500, "unit_field": "jahre", "unit": "Jahr"}"#;

#[test]
fn minimal_form_loads_with_defaults() {
    let form = lint(NAME).unwrap();
    assert_eq!(form.trust_level, forms::TrustLevel::None);
    assert!(form.requirements.is_empty());
    let field = form.field("name").unwrap();
    assert!(!field.required);
    assert_eq!(field.kind, FieldKind::Text);
    assert_eq!(field.effective_max_length(), Some(200));
    assert_eq!(form.fields().count(), 1);
    assert!(form.field("missing").is_none());
}

#[test]
fn misspelt_key_in_a_field_is_refused_with_its_position() {
    let err =
        lint(r#"{ "id": "name", "type": "text", "label": "Name", "requird": true }"#).unwrap_err();
    assert!(matches!(err, DefinitionError::Json(_)));
    let message = err.to_string();
    assert!(
        message.contains("requird") && message.contains("line"),
        "{message}"
    );
}

#[test]
fn unknown_field_type_is_refused() {
    assert!(matches!(
        lint(r#"{ "id": "name", "type": "signature", "label": "Unterschrift" }"#),
        Err(DefinitionError::Json(_))
    ));
}

#[test]
fn form_id_with_capitals_or_spaces_is_refused() {
    for id in [
        "Hundesteuer",
        "hunde steuer",
        "-hund",
        "hund-",
        "hund--steuer",
        "",
    ] {
        let src =
            form_with(NAME, r#"{"kind": "none"}"#).replace("\"test-form\"", &format!("{id:?}"));
        let err = FormDefinition::from_json(&src).unwrap_err();
        assert!(
            matches!(err, DefinitionError::InvalidFormId(_)),
            "{id}: {err}"
        );
    }
}

#[test]
fn version_zero_is_refused() {
    let src = form_with(NAME, r#"{"kind": "none"}"#).replace("\"version\": 1", "\"version\": 0");
    assert!(matches!(
        FormDefinition::from_json(&src),
        Err(DefinitionError::InvalidVersion)
    ));
}

#[test]
fn leika_key_must_have_fourteen_digits() {
    let src = form_with(NAME, r#"{"kind": "none"}"#).replace(
        "\"version\": 1",
        "\"version\": 1, \"leika\": \"9905001210400\"",
    );
    assert!(matches!(
        FormDefinition::from_json(&src),
        Err(DefinitionError::InvalidLeika(_))
    ));
}

#[test]
fn same_field_id_twice_is_refused_with_the_id() {
    let err = lint(&format!("{NAME}, {NAME}")).unwrap_err();
    assert!(matches!(&err, DefinitionError::DuplicateFieldId(id) if id == "name"));
    assert!(err.to_string().contains("`name`"), "{err}");
}

#[test]
fn field_id_with_hyphen_or_leading_underscore_is_refused() {
    for id in ["vor-name", "_csrf", "Vorname", "1name", ""] {
        let err = lint(&format!(
            r#"{{ "id": {id:?}, "type": "text", "label": "X" }}"#
        ))
        .unwrap_err();
        assert!(
            matches!(err, DefinitionError::InvalidFieldId(_)),
            "{id}: {err}"
        );
    }
}

#[test]
fn select_without_options_is_refused() {
    let err = lint(r#"{ "id": "art", "type": "select", "label": "Art" }"#).unwrap_err();
    assert!(
        matches!(err, DefinitionError::MissingOptions { ref field, .. } if field == "art"),
        "{err}"
    );
}

#[test]
fn text_field_with_options_is_refused() {
    let err = lint(r#"{ "id": "art", "type": "text", "label": "Art", "options": [{"value": "a", "label": "A"}] }"#).unwrap_err();
    assert!(
        matches!(err, DefinitionError::UnexpectedOptions { .. }),
        "{err}"
    );
}

#[test]
fn duplicate_or_blank_option_value_is_refused() {
    for options in [
        r#"[{"value": "a", "label": "A"}, {"value": "a", "label": "B"}]"#,
        r#"[{"value": "", "label": "A"}]"#,
        r#"[{"value": " a", "label": "A"}]"#,
    ] {
        let err = lint(&format!(
            r#"{{ "id": "art", "type": "radio", "label": "Art", "options": {options} }}"#
        ))
        .unwrap_err();
        assert!(
            matches!(err, DefinitionError::InvalidOptionValue { .. }),
            "{err}"
        );
    }
}

#[test]
fn min_above_max_is_refused() {
    let err =
        lint(r#"{ "id": "n", "type": "number", "label": "N", "min": 5, "max": 1 }"#).unwrap_err();
    assert!(
        matches!(err, DefinitionError::RangeEmpty { min: 5, max: 1, .. }),
        "{err}"
    );
    let err =
        lint(r#"{ "id": "n", "type": "text", "label": "N", "min_length": 5, "max_length": 1 }"#)
            .unwrap_err();
    assert!(
        matches!(err, DefinitionError::LengthRangeEmpty { .. }),
        "{err}"
    );
    let err =
        lint(r#"{ "id": "n", "type": "text", "label": "N", "min_length": 201 }"#).unwrap_err();
    assert!(
        matches!(
            err,
            DefinitionError::LengthRangeEmpty {
                max_length: 200,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn range_on_a_date_and_length_on_a_number_are_refused() {
    let err = lint(r#"{ "id": "d", "type": "date", "label": "D", "min": 1 }"#).unwrap_err();
    assert!(
        matches!(err, DefinitionError::RangeNotAllowed { .. }),
        "{err}"
    );
    let err =
        lint(r#"{ "id": "n", "type": "number", "label": "N", "max_length": 3 }"#).unwrap_err();
    assert!(
        matches!(err, DefinitionError::LengthNotAllowed { .. }),
        "{err}"
    );
}

#[test]
fn blank_label_and_english_only_text_are_refused() {
    let err = lint(r#"{ "id": "n", "type": "text", "label": " " }"#).unwrap_err();
    assert!(matches!(err, DefinitionError::BlankText { .. }), "{err}");
    let err = lint(r#"{ "id": "n", "type": "text", "label": {"en": "Name"} }"#).unwrap_err();
    assert!(
        matches!(err, DefinitionError::MissingGerman { .. }),
        "{err}"
    );
}

#[test]
fn unknown_width_and_malformed_autocomplete_are_refused() {
    let err = lint(r#"{ "id": "n", "type": "text", "label": "N", "width": "tiny" }"#).unwrap_err();
    assert!(matches!(err, DefinitionError::InvalidWidth { .. }), "{err}");
    let err = lint(r#"{ "id": "n", "type": "text", "label": "N", "autocomplete": "Given Name" }"#)
        .unwrap_err();
    assert!(
        matches!(err, DefinitionError::InvalidAutocomplete { .. }),
        "{err}"
    );
}

#[test]
fn per_year_fee_on_a_required_number_field_loads() {
    assert!(lint_fee(YEARS, PER_YEAR).is_ok());
}

#[test]
fn per_unit_fee_must_point_at_a_required_non_negative_number_field() {
    let err = lint_fee(NAME, PER_YEAR).unwrap_err();
    assert!(matches!(err, DefinitionError::UnknownUnitField(_)), "{err}");
    let err = lint_fee(
        &YEARS
            .replace("\"number\"", "\"text\"")
            .replace(", \"min\": 1, \"max\": 30", ""),
        PER_YEAR,
    )
    .unwrap_err();
    assert!(
        matches!(err, DefinitionError::UnitFieldNotNumber(_)),
        "{err}"
    );
    let err = lint_fee(&YEARS.replace("\"required\": true, ", ""), PER_YEAR).unwrap_err();
    assert!(
        matches!(err, DefinitionError::UnitFieldNotRequired(_)),
        "{err}"
    );
    let err = lint_fee(&YEARS.replace("\"min\": 1", "\"min\": -1"), PER_YEAR).unwrap_err();
    assert!(
        matches!(err, DefinitionError::UnitFieldMayBeNegative(_)),
        "{err}"
    );
}

#[test]
fn negative_fee_is_refused() {
    let err = lint_fee(NAME, r#"{"kind": "fixed", "cents": -100}"#).unwrap_err();
    assert!(matches!(err, DefinitionError::NegativeFee), "{err}");
}

#[test]
fn form_without_steps_or_with_an_empty_step_is_refused() {
    let src = form_with(NAME, r#"{"kind": "none"}"#);
    let no_steps = src.replace(
        r#"[{ "title": "Alles", "fields": [{ "id": "name", "type": "text", "label": "Name" }] }]"#,
        "[]",
    );
    assert!(matches!(
        FormDefinition::from_json(&no_steps),
        Err(DefinitionError::NoSteps)
    ));
    let empty = form_with("", r#"{"kind": "none"}"#);
    assert!(matches!(
        FormDefinition::from_json(&empty),
        Err(DefinitionError::EmptyStep { step: 1 })
    ));
}

#[test]
fn example_in_the_format_docs_is_a_valid_form() {
    let docs = include_str!("../../docs/forms.md");
    let start = docs.find("```json\n").unwrap() + "```json\n".len();
    let end = start + docs[start..].find("```").unwrap();
    let form = FormDefinition::from_json(&docs[start..end]).unwrap();
    assert_eq!(form.id, "grabnutzungsrecht-verlaengerung");
}
