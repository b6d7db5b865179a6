//! Arbitrary bytes as a form definition: `from_json` and `lint_all` must answer, never panic,
//! and agree with each other; a definition that loads must validate any post without panicking
//! and survive a serialize/load round trip unchanged.
//!
//! The input is `DEFINITION [\0 POST]`: the post's values are the lines after the first NUL
//! byte or, without one, the lines of the definition itself, handed to the input fields in turn.
#![no_main]

use forms::{FieldKind, FormDefinition, Params};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (src, post_src) = match text.split_once('\0') {
        Some((src, post)) => (src, post),
        None => (text, text),
    };

    let problems = FormDefinition::lint_all(src);
    let parsed = FormDefinition::from_json(src);
    // lint_all: "Every problem of a definition's source, each with its path; empty when it loads."
    assert_eq!(
        problems.is_empty(),
        parsed.is_ok(),
        "lint_all and from_json disagree: {problems:?} vs {:?}",
        parsed.as_ref().err().map(ToString::to_string)
    );
    let Ok(definition) = parsed else {
        return;
    };

    // A definition that loads serializes to one that loads and is the same.
    let json = serde_json::to_string(&definition).expect("a definition serializes");
    match FormDefinition::from_json(&json) {
        Ok(again) => assert_eq!(
            again, definition,
            "round trip changed the definition: {json}"
        ),
        Err(e) => panic!("serialized definition does not load: {e}\n{json}"),
    }

    let params = Params::defaults();
    let _ = definition.check_params(&params);

    // The empty post.
    let empty: Vec<(String, String)> = Vec::new();
    let _ = definition.validate(&empty);
    let _ = definition.conditions(&empty, &params);

    // A post built from the same bytes: one line per input field, cycling; plus noise keys.
    let lines: Vec<&str> = post_src.split('\n').collect();
    // Every field, and each group's fields in two rows (`group.row.field`); a group's own
    // key gets a line too, a row count or not.
    let slots = definition.slots(|_| 2);
    let mut posted: Vec<(String, String)> = slots
        .iter()
        .enumerate()
        .map(|(i, slot)| (slot.key(), lines[i % lines.len()].to_owned()))
        .collect();
    posted.push(("_csrf".to_owned(), lines[0].to_owned()));
    if let Some((id, _)) = posted.first().cloned() {
        // A duplicate key: the first one counts.
        posted.push((id, lines[lines.len() - 1].to_owned()));
    }

    exercise(&definition, &posted, &params);

    // A post of plausible values (an option, a number inside the range, a date, ...), picked by
    // the same bytes, so that validation and the logic get past the field checks too.
    let bytes = post_src.as_bytes();
    let pick = |i: usize| bytes.get(i % bytes.len().max(1)).copied().unwrap_or(0) as usize;
    let plausible: Vec<(String, String)> = slots
        .iter()
        .enumerate()
        .map(|(i, slot)| {
            let f = slot.field;
            let b = pick(i);
            let value = match f.kind {
                _ if b % 8 == 7 => String::new(),
                _ if b % 8 == 6 => lines[i % lines.len()].to_owned(),
                FieldKind::Select | FieldKind::Radio => f
                    .options
                    .get(b % f.options.len().max(1))
                    .map(|o| o.value.clone())
                    .unwrap_or_default(),
                FieldKind::Checkbox => "on".to_owned(),
                FieldKind::Number | FieldKind::Money => {
                    let n = match b % 3 {
                        0 => f.min.unwrap_or(0),
                        1 => f.max.unwrap_or(1),
                        _ => (b as i64) - 64,
                    };
                    if f.kind == FieldKind::Money && b % 2 == 0 {
                        format!("{},{:02}", n / 100, (n % 100).abs())
                    } else {
                        n.to_string()
                    }
                }
                FieldKind::Date => {
                    ["01.01.2000", "29.02.2024", "2024-02-29", "31.12.9999"][b % 4].to_owned()
                }
                FieldKind::Email => "a@example.org".to_owned(),
                FieldKind::Phone => "+49 30 1234567".to_owned(),
                FieldKind::PostalCode => "10115".to_owned(),
                FieldKind::Group => (b % 4).to_string(),
                _ => "x".repeat(b % 5 + 1),
            };
            (slot.key(), value)
        })
        .collect();
    exercise(&definition, &plausible, &params);
});

fn exercise(definition: &FormDefinition, posted: &[(String, String)], params: &Params) {
    let _ = definition.conditions(posted, params);
    let _ = definition.explain(posted, params);
    match definition.validate(posted) {
        Ok(answers) => {
            let _ = definition.conditions(&answers, params);
            let _ = definition.explain(&answers, params);
            for key in answers.0.keys() {
                let _ = definition.input_value(key, &answers);
                let _ = definition.display_value(key, &answers, "de");
                let _ = definition.display_value(key, &answers, "en");
            }
            let _ = definition.answers_json(&answers);
        }
        Err(rejected) => {
            for field in definition.fields() {
                let _ = rejected.error_for(&field.id);
            }
        }
    }
}
