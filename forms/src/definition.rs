//! The form definition model, as read from JSON or YAML (see `source.rs`).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::fee::Fee;
use crate::logic::LogicCache;
use crate::params::Parameter;
use crate::text::Text;

/// Maximum length of a single-line text-like field without an explicit `max_length`.
pub const DEFAULT_MAX_LENGTH: u32 = 200;
/// Maximum length of a textarea without an explicit `max_length`.
pub const DEFAULT_TEXTAREA_MAX_LENGTH: u32 = 5000;
/// RFC 5321 path limit; also the default `max_length` of an email field.
pub const EMAIL_MAX_LENGTH: u32 = 254;

/// A versioned form: what the service is, what it costs, and the fields to fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// Stable key, lowercase `a-z0-9-`, e.g. `hundesteuer-anmeldung`.
    pub id: String,
    /// Starts at 1; a published version never changes.
    pub version: u32,
    pub title: Text,
    /// One or two sentences: what the service is.
    pub summary: Text,
    /// LeiKa key (14 digits), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leika: Option<String>,
    #[serde(default)]
    pub trust_level: TrustLevel,
    /// How long the portal keeps what this form collects.
    #[serde(default, skip_serializing_if = "Retention::is_unset")]
    pub retention: Retention,
    /// "What you need" bullet points shown before the form starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<Text>,
    pub fee: Fee,
    /// Values each municipality may set (rates, amounts), referenced as `tenant.<id>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// The pages of the form, in order (`sections` is read as a synonym: the name before 2026-11).
    #[serde(alias = "sections")]
    pub steps: Vec<Step>,
    /// Cross-field checks, each a CEL condition that must hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// Lists of choices that select and radio fields refer to by `code_list` (by id, e.g. the
    /// German states), so that a long list is written once.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub code_lists: BTreeMap<String, Vec<Choice>>,
    /// What the citizen confirms on the check-your-answers page before submitting (a required
    /// tick box). Without it the portal's standard wording is used ("Ich versichere, dass meine
    /// Angaben vollständig und wahrheitsgemäß sind.").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration: Option<Text>,
    /// The compiled expressions, filled at load time (or at first use).
    #[serde(skip)]
    pub(crate) logic: LogicCache,
}

/// Retention periods of a form: how long an unsent draft is kept, and how long a case is
/// kept once it is closed (records schedule of the office; the deletion itself is the
/// portal's job once cases can be closed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Days an unsent draft is kept after its last change (1 to 365); the installation's
    /// `draft_days` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_days: Option<u32>,
    /// Days a closed case is kept (1 to 36500, i.e. up to 100 years).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_days: Option<u32>,
}

impl Retention {
    pub fn is_unset(&self) -> bool {
        self.draft_days.is_none() && self.case_days.is_none()
    }
}

/// A cross-field check: `check` must be true, else `message` is shown at each of `fields`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// `a-z0-9_`, starting with a letter; unique in the form.
    pub id: String,
    /// CEL condition that must hold.
    pub check: String,
    pub message: Text,
    /// The input fields that show the message; at least one.
    pub fields: Vec<String>,
}

