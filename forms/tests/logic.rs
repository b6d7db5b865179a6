//! Form logic: hidden fields, conditional requirements, rules, computed amounts and
//! municipality parameters, and the explanation of every condition.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{Answers, ErrorCode, FormDefinition, Input, Outcome, ParamValue, Params, format_eur};

const DOG: &str = r#"{
  "id": "test-logic", "version": 1, "title": "Test", "summary": "Ein Test.",
  "fee": { "kind": "none" },
  "parameters": [
    { "id": "satz_erster_hund", "type": "money", "label": "Steuersatz erster Hund", "default": 4800 },
    { "id": "satz_weiterer_hund", "type": "money", "label": "Steuersatz jeder weitere Hund", "default": 9600 }
  ],
  "steps": [
    { "title": "Hund", "fields": [
      { "id": "gefaehrlich", "type": "radio", "label": "Gefährlich?", "required": true,
        "options": [ { "value": "ja", "label": "Ja" }, { "value": "nein", "label": "Nein" } ] },
      { "id": "nachweis", "type": "textarea", "label": "Nachweis", "required": true,
        "visible_if": "answers.gefaehrlich == 'ja'" },
      { "id": "nachweis_datum", "type": "date", "label": "Datum des Nachweises",
        "visible_if": "answers.nachweis != null" },
      { "id": "weitere_hunde", "type": "number", "label": "Weitere Hunde", "min": 0, "max": 20 },
      { "id": "chip", "type": "checkbox", "label": "Der Hund ist gechippt" },
      { "id": "chipnummer", "type": "text", "label": "Chipnummer", "required_if": "answers.chip" },
      { "id": "steuer", "type": "computed", "label": "Jahressteuer", "format": "money",
        "value": "answers.weitere_hunde == null || answers.weitere_hunde == 0 ? tenant.satz_erster_hund : tenant.satz_weiterer_hund" },
      { "id": "hinweis", "type": "info", "label": "Hinweis", "text": "Die Steuer setzen wir per Bescheid fest." }
    ]},
    { "title": "Vorauszahlung", "visible_if": "answers.gefaehrlich == 'nein'", "fields": [
      { "id": "betrag", "type": "money", "label": "Betrag", "max": 1000000 }
    ]},
    { "title": "Daten", "fields": [
      { "id": "geboren", "type": "date", "label": "Geboren" },
      { "id": "seit", "type": "date", "label": "Lebt bei mir seit" }
    ]}
  ],
  "rules": [
    { "id": "seit_nach_geburt",
      "check": "answers.geboren == null || answers.seit == null || answers.seit >= answers.geboren",
      "message": { "de": "Der Hund kann nicht vor seiner Geburt bei Ihnen eingezogen sein.",
                   "en": "The dog cannot have moved in before it was born." },
      "fields": ["seit"] }
  ]
}"#;

fn form() -> FormDefinition {
    FormDefinition::from_json(DOG).unwrap_or_else(|e| panic!("{e}"))
}

fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn ok(pairs: &[(&str, &str)]) -> Answers {
    form()
        .validate(&post(pairs))
        .unwrap_or_else(|r| panic!("{:?}", r.errors))
}

fn error(pairs: &[(&str, &str)], field: &str) -> Option<ErrorCode> {
    form().validate(&post(pairs)).unwrap_err().error_for(field)
}

#[test]
fn hidden_field_is_not_validated_and_its_stale_value_is_dropped() {
    let answers = ok(&[
        ("gefaehrlich", "nein"),
        ("nachweis", "von früher"),
        ("nachweis_datum", "01.01.2026"),
    ]);
    assert_eq!(answers.get("nachweis"), None);
    // Hidden because the field it depends on is hidden: the stale answer does not count.
    assert_eq!(answers.get("nachweis_datum"), None);
    assert_eq!(
        error(&[("gefaehrlich", "ja")], "nachweis"),
        Some(ErrorCode::Required)
    );
    let answers = ok(&[
        ("gefaehrlich", "ja"),
        ("nachweis", "Wesenstest bestanden"),
        ("nachweis_datum", "01.01.2026"),
    ]);
    assert_eq!(answers.get("nachweis"), Some("Wesenstest bestanden"));
    assert_eq!(answers.get("nachweis_datum"), Some("2026-01-01"));
}

