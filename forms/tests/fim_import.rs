//! FIM XDatenfelder import: every sample in tests/data/fim (copied from
//! github.com/flxbe/xdatenfelder-xml, see its NOTICE.md) by name, plus messages written here for
//! what the samples do not cover (selects, code lists, nesting, repeats, types, bad XML).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

// Inside `mod fim` so that `cargo test -p forms fim` selects them.
mod fim {
    use forms::FormDefinition;
    use forms::fim::{FimError, FimErrorKind, Imported, import};

    macro_rules! sample {
        ($dir:literal, $name:literal) => {
            include_str!(concat!("data/fim/", $dir, "/", $name))
        };
    }

    /// Imports and checks that the definition loads with the form crate's own parser and lint.
    fn imported(xml: &str) -> (Imported, FormDefinition) {
        let imported = match import(xml) {
            Ok(i) => i,
            Err(e) => panic!("import failed: {e}"),
        };
        let json = serde_json::to_string(&imported.definition).unwrap();
        let definition = match FormDefinition::from_json(&json) {
            Ok(d) => d,
            Err(e) => panic!("imported definition does not load: {e}\n{json}"),
        };
        (imported, definition)
    }

    fn rejected(xml: &str) -> FimError {
        match import(xml) {
            Ok(i) => panic!("expected an error, got {}", i.definition),
            Err(e) => e,
        }
    }

    fn has_warning(imported: &Imported, needle: &str) -> bool {
        imported.warnings.iter().any(|w| w.contains(needle))
    }

    // ---------------------------------------------------------------------------------------------
    // XDatenfelder 2.0 samples

    #[test]
    fn v2_simple_group_becomes_a_step_with_its_field() {
        let (imported, def) = imported(sample!("xdatenfelder-2", "simple.xml"));
        assert_eq!(def.id, "t1234");
        assert_eq!(def.version, 1);
        assert_eq!(def.title.get("de"), "Test");
        assert_eq!(def.summary.get("de"), "Eine Beschreibung");
        assert_eq!(def.trust_level, forms::TrustLevel::None);
        assert_eq!(def.steps.len(), 1);
        assert_eq!(def.steps[0].title.get("de"), "Natürliche Person");
        let field = &def.steps[0].fields[0];
        assert_eq!(field.id, "f60000227");
        assert_eq!(field.kind, forms::FieldKind::Text);
        assert_eq!(field.label.get("de"), "Familienname");
        assert_eq!(
            field.hint.as_ref().map(|h| h.get("de")),
            Some("Hilfe Eingabe")
        );
        assert!(field.required, "anzahl 1:1 in a 1:1 group");
        // praezisierung {"minLength":"1","maxLength":"120"}
        assert_eq!(field.min_length, Some(1));
        assert_eq!(field.max_length, Some(120));
        // The schema's rule is kept as text, flagged, never run.
        assert!(has_warning(
            &imported,
            "rule R60000037 (MindestEineAngabe) on the root element T1234"
        ));
        assert!(has_warning(&imported, "NOT executed"));
        assert!(has_warning(&imported, "function script() {}"));
    }

    #[test]
    fn v2_data_field_rule_is_a_warning_on_the_field() {
        let (imported, def) = imported(sample!("xdatenfelder-2", "data-field-rule.xml"));
        // A field directly in the schema goes into a first step named after the form.
        assert_eq!(def.steps[0].title.get("de"), "Test");
        assert_eq!(def.steps[0].fields[0].id, "f123");
        assert!(has_warning(
            &imported,
            "rule R60000037 (MindestEineAngabe) on field F123 is NOT executed"
        ));
    }

    /// Valid XDatenfelder, but nothing a citizen could fill in: the only field is a static text
    /// (feldart label). The form format needs at least one field, so this is refused with
    /// `NoFields`, which names what was skipped; that error is only raised after the whole file
    /// has been read without complaint.
    #[test]
    fn v2_label_only_schema_is_refused_as_empty() {
        let e = rejected(sample!("xdatenfelder-2", "label.xml"));
        assert!(
            matches!(&e.kind, FimErrorKind::NoFields(skipped) if skipped[0].contains("F123 (Hinweis) static text"))
        );
        assert_eq!(
            (e.path.as_str(), e.line, e.column),
            ("xdf:stammdatenschema", 7, 5)
        );
    }

