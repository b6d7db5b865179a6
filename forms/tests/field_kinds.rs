//! The field types `iban`, `yes_no` and `consent`: what a citizen may type or tick, what is
//! stored, how expressions see it, how the clerk reads it, and what the lint refuses.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{Answers, ErrorCode, FieldKind, FormDefinition, Params};
use serde_json::json;

mod common;

use common::post;

/// A refund form: a yes/no question, an IBAN shown only when a refund is wanted, and two
/// consents (one required, one voluntary).
const REFUND: &str = r#"{
  "id": "erstattung",
  "version": 1,
  "title": "Erstattung",
  "summary": "Zu viel gezahlte Gebühren zurück.",
  "fee": { "kind": "none" },
  "steps": [{
    "title": "Erstattung",
    "fields": [
      { "id": "erstattung", "type": "yes_no", "label": "Möchten Sie eine Erstattung?", "required": true },
      { "id": "iban", "type": "iban", "label": "IBAN", "required": true,
        "visible_if": "answers.erstattung == true" },
      { "id": "zweite_iban", "type": "iban", "label": "Zweites Konto" },
      { "id": "datenschutz", "type": "consent", "label": "Datenschutz", "required": true,
        "text": { "de": "Ich willige in die Verarbeitung meiner Daten ein.", "en": "I agree to my data being processed." } },
      { "id": "rueckruf", "type": "consent", "label": "Rückruf",
        "text": "Sie dürfen mich für Rückfragen anrufen." },
      { "id": "hinweis", "type": "info", "label": "Konto", "text": "Wir überweisen auf dieses Konto.",
        "visible_if": "answers.erstattung == true && answers.rueckruf" }
    ]
  }]
}"#;

fn refund() -> FormDefinition {
    FormDefinition::from_json(REFUND).unwrap()
}

const IBAN: &str = "DE89 3704 0044 0532 0130 00";

fn valid(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs = post(extra);
    pairs.extend(post(&[
        ("erstattung", "true"),
        ("iban", IBAN),
        ("datenschutz", "true"),
    ]));
    pairs
}

fn error(form: &FormDefinition, pairs: &[(String, String)], field: &str) -> Option<ErrorCode> {
    match form.validate(pairs) {
        Ok(_) => None,
        Err(rejected) => rejected.error_for(field),
    }
}

#[test]
fn a_typed_iban_is_stored_in_capitals_without_spaces() {
    let answers = refund().validate(&valid(&[("iban", " de89 3704 0044 0532 0130 00 ")]));
    assert_eq!(answers.unwrap().get("iban"), Some("DE89370400440532013000"));
}

#[test]
fn a_mistyped_iban_says_whether_the_length_or_a_digit_is_wrong() {
    let form = refund();
    for (typed, code) in [
        (
            "DE89 3704 0044 0532 0130 0",
            ErrorCode::IbanLength { length: 22 },
        ),
        ("DE89 3704 0044 0532 0130 01", ErrorCode::IbanChecksum),
        ("DE98 3704 0044 0532 0130 00", ErrorCode::IbanChecksum),
        ("Kontonummer 12345", ErrorCode::InvalidIban),
        ("DE89-3704-0044-0532-0130-00", ErrorCode::InvalidIban),
    ] {
        assert_eq!(
            error(&form, &valid(&[("iban", typed)]), "iban"),
            Some(code),
            "{typed}"
        );
    }
    assert_eq!(
        error(
            &form,
            &valid(&[("iban", "DE89\n3704004405320130 00")]),
            "iban"
        ),
        Some(ErrorCode::ControlCharacters)
    );
}

#[test]
fn the_iban_length_is_an_argument_of_the_message() {
    assert_eq!(
        ErrorCode::IbanLength { length: 22 }.args(),
        [("length", 22)]
    );
    assert_eq!(ErrorCode::IbanLength { length: 22 }.code(), "iban_length");
    assert_eq!(ErrorCode::IbanChecksum.code(), "iban_checksum");
    assert_eq!(ErrorCode::InvalidIban.code(), "invalid_iban");
}

#[test]
fn an_optional_iban_left_empty_is_no_answer() {
    let answers = refund().validate(&valid(&[("zweite_iban", "  ")])).unwrap();
    assert_eq!(answers.get("zweite_iban"), None);
}

#[test]
fn yes_no_is_stored_as_true_or_false_and_required_means_one_of_them() {
    let form = refund();
    let yes = form.validate(&valid(&[])).unwrap();
    assert_eq!(yes.get("erstattung"), Some("true"));
    let no = form
        .validate(&valid(&[("erstattung", "false"), ("iban", "")]))
        .unwrap();
    assert_eq!(no.get("erstattung"), Some("false"));
    // Words a script may send count too; anything else is not one of the two answers.
    for (typed, stored) in [
        ("Ja", "true"),
        ("nein", "false"),
        ("YES", "true"),
        ("no", "false"),
    ] {
        let answers = form.validate(&valid(&[("erstattung", typed)])).unwrap();
        assert_eq!(answers.get("erstattung"), Some(stored), "{typed}");
    }
    assert_eq!(
        error(&form, &valid(&[("erstattung", "vielleicht")]), "erstattung"),
        Some(ErrorCode::NotAnOption)
    );
    assert_eq!(
        error(&form, &valid(&[("erstattung", "")]), "erstattung"),
        Some(ErrorCode::Required)
    );
}

