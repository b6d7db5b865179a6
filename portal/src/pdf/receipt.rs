//! The payment receipt ("Zahlungsbeleg") a citizen downloads after paying a fee.

use chrono::{DateTime, Utc};

use super::PdfError;
use super::doc::{Column, Doc, Table};
use crate::i18n::Lang;

/// What the receipt shows. Texts come from outside (names, references) and may be any Unicode.
#[derive(Clone, Debug)]
pub struct Receipt {
    pub municipality: String,
    /// The case reference, e.g. `WER-2026-7K3QF`.
    pub reference: String,
    pub service: String,
    pub items: Vec<FeeItem>,
    pub total_cents: i64,
    /// ISO 4217 code; fees are in `EUR`, another code is printed next to the amount.
    pub currency: String,
    pub payment_method: Option<String>,
    /// The municipality's cash register reference (Kassenzeichen), where it issues one.
    pub kassenzeichen: Option<String>,
    /// The payment provider's id of the payment.
    pub provider_reference: Option<String>,
    /// Shown as the date and time in Germany (Europe/Berlin); also the PDF's date.
    pub paid_at: DateTime<Utc>,
    pub lang: Lang,
    pub labels: ReceiptLabels,
    /// Prints `labels.demo_note` in a frame at the top: nothing was really paid.
    pub demo: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeeItem {
    pub description: String,
    pub quantity: u32,
    pub unit_cents: i64,
    pub total_cents: i64,
}

/// The receipt's wording, in `Receipt::lang`. The portal fills it from its Fluent files;
/// `Default` is the German wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptLabels {
    /// "Zahlungsbeleg": the heading, with the municipality, and the document title.
    pub title: String,
    pub reference: String,
    pub service: String,
    pub paid_at: String,
    pub payment_method: String,
    pub kassenzeichen: String,
    pub provider_reference: String,
    /// The heading above the fee table.
    pub fees: String,
    pub description: String,
    pub quantity: String,
    pub unit_amount: String,
    pub amount: String,
    pub total: String,
    pub demo_note: String,
}

impl Default for ReceiptLabels {
    fn default() -> Self {
        Self {
            title: "Zahlungsbeleg".into(),
            reference: "Vorgangsnummer".into(),
            service: "Leistung".into(),
            paid_at: "Bezahlt am".into(),
            payment_method: "Zahlungsart".into(),
            kassenzeichen: "Kassenzeichen".into(),
            provider_reference: "Zahlungsreferenz".into(),
            fees: "Gebühren".into(),
            description: "Beschreibung".into(),
            quantity: "Menge".into(),
            unit_amount: "Einzelbetrag".into(),
            amount: "Betrag".into(),
            total: "Gesamtbetrag".into(),
            demo_note: "Demo: Dies ist kein echter Zahlungsbeleg. Es wurde kein Geld bezahlt."
                .into(),
        }
    }
}

/// The receipt as an accessible PDF (A4, tagged, checked against PDF/UA-1).
pub fn receipt_pdf(receipt: &Receipt) -> Result<Vec<u8>, PdfError> {
    receipt_doc(receipt).to_pdf()
}

pub(super) fn receipt_doc(r: &Receipt) -> Doc {
    let l = &r.labels;
    let mut doc = Doc::new(
        format!("{} {} – {}", l.title, r.reference, r.municipality),
        r.lang,
    );
    doc.author(&r.municipality)
        .created(r.paid_at)
        .footer(format!("{} · {} {}", r.municipality, l.title, r.reference))
        .heading(1, format!("{} – {}", l.title, r.municipality));
    if r.demo {
        doc.notice(&l.demo_note);
    }

    let mut rows = vec![
        (l.reference.clone(), r.reference.clone()),
        (l.service.clone(), r.service.clone()),
        (l.paid_at.clone(), paid_on(r.paid_at, r.lang)),
    ];
    let optional = [
        (&l.payment_method, &r.payment_method),
        (&l.kassenzeichen, &r.kassenzeichen),
        (&l.provider_reference, &r.provider_reference),
    ];
    for (label, value) in optional {
        if let Some(value) = value.as_ref().filter(|v| !v.trim().is_empty()) {
            rows.push((label.clone(), value.clone()));
        }
    }
    doc.key_values(rows);

    doc.heading(2, &l.fees);
    let mut table = Table::new(vec![
        Column::new(&l.description, 50.0),
        Column::new(&l.quantity, 12.0).end_aligned(),
        Column::new(&l.unit_amount, 19.0).end_aligned(),
        Column::new(&l.amount, 19.0).end_aligned(),
    ]);
    let money = |cents| amount(cents, &r.currency, r.lang);
    for item in &r.items {
        table.row(vec![
            item.description.clone(),
            item.quantity.to_string(),
            money(item.unit_cents),
            money(item.total_cents),
        ]);
    }
    table.total(&l.total, money(r.total_cents));
    doc.table(table);
    doc
}

