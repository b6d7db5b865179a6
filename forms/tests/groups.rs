//! Repeating groups (issue 4, items 1 and 2): rows between a minimum and a maximum, logic per
//! row with `row.`, the whole list as `answers.<group>`, a row's hidden field dropped, rows
//! added and removed without losing the others, nested JSON for receivers, and the lint.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{ErrorCode, FormDefinition, Outcome, ParamValue, Params, Typed};

const FORM: &str = r#"{
  "id": "test-hunde", "version": 1, "title": "Test", "summary": "Ein Test.",
  "fee": { "kind": "none" },
  "parameters": [
    { "id": "erster", "type": "money", "label": "Erster Hund", "default": 4800 },
    { "id": "weiterer", "type": "money", "label": "Weiterer Hund", "default": 9600 }
  ],
  "steps": [
    { "title": "Halter", "fields": [
      { "id": "name", "type": "text", "label": "Name", "required": true }
    ]},
    { "title": "Hunde", "fields": [
      { "id": "hunde", "type": "group", "label": "Ihre Hunde", "min_rows": 1, "max_rows": 3,
        "row_label": "Hund", "add_label": "Weiteren Hund anmelden",
        "fields": [
          { "id": "hund_name", "type": "text", "label": "Name des Hundes", "required": true },
          { "id": "gefaehrlich", "type": "yes_no", "label": "Gefährlich?", "required": true },
          { "id": "nachweis", "type": "text", "label": "Nachweis", "required": true,
            "visible_if": "row.gefaehrlich == true" },
          { "id": "chip", "type": "text", "label": "Chipnummer",
            "required_if": "answers.name == 'Chip'" },
          { "id": "zuschlag", "type": "computed", "label": "Zuschlag", "format": "money",
            "value": "row.gefaehrlich == true ? 10000 : 0" }
        ] },
      { "id": "steuer", "type": "computed", "label": "Steuer", "format": "money",
        "value": "size(answers.hunde) == 0 ? 0 : tenant.erster + (size(answers.hunde) - 1) * tenant.weiterer + size(answers.hunde.filter(h, h.gefaehrlich == true)) * 10000" }
    ]}
  ]
}"#;

fn form() -> FormDefinition {
    FormDefinition::from_json(FORM).unwrap()
}

fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn each_row_is_validated_with_its_own_logic() {
    let def = form();
    let posted = post(&[
        ("name", "Anna"),
        ("hunde", "2"),
        ("hunde.0.hund_name", "Bello"),
        ("hunde.0.gefaehrlich", "false"),
        // Typed while the answer was "yes", then changed: a hidden field's stale value.
        ("hunde.0.nachweis", "alter Text"),
        ("hunde.1.hund_name", "Rex"),
        ("hunde.1.gefaehrlich", "true"),
    ]);
    let rejected = def.validate(&posted).unwrap_err();
    assert_eq!(rejected.errors.len(), 1, "{:?}", rejected.errors);
    assert_eq!(rejected.errors[0].field, "hunde.1.nachweis");
    assert_eq!(rejected.errors[0].error, ErrorCode::Required);
    // What was typed comes back whole, for the page.
    assert_eq!(rejected.values["hunde.0.nachweis"], "alter Text");

    let mut fixed = posted.clone();
    fixed.push(("hunde.1.nachweis".into(), "Wesenstest 2026".into()));
    let answers = def.validate(&fixed).unwrap();
    assert_eq!(answers.get("hunde"), Some("2"));
    assert_eq!(answers.get("hunde.1.nachweis"), Some("Wesenstest 2026"));
    assert_eq!(
        answers.get("hunde.0.nachweis"),
        None,
        "hidden in row 0: dropped"
    );
    assert_eq!(answers.get("hunde.0.zuschlag"), Some("0"));
    assert_eq!(answers.get("hunde.1.zuschlag"), Some("10000"));
    // 48 € + 96 € + one dangerous dog's 100 €.
    assert_eq!(answers.get("steuer"), Some("24400"));
}

