//! The application PDF ("Antrag"): everything the citizen entered, as they saw it on the check
//! page, with the case's reference, dates, attachments and payment. It goes to the office with
//! the case, so it is always in German.

use chrono::{DateTime, Utc};

use super::PdfError;
use super::doc::{Column, Doc, Table};
use super::text::is_blank;
use crate::delivery::document::{AttachmentInfo, CaseDocument, PaymentInfo};
use crate::i18n::Lang;

/// An accessible PDF of everything the citizen entered, as they saw it (A4, tagged, checked
/// against PDF/UA-1).
pub fn application_pdf(doc: &CaseDocument) -> Result<Vec<u8>, PdfError> {
    application_doc(doc).to_pdf()
}

pub(super) fn application_doc(c: &CaseDocument) -> Doc {
    let title = format!("Antrag {}", c.service.title.trim());
    let reference = &c.case.reference;
    let municipality = &c.municipality.name;
    let mut doc = Doc::new(format!("{title} – {reference}"), Lang::De);
    doc.author(municipality)
        // The case's own date, so the same case always gives the same bytes.
        .created(c.case.completed_at.unwrap_or(c.case.submitted_at))
        .footer(format!("{municipality} · Antrag {reference}"))
        .heading(1, &title);

    let mut rows = vec![
        ("Kommune".to_owned(), municipality.clone()),
        ("Aktenzeichen".to_owned(), reference.clone()),
        (
            "Eingegangen am".to_owned(),
            berlin_time(c.case.submitted_at),
        ),
    ];
    if let Some(at) = c.case.completed_at {
        rows.push(("Vollständig am".to_owned(), berlin_time(at)));
    }
    if let Some(leika) = c.service.leika.as_ref().filter(|l| !l.trim().is_empty()) {
        rows.push(("LeiKa-Schlüssel".to_owned(), leika.clone()));
    }
    rows.push((
        "Formular".to_owned(),
        format!("{}, Version {}", c.service.form_key, c.service.form_version),
    ));
    doc.key_values(rows);

    if c.summary.iter().all(|s| s.rows.is_empty()) {
        doc.heading(2, "Angaben").paragraph("Keine Angaben.");
    }
    for section in c.summary.iter().filter(|s| !s.rows.is_empty()) {
        // A step without a readable title still gets a heading, so its answers do not read
        // as part of the step before.
        let title = if is_blank(&section.title) {
            "Angaben"
        } else {
            &section.title
        };
        doc.heading(2, title).key_values(
            section
                .rows
                .iter()
                .map(|r| (r.label.clone(), r.value.clone()))
                .collect(),
        );
    }

    doc.heading(2, "Anlagen");
    if c.attachments.is_empty() {
        doc.paragraph("Keine Anlagen.");
    } else {
        doc.table(attachments(&c.attachments));
    }

    doc.heading(2, "Gebühr und Zahlung");
    match &c.payment {
        None => {
            doc.paragraph("Für diese Leistung wird keine Gebühr erhoben.");
        }
        Some(p) => payment(&mut doc, p),
    }
    doc
}

fn attachments(files: &[AttachmentInfo]) -> Table {
    let mut table = Table::new(vec![
        Column::new("Dateiname", 31.0),
        Column::new("Typ", 20.0),
        // Wide enough for "1023,9 KB", and for three blocks of the hash a line.
        Column::new("Größe", 13.0).end_aligned(),
        Column::new("SHA-256", 36.0),
    ]);
    for file in files {
        table.row(vec![
            file.file_name.clone(),
            file.content_type.clone(),
            file_size(file.size_bytes),
            grouped_hash(&file.sha256),
        ]);
    }
    table
}

