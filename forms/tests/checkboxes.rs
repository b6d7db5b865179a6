//! The checkbox list (`checkboxes`, issue 4 item 1): any number of options ticked, each a
//! value of the list; stored in option order, one per line; a list of texts in expressions;
//! an array for receivers; works with a referenced code list and inside a group's rows.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{ErrorCode, FormDefinition, Params, Typed};

const FORM: &str = r#"{
  "id": "test-checkboxes", "version": 1, "title": "Test", "summary": "Ein Test.",
  "fee": { "kind": "none" },
  "code_lists": {
    "tiere": [
      { "value": "hund", "label": { "de": "Hund", "en": "Dog" } },
      { "value": "katze", "label": { "de": "Katze", "en": "Cat" } },
      { "value": "pferd", "label": { "de": "Pferd", "en": "Horse" } }
    ]
  },
  "steps": [
    { "title": "Tiere", "fields": [
      { "id": "tiere", "type": "checkboxes", "label": "Welche Tiere halten Sie?", "required": true,
        "code_list": "tiere" },
      { "id": "hunde_anzahl", "type": "number", "label": "Wie viele Hunde?", "required": true,
        "min": 1, "visible_if": "'hund' in answers.tiere" },
      { "id": "staelle", "type": "group", "label": "Ställe", "max_rows": 2, "fields": [
        { "id": "stall_tiere", "type": "checkboxes", "label": "Tiere im Stall",
          "options": [ { "value": "pferd", "label": "Pferd" }, { "value": "esel", "label": "Esel" } ] }
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
fn several_boxes_are_stored_in_option_order_and_seen_as_a_list() {
    let def = FormDefinition::from_json(FORM).unwrap();
    // The browser posts the key once per ticked box, in any order, perhaps twice.
    let posted = post(&[
        ("tiere", "pferd"),
        ("tiere", "hund"),
        ("tiere", "pferd"),
        ("hunde_anzahl", "2"),
        ("staelle.0.stall_tiere", "esel"),
    ]);
    let answers = def.validate(&posted).unwrap();
    assert_eq!(answers.get("tiere"), Some("hund\npferd"));
    assert_eq!(answers.get("staelle.0.stall_tiere"), Some("esel"));
    assert_eq!(
        def.display_value("tiere", &answers, "en").as_deref(),
        Some("Dog, Horse")
    );
    let json = def.answers_json(&answers);
    assert_eq!(json["tiere"], serde_json::json!(["hund", "pferd"]));
    let schema = def.answers_schema("urn:test");
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&json), "{json}");
    // Stored answers validate again unchanged.
    let again: Vec<(String, String)> = answers.0.clone().into_iter().collect();
    assert_eq!(def.validate(&again).unwrap(), answers);
}

#[test]
fn a_box_outside_the_list_is_refused_and_an_empty_list_is_required() {
    let def = FormDefinition::from_json(FORM).unwrap();
    let rejected = def
        .validate(&post(&[("tiere", "hund"), ("tiere", "drache")]))
        .unwrap_err();
    assert_eq!(rejected.error_for("tiere"), Some(ErrorCode::NotAnOption));
    assert_eq!(
        rejected.values["tiere"], "hund\ndrache",
        "what was ticked comes back"
    );
    let rejected = def.validate(&post(&[])).unwrap_err();
    assert_eq!(rejected.error_for("tiere"), Some(ErrorCode::Required));
    // No dog ticked: the number of dogs is hidden, not required.
    assert!(def.validate(&post(&[("tiere", "katze")])).is_ok());
}

#[test]
fn a_step_post_keeps_every_ticked_box() {
    let def = FormDefinition::from_json(FORM).unwrap();
    let mut typed = Typed::new();
    def.merge_step(
        0,
        &mut typed,
        &post(&[("tiere", "hund"), ("tiere", "katze"), ("hunde_anzahl", "1")]),
    );
    assert_eq!(typed["tiere"], "hund\nkatze");
    let params = Params::defaults();
    let journey = def.journey(&typed, &params);
    assert!(journey.conditions().is_field_visible("hunde_anzahl"));
    assert!(journey.validate().is_ok());
    def.merge_step(0, &mut typed, &post(&[("hunde_anzahl", "1")]));
    assert!(!typed.contains_key("tiere"), "no box ticked: no answer");
}

#[test]
fn the_lint_wants_options_and_compares_lists_as_lists() {
    let no_options = FORM.replace(
        r#", "required": true,
        "code_list": "tiere" },"#,
        r#", "required": true },"#,
    );
    let problems = FormDefinition::lint_all(&no_options);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("needs at least one option")),
        "{problems:?}"
    );
    let compared = FORM.replace("'hund' in answers.tiere", "answers.tiere == 'hund'");
    let problems = FormDefinition::lint_all(&compared);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("compares a list with text")),
        "{problems:?}"
    );
}