#[test]
fn a_row_field_can_depend_on_the_whole_form() {
    let def = form();
    let mut posted = post(&[
        ("name", "Chip"),
        ("hunde", "1"),
        ("hunde.0.hund_name", "Bello"),
        ("hunde.0.gefaehrlich", "false"),
    ]);
    let rejected = def.validate(&posted).unwrap_err();
    assert_eq!(rejected.errors[0].field, "hunde.0.chip");
    posted.push(("hunde.0.chip".into(), "276098106543210".into()));
    assert!(def.validate(&posted).is_ok());
}

#[test]
fn the_number_of_rows_stays_within_the_bounds_whatever_is_posted() {
    let def = form();
    let params = Params::defaults();
    for (count, expected) in [("0", 1), ("3", 3), ("999999", 3), ("-1", 1), ("x", 1)] {
        let posted = post(&[("name", "Anna"), ("hunde", count)]);
        let conditions = def.conditions(&posted, &params);
        assert_eq!(conditions.rows("hunde"), expected, "posted {count}");
    }
    // Rows beyond the count are not answers.
    let posted = post(&[
        ("name", "Anna"),
        ("hunde", "1"),
        ("hunde.0.hund_name", "Bello"),
        ("hunde.0.gefaehrlich", "nein"),
        ("hunde.5.hund_name", "Geist"),
    ]);
    let answers = def.validate(&posted).unwrap();
    assert!(answers.0.keys().all(|k| !k.starts_with("hunde.5")));
}

#[test]
fn rows_are_added_up_to_the_maximum_and_removed_down_to_the_minimum() {
    let def = form();
    let mut typed = Typed::new();
    typed.insert("hunde".into(), "2".into());
    typed.insert("hunde.0.hund_name".into(), "A".into());
    typed.insert("hunde.1.hund_name".into(), "B".into());
    typed.insert("hunde.2.hund_name".into(), "left over".into());
    assert_eq!(def.add_row("hunde", &mut typed), Some(2));
    assert_eq!(
        typed.get("hunde.2.hund_name"),
        None,
        "a new row starts empty"
    );
    assert_eq!(
        def.add_row("hunde", &mut typed),
        None,
        "three is the maximum"
    );
    typed.insert("hunde.2.hund_name".into(), "C".into());

    assert!(def.remove_row("hunde", 0, &mut typed));
    assert_eq!(typed["hunde"], "2");
    assert_eq!(typed["hunde.0.hund_name"], "B");
    assert_eq!(typed["hunde.1.hund_name"], "C");
    assert_eq!(typed.get("hunde.2.hund_name"), None);
    assert!(def.remove_row("hunde", 1, &mut typed));
    assert!(
        !def.remove_row("hunde", 0, &mut typed),
        "one row is the minimum"
    );
    assert!(!def.remove_row("hunde", 7, &mut typed));
    assert!(!def.remove_row("katzen", 0, &mut typed));
    assert_eq!(typed["hunde.0.hund_name"], "B");
}

#[test]
fn a_step_post_takes_its_rows_and_forgets_rows_beyond_the_count() {
    let def = form();
    let mut typed = Typed::new();
    typed.insert("hunde.1.hund_name".into(), "Rex".into());
    let posted = post(&[("hunde", "1"), ("hunde.0.hund_name", "Bello")]);
    def.merge_step(1, &mut typed, &posted);
    assert_eq!(typed["hunde"], "1");
    assert_eq!(typed["hunde.0.hund_name"], "Bello");
    assert_eq!(typed.get("hunde.1.hund_name"), None);
    let params = Params::defaults();
    let journey = def.journey(&typed, &params);
    let errors = journey.step_errors(1);
    assert!(errors.iter().any(|e| e.field == "hunde.0.gefaehrlich"));
    assert!(journey.step_errors(0).iter().all(|e| e.field == "name"));
    assert_eq!(journey.rows("hunde"), 1);
}

#[test]
fn the_page_shows_a_row_field_that_its_own_row_may_still_reveal() {
    let def = form();
    let params = Params::defaults();
    let mut typed = Typed::new();
    typed.insert("hunde".into(), "1".into());
    let journey = def.journey(&typed, &params);
    let group = def.field("hunde").unwrap();
    let nachweis = def.field("nachweis").unwrap();
    assert!(!journey.conditions().is_field_visible("hunde.0.nachweis"));
    assert!(journey.shows_in_row(1, group, 0, nachweis));
}

