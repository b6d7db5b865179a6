#![allow(clippy::expect_used, clippy::unwrap_used)]

//! File drop (issue 7): a municipality's import folder gets one folder per case, named by the
//! delivery's key, with the case JSON, the application PDF, the citizen's files and an
//! xdomea 3.0.0 message that is valid against the KoSIT schemas (checked with `xmllint`,
//! schemas in tests/data/xdomea-3.0.0). The folder appears whole or not at all, and a repeat
//! after a crash writes nothing twice.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{TimeZone, Utc};
use portal::delivery::config::FileDropTarget;
use portal::delivery::document::{
    AttachmentInfo, CaseDocument, CaseInfo, FORMAT, MunicipalityInfo, ServiceInfo, SummaryRow,
    SummarySection,
};
use portal::delivery::{DeliveryError, FileContent, Parcel, file_drop, xdomea};
use uuid::Uuid;

const KEY: &str = "WER-2026-7K3QF.ablage";

fn attachment(id: u128, name: &str, content_type: &str, bytes: &[u8]) -> FileContent {
    FileContent {
        info: AttachmentInfo {
            id: Uuid::from_u128(id),
            field: "lageplan".into(),
            file_name: name.into(),
            content_type: content_type.into(),
            size_bytes: bytes.len() as i64,
            sha256: String::new(),
            content_base64: None,
            url: None,
        },
        bytes: bytes.to_vec(),
    }
}

/// A case of Werther's "Sondernutzung" with three files: one whose name needs cleaning, two
/// that share a name.
fn parcel() -> Parcel {
    Parcel {
        checkpoint: None,
        public_base: "https://portal.example".into(),
        idempotency_key: KEY.into(),
        doc: CaseDocument {
            format: FORMAT,
            case: CaseInfo {
                id: Uuid::from_u128(0x0195_4a3e_1c2d_7000_8000_0000_0000_0042),
                reference: "WER-2026-7K3QF".into(),
                status: "submitted",
                submitted_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 15, 0).unwrap(),
                completed_at: Some(Utc.with_ymd_and_hms(2026, 3, 2, 9, 16, 0).unwrap()),
                login_level: None,
            },
            municipality: MunicipalityInfo {
                slug: "werther".into(),
                name: "Stadt Werther (Westf.)".into(),
                code: "WER".into(),
            },
            service: ServiceInfo {
                slug: "sondernutzung".into(),
                title: "Sondernutzung einer Grünfläche <Markt & \"Fest\">".into(),
                leika: Some("99108016000000".into()),
                form_key: "sondernutzung".into(),
                form_version: 3,
                answers_schema: "https://portal.example/schemas/forms/sondernutzung/3.json".into(),
            },
            answers: serde_json::json!({"zweck": "Sommerfest"}),
            summary: vec![SummarySection {
                title: "Anlass".into(),
                rows: vec![SummaryRow {
                    label: "Zweck".into(),
                    value: "Sommerfest".into(),
                }],
            }],
            attachments: Vec::new(),
            payment: None,
        },
        files: vec![
            attachment(
                1,
                "../Lage:plan?.pdf",
                "application/pdf",
                b"%PDF-1.4\nplan\n%%EOF\n",
            ),
            attachment(
                2,
                "foto.jpg",
                "image/jpeg",
                &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
            ),
            attachment(
                3,
                "foto.jpg",
                "image/jpeg",
                &[0xFF, 0xD8, 0xFF, 0xE0, 4, 5, 6],
            ),
        ],
        pdf: b"%PDF-1.7\nthe application\n%%EOF\n".to_vec(),
    }
}

fn target(directory: &Path) -> FileDropTarget {
    FileDropTarget {
        directory: directory.to_owned(),
    }
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// The schema set copied from the xdomea 3.0.0 standard (see its NOTICE.md).
fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/xdomea-3.0.0/schema/xdomea.xsd")
}