    /// Valid XDatenfelder without any struktur: no field, no form (see above).
    #[test]
    fn v2_minimal_schema_is_refused_as_empty() {
        let e = rejected(sample!("xdatenfelder-2", "minimal.xml"));
        assert_eq!(e.kind, FimErrorKind::NoFields(vec![]));
        assert!(e.to_string().contains("a form needs at least one field"));
    }

    /// A schema with a rule but no fields: read completely (the rule too), then refused as empty.
    #[test]
    fn v2_rule_only_schema_is_refused_as_empty() {
        let e = rejected(sample!("xdatenfelder-2", "rule.xml"));
        assert_eq!(e.kind, FimErrorKind::NoFields(vec![]));
    }

    /// `beschreibung` is optional but single-valued (0..1 in the XSD). Two of them are rejected
    /// rather than imported with a warning: which one holds the description is undecidable in
    /// general (here both are empty, but the importer must not guess), and the upstream library
    /// rejects the file as well. The error points at the second occurrence.
    #[test]
    fn v2_duplicate_optional_value_is_rejected() {
        let e = rejected(sample!("xdatenfelder-2", "duplicate-optional-value.xml"));
        assert_eq!(e.kind, FimErrorKind::Duplicate("xdf:beschreibung".into()));
        assert_eq!(e.path, "xdf:stammdatenschema/xdf:beschreibung[2]");
        assert_eq!((e.line, e.column), (15, 9));
    }

    #[test]
    fn v2_duplicate_required_value_is_rejected() {
        let e = rejected(sample!("xdatenfelder-2", "duplicate-required-value.xml"));
        assert_eq!(e.kind, FimErrorKind::Duplicate("xdf:name".into()));
        assert_eq!(
            e.to_string(),
            "xdf:stammdatenschema/xdf:name[2] (line 13, column 9): <xdf:name> appears more than once (XDatenfelder allows one)"
        );
    }

    #[test]
    fn v2_unknown_namespace_is_rejected() {
        let e = rejected(sample!("xdatenfelder-2", "unknown-namespace.xml"));
        assert_eq!(
            e.kind,
            FimErrorKind::UnknownNamespace("urn:xoev-de:fim:standard:xdatenfelder_unknown".into())
        );
        assert_eq!((e.line, e.column), (2, 1));
        assert_eq!(e.path, "xdf:xdatenfelder.stammdatenschema.0102");
    }

    // ---------------------------------------------------------------------------------------------
    // XDatenfelder 3.0.0 samples

    #[test]
    fn v3_simple_datenfeldgruppe_message() {
        let (imported, def) = imported(sample!("xdatenfelder-3", "simple.xml"));
        assert_eq!(def.id, "g60000000088");
        assert_eq!(def.title.get("de"), "Anschrift in Deutschland");
        assert_eq!(def.summary.get("de"), "Eine Beschreibung");
        assert_eq!(def.steps.len(), 1);
        assert_eq!(def.steps[0].title.get("de"), "Straßenanschrift");
        let field = &def.steps[0].fields[0];
        assert_eq!(field.id, "f60000000243");
        assert_eq!(field.label.get("de"), "Straße");
        assert_eq!(
            field.hint.as_ref().map(|h| h.get("de")),
            Some("Geben Sie an, wie die Straße heißt.")
        );
        // v3 praezisierung attributes minLength="1" maxLength="55"
        assert_eq!((field.min_length, field.max_length), (Some(1), Some(55)));
        // Straße is 1:1 inside the optional (0:1) group Straßenanschrift: not required on its own.
        assert!(!field.required);
        assert!(has_warning(
            &imported,
            "required within the optional group G60000000086"
        ));
        // The rule on the group and on the field: text kept, flagged, not run.
        assert!(has_warning(&imported, "rule R60000000019"));
        assert!(has_warning(
            &imported,
            "freitextRegel: Es muss entweder Feldgruppe G60000086"
        ));
        assert!(has_warning(&imported, "script: some script content"));
    }

    #[test]
    fn v3_duplicate_id_node_is_rejected() {
        let e = rejected(sample!("xdatenfelder-3", "duplicate-id-node.xml"));
        assert_eq!(e.kind, FimErrorKind::Duplicate("xdf:id".into()));
        assert_eq!(e.path, "xdf:datenfeldgruppe/xdf:identifikation/xdf:id[2]");
        assert_eq!((e.line, e.column), (11, 13));
    }