#[test]
fn answers_nest_rows_for_receivers_and_match_the_answer_schema() {
    let def = form();
    let posted = post(&[
        ("name", "Anna"),
        ("hunde", "2"),
        ("hunde.0.hund_name", "Bello"),
        ("hunde.0.gefaehrlich", "ja"),
        ("hunde.0.nachweis", "Wesenstest"),
        ("hunde.1.hund_name", "Rex"),
        ("hunde.1.gefaehrlich", "nein"),
    ]);
    let answers = def.validate(&posted).unwrap();
    let json = def.answers_json(&answers);
    assert_eq!(json["hunde"][0]["hund_name"], "Bello");
    assert_eq!(json["hunde"][0]["gefaehrlich"], "true");
    assert_eq!(json["hunde"][1]["zuschlag"], "0");
    assert_eq!(json["hunde"].as_array().unwrap().len(), 2);
    let schema = def.answers_schema("urn:test");
    let validator = jsonschema::validator_for(&schema).unwrap();
    let problems: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
    let mut broken = json.clone();
    broken["hunde"][0]["unbekannt"] = "x".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn explain_shows_each_row_on_its_own_line() {
    let def = form();
    let posted = post(&[
        ("name", "Anna"),
        ("hunde", "2"),
        ("hunde.0.gefaehrlich", "ja"),
        ("hunde.1.gefaehrlich", "nein"),
    ]);
    let explained = def.explain(&posted, &Params::defaults());
    let line = |path: &str| {
        explained
            .iter()
            .find(|e| e.path == path)
            .unwrap_or_else(|| panic!("no {path} in {explained:?}"))
            .outcome
            .clone()
    };
    assert_eq!(
        line("steps[1].fields[0].fields[2].visible_if (row 1)"),
        Outcome::Bool(true)
    );
    assert_eq!(
        line("steps[1].fields[0].fields[2].visible_if (row 2)"),
        Outcome::Bool(false)
    );
    assert_eq!(
        line("steps[1].fields[1].value"),
        Outcome::Int(4800 + 9600 + 10000)
    );
}

#[test]
fn each_municipality_rate_reaches_the_rows_total() {
    let def = form();
    let params = Params::defaults()
        .with("erster", ParamValue::Int(4500))
        .with("weiterer", ParamValue::Int(9000));
    let posted = post(&[
        ("name", "Anna"),
        ("hunde", "2"),
        ("hunde.0.hund_name", "A"),
        ("hunde.0.gefaehrlich", "nein"),
        ("hunde.1.hund_name", "B"),
        ("hunde.1.gefaehrlich", "nein"),
    ]);
    let answers = def.validate_with(&posted, &params).unwrap();
    assert_eq!(answers.get("steuer"), Some("13500"));
}

fn lint_messages(json: &str) -> Vec<String> {
    let def: FormDefinition = serde_json::from_str(json).unwrap();
    def.problem_list().iter().map(ToString::to_string).collect()
}

#[test]
fn the_lint_names_the_path_of_a_broken_group() {
    let broken = FORM.replace("row.gefaehrlich == true\" },", "row.gefahr == true\" },");
    let problems = lint_messages(&broken);
    assert!(
        problems.iter().any(|p| p
            == "steps[1].fields[0].fields[2].visible_if: unknown field 'gefahr' in group 'hunde'"),
        "{problems:?}"
    );

    let outside = FORM.replace(
        "\"required\": true }\n    ]},",
        "\"required\": true, \"visible_if\": \"row.hund_name == 'x'\" }\n    ]},",
    );
    let problems = lint_messages(&outside);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("steps[0].fields[0].visible_if: row.hund_name")),
        "{problems:?}"
    );

    let by_answers = FORM.replace("row.gefaehrlich == true ?", "answers.gefaehrlich == true ?");
    let problems = lint_messages(&by_answers);
    assert!(
        problems.iter().any(|p| p.starts_with(
            "steps[1].fields[0].fields[4].value: field 'gefaehrlich' is in group 'hunde'"
        )),
        "{problems:?}"
    );

    let unbounded = FORM.replace("\"max_rows\": 3,", "");
    assert!(
        lint_messages(&unbounded)
            .iter()
            .any(|p| p.starts_with("steps[1].fields[0].max_rows: a group needs max_rows")),
    );

    let duplicate = FORM.replace("\"id\": \"chip\"", "\"id\": \"name\"");
    assert!(
        lint_messages(&duplicate)
            .iter()
            .any(|p| p.contains("field id `name` is used more than once")),
    );

    let compares = FORM.replace("size(answers.hunde) == 0", "answers.hunde == 0");
    assert!(
        lint_messages(&compares)
            .iter()
            .any(|p| p.contains("compares a list with a number")),
    );
    assert!(
        form().problem_list().is_empty(),
        "{:?}",
        form().problem_list()
    );
}

