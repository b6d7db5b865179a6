//! Form definitions, answer validation and fee rules for the OZG portal.
//!
//! Pure domain: no I/O. The portal loads a definition with [`FormDefinition::from_json`],
//! renders it, and turns a posted form into [`Answers`] with [`FormDefinition::validate`].
//! The format is described in `docs/forms.md`.

mod definition;
mod error_code;
mod fee;
pub mod fim;
mod lint;
mod logic;
mod money;
mod text;
mod validate;
mod values;

pub use definition::{
    Choice, DEFAULT_MAX_LENGTH, DEFAULT_TEXTAREA_MAX_LENGTH, EMAIL_MAX_LENGTH, Field, FieldKind,
    FormDefinition, Section, TrustLevel, UnknownTrustLevel,
};
pub use error_code::ErrorCode;
pub use fee::Fee;
pub use lint::DefinitionError;
pub use money::{Money, format_eur};
pub use text::Text;
pub use validate::{Answers, FieldError, Rejected};
