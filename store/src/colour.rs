//! A municipality's accent colour and the WCAG 2.1 contrast check it must pass.
//!
//! The accent is used as a background behind white text (the municipality's band in the page
//! header) and as the link colour on white, so it needs at least 4.5:1 against white (WCAG 2.1
//! success criterion 1.4.3, level AA). Contrast is symmetric, so one check covers both uses.

use std::fmt;

/// A colour in the sRGB space, as CSS writes it: `#rrggbb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Rgb {
    pub const WHITE: Self = Self::new(255, 255, 255);
    pub const BLACK: Self = Self::new(0, 0, 0);

    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }

    /// `#rrggbb` (either case). No shorthand, names or alpha: one spelling is stored.
    pub fn parse_hex(s: &str) -> Result<Self, ColourError> {
        let bad = || ColourError::Format(s.to_owned());
        let hex = s.strip_prefix('#').ok_or_else(bad)?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad());
        Ok(Self::new(channel(0)?, channel(2)?, channel(4)?))
    }

    /// `#rrggbb`, lowercase.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// Relative luminance as WCAG 2.1 defines it: 0 for black, 1 for white.
    pub fn relative_luminance(self) -> f64 {
        fn linear(channel: u8) -> f64 {
            let c = f64::from(channel) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        }
        0.2126 * linear(self.r) + 0.7152 * linear(self.g) + 0.0722 * linear(self.b)
    }

    /// The same hue, darker by `percent` (for hover states derived from the accent).
    pub fn darken(self, percent: u8) -> Self {
        let keep = 100 - u16::from(percent.min(100));
        let f = |c: u8| u8::try_from(u16::from(c) * keep / 100).unwrap_or(c);
        Self::new(f(self.r), f(self.g), f(self.b))
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

/// The WCAG 2.1 contrast ratio of two colours, from 1 (same) to 21 (black on white).
/// Order does not matter. Not rounded: 4.499 fails a 4.5 threshold.
pub fn contrast_ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.relative_luminance(), b.relative_luminance());
    let (lighter, darker) = if la >= lb { (la, lb) } else { (lb, la) };
    (lighter + 0.05) / (darker + 0.05)
}

/// Normal-size text, WCAG 2.1 AA (success criterion 1.4.3).
pub const MIN_TEXT_CONTRAST: f64 = 4.5;

/// A municipality's accent colour: a valid `#rrggbb` with at least 4.5:1 against white.
/// The only way to make one is [`AccentColour::parse`], so a stored accent always passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccentColour(Rgb);

impl AccentColour {
    /// The portal's own link blue, for municipalities that have not chosen a colour.
    pub const DEFAULT: Self = Self(Rgb::new(0x1d, 0x4f, 0x91));

    pub fn parse(s: &str) -> Result<Self, ColourError> {
        let rgb = Rgb::parse_hex(s.trim())?;
        let ratio = contrast_ratio(rgb, Rgb::WHITE);
        if ratio < MIN_TEXT_CONTRAST {
            return Err(ColourError::TooLittleContrast {
                colour: rgb.hex(),
                ratio,
            });
        }
        Ok(Self(rgb))
    }

    pub fn rgb(self) -> Rgb {
        self.0
    }

    /// `#rrggbb`, lowercase (how it is stored).
    pub fn hex(self) -> String {
        self.0.hex()
    }
}

impl Default for AccentColour {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for AccentColour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ColourError {
    #[error("{0:?} is not a colour of the form #rrggbb")]
    Format(String),
    #[error(
        "the accent colour {colour} has a contrast of only {ratio:.2}:1 with white text; \
         WCAG 2.1 AA needs at least 4.5:1, so choose a darker colour"
    )]
    TooLittleContrast { colour: String, ratio: f64 },
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ratio(a: &str, b: &str) -> f64 {
        contrast_ratio(Rgb::parse_hex(a).unwrap(), Rgb::parse_hex(b).unwrap())
    }

    #[test]
    fn black_on_white_is_21_to_1_and_a_colour_on_itself_is_1_to_1() {
        assert!((ratio("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!(
            (ratio("#ffffff", "#000000") - 21.0).abs() < 1e-9,
            "order does not matter"
        );
        assert!((ratio("#1d4f91", "#1d4f91") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn known_pairs_match_published_ratios() {
        // #767676 is the lightest grey that passes AA on white (4.54:1).
        assert!((ratio("#767676", "#ffffff") - 4.54).abs() < 0.005);
        // #777777 just fails (4.48:1).
        assert!((ratio("#777777", "#FFFFFF") - 4.48).abs() < 0.005);
        // Pure blue on white, 8.59:1; pure red on white, 4.00:1.
        assert!((ratio("#0000ff", "#ffffff") - 8.59).abs() < 0.005);
        assert!((ratio("#ff0000", "#ffffff") - 4.00).abs() < 0.005);
    }

    #[test]
    fn colours_parse_only_as_six_hex_digits_and_are_stored_lowercase() {
        assert_eq!(Rgb::parse_hex("#1D4F91").unwrap().hex(), "#1d4f91");
        assert_eq!(
            Rgb::parse_hex("#0a0B0c").unwrap(),
            Rgb::new(0x0a, 0x0b, 0x0c)
        );
        for bad in [
            "",
            "#",
            "1d4f91",
            "#1d4f9",
            "#1d4f911",
            "#fff",
            "#gg0000",
            "red",
            "#1d4f91 ",
            "#+1d4f9",
            "＃1d4f91",
        ] {
            assert_eq!(
                Rgb::parse_hex(bad),
                Err(ColourError::Format(bad.to_owned())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_accent_colour_needs_four_and_a_half_to_one_against_white_text() {
        assert_eq!(AccentColour::parse("#767676").unwrap().hex(), "#767676");
        assert_eq!(AccentColour::parse(" #1D4F91 ").unwrap().hex(), "#1d4f91");
        match AccentColour::parse("#777777") {
            Err(ColourError::TooLittleContrast { colour, ratio }) => {
                assert_eq!(colour, "#777777");
                assert!(ratio < 4.5 && ratio > 4.4);
            }
            other => panic!("{other:?}"),
        }
        let err = AccentColour::parse("#ffcc00").unwrap_err().to_string();
        assert!(err.contains("#ffcc00") && err.contains("4.5:1"), "{err}");
        assert!(matches!(
            AccentColour::parse("yellow"),
            Err(ColourError::Format(_))
        ));
    }

    #[test]
    fn the_default_accent_passes_its_own_check() {
        assert_eq!(
            AccentColour::parse(&AccentColour::DEFAULT.hex()).unwrap(),
            AccentColour::DEFAULT
        );
    }

    #[test]
    fn darkening_keeps_the_hue_and_never_lightens() {
        let c = Rgb::new(100, 150, 200);
        assert_eq!(c.darken(20), Rgb::new(80, 120, 160));
        assert_eq!(c.darken(0), c);
        assert_eq!(c.darken(100), Rgb::BLACK);
        assert!(c.darken(20).relative_luminance() < c.relative_luminance());
    }
}
