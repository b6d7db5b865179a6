//! A field may name the claim of the citizen's login that fills it (`prefill`): the lint
//! keeps the names sane, and `prefill_values` turns the claims into the values the fields take.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::FormDefinition;
use serde_json::{Value, json};

mod common;

use common::{GEWERBE, GRAB};

/// A form with the given fields (JSON fragments) on its only step.
fn form(fields: &str) -> String {
    format!(
        r#"{{
          "id": "test-form", "version": 1, "title": "Test", "summary": "Ein Test.",
          "fee": {{"kind": "none"}},
          "steps": [{{ "title": "Alles", "fields": [
            {{ "id": "name", "type": "text", "label": "Name" }}
            {fields}
          ]}}]
        }}"#
    )
}

fn load(fields: &str) -> FormDefinition {
    FormDefinition::from_json(&form(fields)).unwrap_or_else(|e| panic!("{e}"))
}

fn problems(fields: &str) -> Vec<String> {
    FormDefinition::lint_all(&form(fields))
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// What a BundID-style provider sends for Anna Schmidt.
fn anna() -> Value {
    json!({
        "given_name": "Anna",
        "family_name": "Schmidt",
        "birthdate": "1984-03-14",
        "email": "anna@example.de",
        "address": {
            "street_address": "Markt 1",
            "postal_code": "99735",
            "locality": "Werther",
            "country": "DE"
        },
        "birth_name": "Meier",
        "place_of_birth": "Nordhausen",
        "nationality": "DE"
    })
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn a_field_declared_with_prefill_given_name_gets_anna() {
    let def = load(
        r#", { "id": "vorname", "type": "text", "label": "Vorname", "prefill": "given_name" }"#,
    );
    assert_eq!(
        def.field("vorname").unwrap().prefill.as_deref(),
        Some("given_name")
    );
    assert_eq!(def.prefill_values(&anna()), pairs(&[("vorname", "Anna")]));
    // A field without prefill is never filled, even when a claim has its name.
    assert!(def.field("name").unwrap().prefill.is_none());
}

#[test]
fn address_postal_code_reaches_into_the_address_claim() {
    let def = load(
        r#", { "id": "plz", "type": "postal_code", "label": "PLZ", "prefill": "address.postal_code" },
             { "id": "ort", "type": "text", "label": "Ort", "prefill": "address.locality" },
             { "id": "strasse", "type": "text", "label": "Straße", "prefill": "address.street_address" }"#,
    );
    assert_eq!(
        def.prefill_values(&anna()),
        pairs(&[("plz", "99735"), ("ort", "Werther"), ("strasse", "Markt 1")])
    );
}

#[test]
fn a_missing_or_non_string_claim_fills_nothing() {
    let def = load(
        r#", { "id": "vorname", "type": "text", "label": "Vorname", "prefill": "given_name" },
             { "id": "plz", "type": "postal_code", "label": "PLZ", "prefill": "address.postal_code" },
             { "id": "titel", "type": "text", "label": "Titel", "prefill": "title" }"#,
    );
    for claims in [
        json!({}),
        json!(null),
        json!("given_name"),
        json!({"given_name": 42, "address": "Markt 1, 99735 Werther"}),
        json!({"given_name": null, "address": {"postal_code": 99735}}),
        json!({"given_name": ["Anna"], "address": {}}),
        json!({"given_name": "", "title": "   ", "address": {"postal_code": ""}}),
        json!({"postal_code": "99735", "title": {"de": "Dr."}}),
    ] {
        assert_eq!(def.prefill_values(&claims), vec![], "{claims}");
    }
}

#[test]
fn a_malformed_birthdate_fills_nothing() {
    let def = load(
        r#", { "id": "geburtsdatum", "type": "date", "label": "Geburtsdatum", "prefill": "birthdate" }"#,
    );
    for bad in [
        "1984",
        "0000-03-14",
        "1984-02-30",
        "1984-3-14",
        "14.03.1984",
        "1984-03-14T00:00:00Z",
        "gestern",
    ] {
        assert_eq!(
            def.prefill_values(&json!({ "birthdate": bad })),
            vec![],
            "{bad}"
        );
    }
    // A good one is taken as the date field stores it (and takes it as input): YYYY-MM-DD.
    assert_eq!(
        def.prefill_values(&anna()),
        pairs(&[("geburtsdatum", "1984-03-14")])
    );
    let answers = def
        .validate(&pairs(&[("geburtsdatum", "1984-03-14")]))
        .unwrap();
    assert_eq!(answers.get("geburtsdatum"), Some("1984-03-14"));
}

#[test]
fn a_claim_the_field_would_refuse_is_left_out_not_cut_to_fit() {
    let def = load(
        r#", { "id": "geburtsname", "type": "text", "label": "Geburtsname", "max_length": 4, "prefill": "birth_name" },
             { "id": "geburtsort", "type": "text", "label": "Geburtsort", "max_length": 10, "prefill": "place_of_birth" },
             { "id": "email", "type": "email", "label": "E-Mail", "prefill": "email" },
             { "id": "plz", "type": "postal_code", "label": "PLZ", "prefill": "address.postal_code" }"#,
    );
    let claims = json!({
        "birth_name": "Meier-Lüdenscheid",
        "place_of_birth": "Nordhausen",
        "email": "keine Adresse",
        "address": {"postal_code": "D-99735"}
    });
    assert_eq!(
        def.prefill_values(&claims),
        pairs(&[("geburtsort", "Nordhausen")])
    );
    // Surrounding spaces are trimmed, as for typed input.
    assert_eq!(
        def.prefill_values(&json!({"birth_name": " Mai "})),
        pairs(&[("geburtsname", "Mai")])
    );
}

#[test]
fn extra_claims_and_choices_fill_fields_in_form_order() {
    let def = load(
        r#", { "id": "staatsangehoerigkeit", "type": "select", "label": "Staatsangehörigkeit", "prefill": "nationality",
               "options": [{ "value": "DE", "label": "deutsch" }, { "value": "AT", "label": "österreichisch" }] },
             { "id": "geburtsname", "type": "text", "label": "Geburtsname", "prefill": "birth_name" },
             { "id": "land", "type": "radio", "label": "Land", "prefill": "address.country",
               "options": [{ "value": "AT", "label": "Österreich" }] },
             { "id": "nachname", "type": "text", "label": "Nachname", "prefill": "family_name" }"#,
    );
    // `address.country` is DE, not an option of `land`: left out.
    assert_eq!(
        def.prefill_values(&anna()),
        pairs(&[
            ("staatsangehoerigkeit", "DE"),
            ("geburtsname", "Meier"),
            ("nachname", "Schmidt")
        ])
    );
}

#[test]
fn hidden_fields_are_filled_too_the_portal_decides() {
    let def = load(
        r#", { "id": "vorname", "type": "text", "label": "Vorname", "prefill": "given_name", "visible_if": "answers.name == 'x'" }"#,
    );
    assert_eq!(def.prefill_values(&anna()), pairs(&[("vorname", "Anna")]));
}

#[test]
fn prefill_survives_a_round_trip_and_is_absent_when_unset() {
    let def = load(
        r#", { "id": "vorname", "type": "text", "label": "Vorname", "prefill": "given_name" }"#,
    );
    let json = serde_json::to_value(&def).unwrap();
    assert_eq!(json["steps"][0]["fields"][1]["prefill"], "given_name");
    assert!(json["steps"][0]["fields"][0].get("prefill").is_none());
    let again = FormDefinition::from_json(&json.to_string()).unwrap();
    assert_eq!(again, def);
}

#[test]
fn the_lint_accepts_prefill_on_single_value_fields() {
    let found = problems(
        r#", { "id": "a", "type": "text", "label": "A", "prefill": "given_name" },
             { "id": "b", "type": "textarea", "label": "B", "prefill": "address.formatted" },
             { "id": "c", "type": "email", "label": "C", "prefill": "email" },
             { "id": "d", "type": "phone", "label": "D", "prefill": "phone_number" },
             { "id": "e", "type": "date", "label": "E", "prefill": "birthdate" },
             { "id": "f", "type": "postal_code", "label": "F", "prefill": "address.postal_code" },
             { "id": "g", "type": "select", "label": "G", "prefill": "nationality", "options": [{ "value": "DE", "label": "deutsch" }] },
             { "id": "h", "type": "radio", "label": "H", "prefill": "gender", "options": [{ "value": "female", "label": "weiblich" }] },
             { "id": "i", "type": "text", "label": "I", "prefill": "place_of_birth2" }"#,
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_lint_refuses_prefill_on_kinds_without_a_single_typed_value() {
    let found = problems(
        r#", { "id": "summe", "type": "computed", "label": "Summe", "value": "1", "prefill": "given_name" },
             { "id": "nachweis", "type": "file", "label": "Nachweis", "prefill": "given_name" },
             { "id": "ok", "type": "checkbox", "label": "OK", "prefill": "email_verified" },
             { "id": "tiere", "type": "checkboxes", "label": "Tiere", "prefill": "given_name", "options": [{ "value": "hund", "label": "Hund" }] },
             { "id": "anzahl", "type": "number", "label": "Anzahl", "prefill": "given_name" },
             { "id": "iban", "type": "iban", "label": "IBAN", "prefill": "given_name" },
             { "id": "hinweis", "type": "info", "label": "Hinweis", "text": "Bitte.", "prefill": "given_name" },
             { "id": "leute", "type": "group", "label": "Leute", "max_rows": 2, "prefill": "given_name",
               "fields": [{ "id": "wer", "type": "text", "label": "Wer" }] }"#,
    );
    assert_eq!(
        found,
        [
            "steps[0].fields[1].prefill: prefill is not allowed on a computed field",
            "steps[0].fields[2].prefill: prefill is not allowed on a file field",
            "steps[0].fields[3].prefill: prefill is not allowed on a checkbox field",
            "steps[0].fields[4].prefill: prefill is not allowed on a checkboxes field",
            "steps[0].fields[5].prefill: prefill is not allowed on a number field",
            "steps[0].fields[6].prefill: prefill is not allowed on an iban field",
            "steps[0].fields[7].prefill: prefill is not allowed on an info field",
            "steps[0].fields[8].prefill: prefill is not allowed on a group field",
        ]
    );
}

#[test]
fn the_lint_refuses_prefill_inside_a_group() {
    let found = problems(
        r#", { "id": "kinder", "type": "group", "label": "Kinder", "max_rows": 3,
               "fields": [{ "id": "kind_name", "type": "text", "label": "Name", "prefill": "given_name" }] }"#,
    );
    assert_eq!(
        found,
        [
            "steps[0].fields[1].fields[0].prefill: prefill is not allowed on a field inside a group \
          (only fields outside groups are filled from the login)"
        ]
    );
}

#[test]
fn the_lint_names_a_malformed_claim() {
    let found = problems(
        r#", { "id": "a", "type": "text", "label": "A", "prefill": "Given_Name" },
             { "id": "b", "type": "text", "label": "B", "prefill": "given-name" },
             { "id": "c", "type": "text", "label": "C", "prefill": "address" },
             { "id": "d", "type": "text", "label": "D", "prefill": "name.family" },
             { "id": "e", "type": "text", "label": "E", "prefill": "address.street.nr" },
             { "id": "f", "type": "text", "label": "F", "prefill": "" }"#,
    );
    assert_eq!(
        found,
        [
            "steps[0].fields[1].prefill: prefill 'Given_Name' must be a claim name (a-z, 0-9 and _, starting with a-z) or address.<part>",
            "steps[0].fields[2].prefill: prefill 'given-name' must be a claim name (a-z, 0-9 and _, starting with a-z) or address.<part>",
            "steps[0].fields[3].prefill: prefill 'address' names the whole address claim: name one part, e.g. address.postal_code",
            "steps[0].fields[4].prefill: prefill 'name.family': only the address claim has parts (address.<part>)",
            "steps[0].fields[5].prefill: prefill 'address.street.nr' must be a claim name (a-z, 0-9 and _, starting with a-z) or address.<part>",
            "steps[0].fields[6].prefill: prefill '' must be a claim name (a-z, 0-9 and _, starting with a-z) or address.<part>",
        ]
    );
    assert!(
        FormDefinition::from_json(&form(
            r#", { "id": "a", "type": "text", "label": "A", "prefill": "address" }"#
        ))
        .is_err()
    );
}

#[test]
fn the_demo_forms_prefill_the_applicant_from_the_login() {
    let gewerbe = FormDefinition::from_json(GEWERBE).unwrap();
    assert_eq!(
        gewerbe.prefill_values(&anna()),
        pairs(&[
            ("vorname", "Anna"),
            ("nachname", "Schmidt"),
            ("geburtsdatum", "1984-03-14"),
            ("strasse", "Markt 1"),
            ("plz", "99735"),
            ("ort", "Werther"),
            ("email", "anna@example.de"),
        ])
    );
    let grab = FormDefinition::from_json(GRAB).unwrap();
    assert_eq!(
        grab.prefill_values(&anna()),
        pairs(&[
            ("vorname", "Anna"),
            ("nachname", "Schmidt"),
            ("strasse", "Markt 1"),
            ("plz", "99735"),
            ("ort", "Werther"),
            ("email", "anna@example.de"),
        ])
    );
}
