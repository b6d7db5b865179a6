//! The lint finds broken logic and names where it is, as `path: message`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{DefinitionError, FormDefinition};

/// A form with a name, a number, a date and a checkbox, plus `fields`, `parameters`
/// and `rules` as given (JSON fragments).
fn form(fields: &str, parameters: &str, rules: &str) -> String {
    format!(
        r#"{{
          "id": "test-form", "version": 1, "title": "Test", "summary": "Ein Test.",
          "fee": {{"kind": "none"}},
          "parameters": [{parameters}],
          "steps": [{{ "title": "Alles", "fields": [
            {{ "id": "name", "type": "text", "label": "Name" }},
            {{ "id": "anzahl", "type": "number", "label": "Anzahl", "min": 0 }},
            {{ "id": "datum", "type": "date", "label": "Datum" }},
            {{ "id": "ok", "type": "checkbox", "label": "OK" }}
            {fields}
          ]}}],
          "rules": [{rules}]
        }}"#
    )
}

fn problems(fields: &str) -> Vec<String> {
    problems_with(fields, "", "")
}

fn problems_with(fields: &str, parameters: &str, rules: &str) -> Vec<String> {
    FormDefinition::lint_all(&form(fields, parameters, rules))
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn valid_logic_has_no_problems() {
    let found = problems_with(
        r#", { "id": "mehr", "type": "text", "label": "Mehr", "visible_if": "answers.anzahl != null && answers.anzahl > 1", "required_if": "answers.ok" },
             { "id": "summe", "type": "computed", "label": "Summe", "format": "money", "value": "answers.anzahl == null ? 0 : answers.anzahl * tenant.satz" },
             { "id": "doppelt", "type": "computed", "label": "Doppelt", "value": "answers.summe * 2" },
             { "id": "hinweis", "type": "info", "label": "Hinweis", "text": "Bitte beachten." }"#,
        r#"{ "id": "satz", "type": "money", "label": "Satz", "default": 4800 }"#,
        r#"{ "id": "name_da", "check": "answers.ok == false || answers.name != null", "message": "Name fehlt.", "fields": ["name"] }"#,
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn unknown_field_is_named_with_its_path() {
    let found = problems(
        r#", { "id": "rasse", "type": "text", "label": "Rasse", "visible_if": "answers.hunde_rasse == 'x'" }"#,
    );
    assert_eq!(
        found,
        ["steps[0].fields[4].visible_if: unknown field 'hunde_rasse'"]
    );
    let err = FormDefinition::from_json(&form(
        r#", { "id": "rasse", "type": "text", "label": "Rasse", "visible_if": "answers.hunde_rasse == 'x'" }"#,
        "",
        "",
    ))
    .unwrap_err();
    assert!(matches!(err, DefinitionError::Logic { .. }));
    assert_eq!(
        err.to_string(),
        "steps[0].fields[4].visible_if: unknown field 'hunde_rasse'"
    );
}

#[test]
fn syntax_error_has_line_and_column() {
    let found = problems(
        r#", { "id": "x", "type": "text", "label": "X", "required_if": "answers.ok &&\n (answers.name ==" }"#,
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("steps[0].fields[4].required_if: syntax error: line 2, column "),
        "{found:#?}"
    );
}

#[test]
fn undeclared_parameter_and_bare_names_are_refused() {
    let found = problems(
        r#", { "id": "x", "type": "computed", "label": "X", "value": "tenant.satz * 2" },
             { "id": "y", "type": "text", "label": "Y", "visible_if": "name == 'a'" }"#,
    );
    assert_eq!(
        found,
        [
            "steps[0].fields[4].value: unknown parameter 'satz'",
            "steps[0].fields[5].visible_if: unknown name 'name' (use answers.<field> or tenant.<parameter>)",
        ]
    );
}

#[test]
fn field_referring_to_itself_in_visible_if_is_refused() {
    let found = problems(
        r#", { "id": "x", "type": "text", "label": "X", "visible_if": "answers.x == null" }"#,
    );
    assert_eq!(
        found,
        ["steps[0].fields[4].visible_if: field 'x' refers to itself"]
    );
}

#[test]
fn step_depending_on_its_own_field_is_refused() {
    let src = form("", "", "").replace(
        r#""title": "Alles","#,
        r#""title": "Alles", "visible_if": "answers.ok","#,
    );
    let found: Vec<String> = FormDefinition::lint_all(&src)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        ["steps[0].visible_if: the step refers to its own field 'ok'"]
    );
}

#[test]
fn cycle_between_computed_fields_is_refused() {
    let found = problems(
        r#", { "id": "a", "type": "computed", "label": "A", "value": "answers.b + 1" },
             { "id": "b", "type": "computed", "label": "B", "value": "answers.a + 1" }"#,
    );
    assert_eq!(
        found,
        ["steps[0].fields[4].value: computed fields depend on each other in a cycle: a -> b -> a"]
    );
}

#[test]
fn computed_value_that_is_not_a_whole_number_is_refused() {
    let found = problems(
        r#", { "id": "a", "type": "computed", "label": "A", "value": "answers.name" },
             { "id": "b", "type": "computed", "label": "B", "value": "answers.anzahl > 1" },
             { "id": "c", "type": "computed", "label": "C", "value": "answers.anzahl * 1.5" }"#,
    );
    assert_eq!(
        found,
        [
            "steps[0].fields[4].value: a computed value must be a whole number, this gives text",
            "steps[0].fields[5].value: a computed value must be a whole number, this gives true/false",
            "steps[0].fields[6].value: a computed value must be a whole number, this gives a decimal number",
        ]
    );
}

#[test]
fn condition_that_is_not_boolean_or_compares_a_date_with_a_number_is_refused() {
    let found = problems(
        r#", { "id": "a", "type": "text", "label": "A", "visible_if": "answers.anzahl + 1" },
             { "id": "b", "type": "text", "label": "B", "visible_if": "answers.datum > 5" }"#,
    );
    assert_eq!(
        found,
        [
            "steps[0].fields[4].visible_if: a condition must be true or false, this gives a number",
            "steps[0].fields[5].visible_if: compares text with a number",
        ]
    );
}

#[test]
fn rules_naming_unknown_fields_and_duplicate_ids_are_refused() {
    let rule =
        r#"{ "id": "r", "check": "answers.ok", "message": "M", "fields": ["name", "fehlt"] }"#;
    let found = problems_with("", "", &format!("{rule}, {rule}"));
    assert_eq!(
        found,
        [
            "rules[0].fields[1]: unknown field 'fehlt'",
            "rules[1]: rule id 'r' is used more than once",
            "rules[1].fields[1]: unknown field 'fehlt'",
        ]
    );
    let found = problems_with(
        "",
        "",
        r#"{ "id": "r", "check": "answers.anzahl", "message": "M", "fields": [] }"#,
    );
    assert_eq!(
        found,
        [
            "rules[0].fields: name at least one field to show the message at",
            "rules[0].check: a condition must be true or false, this gives a number",
        ]
    );
}

#[test]
fn duplicate_parameter_ids_and_defaults_of_the_wrong_type_are_refused() {
    let found = problems_with(
        "",
        r#"{ "id": "satz", "type": "money", "label": "Satz", "default": 4800 },
           { "id": "satz", "type": "text", "label": "Satz", "default": 1 }"#,
        "",
    );
    assert_eq!(
        found,
        [
            "parameters[1]: parameter id 'satz' is used more than once",
            "parameters[1].default: the default must be a text value",
        ]
    );
}

#[test]
fn form_without_any_input_field_is_refused() {
    let src = r#"{
      "id": "test-form", "version": 1, "title": "Test", "summary": "Ein Test.",
      "fee": {"kind": "none"},
      "steps": [{ "title": "Alles", "fields": [
        { "id": "hinweis", "type": "info", "label": "Hinweis", "text": "Nur Text." }
      ]}]
    }"#;
    let found: Vec<String> = FormDefinition::lint_all(src)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        ["steps: the form has no input field (only computed or info fields)"]
    );
}