#[test]
fn hidden_step_drops_all_its_answers() {
    let answers = ok(&[
        ("gefaehrlich", "ja"),
        ("nachweis", "x"),
        ("betrag", "12,50"),
    ]);
    assert_eq!(answers.get("betrag"), None);
    // Even an invalid value in a hidden step is no error.
    ok(&[
        ("gefaehrlich", "ja"),
        ("nachweis", "x"),
        ("betrag", "zwölf"),
    ]);
    let conditions = form().conditions(&post(&[("gefaehrlich", "ja")]), &Params::defaults());
    assert!(!conditions.is_step_visible(1));
    assert!(!conditions.is_field_visible("betrag"));
    assert!(conditions.is_step_visible(0));
}

#[test]
fn money_is_typed_with_comma_or_dot_and_stored_in_cents() {
    let form = form();
    for (typed, cents) in [("12,50", "1250"), ("12.50", "1250"), ("12", "1200")] {
        let answers = ok(&[("gefaehrlich", "nein"), ("betrag", typed)]);
        assert_eq!(answers.get("betrag"), Some(cents), "{typed}");
    }
    let answers = ok(&[("gefaehrlich", "nein"), ("betrag", "1.234,5")]);
    assert_eq!(
        form.display_value("betrag", &answers, "de").as_deref(),
        Some("1.234,50 €")
    );
    assert_eq!(
        form.input_value("betrag", &answers).as_deref(),
        Some("1234,50")
    );
    let retyped = post(&[("gefaehrlich", "nein"), ("betrag", "1234,50")]);
    assert_eq!(form.validate(&retyped).unwrap(), answers);
    assert_eq!(
        error(&[("gefaehrlich", "nein"), ("betrag", "12,5,0")], "betrag"),
        Some(ErrorCode::InvalidAmount)
    );
    assert_eq!(
        error(&[("gefaehrlich", "nein"), ("betrag", "-1")], "betrag"),
        Some(ErrorCode::TooSmall { min: 0 })
    );
    assert_eq!(
        error(
            &[("gefaehrlich", "nein"), ("betrag", "10.000,01")],
            "betrag"
        ),
        Some(ErrorCode::TooLarge { max: 1_000_000 })
    );
}

#[test]
fn required_if_makes_a_field_required_only_while_it_holds() {
    assert_eq!(
        error(&[("gefaehrlich", "nein"), ("chip", "on")], "chipnummer"),
        Some(ErrorCode::Required)
    );
    let answers = ok(&[
        ("gefaehrlich", "nein"),
        ("chip", "on"),
        ("chipnummer", "276"),
    ]);
    assert_eq!(answers.get("chipnummer"), Some("276"));
    ok(&[("gefaehrlich", "nein")]);
}

#[test]
fn failing_rule_puts_its_message_at_the_named_field() {
    let form = form();
    let rejected = form
        .validate(&post(&[
            ("gefaehrlich", "nein"),
            ("geboren", "01.05.2024"),
            ("seit", "01.01.2024"),
        ]))
        .unwrap_err();
    let code = rejected.error_for("seit").unwrap();
    assert_eq!(
        code,
        ErrorCode::Rule {
            rule: "seit_nach_geburt".into()
        }
    );
    assert_eq!(code.code(), "rule");
    assert_eq!(code.rule(), Some("seit_nach_geburt"));
    assert_eq!(
        form.rule_message("seit_nach_geburt", "en"),
        Some("The dog cannot have moved in before it was born.")
    );
    assert_eq!(rejected.errors.len(), 1);
    ok(&[
        ("gefaehrlich", "nein"),
        ("geboren", "01.05.2024"),
        ("seit", "01.06.2024"),
    ]);
}

#[test]
fn rule_is_not_checked_while_its_field_has_an_error_of_its_own() {
    let rejected = form()
        .validate(&post(&[
            ("gefaehrlich", "nein"),
            ("geboren", "01.05.2024"),
            ("seit", "31.02.2024"),
        ]))
        .unwrap_err();
    assert_eq!(rejected.error_for("seit"), Some(ErrorCode::InvalidDate));
    assert_eq!(rejected.errors.len(), 1);
}

