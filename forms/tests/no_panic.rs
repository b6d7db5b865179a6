//! Whatever a browser, a bot or an attacker posts, validation answers instead of panicking.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::FormDefinition;
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
            FormDefinition::from_json(src)
                .unwrap()
                .fields()
                .map(|f| f.id.clone())
                .collect::<Vec<_>>()
        })
        .collect();
    ids.extend(["_csrf".to_owned(), String::new()]);
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

proptest! {
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
                    prop_assert!(rejected.values.keys().all(|k| form.field(k).is_some()));
                }
            }
        }
    }

    #[test]
    fn arbitrary_definitions_never_panic(src in any::<String>()) {
        let _ = FormDefinition::from_json(&src);
    }
}
