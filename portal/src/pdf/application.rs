//! The application PDF (being written by a helper).

use super::PdfError;
use crate::delivery::document::CaseDocument;

/// An accessible PDF of everything the citizen entered, as they saw it.
pub fn application_pdf(_doc: &CaseDocument) -> Result<Vec<u8>, PdfError> {
    Err(PdfError::Write("not built yet".into()))
}