#[test]
fn errors_of_fields_and_rules_come_in_form_order() {
    let rejected = form()
        .validate(&post(&[("geboren", "01.05.2024"), ("seit", "01.01.2024")]))
        .unwrap_err();
    let fields: Vec<&str> = rejected.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["gefaehrlich", "seit"]);
}

#[test]
fn computed_tax_uses_the_first_or_further_dog_rate_and_is_never_taken_from_the_post() {
    let form = form();
    let answers = ok(&[("gefaehrlich", "nein"), ("steuer", "1")]);
    assert_eq!(answers.get("steuer"), Some("4800"));
    assert_eq!(
        form.display_value("steuer", &answers, "de").as_deref(),
        Some("48,00 €")
    );
    let answers = ok(&[("gefaehrlich", "nein"), ("weitere_hunde", "2")]);
    assert_eq!(answers.get("steuer"), Some("9600"));
    assert_eq!(form.input_value("steuer", &answers), None);
    assert_eq!(answers.get("hinweis"), None);
    assert_eq!(form.display_value("hinweis", &answers, "de"), None);
}

#[test]
fn a_municipality_sets_its_own_rate() {
    let form = form();
    let werther = Params::defaults().with("satz_erster_hund", ParamValue::Int(6000));
    let answers = form
        .validate_with(&post(&[("gefaehrlich", "nein")]), &werther)
        .unwrap();
    assert_eq!(answers.get("steuer"), Some("6000"));
    assert_eq!(format_eur(6000, "de"), "60,00 €");
    // A value of the wrong type is ignored at evaluation and reported by the check.
    let wrong = Params::defaults().with("satz_erster_hund", ParamValue::Text("viel".into()));
    let answers = form
        .validate_with(&post(&[("gefaehrlich", "nein")]), &wrong)
        .unwrap();
    assert_eq!(answers.get("steuer"), Some("4800"));
    let problems = form.check_params(&wrong.with("gibt_es_nicht", ParamValue::Int(1)));
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "tenant.gibt_es_nicht: unknown parameter 'gibt_es_nicht'",
            "tenant.satz_erster_hund: parameter 'satz_erster_hund' needs a money value",
        ]
    );
    let json: Params = serde_json::from_str(r#"{"satz_weiterer_hund": 12000}"#).unwrap();
    assert!(form.check_params(&json).is_empty());
    assert_eq!(
        form.resolve_params(&json).get("satz_weiterer_hund"),
        Some(&ParamValue::Int(12_000))
    );
}

#[test]
fn explain_lists_every_condition_with_its_value() {
    let form = form();
    let posted = post(&[("gefaehrlich", "nein"), ("nachweis", "alt"), ("chip", "on")]);
    let explained = form.explain(&posted, &Params::defaults());
    let lines: Vec<String> = explained.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "steps[0].fields[1].visible_if: answers.gefaehrlich == 'ja' = false",
            "steps[0].fields[2].visible_if: answers.nachweis != null = false",
            "steps[0].fields[5].required_if: answers.chip = true",
            "steps[0].fields[6].value: answers.weitere_hunde == null || answers.weitere_hunde == 0 ? tenant.satz_erster_hund : tenant.satz_weiterer_hund = 4800",
            "steps[1].visible_if: answers.gefaehrlich == 'nein' = true",
            "rules[0].check: answers.geboren == null || answers.seit == null || answers.seit >= answers.geboren = true",
        ]
    );
    assert_eq!(explained[0].outcome, Outcome::Bool(false));
}

#[test]
fn explain_shows_an_evaluation_error_as_text() {
    let src = DOG.replace("\"answers.chip\"", "\"answers.weitere_hunde > 1\"");
    let form = FormDefinition::from_json(&src).unwrap();
    let explained = form.explain(&post(&[]), &Params::defaults());
    let entry = explained
        .iter()
        .find(|e| e.path == "steps[0].fields[5].required_if")
        .unwrap();
    assert!(
        matches!(&entry.outcome, Outcome::Error(e) if e.contains("null")),
        "{entry}"
    );
    // The failing condition counts as not required.
    assert!(
        !form
            .conditions(&post(&[]), &Params::defaults())
            .is_required("chipnummer")
    );
}