    #[test]
    fn v3_empty_id_node_is_rejected() {
        let e = rejected(sample!("xdatenfelder-3", "empty-id-node.xml"));
        assert_eq!(e.kind, FimErrorKind::Empty("xdf:id".into()));
        assert_eq!(e.path, "xdf:datenfeldgruppe/xdf:identifikation/xdf:id");
        assert_eq!((e.line, e.column), (10, 13));
    }

    #[test]
    fn v3_invalid_freigabestatus_is_rejected() {
        let e = rejected(sample!("xdatenfelder-3", "invalid-freigabestatus.xml"));
        assert!(
            matches!(&e.kind, FimErrorKind::InvalidCode { what, value, .. } if what == "freigabestatus" && value == "10"),
            "{e}"
        );
        assert_eq!(e.path, "xdf:datenfeldgruppe/xdf:freigabestatus/code");
        assert_eq!((e.line, e.column), (18, 13));
    }

    #[test]
    fn v3_missing_id_node_is_rejected() {
        let e = rejected(sample!("xdatenfelder-3", "missing-id-node.xml"));
        assert_eq!(e.kind, FimErrorKind::Missing("xdf:id".into()));
        assert_eq!(e.path, "xdf:datenfeldgruppe/xdf:identifikation");
        assert_eq!((e.line, e.column), (9, 9));
    }

    #[test]
    fn v3_unexpected_node_is_rejected() {
        let e = rejected(sample!("xdatenfelder-3", "unexpected-node.xml"));
        assert_eq!(e.kind, FimErrorKind::UnexpectedNode("xdf:unknown".into()));
        assert_eq!(
            e.to_string(),
            "xdf:datenfeldgruppe/xdf:identifikation/xdf:unknown (line 11, column 13): unexpected node <xdf:unknown>"
        );
    }

    #[test]
    fn v3_unknown_namespace_is_rejected() {
        let e = rejected(sample!("xdatenfelder-3", "unknown-namespace.xml"));
        assert!(matches!(e.kind, FimErrorKind::UnknownNamespace(_)));
        assert_eq!((e.line, e.column), (2, 1));
    }

    // ---------------------------------------------------------------------------------------------
    // Messages written for these tests

    const NS3: &str = "urn:xoev-de:fim:standard:xdatenfelder_3.0.0";

