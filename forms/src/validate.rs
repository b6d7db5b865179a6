//! Turning a posted form into normalized answers, or into field errors.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::definition::{Field, FieldKind, FormDefinition, ValueFormat};
use crate::error_code::ErrorCode;
use crate::iban::{self, Iban};
use crate::money::{format_eur, is_english};
use crate::params::Params;
use crate::values::{self, Date, NumberError};

/// Normalized answers by field id: trimmed; dates `YYYY-MM-DD`; numbers canonical; money and
/// computed values as whole numbers (cents); ticked checkboxes and consents `"true"`; yes/no
/// `"true"` or `"false"`; IBANs in capitals without spaces. Fields left empty or unticked,
/// hidden fields and `info` blocks are absent.
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
            .map(|e| e.error.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub error: ErrorCode,
}

/// Values a browser or a script may send for a ticked checkbox.
const CHECKED: [&str; 5] = ["true", "on", "1", "yes", "ja"];

/// A yes/no answer: the radio values `true` and `false`, or what a script may send instead.
fn yes_no(value: &str) -> Option<bool> {
    const YES: [&str; 3] = ["true", "ja", "yes"];
    const NO: [&str; 3] = ["false", "nein", "no"];
    if YES.iter().any(|y| value.eq_ignore_ascii_case(y)) {
        Some(true)
    } else if NO.iter().any(|n| value.eq_ignore_ascii_case(n)) {
        Some(false)
    } else {
        None
    }
}

/// The first value posted under `key`.
pub(crate) fn raw<'a>(posted: &'a [(String, String)], key: &str) -> Option<&'a str> {
    posted
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, value)| value.as_str())
}

/// Every value posted under `key`, joined by line breaks: a checkbox list posts its key once
/// per ticked box. `None` when the key was not posted.
pub(crate) fn all_values(posted: &[(String, String)], key: &str) -> Option<String> {
    let values: Vec<&str> = posted
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect();
    (!values.is_empty()).then(|| values.join("\n"))
}

/// The first value posted under each key (a key posted twice counts once, the first time),
/// to look every field up once rather than search the post per field.
pub(crate) fn first_values(posted: &[(String, String)]) -> HashMap<&str, &str> {
    let mut first = HashMap::with_capacity(posted.len());
    for (key, value) in posted {
        first.entry(key.as_str()).or_insert(value.as_str());
    }
    first
}

impl FormDefinition {
    /// Validates a posted form with every parameter at its default
    /// (see [`FormDefinition::validate_with`]).
    pub fn validate(&self, posted: &[(String, String)]) -> Result<Answers, Rejected> {
        self.validate_with(posted, &Params::defaults())
    }

    /// Validates a posted form. Keys that are not input fields (e.g. `_csrf`, computed
    /// fields) are ignored; of duplicate keys the first counts.
    ///
    /// Hidden fields (`visible_if` false, on the field or its step) are not validated and
    /// their values are dropped; `required_if` makes a field required; a rule is checked
    /// when none of the fields it names has an error, and a failing one puts
    /// [`ErrorCode::Rule`] on each of them; computed values are stored under their field id.
    pub fn validate_with(
        &self,
        posted: &[(String, String)],
        params: &Params,
    ) -> Result<Answers, Rejected> {
        let conditions = self.conditions(posted, params);
        self.validate_in(&conditions, posted)
    }

