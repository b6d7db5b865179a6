//! Checks a definition beyond what its JSON shape says, so a broken form fails at load time.

use std::collections::BTreeSet;

use crate::definition::{Field, FieldKind, FormDefinition};
use crate::fee::Fee;
use crate::text::{DEFAULT_LANG, Text};

/// What is wrong with a form definition; the first problem in document order.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("form id `{0}` must be lowercase a-z, 0-9 and inner hyphens")]
    InvalidFormId(String),
    #[error("version must be at least 1")]
    InvalidVersion,
    #[error("LeiKa key `{0}` must be exactly 14 digits")]
    InvalidLeika(String),
    #[error("{at}: text must not be blank")]
    BlankText { at: String },
    #[error("{at}: localized text needs a German (\"de\") entry")]
    MissingGerman { at: String },
    #[error("the form has no sections")]
    NoSections,
    #[error("section {section} has no fields")]
    EmptySection { section: usize },
    #[error("field id `{0}` must start with a-z and contain only a-z, 0-9 and _")]
    InvalidFieldId(String),
    #[error("field id `{0}` is used more than once")]
    DuplicateFieldId(String),
    #[error("field `{field}` ({kind}) needs at least one option")]
    MissingOptions { field: String, kind: FieldKind },
    #[error("field `{field}` ({kind}) must not have options")]
    UnexpectedOptions { field: String, kind: FieldKind },
    #[error("field `{field}`: option value `{value}` is empty or used twice")]
    InvalidOptionValue { field: String, value: String },
    #[error("field `{field}` ({kind}) must not set min_length/max_length")]
    LengthNotAllowed { field: String, kind: FieldKind },
    #[error(
        "field `{field}`: min_length {min_length} is greater than the maximum length {max_length}"
    )]
    LengthRangeEmpty {
        field: String,
        min_length: u32,
        max_length: u32,
    },
    #[error("field `{field}`: max_length must be at least 1")]
    ZeroMaxLength { field: String },
    #[error("field `{field}` ({kind}) must not set min/max (only number fields do)")]
    RangeNotAllowed { field: String, kind: FieldKind },
    #[error("field `{field}`: min {min} is greater than max {max}")]
    RangeEmpty { field: String, min: i64, max: i64 },
    #[error("field `{field}`: width `{width}` must be short, medium or long")]
    InvalidWidth { field: String, width: String },
    #[error("field `{field}`: autocomplete `{token}` is not an HTML autocomplete token")]
    InvalidAutocomplete { field: String, token: String },
    #[error("fee: amount must not be negative")]
    NegativeFee,
    #[error("fee: unit_field `{0}` is not a field of this form")]
    UnknownUnitField(String),
    #[error("fee: unit_field `{0}` must be a number field")]
    UnitFieldNotNumber(String),
    #[error("fee: unit_field `{0}` must be required")]
    UnitFieldNotRequired(String),
    #[error("fee: unit_field `{0}` must set min >= 0, so the fee cannot turn negative")]
    UnitFieldMayBeNegative(String),
}

type Result = std::result::Result<(), DefinitionError>;

impl FormDefinition {
    /// Checks what serde cannot: id formats, unique field ids, options only where they belong,
    /// sane ranges, a fee that refers to a required number field, German text everywhere.
    /// [`FormDefinition::from_json`] calls this; call it yourself after any other deserializer.
    pub fn lint(&self) -> Result {
        if !is_form_id(&self.id) {
            return Err(DefinitionError::InvalidFormId(self.id.clone()));
        }
        if self.version < 1 {
            return Err(DefinitionError::InvalidVersion);
        }
        if let Some(leika) = &self.leika
            && !(leika.len() == 14 && leika.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(DefinitionError::InvalidLeika(leika.clone()));
        }
        text(&self.title, || "title".into())?;
        text(&self.summary, || "summary".into())?;
        for (i, requirement) in self.requirements.iter().enumerate() {
            text(requirement, || format!("requirements[{i}]"))?;
        }
        if self.sections.is_empty() {
            return Err(DefinitionError::NoSections);
        }
        let mut seen = BTreeSet::new();
        for (i, section) in self.sections.iter().enumerate() {
            let number = i + 1;
            text(&section.title, || format!("section {number} title"))?;
            if section.fields.is_empty() {
                return Err(DefinitionError::EmptySection { section: number });
            }
            for field in &section.fields {
                if !seen.insert(field.id.as_str()) {
                    return Err(DefinitionError::DuplicateFieldId(field.id.clone()));
                }
                lint_field(field)?;
            }
        }
        self.lint_fee()
    }