fn payment(doc: &mut Doc, p: &PaymentInfo) {
    let money = |cents| amount(cents, &p.currency);
    let status = match (p.status, p.pay_later) {
        ("paid", _) => "bezahlt",
        ("open", true) => "offen (wird später bezahlt)",
        ("open", false) => "offen",
        (other, _) => other,
    };
    let mut rows = vec![
        ("Gebühr".to_owned(), money(p.amount_cents)),
        ("Status".to_owned(), status.to_owned()),
    ];
    if let Some(at) = p.paid_at {
        rows.push(("Bezahlt am".to_owned(), berlin_time(at)));
    }
    let optional = [
        ("Zahlungsart", &p.method),
        ("Kassenzeichen", &p.transaction_reference),
        ("Zahlungsreferenz", &p.provider_reference),
        ("Zahlungsdienst", &p.provider),
    ];
    for (label, value) in optional {
        if let Some(value) = value.as_ref().filter(|v| !v.trim().is_empty()) {
            rows.push((label.to_owned(), value.clone()));
        }
    }
    doc.key_values(rows);

    if !p.items.is_empty() {
        let mut table = Table::new(vec![
            Column::new("Beschreibung", 50.0),
            Column::new("Menge", 12.0).end_aligned(),
            Column::new("Einzelbetrag", 19.0).end_aligned(),
            Column::new("Betrag", 19.0).end_aligned(),
        ]);
        for item in &p.items {
            table.row(vec![
                item.description.clone(),
                item.quantity.to_string(),
                money(item.unit_amount.0),
                money(item.total().0),
            ]);
        }
        table.total("Gesamtbetrag", money(p.amount_cents));
        doc.table(table);
    }
}

/// `350,00 €`; another currency by its code (`350,00 CHF`).
fn amount(cents: i64, currency: &str) -> String {
    let euros = forms::format_eur(cents, Lang::De.code());
    let currency = currency.trim();
    if currency.is_empty() || currency.eq_ignore_ascii_case("EUR") {
        euros
    } else {
        euros.replace('€', currency)
    }
}

/// The moment as the clock in Germany showed it.
fn berlin_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Berlin)
        .format("%d.%m.%Y, %H:%M Uhr")
        .to_string()
}