#[test]
fn a_single_row_group_is_an_address_block_that_always_has_its_row() {
    let def = FormDefinition::from_json(include_str!(
        "../../portal/demo/forms/gewerbeanmeldung.json"
    ))
    .unwrap();
    let address = def.field("betriebsstaette").unwrap();
    assert!(address.is_single_row());
    assert!(!def.field("hunde").is_some_and(forms::Field::is_single_row));
    // Nothing posted for the group: its one row is there, and its fields are required.
    let rejected = def.validate(&post(&[])).unwrap_err();
    for field in ["betrieb_strasse", "betrieb_plz", "betrieb_ort"] {
        assert_eq!(
            rejected.error_for(&format!("betriebsstaette.0.{field}")),
            Some(ErrorCode::Required),
            "{field}"
        );
    }
    let mut typed = Typed::new();
    assert_eq!(def.add_row("betriebsstaette", &mut typed), None);
    typed.insert("betriebsstaette".into(), "1".into());
    assert!(!def.remove_row("betriebsstaette", 0, &mut typed));
}

#[test]
fn retention_periods_are_metadata_with_sane_bounds() {
    let with = |retention: &str| {
        FORM.replacen(
            r#""fee": { "kind": "none" },"#,
            &format!(r#""fee": {{ "kind": "none" }}, "retention": {retention},"#),
            1,
        )
    };
    let def =
        FormDefinition::from_json(&with(r#"{ "draft_days": 14, "case_days": 3650 }"#)).unwrap();
    assert_eq!(def.retention.draft_days, Some(14));
    assert_eq!(def.retention.case_days, Some(3650));
    let problems = lint_messages(&with(r#"{ "draft_days": 0, "case_days": 40000 }"#));
    assert!(
        problems.contains(&"retention.draft_days: draft_days must be 1 to 365".to_owned()),
        "{problems:?}"
    );
    assert!(
        problems.contains(&"retention.case_days: case_days must be 1 to 36500".to_owned()),
        "{problems:?}"
    );
    assert!(
        FormDefinition::lint_all(&with(r#"{ "keep": 1 }"#))
            .iter()
            .any(|p| p.message.contains("unknown field `keep`"))
    );
}

#[test]
fn a_step_cannot_ask_for_more_files_than_one_post_may_carry() {
    let with_files = |mb: u32, count: u32| {
        FORM.replacen(
            r#"{ "id": "name", "type": "text", "label": "Name", "required": true }"#,
            &format!(
                r#"{{ "id": "name", "type": "text", "label": "Name", "required": true }},
                   {{ "id": "scan", "type": "file", "label": "Scan", "max_size_mb": {mb}, "max_files": {count} }}"#
            ),
            1,
        )
    };
    assert!(lint_messages(&with_files(10, 5)).is_empty());
    let problems = lint_messages(&with_files(20, 3));
    assert!(
        problems.iter().any(|p| p
            == "steps[0]: the step's file fields may take 60 MB (max_size_mb times max_files); one step takes at most 50 MB"),
        "{problems:?}"
    );
}
