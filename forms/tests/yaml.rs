//! A definition written in YAML is the same model as in JSON: the demo forms converted to YAML
//! load to equal definitions, and mistakes are reported with line and column.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{DefinitionError, FormDefinition, Format};

mod common;

use common::{GEWERBE, GRAB, HUNDESTEUER, post};

/// The JSON text as YAML, converted without going through the model.
fn to_yaml(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    yaml_serde::to_string(&value).unwrap()
}

#[test]
fn demo_forms_converted_to_yaml_load_to_the_same_definitions() {
    for json in [HUNDESTEUER, GEWERBE, GRAB] {
        let from_json = FormDefinition::from_json(json).unwrap();
        let yaml = to_yaml(json);
        let from_yaml = FormDefinition::from_yaml(&yaml)
            .unwrap_or_else(|e| panic!("{}: {e}\n{yaml}", from_json.id));
        assert_eq!(from_yaml, from_json);
        assert_eq!(
            FormDefinition::parse(&yaml, Format::Yaml).unwrap(),
            from_json
        );
        assert!(FormDefinition::lint_source(&yaml, Format::Yaml).is_empty());
        // The model's own YAML output reads back too.
        let written = yaml_serde::to_string(&from_json).unwrap();
        assert_eq!(FormDefinition::from_yaml(&written).unwrap(), from_json);
    }
}

#[test]
fn a_yaml_form_validates_like_its_json_twin() {
    let from_json = FormDefinition::from_json(GRAB).unwrap();
    let from_yaml = FormDefinition::from_yaml(&to_yaml(GRAB)).unwrap();
    let posted = post(&[("nachname", "Weber"), ("jahre", "40")]);
    assert_eq!(from_yaml.validate(&posted), from_json.validate(&posted));
}

const SMALL: &str = "\
id: fundsache
version: 1
title: { de: Fundsache melden, en: Report a found item }
summary: Sie haben etwas gefunden und geben es ab.
fee: { kind: none }
steps:
  - title: Fund
    fields:
      - id: was
        type: text
        label: Was haben Sie gefunden?
        required: true
      - id: abgegeben
        type: checkbox
        label: Ich habe den Gegenstand abgegeben.
";

#[test]
fn handwritten_yaml_loads_with_plain_and_localized_texts() {
    let form = FormDefinition::from_yaml(SMALL).unwrap();
    assert_eq!(form.id, "fundsache");
    assert_eq!(form.title.get("en"), "Report a found item");
    assert_eq!(form.fields().count(), 2);
    assert!(form.validate(&post(&[("was", "Schirm")])).is_ok());
}

#[test]
fn yaml_one_point_two_keeps_words_like_no_as_text() {
    // YAML 1.1 read `no` as false (the "Norway problem"); a label or option value must stay text.
    let src = SMALL.replace("Was haben Sie gefunden?", "no");
    let form = FormDefinition::from_yaml(&src).unwrap();
    assert_eq!(form.field("was").unwrap().label.get("de"), "no");
}

#[test]
fn broken_yaml_names_line_and_column() {
    // An unclosed flow mapping on line 3.
    let broken = SMALL.replace(
        "title: { de: Fundsache melden, en: Report a found item }",
        "title: { de: Fundsache melden, en: Report a found item",
    );
    let err = FormDefinition::from_yaml(&broken).unwrap_err();
    assert!(matches!(err, DefinitionError::Yaml(_)), "{err:?}");
    let message = err.to_string();
    assert!(message.starts_with("invalid YAML: "), "{message}");
    assert!(message.contains("line 4"), "{message}");
    assert!(message.contains("column"), "{message}");
}

#[test]
fn unknown_keys_in_yaml_are_refused_with_their_place() {
    let typo = SMALL.replace("        required: true", "        requried: true");
    let message = FormDefinition::from_yaml(&typo).unwrap_err().to_string();
    assert!(message.contains("unknown field `requried`"), "{message}");
    assert!(message.contains("line 12 column 9"), "{message}");
    let problems = FormDefinition::lint_source(&typo, Format::Yaml);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("line 12"), "{}", problems[0]);
}

#[test]
fn yaml_that_parses_is_linted_like_json() {
    let bad = SMALL.replace("id: was", "id: Was");
    let problems = FormDefinition::lint_source(&bad, Format::Yaml);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path, "steps[0].fields[0]");
    assert!(FormDefinition::from_yaml(&bad).is_err());
}

#[test]
fn json_and_yaml_are_told_apart_by_extension() {
    assert_eq!(
        Format::from_path("portal/demo/forms/x.json"),
        Some(Format::Json)
    );
    assert_eq!(Format::from_path("x.yml"), Some(Format::Yaml));
    assert_eq!(Format::from_path("x.yaml"), Some(Format::Yaml));
    assert_eq!(Format::from_path("x.txt"), None);
}

