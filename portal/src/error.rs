//! One error type that becomes a page. Handlers return `ErrorPage` (a user-facing status) or
//! `AppError` (which logs an internal error with its chain). The `render_errors` middleware
//! turns both, and the framework's bare 404/405/413 responses, into full pages with the
//! request's correlation id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorPage {
    BadRequest,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    TooLarge,
    Internal,
}

impl ErrorPage {
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The Fluent key prefix of the page's title and text.
    pub fn key(self) -> &'static str {
        match self {
            Self::BadRequest => "page-bad-request",
            Self::Forbidden => "page-forbidden",
            Self::NotFound => "page-not-found",
            Self::MethodNotAllowed => "page-method-not-allowed",
            Self::TooLarge => "page-too-large",
            Self::Internal => "page-internal",
        }
    }

    /// Framework responses without our page (unknown route, wrong method, body limit).
    pub fn from_status(status: StatusCode) -> Option<Self> {
        match status {
            StatusCode::BAD_REQUEST => Some(Self::BadRequest),
            StatusCode::NOT_FOUND => Some(Self::NotFound),
            StatusCode::METHOD_NOT_ALLOWED => Some(Self::MethodNotAllowed),
            StatusCode::PAYLOAD_TOO_LARGE => Some(Self::TooLarge),
            StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::UNPROCESSABLE_ENTITY => {
                Some(Self::BadRequest)
            }
            StatusCode::INTERNAL_SERVER_ERROR => Some(Self::Internal),
            _ => None,
        }
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        res.extensions_mut().insert(self);
        res
    }
}

#[derive(Debug)]
pub enum AppError {
    NotFound,
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

impl From<store::StoreError> for AppError {
    fn from(e: store::StoreError) -> Self {
        Self::Internal(e.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound => ErrorPage::NotFound.into_response(),
            Self::Internal(e) => {
                // Logged inside the request span, which carries the correlation id.
                tracing::error!(error = %format!("{e:#}"), "internal error");
                ErrorPage::Internal.into_response()
            }
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
