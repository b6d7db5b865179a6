//! Form definitions, answer validation and fee rules for the OZG portal.
//!
//! Pure domain: no I/O. The portal loads a definition with [`FormDefinition::from_json`] (or
//! [`FormDefinition::from_yaml`], [`FormDefinition::parse`] by [`Format`]),
//! renders it, and turns a posted form into [`Answers`] with [`FormDefinition::validate`]
//! (or [`FormDefinition::validate_with`] and a municipality's [`Params`]). The logic (CEL
//! conditions, rules and computed values) is evaluated by [`FormDefinition::conditions`] and
//! explained by [`FormDefinition::explain`].
//! The format is described in `docs/forms.md`.

mod conditions;
mod definition;
mod error_code;
mod fee;
pub mod fim;
mod iban;
mod journey;
mod lint;
mod logic;
mod money;
mod params;
mod prefill;
mod rows;
mod schema;
mod source;
mod text;
mod validate;
mod values;

pub use conditions::{Conditions, Explanation, Input};
pub use definition::{
    Choice, DEFAULT_MAX_LENGTH, DEFAULT_TEXTAREA_MAX_LENGTH, EMAIL_MAX_LENGTH, FILE_TYPES, Field,
    FieldKind, FormDefinition, MAX_FILE_MB, MAX_FILES, MAX_ROWS, MAX_STEP_UPLOAD_MB, Retention,
    Rule, Step, TrustLevel, UnknownTrustLevel, ValueFormat,
};
pub use error_code::ErrorCode;
pub use fee::{Assessed, Due, Fee, MAX_FEE_CENTS};
pub use iban::{Iban, IbanError, iban_length};
pub use journey::{Journey, Progress, Typed};
pub use lint::{DefinitionError, Problem};
pub use logic::{
    CompileError, LogicError, LogicValue, MAX_DEPTH, MAX_EXPRESSION_LENGTH, MAX_NESTING, Outcome,
    Scope, evaluate_condition, evaluate_integer,
};
pub use money::{Money, format_eur};
pub use params::{ParamKind, ParamValue, Parameter, Params};
pub use rows::{Slot, field_id_of, row_key, split_row_key, top_level_id};
pub use schema::definition_schema;
pub use source::Format;
pub use text::Text;
pub use validate::{Answers, FieldError, Rejected};
pub use values::parse_money;
