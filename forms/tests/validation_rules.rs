//! One test per validation rule, named for the story it protects.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{ErrorCode, FieldError, FormDefinition, Rejected};

/// A small form with one field of every kind, so each rule can be exercised alone.
fn dog_form() -> FormDefinition {
    FormDefinition::from_json(
        r#"{
          "id": "test-form",
          "version": 1,
          "title": "Testformular",
          "summary": "Ein Formular für Tests.",
          "fee": { "kind": "none" },
          "steps": [{
            "title": "Alles",
            "fields": [
              { "id": "vorname", "type": "text", "label": "Vorname", "required": true, "min_length": 2 },
              { "id": "bemerkung", "type": "textarea", "label": "Bemerkung", "max_length": 20 },
              { "id": "email", "type": "email", "label": "E-Mail" },
              { "id": "telefon", "type": "phone", "label": "Telefon" },
              { "id": "geburtsdatum", "type": "date", "label": "Geburtsdatum" },
              { "id": "anzahl", "type": "number", "label": "Anzahl", "min": 1, "max": 30 },
              { "id": "plz", "type": "postal_code", "label": "PLZ" },
              { "id": "rechtsform", "type": "select", "label": "Rechtsform",
                "options": [ { "value": "gmbh", "label": "GmbH" }, { "value": "gbr", "label": "GbR" } ] },
              { "id": "geschlecht", "type": "radio", "label": "Geschlecht",
                "options": [ { "value": "ruede", "label": "Rüde" }, { "value": "huendin", "label": "Hündin" } ] },
              { "id": "newsletter", "type": "checkbox", "label": "Newsletter" },
              { "id": "wahrheit", "type": "checkbox", "label": "Angaben wahrheitsgemäß", "required": true }
            ]
          }]
        }"#,
    )
    .unwrap()
}

fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The minimum valid post plus `extra`; the first occurrence of a key wins, so `extra` comes first.
fn with(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs = post(extra);
    pairs.extend(post(&[("vorname", "Erika"), ("wahrheit", "true")]));
    pairs
}

fn errors_of(result: Result<forms::Answers, Rejected>) -> Vec<FieldError> {
    match result {
        Ok(answers) => panic!("expected rejection, got {answers:?}"),
        Err(rejected) => rejected.errors,
    }
}

fn single_error(extra: &[(&str, &str)]) -> (String, ErrorCode) {
    let errors = errors_of(dog_form().validate(&with(extra)));
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors.into_iter().next().unwrap();
    (e.field, e.error)
}

fn answer(extra: &[(&str, &str)], field: &str) -> Option<String> {
    let answers = dog_form().validate(&with(extra)).unwrap();
    answers.get(field).map(str::to_owned)
}

#[test]
fn citizen_submitting_empty_form_gets_required_errors_in_form_order() {
    let errors = errors_of(dog_form().validate(&[]));
    assert_eq!(
        errors,
        vec![
            FieldError {
                field: "vorname".into(),
                error: ErrorCode::Required
            },
            FieldError {
                field: "wahrheit".into(),
                error: ErrorCode::Required
            },
        ]
    );
}

#[test]
fn whitespace_only_counts_as_empty_for_required_fields() {
    let errors = errors_of(dog_form().validate(&post(&[("vorname", "   \t"), ("wahrheit", "on")])));
    assert_eq!(
        errors,
        vec![FieldError {
            field: "vorname".into(),
            error: ErrorCode::Required
        }]
    );
}

#[test]
fn rejected_post_keeps_exactly_what_was_typed_for_redisplay() {
    let rejected = dog_form()
        .validate(&post(&[
            ("_csrf", "token"),
            ("vorname", "  E "),
            ("plz", " 9942 "),
        ]))
        .unwrap_err();
    assert_eq!(
        rejected.values.get("vorname").map(String::as_str),
        Some("  E ")
    );
    assert_eq!(
        rejected.values.get("plz").map(String::as_str),
        Some(" 9942 ")
    );
    assert!(
        !rejected.values.contains_key("_csrf"),
        "unknown keys are not echoed"
    );
}