#[test]
fn keys_of_the_new_kinds_are_only_allowed_where_they_mean_something() {
    let found = problems(
        r#", { "id": "a", "type": "info", "label": "A" },
             { "id": "b", "type": "computed", "label": "B", "required": true },
             { "id": "c", "type": "text", "label": "C", "value": "1", "text": "T" },
             { "id": "d", "type": "text", "label": "D", "required": true, "required_if": "answers.ok" }"#,
    );
    assert_eq!(
        found,
        [
            "steps[0].fields[4]: info field 'a' needs a text",
            "steps[0].fields[5].required: required is not allowed on a computed field",
            "steps[0].fields[5]: computed field 'b' needs a value expression",
            "steps[0].fields[6].value: value is not allowed on a text field",
            "steps[0].fields[6].text: text is not allowed on a text field",
            "steps[0].fields[7].required_if: set either required or required_if, not both",
        ]
    );
}

#[test]
fn per_unit_fee_on_a_conditional_field_is_refused() {
    let src = form(
        r#", { "id": "jahre", "type": "number", "label": "Jahre", "required": true, "min": 1, "visible_if": "answers.ok" }"#,
        "",
        "",
    )
    .replace(
        r#""fee": {"kind": "none"}"#,
        r#""fee": {"kind": "per_unit", "cents_per_unit": 3500, "unit_field": "jahre", "unit": "Jahr"}"#,
    );
    assert!(matches!(
        FormDefinition::from_json(&src),
        Err(DefinitionError::UnitFieldConditional(_))
    ));
}

#[test]
fn too_deeply_nested_expression_is_refused_not_crashed_on() {
    let deep = format!("{}true{}", "(".repeat(40), ")".repeat(40));
    let found = problems(&format!(
        r#", {{ "id": "x", "type": "text", "label": "X", "visible_if": "{deep}" }}"#
    ));
    assert_eq!(
        found,
        ["steps[0].fields[4].visible_if: syntax error: brackets are nested more than 8 deep"]
    );
}

#[test]
fn all_problems_are_reported_while_from_json_stops_at_the_first() {
    let src = form(
        r#", { "id": "x", "type": "text", "label": "X", "visible_if": "answers.a" },
             { "id": "y", "type": "text", "label": "Y", "visible_if": "answers.b" }"#,
        "",
        "",
    );
    assert_eq!(FormDefinition::lint_all(&src).len(), 2);
    let err = FormDefinition::from_json(&src).unwrap_err();
    assert_eq!(
        err.to_string(),
        "steps[0].fields[4].visible_if: unknown field 'a'"
    );
    let json = FormDefinition::lint_all("{ nope");
    assert_eq!(json.len(), 1);
    assert!(json[0].message.starts_with("invalid JSON"), "{json:?}");
}
