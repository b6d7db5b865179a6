//! The demo forms shipped with the portal load, accept a realistic application and
//! refuse an empty one with every required field named.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{Answers, ErrorCode, Fee, FormDefinition, TrustLevel, format_eur};

const HUNDESTEUER: &str = include_str!("../../portal/demo/forms/hundesteuer-anmeldung.json");
const GEWERBE: &str = include_str!("../../portal/demo/forms/gewerbeanmeldung.json");
const GRAB: &str = include_str!("../../portal/demo/forms/grabnutzungsrecht-verlaengerung.json");

fn load(src: &str) -> FormDefinition {
    FormDefinition::from_json(src).unwrap_or_else(|e| panic!("demo form does not load: {e}"))
}

fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn required_ids(form: &FormDefinition) -> Vec<String> {
    form.fields()
        .filter(|f| f.required)
        .map(|f| f.id.clone())
        .collect()
}

fn assert_empty_post_names_every_required_field(form: &FormDefinition) {
    let rejected = form.validate(&post(&[("_csrf", "x")])).unwrap_err();
    let fields: Vec<String> = rejected.errors.iter().map(|e| e.field.clone()).collect();
    assert_eq!(fields, required_ids(form));
    assert!(
        rejected
            .errors
            .iter()
            .all(|e| e.error == ErrorCode::Required)
    );
}

fn owner_address() -> Vec<(&'static str, &'static str)> {
    vec![
        ("vorname", "Erika"),
        ("nachname", "Mustermann"),
        ("strasse", "Schillerstraße 12"),
        ("plz", "99423"),
        ("ort", "Weimar"),
    ]
}

#[test]
fn all_demo_forms_are_valid_and_round_trip_through_serde() {
    for src in [HUNDESTEUER, GEWERBE, GRAB] {
        let form = load(src);
        let again = FormDefinition::from_json(&serde_json::to_string(&form).unwrap()).unwrap();
        assert_eq!(again, form);
        assert_ne!(
            form.title.get("en"),
            form.title.get("de"),
            "{}: English title",
            form.id
        );
        assert_ne!(
            form.summary.get("en"),
            form.summary.get("de"),
            "{}: English summary",
            form.id
        );
        assert!((3..=5).contains(&form.requirements.len()), "{}", form.id);
    }
}

#[test]
fn dog_owner_registers_a_dog_and_is_told_the_tax_comes_by_notice() {
    let form = load(HUNDESTEUER);
    let mut pairs = owner_address();
    pairs.extend([
        ("_csrf", "token"),
        ("geburtsdatum", "27.03.1985"),
        ("email", "erika@example.org"),
        ("telefon", ""),
        ("hund_name", "Bello"),
        ("rasse", "Labrador-Mischling"),
        ("hund_geburtsdatum", "2024-05-01"),
        ("gehalten_seit", "15.01.2026"),
        ("geschlecht", "ruede"),
        ("gefaehrlicher_hund", "nein"),
        ("wahrheitsgemaess", "on"),
    ]);
    let answers = form.validate(&post(&pairs)).unwrap();
    assert_eq!(answers.get("geburtsdatum"), Some("1985-03-27"));
    assert_eq!(answers.get("telefon"), None);
    assert_eq!(answers.get("chipnummer"), None);
    assert_eq!(
        form.display_value("geschlecht", &answers, "de").as_deref(),
        Some("Rüde")
    );
    assert_eq!(
        form.display_value("gehalten_seit", &answers, "de")
            .as_deref(),
        Some("15.01.2026")
    );
    assert_eq!(
        form.display_value("wahrheitsgemaess", &answers, "en")
            .as_deref(),
        Some("Yes")
    );
    assert_eq!(form.fee.amount_cents(&answers), None);
    assert!(
        matches!(&form.fee, Fee::None { note: Some(note) } if note.get("de").contains("Bescheid"))
    );
    assert_eq!(form.trust_level, TrustLevel::None);
}

#[test]
fn dog_owner_sending_an_empty_form_sees_every_required_field() {
    assert_empty_post_names_every_required_field(&load(HUNDESTEUER));
}

#[test]
fn founder_registers_a_bicycle_workshop_and_pays_26_euros() {
    let form = load(GEWERBE);
    let mut pairs = owner_address();
    pairs.extend([
        ("geburtsdatum", "1990-11-02"),
        ("email", "erika@example.org"),
        ("betrieb_name", "Fahrradwerkstatt am Frauenplan"),
        (
            "taetigkeit",
            "Reparatur und Verkauf von Fahrrädern\r\nund Zubehör",
        ),
        ("beginn", "01.03.2026"),
        ("betrieb_strasse", "Frauenplan 3"),
        ("betrieb_plz", "99423"),
        ("betrieb_ort", "Weimar"),
        ("beschaeftigte", "2"),
        ("rechtsform", "einzelunternehmen"),
        ("wahrheitsgemaess", "true"),
    ]);
    let answers = form.validate(&post(&pairs)).unwrap();
    assert_eq!(
        answers.get("taetigkeit"),
        Some("Reparatur und Verkauf von Fahrrädern\nund Zubehör")
    );
    assert_eq!(
        form.display_value("rechtsform", &answers, "de").as_deref(),
        Some("Einzelunternehmen")
    );
    let cents = form.fee.amount_cents(&answers).unwrap();
    assert_eq!(format_eur(cents, "de"), "26,00 €");
    assert_eq!(form.leika.as_deref(), Some("99050012104000"));
    assert_eq!(
        form.field("taetigkeit")
            .and_then(|f| f.effective_max_length()),
        Some(1000)
    );
}

#[test]
fn founder_sending_an_empty_form_sees_every_required_field() {
    assert_empty_post_names_every_required_field(&load(GEWERBE));
}

#[test]
fn founder_with_a_vague_activity_and_too_many_employees_sees_both_errors() {
    let form = load(GEWERBE);
    let rejected = form
        .validate(&post(&[
            ("taetigkeit", "Handel"),
            ("beschaeftigte", "100001"),
        ]))
        .unwrap_err();
    assert_eq!(
        rejected.error_for("taetigkeit"),
        Some(ErrorCode::TooShort { min: 10 })
    );
    assert_eq!(
        rejected.error_for("beschaeftigte"),
        Some(ErrorCode::TooLarge { max: 100_000 })
    );
}

#[test]
fn relative_extends_a_grave_by_ten_years_for_350_euros() {
    let form = load(GRAB);
    let mut pairs = owner_address();
    pairs.extend([
        ("email", "erika@example.org"),
        ("telefon", "03643 762-0"),
        ("friedhof", "Hauptfriedhof Weimar"),
        ("grabart", "urnenwahlgrab"),
        ("grabnummer", "Abt. 12, Reihe 3, Nr. 17"),
        ("verstorbene", "Hermann Mustermann"),
        ("jahre", "10"),
        ("wahrheitsgemaess", "1"),
    ]);
    let answers = form.validate(&post(&pairs)).unwrap();
    let cents = form.fee.amount_cents(&answers).unwrap();
    assert_eq!(format_eur(cents, "de"), "350,00 €");
    assert_eq!(format_eur(cents, "en"), "€350.00");
    assert_eq!(
        form.display_value("grabart", &answers, "en").as_deref(),
        Some("Urnenwahlgrab")
    );
}

#[test]
fn relative_sending_an_empty_form_sees_every_required_field_and_no_fee() {
    let form = load(GRAB);
    assert_empty_post_names_every_required_field(&form);
    assert_eq!(form.fee.amount_cents(&Answers::default()), None);
}
