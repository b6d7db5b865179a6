#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The JSON Schema of a form version's answers accepts what validation stores and refuses
//! what it never would, for every demo form.

use forms::FormDefinition;
use serde_json::{Value, json};

mod common;

use common::{DOG_TAX_ANSWERS, GEWERBE, GRAB, GRAVE_ANSWERS, HUNDESTEUER, TRADE_ANSWERS, post};

const DEMO: &[(&str, &str)] = &[
    ("hundesteuer-anmeldung", HUNDESTEUER),
    ("gewerbeanmeldung", GEWERBE),
    ("grabnutzungsrecht-verlaengerung", GRAB),
];

fn answers_for(key: &str) -> Vec<(String, String)> {
    post(match key {
        "hundesteuer-anmeldung" => DOG_TAX_ANSWERS,
        "gewerbeanmeldung" => TRADE_ANSWERS,
        _ => GRAVE_ANSWERS,
    })
}

#[test]
fn stored_answers_of_every_demo_form_match_its_schema() {
    for (key, src) in DEMO {
        let def = FormDefinition::from_json(src).unwrap();
        let schema = def.answers_schema(&format!(
            "https://portal.example/schemas/forms/{key}/1.json"
        ));
        let validator = jsonschema::draft202012::new(&schema).expect("a valid JSON Schema");
        let answers = def
            .validate(&answers_for(key))
            .unwrap_or_else(|r| panic!("{key}: {r:?}"));
        let instance = def.answers_json(&answers);
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{key}: {errors:?}\n{instance}");
    }
}

#[test]
fn the_schema_refuses_what_validation_never_stores() {
    let (key, src) = DEMO[0];
    let def = FormDefinition::from_json(src).unwrap();
    let schema = def.answers_schema("https://portal.example/schemas/forms/x/1.json");
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let good = serde_json::to_value(def.validate(&answers_for(key)).unwrap()).unwrap();

    let mut unknown = good.clone();
    unknown["sonstwas"] = json!("x");
    let mut bad_plz = good.clone();
    bad_plz["plz"] = json!("9973");
    let mut bad_option = good.clone();
    bad_option["hunde.0.geschlecht"] = json!("kater");
    let mut not_a_date = good.clone();
    not_a_date["geburtsdatum"] = json!("12.03.1985");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("nachname");
    for (what, instance) in [
        ("unknown key", unknown),
        ("postal code", bad_plz),
        ("option", bad_option),
        ("date format", not_a_date),
        ("required field missing", missing),
    ] {
        assert!(!validator.is_valid(&instance), "{what} accepted");
    }
}

#[test]
fn conditional_fields_are_never_required_by_the_schema() {
    let def = FormDefinition::from_json(DEMO[0].1).unwrap();
    let schema = def.answers_schema("x");
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for field in def.fields() {
        if field.visible_if.is_some() || field.required_if.is_some() {
            assert!(!required.contains(&field.id.as_str()), "{}", field.id);
        }
    }
    assert!(required.contains(&"nachname"));
}

/// The committed copy for editors is what the code generates, and every demo form passes it.
#[test]
fn the_definition_format_schema_is_current_and_accepts_the_demo_forms() {
    let schema = forms::definition_schema();
    let committed: Value =
        serde_json::from_str(include_str!("../../docs/form-definition.schema.json"))
            .expect("docs/form-definition.schema.json is JSON");
    assert_eq!(
        committed, schema,
        "docs/form-definition.schema.json is stale: `portal forms schema > docs/form-definition.schema.json`"
    );
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    for (key, src) in DEMO {
        let instance: Value = serde_json::from_str(src).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{key}: {errors:?}");
    }
    let broken = json!({"id": "x", "version": 1, "title": "T", "summary": "S",
        "fee": {"kind": "none"}, "steps": [{"title": "A", "fields": [{"id": "a", "type": "slider", "label": "A"}]}]});
    assert!(!validator.is_valid(&broken), "an unknown field type passes");
}
