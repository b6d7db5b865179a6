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

/// An amount of euros as cents: `12`, `12,5`, `12,50`, `12.50`, `1.234,50`, `1,234.50`,
/// `1.000` (a single dot before exactly three digits groups thousands), with an optional
/// leading minus and `€` or spaces anywhere. `None` for anything else or beyond i64.
pub fn parse_money(s: &str) -> Option<i64> {
    let cleaned: String = s
        .chars()
        .filter(|c| *c != '€' && !c.is_whitespace())
        .collect();
    let (negative, body) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_str()),
    };
    let (euros, cents) = match body.rfind([',', '.']) {
        None => (grouped(body, None)?, 0),
        Some(at) => {
            let sep = body[at..].chars().next()?;
            let frac = &body[at + 1..];
            if !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            match frac.len() {
                1 | 2 => {
                    let int = &body[..at];
                    if int.contains(sep) {
                        return None;
                    }
                    let other = if sep == ',' { '.' } else { ',' };
                    let cents: i64 = frac.parse().ok()?;
                    (
                        grouped(int, Some(other))?,
                        if frac.len() == 1 { cents * 10 } else { cents },
                    )
                }
                // `1.000` is a thousand euros; `1,000` is ambiguous (German decimals or
                // English thousands), so it is refused rather than guessed.
                3 if sep == '.' && !body.contains(',') => (grouped(body, Some('.'))?, 0),
                _ => return None,
            }
        }
    };
    let total = euros.checked_mul(100)?.checked_add(cents)?;
    Some(if negative { -total } else { total })
}

/// Digits, optionally grouped in threes by `sep` (`1.234.567`).
fn grouped(s: &str, sep: Option<char>) -> Option<i64> {
    let groups: Vec<&str> = match sep {
        Some(sep) => s.split(sep).collect(),
        None => vec![s],
    };
    let first = groups.first()?;
    let ok = !first.is_empty()
        && first.len() <= if groups.len() > 1 { 3 } else { usize::MAX }
        && groups.iter().skip(1).all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        return None;
    }
    groups.concat().parse().ok()
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
    fn money_accepts_german_and_english_decimals() {
        for (input, cents) in [
            ("12", 1200),
            ("12,50", 1250),
            ("12.50", 1250),
            ("12,5", 1250),
            ("0,05", 5),
            ("1.234,50", 123_450),
            ("1,234.50", 123_450),
            ("1.000", 100_000),
            ("12,50 €", 1250),
            ("€ 12", 1200),
            ("1 234,50", 123_450),
            ("-3,00", -300),
        ] {
            assert_eq!(parse_money(input), Some(cents), "{input}");
        }
        for input in [
            "",
            "€",
            "12,",
            ",50",
            "12,505",
            "1,000",
            "1.2.3",
            "12,50,1",
            "1.234.50",
            "1,23,456",
            "abc",
            "1e3",
            "--1",
            "12.345,6,7",
            "99999999999999999999",
        ] {
            assert_eq!(parse_money(input), None, "{input}");
        }
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
