//! Shared by the test files of this folder: the demo forms and realistic answer sets.

#![allow(dead_code)] // each test file uses a part

pub const HUNDESTEUER: &str = include_str!("../../../portal/demo/forms/hundesteuer-anmeldung.json");
pub const GEWERBE: &str = include_str!("../../../portal/demo/forms/gewerbeanmeldung.json");
pub const GRAB: &str =
    include_str!("../../../portal/demo/forms/grabnutzungsrecht-verlaengerung.json");

/// Posted pairs as the portal hands them to validation.
pub fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The answer set the portal's black-box tests file (tests/src/lib.rs, DOG_TAX_ANSWERS).
pub const DOG_TAX_ANSWERS: &[(&str, &str)] = &[
    ("vorname", "Anna"),
    ("nachname", "Schulz"),
    ("geburtsdatum", "12.03.1985"),
    ("strasse", "Hauptstraße 1"),
    ("plz", "99735"),
    ("ort", "Werther"),
    ("email", "anna.schulz@example.org"),
    ("hunde.0.hund_name", "Bello"),
    ("hunde.0.rasse", "Mischling"),
    ("hunde.0.hund_geburtsdatum", "01.02.2022"),
    ("hunde.0.gehalten_seit", "01.10.2026"),
    ("hunde.0.geschlecht", "ruede"),
    ("hunde.0.gefaehrlicher_hund", "nein"),
];

/// A complete trade registration (tests/src/lib.rs, TRADE_ANSWERS).
pub const TRADE_ANSWERS: &[(&str, &str)] = &[
    ("vorname", "Jonas"),
    ("nachname", "Becker"),
    ("geburtsdatum", "05.07.1990"),
    ("strasse", "Lindenweg 4"),
    ("plz", "99735"),
    ("ort", "Werther"),
    ("email", "jonas.becker@example.org"),
    ("taetigkeit", "Fahrradreparatur"),
    ("beginn", "01.12.2026"),
    ("betriebsstaette.0.betrieb_strasse", "Bahnhofstraße 12"),
    ("betriebsstaette.0.betrieb_plz", "99735"),
    ("betriebsstaette.0.betrieb_ort", "Werther"),
    ("beschaeftigte", "2"),
    ("rechtsform", "einzelunternehmen"),
];

/// A complete extension of a grave's right of use (tests/src/lib.rs, GRAVE_ANSWERS).
pub const GRAVE_ANSWERS: &[(&str, &str)] = &[
    ("vorname", "Erika"),
    ("nachname", "Hoffmann"),
    ("strasse", "Am Anger 7"),
    ("plz", "99735"),
    ("ort", "Werther"),
    ("email", "erika.hoffmann@example.org"),
    ("friedhof", "Friedhof Werther"),
    ("grabart", "urnenwahlgrab"),
    ("grabnummer", "Feld B, Reihe 3, Nr. 12"),
    ("verstorbene", "Walter Hoffmann"),
    ("jahre", "10"),
];