#[test]
fn csrf_token_and_other_unknown_keys_are_ignored() {
    let answers = dog_form()
        .validate(&with(&[("_csrf", "abc"), ("evil", "x")]))
        .unwrap();
    assert_eq!(answers.get("_csrf"), None);
    assert_eq!(answers.get("evil"), None);
}

#[test]
fn duplicate_keys_take_the_first_value() {
    assert_eq!(
        answer(&[("plz", "99423"), ("plz", "07743")], "plz").as_deref(),
        Some("99423")
    );
}

#[test]
fn answers_are_trimmed_and_optional_empty_fields_are_absent() {
    let answers = dog_form()
        .validate(&post(&[
            ("vorname", "  Erika  "),
            ("email", "   "),
            ("wahrheit", "true"),
        ]))
        .unwrap();
    assert_eq!(answers.get("vorname"), Some("Erika"));
    assert_eq!(answers.get("email"), None);
    assert_eq!(answers.0.len(), 2, "{answers:?}");
}

#[test]
fn one_letter_first_name_is_too_short() {
    assert_eq!(
        single_error(&[("vorname", "E")]),
        ("vorname".into(), ErrorCode::TooShort { min: 2 })
    );
}

#[test]
fn length_counts_characters_not_bytes() {
    // 20 umlauts are 40 bytes but 20 characters: exactly at the limit.
    let twenty = "ä".repeat(20);
    assert_eq!(answer(&[("bemerkung", &twenty)], "bemerkung"), Some(twenty));
    let twenty_one = "ä".repeat(21);
    assert_eq!(
        single_error(&[("bemerkung", &twenty_one)]),
        ("bemerkung".into(), ErrorCode::TooLong { max: 20 })
    );
}

#[test]
fn text_field_without_max_length_gets_the_default_of_200() {
    assert_eq!(
        answer(&[("vorname", &"a".repeat(200))], "vorname").map(|v| v.len()),
        Some(200)
    );
    assert_eq!(
        single_error(&[("vorname", &"a".repeat(201))]),
        ("vorname".into(), ErrorCode::TooLong { max: 200 })
    );
}

#[test]
fn textarea_line_breaks_from_the_browser_count_as_one_character() {
    // Browsers send CRLF for a textarea line break but count it as one character for maxlength.
    let text = format!("{}\r\n{}", "a".repeat(10), "b".repeat(9));
    assert_eq!(
        answer(&[("bemerkung", &text)], "bemerkung"),
        Some(format!("{}\n{}", "a".repeat(10), "b".repeat(9)))
    );
}

#[test]
fn name_with_null_byte_is_rejected_as_control_characters() {
    assert_eq!(
        single_error(&[("vorname", "Eri\u{0}ka")]),
        ("vorname".into(), ErrorCode::ControlCharacters)
    );
}

#[test]
fn textarea_allows_tabs_and_line_breaks_but_not_escape_sequences() {
    assert!(answer(&[("bemerkung", "a\tb\nc")], "bemerkung").is_some());
    assert_eq!(
        single_error(&[("bemerkung", "a\u{1b}[31m")]),
        ("bemerkung".into(), ErrorCode::ControlCharacters)
    );
}

#[test]
fn single_line_field_with_smuggled_line_break_is_rejected() {
    assert_eq!(
        single_error(&[("vorname", "Erika\r\nBcc: x@example.org")]),
        ("vorname".into(), ErrorCode::ControlCharacters)
    );
}

#[test]
fn thuringian_postal_code_with_leading_zero_is_accepted() {
    assert_eq!(
        answer(&[("plz", " 07743 ")], "plz").as_deref(),
        Some("07743")
    );
}

#[test]
fn four_digit_postal_code_is_invalid() {
    assert_eq!(
        single_error(&[("plz", "9942")]),
        ("plz".into(), ErrorCode::InvalidPostalCode)
    );
    assert_eq!(
        single_error(&[("plz", "994230")]),
        ("plz".into(), ErrorCode::InvalidPostalCode)
    );
    assert_eq!(
        single_error(&[("plz", "99a23")]),
        ("plz".into(), ErrorCode::InvalidPostalCode)
    );
}

#[test]
fn email_without_dot_in_domain_is_invalid() {
    assert_eq!(
        single_error(&[("email", "erika@localhost")]),
        ("email".into(), ErrorCode::InvalidEmail)
    );
}