#[test]
fn yes_no_is_a_bool_in_expressions_and_null_when_unanswered() {
    let form = refund();
    let params = Params::defaults();
    let no = form.conditions(&valid(&[("erstattung", "false")]), &params);
    assert!(!no.is_field_visible("iban"));
    assert!(
        form.validate(&valid(&[("erstattung", "false"), ("iban", "kaputt")]))
            .is_ok(),
        "a hidden IBAN is not checked"
    );
    let unanswered = form.conditions(&post(&[]), &params);
    assert!(!unanswered.is_field_visible("iban"));
    assert_eq!(
        unanswered.scope.answers.get("erstattung"),
        Some(&forms::LogicValue::Null)
    );
    let yes = form.conditions(&valid(&[]), &params);
    assert!(yes.is_field_visible("iban"));
    assert_eq!(
        yes.scope.answers.get("erstattung"),
        Some(&forms::LogicValue::Bool(true))
    );
    // Stored answers read the same way.
    let answers = form.validate(&valid(&[])).unwrap();
    assert!(form.conditions(&answers, &params).is_field_visible("iban"));
}

#[test]
fn a_required_consent_must_be_ticked_and_a_voluntary_one_need_not() {
    let form = refund();
    let unticked = post(&[("erstattung", "false")]);
    let rejected = form.validate(&unticked).unwrap_err();
    assert_eq!(rejected.error_for("datenschutz"), Some(ErrorCode::Required));
    assert_eq!(rejected.error_for("rueckruf"), None);
    let answers = form
        .validate(&valid(&[("datenschutz", "on"), ("rueckruf", "true")]))
        .unwrap();
    assert_eq!(answers.get("datenschutz"), Some("true"));
    assert_eq!(answers.get("rueckruf"), Some("true"));
    let without_callback = form.validate(&valid(&[])).unwrap();
    assert_eq!(without_callback.get("rueckruf"), None);
}

#[test]
fn an_unticked_consent_is_false_in_expressions() {
    let form = refund();
    let params = Params::defaults();
    assert!(
        !form
            .conditions(&valid(&[]), &params)
            .is_field_visible("hinweis")
    );
    assert!(
        form.conditions(&valid(&[("rueckruf", "true")]), &params)
            .is_field_visible("hinweis")
    );
    let answers = form.validate(&valid(&[])).unwrap();
    let scope = form.conditions(&answers, &params).scope;
    assert_eq!(
        scope.answers.get("rueckruf"),
        Some(&forms::LogicValue::Bool(false))
    );
}

#[test]
fn the_clerk_reads_yes_no_consent_and_a_grouped_iban() {
    let form = refund();
    let answers = form
        .validate(&valid(&[
            ("rueckruf", "true"),
            ("zweite_iban", "AT611904300234573201"),
        ]))
        .unwrap();
    let shown = |id: &str, lang: &str| form.display_value(id, &answers, lang);
    assert_eq!(shown("erstattung", "de").as_deref(), Some("Ja"));
    assert_eq!(shown("erstattung", "en").as_deref(), Some("Yes"));
    assert_eq!(shown("datenschutz", "de").as_deref(), Some("Ja"));
    assert_eq!(
        shown("iban", "de").as_deref(),
        Some("DE89 3704 0044 0532 0130 00")
    );
    assert_eq!(
        shown("zweite_iban", "en").as_deref(),
        Some("AT61 1904 3002 3457 3201")
    );
    let no = form
        .validate(&valid(&[("erstattung", "false"), ("iban", "")]))
        .unwrap();
    assert_eq!(
        form.display_value("erstattung", &no, "de").as_deref(),
        Some("Nein")
    );
    assert_eq!(
        form.display_value("erstattung", &no, "en").as_deref(),
        Some("No")
    );
    assert_eq!(form.display_value("rueckruf", &no, "de"), None);
    // Going back to change an answer puts back what the inputs take.
    assert_eq!(
        form.input_value("erstattung", &no).as_deref(),
        Some("false")
    );
    assert_eq!(
        form.input_value("iban", &answers).as_deref(),
        Some("DE89 3704 0044 0532 0130 00")
    );
    let changed: Vec<(String, String)> = form
        .input_fields()
        .filter_map(|f| Some((f.id.clone(), form.input_value(&f.id, &answers)?)))
        .collect();
    assert_eq!(form.validate(&changed), Ok(answers));
}

