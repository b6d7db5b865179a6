//! The demo forms shipped with the portal load, accept a realistic application and
//! refuse an empty one with every required field named.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use forms::{
    Answers, ErrorCode, Fee, FieldKind, FormDefinition, Outcome, ParamValue, Params, TrustLevel,
    format_eur,
};

mod common;

use common::{DOG_TAX_ANSWERS, GEWERBE, GRAB, HUNDESTEUER, post};

fn load(src: &str) -> FormDefinition {
    FormDefinition::from_json(src).unwrap_or_else(|e| panic!("demo form does not load: {e}"))
}

/// Required fields that are shown when nothing is answered yet.
fn required_ids(form: &FormDefinition, empty: &[(String, String)]) -> Vec<String> {
    let conditions = form.conditions(empty, &Params::defaults());
    form.slots(|g| conditions.rows(&g.id))
        .iter()
        .filter(|s| s.field.required && conditions.is_field_visible(&s.key()))
        .map(forms::Slot::key)
        .collect()
}

fn assert_empty_post_names_every_required_field(form: &FormDefinition) {
    let empty = post(&[("_csrf", "x")]);
    let required = required_ids(form, &empty);
    let rejected = form.validate(&empty).unwrap_err();
    let fields: Vec<String> = rejected.errors.iter().map(|e| e.field.clone()).collect();
    assert_eq!(fields, required);
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
        ("hunde.0.hund_name", "Bello"),
        ("hunde.0.rasse", "Labrador-Mischling"),
        ("hunde.0.hund_geburtsdatum", "2024-05-01"),
        ("hunde.0.gehalten_seit", "15.01.2026"),
        ("hunde.0.geschlecht", "ruede"),
        ("hunde.0.gefaehrlicher_hund", "nein"),
        ("wahrheitsgemaess", "on"),
    ]);
    let answers = form.validate(&post(&pairs)).unwrap();
    assert_eq!(answers.get("geburtsdatum"), Some("1985-03-27"));
    assert_eq!(answers.get("telefon"), None);
    assert_eq!(answers.get("hunde.0.chipnummer"), None);
    assert_eq!(
        form.display_value("hunde.0.geschlecht", &answers, "de")
            .as_deref(),
        Some("Rüde")
    );
    assert_eq!(
        form.display_value("hunde.0.gehalten_seit", &answers, "de")
            .as_deref(),
        Some("15.01.2026")
    );
    // The declaration is confirmed on the check-your-answers page, not as a field.
    assert_eq!(answers.get("wahrheitsgemaess"), None);
    assert!(
        form.declaration
            .as_ref()
            .is_some_and(|d| d.get("en").starts_with("I confirm"))
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
        ("betriebsstaette.0.betrieb_strasse", "Frauenplan 3"),
        ("betriebsstaette.0.betrieb_plz", "99423"),
        ("betriebsstaette.0.betrieb_ort", "Weimar"),
        ("beschaeftigte", "2"),
        ("rechtsform", "einzelunternehmen"),
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

fn dog_tax_with(changes: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    let mut pairs = post(changes);
    pairs.extend(post(DOG_TAX_ANSWERS));
    pairs
}

#[test]
fn first_dog_is_taxed_at_the_first_dog_rate_for_information() {
    let form = load(HUNDESTEUER);
    let answers = form.validate(&dog_tax_with(&[])).unwrap();
    assert_eq!(answers.get("jahressteuer"), Some("4800"));
    assert_eq!(
        form.display_value("jahressteuer", &answers, "de")
            .as_deref(),
        Some("48,00 €")
    );
    let answers = form
        .validate(&dog_tax_with(&[("weitere_hunde", "0")]))
        .unwrap();
    assert_eq!(answers.get("jahressteuer"), Some("4800"));
    assert_eq!(
        form.fee.amount_cents(&answers),
        None,
        "the tax comes by notice"
    );
    assert_eq!(
        form.field("steuer_hinweis").map(|f| f.kind),
        Some(FieldKind::Info)
    );
}

#[test]
fn a_further_dog_costs_the_further_dog_rate_of_the_municipality() {
    let form = load(HUNDESTEUER);
    let answers = form
        .validate(&dog_tax_with(&[("weitere_hunde", "2")]))
        .unwrap();
    assert_eq!(answers.get("jahressteuer"), Some("9600"));
    let town = Params::defaults().with("steuer_weiterer_hund", ParamValue::Int(14_400));
    let answers = form
        .validate_with(&dog_tax_with(&[("weitere_hunde", "2")]), &town)
        .unwrap();
    assert_eq!(answers.get("jahressteuer"), Some("14400"));
    assert!(form.check_params(&town).is_empty());
    let rejected = form
        .validate(&dog_tax_with(&[("weitere_hunde", "21")]))
        .unwrap_err();
    assert_eq!(
        rejected.error_for("weitere_hunde"),
        Some(ErrorCode::TooLarge { max: 20 })
    );
}

#[test]
fn a_dangerous_dog_needs_its_documents_and_the_higher_rate_applies() {
    let form = load(HUNDESTEUER);
    let rejected = form
        .validate(&dog_tax_with(&[("hunde.0.gefaehrlicher_hund", "ja")]))
        .unwrap_err();
    assert_eq!(
        rejected.error_for("hunde.0.rasse_nachweis"),
        Some(ErrorCode::Required)
    );
    assert_eq!(rejected.errors.len(), 1);
    let answers = form
        .validate(&dog_tax_with(&[
            ("hunde.0.gefaehrlicher_hund", "ja"),
            (
                "hunde.0.rasse_nachweis",
                "Wesenstest vom 03.02.2026, Stadt Weimar",
            ),
        ]))
        .unwrap();
    assert_eq!(answers.get("jahressteuer"), Some("60000"));
    // Answered "nein" after all: the documents typed earlier are not stored.
    let answers = form
        .validate(&dog_tax_with(&[("hunde.0.rasse_nachweis", "alter Text")]))
        .unwrap();
    assert_eq!(answers.get("hunde.0.rasse_nachweis"), None);
    let explained = form.explain(&answers, &Params::defaults());
    let visible = explained
        .iter()
        .find(|e| e.path == "steps[1].fields[0].fields[7].visible_if (row 1)")
        .unwrap();
    assert_eq!(visible.outcome, Outcome::Bool(false));
}

#[test]
fn grave_fee_is_computed_from_the_years_at_the_municipality_rate() {
    let form = load(GRAB);
    let mut pairs = owner_address();
    pairs.extend([
        ("email", "erika@example.org"),
        ("friedhof", "Hauptfriedhof Weimar"),
        ("grabart", "wahlgrab"),
        ("grabnummer", "Abt. 12, Reihe 3, Nr. 17"),
        ("verstorbene", "Hermann Mustermann"),
        ("jahre", "10"),
        ("gebuehr", "1"),
    ]);
    let answers = form.validate(&post(&pairs)).unwrap();
    assert_eq!(answers.get("gebuehr"), Some("35000"));
    assert_eq!(
        form.fee
            .amount_cents(&answers)
            .map(|c| c.to_string())
            .as_deref(),
        answers.get("gebuehr"),
        "the default rate is the fee statute's"
    );
    let town = Params::defaults().with("gebuehr_pro_jahr", ParamValue::Int(4000));
    let answers = form.validate_with(&post(&pairs), &town).unwrap();
    assert_eq!(
        form.display_value("gebuehr", &answers, "en").as_deref(),
        Some("€400.00")
    );
}

#[test]
fn other_legal_form_must_be_named_and_register_number_only_asked_for_registered_firms() {
    let form = load(GEWERBE);
    let conditions = form.conditions(&post(&[("rechtsform", "gmbh")]), &Params::defaults());
    assert!(conditions.is_field_visible("handelsregister"));
    assert!(!conditions.is_field_visible("rechtsform_sonstige"));
    let conditions = form.conditions(&post(&[("rechtsform", "sonstige")]), &Params::defaults());
    assert!(conditions.is_required("rechtsform_sonstige"));
    assert!(!conditions.is_field_visible("handelsregister"));
}