/// `35,00 €` / `€35.00` through the portal's one money formatter; another currency by its code.
fn amount(cents: i64, currency: &str, lang: Lang) -> String {
    let euros = forms::format_eur(cents, lang.code());
    let currency = currency.trim();
    if currency.is_empty() || currency.eq_ignore_ascii_case("EUR") {
        return euros;
    }
    match lang {
        Lang::De => euros.replace('€', currency),
        Lang::En => euros.replacen('€', &format!("{currency} "), 1),
    }
}

/// The moment of payment as the clock in Germany showed it.
fn paid_on(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&chrono_tz::Europe::Berlin);
    match lang {
        Lang::De => local.format("%d.%m.%Y, %H:%M Uhr").to_string(),
        Lang::En => local.format("%-d %B %Y, %H:%M %Z").to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;
    use krilla::tagging::TagKind;
    use lopdf::{Document, Object};

    use super::super::layout::{Child, Node, lay_out};
    use super::super::text::Fonts;
    use super::*;
    use crate::pdf::Validator;

    fn sample() -> Receipt {
        Receipt {
            municipality: "Gemeinde Musterstadt".into(),
            reference: "WER-2026-7K3QF".into(),
            service: "Meldebescheinigung".into(),
            items: vec![
                FeeItem {
                    description: "Erweiterte Meldebescheinigung".into(),
                    quantity: 1,
                    unit_cents: 1500,
                    total_cents: 1500,
                },
                FeeItem {
                    description: "Beglaubigte Kopie".into(),
                    quantity: 2,
                    unit_cents: 1000,
                    total_cents: 2000,
                },
            ],
            total_cents: 3500,
            currency: "EUR".into(),
            payment_method: Some("Kreditkarte".into()),
            kassenzeichen: Some("5.0123.000456.7".into()),
            provider_reference: Some("pi_3Q0demo42".into()),
            paid_at: Utc.with_ymd_and_hms(2026, 3, 12, 13, 5, 0).unwrap(),
            lang: Lang::De,
            labels: ReceiptLabels::default(),
            demo: true,
        }
    }

    fn english_labels() -> ReceiptLabels {
        ReceiptLabels {
            title: "Receipt".into(),
            reference: "Reference".into(),
            service: "Service".into(),
            paid_at: "Paid on".into(),
            payment_method: "Payment method".into(),
            kassenzeichen: "Cash reference (Kassenzeichen)".into(),
            provider_reference: "Payment reference".into(),
            fees: "Fees".into(),
            description: "Description".into(),
            quantity: "Quantity".into(),
            unit_amount: "Unit amount".into(),
            amount: "Amount".into(),
            total: "Total".into(),
            demo_note: "Demo: this is not a real receipt. No money was paid.".into(),
        }
    }

    /// The text of every page, in page order.
    fn page_texts(pdf: &[u8]) -> Vec<String> {
        let doc = Document::load_mem(pdf).expect("the PDF parses");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        pages
            .iter()
            .map(|p| doc.extract_text(&[*p]).expect("text extracts"))
            .collect()
    }

    fn catalog_entry<'d>(doc: &'d Document, key: &[u8]) -> &'d Object {
        let catalog = doc.catalog().expect("a catalog");
        let entry = catalog
            .get(key)
            .unwrap_or_else(|_| panic!("catalog has /{}", String::from_utf8_lossy(key)));
        match entry {
            Object::Reference(id) => doc.get_object(*id).expect("reference resolves"),
            other => other,
        }
    }

    fn text_string(object: &Object) -> String {
        let Object::String(bytes, _) = object else {
            panic!("not a string: {object:?}")
        };
        match bytes.strip_prefix(&[0xFE, 0xFF]) {
            Some(utf16) => {
                let units: Vec<u16> = utf16
                    .chunks(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16_lossy(&units)
            }
            None => String::from_utf8_lossy(bytes).into_owned(),
        }
    }

    /// The structure types (/S) of all structure elements.
    fn structure_types(doc: &Document) -> Vec<String> {
        doc.objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|d| d.get(b"Type").and_then(Object::as_name).ok() == Some(b"StructElem"))
            .filter_map(|d| d.get(b"S").and_then(Object::as_name).ok())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect()
    }

    fn count_leaves(node: &Node, wanted: &dyn Fn(&TagKind) -> bool, out: &mut Vec<usize>) {
        let leaves = node
            .children
            .iter()
            .filter(|c| matches!(c, Child::Leaf(_)))
            .count();
        if wanted(&node.kind) {
            out.push(leaves);
        }
        for child in &node.children {
            if let Child::Node(n) = child {
                count_leaves(n, wanted, out);
            }
        }
    }

    #[test]
    fn receipt_shows_reference_kassenzeichen_total_service_and_date() {
        let pdf = receipt_pdf(&sample()).unwrap();
        let text = page_texts(&pdf).concat();
        for expected in [
            "Zahlungsbeleg",
            "Gemeinde Musterstadt",
            "WER-2026-7K3QF",
            "5.0123.000456.7",
            "35,00 €",
            "15,00 €",
            "20,00 €",
            "Meldebescheinigung",
            "Kreditkarte",
            "pi_3Q0demo42",
            // 13:05 UTC is 14:05 in Berlin in March (CET).
            "12.03.2026, 14:05 Uhr",
            "Gesamtbetrag",
            "kein echter Zahlungsbeleg",
        ] {
            assert!(text.contains(expected), "{expected:?} missing in {text:?}");
        }
        // The footer shows the page count.
        assert!(text.contains("1 / 1"), "{text:?}");
    }

    #[test]
    fn receipt_without_demo_flag_or_optional_fields_leaves_them_out() {
        let mut receipt = sample();
        receipt.demo = false;
        receipt.kassenzeichen = None;
        receipt.payment_method = None;
        receipt.provider_reference = Some("  ".into());
        let text = page_texts(&receipt_pdf(&receipt).unwrap()).concat();
        assert!(!text.contains("Demo"), "{text:?}");
        assert!(!text.contains("Kassenzeichen"));
        assert!(!text.contains("Zahlungsart"));
        assert!(!text.contains("Zahlungsreferenz"));
        assert!(text.contains("35,00 €"));
    }

    #[test]
    fn receipt_is_a_tagged_pdf_with_language_title_and_table_structure() {
        let pdf = receipt_pdf(&sample()).unwrap();
        let doc = Document::load_mem(&pdf).unwrap();

        let Object::Dictionary(mark_info) = catalog_entry(&doc, b"MarkInfo") else {
            panic!("MarkInfo is a dictionary")
        };
        assert_eq!(mark_info.get(b"Marked").unwrap(), &Object::Boolean(true));
        assert!(catalog_entry(&doc, b"StructTreeRoot").as_dict().is_ok());
        assert_eq!(text_string(catalog_entry(&doc, b"Lang")), "de-DE");
        let Object::Dictionary(viewer) = catalog_entry(&doc, b"ViewerPreferences") else {
            panic!("ViewerPreferences is a dictionary")
        };
        assert_eq!(
            viewer.get(b"DisplayDocTitle").unwrap(),
            &Object::Boolean(true)
        );
        assert!(catalog_entry(&doc, b"Outlines").as_dict().is_ok());

        let info = match doc.trailer.get(b"Info").unwrap() {
            Object::Reference(id) => doc.get_dictionary(*id).unwrap(),
            other => other.as_dict().unwrap(),
        };
        let title = text_string(info.get(b"Title").unwrap());
        assert_eq!(title, "Zahlungsbeleg WER-2026-7K3QF – Gemeinde Musterstadt");
        // PDF/UA-1 identification in the XMP metadata.
        let xmp = String::from_utf8_lossy(&pdf);
        assert!(xmp.contains("pdfuaid:part"), "no PDF/UA identification");

        let types = structure_types(&doc);
        for expected in ["Document", "H1", "H2", "P", "Table", "TR", "TH", "TD"] {
            assert!(
                types.iter().any(|t| t == expected),
                "no {expected} in {types:?}"
            );
        }
    }

    #[test]
    fn long_item_description_wraps_onto_several_lines_inside_its_cell() {
        let mut receipt = sample();
        let words: Vec<String> = (1..=40).map(|i| format!("Wort{i}")).collect();
        receipt.items[0].description = words.join(" ");
        let fonts = Fonts::load().unwrap();
        let laid = lay_out(&receipt_doc(&receipt), &fonts);
        let mut cells = Vec::new();
        for node in &laid.tree {
            count_leaves(node, &|k| matches!(k, TagKind::TD(_)), &mut cells);
        }
        let most = cells.iter().copied().max().unwrap();
        assert!(
            most >= 3,
            "the description should take several lines: {cells:?}"
        );

        let text = page_texts(&receipt_pdf(&receipt).unwrap()).concat();
        for word in &words {
            assert!(text.contains(word.as_str()), "{word} lost in {text:?}");
        }
    }

    #[test]
    fn many_fee_items_continue_on_a_second_page_without_losing_one() {
        let mut receipt = sample();
        receipt.items = (1..=90)
            .map(|i| FeeItem {
                description: format!("Posten{i:03} Auslagen für Zustellung und Porto"),
                quantity: 1,
                unit_cents: 100,
                total_cents: 100,
            })
            .collect();
        receipt.total_cents = 9000;
        let pages = page_texts(&receipt_pdf(&receipt).unwrap());
        assert!(
            pages.len() >= 2,
            "expected a page break, got {} page",
            pages.len()
        );
        let all = pages.concat();
        for i in 1..=90 {
            let marker = format!("Posten{i:03}");
            assert_eq!(all.matches(&marker).count(), 1, "{marker} not exactly once");
        }
        assert!(all.contains("90,00 €"));
        // The column headers are repeated on the next page, for sighted readers.
        assert!(pages[1].contains("Einzelbetrag"), "{:?}", pages[1]);
        assert!(pages[1].contains(&format!("2 / {}", pages.len())));
    }

    #[test]
    fn odd_unicode_in_names_and_references_does_not_break_the_pdf() {
        let mut receipt = sample();
        receipt.municipality = "Stadt 🏛️ עיריית תל אביב بلدية Z̸̢͚a̵l̷g̴o 👩‍👩‍👧".into();
        receipt.reference = "WER-\u{0}\u{7}\u{FEFF}\u{E000}\u{FFFF}\u{202E}2026".into();
        receipt.service = format!("{}\u{10FFFD}", "Überlangeswortohneleerzeichen".repeat(20));
        receipt.payment_method = Some("💳 カード 卡 ✓ ﷺ ǅ ﬃ".into());
        receipt.kassenzeichen = Some("\u{301}\u{301}führend kombinierend".into());
        receipt.items[0].description = "שלום 123 abc مرحبا (ok) 😀😀😀".into();
        let pdf = receipt_pdf(&receipt).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = page_texts(&pdf).concat();
        assert!(text.contains("35,00 €"));
        assert!(text.contains("Stadt"));
        // What the font cannot draw, or draws in visual order, is read out as typed.
        let doc = Document::load_mem(&pdf).unwrap();
        let actual: Vec<String> = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter_map(|d| d.get(b"ActualText").ok())
            .map(text_string)
            .collect();
        assert!(
            actual
                .iter()
                .any(|t| t.contains("🏛") && t.contains("עיריית תל אביב")),
            "{actual:?}"
        );
        assert!(actual.iter().any(|t| t.contains("カード")), "{actual:?}");

        let mut english = receipt.clone();
        english.lang = Lang::En;
        english.labels = english_labels();
        assert!(receipt_pdf(&english).is_ok());
    }

    #[test]
    fn english_labels_and_language_are_used_when_given() {
        let mut receipt = sample();
        receipt.lang = Lang::En;
        receipt.labels = english_labels();
        let pdf = receipt_pdf(&receipt).unwrap();
        let text = page_texts(&pdf).concat();
        for expected in [
            "Receipt",
            "Reference",
            "€35.00",
            "Total",
            "12 March 2026, 14:05 CET",
            "not a real receipt",
        ] {
            assert!(text.contains(expected), "{expected:?} missing in {text:?}");
        }
        assert!(!text.contains("Zahlungsbeleg"));
        let doc = Document::load_mem(&pdf).unwrap();
        assert_eq!(text_string(catalog_entry(&doc, b"Lang")), "en");
    }

    #[test]
    fn summer_time_is_shown_in_berlin_time() {
        let july = Utc.with_ymd_and_hms(2026, 7, 1, 22, 30, 0).unwrap();
        assert_eq!(paid_on(july, Lang::De), "02.07.2026, 00:30 Uhr");
        assert_eq!(paid_on(july, Lang::En), "2 July 2026, 00:30 CEST");
    }

    #[test]
    fn another_currency_is_printed_by_its_code() {
        assert_eq!(amount(3500, "EUR", Lang::De), "35,00 €");
        assert_eq!(amount(3500, "CHF", Lang::De), "35,00 CHF");
        assert_eq!(amount(3500, "CHF", Lang::En), "CHF 35.00");
    }

    #[test]
    fn the_same_receipt_gives_the_same_bytes() {
        assert_eq!(
            receipt_pdf(&sample()).unwrap(),
            receipt_pdf(&sample()).unwrap()
        );
    }

    #[test]
    fn receipt_also_passes_the_pdf_a_2a_and_3a_checks() {
        let doc = receipt_doc(&sample());
        for validator in [Validator::A2_A, Validator::A3_A] {
            let pdf = doc.to_pdf_checked(validator);
            assert!(pdf.is_ok(), "{validator:?}: {pdf:?}");
        }
    }

    #[test]
    fn a_document_without_headings_still_meets_pdf_ua() {
        let mut doc = Doc::new("Notiz", Lang::De);
        doc.paragraph("Nur ein Absatz.\nMit zwei Zeilen.");
        assert!(doc.to_pdf().is_ok());
    }
}
