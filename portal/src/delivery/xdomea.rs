//! The xdomea 3.0.0 message `Abgabe.Abgabe.0401` of a case (docs/file-drop.md): the case as
//! one Vorgang with its documents (the application PDF, the case JSON, each attachment), for a
//! DMS or e-file system that imports xdomea. Minimal but valid against the KoSIT schemas
//! (tests/data/xdomea-3.0.0, checked with `xmllint` in tests/tests/file_drop.rs).
//!
//! xdomea names each primary document `<UUID>_<name>` (`stringDateinameType` requires the
//! UUID), so the package's files are named here and the file drop writes them under exactly
//! these names. The IDs are derived from the case and the delivery's idempotency key, so a
//! repeated delivery describes the same objects with the same IDs.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Parcel;
use super::document::FORMAT;

pub const NAMESPACE: &str = "urn:xoev-de:xdomea:schema:3.0.0";
/// The portal's own JSON in a package, under a fixed name for importers that do not read xdomea.
pub const CASE_JSON: &str = "case.json";
const PRODUCT: &str = "ozg-portal";
const DATEIFORMAT_LIST: &str = "urn:xoev-de:xdomea:codeliste:dateiformat";
const NACHRICHTENTYP_LIST: &str = "urn:xoev-de:xdomea:codeliste:nachrichtentyp";
/// `Sonstiges` in the Dateiformat code list: the format is then named in `SonstigerName`.
const OTHER_FORMAT: &str = "100";
/// The longest name part after `<UUID>_`, in bytes: the whole name stays far below the 255
/// bytes most file systems allow, with room for a ` (2)` when two names are the same.
const MAX_NAME_BYTES: usize = 200;

/// What a document of the Vorgang is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The application PDF.
    Application,
    /// The case JSON (the same bytes as `case.json`).
    CaseData,
    /// A file the citizen uploaded.
    Attachment,
}

/// One document of the Vorgang and its file in the package.
#[derive(Clone, Debug)]
pub struct Document<'a> {
    pub id: Uuid,
    pub kind: Kind,
    /// The file's name in the package, `<UUID>_<name>`, unique (also ignoring case).
    pub file_name: String,
    /// The name as the portal or the citizen gave it.
    pub original_name: String,
    pub content_type: String,
    pub bytes: Cow<'a, [u8]>,
}

/// The UUID of the Abgabe (`ProzessID`): one per case and target, stable across retries.
pub fn process_id(parcel: &Parcel) -> Uuid {
    derived_id(&["prozess", &parcel.idempotency_key])
}

/// The message's conventional file name, `<ProzessID>_Abgabe.Abgabe.0401.xml`.
pub fn message_file_name(parcel: &Parcel) -> String {
    format!("{}_Abgabe.Abgabe.0401.xml", process_id(parcel))
}

/// The documents in the order of the Vorgang: the application PDF, the case JSON, then the
/// attachments (their ID is the attachment's).
pub fn documents(parcel: &Parcel) -> Vec<Document<'_>> {
    let case_id = parcel.doc.case.id.to_string();
    let mut taken: HashSet<String> = [CASE_JSON.to_owned(), message_file_name(parcel)]
        .iter()
        .map(|n| n.to_lowercase())
        .collect();
    let mut docs = Vec::with_capacity(parcel.files.len() + 2);
    let mut push = |id: Uuid, kind, original: &str, content_type: &str, bytes| {
        docs.push(Document {
            id,
            kind,
            file_name: unique(&mut taken, &format!("{id}_{}", safe_name(original))),
            original_name: original.to_owned(),
            content_type: content_type.to_owned(),
            bytes,
        });
    };
    push(
        derived_id(&["antrag-pdf", &case_id]),
        Kind::Application,
        &parcel.pdf_name(),
        "application/pdf",
        Cow::Borrowed(parcel.pdf.as_slice()),
    );
    push(
        derived_id(&["case-json", &case_id]),
        Kind::CaseData,
        CASE_JSON,
        "application/json",
        Cow::Owned(parcel.doc.to_json()),
    );
    for f in &parcel.files {
        push(
            f.info.id,
            Kind::Attachment,
            &f.info.file_name,
            &f.info.content_type,
            Cow::Borrowed(f.bytes.as_slice()),
        );
    }
    docs
}

