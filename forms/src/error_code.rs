//! Why a field's value was refused. The portal translates [`ErrorCode::code`] with Fluent.

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Required,
    TooShort {
        min: u32,
    },
    TooLong {
        max: u32,
    },
    InvalidEmail,
    InvalidPhone,
    InvalidDate,
    InvalidNumber,
    TooSmall {
        min: i64,
    },
    TooLarge {
        max: i64,
    },
    InvalidPostalCode,
    NotAnOption,
    ControlCharacters,
    /// Not an amount of euros (`money` fields).
    InvalidAmount,
    /// `iban`: not two letters, two digits, then letters and digits.
    InvalidIban,
    /// `iban`: the country's IBANs have `length` characters (spaces not counted).
    IbanLength {
        length: u32,
    },
    /// `iban`: the check digits do not match (a typo).
    IbanChecksum,
    /// A rule of the form failed; its message is [`crate::FormDefinition::rule_message`].
    Rule {
        rule: String,
    },
    /// `file`: the content is none of the field's `types` (`types` lists them, e.g. "PDF, JPEG").
    FileType {
        types: String,
    },
    /// `file`: larger than the field's `max_size_mb`.
    FileTooLarge {
        max_mb: u32,
    },
    /// `file`: more than the field's `max_files`.
    TooManyFiles {
        max: u32,
    },
    /// `file`: a file without content.
    FileEmpty,
}

impl ErrorCode {
    /// Stable snake_case key; never rename one, translations depend on it.
    pub fn code(&self) -> &'static str {
        match self {
            ErrorCode::Required => "required",
            ErrorCode::TooShort { .. } => "too_short",
            ErrorCode::TooLong { .. } => "too_long",
            ErrorCode::InvalidEmail => "invalid_email",
            ErrorCode::InvalidPhone => "invalid_phone",
            ErrorCode::InvalidDate => "invalid_date",
            ErrorCode::InvalidNumber => "invalid_number",
            ErrorCode::TooSmall { .. } => "too_small",
            ErrorCode::TooLarge { .. } => "too_large",
            ErrorCode::InvalidPostalCode => "invalid_postal_code",
            ErrorCode::NotAnOption => "not_an_option",
            ErrorCode::ControlCharacters => "control_characters",
            ErrorCode::InvalidAmount => "invalid_amount",
            ErrorCode::InvalidIban => "invalid_iban",
            ErrorCode::IbanLength { .. } => "iban_length",
            ErrorCode::IbanChecksum => "iban_checksum",
            ErrorCode::Rule { .. } => "rule",
            ErrorCode::FileType { .. } => "file_type",
            ErrorCode::FileTooLarge { .. } => "file_too_large",
            ErrorCode::TooManyFiles { .. } => "too_many_files",
            ErrorCode::FileEmpty => "file_empty",
        }
    }

    /// Text arguments for the translated message, e.g. `[("types", "PDF, JPEG")]`.
    pub fn text_args(&self) -> Vec<(&'static str, &str)> {
        match self {
            ErrorCode::FileType { types } => vec![("types", types.as_str())],
            _ => Vec::new(),
        }
    }

    /// The rule id of a [`ErrorCode::Rule`].
    pub fn rule(&self) -> Option<&str> {
        match self {
            ErrorCode::Rule { rule } => Some(rule),
            _ => None,
        }
    }

    /// Arguments for the translated message, e.g. `[("max", 200)]`.
    pub fn args(&self) -> Vec<(&'static str, i64)> {
        match self {
            ErrorCode::TooShort { min } => vec![("min", i64::from(*min))],
            ErrorCode::TooLong { max } => vec![("max", i64::from(*max))],
            ErrorCode::TooSmall { min } => vec![("min", *min)],
            ErrorCode::TooLarge { max } => vec![("max", *max)],
            ErrorCode::IbanLength { length } => vec![("length", i64::from(*length))],
            ErrorCode::FileTooLarge { max_mb } => vec![("max", i64::from(*max_mb))],
            ErrorCode::TooManyFiles { max } => vec![("max", i64::from(*max))],
            _ => Vec::new(),
        }
    }
}

impl From<crate::iban::IbanError> for ErrorCode {
    fn from(e: crate::iban::IbanError) -> Self {
        use crate::iban::IbanError;
        match e {
            IbanError::Format => ErrorCode::InvalidIban,
            IbanError::Length { expected } => ErrorCode::IbanLength {
                length: u32::try_from(expected).unwrap_or(u32::MAX),
            },
            IbanError::Checksum => ErrorCode::IbanChecksum,
        }
    }
}