#[test]
fn email_variants_that_are_not_addresses_are_invalid() {
    for bad in [
        "erika",
        "@weimar.de",
        "erika@@weimar.de",
        "eri ka@weimar.de",
        "a@b@weimar.de",
        "erika@.de",
        "erika@weimar.",
    ] {
        assert_eq!(
            single_error(&[("email", bad)]),
            ("email".into(), ErrorCode::InvalidEmail),
            "{bad}"
        );
    }
}

#[test]
fn ordinary_email_is_accepted_and_trimmed() {
    assert_eq!(
        answer(&[("email", " erika.mustermann@weimar.de ")], "email").as_deref(),
        Some("erika.mustermann@weimar.de")
    );
}

#[test]
fn overlong_email_is_rejected() {
    let long = format!("{}@weimar.de", "a".repeat(250));
    let (field, error) = single_error(&[("email", &long)]);
    assert_eq!(field, "email");
    assert!(
        matches!(
            error,
            ErrorCode::TooLong { max: 254 } | ErrorCode::InvalidEmail
        ),
        "{error:?}"
    );
}

#[test]
fn phone_in_german_notation_is_accepted() {
    for ok in ["03643 762-0", "+49 (3643) 762 0", "0361/123456"] {
        assert_eq!(answer(&[("telefon", ok)], "telefon").as_deref(), Some(ok));
    }
}

#[test]
fn phone_with_letters_or_too_few_digits_is_invalid() {
    assert_eq!(
        single_error(&[("telefon", "0361 BUERGER")]),
        ("telefon".into(), ErrorCode::InvalidPhone)
    );
    assert_eq!(
        single_error(&[("telefon", "+49 123")]),
        ("telefon".into(), ErrorCode::InvalidPhone)
    );
}

#[test]
fn date_from_the_browser_date_picker_is_kept_as_iso() {
    assert_eq!(
        answer(&[("geburtsdatum", "1980-02-29")], "geburtsdatum").as_deref(),
        Some("1980-02-29")
    );
}

#[test]
fn date_typed_the_german_way_is_normalized_to_iso() {
    assert_eq!(
        answer(&[("geburtsdatum", "31.01.2026")], "geburtsdatum").as_deref(),
        Some("2026-01-31")
    );
    assert_eq!(
        answer(&[("geburtsdatum", "1.2.2026")], "geburtsdatum").as_deref(),
        Some("2026-02-01")
    );
}

#[test]
fn dog_owner_with_impossible_birth_date_gets_invalid_date() {
    for bad in [
        "31.02.1980",
        "1981-02-29",
        "1900-02-29",
        "2026-13-01",
        "2026-00-10",
        "00.01.2026",
        "morgen",
        "2026-1-1x",
    ] {
        assert_eq!(
            single_error(&[("geburtsdatum", bad)]),
            ("geburtsdatum".into(), ErrorCode::InvalidDate),
            "{bad}"
        );
    }
}

#[test]
fn leap_day_in_a_year_divisible_by_400_is_real() {
    assert_eq!(
        answer(&[("geburtsdatum", "29.02.2000")], "geburtsdatum").as_deref(),
        Some("2000-02-29")
    );
}

#[test]
fn number_is_stored_canonically() {
    assert_eq!(answer(&[("anzahl", "007")], "anzahl").as_deref(), Some("7"));
}

#[test]
fn number_with_decimal_or_plus_sign_is_invalid() {
    for bad in ["2,5", "2.5", "+3", "drei", "-", "1 0"] {
        assert_eq!(
            single_error(&[("anzahl", bad)]),
            ("anzahl".into(), ErrorCode::InvalidNumber),
            "{bad}"
        );
    }
}

#[test]
fn grave_extension_beyond_thirty_years_is_too_large() {
    assert_eq!(
        single_error(&[("anzahl", "31")]),
        ("anzahl".into(), ErrorCode::TooLarge { max: 30 })
    );
    assert_eq!(
        single_error(&[("anzahl", "99999999999999999999999")]),
        ("anzahl".into(), ErrorCode::TooLarge { max: 30 })
    );
}

