//! Parsers for the value kinds: each turns trimmed input into its normalized form.

use crate::money::is_english;

/// A calendar date, checked without a date library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// Accepts `YYYY-MM-DD` (from `<input type=date>`) and `TT.MM.JJJJ` (day and month may
    /// have one digit, as people type them). The date must exist.
    pub(crate) fn parse(s: &str) -> Option<Date> {
        let (year, month, day) = if let Some((y, rest)) = s.split_once('-') {
            let (m, d) = rest.split_once('-')?;
            (digits(y, 4, 4)?, digits(m, 2, 2)?, digits(d, 2, 2)?)
        } else {
            let (d, rest) = s.split_once('.')?;
            let (m, y) = rest.split_once('.')?;
            (digits(y, 4, 4)?, digits(m, 1, 2)?, digits(d, 1, 2)?)
        };
        let year = u16::try_from(year).ok()?;
        let month = u8::try_from(month).ok()?;
        let day = u8::try_from(day).ok()?;
        let valid =
            year >= 1 && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    pub(crate) fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// German `31.01.2026`; English `31 January 2026` (unambiguous for every reader).
    pub(crate) fn display(&self, lang: &str) -> String {
        if is_english(lang) {
            const MONTHS: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            let month = MONTHS
                .get(usize::from(self.month).saturating_sub(1))
                .copied()
                .unwrap_or("");
            format!("{} {} {:04}", self.day, month, self.year)
        } else {
            format!("{:02}.{:02}.{:04}", self.day, self.month, self.year)
        }
    }
}

/// A number made of `min..=max` ASCII digits.
fn digits(s: &str, min: usize, max: usize) -> Option<u32> {
    let ok = (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if ok { s.parse().ok() } else { None }
}

fn is_leap_year(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Why a number was refused: not a number at all, or out of the i64 range on one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberError {
    Invalid,
    Overflow { negative: bool },
}

/// An integer: optional leading minus, ASCII digits only.
pub(crate) fn parse_integer(s: &str) -> Result<i64, NumberError> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::Invalid);
    }
    s.parse().map_err(|_| NumberError::Overflow { negative })
}

/// Exactly five digits (German Postleitzahl).
pub(crate) fn is_postal_code(s: &str) -> bool {
    s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Digits, spaces and `+ / - ( )`, with at least six digits.
pub(crate) fn is_phone(s: &str) -> bool {
    let allowed = s
        .chars()
        .all(|c| c.is_ascii_digit() || " +/-()".contains(c));
    allowed && s.bytes().filter(u8::is_ascii_digit).count() >= 6
}

/// Pragmatic: one `@`, a non-empty local part, a domain with a dot inside it, no whitespace.
/// Whether the address really exists only a confirmation email can tell.
pub(crate) fn is_email(s: &str) -> bool {
    if s.len() > 254 || s.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert!(is_leap_year(2024));
        assert!(is_leap_year(2000));
        assert!(!is_leap_year(1900));
        assert!(!is_leap_year(2026));
    }

    #[test]
    fn date_displays_per_language() {
        let date = Date::parse("2026-01-31").unwrap();
        assert_eq!(date.display("de"), "31.01.2026");
        assert_eq!(date.display("en"), "31 January 2026");
    }

    #[test]
    fn integer_overflow_is_told_apart_from_garbage() {
        assert_eq!(parse_integer("-0"), Ok(0));
        assert_eq!(parse_integer("1e3"), Err(NumberError::Invalid));
        assert_eq!(
            parse_integer("-99999999999999999999"),
            Err(NumberError::Overflow { negative: true })
        );
    }
}
