//! Referenced code lists (issue 4, item 1): a long list of choices is written once in the
//! form's `code_lists` and named by `code_list` in every select or radio field that offers
//! it, also inside a repeating group.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{ErrorCode, FormDefinition};

const FORM: &str = r#"{
  "id": "test-code-lists", "version": 1, "title": "Test", "summary": "Ein Test.",
  "fee": { "kind": "none" },
  "code_lists": {
    "bundeslaender": [
      { "value": "TH", "label": { "de": "Thüringen", "en": "Thuringia" } },
      { "value": "ST", "label": { "de": "Sachsen-Anhalt", "en": "Saxony-Anhalt" } },
      { "value": "NI", "label": { "de": "Niedersachsen", "en": "Lower Saxony" } }
    ]
  },
  "steps": [
    { "title": "Wohnsitz", "fields": [
      { "id": "land", "type": "select", "label": "Bundesland", "required": true,
        "code_list": "bundeslaender" },
      { "id": "kinder", "type": "group", "label": "Kinder", "max_rows": 3, "fields": [
        { "id": "kind_land", "type": "radio", "label": "Bundesland des Kindes",
          "code_list": "bundeslaender" }
      ]}
    ]}
  ]
}"#;

fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn a_field_offers_the_choices_of_its_code_list() {
    let def = FormDefinition::from_json(FORM).unwrap();
    let answers = def
        .validate(&post(&[("land", "TH"), ("kinder.0.kind_land", "NI")]))
        .unwrap();
    assert_eq!(
        def.display_value("land", &answers, "en").as_deref(),
        Some("Thuringia")
    );
    assert_eq!(
        def.display_value("kinder.0.kind_land", &answers, "de")
            .as_deref(),
        Some("Niedersachsen")
    );
    let rejected = def.validate(&post(&[("land", "BY")])).unwrap_err();
    assert_eq!(rejected.error_for("land"), Some(ErrorCode::NotAnOption));
    let schema = def.answers_schema("urn:test");
    assert_eq!(
        schema["properties"]["land"]["enum"],
        serde_json::json!(["TH", "ST", "NI"])
    );
}

#[test]
fn a_definition_with_code_lists_survives_a_round_trip() {
    let def = FormDefinition::from_json(FORM).unwrap();
    let json = serde_json::to_string(&def).unwrap();
    assert_eq!(FormDefinition::from_json(&json).unwrap(), def);
    let yaml = yaml_serde::to_string(&def).unwrap();
    assert_eq!(FormDefinition::from_yaml(&yaml).unwrap(), def);
}

#[test]
fn the_lint_names_unknown_lists_and_lists_where_they_do_not_belong() {
    let messages = |src: &str| -> Vec<String> {
        FormDefinition::lint_all(src)
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    let unknown = FORM.replace(
        r#""code_list": "bundeslaender" },"#,
        r#""code_list": "laender" },"#,
    );
    assert!(
        messages(&unknown)
            .iter()
            .any(|m| m == "steps[0].fields[0].code_list: unknown code list 'laender'"),
        "{:?}",
        messages(&unknown)
    );
    let on_text = FORM.replace(
        r#""type": "radio", "label": "Bundesland des Kindes""#,
        r#""type": "text", "label": "Bundesland des Kindes""#,
    );
    assert!(
        messages(&on_text).iter().any(|m| m.starts_with(
            "steps[0].fields[1].fields[0].code_list: code_list is not allowed on a text field"
        )),
        "{:?}",
        messages(&on_text)
    );
    let both = FORM.replace(
        r#""code_list": "bundeslaender" },"#,
        r#""code_list": "bundeslaender", "options": [ { "value": "x", "label": "X" } ] },"#,
    );
    assert!(
        messages(&both)
            .iter()
            .any(|m| m.ends_with("set either options or code_list, not both")),
        "{:?}",
        messages(&both)
    );
    let empty = FORM.replace(r#""bundeslaender": ["#, r#""leer": [], "bundeslaender": ["#);
    assert!(
        messages(&empty)
            .iter()
            .any(|m| m == "code_lists.leer: code list 'leer' has no entries"),
        "{:?}",
        messages(&empty)
    );
    assert!(messages(FORM).is_empty());
}
