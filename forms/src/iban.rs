//! International Bank Account Numbers (ISO 13616): typed with or without spaces, in any case;
//! kept as uppercase letters and digits without spaces.

use std::fmt;

/// Shortest and longest IBAN the standard allows (Norway has 15 characters).
const MIN_LENGTH: usize = 15;
const MAX_LENGTH: usize = 34;

/// The IBAN length of the countries of the SEPA area (the EEA, Switzerland, the United
/// Kingdom, Gibraltar, Monaco, San Marino, Andorra, the Vatican) and of AL, MD, ME, MK, RS,
/// from the SWIFT IBAN registry. Other countries are checked for 15 to 34 characters only.
const LENGTHS: [(&str, u8); 42] = [
    ("AD", 24),
    ("AL", 28),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GI", 23),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("RS", 22),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("VA", 22),
];

/// The IBAN length of a country, where it is known here.
pub fn iban_length(country: &str) -> Option<usize> {
    LENGTHS
        .binary_search_by(|(c, _)| (*c).cmp(country))
        .ok()
        .and_then(|i| LENGTHS.get(i))
        .map(|(_, n)| usize::from(*n))
}

/// A checked IBAN: uppercase letters and digits, no spaces, a valid check sum.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Iban(String);

/// Why a text is not an IBAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IbanError {
    /// Not two letters, two digits and then letters and digits (15 to 34 in all).
    #[error("not an IBAN: two letters, two digits, then letters and digits")]
    Format,
    /// The country is known, and its IBANs have `expected` characters.
    #[error("an IBAN of this country has {expected} characters")]
    Length { expected: usize },
    /// The check digits do not match (a typo, or two characters swapped).
    #[error("the IBAN check digits do not match")]
    Checksum,
}

impl Iban {
    /// Accepts spaces (any whitespace) anywhere and lowercase letters. The length is checked
    /// before the check sum, so a missing digit is reported as such and not as a typo.
    pub fn parse(input: &str) -> Result<Iban, IbanError> {
        let iban: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = iban.as_bytes();
        let well_formed = bytes.len() >= 4
            && bytes[..2].iter().all(u8::is_ascii_uppercase)
            && bytes[2..4].iter().all(u8::is_ascii_digit)
            && bytes
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !well_formed {
            return Err(IbanError::Format);
        }
        match iban_length(&iban[..2]) {
            Some(expected) if bytes.len() != expected => {
                return Err(IbanError::Length { expected });
            }
            None if !(MIN_LENGTH..=MAX_LENGTH).contains(&bytes.len()) => {
                return Err(IbanError::Format);
            }
            _ => {}
        }
        // Check digits 00, 01 and 99 never occur: 98 - (n mod 97) lies in 2..=98.
        if !matches!(&iban[2..4], "00" | "01" | "99") && mod97(bytes) == 1 {
            Ok(Iban(iban))
        } else {
            Err(IbanError::Checksum)
        }
    }

    /// The electronic form: `DE89370400440532013000`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter country code.
    pub fn country(&self) -> &str {
        self.0.get(..2).unwrap_or_default()
    }

    /// The print form, in groups of four: `DE89 3704 0044 0532 0130 00`.
    pub fn grouped(&self) -> String {
        group(&self.0)
    }
}

impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

/// Any text in groups of four characters (for showing a stored IBAN, valid or not).
pub(crate) fn group(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// ISO 7064 MOD 97-10 over the IBAN with its first four characters moved to the end and each
/// letter replaced by two digits (A = 10 ... Z = 35), computed digit by digit.
fn mod97(iban: &[u8]) -> u32 {
    let (head, tail) = iban.split_at(4.min(iban.len()));
    tail.iter().chain(head).fold(0, |rest, &b| {
        if b.is_ascii_digit() {
            (rest * 10 + u32::from(b - b'0')) % 97
        } else {
            (rest * 100 + u32::from(b - b'A') + 10) % 97
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn valid_ibans_are_accepted_with_spaces_and_in_any_case() {
        for (typed, stored) in [
            ("DE89370400440532013000", "DE89370400440532013000"),
            ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
            ("de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
            (
                "  DE89\u{a0}3704 0044\t0532 013000 ",
                "DE89370400440532013000",
            ),
            ("AT61 1904 3002 3457 3201", "AT611904300234573201"),
            ("CH93 0076 2011 6238 5295 7", "CH9300762011623852957"),
            (
                "FR14 2004 1010 0505 0001 3M02 606",
                "FR1420041010050500013M02606",
            ),
            ("GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819"),
            ("NL91 ABNA 0417 1643 00", "NL91ABNA0417164300"),
            ("NO93 8601 1117 947", "NO9386011117947"),
            (
                "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
                "MT84MALT011000012345MTLCAST001S",
            ),
            // Not in the length table: only the check sum and 15..=34 characters.
            (
                "BR15 0000 0000 0000 1093 2840 814P 2",
                "BR1500000000000010932840814P2",
            ),
        ] {
            let iban = Iban::parse(typed).unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(iban.as_str(), stored);
        }
    }

    #[test]
    fn wrong_check_digits_and_typos_fail_the_checksum() {
        for typed in [
            "DE88370400440532013000", // check digits off by one
            "DE89370400440532013001", // last digit
            "DE89370400440523013000", // two digits swapped
            "GB29NWBK60161331926818",
            "DE99370400440532013000",
        ] {
            assert_eq!(Iban::parse(typed), Err(IbanError::Checksum), "{typed}");
        }
    }

    #[test]
    fn a_missing_or_extra_digit_is_a_length_error_for_known_countries() {
        assert_eq!(
            Iban::parse("DE89 3704 0044 0532 0130 0"),
            Err(IbanError::Length { expected: 22 })
        );
        assert_eq!(
            Iban::parse("DE89 3704 0044 0532 0130 000"),
            Err(IbanError::Length { expected: 22 })
        );
        assert_eq!(
            Iban::parse("AT61 1904 3002 3457 320"),
            Err(IbanError::Length { expected: 20 })
        );
    }

    #[test]
    fn text_that_is_no_iban_at_all_is_a_format_error() {
        for typed in [
            "",
            "DE",
            "1234567890",
            "D189370400440532013000",
            "DEX9370400440532013000",
            "DE89-3704-0044-0532-0130-00",
            "DE89370400440532013000€",
            "DE89370400440532013Ö00",
            "XX12 3456",                                   // too short for any country
            "XX12 3456 7890 1234 5678 9012 3456 7890 123", // longer than 34
        ] {
            assert_eq!(Iban::parse(typed), Err(IbanError::Format), "{typed:?}");
        }
    }

    #[test]
    fn grouped_in_fours_for_reading() {
        let iban = Iban::parse("de89370400440532013000").unwrap();
        assert_eq!(iban.grouped(), "DE89 3704 0044 0532 0130 00");
        assert_eq!(iban.to_string(), iban.grouped());
        assert_eq!(iban.country(), "DE");
    }

    #[test]
    fn the_length_table_is_sorted_for_binary_search() {
        assert!(LENGTHS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(iban_length("DE"), Some(22));
        assert_eq!(iban_length("BR"), None);
    }
}