/// `xmllint --schema`: `XMLLINT` if set, else `xmllint` on the PATH. A missing xmllint fails
/// the test: the schema check is the point of it.
fn xmllint(file: &Path) -> Result<(), String> {
    let program = std::env::var("XMLLINT").unwrap_or_else(|_| "xmllint".into());
    let out = Command::new(&program)
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(schema())
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{program}` ({e}): install Debian's libxml2-utils or set XMLLINT \
                 to the xmllint binary; the xdomea message must be checked against the schemas"
            )
        });
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[tokio::test]
async fn a_case_lands_in_its_own_folder_with_every_file_and_a_valid_xdomea_message() {
    let drop = tempfile::tempdir().unwrap();
    let p = parcel();
    let note = file_drop::deliver(&target(drop.path()), &p).await.unwrap();
    assert_eq!(note.as_deref(), Some("folder WER-2026-7K3QF.ablage"));

    // Only the finished folder: no temporary one is left behind.
    assert_eq!(entries(drop.path()), vec![KEY.to_owned()]);
    let folder = drop.path().join(KEY);

    let pdf_id = xdomea::documents(&p)[0].id;
    let json_id = xdomea::documents(&p)[1].id;
    let message = xdomea::message_file_name(&p);
    let mut expected = vec![
        "case.json".to_owned(),
        message.clone(),
        format!("{pdf_id}_Antrag-WER-2026-7K3QF.pdf"),
        format!("{json_id}_case.json"),
        format!("{}_Lage_plan_.pdf", Uuid::from_u128(1)),
        format!("{}_foto.jpg", Uuid::from_u128(2)),
        format!("{}_foto.jpg", Uuid::from_u128(3)),
    ];
    expected.sort();
    assert_eq!(entries(&folder), expected);

    // Byte for byte what the portal holds.
    let read = |name: &str| fs::read(folder.join(name)).unwrap();
    assert_eq!(read(&format!("{pdf_id}_Antrag-WER-2026-7K3QF.pdf")), p.pdf);
    for f in &p.files {
        let name = xdomea::documents(&p)
            .into_iter()
            .find(|d| d.id == f.info.id)
            .unwrap()
            .file_name;
        assert_eq!(read(&name), f.bytes, "{name}");
    }
    assert_eq!(read("case.json"), p.doc.to_json());
    assert_eq!(read(&format!("{json_id}_case.json")), read("case.json"));
    let json: serde_json::Value = serde_json::from_slice(&read("case.json")).unwrap();
    assert_eq!(json["case"]["reference"], "WER-2026-7K3QF");
    assert_eq!(json["format"], FORMAT);
    assert_eq!(json["summary"][0]["rows"][0]["value"], "Sommerfest");

    // The message is valid, and names exactly the files that are there.
    if let Err(e) = xmllint(&folder.join(&message)) {
        panic!("the xdomea message is not valid:\n{e}");
    }
    let xml = String::from_utf8(read(&message)).unwrap();
    assert!(xml.contains(
        "<xdomea:Betreff>Sondernutzung einer Grünfläche &lt;Markt &amp; &quot;Fest&quot;&gt; (WER-2026-7K3QF)</xdomea:Betreff>"
    ));
    assert!(xml.contains(&format!("<xdomea:ID>{}</xdomea:ID>", p.doc.case.id)));
    let named: Vec<&str> = xml
        .split("<xdomea:Dateiname>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap())
        .collect();
    assert_eq!(named.len(), 5);
    for name in named {
        assert!(folder.join(name).is_file(), "{name} is named but not there");
    }
    assert!(xml.contains("<xdomea:DateinameOriginal>../Lage:plan?.pdf</xdomea:DateinameOriginal>"));
}

#[tokio::test]
async fn the_format_codes_used_are_in_the_xdomea_code_list() {
    let list = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/xdomea-3.0.0/code_lists/Dateiformat_1.0.xml"),
    )
    .unwrap();
    let drop = tempfile::tempdir().unwrap();
    let p = parcel();
    file_drop::deliver(&target(drop.path()), &p).await.unwrap();
    let xml =
        fs::read_to_string(drop.path().join(KEY).join(xdomea::message_file_name(&p))).unwrap();
    let codes: Vec<&str> = xml
        .split("<xdomea:Name listURI=\"urn:xoev-de:xdomea:codeliste:dateiformat\" listVersionID=\"1.0\">")
        .skip(1)
        .map(|s| s.split("<code>").nth(1).unwrap().split('<').next().unwrap())
        .collect();
    // PDF, JSON (Sonstiges), PDF, JPG, JPG.
    assert_eq!(codes, ["018", "100", "018", "011", "011"]);
    for code in codes {
        assert!(
            list.contains(&format!("<SimpleValue>{code}</SimpleValue>")),
            "{code} is not in the code list"
        );
    }
}

#[tokio::test]
async fn delivering_twice_leaves_one_folder_and_succeeds_both_times() {
    let drop = tempfile::tempdir().unwrap();
    let p = parcel();
    file_drop::deliver(&target(drop.path()), &p).await.unwrap();
    let message = drop.path().join(KEY).join(xdomea::message_file_name(&p));
    let first = fs::read(&message).unwrap();

    // The database record was lost after the rename; the worker tries again.
    let note = file_drop::deliver(&target(drop.path()), &p).await.unwrap();
    assert_eq!(
        note.as_deref(),
        Some("folder WER-2026-7K3QF.ablage was there already")
    );
    assert_eq!(entries(drop.path()), vec![KEY.to_owned()]);
    assert_eq!(
        fs::read(&message).unwrap(),
        first,
        "the first folder is left as it was"
    );
}

#[tokio::test]
async fn a_half_written_folder_from_a_crash_is_cleaned_up_and_the_case_delivered() {
    let drop = tempfile::tempdir().unwrap();
    let stale = drop.path().join(format!(".tmp-{KEY}-00000000deadbeef"));
    fs::create_dir(&stale).unwrap();
    fs::write(stale.join("case.json"), b"{\"cut off").unwrap();
    // Another case's folder being written at the same time is not touched.
    let other = drop.path().join(format!(".tmp-{KEY}-2-00000000deadbeef"));
    fs::create_dir(&other).unwrap();

    let p = parcel();
    file_drop::deliver(&target(drop.path()), &p).await.unwrap();
    assert_eq!(
        entries(drop.path()),
        vec![format!(".tmp-{KEY}-2-00000000deadbeef"), KEY.to_owned()]
    );
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(drop.path().join(KEY).join("case.json")).unwrap())
            .unwrap();
    assert_eq!(json["case"]["reference"], "WER-2026-7K3QF");
    assert_eq!(entries(&drop.path().join(KEY)).len(), 7);
}

#[tokio::test]
async fn a_folder_that_cannot_be_written_is_tried_again_later() {
    let drop = tempfile::tempdir().unwrap();
    let file = drop.path().join("not-a-folder");
    fs::write(&file, b"x").unwrap();
    // A path under a file: no permission trick that root would ignore.
    let result = file_drop::deliver(&target(&file.join("ablage")), &parcel()).await;
    assert!(matches!(result, Err(DeliveryError::Retry(_))), "{result:?}");
    let result = file_drop::deliver(&target(&drop.path().join("unmounted")), &parcel()).await;
    assert!(matches!(result, Err(DeliveryError::Retry(_))), "{result:?}");
    assert_eq!(entries(drop.path()), vec!["not-a-folder".to_owned()]);
}

#[tokio::test]
async fn a_file_in_the_way_of_the_folder_is_a_permanent_refusal() {
    let drop = tempfile::tempdir().unwrap();
    fs::write(drop.path().join(KEY), b"someone else's file").unwrap();
    let result = file_drop::deliver(&target(drop.path()), &parcel()).await;
    assert!(
        matches!(result, Err(DeliveryError::Permanent(_))),
        "{result:?}"
    );
    assert_eq!(
        fs::read(drop.path().join(KEY)).unwrap(),
        b"someone else's file"
    );
}
