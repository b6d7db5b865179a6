//! Files uploaded with a step (issue 4, item 6). A step with a file field posts
//! `multipart/form-data`: the CSRF token first, then the fields in page order. Each file is
//! streamed straight to the file store under a server-chosen name, its type checked on its
//! first bytes and its size while it streams; only then is its row added to the draft. A file
//! that is refused gets a message at its field, and everything else typed on the step is kept.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use forms::{ErrorCode, Field, FieldError, FieldKind, FormDefinition, Typed};
use store::{NewAttachment, TenantId};
use uuid::Uuid;

use crate::auth::csrf::{CsrfForm, CsrfMultipart, CsrfRejection};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::uploads::{FileType, Limits, StoredFile, UploadError, sanitize_file_name};

/// Uploads are the only posts larger than a form: a step's files (at most
/// [`forms::MAX_STEP_UPLOAD_MB`], which the lint enforces), plus the form and the multipart
/// framing, stay under this.
pub const UPLOAD_BODY_LIMIT: usize = (forms::MAX_STEP_UPLOAD_MB as usize + 2) * 1024 * 1024;

/// A step's post: a plain form, or a multipart one with files.
pub enum StepBody {
    Form(Result<CsrfForm, CsrfRejection>),
    Multipart(Result<CsrfMultipart, CsrfRejection>),
}

impl<S: Send + Sync> FromRequest<S> for StepBody {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if multipart {
            return Ok(Self::Multipart(
                CsrfMultipart::from_request(req, state).await,
            ));
        }
        // The route takes uploads; a plain form keeps the plain form's limit.
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, crate::app::FORM_BODY_LIMIT).await else {
            return Ok(Self::Form(Err(CsrfRejection::TooLarge)));
        };
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        Ok(Self::Form(CsrfForm::from_request(req, state).await))
    }
}

/// A file accepted into the file store, not yet attached to a draft.
pub struct Upload {
    /// The file field's id.
    pub field: String,
    pub file_name: String,
    pub stored: StoredFile,
}

/// What a step's post brought: its values, the files stored, and the files refused.
#[derive(Default)]
pub struct Received {
    pub posted: Vec<(String, String)>,
    pub uploads: Vec<Upload>,
    pub errors: Vec<FieldError>,
}

impl StepBody {
    /// What the post brought, and whether its CSRF token held: with a bad token the values
    /// of a plain form come back (to show the page again, nothing saved), a multipart post's
    /// none. `Err` is the answer to a post refused as a whole (too large, not a form).
    pub async fn read(
        self,
        state: &AppState,
        form: &FormDefinition,
        step: usize,
    ) -> AppResult<Result<(Received, bool), axum::response::Response>> {
        Ok(match self.receive(state, form, step).await? {
            Ok(received) => Ok((received, true)),
            Err(CsrfRejection::Token(posted)) => Ok((
                Received {
                    posted,
                    ..Received::default()
                },
                false,
            )),
            Err(other) => Err(axum::response::IntoResponse::into_response(other)),
        })
    }

    /// The posted values (and, for a multipart post, the files streamed to the file store).
    /// `Err` for a post that is refused as a whole (token, size, not a form).
    async fn receive(
        self,
        state: &AppState,
        form: &FormDefinition,
        step: usize,
    ) -> AppResult<Result<Received, CsrfRejection>> {
        match self {
            Self::Form(Ok(CsrfForm(posted))) => Ok(Ok(Received {
                posted,
                ..Received::default()
            })),
            Self::Form(Err(e)) | Self::Multipart(Err(e)) => Ok(Err(e)),
            Self::Multipart(Ok(CsrfMultipart(multipart))) => {
                receive_multipart(state, form, step, multipart).await
            }
        }
    }
}

/// The file fields of a step, by id.
fn file_fields(form: &FormDefinition, step: usize) -> BTreeMap<&str, &Field> {
    form.steps
        .get(step)
        .map(|s| {
            s.fields
                .iter()
                .filter(|f| f.kind == FieldKind::File)
                .map(|f| (f.id.as_str(), f))
                .collect()
        })
        .unwrap_or_default()
}

fn limits(field: &Field) -> Limits {
    Limits {
        accept: field
            .accepted_types()
            .iter()
            .filter_map(|t| t.parse::<FileType>().ok())
            .collect(),
        max_bytes: field.max_file_bytes(),
    }
}