/// One page of the form: the citizen fills it, then goes on to the next visible step.
/// Rendered as `<fieldset>` with the title as `<legend>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub title: Text,
    /// CEL condition; when false, the whole step is hidden and its answers dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<String>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// `a-z0-9_`, starting with a letter; unique across the whole form.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// HTML `autocomplete` token, e.g. `given-name`, `postal-code`, `email`, `tel`, `bday`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autocomplete: Option<String>,
    /// Fill the field from the citizen's login: the name of a claim of the identity provider
    /// (`given_name`, `family_name`, `birthdate`, `email`, or an extra claim such as
    /// `birth_name`), or `address.<part>` for a part of the address claim
    /// (`address.street_address`, `address.postal_code`, `address.locality`). Only on fields
    /// outside groups, of kind text, textarea, email, phone, date, postal_code, select or radio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// The choices of a select or radio field; empty for every other kind. With `code_list`
    /// they are filled in from the form's list when the definition is loaded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Select and radio: the id of one of the form's `code_lists`, instead of `options`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_list: Option<String>,
    /// Input width hint for the renderer: `short`, `medium` or `long`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<String>,
    /// CEL condition; when false, the field is hidden, not validated and its answer dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<String>,
    /// CEL condition; when true, the field is required (instead of a fixed `required`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_if: Option<String>,
    /// `computed` only: CEL expression giving a whole number (cents with `format: money`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `computed` only: how the number is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ValueFormat>,
    /// `info`: the text shown; `consent`: the statement next to the tick box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    /// `group` only: the fields of one row. Their ids are unique across the whole form; in
    /// expressions of these fields, `row.<id>` is the value in the same row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// `group` only: the fewest rows (default 0); a new application starts with this many
    /// (at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_rows: Option<u32>,
    /// `group` only: the most rows, at most [`MAX_ROWS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rows: Option<u32>,
    /// `group` only: the title of one row, followed by its number ("Hund" gives "Hund 1").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_label: Option<Text>,
    /// `group` only: the button that adds a row ("Weiteren Hund hinzufügen").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_label: Option<Text>,
    /// `file` only: the accepted types, checked by content: `pdf`, `jpeg`, `png` (all three
    /// when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
    /// `file` only: the largest file in megabytes (default 10, at most [`MAX_FILE_MB`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size_mb: Option<u32>,
    /// `file` only: how many files (default 1, at most [`MAX_FILES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_files: Option<u32>,
}

/// The file types a `file` field can accept, by their name in `accept`.
pub const FILE_TYPES: [&str; 3] = ["pdf", "jpeg", "png"];
/// The largest `max_size_mb` of a file field.
pub const MAX_FILE_MB: u32 = 50;
/// The largest `max_files` of a file field.
pub const MAX_FILES: u32 = 10;
/// The most megabytes one step may take in files (every file field's `max_size_mb` times its
/// `max_files`), so that a step's post stays within what the portal reads.
pub const MAX_STEP_UPLOAD_MB: u32 = 50;

/// The most rows a repeating group may declare.
pub const MAX_ROWS: u32 = 50;

