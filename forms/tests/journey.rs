//! The multi-step journey (issue 4, item 5): steps shown only when their condition holds,
//! back and forward without losing answers, a step's own errors, and the fields a step page
//! shows without JavaScript.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{FormDefinition, Params, Progress, Typed};

const FORM: &str = r#"{
  "id": "test-journey", "version": 1, "title": "Test", "summary": "Ein Test.",
  "fee": { "kind": "none" },
  "steps": [
    { "title": "Hund", "fields": [
      { "id": "gefaehrlich", "type": "radio", "label": "Gefährlich?", "required": true,
        "options": [ { "value": "ja", "label": "Ja" }, { "value": "nein", "label": "Nein" } ] },
      { "id": "nachweis", "type": "textarea", "label": "Nachweis", "required": true,
        "visible_if": "answers.gefaehrlich == 'ja'" },
      { "id": "chip", "type": "checkbox", "label": "Der Hund ist gechippt" }
    ]},
    { "title": "Gutachten", "visible_if": "answers.gefaehrlich == 'ja'", "fields": [
      { "id": "gutachter", "type": "text", "label": "Gutachter", "required": true },
      { "id": "gutachten_datum", "type": "date", "label": "Datum", "visible_if": "answers.gefaehrlich == 'ja'" }
    ]},
    { "title": "Daten", "fields": [
      { "id": "geboren", "type": "date", "label": "Geboren", "required": true },
      { "id": "chipnummer", "type": "text", "label": "Chipnummer", "visible_if": "answers.chip == true" },
      { "id": "seit", "type": "date", "label": "Lebt bei mir seit", "required": true }
    ]}
  ],
  "rules": [
    { "id": "seit_nach_geburt",
      "check": "answers.seit >= answers.geboren",
      "message": "Der Hund kann nicht vor seiner Geburt bei Ihnen eingezogen sein.",
      "fields": ["seit"] }
  ]
}"#;

fn form() -> FormDefinition {
    FormDefinition::from_json(FORM).unwrap_or_else(|e| panic!("{e}"))
}