/// The message: Kopf (the municipality as sender and receiver, the portal as sending system),
/// and the case as one Vorgang with its documents, named as [`documents`] names them.
pub fn abgabe_0401(parcel: &Parcel, now: DateTime<Utc>) -> String {
    let doc = &parcel.doc;
    let mut x = Xml::default();
    x.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.open_with("Abgabe.Abgabe.0401", &[("xmlns:xdomea", NAMESPACE)]);

    x.open("Kopf");
    x.leaf("ProzessID", &process_id(parcel).to_string());
    x.open_with(
        "Nachrichtentyp",
        &[("listURI", NACHRICHTENTYP_LIST), ("listVersionID", "2.0")],
    );
    x.code("0401", Some("Abgabe.Abgabe"));
    x.close();
    x.leaf(
        "Erstellungszeitpunkt",
        &now.to_rfc3339_opts(SecondsFormat::Secs, true),
    );
    // The portal is the municipality's own online service: it sends to the municipality.
    for contact in ["Absender", "Empfaenger"] {
        x.open(contact);
        x.open("Behoerdenkennung");
        x.open("Behoerdenschluessel");
        x.code(&doc.municipality.code, Some(&doc.municipality.name));
        x.close();
        x.close();
        x.open("Institution");
        x.leaf("Name", &doc.municipality.name);
        x.close();
        x.close();
    }
    x.open("SendendesSystem");
    x.leaf("InstanzID", &format!("{PRODUCT}:{}", doc.municipality.slug));
    x.leaf("Produktname", PRODUCT);
    x.leaf("Version", env!("CARGO_PKG_VERSION"));
    x.close();
    // Fixed to 1 by the schema; the portal itself reads no replies (0402, 0403).
    x.leaf("Importbestaetigung", "1");
    x.leaf("Empfangsbestaetigung", "0");
    x.close();

    x.open("Schriftgutobjekt");
    x.open("Vorgang");
    x.open("Identifikation");
    x.leaf("ID", &doc.case.id.to_string());
    x.close();
    x.open("AllgemeineMetadaten");
    x.leaf(
        "Betreff",
        &format!("{} ({})", doc.service.title, doc.case.reference),
    );
    x.leaf("Kennzeichen", &doc.case.reference);
    x.close();
    let received = doc
        .case
        .submitted_at
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%Y-%m-%d")
        .to_string();
    for (number, d) in (1u32..).zip(documents(parcel)) {
        let (subject, kind) = match d.kind {
            Kind::Application => (format!("Antrag {}", doc.case.reference), "Antrag"),
            Kind::CaseData => (
                format!("Antragsdaten {} (JSON)", doc.case.reference),
                "Antragsdaten",
            ),
            Kind::Attachment => (d.original_name.clone(), "Anlage"),
        };
        x.open("Dokument");
        x.open("Identifikation");
        x.leaf("ID", &d.id.to_string());
        x.leaf("NummerImUebergeordnetenContainer", &number.to_string());
        x.close();
        x.open("AllgemeineMetadaten");
        x.leaf("Betreff", &subject);
        x.close();
        x.leaf("FremdesGeschaeftszeichen", &doc.case.reference);
        x.leaf("Posteingangsdatum", &received);
        x.leaf("Typ", kind);
        x.open("Version");
        x.leaf("Nummer", "1");
        x.open("Format");
        let format = file_format(&d.content_type, &d.original_name);
        x.open_with(
            "Name",
            &[("listURI", DATEIFORMAT_LIST), ("listVersionID", "1.0")],
        );
        x.code(format.code, None);
        x.close();
        if format.code == OTHER_FORMAT {
            x.leaf("SonstigerName", &format.other_name);
        }
        let version = match d.kind {
            Kind::CaseData => FORMAT.to_owned(),
            _ => pdf_version(&d.bytes).unwrap_or_default(),
        };
        x.leaf("Version", &version);
        x.open("Primaerdokument");
        x.leaf("Dateiname", &d.file_name);
        x.leaf("DateinameOriginal", &d.original_name);
        x.close();
        x.close();
        x.close();
        x.close();
    }
    x.close();
    x.close();
    x.close();
    x.out
}

