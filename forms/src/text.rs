//! User-visible text: a plain German string or one string per language.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The language every text must have; the fallback for any other language.
pub const DEFAULT_LANG: &str = "de";

/// A text shown to citizens: `"Vorname"` or `{"de": "Vorname", "en": "First name"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Text {
    Plain(String),
    Localized(BTreeMap<String, String>),
}

impl Text {
    /// The text in `lang`, else German, else any language there is.
    pub fn get(&self, lang: &str) -> &str {
        match self {
            Text::Plain(s) => s,
            Text::Localized(map) => map
                .get(lang)
                .or_else(|| map.get(DEFAULT_LANG))
                .or_else(|| map.values().next())
                .map_or("", String::as_str),
        }
    }

    /// Every language variant, for linting.
    pub(crate) fn variants(&self) -> impl Iterator<Item = (&str, &str)> {
        let (plain, map) = match self {
            Text::Plain(s) => (Some((DEFAULT_LANG, s.as_str())), None),
            Text::Localized(map) => (None, Some(map)),
        };
        plain.into_iter().chain(
            map.into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::Plain(s.to_owned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn localized() -> Text {
        serde_json::from_str(r#"{"de": "Hundesteuer", "en": "Dog tax"}"#).unwrap()
    }

    #[test]
    fn english_reader_gets_english_text() {
        assert_eq!(localized().get("en"), "Dog tax");
    }

    #[test]
    fn unknown_language_falls_back_to_german() {
        assert_eq!(localized().get("fr"), "Hundesteuer");
    }

    #[test]
    fn text_without_german_falls_back_to_any_value() {
        let text: Text = serde_json::from_str(r#"{"en": "Dog tax"}"#).unwrap();
        assert_eq!(text.get("de"), "Dog tax");
    }

    #[test]
    fn plain_text_is_the_same_in_every_language() {
        let text: Text = serde_json::from_str(r#""Vorname""#).unwrap();
        assert_eq!(text, Text::from("Vorname"));
        assert_eq!(text.get("en"), "Vorname");
    }
}
