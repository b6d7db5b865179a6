//! How the logic settles: visibility is decided again with the hidden fields' answers removed
//! until nothing changes. A round may be left out only when hiding changed nothing the next
//! round would see; each story here needs that next round, through a different door: a hidden
//! answer another field depends on, a hidden answer in a row, a hidden computed field, a hidden
//! computed cell of a row.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod common;

use common::post;
use forms::{FormDefinition, Params};

/// A form of one step with a name field and these fields.
fn form(fields: &str) -> FormDefinition {
    let json = format!(
        r#"{{ "id": "test-settling", "version": 1, "title": "Test", "summary": "Ein Test.",
              "fee": {{ "kind": "none" }},
              "steps": [ {{ "title": "Eins", "fields": [
                {{ {NAME} }}, {fields} ] }} ] }}"#
    );
    FormDefinition::from_json(&json).unwrap_or_else(|e| panic!("{e}"))
}

const NAME: &str = r#""id": "name", "type": "text", "label": "Name""#;

const ART: &str = r#"{ "id": "art", "type": "radio", "label": "Art",
    "options": [ { "value": "a", "label": "A" }, { "value": "b", "label": "B" } ] }"#;

/// A group whose rows hide `menge` unless `typ` is `stueck`, with more fields after it.
fn posten(more: &str) -> String {
    format!(
        r#"{{ "id": "posten", "type": "group", "label": "Posten", "min_rows": 1, "max_rows": 3,
              "row_label": "Posten", "add_label": "Weiterer Posten",
              "fields": [
                {{ "id": "typ", "type": "radio", "label": "Typ",
                  "options": [ {{ "value": "stueck", "label": "Stück" }},
                               {{ "value": "pauschal", "label": "Pauschal" }} ] }},
                {{ "id": "menge", "type": "number", "label": "Menge", "min": 0, "max": 100,
                  "visible_if": "row.typ == 'stueck'" }}
                {more}
              ] }}"#
    )
}

#[test]
fn a_field_that_depends_on_a_hidden_answer_is_hidden_too() {
    let form = form(&format!(
        r#"{ART},
        {{ "id": "detail", "type": "text", "label": "Detail", "visible_if": "answers.art == 'a'" }},
        {{ "id": "nachfrage", "type": "text", "label": "Nachfrage",
           "visible_if": "answers.detail != null" }}"#
    ));
    let conditions = form.conditions(
        &post(&[("art", "b"), ("detail", "von früher"), ("nachfrage", "x")]),
        &Params::defaults(),
    );
    assert!(!conditions.is_field_visible("detail"));
    assert!(!conditions.is_field_visible("nachfrage"));
    // Unanswered, the hidden field hides nothing further.
    let conditions = form.conditions(&post(&[("art", "a")]), &Params::defaults());
    assert!(conditions.is_field_visible("detail"));
    assert!(!conditions.is_field_visible("nachfrage"));
}

#[test]
fn a_hidden_computed_field_has_no_value_and_feeds_none() {
    let form = form(&format!(
        r#"{ART},
        {{ "id": "grundbetrag", "type": "computed", "label": "Grundbetrag", "format": "money",
           "value": "1000", "visible_if": "answers.art == 'a'" }},
        {{ "id": "gesamt", "type": "computed", "label": "Gesamt", "format": "money",
           "value": "answers.grundbetrag == null ? 1 : answers.grundbetrag + 1" }}"#
    ));
    let hidden = form.conditions(&post(&[("art", "b")]), &Params::defaults());
    assert!(!hidden.is_field_visible("grundbetrag"));
    assert_eq!(hidden.computed("grundbetrag"), None);
    assert_eq!(hidden.computed("gesamt"), Some(1));
    let shown = form.conditions(&post(&[("art", "a")]), &Params::defaults());
    assert_eq!(shown.computed("grundbetrag"), Some(1000));
    assert_eq!(shown.computed("gesamt"), Some(1001));
}

#[test]
fn a_hidden_answer_in_a_row_counts_nowhere() {
    let form = form(&format!(
        r#"{},
        {{ "id": "mengen", "type": "computed", "label": "Mengen",
           "value": "answers.posten.filter(p, p.menge != null).size()" }}"#,
        posten("")
    ));
    let conditions = form.conditions(
        &post(&[
            ("posten", "2"),
            ("posten.0.typ", "pauschal"),
            ("posten.0.menge", "7"),
            ("posten.1.typ", "stueck"),
            ("posten.1.menge", "3"),
        ]),
        &Params::defaults(),
    );
    assert!(!conditions.is_field_visible("posten.0.menge"));
    assert!(conditions.is_field_visible("posten.1.menge"));
    assert_eq!(conditions.computed("mengen"), Some(1));
}

#[test]
fn a_hidden_computed_cell_has_no_value_and_feeds_none() {
    let form = form(&posten(
        r#", { "id": "zuschlag", "type": "computed", "label": "Zuschlag", "format": "money",
               "value": "500", "visible_if": "row.typ == 'stueck'" },
             { "id": "summe", "type": "computed", "label": "Summe", "format": "money",
               "value": "row.zuschlag == null ? 0 : row.zuschlag" }"#,
    ));
    let conditions = form.conditions(
        &post(&[("posten", "1"), ("posten.0.typ", "pauschal")]),
        &Params::defaults(),
    );
    assert!(!conditions.is_field_visible("posten.0.zuschlag"));
    assert_eq!(conditions.computed("posten.0.zuschlag"), None);
    assert_eq!(conditions.computed("posten.0.summe"), Some(0));
}

#[test]
fn hiding_an_unanswered_field_gives_what_the_full_rounds_give() {
    // One row, nothing typed for the field its row hides: the dog-tax form's common case.
    let form = form(&format!(
        r#"{},
        {{ "id": "mengen", "type": "computed", "label": "Mengen",
           "value": "answers.posten.filter(p, p.menge != null).size() + 10" }}"#,
        posten("")
    ));
    let posted = post(&[("posten", "1"), ("posten.0.typ", "pauschal")]);
    let conditions = form.conditions(&posted, &Params::defaults());
    assert!(!conditions.is_field_visible("posten.0.menge"));
    assert_eq!(conditions.computed("mengen"), Some(10));
    // The same on the stored answers.
    let answers = form.validate(&posted).unwrap();
    assert_eq!(form.conditions(&answers, &Params::defaults()), conditions);
}