#[test]
fn the_answers_schema_types_the_new_kinds() {
    let form = refund();
    let schema = form.answers_schema("x");
    let props = &schema["properties"];
    assert_eq!(props["erstattung"]["enum"], json!(["true", "false"]));
    assert_eq!(props["datenschutz"]["const"], json!("true"));
    assert_eq!(
        props["datenschutz"]["description"],
        json!("Ich willige in die Verarbeitung meiner Daten ein.")
    );
    assert_eq!(props["iban"]["type"], json!("string"));
    let required = schema["required"].as_array().unwrap();
    assert!(required.contains(&json!("erstattung")));
    assert!(required.contains(&json!("datenschutz")));
    assert!(!required.contains(&json!("iban")), "iban has a visible_if");

    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let answers = form
        .validate(&valid(&[
            ("rueckruf", "on"),
            ("zweite_iban", "nl91abna0417164300"),
        ]))
        .unwrap();
    let instance = serde_json::to_value(&answers).unwrap();
    assert!(validator.is_valid(&instance), "{instance}");
    for (id, wrong) in [
        ("iban", json!("DE89 3704 0044 0532 0130 00")),
        ("iban", json!("de89370400440532013000")),
        ("erstattung", json!("ja")),
        ("datenschutz", json!("false")),
    ] {
        let mut bad = instance.clone();
        bad[id] = wrong.clone();
        assert!(!validator.is_valid(&bad), "{id}: {wrong}");
    }
}

fn form_with_field(field: &str) -> String {
    REFUND.replace(
        r#"{ "id": "zweite_iban", "type": "iban", "label": "Zweites Konto" },"#,
        &format!("{field},"),
    )
}

fn problems(field: &str) -> Vec<String> {
    let src = form_with_field(field);
    assert_ne!(src, REFUND);
    FormDefinition::lint_all(&src)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn the_lint_refuses_keys_the_new_kinds_do_not_use() {
    assert_eq!(
        problems(r#"{ "id": "z", "type": "consent", "label": "Einwilligung" }"#),
        ["steps[0].fields[2]: consent field 'z' needs a text"]
    );
    assert_eq!(
        problems(r#"{ "id": "z", "type": "consent", "label": "Einwilligung", "text": " " }"#),
        ["steps[0].fields[2].text: field `z` text: text must not be blank"]
    );
    assert_eq!(
        problems(r#"{ "id": "z", "type": "iban", "label": "IBAN", "text": "x" }"#),
        ["steps[0].fields[2].text: text is not allowed on an iban field"]
    );
    assert_eq!(
        problems(
            r#"{ "id": "z", "type": "iban", "label": "IBAN", "autocomplete": "cc-number", "width": "short" }"#
        ),
        [
            "steps[0].fields[2].autocomplete: autocomplete is not allowed on an iban field",
            "steps[0].fields[2].width: width is not allowed on an iban field",
        ]
    );
    assert_eq!(
        problems(
            r#"{ "id": "z", "type": "yes_no", "label": "?", "options": [{ "value": "j", "label": "J" }] }"#
        ),
        ["steps[0].fields[2]: field `z` (yes_no) must not have options"]
    );
    assert_eq!(
        problems(r#"{ "id": "z", "type": "yes_no", "label": "?", "max_length": 3 }"#),
        ["steps[0].fields[2]: field `z` (yes_no) must not set min_length/max_length"]
    );
    assert_eq!(
        problems(r#"{ "id": "z", "type": "iban", "label": "IBAN", "min": 1 }"#),
        [
            "steps[0].fields[2]: field `z` (iban) must not set min/max (only number and money fields do)"
        ]
    );
    assert_eq!(
        problems(r#"{ "id": "z", "type": "consent", "label": "E", "text": "T", "width": "long" }"#),
        ["steps[0].fields[2].width: width is not allowed on a consent field"]
    );
}

#[test]
fn expressions_are_type_checked_with_yes_no_and_consent_as_bools() {
    // Comparing a bool with text is a mistake the lint catches.
    assert_eq!(
        problems(
            r#"{ "id": "z", "type": "text", "label": "Z", "visible_if": "answers.erstattung == 'ja'" }"#
        ),
        ["steps[0].fields[2].visible_if: compares true/false with text"]
    );
    assert_eq!(
        problems(
            r#"{ "id": "z", "type": "text", "label": "Z", "visible_if": "answers.iban == 1" }"#
        ),
        ["steps[0].fields[2].visible_if: compares text with a number"]
    );
    // Used as a condition on its own, a yes/no or consent is fine.
    assert!(
        problems(
            r#"{ "id": "z", "type": "text", "label": "Z", "visible_if": "answers.rueckruf && answers.erstattung != false" }"#
        )
        .is_empty()
    );
}

#[test]
fn the_new_kinds_are_input_fields_with_their_own_names() {
    for (kind, name) in [
        (FieldKind::Iban, "iban"),
        (FieldKind::YesNo, "yes_no"),
        (FieldKind::Consent, "consent"),
    ] {
        assert!(kind.is_input());
        assert!(!kind.is_text_like());
        assert!(!kind.has_options());
        assert_eq!(kind.as_str(), name);
        assert_eq!(serde_json::to_value(kind).unwrap(), json!(name));
    }
    assert!(FieldKind::YesNo.is_bool() && FieldKind::Consent.is_bool());
    assert!(!FieldKind::Iban.is_bool());
    assert_eq!(
        refund(),
        FormDefinition::from_json(&serde_json::to_string(&refund()).unwrap()).unwrap()
    );
    let _: Answers = refund().validate(&valid(&[])).unwrap();
}
