//! Amounts in euro cents and their display.

use std::fmt;

/// An amount of euros, held in cents so no rounding ever happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money {
    pub cents: i64,
}

impl Money {
    pub fn from_cents(cents: i64) -> Self {
        Money { cents }
    }

    /// `1.234,50 €` in German (and any language but English), `€1,234.50` in English.
    pub fn format(&self, lang: &str) -> String {
        format_eur(self.cents, lang)
    }
}

/// German formatting; use [`Money::format`] for other languages.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format("de"))
    }
}

/// Formats cents as euros: de `"1.234,50 €"`, en `"€1,234.50"`.
pub fn format_eur(cents: i64, lang: &str) -> String {
    let english = is_english(lang);
    let (group, decimal) = if english { (',', '.') } else { ('.', ',') };
    // unsigned_abs: i64::MIN has no positive counterpart.
    let abs = cents.unsigned_abs();
    let euros = group_thousands(abs / 100, group);
    let sign = if cents < 0 { "-" } else { "" };
    let rest = abs % 100;
    if english {
        format!("{sign}€{euros}{decimal}{rest:02}")
    } else {
        format!("{sign}{euros}{decimal}{rest:02} €")
    }
}

pub(crate) fn is_english(lang: &str) -> bool {
    lang == "en" || lang.starts_with("en-")
}

fn group_thousands(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn german_amount_uses_dot_groups_and_comma_decimals() {
        assert_eq!(format_eur(123_450, "de"), "1.234,50 €");
        assert_eq!(format_eur(2600, "de"), "26,00 €");
        assert_eq!(format_eur(5, "de"), "0,05 €");
        assert_eq!(format_eur(12_345_678_900, "de"), "123.456.789,00 €");
    }

    #[test]
    fn english_amount_puts_the_euro_sign_first() {
        assert_eq!(format_eur(123_450, "en"), "€1,234.50");
        assert_eq!(format_eur(3500, "en-GB"), "€35.00");
    }

    #[test]
    fn refunds_are_negative_and_extremes_do_not_overflow() {
        assert_eq!(format_eur(-2600, "de"), "-26,00 €");
        assert_eq!(format_eur(-2600, "en"), "-€26.00");
        assert_eq!(format_eur(i64::MIN, "de"), "-92.233.720.368.547.758,08 €");
    }

    #[test]
    fn money_displays_in_german() {
        assert_eq!(Money::from_cents(100).to_string(), "1,00 €");
    }
}
