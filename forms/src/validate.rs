//! Turning a posted form into normalized answers, or into field errors.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::definition::{Field, FieldKind, FormDefinition};
use crate::error_code::ErrorCode;
use crate::money::is_english;
use crate::values::{self, Date, NumberError};

/// Normalized answers by field id: trimmed; dates `YYYY-MM-DD`; numbers canonical;
/// checked checkboxes `"true"`. Fields left empty are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Answers(pub BTreeMap<String, String>);

impl Answers {
    pub fn get(&self, field_id: &str) -> Option<&str> {
        self.0.get(field_id).map(String::as_str)
    }
}

/// A post that did not validate: what was typed, to show the page again, and why it failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} field(s) rejected", errors.len())]
pub struct Rejected {
    /// Exactly what was posted for each field of the form (untrimmed); unknown keys left out.
    pub values: BTreeMap<String, String>,
    /// In form order, at most one per field.
    pub errors: Vec<FieldError>,
}

impl Rejected {
    pub fn error_for(&self, field_id: &str) -> Option<ErrorCode> {
        self.errors
            .iter()
            .find(|e| e.field == field_id)
            .map(|e| e.error)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub error: ErrorCode,
}

/// Values a browser or a script may send for a ticked checkbox.
const CHECKED: [&str; 5] = ["true", "on", "1", "yes", "ja"];

impl FormDefinition {
    /// Validates a posted form. Keys that are not fields (e.g. `_csrf`) are ignored;
    /// of duplicate keys the first counts.
    pub fn validate(&self, posted: &[(String, String)]) -> Result<Answers, Rejected> {
        let mut values = BTreeMap::new();
        let mut answers = BTreeMap::new();
        let mut errors = Vec::new();
        for field in self.fields() {
            let raw = posted
                .iter()
                .find(|(key, _)| *key == field.id)
                .map(|(_, value)| value.as_str());
            if let Some(raw) = raw {
                values.insert(field.id.clone(), raw.to_owned());
            }
            match check(field, raw.unwrap_or("")) {
                Ok(Some(value)) => {
                    answers.insert(field.id.clone(), value);
                }
                Ok(None) => {}
                Err(error) => errors.push(FieldError {
                    field: field.id.clone(),
                    error,
                }),
            }
        }
        if errors.is_empty() {
            Ok(Answers(answers))
        } else {
            Err(Rejected { values, errors })
        }
    }

    /// The answer as a citizen or clerk should read it: the option label for choices,
    /// "Ja"/"Yes" for a ticked checkbox, a date as `31.01.2026` (de) or `31 January 2026` (en).
    pub fn display_value(&self, field_id: &str, answers: &Answers, lang: &str) -> Option<String> {
        let field = self.field(field_id)?;
        let value = answers.get(field_id)?;
        let shown = match field.kind {
            FieldKind::Select | FieldKind::Radio => field
                .option(value)
                .map_or(value, |choice| choice.label.get(lang))
                .to_owned(),
            FieldKind::Checkbox if is_english(lang) => "Yes".to_owned(),
            FieldKind::Checkbox => "Ja".to_owned(),
            FieldKind::Date => {
                Date::parse(value).map_or_else(|| value.to_owned(), |d| d.display(lang))
            }
            _ => value.to_owned(),
        };
        Some(shown)
    }
}

/// One field: `Ok(None)` when an optional field was left empty.
fn check(field: &Field, raw: &str) -> Result<Option<String>, ErrorCode> {
    if field.kind == FieldKind::Checkbox {
        let checked = CHECKED.iter().any(|c| raw.trim().eq_ignore_ascii_case(c));
        return match (checked, field.required) {
            (true, _) => Ok(Some("true".to_owned())),
            (false, true) => Err(ErrorCode::Required),
            (false, false) => Ok(None),
        };
    }
    // Browsers send a textarea line break as CRLF but count it as one character.
    let normalized = if field.kind == FieldKind::Textarea {
        raw.replace("\r\n", "\n")
    } else {
        raw.to_owned()
    };
    let value = normalized.trim();
    if value.is_empty() {
        return if field.required {
            Err(ErrorCode::Required)
        } else {
            Ok(None)
        };
    }
    // Line breaks only where the citizen could type one; a smuggled one in a single-line
    // field would break whatever later prints it on one line (mail subject, CSV, XML).
    let multiline = field.kind == FieldKind::Textarea;
    if value
        .chars()
        .any(|c| c.is_control() && !(c == '\t' || multiline && (c == '\n' || c == '\r')))
    {
        return Err(ErrorCode::ControlCharacters);
    }
    if field.kind.is_text_like() {
        check_length(field, value)?;
    }
    let canonical = match field.kind {
        FieldKind::Email if !values::is_email(value) => return Err(ErrorCode::InvalidEmail),
        FieldKind::Phone if !values::is_phone(value) => return Err(ErrorCode::InvalidPhone),
        FieldKind::PostalCode if !values::is_postal_code(value) => {
            return Err(ErrorCode::InvalidPostalCode);
        }
        FieldKind::Date => Date::parse(value).ok_or(ErrorCode::InvalidDate)?.iso(),
        FieldKind::Number => check_number(field, value)?.to_string(),
        FieldKind::Select | FieldKind::Radio if field.option(value).is_none() => {
            return Err(ErrorCode::NotAnOption);
        }
        _ => value.to_owned(),
    };
    Ok(Some(canonical))
}

fn check_length(field: &Field, value: &str) -> Result<(), ErrorCode> {
    let len = value.chars().count();
    if let Some(min) = field.min_length
        && len < min as usize
    {
        return Err(ErrorCode::TooShort { min });
    }
    if let Some(max) = field.effective_max_length()
        && len > max as usize
    {
        return Err(ErrorCode::TooLong { max });
    }
    Ok(())
}

fn check_number(field: &Field, value: &str) -> Result<i64, ErrorCode> {
    let n = match values::parse_integer(value) {
        Ok(n) => n,
        // Beyond i64 is beyond any declared bound; without a bound it is just not a number we take.
        Err(NumberError::Overflow { negative: true }) => {
            return Err(field
                .min
                .map_or(ErrorCode::InvalidNumber, |min| ErrorCode::TooSmall { min }));
        }
        Err(NumberError::Overflow { negative: false }) => {
            return Err(field
                .max
                .map_or(ErrorCode::InvalidNumber, |max| ErrorCode::TooLarge { max }));
        }
        Err(NumberError::Invalid) => return Err(ErrorCode::InvalidNumber),
    };
    if let Some(min) = field.min
        && n < min
    {
        return Err(ErrorCode::TooSmall { min });
    }
    if let Some(max) = field.max
        && n > max
    {
        return Err(ErrorCode::TooLarge { max });
    }
    Ok(n)
}
