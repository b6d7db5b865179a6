//! A small document builder: headings, paragraphs, a notice, label/value rows and tables,
//! laid out on A4 with line wrapping and page breaks, written as a tagged PDF/UA-1 file.
//! The receipt uses it; the application summary for the backends is meant to as well.

use chrono::{DateTime, Utc};
use krilla::configure::Validator;

use super::{PdfError, layout, render};
use crate::i18n::Lang;

/// A document in reading order. Build it, then call [`Doc::to_pdf`].
#[derive(Clone, Debug)]
pub struct Doc {
    pub(super) title: String,
    pub(super) lang: Lang,
    pub(super) author: Option<String>,
    pub(super) created: Option<DateTime<Utc>>,
    pub(super) footer: Option<String>,
    pub(super) blocks: Vec<Block>,
}

#[derive(Clone, Debug)]
pub(super) enum Block {
    Heading(u8, String),
    Paragraph(String),
    Notice(String),
    KeyValues(Vec<(String, String)>),
    Table(Table),
}

/// A table with a header row, body rows and an optional total row whose label spans all
/// columns but the last.
#[derive(Clone, Debug)]
pub struct Table {
    pub(super) columns: Vec<Column>,
    pub(super) rows: Vec<Vec<String>>,
    pub(super) total: Option<(String, String)>,
}

/// A column: its header, its share of the page width (relative to the other columns) and how
/// its cells are aligned.
#[derive(Clone, Debug)]
pub struct Column {
    pub header: String,
    pub width: f32,
    pub align: Align,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Align {
    #[default]
    Start,
    /// For amounts and numbers.
    End,
}

impl Doc {
    /// `title` goes into the metadata and the viewer's title bar (DisplayDocTitle); PDF/UA
    /// needs one, so an empty title fails with [`PdfError::Rejected`].
    pub fn new(title: impl Into<String>, lang: Lang) -> Self {
        Self {
            title: title.into(),
            lang,
            author: None,
            created: None,
            footer: None,
            blocks: Vec::new(),
        }
    }

    /// Who issues the document (the municipality), for the metadata.
    pub fn author(&mut self, author: impl Into<String>) -> &mut Self {
        self.author = Some(author.into());
        self
    }

    /// The document date in the metadata. Given a fixed date, the same input gives the same
    /// bytes.
    pub fn created(&mut self, at: DateTime<Utc>) -> &mut Self {
        self.created = Some(at);
        self
    }

    /// A line at the bottom of every page, next to the page number (an artifact, not read out).
    pub fn footer(&mut self, text: impl Into<String>) -> &mut Self {
        self.footer = Some(text.into());
        self
    }

    /// A heading, level 1 to 6 (3 and deeper look alike); it also goes into the outline. An
    /// empty heading is left out.
    pub fn heading(&mut self, level: u8, text: impl Into<String>) -> &mut Self {
        self.blocks
            .push(Block::Heading(level.clamp(1, 6), text.into()));
        self
    }

    /// A paragraph; `\n` starts a new line.
    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// A framed, bold paragraph, e.g. "demo, not a real payment".
    pub fn notice(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Notice(text.into()));
        self
    }

    /// Label/value rows, tagged as a table whose row headers are the labels.
    pub fn key_values(&mut self, rows: Vec<(String, String)>) -> &mut Self {
        if !rows.is_empty() {
            self.blocks.push(Block::KeyValues(rows));
        }
        self
    }

    pub fn table(&mut self, table: Table) -> &mut Self {
        self.blocks.push(Block::Table(table));
        self
    }

    /// The tagged PDF, checked by krilla against PDF/UA-1.
    pub fn to_pdf(&self) -> Result<Vec<u8>, PdfError> {
        self.to_pdf_checked(Validator::UA1)
    }

    /// The PDF checked against another standard (PDF/A-2a, PDF/A-3a, ...). krilla 0.7 checks one
    /// standard per file; tagging is on for all of them.
    pub fn to_pdf_checked(&self, validator: Validator) -> Result<Vec<u8>, PdfError> {
        let fonts = super::text::Fonts::load()?;
        let laid = layout::lay_out(self, &fonts);
        render::render(self, &laid, &fonts, validator)
    }
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Self {
        Self {
            columns,
            rows: Vec::new(),
            total: None,
        }
    }

    /// A body row. Missing cells stay empty; cells beyond the last column are added to the
    /// last cell, so nothing is lost.
    pub fn row(&mut self, cells: Vec<String>) -> &mut Self {
        self.rows.push(cells);
        self
    }

    pub fn total(&mut self, label: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.total = Some((label.into(), value.into()));
        self
    }
}

impl Column {
    pub fn new(header: impl Into<String>, width: f32) -> Self {
        Self {
            header: header.into(),
            width,
            align: Align::Start,
        }
    }

    pub fn end_aligned(mut self) -> Self {
        self.align = Align::End;
        self
    }
}