    /// A v3 Datenfeldgruppe message around `structures` (each a complete `<xdf:struktur>`).
    fn v3_group(structures: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<xdf:xdatenfelder.datenfeldgruppe.0103 xmlns:xdf="{NS3}">
  <xdf:header><xdf:nachrichtID>1</xdf:nachrichtID><xdf:erstellungszeitpunkt>2024-01-01T00:00:00Z</xdf:erstellungszeitpunkt></xdf:header>
  <xdf:datenfeldgruppe>
    <xdf:identifikation><xdf:id>G99_Test</xdf:id><xdf:version>1.0.0</xdf:version></xdf:identifikation>
    <xdf:name>Testgruppe</xdf:name>
    <xdf:freigabestatus><code>6</code></xdf:freigabestatus>
    <xdf:bezeichnungEingabe>Hundehaltung</xdf:bezeichnungEingabe>
    <xdf:schemaelementart><code>RNG</code></xdf:schemaelementart>
{structures}
  </xdf:datenfeldgruppe>
</xdf:xdatenfelder.datenfeldgruppe.0103>"#
        )
    }

    /// One `<xdf:struktur>` holding a v3 field.
    fn v3_field(
        anzahl: &str,
        id: &str,
        name: &str,
        feldart: &str,
        datentyp: &str,
        extra: &str,
    ) -> String {
        format!(
            r#"    <xdf:struktur><xdf:anzahl>{anzahl}</xdf:anzahl><xdf:enthaelt><xdf:datenfeld>
      <xdf:identifikation><xdf:id>{id}</xdf:id><xdf:version>1.0.0</xdf:version></xdf:identifikation>
      <xdf:name>{name}</xdf:name>
      <xdf:bezeichnungEingabe>{name}</xdf:bezeichnungEingabe>
      <xdf:feldart><code>{feldart}</code></xdf:feldart>
      <xdf:datentyp><code>{datentyp}</code></xdf:datentyp>
      {extra}
    </xdf:datenfeld></xdf:enthaelt></xdf:struktur>
"#
        )
    }

    /// One `<xdf:struktur>` holding a v3 group with `structures` inside.
    fn v3_subgroup(anzahl: &str, id: &str, label: &str, structures: &str) -> String {
        format!(
            r#"    <xdf:struktur><xdf:anzahl>{anzahl}</xdf:anzahl><xdf:enthaelt><xdf:datenfeldgruppe>
      <xdf:identifikation><xdf:id>{id}</xdf:id></xdf:identifikation>
      <xdf:name>{label}</xdf:name>
      <xdf:bezeichnungEingabe>{label}</xdf:bezeichnungEingabe>
{structures}
    </xdf:datenfeldgruppe></xdf:enthaelt></xdf:struktur>
"#
        )
    }

    #[test]
    fn v3_field_types_and_precision() {
        let xml = v3_group(
            &[
                v3_field(
                    "1:1",
                    "F1",
                    "Name des Hundes",
                    "input",
                    "text",
                    r#"<xdf:praezisierung maxLength="60"/>"#,
                ),
                v3_field(
                    "0:1",
                    "F2",
                    "Besondere Merkmale",
                    "input",
                    "text",
                    r#"<xdf:praezisierung maxLength="1000"/>"#,
                ),
                v3_field("1:1", "F3", "Geburtsdatum", "input", "date", ""),
                v3_field(
                    "1:1",
                    "F4",
                    "Anzahl Hunde",
                    "input",
                    "num_int",
                    r#"<xdf:praezisierung minValue="1" maxValue="20"/>"#,
                ),
                v3_field(
                    "0:1",
                    "F5",
                    "Kaution",
                    "input",
                    "num_currency",
                    r#"<xdf:praezisierung minValue="0.50" maxValue="1500"/>"#,
                ),
                v3_field("1:1", "F6", "Kampfhund", "input", "bool", ""),
                v3_field("0:1", "F7", "Gewicht", "input", "num", ""),
                v3_field(
                    "0:1",
                    "F8",
                    "Hinweis",
                    "label",
                    "text",
                    "<xdf:inhalt>Bitte vollständig ausfüllen.</xdf:inhalt>",
                ),
                v3_field("0:1", "F9", "Foto", "input", "file", ""),
                v3_field(
                    "0:1",
                    "F10",
                    "Kennzeichen",
                    "input",
                    "text",
                    r#"<xdf:praezisierung pattern="[A-Z]+"/>"#,
                ),
            ]
            .concat(),
        );
        let (imported, def) = imported(&xml);
        assert_eq!(def.id, "g99-test");
        let f = |id: &str| def.field(id).unwrap_or_else(|| panic!("no field {id}"));
        use forms::FieldKind::*;
        assert_eq!(
            (f("f1").kind, f("f1").max_length, f("f1").required),
            (Text, Some(60), true)
        );
        assert_eq!((f("f2").kind, f("f2").max_length), (Textarea, Some(1000)));
        assert_eq!(f("f3").kind, Date);
        assert_eq!(
            (f("f4").kind, f("f4").min, f("f4").max),
            (Number, Some(1), Some(20))
        );
        // A currency amount is a money field; its bounds in euros become cents.
        assert_eq!(
            (f("f5").kind, f("f5").min, f("f5").max),
            (Money, Some(50), Some(150_000))
        );
        assert_eq!(f("f6").kind, Checkbox);
        assert!(
            !f("f6").required,
            "a required checkbox would have to be ticked"
        );
        assert!(has_warning(&imported, "required yes/no value"));
        assert_eq!(f("f7").kind, Text);
        assert!(has_warning(&imported, "decimal number"));
        // A static text is an information block: its name the heading, its inhalt the text.
        assert_eq!(f("f8").kind, Info);
        assert_eq!(f("f8").label.get("de"), "Hinweis");
        assert_eq!(
            f("f8").text.as_ref().map(|t| t.get("de")),
            Some("Bitte vollständig ausfüllen.")
        );
        assert!(has_warning(
            &imported,
            "static text (feldart label), imported as an information block `f8`"
        ));
        // An upload is a file field of one file (anzahl 0:1: optional).
        assert_eq!(
            (f("f9").kind, f("f9").required, f("f9").max_files),
            (File, false, None)
        );
        assert!(has_warning(&imported, "pattern [A-Z]+ is not checked"));
        // Fields directly in the root group: one step named after the form.
        assert_eq!(def.steps.len(), 1);
        assert_eq!(def.steps[0].title.get("de"), "Hundehaltung");
    }

    /// A municipality imports a FIM schema with proofs to upload: each becomes a file field, one
    /// given several times takes several files, and a step's uploads stay within what a step
    /// takes, the required ones served first (even after an optional one that wants many
    /// files); an upload inside a repeating group is left out with a warning (uploads are per
    /// step, not per row).
    #[test]
    fn v3_uploads_become_file_fields_within_a_steps_limit() {
        let row = v3_subgroup(
            "0:3",
            "G5",
            "Hund",
            &[
                v3_field("1:1", "F50", "Name", "input", "text", ""),
                v3_field("0:1", "F51", "Impfpass", "input", "file", ""),
            ]
            .concat(),
        );
        let xml = v3_group(
            &[
                v3_field("0:*", "F42", "Weitere Unterlagen", "input", "file", ""),
                v3_field("1:1", "F40", "Personalausweis", "input", "file", ""),
                v3_field("1:3", "F41", "Nachweise", "input", "file", ""),
                v3_field("0:1", "F43", "Sonstiges", "input", "file", ""),
                v3_field("0:1", "F44", "Vollmacht", "input", "file", ""),
                v3_field("0:1", "F45", "Fotos", "input", "file", ""),
                row,
            ]
            .concat(),
        );
        let (imported, def) = imported(&xml);
        let f = |id: &str| def.field(id).unwrap_or_else(|| panic!("no field {id}"));
        use forms::FieldKind::File;
        // One file of 10 MB each for the two required, then for the optional ones in order:
        // the 50 MB are taken before the last.
        assert_eq!(
            (f("f40").kind, f("f40").required, f("f40").max_files),
            (File, true, None)
        );
        assert_eq!(
            (f("f41").kind, f("f41").required, f("f41").max_files),
            (File, true, None)
        );
        assert_eq!(
            (f("f42").kind, f("f42").required, f("f42").max_files),
            (File, false, None)
        );
        assert!(f("f43").kind == File && f("f44").kind == File);
        assert!(def.field("f45").is_none());
        assert!(has_warning(&imported, "upload `f45` not imported"));
        for cut in ["f41", "f42"] {
            assert!(
                has_warning(
                    &imported,
                    &format!("upload `{cut}` takes fewer or smaller files")
                ),
                "{cut}: {:?}",
                imported.warnings
            );
        }
        assert!(def.field("f51").is_none());
        assert!(def.field("f50").is_some());
        assert!(has_warning(
            &imported,
            "a file field inside a repeating group"
        ));
    }

    /// With room to spare, an upload given several times takes as many files as FIM allows
    /// (up to 5), and one file of less than 10 MB fills the last room.
    #[test]
    fn v3_an_upload_given_several_times_takes_several_files() {
        let xml = v3_group(
            &[
                v3_field("1:3", "F60", "Nachweise", "input", "file", ""),
                v3_field("0:*", "F61", "Weitere Unterlagen", "input", "file", ""),
            ]
            .concat(),
        );
        let (imported, def) = imported(&xml);
        let f = |id: &str| def.field(id).unwrap_or_else(|| panic!("no field {id}"));
        assert_eq!(f("f60").max_files, Some(3));
        // 10 + 10 first, then two more for F60: 10 MB left for F61's further files.
        assert_eq!(f("f61").max_files, Some(2));
        assert!(has_warning(
            &imported,
            "upload `f61` takes fewer or smaller files"
        ));
        assert!(!has_warning(&imported, "upload `f60`"));
    }

    #[test]
    fn v3_inline_values_become_options_and_a_bare_code_list_becomes_text() {
        let values = r#"<xdf:codelisteReferenz><xdf:canonicalIdentification>urn:de:example:rassen</xdf:canonicalIdentification><xdf:version>1</xdf:version></xdf:codelisteReferenz>
      <xdf:werte>
        <xdf:wert><xdf:code>dackel</xdf:code><xdf:name>Dackel</xdf:name></xdf:wert>
        <xdf:wert><xdf:code>pudel</xdf:code><xdf:name>Pudel</xdf:name><xdf:hilfe>klein oder groß</xdf:hilfe></xdf:wert>
        <xdf:wert><xdf:code>pudel</xdf:code><xdf:name>Pudel doppelt</xdf:name></xdf:wert>
      </xdf:werte>"#;
        let reference = r#"<xdf:codelisteReferenz><xdf:canonicalIdentification>urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat</xdf:canonicalIdentification><xdf:version>2023-02-24</xdf:version></xdf:codelisteReferenz>"#;
        let xml = v3_group(
            &[
                v3_field("1:1", "F20", "Rasse", "select", "text", values),
                v3_field(
                    "1:1",
                    "F21",
                    "Staatsangehörigkeit",
                    "select",
                    "text",
                    reference,
                ),
            ]
            .concat(),
        );
        let (imported, def) = imported(&xml);
        let rasse = def.field("f20").unwrap();
        assert_eq!(rasse.kind, forms::FieldKind::Select);
        let options: Vec<_> = rasse
            .options
            .iter()
            .map(|o| (o.value.as_str(), o.label.get("de")))
            .collect();
        assert_eq!(options, [("dackel", "Dackel"), ("pudel", "Pudel")]);
        assert!(has_warning(
            &imported,
            "value with code `pudel` is blank or repeated"
        ));
        let staat = def.field("f21").unwrap();
        assert_eq!(staat.kind, forms::FieldKind::Text);
        assert!(staat.required);
        assert!(has_warning(
            &imported,
            "refers to the code list urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat (version 2023-02-24)"
        ));
    }

    #[test]
    fn v3_repeating_groups_become_groups_and_other_nested_groups_are_flattened() {
        let inner = v3_subgroup(
            "1:1",
            "G2",
            "Anschrift",
            &[
                v3_field("1:1", "F30", "Straße", "input", "text", ""),
                v3_field("1:1", "F31", "Ort", "input", "text", ""),
            ]
            .concat(),
        );
        let dog = v3_subgroup(
            "1:5",
            "G1",
            "Hund",
            &[v3_field("1:1", "F32", "Name", "input", "text", ""), inner].concat(),
        );
        let owner = v3_subgroup(
            "1:1",
            "G3",
            "Halter",
            &v3_field("0:*", "F33", "Telefon", "input", "text", ""),
        );
        let xml = v3_group(&[owner, dog].concat());
        let (imported, def) = imported(&xml);
        let titles: Vec<_> = def.steps.iter().map(|s| s.title.get("de")).collect();
        assert_eq!(titles, ["Halter", "Hund"]);
        // G1 repeats (anzahl 1:5): its step holds one group with its rows' fields.
        let ids: Vec<_> = def.steps[1].fields.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["g1"]);
        let group = &def.steps[1].fields[0];
        assert_eq!(group.kind, forms::FieldKind::Group);
        assert_eq!((group.min_rows, group.max_rows), (Some(1), Some(5)));
        let row: Vec<_> = group.fields.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(row, ["f32", "f30", "f31"]);
        assert!(
            def.all_fields()
                .filter(|f| f.kind != forms::FieldKind::Group)
                .all(|f| f.required != (f.id == "f33"))
        );
        assert!(has_warning(
            &imported,
            "nested group G2 (Anschrift) inside G1 is flattened"
        ));
        assert!(!has_warning(&imported, "group G1 (Hund) may be given"));
        assert!(has_warning(
            &imported,
            "field F33 (Telefon) may be given any number of times (anzahl 0:*)"
        ));
    }

    #[test]
    fn v3_a_nested_repeating_group_becomes_a_group_in_its_step() {
        let child = v3_subgroup(
            "0:*",
            "G5",
            "Kind",
            &v3_field("1:1", "F50", "Vorname des Kindes", "input", "text", ""),
        );
        let family = v3_subgroup(
            "1:1",
            "G4",
            "Familie",
            &[
                v3_field("1:1", "F51", "Familienname", "input", "text", ""),
                child,
            ]
            .concat(),
        );
        let (imported, def) = imported(&v3_group(&family));
        let ids: Vec<_> = def.steps[0].fields.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["f51", "g5"]);
        let group = &def.steps[0].fields[1];
        assert_eq!(
            (group.min_rows, group.max_rows),
            (Some(0), Some(forms::MAX_ROWS))
        );
        assert!(group.fields[0].required, "required within its row");
        assert!(has_warning(
            &imported,
            "group G5 (Kind) may be given any number of times (anzahl 0:*); imported with at most 50 rows"
        ));
        assert!(def.problem_list().is_empty(), "{:?}", def.problem_list());
    }

    #[test]
    fn the_same_field_twice_gets_a_suffix_but_conflicting_definitions_are_rejected() {
        let same = v3_field("1:1", "F40", "Familienname", "input", "text", "");
        let xml = v3_group(
            &[
                v3_subgroup("1:1", "G1", "Antragsteller", &same),
                v3_subgroup("0:1", "G2", "Ehegatte", &same),
            ]
            .concat(),
        );
        let (imported, def) = imported(&xml);
        let ids: Vec<_> = def.fields().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["f40", "f40_2"]);
        assert!(has_warning(
            &imported,
            "field F40 is used more than once; this occurrence gets the id `f40_2`"
        ));

        // Same identifier (F40, version 1.0.0), different content: which one is meant?
        let other = v3_field("1:1", "F40", "Geburtsname", "input", "text", "");
        let e = rejected(&v3_group(&[same, other].concat()));
        assert_eq!(
            e.kind,
            FimErrorKind::ConflictingDefinition("F40:1.0.0".into())
        );
        assert_eq!(
            e.path,
            "xdf:datenfeldgruppe/xdf:struktur[2]/xdf:enthaelt/xdf:datenfeld"
        );
    }

    #[test]
    fn v3_stammdatenschema_message() {
        let xml = format!(
            r#"<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="{NS3}">
  <xdf:stammdatenschema>
    <xdf:identifikation><xdf:id>S60000011</xdf:id><xdf:version>1.0.0</xdf:version></xdf:identifikation>
    <xdf:name>Hundesteuer intern</xdf:name>
    <xdf:freigabestatus><code>6</code></xdf:freigabestatus>
    <xdf:bezeichnung>Anmeldung zur Hundesteuer</xdf:bezeichnung>
    <xdf:hilfetext>Melden Sie Ihren Hund an.</xdf:hilfetext>
    <xdf:dokumentsteckbrief><xdf:id>D1</xdf:id></xdf:dokumentsteckbrief>
{}
  </xdf:stammdatenschema>
</xdf:xdatenfelder.stammdatenschema.0102>"#,
            v3_field("1:1", "F1", "Name", "input", "text", "")
        );
        let (_, def) = imported(&xml);
        assert_eq!(def.id, "s60000011");
        assert_eq!(def.title.get("de"), "Anmeldung zur Hundesteuer");
        assert_eq!(def.summary.get("de"), "Melden Sie Ihren Hund an.");
    }

    #[test]
    fn v2_code_list_reference_without_values_becomes_text_naming_the_urn() {
        let xml = sample!("xdatenfelder-2", "data-field-rule.xml")
        .replace("<code>input</code>", "<code>select</code>")
        .replace(
            "<xdf:regel>",
            r#"<xdf:codelisteReferenz>
                        <xdf:identifikation><xdf:id>C60000017</xdf:id></xdf:identifikation>
                        <xdf:genericodeIdentification>
                            <xdf:canonicalIdentification>urn:de:fim:codeliste:anrede</xdf:canonicalIdentification>
                            <xdf:version>1</xdf:version>
                            <xdf:canonicalVersionUri>urn:de:fim:codeliste:anrede_1</xdf:canonicalVersionUri>
                        </xdf:genericodeIdentification>
                    </xdf:codelisteReferenz>
                    <xdf:regel>"#,
        );
        let (imported, def) = imported(&xml);
        assert_eq!(def.field("f123").unwrap().kind, forms::FieldKind::Text);
        assert!(has_warning(
            &imported,
            "refers to the code list urn:de:fim:codeliste:anrede_1"
        ));
    }

    #[test]
    fn malformed_xml_names_line_and_column() {
        let xml = v3_group(&v3_field("1:1", "F1", "Name", "input", "text", ""))
            .replace("</xdf:name>", "</xdf:nam>");
        let e = rejected(&xml);
        assert!(matches!(e.kind, FimErrorKind::Malformed(_)), "{e}");
        // `    <xdf:name>Testgruppe</xdf:nam>`: the wrong end tag, in the open element.
        assert_eq!((e.line, e.column), (6, 25), "{e}");
        assert_eq!(e.path, "xdf:datenfeldgruppe/xdf:name");
        assert!(e.to_string().contains("expected `</xdf:name>`"), "{e}");

        let e = rejected("");
        assert!(matches!(e.kind, FimErrorKind::Malformed(_)));
        let e = rejected("<a><b></a>");
        assert!(matches!(e.kind, FimErrorKind::Malformed(_)), "{e}");
        let e = rejected("<xdf:x xmlns:xdf=\"urn:other\"/>");
        assert!(matches!(e.kind, FimErrorKind::UnknownNamespace(_)));
    }

    #[test]
    fn bad_values_are_rejected_with_the_node() {
        let e = rejected(&v3_group(&v3_field(
            "1:x", "F1", "Name", "input", "text", "",
        )));
        assert!(
            matches!(&e.kind, FimErrorKind::InvalidValue { what, .. } if what == "xdf:anzahl"),
            "{e}"
        );
        assert_eq!(e.path, "xdf:datenfeldgruppe/xdf:struktur/xdf:anzahl");

        let e = rejected(&v3_group(&v3_field(
            "1:1", "F1", "Name", "button", "text", "",
        )));
        assert!(
            matches!(&e.kind, FimErrorKind::InvalidCode { what, .. } if what == "feldart"),
            "{e}"
        );

        let e = rejected(&v3_group(&v3_field(
            "1:1",
            "F1",
            "Name",
            "input",
            "text",
            "<xdf:farbe/>",
        )));
        assert_eq!(e.kind, FimErrorKind::UnexpectedNode("xdf:farbe".into()));

        let no_type = v3_group(&v3_field("1:1", "F1", "Name", "input", "text", ""))
            .replace("<xdf:datentyp><code>text</code></xdf:datentyp>", "");
        let e = rejected(&no_type);
        assert_eq!(e.kind, FimErrorKind::Missing("xdf:datentyp".into()));
        assert!(e.path.ends_with("xdf:enthaelt/xdf:datenfeld"), "{e}");
    }

    #[test]
    fn inconsistent_precision_is_dropped_so_the_definition_still_loads() {
        let xml = v3_group(
            &[
                v3_field(
                    "1:1",
                    "F1",
                    "A",
                    "input",
                    "text",
                    r#"<xdf:praezisierung minLength="300"/>"#,
                ),
                v3_field(
                    "1:1",
                    "F2",
                    "B",
                    "input",
                    "num_int",
                    r#"<xdf:praezisierung minValue="9" maxValue="1"/>"#,
                ),
                v3_field(
                    "1:1",
                    "F3",
                    "C",
                    "input",
                    "text",
                    r#"<xdf:praezisierung maxLength="0" minLength="x"/>"#,
                ),
            ]
            .concat(),
        );
        let (imported, def) = imported(&xml);
        assert_eq!(def.field("f1").unwrap().min_length, None);
        assert_eq!(
            (def.field("f2").unwrap().min, def.field("f2").unwrap().max),
            (None, None)
        );
        assert!(has_warning(
            &imported,
            "minLength 300 is above the maximum length 200"
        ));
        assert!(has_warning(&imported, "minValue 9 is above maxValue 1"));
        assert!(has_warning(
            &imported,
            "minLength `x` is not a whole number"
        ));
    }

    mod no_panic {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
                let _ = import(&s);
            }

            /// Cut a real message anywhere, or splice junk into it: an error, never a panic, and any
            /// success still loads as a definition.
            #[test]
            fn damaged_samples_never_panic(at in 0usize..10_000, junk in "[<>&/\"a-z:= ]{0,8}") {
                for src in [sample!("xdatenfelder-3", "simple.xml"), sample!("xdatenfelder-2", "simple.xml")] {
                    let mut at = at.min(src.len());
                    while !src.is_char_boundary(at) {
                        at -= 1;
                    }
                    let _ = import(&src[..at]);
                    let spliced = format!("{}{junk}{}", &src[..at], &src[at..]);
                    if let Ok(imported) = import(&spliced) {
                        let json = serde_json::to_string(&imported.definition).unwrap();
                        prop_assert!(FormDefinition::from_json(&json).is_ok(), "{json}");
                    }
                }
            }
        }
    }
}