    /// [`FormDefinition::validate_with`] on conditions already evaluated for this post (the
    /// journey has them), so the logic is not evaluated a second time.
    pub(crate) fn validate_in(
        &self,
        conditions: &crate::Conditions,
        posted: &[(String, String)],
    ) -> Result<Answers, Rejected> {
        let all_posted = posted;
        let posted = first_values(posted);
        let mut values = BTreeMap::new();
        let mut answers = BTreeMap::new();
        let mut errors = Vec::new();
        let slots = self.slots(|group| conditions.rows(&group.id));
        for slot in &slots {
            let field = slot.field;
            let key = slot.key();
            if field.kind == FieldKind::Group {
                if let Some(raw) = posted.get(key.as_str()) {
                    values.insert(key.clone(), (*raw).to_owned());
                }
                if conditions.is_field_visible(&key) {
                    answers.insert(key, conditions.rows(&field.id).to_string());
                }
                continue;
            }
            if !field.kind.is_input() {
                continue;
            }
            let ticked;
            let raw = if field.kind == FieldKind::Checkboxes {
                ticked = all_values(all_posted, &key);
                ticked.as_deref()
            } else {
                posted.get(key.as_str()).copied()
            };
            if let Some(raw) = raw {
                values.insert(key.clone(), raw.to_owned());
            }
            if !conditions.is_field_visible(&key) {
                continue;
            }
            match check(field, raw.unwrap_or(""), conditions.is_required(&key)) {
                Ok(Some(value)) => {
                    answers.insert(key, value);
                }
                Ok(None) => {}
                Err(error) => errors.push(FieldError { field: key, error }),
            }
        }
        if !self.rules.is_empty() {
            let bound = conditions.scope.bind();
            for rule in &self.rules {
                let has_error = |id: &String| errors.iter().any(|e| e.field == *id);
                let all_hidden = rule.fields.iter().all(|f| !conditions.is_field_visible(f));
                if rule.fields.iter().any(has_error) || all_hidden {
                    continue;
                }
                if !self.rule_holds(rule, &bound) {
                    let failed: Vec<FieldError> = rule
                        .fields
                        .iter()
                        .filter(|f| conditions.is_field_visible(f) && !has_error(f))
                        .map(|f| FieldError {
                            field: f.clone(),
                            error: ErrorCode::Rule {
                                rule: rule.id.clone(),
                            },
                        })
                        .collect();
                    errors.extend(failed);
                }
            }
        }
        if errors.is_empty() {
            for (id, value) in conditions.computed_values() {
                answers.insert(id.clone(), value.to_string());
            }
            Ok(Answers(answers))
        } else {
            let order: BTreeMap<String, usize> = slots
                .iter()
                .enumerate()
                .map(|(i, slot)| (slot.key(), i))
                .collect();
            errors.sort_by_key(|e| order.get(e.field.as_str()).copied().unwrap_or(usize::MAX));
            Err(Rejected { values, errors })
        }
    }

    /// What to put back into a field's input to change a stored answer: the answer itself,
    /// except money (`1250` becomes `12,50`). `None` for unanswered, computed and info fields.
    pub fn input_value(&self, field_id: &str, answers: &Answers) -> Option<String> {
        let field = self.field(crate::rows::field_id_of(field_id))?;
        let value = answers.get(field_id)?;
        match field.kind {
            FieldKind::Computed | FieldKind::Info | FieldKind::Group => None,
            FieldKind::Money => value.parse::<i64>().ok().map(money_input),
            FieldKind::Iban => Some(iban::group(value)),
            _ => Some(value.to_owned()),
        }
    }

    /// The answer as a citizen or clerk should read it: the option label for choices,
    /// "Ja"/"Yes" for a ticked checkbox or consent, "Ja"/"Nein" ("Yes"/"No") for yes/no, a date
    /// as `31.01.2026` (de) or `31 January 2026` (en), an IBAN in groups of four.
    pub fn display_value(&self, field_id: &str, answers: &Answers, lang: &str) -> Option<String> {
        let field = self.field(crate::rows::field_id_of(field_id))?;
        let value = answers.get(field_id)?;
        let shown = match field.kind {
            FieldKind::Select | FieldKind::Radio => field
                .option(value)
                .map_or(value, |choice| choice.label.get(lang))
                .to_owned(),
            FieldKind::Checkbox | FieldKind::Consent => yes_no_text(true, lang).to_owned(),
            FieldKind::Checkboxes => value
                .lines()
                .map(|v| field.option(v).map_or(v, |c| c.label.get(lang)))
                .collect::<Vec<_>>()
                .join(", "),
            FieldKind::YesNo => yes_no_text(value == "true", lang).to_owned(),
            FieldKind::Iban => iban::group(value),
            FieldKind::Date => {
                Date::parse(value).map_or_else(|| value.to_owned(), |d| d.display(lang))
            }
            FieldKind::Money => cents_display(value, lang),
            FieldKind::Computed if field.format == Some(ValueFormat::Money) => {
                cents_display(value, lang)
            }
            FieldKind::Info | FieldKind::Group => return None,
            _ => value.to_owned(),
        };
        Some(shown)
    }
}