/// A small writer for this one message: every element in the xdomea namespace (its prefix
/// `xdomea:`), text and attribute values escaped by quick-xml after dropping the characters
/// XML 1.0 cannot carry at all.
#[derive(Default)]
struct Xml {
    out: String,
    open: Vec<&'static str>,
}

impl Xml {
    fn indent(&mut self) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, name: &'static str) {
        self.open_with(name, &[]);
    }

    fn open_with(&mut self, name: &'static str, attributes: &[(&str, &str)]) {
        self.indent();
        let _ = write!(self.out, "<xdomea:{name}");
        for (k, v) in attributes {
            let _ = write!(self.out, " {k}=\"{}\"", escape(v));
        }
        self.out.push_str(">\n");
        self.open.push(name);
    }

    fn close(&mut self) {
        if let Some(name) = self.open.pop() {
            self.indent();
            let _ = writeln!(self.out, "</xdomea:{name}>");
        }
    }

    fn leaf(&mut self, name: &'static str, text: &str) {
        self.indent();
        let _ = writeln!(self.out, "<xdomea:{name}>{}</xdomea:{name}>", escape(text));
    }

    /// The content of a XÖV code: `code` and `name` are unqualified (no namespace).
    fn code(&mut self, code: &str, name: Option<&str>) {
        self.indent();
        let _ = writeln!(self.out, "<code>{}</code>", escape(code));
        if let Some(name) = name {
            self.indent();
            let _ = writeln!(self.out, "<name>{}</name>", escape(name));
        }
    }
}

/// Text for an element or attribute: characters outside XML 1.0's `Char` (controls other
/// than tab and line breaks, U+FFFE, U+FFFF) become U+FFFD, the rest is escaped.
fn escape(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    };
    if text.chars().all(allowed) {
        quick_xml::escape::escape(text)
    } else {
        let kept: String = text
            .chars()
            .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
            .collect();
        Cow::Owned(quick_xml::escape::escape(kept.as_str()).into_owned())
    }
}