#[test]
fn stored_answers_give_the_same_conditions_as_the_post() {
    let form = form();
    let posted = post(&[
        ("gefaehrlich", "ja"),
        ("nachweis", "Test"),
        ("weitere_hunde", "3"),
    ]);
    let answers = form.validate(&posted).unwrap();
    let params = Params::defaults();
    let from_post = form.conditions(Input::Posted(&posted), &params);
    let from_answers = form.conditions(&answers, &params);
    assert_eq!(from_post, from_answers);
    assert_eq!(from_answers.computed("steuer"), Some(9600));
    assert!(from_answers.is_required("nachweis"));
    assert!(!from_answers.is_step_visible(1));
}

#[test]
fn definitions_with_logic_round_trip_through_serde() {
    let form = form();
    let again = FormDefinition::from_json(&serde_json::to_string(&form).unwrap()).unwrap();
    assert_eq!(again, form);
    assert_eq!(form.input_fields().count(), 9);
    assert_eq!(form.fields().count(), 11);
}

#[test]
fn a_definition_changed_after_loading_evaluates_its_new_expression() {
    let mut form = form();
    form.steps[0].fields[1].visible_if = Some("true".into());
    let answers = form
        .validate(&post(&[("gefaehrlich", "nein"), ("nachweis", "bleibt")]))
        .unwrap();
    assert_eq!(answers.get("nachweis"), Some("bleibt"));
}

/// Computed fields that read each other, declared last-first, in a definition built without
/// the lint too (a cycle): the values are those of repeating the passes until nothing changes.
#[test]
fn computed_fields_reading_each_other_get_their_values_in_any_order() {
    let src = r#"{
      "id": "kette", "version": 1, "title": "Kette", "summary": "Berechnete Felder.",
      "fee": { "kind": "none" },
      "steps": [{ "title": "Alles", "fields": [
        { "id": "n", "type": "number", "label": "N" },
        { "id": "d", "type": "computed", "label": "D", "value": "answers.c == null ? 7 : answers.c + answers.b" },
        { "id": "c", "type": "computed", "label": "C", "value": "answers.b * 2" },
        { "id": "b", "type": "computed", "label": "B", "value": "answers.a + 1" },
        { "id": "a", "type": "computed", "label": "A", "value": "answers.n == null ? 0 : answers.n" },
        { "id": "e", "type": "computed", "label": "E", "value": "42" }
      ]}]
    }"#;
    let form = FormDefinition::from_json(src).unwrap();
    let params = Params::defaults();
    let values = |n: &str| {
        let c = form.conditions(&post(&[("n", n)]), &params);
        ["a", "b", "c", "d", "e"].map(|id| c.computed(id))
    };
    assert_eq!(
        values("5"),
        [Some(5), Some(6), Some(12), Some(18), Some(42)]
    );
    assert_eq!(values(""), [Some(0), Some(1), Some(2), Some(3), Some(42)]);
    let answers = form.validate(&post(&[("n", "1")])).unwrap();
    assert_eq!(answers.get("d"), Some("6"));

    // A cycle (refused by the lint, possible through serde): no error, no hang.
    let mut cyclic: FormDefinition = serde_json::from_str(src).unwrap();
    assert!(cyclic.lint().is_ok());
    cyclic.steps[0].fields[4].value = Some("answers.d + 1".into());
    assert!(cyclic.lint().is_err());
    let c = cyclic.conditions(&post(&[("n", "1")]), &params);
    assert_eq!(c.computed("e"), Some(42));
    // Changing a loaded definition is seen too (the evaluation order is worked out again).
    let mut changed = form.clone();
    let _ = changed.conditions(&post(&[]), &params);
    changed.steps[0].fields[5].value = Some("answers.d * 10".into());
    assert_eq!(
        changed
            .conditions(&post(&[("n", "5")]), &params)
            .computed("e"),
        Some(180)
    );
}
