//! A large form for the benchmarks: 100 fields in 10 steps (every kind, conditions, computed
//! values) and 100 rules, with a complete valid answer set as a browser posts it. Shared by
//! `forms/benches/validate.rs` and `portal/benches/render_step.rs` (included with `#[path]`).

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // a benchmark set-up may panic

use forms::FormDefinition;
use serde_json::{Value, json};

const STEPS: usize = 10;
const FIELDS_PER_STEP: usize = 10;
const RULES_PER_STEP: usize = 10;

/// The ten fields of step `s`, and the value each gets in the valid post (`None`: nothing
/// posted, as for a computed field or an info text).
fn step_fields(s: usize) -> Vec<(Value, Option<String>)> {
    let f = |i: usize| format!("s{s}_f{i}");
    let next = (s + 1) % STEPS;
    // The last field of each step rotates through the remaining kinds.
    let last: (Value, Option<String>) = match s % 6 {
        0 => (
            json!({ "id": f(9), "type": "email", "label": "E-Mail", "required": true }),
            Some("anna.schulz@example.org".into()),
        ),
        1 => (
            json!({ "id": f(9), "type": "iban", "label": "IBAN", "required": true }),
            Some("DE89 3704 0044 0532 0130 00".into()),
        ),
        2 => (
            json!({ "id": f(9), "type": "postal_code", "label": "PLZ", "required": true }),
            Some("99735".into()),
        ),
        3 => (
            json!({ "id": f(9), "type": "radio", "label": "Art", "required": true,
                     "options": [{ "value": "a", "label": "A" }, { "value": "b", "label": "B" }] }),
            Some("b".into()),
        ),
        4 => (
            json!({ "id": f(9), "type": "consent", "label": "Einwilligung", "required": true,
                     "text": "Ich willige ein." }),
            Some("true".into()),
        ),
        _ => (
            // A condition on the next step's answers.
            json!({ "id": f(9), "type": "checkbox", "label": "Bestätigt",
                     "visible_if": format!("answers.s{next}_f1 == null || answers.s{next}_f1 >= 0") }),
            Some("on".into()),
        ),
    };
    vec![
        (
            json!({ "id": f(0), "type": "text", "label": "Name", "required": true, "max_length": 80 }),
            Some(format!("Anna Schulz {s}")),
        ),
        (
            json!({ "id": f(1), "type": "number", "label": "Anzahl", "required": true, "min": 0, "max": 1000 }),
            Some(format!("{}", 10 + s)),
        ),
        (
            json!({ "id": f(2), "type": "money", "label": "Betrag", "required": true, "max": 10_000_000 }),
            Some("1.234,50 €".into()),
        ),
        (
            json!({ "id": f(3), "type": "date", "label": "Datum", "required": true }),
            Some(format!("{:02}.03.2020", s + 1)),
        ),
        (
            json!({ "id": f(4), "type": "select", "label": "Auswahl", "required": true,
                     "options": [{ "value": "a", "label": "A" }, { "value": "b", "label": "B" },
                                 { "value": "c", "label": "C" }] }),
            Some("b".into()),
        ),
        (
            json!({ "id": f(5), "type": "yes_no", "label": "Weiteres?", "required": true }),
            Some(if s.is_multiple_of(2) { "true" } else { "false" }.into()),
        ),
        (
            json!({ "id": f(6), "type": "textarea", "label": "Weiteres", "required": true,
                     "visible_if": format!("answers.{} == true", f(5)) }),
            Some("Zeile eins\r\nZeile zwei".into()),
        ),
        (
            json!({ "id": f(7), "type": "number", "label": "Zahl", "min": 0,
                     "required_if": format!("answers.{} == 'b'", f(4)) }),
            Some(format!("{}", 5 + s)),
        ),
        (
            json!({ "id": f(8), "type": "computed", "label": "Summe", "format": "money",
                     "value": format!(
                         "answers.{a} != null && answers.{b} != null ? answers.{a} * 100 + answers.{b} : 0",
                         a = f(1), b = f(2)) }),
            None,
        ),
        last,
    ]
}

/// Ten rules per step, each comparing fields (of the step, and across steps).
fn step_rules(s: usize) -> Vec<Value> {
    let f = |i: usize| format!("answers.s{s}_f{i}");
    let n = |i: usize| format!("answers.s{}_f{i}", (s + 1) % STEPS);
    let checks = [
        format!(
            "{} == null || {} == null || {} <= {} * 2",
            f(1),
            f(7),
            f(7),
            f(1)
        ),
        format!("{} == null || {} >= '1900-01-01'", f(3), f(3)),
        format!("{} == null || {} <= 100000000", f(2), f(2)),
        format!(
            "{} == null || {} == null || {} + {} < 5000",
            f(1),
            n(1),
            f(1),
            n(1)
        ),
        format!("{} == null || size({}) <= 50", f(0), f(0)),
        format!("{} == null || {} >= 0", f(8), f(8)),
        format!(
            "{} == null || {} == null || {} != {}",
            f(3),
            n(3),
            f(3),
            n(3)
        ),
        format!("{} == null || {} in ['a', 'b', 'c']", f(4), f(4)),
        format!("{} != false || {} == null || {} != ''", f(5), f(0), f(0)),
        format!(
            "{} == null || {} == null || {} >= {} - 1000",
            f(1),
            n(1),
            f(1),
            n(1)
        ),
    ];
    checks
        .into_iter()
        .enumerate()
        .map(|(r, check)| {
            json!({
                "id": format!("s{s}_r{r}"),
                "check": check,
                "message": "Bitte prüfen Sie Ihre Angaben.",
                "fields": [format!("s{s}_f{}", [1, 3, 2, 1, 0, 1, 3, 4, 0, 1][r])],
            })
        })
        .collect()
}

pub fn large_form() -> (FormDefinition, Vec<(String, String)>) {
    let mut steps = Vec::new();
    let mut rules = Vec::new();
    let mut posted = Vec::new();
    for s in 0..STEPS {
        let fields = step_fields(s);
        for (field, value) in &fields {
            if let Some(value) = value {
                posted.push((field["id"].as_str().unwrap().to_owned(), value.clone()));
            }
        }
        steps.push(json!({
            "title": format!("Schritt {}", s + 1),
            "fields": fields.into_iter().map(|(f, _)| f).collect::<Vec<_>>(),
        }));
        rules.extend(step_rules(s));
    }
    posted.push(("_csrf".into(), "x".repeat(43)));
    let src = json!({
        "id": "grosses-formular",
        "version": 1,
        "title": "Ein großes Formular",
        "summary": "100 Felder in 10 Schritten, 100 Regeln.",
        "fee": { "kind": "none" },
        "steps": steps,
        "rules": rules,
    });
    let form = FormDefinition::from_json(&src.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(form.fields().count(), STEPS * FIELDS_PER_STEP);
    assert_eq!(form.rules.len(), STEPS * RULES_PER_STEP);
    (form, posted)
}