/// A name-based UUID (version 8, SHA-256) in the portal's own name space.
fn derived_id(parts: &[&str]) -> Uuid {
    let mut hash = Sha256::new();
    hash.update(b"ozg-portal/xdomea");
    for p in parts {
        hash.update([0]);
        hash.update(p.as_bytes());
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// A file name that is safe on any file system the folder may live on (a Windows share
/// included): the upload rules again, Windows' reserved characters replaced, at most
/// [`MAX_NAME_BYTES`] bytes keeping a short extension.
pub fn safe_name(name: &str) -> String {
    let clean: String = crate::uploads::sanitize_file_name(name)
        .chars()
        .map(|c| {
            if matches!(c, '<' | '>' | ':' | '|' | '?' | '*' | '/' | '\\') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if clean.len() <= MAX_NAME_BYTES {
        return clean;
    }
    let extension = clean
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| !ext.is_empty() && ext.len() <= 16);
    let stem_bytes = MAX_NAME_BYTES - extension.map_or(0, |ext| ext.len() + 1);
    let mut stem = String::new();
    for c in clean.chars() {
        if stem.len() + c.len_utf8() > stem_bytes {
            break;
        }
        stem.push(c);
    }
    match extension {
        Some(ext) => format!("{}.{ext}", stem.trim_end()),
        None => stem,
    }
}

/// `name`, or `stem (2).ext`, `stem (3).ext`, … when a name that differs at most in case is
/// taken already (case-insensitive file systems would put both into one file).
fn unique(taken: &mut HashSet<String>, name: &str) -> String {
    let mut candidate = name.to_owned();
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    let mut n = 2;
    while !taken.insert(candidate.to_lowercase()) {
        candidate = format!("{stem} ({n}){ext}");
        n += 1;
    }
    candidate
}

struct FileFormat {
    /// The code in the Dateiformat code list 1.0.
    code: &'static str,
    /// The format's name when the list has none (code 100, `Sonstiges`).
    other_name: String,
}

/// The Dateiformat code of a file: by its content type, and where the list tells spellings
/// apart (jpg/jpeg, tif/tiff, htm/html) by its extension.
fn file_format(content_type: &str, file_name: &str) -> FileFormat {
    // (content type, [(extension, code)]): the first entry when the extension does not match.
    const FORMATS: &[(&str, &[(&str, &str)])] = &[
        ("application/pdf", &[("pdf", "018")]),
        (
            "image/jpeg",
            &[("jpg", "011"), ("jpeg", "010"), ("jpe", "009")],
        ),
        ("image/png", &[("png", "019")]),
        ("image/tiff", &[("tif", "023"), ("tiff", "024")]),
        ("image/bmp", &[("bmp", "001")]),
        ("text/csv", &[("csv", "002")]),
        ("text/plain", &[("txt", "045")]),
        ("text/html", &[("html", "008"), ("htm", "007")]),
        ("application/xml", &[("xml", "030")]),
        ("text/xml", &[("xml", "030")]),
        ("application/rtf", &[("rtf", "022")]),
        ("application/msword", &[("doc", "003")]),
        ("application/vnd.ms-excel", &[("xls", "028")]),
        ("application/vnd.ms-powerpoint", &[("ppt", "020")]),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &[("docx", "035")],
        ),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &[("xlsx", "036")],
        ),
        (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            &[("pptx", "037")],
        ),
        ("application/vnd.oasis.opendocument.text", &[("odt", "015")]),
        (
            "application/vnd.oasis.opendocument.spreadsheet",
            &[("ods", "014")],
        ),
        (
            "application/vnd.oasis.opendocument.presentation",
            &[("odp", "013")],
        ),
        ("message/rfc822", &[("eml", "006")]),
    ];
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match FORMATS.iter().find(|(ct, _)| *ct == essence) {
        Some((_, spellings)) => {
            let code = spellings
                .iter()
                .find(|(ext, _)| *ext == extension)
                .or(spellings.first())
                .map_or(OTHER_FORMAT, |(_, code)| code);
            FileFormat {
                code,
                other_name: String::new(),
            }
        }
        None if essence == "application/json" => FileFormat {
            code: OTHER_FORMAT,
            other_name: "json - JavaScript Object Notation".to_owned(),
        },
        None => FileFormat {
            code: OTHER_FORMAT,
            other_name: if essence.is_empty() {
                "unbekannt".to_owned()
            } else {
                essence
            },
        },
    }
}

/// `1.7` from a PDF's header `%PDF-1.7`.
fn pdf_version(bytes: &[u8]) -> Option<String> {
    let rest = bytes.strip_prefix(b"%PDF-")?;
    let version: String = rest
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .map(|&b| char::from(b))
        .collect();
    (!version.is_empty()).then_some(version)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::delivery::FileContent;
    use crate::delivery::document::{
        AttachmentInfo, CaseDocument, CaseInfo, MunicipalityInfo, ServiceInfo,
    };

    fn parcel(title: &str, files: Vec<(&str, &str)>) -> Parcel {
        Parcel {
            checkpoint: None,
            public_base: "https://portal.example".into(),
            idempotency_key: "WER-2026-7K3QF.ablage".into(),
            doc: CaseDocument {
                format: FORMAT,
                case: CaseInfo {
                    id: Uuid::from_u128(0x0195_0000_0000_7000_8000_0000_0000_0001),
                    reference: "WER-2026-7K3QF".into(),
                    status: "submitted",
                    // 23:30 UTC is the next day in Berlin.
                    submitted_at: Utc.with_ymd_and_hms(2026, 3, 1, 23, 30, 0).unwrap(),
                    completed_at: None,
                    login_level: None,
                },
                municipality: MunicipalityInfo {
                    slug: "werther".into(),
                    name: "Stadt Werther (Westf.)".into(),
                    code: "WER".into(),
                },
                service: ServiceInfo {
                    slug: "sondernutzung".into(),
                    title: title.into(),
                    leika: None,
                    form_key: "sondernutzung".into(),
                    form_version: 1,
                    answers_schema: "https://portal.example/schemas/forms/sondernutzung/1.json"
                        .into(),
                },
                answers: serde_json::json!({}),
                summary: Vec::new(),
                attachments: Vec::new(),
                payment: None,
            },
            files: files
                .into_iter()
                .enumerate()
                .map(|(i, (name, content_type))| FileContent {
                    info: AttachmentInfo {
                        id: Uuid::from_u128(0x1000 + i as u128),
                        field: "nachweis".into(),
                        file_name: name.into(),
                        content_type: content_type.into(),
                        size_bytes: 3,
                        sha256: String::new(),
                        content_base64: None,
                        url: None,
                    },
                    bytes: b"abc".to_vec(),
                })
                .collect(),
            pdf: b"%PDF-1.7\n...".to_vec(),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap()
    }

    #[test]
    fn markup_in_a_subject_is_escaped_and_umlauts_stay_as_they_are() {
        let xml = abgabe_0401(&parcel("Grünfläche <&\"'> nutzen", vec![]), now());
        assert!(
            xml.contains(
                "<xdomea:Betreff>Grünfläche &lt;&amp;&quot;&apos;&gt; nutzen (WER-2026-7K3QF)</xdomea:Betreff>"
            ),
            "{xml}"
        );
        assert!(!xml.contains("<&"));
        assert!(xml.contains("<name>Stadt Werther (Westf.)</name>"));
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        let xml = abgabe_0401(&parcel("Bell\u{7}o\u{FFFF}", vec![]), now());
        assert!(
            xml.contains("Bell\u{FFFD}o\u{FFFD} (WER-2026-7K3QF)"),
            "{xml}"
        );
        assert!(!xml.contains('\u{7}'));
    }

    #[test]
    fn the_kopf_names_the_message_the_time_and_the_sending_system() {
        let p = parcel("Sondernutzung", vec![]);
        let xml = abgabe_0401(&p, now());
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xdomea:Abgabe.Abgabe.0401 xmlns:xdomea=\"urn:xoev-de:xdomea:schema:3.0.0\">"));
        assert!(xml.contains(&format!(
            "<xdomea:ProzessID>{}</xdomea:ProzessID>",
            process_id(&p)
        )));
        assert!(xml.contains("<code>0401</code>"));
        assert!(xml.contains(
            "<xdomea:Erstellungszeitpunkt>2026-03-02T08:00:00Z</xdomea:Erstellungszeitpunkt>"
        ));
        assert!(xml.contains("<xdomea:Produktname>ozg-portal</xdomea:Produktname>"));
        assert!(xml.contains("<xdomea:Posteingangsdatum>2026-03-02</xdomea:Posteingangsdatum>"));
        assert!(xml.contains("<xdomea:Version>1.7</xdomea:Version>"));
        assert_eq!(
            process_id(&p),
            process_id(&p.clone()),
            "stable across retries"
        );
        assert_eq!(process_id(&p).get_version_num(), 8);
    }

    #[test]
    fn documents_are_named_by_their_uuid_and_never_share_a_name() {
        let p = parcel(
            "Sondernutzung",
            vec![
                ("Plan: A/B?.pdf", "application/pdf"),
                ("foto.JPEG", "image/jpeg"),
                ("Foto.jpeg", "image/jpeg"),
            ],
        );
        let mut p2 = p.clone();
        // The same attachment twice (never in real data): the names still differ.
        p2.files[2].info.id = p2.files[1].info.id;
        let docs = documents(&p2);
        let names: Vec<&str> = docs.iter().map(|d| d.file_name.as_str()).collect();
        assert_eq!(names.len(), 5);
        assert!(names[0].ends_with("_Antrag-WER-2026-7K3QF.pdf"));
        assert!(names[1].ends_with("_case.json"));
        assert_eq!(names[2], format!("{}_B_.pdf", p.files[0].info.id));
        assert_eq!(names[3], format!("{}_foto.JPEG", p.files[1].info.id));
        assert_eq!(names[4], format!("{}_Foto (2).jpeg", p.files[1].info.id));
        assert_eq!(docs[2].original_name, "Plan: A/B?.pdf");
        assert_eq!(file_format("image/jpeg", "foto.JPEG").code, "010");
        assert_eq!(file_format("image/jpeg", "foto.bild").code, "011");
        assert_eq!(file_format("application/pdf", "x.pdf").code, "018");
        let other = file_format("application/zip", "x.zip");
        assert_eq!(
            (other.code, other.other_name.as_str()),
            ("100", "application/zip")
        );
    }

    #[test]
    fn long_names_are_cut_in_bytes_keeping_the_extension() {
        let long = format!("{}.pdf", "ä".repeat(150));
        let safe = safe_name(&long);
        assert!(safe.len() <= MAX_NAME_BYTES, "{}", safe.len());
        assert!(safe.ends_with("ää.pdf"));
        assert_eq!(safe_name("COM1:|*.png"), "COM1___.png");
    }
}
