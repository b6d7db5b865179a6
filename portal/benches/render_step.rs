//! Rendering one step of a large form (issue 4's benchmark): step 5 of the 100-field,
//! 10-step form with 100 rules (forms/benches/large_form.rs), as a citizen sees it after
//! answering everything: the journey decides which fields the page shows, computed values are
//! evaluated, and the fields are rendered to HTML with their labels, hints and values. Once
//! without errors, once with every field of the step in error.
//!
//! `cargo bench -p portal --bench render_step`; figures in docs/benchmarks.md ("Form engine").

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark set-up may panic

#[path = "../../forms/benches/large_form.rs"]
mod large_form;

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use forms::{Params, Typed};
use leptos::prelude::*;
use portal::i18n::Lang;
use portal::views;

fn render(
    form: &forms::FormDefinition,
    typed: &Typed,
    params: &Params,
    errors: &BTreeMap<String, String>,
) -> String {
    let journey = form.journey(typed, params);
    let shown = journey.fields_on_page(4);
    let computed = journey.conditions().computed_values().clone();
    views::step_fields(
        Lang::De,
        &shown,
        &views::GroupRows::new(),
        &computed,
        typed,
        errors,
        &BTreeMap::new(),
        &std::collections::BTreeSet::new(),
    )
    .into_view()
    .to_html()
}

fn bench(c: &mut Criterion) {
    let (form, posted) = large_form::large_form();
    let params = Params::defaults();
    let typed: Typed = posted
        .into_iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .collect();
    let none = BTreeMap::new();
    let html = render(&form, &typed, &params, &none);
    assert!(html.contains("s4_f0"), "step 5 is rendered");
    let errors: BTreeMap<String, String> = form.steps[4]
        .fields
        .iter()
        .map(|f| (f.id.clone(), "Bitte prüfen Sie diese Angabe.".to_owned()))
        .collect();

    c.bench_function(
        "render step 5 of 10 (100 fields, 100 rules), answered",
        |b| b.iter(|| render(black_box(&form), black_box(&typed), &params, &none)),
    );
    c.bench_function(
        "render step 5 of 10 (100 fields, 100 rules), all in error",
        |b| b.iter(|| render(black_box(&form), black_box(&typed), &params, &errors)),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