/// `512 Bytes`, `12,3 KB`, `2,4 MB` (units of 1024, as file managers show them).
fn file_size(bytes: i64) -> String {
    let bytes = bytes.max(0);
    if bytes < 1024 {
        return match bytes {
            1 => "1 Byte".to_owned(),
            n => format!("{n} Bytes"),
        };
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = "KB";
    for next in ["MB", "GB", "TB"] {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}").replace('.', ",")
}

/// A SHA-256 in blocks of eight, like a key fingerprint: easier to compare by eye, and the
/// lines of a narrow column break between blocks. Anything else is shown as given.
fn grouped_hash(hash: &str) -> String {
    let hash = hash.trim();
    if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return hash.to_owned();
    }
    let chars: Vec<char> = hash.chars().collect();
    chars
        .chunks(8)
        .map(|block| block.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;
    use lopdf::Document;
    use payments::{Cents, FeeItem};
    use uuid::Uuid;

    use super::*;
    use crate::delivery::document::{
        CaseInfo, MunicipalityInfo, ServiceInfo, SummaryRow, SummarySection,
    };
    use crate::pdf::Validator;

    const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn row(label: &str, value: &str) -> SummaryRow {
        SummaryRow {
            label: label.into(),
            value: value.into(),
        }
    }

    fn sample() -> CaseDocument {
        CaseDocument {
            format: crate::delivery::document::FORMAT,
            case: CaseInfo {
                id: Uuid::nil(),
                reference: "WER-2026-7K3QF".into(),
                status: "completed",
                submitted_at: Utc.with_ymd_and_hms(2026, 3, 12, 13, 5, 0).unwrap(),
                completed_at: Some(Utc.with_ymd_and_hms(2026, 3, 12, 13, 9, 0).unwrap()),
                login_level: None,
            },
            municipality: MunicipalityInfo {
                slug: "werder".into(),
                name: "Stadt Werder (Havel)".into(),
                code: "WER".into(),
            },
            service: ServiceInfo {
                slug: "grabnutzung".into(),
                title: "Verlängerung des Grabnutzungsrechts".into(),
                leika: Some("99091003001000".into()),
                form_key: "grabnutzung".into(),
                form_version: 3,
                answers_schema: String::new(),
            },
            answers: Default::default(),
            summary: vec![
                SummarySection {
                    title: "Antragsteller".into(),
                    rows: vec![
                        row("Vorname", "Erika"),
                        row("Nachname", "Mustermann"),
                        row("Geburtsdatum", "01.02.1964"),
                    ],
                },
                SummarySection {
                    title: "Grabstätte".into(),
                    rows: vec![
                        row("Friedhof", "Friedhof Am Plessower See"),
                        row("Grabnummer", "B-17-4"),
                        row("Weitere Personen 1: Name", "Max Mustermann"),
                        row("Bemerkung", "Bitte per Post.\nDanke!"),
                    ],
                },
            ],
            attachments: vec![AttachmentInfo {
                id: Uuid::nil(),
                field: "urkunde".into(),
                file_name: "Grabbrief.pdf".into(),
                content_type: "application/pdf".into(),
                size_bytes: 254_321,
                sha256: HASH.into(),
                content_base64: None,
                url: None,
            }],
            payment: Some(PaymentInfo {
                amount_cents: 35_000,
                amount: "350.00".into(),
                currency: "EUR".into(),
                status: "paid",
                pay_later: false,
                items: vec![FeeItem {
                    description: "Verlängerung um 10 Jahre".into(),
                    quantity: 10,
                    unit_amount: Cents(3500),
                }],
                provider: Some("epaybl".into()),
                transaction_id: None,
                provider_reference: Some("TX-42".into()),
                transaction_reference: Some("5.0123.000456.7".into()),
                method: Some("Kreditkarte".into()),
                paid_at: Some(Utc.with_ymd_and_hms(2026, 3, 12, 13, 8, 0).unwrap()),
            }),
        }
    }

    /// The text of every page, in page order.
    fn page_texts(pdf: &[u8]) -> Vec<String> {
        let doc = Document::load_mem(pdf).expect("the PDF parses");
        doc.get_pages()
            .keys()
            .map(|p| doc.extract_text(&[*p]).expect("text extracts"))
            .collect()
    }

    #[test]
    fn application_shows_reference_every_answer_attachments_and_fee() {
        let case = sample();
        let pdf = application_pdf(&case).unwrap();
        let text = page_texts(&pdf).concat();
        let mut expected = vec![
            "Antrag Verlängerung des Grabnutzungsrechts",
            "Stadt Werder (Havel)",
            "WER-2026-7K3QF",
            // 13:05 UTC is 14:05 in Berlin in March (CET).
            "12.03.2026, 14:05 Uhr",
            "12.03.2026, 14:09 Uhr",
            "99091003001000",
            "grabnutzung, Version 3",
            "Grabbrief.pdf",
            "application/pdf",
            "248,4 KB",
            // The hash in blocks of eight, three a line.
            "9f86d081 884c7d65 9a2feaa0",
            "d15d6c15 b0f00a08",
            "350,00 €",
            "35,00 €",
            "bezahlt",
            "5.0123.000456.7",
            "Kreditkarte",
            "Gesamtbetrag",
            "Bitte per Post.",
            "Danke!",
            "Stadt Werder (Havel) · Antrag WER-2026-7K3QF",
            "1 / ",
        ];
        for section in &case.summary {
            expected.push(&section.title);
            for row in &section.rows {
                expected.push(&row.label);
                if !row.value.contains('\n') {
                    expected.push(&row.value);
                }
            }
        }
        for expected in expected {
            assert!(text.contains(expected), "{expected:?} missing in {text:?}");
        }
    }

    #[test]
    fn application_meets_pdf_ua_and_pdf_a() {
        let doc = application_doc(&sample());
        for validator in [Validator::UA1, Validator::A2_A, Validator::A3_A] {
            let pdf = doc.to_pdf_checked(validator);
            assert!(pdf.is_ok(), "{validator:?}: {pdf:?}");
        }
    }

    #[test]
    fn the_same_case_gives_the_same_bytes() {
        assert_eq!(
            application_pdf(&sample()).unwrap(),
            application_pdf(&sample()).unwrap()
        );
    }

    #[test]
    fn free_service_without_attachments_or_answers_says_so() {
        let mut case = sample();
        case.payment = None;
        case.attachments.clear();
        case.summary.clear();
        case.service.leika = None;
        case.case.completed_at = None;
        let text = page_texts(&application_pdf(&case).unwrap()).concat();
        for expected in ["Keine Angaben.", "Keine Anlagen.", "keine Gebühr"] {
            assert!(text.contains(expected), "{expected:?} missing in {text:?}");
        }
        assert!(!text.contains("LeiKa"));
        assert!(!text.contains("Vollständig am"));
    }

    #[test]
    fn pay_later_fee_is_shown_as_open_without_payment_details() {
        let mut case = sample();
        let payment = case.payment.as_mut().unwrap();
        payment.status = "open";
        payment.pay_later = true;
        payment.items.clear();
        payment.paid_at = None;
        payment.method = None;
        payment.provider = None;
        payment.provider_reference = None;
        payment.transaction_reference = None;
        let text = page_texts(&application_pdf(&case).unwrap()).concat();
        assert!(text.contains("350,00 €"), "{text:?}");
        assert!(text.contains("offen (wird später bezahlt)"), "{text:?}");
        assert!(!text.contains("Kassenzeichen"));
        assert!(!text.contains("Bezahlt am"));
    }

    #[test]
    fn many_answers_and_a_long_textarea_continue_over_several_pages() {
        let mut case = sample();
        let paragraph = "Wir beantragen die Verlängerung für die gesamte Grabstätte. ";
        let mut long = String::new();
        while long.chars().count() < 5_000 {
            long.push_str(paragraph);
            long.push('\n');
        }
        case.summary = vec![SummarySection {
            title: "Viele Angaben".into(),
            rows: (1..=200)
                .map(|i| row(&format!("Feld{i:03}"), &format!("Wert{i:03}")))
                .chain([row("Begründung", &long)])
                .collect(),
        }];
        let pdf = application_pdf(&case).unwrap();
        let pages = page_texts(&pdf);
        assert!(pages.len() >= 4, "only {} pages", pages.len());
        let all = pages.concat();
        for i in 1..=200 {
            for marker in [format!("Feld{i:03}"), format!("Wert{i:03}")] {
                assert_eq!(all.matches(&marker).count(), 1, "{marker} not exactly once");
            }
        }
        assert_eq!(
            all.matches("Grabstätte.").count(),
            long.matches("Grabstätte.").count()
        );
        let last = pages.last().unwrap();
        assert!(last.contains(&format!("{n} / {n}", n = pages.len())));
        assert!(last.contains("350,00 €"), "{last:?}");
    }

    #[test]
    fn odd_characters_from_citizens_do_not_break_the_pdf() {
        let mut case = sample();
        case.service.title = "Antrag 🏛️ \u{0}\u{202E}".into();
        case.case.reference = "WER-\u{7}\u{FEFF}\u{E000}2026".into();
        case.summary = vec![
            SummarySection {
                title: "\u{0}\u{1}".into(),
                rows: vec![
                    row("Name 😀", "שלום עולם مرحبا (ok) 👩‍👩‍👧"),
                    row("", ""),
                    row("\u{7}", "\u{0}\u{8}\u{1B}[31m\r\n\t\u{FFFF}\u{10FFFD}"),
                    row("Zalgo", "Z̸̢͚a̵l̷g̴o カード 卡 ﷺ ǅ ﬃ \u{301}\u{301}"),
                    row("Wort", &"Überlangeswortohneleerzeichen".repeat(40)),
                ],
            },
            SummarySection {
                title: "\u{FFFF}\u{200B}".into(),
                rows: vec![row("\n\n", "\n\n\n")],
            },
        ];
        case.attachments[0].file_name = "\u{202E}fdp.exe 📎.pdf".into();
        case.attachments[0].sha256 = "not a hash \u{0}".into();
        case.attachments[0].size_bytes = -5;
        let payment = case.payment.as_mut().unwrap();
        payment.currency = "💶".into();
        payment.method = Some("\u{0}".into());
        payment.items[0].description = "Gebühr 😀".into();
        payment.items[0].unit_amount = Cents(i64::MAX);
        let pdf = application_pdf(&case).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = page_texts(&pdf).concat();
        assert!(text.contains("Stadt Werder (Havel)"), "{text:?}");
        assert!(text.contains("Zalgo"), "{text:?}");
        // Steps whose titles show nothing still get a heading.
        assert_eq!(text.matches("Angaben").count(), 2, "{text:?}");
    }

    #[test]
    fn sizes_and_hashes_are_readable() {
        assert_eq!(file_size(0), "0 Bytes");
        assert_eq!(file_size(1), "1 Byte");
        assert_eq!(file_size(1023), "1023 Bytes");
        assert_eq!(file_size(1536), "1,5 KB");
        assert_eq!(file_size(5 * 1024 * 1024), "5,0 MB");
        assert_eq!(file_size(i64::MAX), "8388608,0 TB");
        assert_eq!(grouped_hash(HASH).len(), 64 + 7);
        assert!(grouped_hash(HASH).starts_with("9f86d081 884c7d65 "));
        assert_eq!(grouped_hash("abc"), "abc");
        assert_eq!(amount(35_000, "EUR"), "350,00 €");
        assert_eq!(amount(35_000, "CHF"), "350,00 CHF");
    }
}