fn typed(pairs: &[(&str, &str)]) -> Typed {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn ids(fields: Vec<&forms::Field>) -> Vec<&str> {
    fields.into_iter().map(|f| f.id.as_str()).collect()
}

#[test]
fn a_step_whose_condition_fails_is_skipped_forward_and_back() {
    let form = form();
    let params = Params::defaults();
    let harmless = typed(&[("gefaehrlich", "nein")]);
    let journey = form.journey(&harmless, &params);
    assert_eq!(journey.visible_steps(), [0, 2]);
    assert_eq!(journey.next_step(0), Some(2));
    assert_eq!(journey.previous_step(2), Some(0));
    assert_eq!(journey.next_step(2), None, "the check page comes next");
    assert_eq!(
        journey.progress(2),
        Progress {
            number: 2,
            total: 2
        }
    );
    // A step that is hidden now (someone opens its URL) leads to the nearest shown one.
    assert_eq!(journey.nearest_step(1), 0);

    let dangerous = typed(&[("gefaehrlich", "ja")]);
    let journey = form.journey(&dangerous, &params);
    assert_eq!(journey.visible_steps(), [0, 1, 2]);
    assert_eq!(journey.next_step(0), Some(1));
    assert_eq!(
        journey.progress(2),
        Progress {
            number: 3,
            total: 3
        }
    );
}

#[test]
fn going_back_keeps_the_answers_of_other_steps_and_an_unticked_box_is_unticked() {
    let form = form();
    let mut answers = typed(&[
        ("gefaehrlich", "nein"),
        ("chip", "true"),
        ("geboren", "01.02.2022"),
    ]);
    // Step 0 posted again, the box no longer ticked, an unknown key and a key of another step.
    form.merge_step(
        0,
        &mut answers,
        &post(&[
            ("gefaehrlich", "ja"),
            ("nachweis", "Wesenstest bestanden"),
            ("_csrf", "x"),
            ("geboren", "overwritten?"),
        ]),
    );
    assert_eq!(answers.get("gefaehrlich").unwrap(), "ja");
    assert_eq!(answers.get("nachweis").unwrap(), "Wesenstest bestanden");
    assert_eq!(answers.get("chip"), None, "an unticked box is not posted");
    assert_eq!(
        answers.get("geboren").unwrap(),
        "01.02.2022",
        "another step's answer is not taken from this step's post"
    );
    assert_eq!(answers.get("_csrf"), None);
}

#[test]
fn a_step_reports_only_its_own_errors() {
    let form = form();
    let params = Params::defaults();
    // Step 0 complete, the later steps not filled in yet.
    let answers = typed(&[("gefaehrlich", "nein")]);
    let journey = form.journey(&answers, &params);
    assert!(journey.step_errors(0).is_empty());
    let later: Vec<_> = journey
        .step_errors(2)
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(later, ["geboren", "seit"]);
    let all = journey.validate().unwrap_err();
    assert_eq!(journey.first_step_with_errors(&all), Some(2));
}

#[test]
fn a_rule_across_fields_of_one_step_is_reported_on_that_step() {
    let form = form();
    let params = Params::defaults();
    let answers = typed(&[
        ("gefaehrlich", "nein"),
        ("geboren", "01.02.2022"),
        ("seit", "01.01.2020"),
    ]);
    let journey = form.journey(&answers, &params);
    let errors: Vec<_> = journey
        .step_errors(2)
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(errors, ["seit"]);
}

#[test]
fn the_hidden_step_and_its_stale_answers_do_not_reach_the_case() {
    let form = form();
    let params = Params::defaults();
    // Filled the expert's step, then went back and said the dog is harmless.
    let answers = typed(&[
        ("gefaehrlich", "nein"),
        ("nachweis", "alt"),
        ("gutachter", "Dr. Huber"),
        ("geboren", "01.02.2022"),
        ("seit", "01.03.2022"),
    ]);
    let valid = form.journey(&answers, &params).validate().unwrap();
    assert_eq!(valid.get("gutachter"), None);
    assert_eq!(valid.get("nachweis"), None);
    assert_eq!(valid.get("gefaehrlich"), Some("nein"));
}

#[test]
fn a_field_revealed_by_an_answer_on_the_same_page_is_always_on_the_page() {
    let form = form();
    let params = Params::defaults();
    let fresh = Typed::new();
    let journey = form.journey(&fresh, &params);
    // `nachweis` depends on `gefaehrlich`, on the same page: shown, so that a citizen without
    // JavaScript can fill it after choosing "ja".
    assert_eq!(
        ids(journey.fields_on_page(0)),
        ["gefaehrlich", "nachweis", "chip"]
    );
    // `chipnummer` depends on an answer of an earlier page: shown only when it holds.
    assert_eq!(ids(journey.fields_on_page(2)), ["geboren", "seit"]);
    let chipped = typed(&[("chip", "true")]);
    assert_eq!(
        ids(form.journey(&chipped, &params).fields_on_page(2)),
        ["geboren", "chipnummer", "seit"]
    );
    // A field of a hidden step is not shown.
    assert!(journey.fields_on_page(1).is_empty() || !journey.is_step_visible(1));
}

#[test]
fn every_demo_form_can_be_walked_step_by_step_to_a_valid_case() {
    for (src, answers) in [
        (
            include_str!("../../portal/demo/forms/hundesteuer-anmeldung.json"),
            common::DOG_TAX_ANSWERS,
        ),
        (
            include_str!("../../portal/demo/forms/gewerbeanmeldung.json"),
            common::TRADE_ANSWERS,
        ),
        (
            include_str!("../../portal/demo/forms/grabnutzungsrecht-verlaengerung.json"),
            common::GRAVE_ANSWERS,
        ),
    ] {
        let form = FormDefinition::from_json(src).unwrap();
        let params = Params::defaults();
        let all = post(answers);
        let mut typed = Typed::new();
        let mut step = Some(form.journey(&typed, &params).first_step());
        let mut pages = 0;
        while let Some(current) = step {
            form.merge_step(current, &mut typed, &all);
            let journey = form.journey(&typed, &params);
            assert_eq!(
                journey.step_errors(current),
                [],
                "{} step {current}",
                form.id
            );
            step = journey.next_step(current);
            pages += 1;
            assert!(pages <= form.steps.len());
        }
        assert!(pages >= 2, "{} has more than one step", form.id);
        form.journey(&typed, &params)
            .validate()
            .unwrap_or_else(|e| panic!("{}: {e:?}", form.id));
    }
}

mod common;