#[test]
fn zero_or_negative_years_is_too_small() {
    assert_eq!(
        single_error(&[("anzahl", "0")]),
        ("anzahl".into(), ErrorCode::TooSmall { min: 1 })
    );
    assert_eq!(
        single_error(&[("anzahl", "-4")]),
        ("anzahl".into(), ErrorCode::TooSmall { min: 1 })
    );
}

#[test]
fn select_value_not_in_the_list_is_not_an_option() {
    assert_eq!(
        single_error(&[("rechtsform", "ag")]),
        ("rechtsform".into(), ErrorCode::NotAnOption)
    );
    assert_eq!(
        answer(&[("rechtsform", "gmbh")], "rechtsform").as_deref(),
        Some("gmbh")
    );
}

#[test]
fn radio_value_not_in_the_list_is_not_an_option() {
    assert_eq!(
        single_error(&[("geschlecht", "kater")]),
        ("geschlecht".into(), ErrorCode::NotAnOption)
    );
}

#[test]
fn required_declaration_checkbox_accepts_what_browsers_send() {
    for checked in ["true", "on", "1", "yes", "ON"] {
        let answers = dog_form()
            .validate(&post(&[("vorname", "Erika"), ("wahrheit", checked)]))
            .unwrap();
        assert_eq!(answers.get("wahrheit"), Some("true"), "{checked}");
    }
}

#[test]
fn unchecked_declaration_is_required() {
    for unchecked in ["", "false", "off", "0"] {
        let errors =
            errors_of(dog_form().validate(&post(&[("vorname", "Erika"), ("wahrheit", unchecked)])));
        assert_eq!(
            errors,
            vec![FieldError {
                field: "wahrheit".into(),
                error: ErrorCode::Required
            }]
        );
    }
}

#[test]
fn optional_unchecked_checkbox_is_absent() {
    assert_eq!(answer(&[("newsletter", "false")], "newsletter"), None);
    assert_eq!(
        answer(&[("newsletter", "on")], "newsletter").as_deref(),
        Some("true")
    );
}

#[test]
fn error_codes_are_stable_snake_case_with_arguments_for_fluent() {
    assert_eq!(ErrorCode::Required.code(), "required");
    assert_eq!(ErrorCode::TooLong { max: 200 }.code(), "too_long");
    assert_eq!(ErrorCode::TooLong { max: 200 }.args(), vec![("max", 200)]);
    assert_eq!(ErrorCode::TooShort { min: 2 }.args(), vec![("min", 2)]);
    assert_eq!(ErrorCode::TooSmall { min: -3 }.args(), vec![("min", -3)]);
    assert_eq!(ErrorCode::InvalidPostalCode.code(), "invalid_postal_code");
    assert_eq!(ErrorCode::NotAnOption.code(), "not_an_option");
    assert_eq!(ErrorCode::ControlCharacters.code(), "control_characters");
    assert!(ErrorCode::InvalidDate.args().is_empty());
}

#[test]
fn answers_are_shown_as_people_read_them() {
    let form = dog_form();
    let answers = form
        .validate(&with(&[
            ("geburtsdatum", "2026-01-31"),
            ("anzahl", "12"),
            ("geschlecht", "huendin"),
            ("newsletter", "on"),
        ]))
        .unwrap();
    let show = |id: &str, lang: &str| form.display_value(id, &answers, lang);
    assert_eq!(show("geburtsdatum", "de").as_deref(), Some("31.01.2026"));
    assert_eq!(
        show("geburtsdatum", "en").as_deref(),
        Some("31 January 2026")
    );
    assert_eq!(show("anzahl", "de").as_deref(), Some("12"));
    assert_eq!(show("geschlecht", "de").as_deref(), Some("Hündin"));
    assert_eq!(show("newsletter", "de").as_deref(), Some("Ja"));
    assert_eq!(show("newsletter", "en").as_deref(), Some("Yes"));
    assert_eq!(show("email", "de"), None, "absent answer");
    assert_eq!(show("no_such_field", "de"), None);
}

#[test]
fn answers_serialize_as_a_plain_json_object() {
    let answers = dog_form().validate(&with(&[])).unwrap();
    assert_eq!(
        serde_json::to_string(&answers).unwrap(),
        r#"{"vorname":"Erika","wahrheit":"true"}"#
    );
}