fn yes_no_text(yes: bool, lang: &str) -> &'static str {
    match (yes, is_english(lang)) {
        (true, false) => "Ja",
        (false, false) => "Nein",
        (true, true) => "Yes",
        (false, true) => "No",
    }
}

fn cents_display(value: &str, lang: &str) -> String {
    value
        .parse::<i64>()
        .map_or_else(|_| value.to_owned(), |cents| format_eur(cents, lang))
}

/// Cents as typed into a money input: `12,50`, `-0,05`.
fn money_input(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{},{:02}", abs / 100, abs % 100)
}

/// One input field: `Ok(None)` when an optional field was left empty.
pub(crate) fn check(field: &Field, raw: &str, required: bool) -> Result<Option<String>, ErrorCode> {
    if field.kind == FieldKind::Checkboxes {
        return check_ticked(field, raw, required);
    }
    if field.kind.is_tick_box() {
        let checked = CHECKED.iter().any(|c| raw.trim().eq_ignore_ascii_case(c));
        return match (checked, required) {
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
        return if required {
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
        FieldKind::Money => check_money(field, value)?.to_string(),
        FieldKind::Select | FieldKind::Radio if field.option(value).is_none() => {
            return Err(ErrorCode::NotAnOption);
        }
        FieldKind::YesNo => yes_no(value).ok_or(ErrorCode::NotAnOption)?.to_string(),
        FieldKind::Iban => Iban::parse(value)?.as_str().to_owned(),
        FieldKind::File => check_files(field, value)?,
        _ => value.to_owned(),
    };
    Ok(Some(canonical))
}

/// A checkbox list: every ticked value (one per line) must be an option; stored once each,
/// in option order.
fn check_ticked(field: &Field, raw: &str, required: bool) -> Result<Option<String>, ErrorCode> {
    let ticked: Vec<&str> = raw
        .split('\n')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    if ticked.iter().any(|v| field.option(v).is_none()) {
        return Err(ErrorCode::NotAnOption);
    }
    if ticked.is_empty() {
        return if required {
            Err(ErrorCode::Required)
        } else {
            Ok(None)
        };
    }
    let chosen: Vec<&str> = field
        .options
        .iter()
        .map(|o| o.value.as_str())
        .filter(|v| ticked.contains(v))
        .collect();
    Ok(Some(chosen.join("\n")))
}

/// The ids of a file field's stored files (UUIDs, separated by spaces), at most `max_files`.
fn check_files(field: &Field, value: &str) -> Result<String, ErrorCode> {
    let ids: Vec<&str> = value.split_whitespace().collect();
    let well_formed =
        |id: &str| id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    if !ids.iter().all(|id| well_formed(id)) {
        return Err(ErrorCode::NotAnOption);
    }
    if ids.len() > field.max_file_count() {
        return Err(ErrorCode::TooManyFiles {
            max: u32::try_from(field.max_file_count()).unwrap_or(u32::MAX),
        });
    }
    Ok(ids.join(" "))
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

/// An amount of euros as cents. Not negative unless the field's `min` is.
fn check_money(field: &Field, value: &str) -> Result<i64, ErrorCode> {
    let cents = values::parse_money(value).ok_or(ErrorCode::InvalidAmount)?;
    let min = field.min.unwrap_or(0);
    if cents < min {
        return Err(ErrorCode::TooSmall { min });
    }
    if let Some(max) = field.max
        && cents > max
    {
        return Err(ErrorCode::TooLarge { max });
    }
    Ok(cents)
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
