//! Text for the PDF: the embedded fonts, which characters they can show, line widths, wrapping,
//! and the visual order of right-to-left runs.
//!
//! Lines are measured with rustybuzz, the shaper krilla draws with, set up the same way, so a
//! line that fits when measured also fits when drawn.

use std::borrow::Cow;

use krilla::text::Font;
use rustybuzz::{Direction, UnicodeBuffer};
use unicode_bidi::{BidiInfo, Level};
use unicode_segmentation::UnicodeSegmentation;

use super::PdfError;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/README.md`): covers Latin, Greek,
/// Cyrillic, Hebrew and Arabic, so most names and addresses print as typed.
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Weight {
    Regular,
    Bold,
}

/// One font: what krilla embeds, and the same file for shaping and glyph look-ups.
pub(super) struct Face {
    pdf: Font,
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
    /// Shown for a character the font lacks: U+FFFD if the font has it.
    replacement: char,
}

pub(super) struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    pub(super) fn load() -> Result<Self, PdfError> {
        Ok(Self {
            regular: Face::load(REGULAR)?,
            bold: Face::load(BOLD)?,
        })
    }

    pub(super) fn get(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

/// A piece of a line in one direction, in the order it is drawn (left to right on the page).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Run {
    pub text: String,
    pub rtl: bool,
    pub width: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Result<Self, PdfError> {
        let pdf = Font::new(data.into(), 0).ok_or(PdfError::Font)?;
        let shaper = rustybuzz::Face::from_slice(data, 0).ok_or(PdfError::Font)?;
        let units_per_em = shaper.units_per_em().max(1) as f32;
        let mut face = Self {
            pdf,
            shaper,
            units_per_em,
            replacement: '?',
        };
        if face.has_glyph('\u{FFFD}') {
            face.replacement = '\u{FFFD}';
        }
        Ok(face)
    }

    pub(super) fn pdf_font(&self) -> Font {
        self.pdf.clone()
    }

    fn has_glyph(&self, c: char) -> bool {
        self.shaper.glyph_index(c).is_some_and(|g| g.0 != 0)
    }

    /// The text as this font can draw it: line breaks and tabs become spaces, control and
    /// invisible formatting characters go, and a character without a glyph (an emoji, say)
    /// becomes the replacement character. Drawing a missing glyph would put `.notdef` into the
    /// PDF, which PDF/UA forbids; the caller keeps the original as the element's ActualText.
    pub(super) fn clean<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if text.chars().all(|c| self.keeps(c)) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '\t' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => out.push(' '),
                '\n' => out.push('\n'),
                c if c.is_control() || is_invisible_format(c) => {}
                c if self.keeps(c) => out.push(c),
                _ => out.push(self.replacement),
            }
        }
        Cow::Owned(out)
    }

    /// Whether `clean` leaves the character as it is.
    fn keeps(&self, c: char) -> bool {
        if c == '\n' {
            return true;
        }
        if c.is_control() || is_invisible_format(c) || is_private_or_noncharacter(c) {
            return false;
        }
        self.has_glyph(c)
    }

    /// The width of a line at `size` points, as drawn.
    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
        self.runs(text, size).iter().map(|r| r.width).sum()
    }

    /// The line split into runs of one direction, in drawing order. The paragraph direction is
    /// left to right (the portal writes German and English); Hebrew or Arabic inside it is
    /// reordered as the Unicode bidirectional algorithm says.
    pub(super) fn runs(&self, text: &str, size: f32) -> Vec<Run> {
        if text.is_empty() {
            return Vec::new();
        }
        let info = BidiInfo::new(text, Some(Level::ltr()));
        if !info.has_rtl() {
            return vec![self.run(text, false, size)];
        }
        let mut runs = Vec::new();
        for para in &info.paragraphs {
            let (levels, level_runs) = info.visual_runs(para, para.range.clone());
            for range in level_runs {
                let rtl = levels.get(range.start).is_some_and(|l| l.is_rtl());
                if let Some(piece) = text.get(range) {
                    runs.push(self.run(piece, rtl, size));
                }
            }
        }
        runs
    }

    fn run(&self, text: &str, rtl: bool, size: f32) -> Run {
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        buffer.set_direction(if rtl {
            Direction::RightToLeft
        } else {
            Direction::LeftToRight
        });
        let shaped = rustybuzz::shape(&self.shaper, &[], buffer);
        let units: i64 = shaped
            .glyph_positions()
            .iter()
            .map(|p| i64::from(p.x_advance))
            .sum();
        Run {
            text: text.to_owned(),
            rtl,
            width: units as f32 / self.units_per_em * size,
        }
    }

    /// Breaks cleaned text into lines no wider than `max` points: at spaces, at `\n`, and inside
    /// a word only if the word alone is too wide (between grapheme clusters, so an accent stays
    /// on its letter). A line that ends at a space keeps it, so the word boundary is in the
    /// text (PDF/UA asks for explicit spaces). Nothing is dropped but repeated spaces.
    pub(super) fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size) <= max {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    line.push(' ');
                    lines.push(std::mem::take(&mut line));
                }
                if self.width(word, size) <= max {
                    line = word.to_owned();
                } else {
                    line = self.break_word(word, size, max, &mut lines);
                }
            }
            lines.push(line);
        }
        lines
    }

    /// Pushes full lines of an over-long word and returns the rest. Widths of clusters are
    /// added up (linear, where measuring every prefix would be quadratic).
    fn break_word(&self, word: &str, size: f32, max: f32, lines: &mut Vec<String>) -> String {
        let mut piece = String::new();
        let mut width = 0.0;
        for cluster in word.graphemes(true) {
            let w = self.width(cluster, size);
            if !piece.is_empty() && width + w > max {
                lines.push(std::mem::take(&mut piece));
                width = 0.0;
            }
            piece.push_str(cluster);
            width += w;
        }
        piece
    }
}

/// Whether the text has right-to-left letters: then the drawn order differs from the reading
/// order, and the element gets the reading order as ActualText.
pub(super) fn has_rtl(text: &str) -> bool {
    BidiInfo::new(text, Some(Level::ltr())).has_rtl()
}

/// The text for ActualText, titles and outline entries: any Unicode, without control characters.
pub(super) fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !is_private_or_noncharacter(*c) && *c != '\u{FEFF}')
        .collect()
}

/// Whether the text has nothing to show or read out: only spaces, control, invisible
/// formatting, private-use and noncharacters (a heading like that would have an empty title).
pub(super) fn is_blank(text: &str) -> bool {
    printable(text)
        .chars()
        .all(|c| c.is_whitespace() || is_invisible_format(c))
}

/// Default-ignorable characters (joiners, bidi controls, variation selectors, tags, the BOM):
/// invisible, and a font without a glyph for them would show `.notdef`.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Private-use code points (PDF/A-2a forbids them in text) and noncharacters.
fn is_private_or_noncharacter(c: char) -> bool {
    let n = u32::from(c);
    matches!(n, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFDD0..=0xFDEF) || n & 0xFFFE == 0xFFFE
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_and_keep_every_word_in_order() {
        let fonts = Fonts::load().unwrap();
        let face = fonts.get(Weight::Regular);
        let text = "Verwaltungsgebühr für die Ausstellung einer erweiterten Meldebescheinigung \
                    nach § 18 Bundesmeldegesetz einschließlich Versand";
        let lines = face.wrap(text, 10.0, 150.0);
        assert!(lines.len() > 2, "{lines:?}");
        for line in &lines {
            assert!(
                face.width(line.trim_end(), 10.0) <= 150.0,
                "{line:?} is too wide"
            );
        }
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn a_word_wider_than_the_line_is_split_between_letters_not_lost() {
        let fonts = Fonts::load().unwrap();
        let face = fonts.get(Weight::Regular);
        let word = "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen".repeat(3);
        let lines = face.wrap(&word, 10.0, 100.0);
        assert!(lines.len() > 3);
        assert_eq!(lines.concat(), word);
    }

    #[test]
    fn characters_the_font_lacks_become_the_replacement_character() {
        let fonts = Fonts::load().unwrap();
        let face = fonts.get(Weight::Regular);
        assert_eq!(face.clean("Müller"), "Müller");
        // DejaVu Sans has no CJK.
        assert_eq!(face.clean("a卡b"), "a\u{FFFD}b");
        assert_eq!(face.clean("a\u{200D}b\u{0}c\u{FEFF}\td"), "abc d");
        assert_eq!(face.clean("\u{E000}"), "\u{FFFD}");
    }

    #[test]
    fn hebrew_inside_german_is_drawn_right_to_left() {
        let fonts = Fonts::load().unwrap();
        let face = fonts.get(Weight::Regular);
        let runs = face.runs("Name: שלום עולם, Berlin", 10.0);
        assert!(runs.iter().any(|r| r.rtl && r.text.contains("שלום")));
        assert!(
            runs.first()
                .is_some_and(|r| !r.rtl && r.text.starts_with("Name"))
        );
        assert!(has_rtl("שלום") && !has_rtl("Grüße"));
    }

    #[test]
    fn text_of_only_invisible_characters_is_blank() {
        for blank in [
            "",
            " \n\t",
            "\u{0}\u{1}",
            "\u{200B}\u{FEFF}",
            "\u{FFFF}\u{E000}",
        ] {
            assert!(is_blank(blank), "{blank:?}");
        }
        for shown in ["a", "😀", "\u{0}x", "שלום"] {
            assert!(!is_blank(shown), "{shown:?}");
        }
    }
}
