//! Accessible PDF documents: tagged PDF checked against PDF/UA-1 by krilla, with the document
//! language, a title shown by the viewer, headings in the outline, real tables with header
//! cells, and frames, rules and page footers marked as artifacts.
//!
//! [`receipt_pdf`] makes the payment receipt; [`Doc`] is the builder under it, meant for the
//! application summary as well. Text is arbitrary Unicode: a character the embedded font
//! (DejaVu Sans) lacks is drawn as U+FFFD, and the element keeps the original as ActualText.

mod application;
mod doc;
mod layout;
mod receipt;
mod render;
mod text;

pub use application::application_pdf;
pub use doc::{Align, Column, Doc, Table};
pub use krilla::configure::Validator;
pub use receipt::{FeeItem, Receipt, ReceiptLabels, receipt_pdf};

/// Why no PDF came out. Messages name the problem only, never document text.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font could not be read")]
    Font,
    /// The checked standard (e.g. `UA1`) is not met; `problems` are krilla's error names.
    #[error("the PDF does not meet {standard}: {problems}")]
    Rejected { standard: String, problems: String },
    #[error("the PDF could not be written: {0}")]
    Write(String),
}