#[test]
fn multiple_documents_and_empty_input_are_errors_not_panics() {
    assert!(FormDefinition::from_yaml("").is_err());
    assert!(FormDefinition::from_yaml(&format!("{SMALL}---\n{SMALL}")).is_err());
    assert!(FormDefinition::from_yaml("[1, 2").is_err());
    // A billion-laughs style alias bomb (10^9 strings) is cut off by the parser's
    // repetition limit instead of filling the memory.
    let mut levels = vec!["l0: &l0 [x, x, x, x, x, x, x, x, x, x]".to_owned()];
    for i in 1..=8 {
        let prev = format!("*l{}", i - 1);
        levels.push(format!("l{i}: &l{i} [{}]", vec![prev; 10].join(", ")));
    }
    let bomb = SMALL.replace(
        "summary: Sie haben etwas gefunden und geben es ab.",
        &format!("summary: {{ {} }}", levels.join(", ")),
    );
    let err = FormDefinition::from_yaml(&bomb).unwrap_err().to_string();
    eprintln!("{err}");
    assert!(err.contains("repetition limit"), "{err}");
}

#[test]
fn option_values_are_kept_as_written_but_texts_that_look_like_numbers_need_quotes() {
    let options = |second_label: &str| {
        SMALL.replace(
            "        type: text\n",
            &format!(
                "        type: select\n        options:\n          - {{ value: 1, label: Eins }}\n          - {{ value: 02, label: {second_label} }}\n          - {{ value: true, label: ja }}\n"
            ),
        )
    };
    let form = FormDefinition::from_yaml(&options("zwei")).unwrap();
    let values: Vec<&str> = form
        .field("was")
        .unwrap()
        .options
        .iter()
        .map(|c| c.value.as_str())
        .collect();
    assert_eq!(values, ["1", "02", "true"]);
    // A text is a string or a map of languages; a bare number is neither.
    let message = FormDefinition::from_yaml(&options("2"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("options[1]"), "{message}");
    assert!(message.contains("line 13"), "{message}");
    assert!(FormDefinition::from_yaml(&options("\"2\"")).is_ok());
}

#[test]
fn yaml_example_in_the_format_docs_is_a_valid_form() {
    let docs = include_str!("../../docs/forms.md");
    let start = docs.find("```yaml\n").unwrap() + "```yaml\n".len();
    let end = start + docs[start..].find("```").unwrap();
    let form = FormDefinition::from_yaml(&docs[start..end]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(form.id, "hundesteuer-abmeldung");
    let moving = post(&[
        ("vorname", "Erika"),
        ("nachname", "Mustermann"),
        ("hund_name", "Bello"),
        ("grund", "weggezogen"),
        ("abgabe_datum", "01.03.2026"),
    ]);
    let rejected = form.validate(&moving).unwrap_err();
    let fields: Vec<&str> = rejected.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["neue_gemeinde", "erstattung"]);
    let mut complete = moving.clone();
    complete.extend(post(&[
        ("neue_gemeinde", "Erfurt"),
        ("erstattung", "true"),
        ("iban", "de89 3704 0044 0532 0130 00"),
    ]));
    let answers = form.validate(&complete).unwrap();
    assert_eq!(answers.get("iban"), Some("DE89370400440532013000"));
}

/// Bytes that matter to YAML's grammar, to splice into a valid file.
const YAML_TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "-",
    "\n",
    "\n  ",
    "\t",
    "#",
    "&a ",
    "*a",
    "!!str ",
    "!!binary ",
    "? ",
    "|",
    ">",
    "'",
    "\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "~",
    "null",
    "true",
    "0x1f",
    "1e999",
    ".nan",
    "<<: *a",
    "\u{feff}",
    "\\",
    " ",
];

proptest::proptest! {
    #[test]
    fn mangled_yaml_never_panics_and_lint_agrees_with_loading(
        at in 0usize..2000,
        tokens in proptest::collection::vec(proptest::sample::select(YAML_TOKENS), 1..6),
    ) {
        let yaml = to_yaml(GRAB);
        let mut at = at % yaml.len();
        while !yaml.is_char_boundary(at) {
            at -= 1;
        }
        let mangled = format!("{}{}{}", &yaml[..at], tokens.concat(), &yaml[at..]);
        let loaded = FormDefinition::from_yaml(&mangled);
        let problems = FormDefinition::lint_source(&mangled, Format::Yaml);
        proptest::prop_assert_eq!(loaded.is_ok(), problems.is_empty());
    }
}