/// How a computed number is shown.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ValueFormat {
    /// As the integer it is.
    #[default]
    Number,
    /// Cents, shown as `12,50 €`.
    Money,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Field {
    /// The length limit that applies: the declared one, else the default of the kind.
    /// `None` for kinds without a length limit (date, number, postal code, choices).
    pub fn effective_max_length(&self) -> Option<u32> {
        let default = match self.kind {
            FieldKind::Text | FieldKind::Phone => DEFAULT_MAX_LENGTH,
            FieldKind::Textarea => DEFAULT_TEXTAREA_MAX_LENGTH,
            FieldKind::Email => EMAIL_MAX_LENGTH,
            _ => return None,
        };
        Some(self.max_length.unwrap_or(default))
    }

    /// The option with this value, for select and radio fields.
    pub fn option(&self, value: &str) -> Option<&Choice> {
        self.options.iter().find(|c| c.value == value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Textarea,
    Email,
    Phone,
    Date,
    Number,
    PostalCode,
    Select,
    Radio,
    Checkbox,
    /// An amount of euros, typed as `12,50`, `12.50` or `12`; stored in cents.
    Money,
    /// A read-only number computed from the other answers (`value`); never taken from a post.
    Computed,
    /// A block of text (`text`) without any input.
    Info,
    /// An IBAN, typed with or without spaces; stored in capitals without spaces, checked by
    /// its check digits and, for European countries, its length.
    Iban,
    /// Two radio buttons, Ja and Nein; stored as `true` or `false`, a bool in expressions.
    YesNo,
    /// One tick box whose label is `text` (the statement agreed to); stored as `true` when
    /// ticked. `label` is the question above it.
    Consent,
    /// Repeating rows of `fields` (between `min_rows` and `max_rows`), e.g. one row per dog.
    /// Its answer is the number of rows; a row's answers are stored as `<group>.<row>.<field>`
    /// (rows from 0), and expressions see `answers.<group>` as a list of rows.
    Group,
    /// Files uploaded with the step (`accept`, `max_size_mb`, `max_files`). The portal keeps
    /// the files; the answer is their ids, separated by spaces, and never taken from a post.
    File,
    /// A list of tick boxes, one per option (or `code_list` entry), any number ticked;
    /// stored as the ticked values in option order, one per line; a list of texts in
    /// expressions (`'hund' in answers.tiere`).
    Checkboxes,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Textarea => "textarea",
            FieldKind::Email => "email",
            FieldKind::Phone => "phone",
            FieldKind::Date => "date",
            FieldKind::Number => "number",
            FieldKind::PostalCode => "postal_code",
            FieldKind::Select => "select",
            FieldKind::Radio => "radio",
            FieldKind::Checkbox => "checkbox",
            FieldKind::Money => "money",
            FieldKind::Computed => "computed",
            FieldKind::Info => "info",
            FieldKind::Iban => "iban",
            FieldKind::YesNo => "yes_no",
            FieldKind::Consent => "consent",
            FieldKind::Group => "group",
            FieldKind::File => "file",
            FieldKind::Checkboxes => "checkboxes",
        }
    }

    /// Kinds the citizen fills in (everything but `computed`, `info` and `group`, whose rows
    /// hold the inputs).
    pub fn is_input(self) -> bool {
        !matches!(
            self,
            FieldKind::Computed | FieldKind::Info | FieldKind::Group
        )
    }

    /// Kinds whose value is a whole number (`number`, `money`, `computed`).
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            FieldKind::Number | FieldKind::Money | FieldKind::Computed
        )
    }

    /// Kinds whose value is free text with a length limit.
    pub fn is_text_like(self) -> bool {
        matches!(
            self,
            FieldKind::Text | FieldKind::Textarea | FieldKind::Email | FieldKind::Phone
        )
    }

    /// Select, radio and checkbox lists: the value must be one of the field's options.
    pub fn has_options(self) -> bool {
        matches!(
            self,
            FieldKind::Select | FieldKind::Radio | FieldKind::Checkboxes
        )
    }

    /// Kinds whose value is true or false in expressions (`checkbox`, `yes_no`, `consent`).
    pub fn is_bool(self) -> bool {
        matches!(
            self,
            FieldKind::Checkbox | FieldKind::YesNo | FieldKind::Consent
        )
    }

    /// Tick boxes: unticked is no answer, and `false` in expressions.
    pub fn is_tick_box(self) -> bool {
        matches!(self, FieldKind::Checkbox | FieldKind::Consent)
    }

    /// Kinds a claim of the citizen's login can fill (`prefill`): those holding one typed
    /// text (text, textarea, email, phone, date, postal code) and single choices (select,
    /// radio: the claim must be one of the option values).
    pub fn takes_prefill(self) -> bool {
        matches!(
            self,
            FieldKind::Text
                | FieldKind::Textarea
                | FieldKind::Email
                | FieldKind::Phone
                | FieldKind::Date
                | FieldKind::PostalCode
                | FieldKind::Select
                | FieldKind::Radio
        )
    }

    /// Kinds that show a `text`: the body of an `info` block, the statement of a `consent`.
    pub fn has_text(self) -> bool {
        matches!(self, FieldKind::Info | FieldKind::Consent)
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: Text,
}

/// The minimum trust level of the citizen's identity (BundID `acr` levels).
/// Ordered: a tenant may raise a form's level, never lower it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TrustLevel {
    /// Anonymous use is allowed.
    #[default]
    None,
    Low,
    Substantial,
    High,
}

impl TrustLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            TrustLevel::None => "none",
            TrustLevel::Low => "low",
            TrustLevel::Substantial => "substantial",
            TrustLevel::High => "high",
        }
    }
}