/// "PDF, JPEG oder PNG" for the message of a refused type.
fn type_names(field: &Field) -> String {
    field
        .accepted_types()
        .iter()
        .map(|t| t.to_uppercase())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn receive_multipart(
    state: &AppState,
    form: &FormDefinition,
    step: usize,
    mut multipart: Multipart,
) -> AppResult<Result<Received, CsrfRejection>> {
    let file_fields = file_fields(form, step);
    let mut received = Received::default();
    loop {
        let part = match multipart.next_field().await {
            Ok(Some(part)) => part,
            Ok(None) => break,
            Err(e) => {
                // Whatever was stored from this broken post is not kept.
                discard(state, &received.uploads).await;
                return Ok(Err(
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        CsrfRejection::TooLarge
                    } else {
                        CsrfRejection::BadRequest
                    },
                ));
            }
        };
        let name = part.name().unwrap_or_default().to_owned();
        let Some(file_name) = part.file_name().map(sanitize_file_name) else {
            match part.text().await {
                Ok(text) => received.posted.push((name, text)),
                Err(_) => {
                    discard(state, &received.uploads).await;
                    return Ok(Err(CsrfRejection::BadRequest));
                }
            }
            continue;
        };
        let chosen = part.file_name().is_some_and(|n| !n.is_empty());
        let Some(field) = file_fields.get(name.as_str()).copied() else {
            // A file for no file field of this step: read past it, keep nothing.
            continue;
        };
        match state.files().store_stream(part, &limits(field)).await {
            Ok(stored) => received.uploads.push(Upload {
                field: field.id.clone(),
                file_name,
                stored,
            }),
            // No file chosen: the browser sends an empty part without a name.
            Err(UploadError::Empty) if !chosen => {}
            Err(UploadError::Store(e)) => {
                discard(state, &received.uploads).await;
                return Err(AppError::Internal(anyhow::anyhow!(
                    "storing an upload: {e}"
                )));
            }
            Err(UploadError::Read(_)) => {
                discard(state, &received.uploads).await;
                return Ok(Err(CsrfRejection::BadRequest));
            }
            Err(refused) => {
                let error = match refused {
                    UploadError::TooLarge { .. } => ErrorCode::FileTooLarge {
                        max_mb: u32::try_from(field.max_file_bytes() / (1024 * 1024))
                            .unwrap_or(u32::MAX),
                    },
                    UploadError::Empty => ErrorCode::FileEmpty,
                    _ => ErrorCode::FileType {
                        types: type_names(field),
                    },
                };
                tracing::info!(field = %field.id, code = error.code(), "upload refused");
                received.errors.push(FieldError {
                    field: field.id.clone(),
                    error,
                });
            }
        }
    }
    Ok(Ok(received))
}

/// Removes stored files that will not be attached.
async fn discard(state: &AppState, uploads: &[Upload]) {
    for upload in uploads {
        if let Err(e) = state.files().delete(&upload.stored.key).await {
            tracing::warn!(key = %upload.stored.key, "removing an unused upload: {e}");
        }
    }
}

/// A draft as its owner's browser reaches it.
#[derive(Clone, Copy)]
pub struct DraftRef<'a> {
    pub tenant: TenantId,
    pub id: Uuid,
    /// SHA-256 of the owning browser's session cookie.
    pub owner: &'a str,
}

/// Attaches uploaded files to the owner's draft and records their ids in the file field's
/// answer. A file beyond the field's `max_files` is refused with a message; `Ok(false)` when
/// the draft is gone (nothing attached, every file removed again).
pub async fn attach(
    state: &AppState,
    draft: DraftRef<'_>,
    form: &FormDefinition,
    typed: &mut Typed,
    uploads: Vec<Upload>,
    errors: &mut Vec<FieldError>,
) -> AppResult<bool> {
    let mut uploads = uploads.into_iter();
    while let Some(upload) = uploads.next() {
        let Some(field) = form.field(&upload.field) else {
            discard(state, std::slice::from_ref(&upload)).await;
            continue;
        };
        let mut ids: Vec<String> = typed
            .get(&field.id)
            .map(|v| v.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        if ids.len() >= field.max_file_count() {
            discard(state, std::slice::from_ref(&upload)).await;
            errors.push(FieldError {
                field: field.id.clone(),
                error: ErrorCode::TooManyFiles {
                    max: u32::try_from(field.max_file_count()).unwrap_or(u32::MAX),
                },
            });
            continue;
        }
        let id = Uuid::new_v4();
        let added = state
            .store()
            .add_attachment(
                draft.tenant,
                draft.id,
                draft.owner,
                &NewAttachment {
                    id,
                    field_id: field.id.clone(),
                    file_name: upload.file_name.clone(),
                    content_type: upload.stored.file_type.content_type().to_owned(),
                    size_bytes: i64::try_from(upload.stored.size_bytes).unwrap_or(i64::MAX),
                    sha256: upload.stored.sha256.clone(),
                    storage_key: upload.stored.key.clone(),
                },
            )
            .await;
        match added {
            Ok(true) => {
                ids.push(id.to_string());
                typed.insert(field.id.clone(), ids.join(" "));
            }
            Ok(false) => {
                discard(state, std::slice::from_ref(&upload)).await;
                let rest: Vec<Upload> = uploads.collect();
                discard(state, &rest).await;
                return Ok(false);
            }
            Err(e) => {
                discard(state, std::slice::from_ref(&upload)).await;
                let rest: Vec<Upload> = uploads.collect();
                discard(state, &rest).await;
                return Err(e.into());
            }
        }
    }
    Ok(true)
}

/// Removes one file of the owner's draft (the "remove" button next to it): its row, its id
/// from the field's answer, and the file itself.
pub async fn remove(
    state: &AppState,
    draft: DraftRef<'_>,
    field: &str,
    attachment: Uuid,
    typed: &mut Typed,
) -> AppResult<()> {
    if let Some(key) = state
        .store()
        .remove_draft_attachment(draft.tenant, draft.id, draft.owner, attachment)
        .await?
        && let Err(e) = state.files().delete(&key).await
    {
        // The row is gone, so the file is an orphan the sweep will find.
        tracing::warn!(%key, "removing an uploaded file: {e}");
    }
    let id = attachment.to_string();
    if let Some(ids) = typed.get(field) {
        let rest: Vec<&str> = ids.split_whitespace().filter(|i| *i != id).collect();
        if rest.is_empty() {
            typed.remove(field);
        } else {
            let rest = rest.join(" ");
            typed.insert(field.to_owned(), rest);
        }
    }
    Ok(())
}

/// The file names of a draft's or case's attachments, by attachment id (for the pages).
pub fn names(attachments: &[store::Attachment]) -> BTreeMap<String, String> {
    attachments
        .iter()
        .map(|a| (a.id.to_string(), a.file_name.clone()))
        .collect()
}
