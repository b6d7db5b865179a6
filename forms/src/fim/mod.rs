//! Import of FIM XDatenfelder 2.0 and 3.0.0 messages into form definitions.
//!
//! [`import`] reads an XDatenfelder 2.0 Stammdatenschema message
//! (`urn:xoev-de:fim:standard:xdatenfelder_2`) or an XDatenfelder 3.0.0 Stammdatenschema or
//! Datenfeldgruppe message (`urn:xoev-de:fim:standard:xdatenfelder_3.0.0`) and produces a form
//! definition in the format of `docs/forms.md` as JSON, plus warnings for everything that could
//! not be carried over (repeats, nested groups, code lists without values, rules, ...).
//! Rule scripts are never executed; their text ends up in the warnings.
//!
//! The XML is read strictly: unknown elements, a second value where XDatenfelder allows one,
//! missing or empty identifiers, values outside the code lists and unknown namespaces are
//! errors that name the node, its line and its column. See `docs/fim-import.md`.

mod convert;
mod read;
mod xml;

use std::fmt;

/// A converted definition. `definition` passes [`crate::FormDefinition::from_json`] once
/// serialized; `warnings` says what a person must review before publishing it.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub definition: serde_json::Value,
    pub warnings: Vec<String>,
}

/// Why a file could not be imported, and where: the node path below the message element, and
/// the 1-based line and column of the node (or of the syntax error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path} (line {line}, column {column}): {kind}")]
pub struct FimError {
    pub kind: FimErrorKind,
    /// E.g. `xdf:stammdatenschema/xdf:struktur[2]/xdf:enthaelt/xdf:datenfeld`.
    pub path: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FimErrorKind {
    #[error("malformed XML: {0}")]
    Malformed(String),
    #[error(
        "unknown namespace `{0}` (expected urn:xoev-de:fim:standard:xdatenfelder_2 or urn:xoev-de:fim:standard:xdatenfelder_3.0.0)"
    )]
    UnknownNamespace(String),
    #[error("unexpected node <{0}>")]
    UnexpectedNode(String),
    #[error("unexpected text inside <{0}>")]
    UnexpectedText(String),
    #[error("missing <{0}>")]
    Missing(String),
    #[error("<{0}> must not be empty")]
    Empty(String),
    #[error("<{0}> appears more than once (XDatenfelder allows one)")]
    Duplicate(String),
    #[error("invalid {what} `{value}` (expected one of: {allowed})")]
    InvalidCode {
        what: String,
        value: String,
        allowed: String,
    },
    #[error("invalid {what} `{value}` (expected {expected})")]
    InvalidValue {
        what: String,
        value: String,
        expected: String,
    },
    #[error("element {0} is defined twice with different content")]
    ConflictingDefinition(String),
    /// A valid message without anything a citizen could fill in; lists what was skipped.
    #[error("nothing to fill in: a form needs at least one field{}", skipped_list(.0))]
    NoFields(Vec<String>),
    #[error("internal error: {0}")]
    Internal(String),
}

fn skipped_list(skipped: &[String]) -> String {
    if skipped.is_empty() {
        " (the message has no data fields)".to_owned()
    } else {
        format!(" (skipped: {})", skipped.join("; "))
    }
}

impl FimError {
    fn internal(message: String) -> Self {
        FimError {
            kind: FimErrorKind::Internal(message),
            path: "/".into(),
            line: 1,
            column: 1,
        }
    }
}

impl fmt::Display for Imported {
    /// The definition as pretty JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string_pretty(&self.definition) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

/// Reads an XDatenfelder message and turns it into a form definition (JSON) with warnings.
///
/// Fails on malformed or invalid XDatenfelder (see [`FimErrorKind`]), and with
/// [`FimErrorKind::NoFields`] on a valid message that contains nothing a citizen could fill in,
/// since a form needs at least one field.
pub fn import(xml: &str) -> Result<Imported, FimError> {
    let doc = xml::Doc::parse(xml)?;
    let schema = read::read(&doc)?;
    let converted = convert::convert(&schema);
    if converted.field_count == 0 {
        let kind = FimErrorKind::NoFields(converted.skipped);
        let mut error = doc.error(doc.root(), kind.clone());
        // Point at the schema or group element rather than the message.
        if let Some(&first) = doc.node(doc.root()).children.iter().find(|&&c| {
            matches!(
                doc.node(c).local.as_str(),
                "stammdatenschema" | "datenfeldgruppe"
            )
        }) {
            error = doc.error(first, kind);
        }
        return Err(error);
    }
    Ok(Imported {
        definition: converted.definition,
        warnings: converted.warnings,
    })
}
