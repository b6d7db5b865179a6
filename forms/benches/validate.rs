//! The form engine on a large form: 100 fields in 10 steps (every kind, conditions, computed
//! values) and 100 rules, with a complete valid answer set as a browser posts it.
//!
//! `cargo bench -p forms --bench validate`; figures in docs/benchmarks.md ("Form engine").

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark set-up may panic

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use forms::Params;

mod large_form;

use large_form::large_form;

fn bench(c: &mut Criterion) {
    let (form, posted) = large_form();
    let params = Params::defaults();
    let answers = form
        .validate_with(&posted, &params)
        .unwrap_or_else(|r| panic!("the benchmark's post must be valid: {r:?}"));
    assert!(answers.0.len() > 80);

    c.bench_function("validate_with/100 fields, 100 rules, valid", |b| {
        b.iter(|| form.validate_with(black_box(&posted), black_box(&params)))
    });
    c.bench_function("conditions/100 fields, posted", |b| {
        b.iter(|| form.conditions(black_box(&posted), black_box(&params)))
    });
    c.bench_function("conditions/100 fields, stored answers", |b| {
        b.iter(|| form.conditions(black_box(&answers), black_box(&params)))
    });
    // One wrong value: the page is shown again with an error.
    let mut wrong = posted.clone();
    wrong.insert(0, ("s4_f1".into(), "zwölf".into()));
    c.bench_function("validate_with/100 fields, 100 rules, one error", |b| {
        b.iter(|| form.validate_with(black_box(&wrong), black_box(&params)))
    });

    // The demo's dog-tax form as the check page's POST sees it: one dog, so the row's
    // `visible_if` hides a field and the logic settles in a second round.
    let dog_tax = forms::FormDefinition::from_json(include_str!(
        "../../portal/demo/forms/hundesteuer-anmeldung.json"
    ))
    .unwrap();
    let typed: forms::Typed = DOG_TAX
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert!(dog_tax.journey(&typed, &params).validate().is_ok());
    c.bench_function("journey+validate/dog tax, one dog (check page POST)", |b| {
        b.iter(|| {
            dog_tax
                .journey(black_box(&typed), black_box(&params))
                .validate()
        })
    });
}

/// The dog-tax answers of the benchmark script's drafts (`tests::DOG_TAX_ANSWERS`), as a
/// draft stores them (the group's row count under its id).
const DOG_TAX: &[(&str, &str)] = &[
    ("vorname", "Anna"),
    ("nachname", "Schulz"),
    ("geburtsdatum", "12.03.1985"),
    ("strasse", "Hauptstraße 1"),
    ("plz", "99735"),
    ("ort", "Werther"),
    ("email", "anna.schulz@example.org"),
    ("hunde", "1"),
    ("hunde.0.hund_name", "Bello"),
    ("hunde.0.rasse", "Mischling"),
    ("hunde.0.hund_geburtsdatum", "01.02.2022"),
    ("hunde.0.gehalten_seit", "01.10.2026"),
    ("hunde.0.geschlecht", "ruede"),
    ("hunde.0.gefaehrlicher_hund", "nein"),
];

criterion_group!(benches, bench);
criterion_main!(benches);