impl fmt::Display for TrustLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown trust level `{0}` (expected none, low, substantial or high)")]
pub struct UnknownTrustLevel(pub String);

impl FromStr for TrustLevel {
    type Err = UnknownTrustLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(TrustLevel::None),
            "low" => Ok(TrustLevel::Low),
            "substantial" => Ok(TrustLevel::Substantial),
            "high" => Ok(TrustLevel::High),
            other => Err(UnknownTrustLevel(other.to_owned())),
        }
    }
}

impl Field {
    /// A file field's accepted types (`accept`, else every one of [`FILE_TYPES`]).
    pub fn accepted_types(&self) -> Vec<&str> {
        if self.accept.is_empty() {
            FILE_TYPES.to_vec()
        } else {
            self.accept.iter().map(String::as_str).collect()
        }
    }

    /// A file field's size limit in bytes.
    pub fn max_file_bytes(&self) -> u64 {
        u64::from(self.max_size_mb.unwrap_or(10).clamp(1, MAX_FILE_MB)) * 1024 * 1024
    }

    /// A file field's largest number of files.
    pub fn max_file_count(&self) -> usize {
        self.max_files.unwrap_or(1).clamp(1, MAX_FILES) as usize
    }

    /// A group of exactly one row (`min_rows` = `max_rows` = 1), e.g. an address: shown as
    /// one block of fields, without row titles or buttons.
    pub fn is_single_row(&self) -> bool {
        self.kind == FieldKind::Group && self.row_bounds() == (1, 1)
    }

    /// The bounds of a group's rows: `min_rows` (default 0) and `max_rows` (default and at
    /// most [`MAX_ROWS`]).
    pub fn row_bounds(&self) -> (usize, usize) {
        let max = self.max_rows.unwrap_or(MAX_ROWS).min(MAX_ROWS) as usize;
        let min = (self.min_rows.unwrap_or(0) as usize).min(max);
        (min, max)
    }
}

impl FormDefinition {
    /// Every field outside groups (groups themselves included), in form order.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.steps.iter().flat_map(|s| s.fields.iter())
    }

    /// Every field, the fields of groups right after their group, in form order.
    pub fn all_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields()
            .flat_map(|f| std::iter::once(f).chain(f.fields.iter()))
    }

    /// The groups of the form.
    pub fn groups(&self) -> impl Iterator<Item = &Field> {
        self.fields().filter(|f| f.kind == FieldKind::Group)
    }

    /// A field by id: outside groups or inside one.
    pub fn field(&self, id: &str) -> Option<&Field> {
        self.all_fields().find(|f| f.id == id)
    }

    /// The group a field belongs to (`None` for fields outside groups).
    pub fn group_of(&self, field_id: &str) -> Option<&Field> {
        self.groups()
            .find(|g| g.fields.iter().any(|f| f.id == field_id))
    }

    /// Every field the citizen fills in, in form order (no `computed`, no `info`).
    pub fn input_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields().filter(|f| f.kind.is_input())
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The message of a rule in `lang` (see [`crate::ErrorCode::Rule`]).
    pub fn rule_message(&self, rule_id: &str, lang: &str) -> Option<&str> {
        self.rule(rule_id).map(|r| r.message.get(lang))
    }

    /// Index of the step a field is in, and of the field within it.
    pub fn position(&self, field_id: &str) -> Option<(usize, usize)> {
        self.steps.iter().enumerate().find_map(|(si, step)| {
            step.fields
                .iter()
                .position(|f| f.id == field_id)
                .map(|fi| (si, fi))
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn trust_levels_are_ordered_and_round_trip_as_text() {
        assert!(TrustLevel::None < TrustLevel::Low);
        assert!(TrustLevel::Substantial < TrustLevel::High);
        for level in [
            TrustLevel::None,
            TrustLevel::Low,
            TrustLevel::Substantial,
            TrustLevel::High,
        ] {
            assert_eq!(level.to_string().parse::<TrustLevel>(), Ok(level));
        }
        assert!("mittel".parse::<TrustLevel>().is_err());
    }
}
