//! Whatever a browser, a bot or an attacker posts, validation answers instead of panicking.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{FormDefinition, LogicValue, ParamValue, Params, Scope};
use proptest::prelude::*;

const DEMO_FORMS: [&str; 3] = [
    include_str!("../../portal/demo/forms/hundesteuer-anmeldung.json"),
    include_str!("../../portal/demo/forms/gewerbeanmeldung.json"),
    include_str!("../../portal/demo/forms/grabnutzungsrecht-verlaengerung.json"),
];

fn field_ids() -> Vec<String> {
    let mut ids: Vec<String> = DEMO_FORMS
        .iter()
        .flat_map(|src| {
            let def = FormDefinition::from_json(src).unwrap();
            let mut ids: Vec<String> = def.fields().map(|f| f.id.clone()).collect();
            // The fields of a group's first rows, and of a row beyond any bound.
            for group in def.groups() {
                for row in [0, 1, 2, 999] {
                    ids.extend(
                        group
                            .fields
                            .iter()
                            .map(|f| forms::row_key(&group.id, row, &f.id)),
                    );
                }
            }
            ids
        })
        .collect();
    ids.extend([
        "_csrf".to_owned(),
        String::new(),
        "hunde.01.rasse".to_owned(),
    ]);
    ids.sort();
    ids.dedup();
    ids
}

/// Values that tend to find edge cases, mixed with arbitrary strings.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9.\\-]{0,12}",
        "-?[0-9]{1,25}",
        "[ \\t\\r\\n\\x00-\\x1f]{0,4}[a-zä@.]{0,8}",
        Just("29.02.2100".to_owned()),
    ]
}

fn posted() -> impl Strategy<Value = Vec<(String, String)>> {
    let ids = field_ids();
    prop::collection::vec((prop::sample::select(ids), value()), 0..40)
}

/// Pieces of CEL, so generated expressions get past the parser often enough.
const TOKENS: &[&str] = &[
    "answers.",
    "tenant.",
    "anzahl",
    "art",
    "leer",
    "satz",
    "fehlt",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "?",
    ":",
    "&&",
    "||",
    "!",
    "-",
    "+",
    "*",
    "/",
    "%",
    "==",
    "!=",
    "<",
    ">=",
    "'ja'",
    "\"x\"",
    "0",
    "1",
    "9223372036854775807",
    "-9223372036854775808",
    "1.5",
    "2u",
    "null",
    "true",
    "false",
    "size(",
    "has(",
    "int(",
    "string(",
    "double(",
    "uint(",
    ".map(x,",
    ".all(x,",
    ".filter(x,",
    ".exists_one(x,",
    "x",
    ",",
    "in",
    ".matches(",
    "'[a'",
    "'(a+)+$'",
    "timestamp(",
    "duration(",
    "'1h'",
    "'2024-01-01T00:00:00Z'",
    ".size()",
    ".startsWith(",
    "dyn(",
    "type(",
    "b'\\xff'",
    "{'a': 1}",
    "[1, 2, 3]",
    ".",
    "'",
    "\\",
    " ",
];

fn expression() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|t| t.concat()),
    ]
}

fn scope() -> Scope {
    let mut scope = Scope::default();
    scope
        .answers
        .insert("anzahl".into(), LogicValue::Int(i64::MIN));
    scope
        .answers
        .insert("art".into(), LogicValue::Text("ja".into()));
    scope.answers.insert("leer".into(), LogicValue::Null);
    scope.answers.insert("ok".into(), LogicValue::Bool(true));
    scope
        .tenant
        .insert("satz".into(), LogicValue::Int(i64::MAX));
    scope
}

fn params() -> impl Strategy<Value = Params> {
    let ids = prop::sample::select(vec![
        "steuer_erster_hund",
        "steuer_weiterer_hund",
        "gebuehr_pro_jahr",
        "unbekannt",
    ]);
    let value = prop_oneof![
        any::<i64>().prop_map(ParamValue::Int),
        any::<String>().prop_map(ParamValue::Text),
    ];
    prop::collection::btree_map(ids.prop_map(str::to_owned), value, 0..4).prop_map(Params)
}

proptest! {
    #[test]
    fn arbitrary_expressions_never_panic(src in expression()) {
        let scope = scope();
        let _ = forms::evaluate_condition(&src, &scope);
        let _ = forms::evaluate_integer(&src, &scope);
    }

    #[test]
    fn arbitrary_expressions_in_a_definition_never_panic(src in expression(), pairs in posted()) {
        let form = DEMO_FORMS[0].replace(
            r#""id": "rasse", "type": "text","#,
            &format!(r#""id": "rasse", "type": "text", "visible_if": {},"#, serde_json::to_string(&src).unwrap()),
        );
        prop_assert_ne!(&form, DEMO_FORMS[0]);
        let _ = FormDefinition::lint_all(&form);
        let definition: FormDefinition = serde_json::from_str(&form).unwrap();
        let _ = definition.validate(&pairs);
        let _ = definition.explain(&pairs, &Params::defaults());
    }

    #[test]
    fn arbitrary_posts_and_parameters_never_panic(pairs in posted(), params in params()) {
        for src in DEMO_FORMS {
            let form = FormDefinition::from_json(src).unwrap();
            match form.validate_with(&pairs, &params) {
                Ok(answers) => {
                    for key in answers.0.keys() {
                        let _ = form.display_value(key, &answers, "de");
                        let _ = form.input_value(key, &answers);
                    }
                    let _ = form.answers_json(&answers);
                    let _ = form.explain(&answers, &params);
                }
                Err(rejected) => prop_assert!(!rejected.errors.is_empty()),
            }
            let _ = form.check_params(&params);
        }
    }

    #[test]
    fn arbitrary_posts_never_panic_and_answers_revalidate(pairs in posted(), lang in "(de|en|fr|)") {
        for src in DEMO_FORMS {
            let form = FormDefinition::from_json(src).unwrap();
            match form.validate(&pairs) {
                Ok(answers) => {
                    // Normalized answers are themselves a valid post, unchanged by a second pass.
                    let again: Vec<(String, String)> = answers.0.clone().into_iter().collect();
                    prop_assert_eq!(form.validate(&again).ok(), Some(answers.clone()));
                    for field in form.fields() {
                        let _ = form.display_value(&field.id, &answers, &lang);
                    }
                    let _ = form.fee.amount_cents(&answers);
                }
                Err(rejected) => {
                    prop_assert!(!rejected.errors.is_empty());
                    prop_assert!(rejected
                        .values
                        .keys()
                        .all(|k| form.field(forms::field_id_of(k)).is_some()));
                }
            }
        }
    }

    #[test]
    fn arbitrary_definitions_never_panic(src in any::<String>()) {
        let _ = FormDefinition::from_json(&src);
    }
}
