//! The form engine on a large form: 100 fields in 10 steps (every kind, conditions, computed
//! values) and 100 rules, with a complete valid answer set as a browser posts it.
//!
//! `cargo bench -p forms --bench validate`; figures in docs/benchmarks.md ("Form engine").

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark set-up may panic

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use forms::Params;

#[path = "../tests/common/mod.rs"]
mod common;
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
    // `visible_if` hides an unanswered field, which needs no second round of the logic.
    let dog_tax = forms::FormDefinition::from_json(common::HUNDESTEUER).unwrap();
    // As a draft stores them: the group's row count under its id.
    let typed: forms::Typed = common::DOG_TAX_ANSWERS
        .iter()
        .chain(&[("hunde", "1")])
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

criterion_group!(benches, bench);
criterion_main!(benches);