    fn lint_fee(&self) -> Result {
        let (amount, note) = match &self.fee {
            Fee::None { note } => (0, note),
            Fee::Fixed { cents, note } => (*cents, note),
            Fee::PerUnit {
                cents_per_unit,
                unit_field,
                unit,
                note,
            } => {
                text(unit, || "fee unit".into())?;
                let field = self
                    .field(unit_field)
                    .ok_or_else(|| DefinitionError::UnknownUnitField(unit_field.clone()))?;
                if field.kind != FieldKind::Number {
                    return Err(DefinitionError::UnitFieldNotNumber(unit_field.clone()));
                }
                if !field.required {
                    return Err(DefinitionError::UnitFieldNotRequired(unit_field.clone()));
                }
                if field.min.is_none_or(|min| min < 0) {
                    return Err(DefinitionError::UnitFieldMayBeNegative(unit_field.clone()));
                }
                (*cents_per_unit, note)
            }
        };
        if amount < 0 {
            return Err(DefinitionError::NegativeFee);
        }
        if let Some(note) = note {
            text(note, || "fee note".into())?;
        }
        Ok(())
    }
}

fn lint_field(field: &Field) -> Result {
    let id = &field.id;
    let kind = field.kind;
    if !is_field_id(id) {
        return Err(DefinitionError::InvalidFieldId(id.clone()));
    }
    text(&field.label, || format!("field `{id}` label"))?;
    if let Some(hint) = &field.hint {
        text(hint, || format!("field `{id}` hint"))?;
    }
    match (kind.has_options(), field.options.is_empty()) {
        (true, true) => {
            return Err(DefinitionError::MissingOptions {
                field: id.clone(),
                kind,
            });
        }
        (false, false) => {
            return Err(DefinitionError::UnexpectedOptions {
                field: id.clone(),
                kind,
            });
        }
        _ => {}
    }
    let mut values = BTreeSet::new();
    for choice in &field.options {
        if choice.value.trim().is_empty()
            || choice.value.trim() != choice.value
            || !values.insert(&choice.value)
        {
            return Err(DefinitionError::InvalidOptionValue {
                field: id.clone(),
                value: choice.value.clone(),
            });
        }
        text(&choice.label, || {
            format!("field `{id}` option `{}` label", choice.value)
        })?;
    }
    lint_lengths(field)?;
    lint_range(field)?;
    if let Some(width) = &field.width
        && !matches!(width.as_str(), "short" | "medium" | "long")
    {
        return Err(DefinitionError::InvalidWidth {
            field: id.clone(),
            width: width.clone(),
        });
    }
    if let Some(token) = &field.autocomplete
        && !is_autocomplete(token)
    {
        return Err(DefinitionError::InvalidAutocomplete {
            field: id.clone(),
            token: token.clone(),
        });
    }
    Ok(())
}

fn lint_lengths(field: &Field) -> Result {
    let id = &field.id;
    if !field.kind.is_text_like() {
        if field.min_length.is_some() || field.max_length.is_some() {
            return Err(DefinitionError::LengthNotAllowed {
                field: id.clone(),
                kind: field.kind,
            });
        }
        return Ok(());
    }
    if field.max_length == Some(0) {
        return Err(DefinitionError::ZeroMaxLength { field: id.clone() });
    }
    if let (Some(min_length), Some(max_length)) = (field.min_length, field.effective_max_length())
        && min_length > max_length
    {
        return Err(DefinitionError::LengthRangeEmpty {
            field: id.clone(),
            min_length,
            max_length,
        });
    }
    Ok(())
}

fn lint_range(field: &Field) -> Result {
    let id = &field.id;
    if field.kind != FieldKind::Number {
        if field.min.is_some() || field.max.is_some() {
            return Err(DefinitionError::RangeNotAllowed {
                field: id.clone(),
                kind: field.kind,
            });
        }
        return Ok(());
    }
    if let (Some(min), Some(max)) = (field.min, field.max)
        && min > max
    {
        return Err(DefinitionError::RangeEmpty {
            field: id.clone(),
            min,
            max,
        });
    }
    Ok(())
}

/// Not blank in any language, and German present (it is the fallback for every reader).
fn text(text: &Text, at: impl Fn() -> String) -> Result {
    if let Text::Localized(map) = text
        && !map.contains_key(DEFAULT_LANG)
    {
        return Err(DefinitionError::MissingGerman { at: at() });
    }
    if text.variants().any(|(_, s)| s.trim().is_empty()) {
        return Err(DefinitionError::BlankText { at: at() });
    }
    Ok(())
}

/// `hundesteuer-anmeldung`: lowercase ASCII letters and digits, single inner hyphens.
fn is_form_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `geburtsdatum_hund`: starts with a letter, so it never collides with `_csrf`-style keys.
fn is_field_id(id: &str) -> bool {
    id.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// One or more space-separated tokens such as `given-name` or `section-owner postal-code`.
fn is_autocomplete(token: &str) -> bool {
    !token.is_empty()
        && token.split(' ').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}
