//! The application journey: one page per step, answers saved in a draft at every step, a
//! check-your-answers page with a change link per answer, a declaration, and the submission.
//!
//! - `GET  /{tenant}/services/{service}/form` shows the first step, blank; nothing is stored.
//! - `POST` there starts the application: the first step is checked and, when it holds, a
//!   draft is created for this browser and the citizen goes on to the next step.
//! - `GET|POST /{tenant}/applications/{id}/steps/{n}` (n counts the definition's steps from 1)
//!   show and take one step. Buttons: continue (`_action=next`), back (`back`), save and
//!   continue later (`save`). Whatever was typed is saved with every button, valid or not.
//! - `GET|POST /{tenant}/applications/{id}/check`: every answer with a change link, the
//!   declaration, and the submit button.
//! - `GET /{tenant}/resume/{token}`: the resume link hands the draft to the browser that
//!   opens it.
//!
//! A draft belongs to the browser that started it (the SHA-256 of its session cookie); another
//! browser gets "not found", even with the right URL. The form version is the draft's own, so
//! a draft started before a new version was published is finished on its old version.

use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Utc};
use forms::{FieldError, Typed};
use serde::Deserialize;
use store::{CaseStatus, Draft, NewCase, NewDraft, NewSession, StoreError, Tenant};
use uuid::Uuid;

use super::find;
use super::login;
use super::pages;
use super::uploads;
use crate::auth::citizen::Visitor;
use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::auth::session::{SessionKey, is_token, random_token, sha256_hex};
use crate::error::{AppError, AppResult};
use crate::reference;
use crate::state::{AppState, Offering};
use crate::web::PageCtx;

/// What a step page was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Action {
    Next,
    Back,
    Save,
    /// `add:<group>`: one more row in a group.
    AddRow(String),
    /// `remove:<group>.<row>`: one row less.
    RemoveRow(String, usize),
    /// `remove_file:<field>:<attachment id>`: one uploaded file less.
    RemoveFile(String, Uuid),
}

impl Action {
    fn of(posted: &[(String, String)]) -> Self {
        match first(posted, "_action") {
            Some("back") => Self::Back,
            Some("save") => Self::Save,
            Some(other) => {
                if let Some((field, id)) = other
                    .strip_prefix("remove_file:")
                    .and_then(|r| r.split_once(':'))
                    .and_then(|(f, id)| Some((f, Uuid::parse_str(id).ok()?)))
                {
                    Self::RemoveFile(field.to_owned(), id)
                } else if let Some(group) = other.strip_prefix("add:") {
                    Self::AddRow(group.to_owned())
                } else if let Some((group, row)) = other
                    .strip_prefix("remove:")
                    .and_then(|r| r.rsplit_once('.'))
                    .and_then(|(g, r)| Some((g, r.parse().ok()?)))
                {
                    Self::RemoveRow(group.to_owned(), row)
                } else {
                    Self::Next
                }
            }
            None => Self::Next,
        }
    }

    /// Applies a row button to the answers as typed; the anchor of the page to show then
    /// (the new row, or the group). `None` for the other buttons.
    fn change_rows(&self, form: &forms::FormDefinition, typed: &mut Typed) -> Option<String> {
        match self {
            Self::AddRow(group) => Some(match form.add_row(group, typed) {
                Some(row) => format!("f-{group}-row-{row}"),
                None => format!("f-{group}"),
            }),
            Self::RemoveRow(group, row) => {
                form.remove_row(group, *row, typed);
                Some(format!("f-{group}"))
            }
            _ => None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StepQuery {
    /// `check`: came from a change link; continue goes back to the check page.
    #[serde(default)]
    r#return: Option<String>,
    /// `1`: sent back from the check page; show this step's errors at once.
    #[serde(default)]
    errors: Option<String>,
}

fn step_url(tenant: &Tenant, id: Uuid, step: usize) -> String {
    format!("/{}/applications/{id}/steps/{}", tenant.slug, step + 1)
}

fn check_url(tenant: &Tenant, id: Uuid) -> String {
    format!("/{}/applications/{id}/check", tenant.slug)
}

fn start_url(tenant: &Tenant, offering: &Offering) -> String {
    format!("/{}/services/{}/form", tenant.slug, offering.service.slug)
}

fn service_url(tenant: &Tenant, offering: &Offering) -> String {
    format!("/{}/services/{}", tenant.slug, offering.service.slug)
}

/// The first step, blank. Nothing is read or written.
pub async fn start_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: Visitor,
    Path((slug, service)): Path<(String, String)>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let (tenant, offering) = find(&catalogue, &slug, &service)?;
    if let Some(gate) = gate(&state, &visitor, tenant, offering) {
        return Ok(gate);
    }
    let mut typed = Typed::new();
    let locked = prefill(&offering.form, &visitor, &mut typed, true);
    let journey;
    let (step, shown) = if typed.is_empty() {
        // The same for every visitor without prefilled values: the logic on no answers is
        // worked out once per offering (rows of groups and computed values included).
        let blank = offering.blank_start();
        (blank.step, pages::StepView::blank(&offering.form, blank))
    } else {
        // Values prefilled from the login: worked out for this page.
        journey = offering.form.journey(&typed, &offering.params);
        let step = journey.first_step();
        (step, pages::StepView::of(&journey, step))
    };
    Ok(pages::step(
        &ctx,
        tenant,
        offering,
        shown,
        pages::StepPage {
            status: StatusCode::OK,
            step,
            action: start_url(tenant, offering),
            back: service_url(tenant, offering),
            values: typed.clone(),
            errors: Vec::new(),
            notice: None,
            return_to_check: false,
            files: std::collections::BTreeMap::new(),
            locked,
        },
    ))
}

/// A service that needs a login: without one at its level, the way to log in (and back to
/// the form); without login on this installation, the service page, which says so. `None`
/// when the visitor may go on.
fn gate(
    state: &AppState,
    visitor: &Visitor,
    tenant: &Tenant,
    offering: &Offering,
) -> Option<Response> {
    let needed = state.trust_level(tenant, offering);
    if visitor.reaches(needed) {
        return None;
    }
    if state.login().is_none() {
        return Some(Redirect::to(&service_url(tenant, offering)).into_response());
    }
    Some(Redirect::to(&login::login_url(&start_url(tenant, offering), needed)).into_response())
}

/// Fills the fields the form prefills from the citizen's login. From a login at level
/// substantial or above the values are vouched for: they are set whatever was posted, and
/// returned as locked (shown read-only). From a low login they are suggestions, made once on
/// the blank first page (`suggest`): the citizen may change or clear them. So is a claim the
/// provider does not vouch for at any level: an `email` without `email_verified: true` (see
/// [`forms::FormDefinition::prefill_verified`]).
fn prefill(
    form: &forms::FormDefinition,
    visitor: &Visitor,
    typed: &mut Typed,
    suggest: bool,
) -> std::collections::BTreeSet<String> {
    let mut locked = std::collections::BTreeSet::new();
    let Some(login) = &visitor.login else {
        return locked;
    };
    let vouched = visitor
        .level()
        .is_some_and(|l| l >= forms::TrustLevel::Substantial);
    for (field, value) in form.prefill_values(&login.claims) {
        if vouched && form.prefill_verified(&field, &login.claims) {
            typed.insert(field.clone(), value);
            locked.insert(field);
        } else if suggest && typed.get(&field).is_none_or(|v| v.trim().is_empty()) {
            typed.insert(field, value);
        }
    }
    locked
}

/// The first step posted: checked, and on success (or "save") the draft is created.
pub async fn start(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    visitor: Visitor,
    Path((slug, service)): Path<(String, String)>,
    body: uploads::StepBody,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let (tenant, offering) = find(&catalogue, &slug, &service)?;
    if let Some(gate) = gate(&state, &visitor, tenant, offering) {
        return Ok(gate);
    }
    let params = &offering.params;
    // The first step of a blank application, worked out once per offering.
    let step = offering.blank_start().step;
    let (received, token_ok) = match body.read(&state, &offering.form, step).await? {
        Ok(read) => read,
        Err(refused) => return Ok(refused),
    };
    let uploads::Received {
        posted,
        uploads: files,
        errors: mut upload_errors,
    } = received;
    let action = Action::of(&posted);
    let mut typed = Typed::new();
    offering.form.merge_step(step, &mut typed, &posted);
    let locked = prefill(&offering.form, &visitor, &mut typed, false);
    let row_anchor = action.change_rows(&offering.form, &mut typed);
    let journey = offering.form.journey(&typed, params);
    let page = |status, errors, notice| pages::StepPage {
        status,
        step,
        action: start_url(tenant, offering),
        back: service_url(tenant, offering),
        values: typed.clone(),
        errors,
        notice,
        return_to_check: false,
        files: std::collections::BTreeMap::new(),
        locked: locked.clone(),
    };
    if !token_ok {
        let page = page(
            StatusCode::FORBIDDEN,
            Vec::new(),
            Some(pages::Notice::TokenExpired),
        );
        return Ok(pages::step(
            &ctx,
            tenant,
            offering,
            pages::StepView::of(&journey, step),
            page,
        ));
    }
    if action == Action::Back {
        return Ok(Redirect::to(&service_url(tenant, offering)).into_response());
    }
    let errors = journey.step_errors(step);
    let refused_only = files.is_empty() && !upload_errors.is_empty();
    if files.is_empty()
        && (refused_only || action == Action::Next && row_anchor.is_none() && !errors.is_empty())
    {
        // Nothing stored yet: the page keeps every value (and says which file was refused),
        // the citizen corrects and sends.
        let next = if action == Action::Next {
            errors
        } else {
            Vec::new()
        };
        let shown = with_step_errors(std::mem::take(&mut upload_errors), next);
        let page = page(StatusCode::UNPROCESSABLE_ENTITY, shown, None);
        return Ok(pages::step(
            &ctx,
            tenant,
            offering,
            pages::StepView::of(&journey, step),
            page,
        ));
    }

    let key = visitor.key.clone().unwrap_or_else(SessionKey::generate);
    // A logged-in citizen's draft is theirs (in any browser, at every login), else the
    // browser's.
    let owner = match &visitor.login {
        Some(login) => login.owner.clone(),
        None => key.hash(),
    };
    let draft = NewDraft {
        id: Uuid::new_v4(),
        owner: owner.clone(),
        service_id: offering.service.id,
        form_id: offering.service.form_id,
        answers: storable(&offering.form, &typed)?,
        expires_at: draft_expiry(&state, &offering.form),
    };
    state.store().create_draft(tenant.id, &draft).await?;
    tracing::info!(tenant = %tenant.slug, draft = %draft.id, "application started");
    if !files.is_empty() {
        // Files on the first step: kept with the new draft, whose step page shows what is
        // still missing.
        let mut typed = typed.clone();
        let form = &offering.form;
        let target = uploads::DraftRef {
            tenant: tenant.id,
            id: draft.id,
            owner: &owner,
        };
        if uploads::attach(&state, target, form, &mut typed, files, &mut upload_errors).await? {
            let answers = storable(form, &typed)?;
            state
                .store()
                .update_draft(tenant.id, draft.id, &owner, &answers, draft.expires_at)
                .await?;
        }
        let journey = form.journey(&typed, params);
        let next = if action == Action::Next {
            journey.step_errors(step)
        } else {
            Vec::new()
        };
        let errors = with_step_errors(upload_errors, next);
        if !errors.is_empty() {
            // The files are kept with the new draft; the page (now the draft's own step)
            // shows what is still wrong, a refused file at its field.
            let files = uploads::names(
                &state
                    .store()
                    .draft_attachments(tenant.id, draft.id, &owner)
                    .await?,
            );
            let page = pages::StepPage {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                step,
                action: step_url(tenant, draft.id, step),
                back: service_url(tenant, offering),
                values: typed.clone(),
                errors,
                notice: None,
                return_to_check: false,
                files,
                locked: locked.clone(),
            };
            let mut res = pages::step(
                &ctx,
                tenant,
                offering,
                pages::StepView::of(&journey, step),
                page,
            );
            set_session_cookie(&state, &mut res, &key);
            return Ok(res);
        }
    }
    let mut res = if let Some(anchor) = row_anchor {
        Redirect::to(&format!("{}#{anchor}", step_url(tenant, draft.id, step))).into_response()
    } else if action == Action::Save {
        saved_page(
            &state, &ctx, &headers, &visitor, tenant, offering, draft.id, &owner,
        )
        .await?
    } else {
        match journey.next_step(step) {
            Some(next) => Redirect::to(&step_url(tenant, draft.id, next)).into_response(),
            None => Redirect::to(&check_url(tenant, draft.id)).into_response(),
        }
    };
    set_session_cookie(&state, &mut res, &key);
    Ok(res)
}

/// The draft this visitor owns, with the form version it was started on.
struct Opened {
    draft: Draft,
    offering: Offering,
    typed: Typed,
    /// The citizen's owner hash, or the browser's session hash.
    owner: String,
    /// Fields prefilled from the login at level substantial or above: read-only.
    locked: std::collections::BTreeSet<String>,
}

/// Why a draft does not open.
enum Closed {
    /// No such draft of this visitor (or not any more).
    Unknown,
    /// The service needs a login at a higher level than the visitor's.
    NeedsLevel(forms::TrustLevel),
}

impl Closed {
    /// The page for it: "not found" (with a way to log in, for a draft begun logged in), or
    /// the step-up page.
    fn page(
        &self,
        state: &AppState,
        ctx: &PageCtx,
        visitor: &Visitor,
        tenant: &Tenant,
    ) -> Response {
        match self {
            Self::Unknown => {
                let login = (visitor.login.is_none() && state.login().is_some())
                    .then(|| login::login_url(&ctx.path, forms::TrustLevel::Low));
                pages::draft_unknown_or_login(ctx, tenant, login)
            }
            Self::NeedsLevel(needed) => login::needs_level(ctx, visitor, *needed, &ctx.path),
        }
    }
}

async fn open(
    state: &AppState,
    visitor: &Visitor,
    tenant: &Tenant,
    id: &str,
) -> AppResult<Result<Opened, Closed>> {
    let Ok(id) = Uuid::parse_str(id) else {
        return Ok(Err(Closed::Unknown));
    };
    let Some(owner) = visitor.owner() else {
        return Ok(Err(Closed::Unknown));
    };
    let Some(draft) = state.store().draft(tenant.id, id, &owner).await? else {
        return Ok(Err(Closed::Unknown));
    };
    let catalogue = state.catalogue();
    let Some(current) = catalogue
        .services(tenant.id)
        .iter()
        .find(|o| o.service.id == draft.service_id)
    else {
        // The municipality no longer offers the service.
        return Ok(Err(Closed::Unknown));
    };
    // The draft's own form version, with the municipality's values checked against it.
    let (form, params) = if draft.form_id == current.service.form_id {
        (current.form.clone(), current.params.clone())
    } else {
        let form = state.form(draft.form_id).await?;
        let params = catalogue.params(tenant, &form);
        (form, params)
    };
    let offering = Offering::new(current.service.clone(), form, params);
    // Checked on every step and at submission: a login at a lower level (a new login of the
    // same citizen, say) gets no further than the step-up page.
    // The higher of the draft's own version's level and today's (a new version, or the
    // municipality, may have raised it since the draft began).
    let needed = state
        .trust_level(tenant, &offering)
        .max(state.trust_level(tenant, current));
    if !visitor.reaches(needed) {
        return Ok(Err(Closed::NeedsLevel(needed)));
    }
    let mut typed = typed_answers(&draft.answers);
    let locked = prefill(&offering.form, visitor, &mut typed, false);
    Ok(Ok(Opened {
        draft,
        offering,
        typed,
        owner,
        locked,
    }))
}

/// The answers as the draft keeps them: every value as typed, but none longer than ten times
/// its field's length limit (at least 1,000 characters), so that an anonymous post cannot park
/// a megabyte per field. The page itself always shows the value exactly as posted, with the
/// "too long" message.
fn storable(form: &forms::FormDefinition, typed: &Typed) -> anyhow::Result<serde_json::Value> {
    let capped: Typed = typed
        .iter()
        .map(|(id, value)| {
            let limit = form
                .field(id)
                .and_then(forms::Field::effective_max_length)
                .map_or(1_000, |max| (max as usize).saturating_mul(10).max(1_000));
            let value = match value.char_indices().nth(limit) {
                Some((cut, _)) => value[..cut].to_owned(),
                None => value.clone(),
            };
            (id.clone(), value)
        })
        .collect();
    Ok(serde_json::to_value(capped)?)
}

/// `{field: text}` as stored; anything else in the JSON (a hand edit) is ignored.
fn typed_answers(value: &serde_json::Value) -> Typed {
    value
        .as_object()
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The step number from the URL (from 1) as an index, if the form has that step.
fn step_index(form: &forms::FormDefinition, n: &str) -> Option<usize> {
    let n: usize = n.parse().ok()?;
    (1..=form.steps.len()).contains(&n).then(|| n - 1)
}

pub async fn step_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: Visitor,
    Path((slug, id, n)): Path<(String, String, String)>,
    Query(query): Query<StepQuery>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    let opened = match open(&state, &visitor, tenant, &id).await? {
        Ok(opened) => opened,
        Err(closed) => return Ok(closed.page(&state, &ctx, &visitor, tenant)),
    };
    let form = &opened.offering.form;
    let step = step_index(form, &n).ok_or(AppError::NotFound)?;
    let params = &opened.offering.params;
    let journey = form.journey(&opened.typed, params);
    let shown = journey.nearest_step(step);
    if shown != step {
        // Hidden by an answer changed since: the nearest step that is shown.
        return Ok(Redirect::to(&step_url(tenant, opened.draft.id, shown)).into_response());
    }
    let errors = if query.errors.as_deref() == Some("1") {
        journey.step_errors(step)
    } else {
        Vec::new()
    };
    let back = match journey.previous_step(step) {
        Some(previous) => step_url(tenant, opened.draft.id, previous),
        None => service_url(tenant, &opened.offering),
    };
    let page = pages::StepPage {
        status: StatusCode::OK,
        step,
        action: step_url(tenant, opened.draft.id, step),
        back,
        values: opened.typed.clone(),
        errors,
        notice: None,
        return_to_check: query.r#return.as_deref() == Some("check"),
        locked: opened.locked.clone(),
        files: uploads::names(
            &state
                .store()
                .draft_attachments(tenant.id, opened.draft.id, &opened.owner)
                .await?,
        ),
    };
    Ok(pages::step(
        &ctx,
        tenant,
        &opened.offering,
        pages::StepView::of(&journey, step),
        page,
    ))
}

pub async fn step_submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    visitor: Visitor,
    Path((slug, id, n)): Path<(String, String, String)>,
    body: uploads::StepBody,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    let mut opened = match open(&state, &visitor, tenant, &id).await? {
        Ok(opened) => opened,
        Err(closed) => return Ok(closed.page(&state, &ctx, &visitor, tenant)),
    };
    let form = opened.offering.form.clone();
    let step = step_index(&form, &n).ok_or(AppError::NotFound)?;
    let (received, token_ok) = match body.read(&state, &form, step).await? {
        Ok(read) => read,
        Err(refused) => return Ok(refused),
    };
    let uploads::Received {
        posted,
        uploads: files,
        errors: mut upload_errors,
    } = received;
    let params = opened.offering.params.clone();
    let action = Action::of(&posted);
    let return_to_check = first(&posted, "_return") == Some("check");
    // A refused multipart post brings no values: the step keeps what was saved.
    if token_ok || !posted.is_empty() {
        form.merge_step(step, &mut opened.typed, &posted);
        // A vouched-for value stays what the login said, whatever was posted.
        prefill(&form, &visitor, &mut opened.typed, false);
    }
    let mut row_anchor = action.change_rows(&form, &mut opened.typed);
    let owner = opened.owner.clone();
    if token_ok {
        let draft = uploads::DraftRef {
            tenant: tenant.id,
            id: opened.draft.id,
            owner: &owner,
        };
        if let Action::RemoveFile(field, attachment) = &action {
            uploads::remove(&state, draft, field, *attachment, &mut opened.typed).await?;
            row_anchor = Some(format!("f-{field}"));
        }
        let attached = uploads::attach(
            &state,
            draft,
            &form,
            &mut opened.typed,
            files,
            &mut upload_errors,
        )
        .await?;
        if !attached {
            return Ok(pages::draft_unknown(&ctx, tenant));
        }
    }
    let file_names = uploads::names(
        &state
            .store()
            .draft_attachments(tenant.id, opened.draft.id, &owner)
            .await?,
    );
    let journey = form.journey(&opened.typed, &params);
    let id = opened.draft.id;
    let back = match journey.previous_step(step) {
        Some(previous) => step_url(tenant, id, previous),
        None => service_url(tenant, &opened.offering),
    };
    let page = |status, errors, notice| pages::StepPage {
        status,
        step,
        action: step_url(tenant, id, step),
        back: back.clone(),
        values: opened.typed.clone(),
        errors,
        notice,
        return_to_check,
        files: file_names.clone(),
        locked: opened.locked.clone(),
    };
    if !token_ok {
        // Nothing is saved from a post without a valid token; the page keeps every value.
        let page = page(
            StatusCode::FORBIDDEN,
            Vec::new(),
            Some(pages::Notice::TokenExpired),
        );
        return Ok(pages::step(
            &ctx,
            tenant,
            &opened.offering,
            pages::StepView::of(&journey, step),
            page,
        ));
    }
    // Whatever was typed is kept, valid or not, whichever button was pressed.
    let answers = storable(&form, &opened.typed)?;
    let saved = state
        .store()
        .update_draft(
            tenant.id,
            id,
            &opened.owner.clone(),
            &answers,
            draft_expiry(&state, &form),
        )
        .await?;
    if !saved {
        // Submitted from another tab, or handed over by its resume link, just now.
        return Ok(pages::draft_unknown(&ctx, tenant));
    }
    if let Some(anchor) = row_anchor {
        // The same step again, with the row added or removed; nothing is checked yet.
        let query = if return_to_check { "?return=check" } else { "" };
        let to = format!("{}{query}#{anchor}", step_url(tenant, id, step));
        return Ok(Redirect::to(&to).into_response());
    }
    if !upload_errors.is_empty() {
        // A refused file: its message at its field, the step's other errors with it when
        // "continue" was pressed; everything typed is kept (and saved above).
        let next = if action == Action::Next {
            journey.step_errors(step)
        } else {
            Vec::new()
        };
        let errors = with_step_errors(upload_errors, next);
        let page = page(StatusCode::UNPROCESSABLE_ENTITY, errors, None);
        return Ok(pages::step(
            &ctx,
            tenant,
            &opened.offering,
            pages::StepView::of(&journey, step),
            page,
        ));
    }
    match action {
        Action::Back => Ok(Redirect::to(&back).into_response()),
        Action::Save => {
            saved_page(
                &state,
                &ctx,
                &headers,
                &visitor,
                tenant,
                &opened.offering,
                id,
                &opened.owner,
            )
            .await
        }
        Action::Next | Action::AddRow(_) | Action::RemoveRow(..) | Action::RemoveFile(..) => {
            let errors = journey.step_errors(step);
            if !errors.is_empty() {
                let page = page(StatusCode::UNPROCESSABLE_ENTITY, errors, None);
                return Ok(pages::step(
                    &ctx,
                    tenant,
                    &opened.offering,
                    pages::StepView::of(&journey, step),
                    page,
                ));
            }
            let next = match journey.next_step(step) {
                Some(next) if !return_to_check => step_url(tenant, id, next),
                _ => check_url(tenant, id),
            };
            Ok(Redirect::to(&next).into_response())
        }
    }
}

/// "Save and continue later": a fresh resume link (the previous one stops working), shown
/// once. Only its hash is stored.
#[allow(clippy::too_many_arguments)]
async fn saved_page(
    state: &AppState,
    ctx: &PageCtx,
    headers: &HeaderMap,
    visitor: &Visitor,
    tenant: &Tenant,
    offering: &Offering,
    id: Uuid,
    owner: &str,
) -> AppResult<Response> {
    if visitor.login.is_some() {
        // A logged-in citizen's draft waits in "Meine Anträge" for the next login; a resume
        // link would hand it to whoever opens it, so there is none.
        return Ok(pages::draft_saved(
            ctx,
            tenant,
            offering,
            None,
            &check_url(tenant, id),
            draft_expiry(state, &offering.form),
        ));
    }
    let token = random_token();
    let set = state
        .store()
        .set_resume_token(tenant.id, id, owner, &sha256_hex(&token))
        .await?;
    if !set {
        return Ok(pages::draft_unknown(ctx, tenant));
    }
    tracing::info!(tenant = %tenant.slug, draft = %id, "resume link issued");
    let link = format!(
        "{}/{}/resume/{token}",
        crate::web::public_base(state, headers),
        tenant.slug
    );
    Ok(pages::draft_saved(
        ctx,
        tenant,
        offering,
        Some(&link),
        // "Continue now": the check page sends on to the first step still missing answers.
        &check_url(tenant, id),
        draft_expiry(state, &offering.form),
    ))
}

pub async fn check_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: Visitor,
    Path((slug, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    let opened = match open(&state, &visitor, tenant, &id).await? {
        Ok(opened) => opened,
        Err(closed) => return Ok(closed.page(&state, &ctx, &visitor, tenant)),
    };
    let params = &opened.offering.params;
    let journey = opened.offering.form.journey(&opened.typed, params);
    match journey.validate() {
        Ok(answers) => {
            let fee = case_fee(&state, tenant, &opened, &answers, ctx.lang);
            Ok(pages::check(
                &ctx,
                tenant,
                &opened.offering,
                &journey,
                crate::views::Given {
                    answers: &answers,
                    files: &draft_files(&state, tenant, &opened).await?,
                },
                opened.draft.id,
                fee.as_ref().ok().and_then(Option::as_ref),
                pages::CheckState {
                    fee_problem: fee.as_ref().err().copied(),
                    ..pages::CheckState::default()
                },
            ))
        }
        Err(errors) => Ok(to_first_error(tenant, &opened, &journey, &errors)),
    }
}

/// The messages of refused files first, then the step's own errors at the other fields (for
/// "continue"; empty for the other buttons).
fn with_step_errors(mut refused: Vec<FieldError>, step_errors: Vec<FieldError>) -> Vec<FieldError> {
    let others: Vec<FieldError> = step_errors
        .into_iter()
        .filter(|e| !refused.iter().any(|u| u.field == e.field))
        .collect();
    refused.extend(others);
    refused
}

/// The file names of the draft's uploads, by attachment id.
async fn draft_files(
    state: &AppState,
    tenant: &Tenant,
    opened: &Opened,
) -> AppResult<std::collections::BTreeMap<String, String>> {
    let attachments = state
        .store()
        .draft_attachments(tenant.id, opened.draft.id, &opened.owner)
        .await?;
    Ok(uploads::names(&attachments))
}

/// Sends the citizen to the first step that still has an error, showing it.
fn to_first_error(
    tenant: &Tenant,
    opened: &Opened,
    journey: &forms::Journey<'_>,
    errors: &[FieldError],
) -> Response {
    let step = journey
        .first_step_with_errors(errors)
        .unwrap_or_else(|| journey.first_step());
    let url = format!("{}?errors=1", step_url(tenant, opened.draft.id, step));
    Redirect::to(&url).into_response()
}

/// The fee of these answers as the server computes it, with whether this municipality lets
/// the service be paid later. `Err` names the text that explains why it cannot be submitted:
/// a fee these answers give no payable amount for, or no way to pay it here.
fn case_fee(
    state: &AppState,
    tenant: &Tenant,
    opened: &Opened,
    answers: &forms::Answers,
    lang: crate::i18n::Lang,
) -> Result<Option<store::CaseFee>, &'static str> {
    let provider = state.providers().for_tenant(tenant);
    let pay_later = provider
        .as_ref()
        .is_some_and(|p| p.pay_later.contains(&opened.offering.service.slug));
    match crate::payment::compute_fee(
        &opened.offering.form,
        answers,
        &opened.offering.params,
        lang.code(),
        pay_later,
    ) {
        Err(crate::payment::FeeInvalid) => Err("check-fee-invalid"),
        Ok(Some(_)) if provider.is_none() => Err("check-fee-no-provider"),
        Ok(fee) => Ok(fee),
    }
}

/// The declaration ticked: the case is stored, the draft deleted, in one transaction.
pub async fn check_submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: Visitor,
    Path((slug, id)): Path<(String, String)>,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    let (posted, token_ok) = match posted {
        Ok(CsrfForm(fields)) => (fields, true),
        Err(CsrfRejection::Token(fields)) => (fields, false),
        Err(other) => return Ok(other.into_response()),
    };
    let opened = match open(&state, &visitor, tenant, &id).await? {
        Ok(opened) => opened,
        Err(closed) => return Ok(closed.page(&state, &ctx, &visitor, tenant)),
    };
    let params = &opened.offering.params;
    let journey = opened.offering.form.journey(&opened.typed, params);
    let answers = match journey.validate() {
        Ok(answers) => answers,
        Err(errors) => return Ok(to_first_error(tenant, &opened, &journey, &errors)),
    };
    let declared = first(&posted, "_declaration") == Some("yes");
    if !token_ok || !declared {
        let check = pages::CheckState {
            status: if token_ok {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::FORBIDDEN
            },
            token_expired: !token_ok,
            declaration_missing: token_ok && !declared,
            declared,
            fee_problem: None,
        };
        return Ok(pages::check(
            &ctx,
            tenant,
            &opened.offering,
            &journey,
            crate::views::Given {
                answers: &answers,
                files: &draft_files(&state, tenant, &opened).await?,
            },
            opened.draft.id,
            case_fee(&state, tenant, &opened, &answers, ctx.lang)
                .ok()
                .flatten()
                .as_ref(),
            check,
        ));
    }
    // A fee that cannot be computed, or cannot be paid here, is never stored as free: the
    // check page again, answers kept, with the reason.
    let fee = match case_fee(&state, tenant, &opened, &answers, ctx.lang) {
        Ok(fee) => fee,
        Err(problem) => {
            return Ok(pages::check(
                &ctx,
                tenant,
                &opened.offering,
                &journey,
                crate::views::Given {
                    answers: &answers,
                    files: &draft_files(&state, tenant, &opened).await?,
                },
                opened.draft.id,
                None,
                pages::CheckState {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    declared,
                    fee_problem: Some(problem),
                    ..pages::CheckState::default()
                },
            ));
        }
    };

    // An anonymous browser gets a session now, so that the confirmation stays reachable; a
    // logged-in citizen has one, and the case is theirs.
    let key = visitor.key.clone().unwrap_or_else(SessionKey::generate);
    let ttl_days = i64::from(state.config().citizen_session_days);
    let session = visitor.login.is_none().then(|| NewSession {
        key_hash: key.hash(),
        staff_id: None,
        expires_at: Utc::now() + chrono::Duration::days(ttl_days),
    });
    // The files of the answers' file fields travel with the case; a hidden field's files
    // (not in the answers) stay behind with the draft and go with it.
    let attachments: Vec<Uuid> = opened
        .offering
        .form
        .all_fields()
        .filter(|f| f.kind == forms::FieldKind::File)
        .filter_map(|f| answers.get(&f.id))
        .flat_map(str::split_whitespace)
        .filter_map(|id| Uuid::parse_str(id).ok())
        .collect();
    let answers = serde_json::to_value(&answers).map_err(anyhow::Error::from)?;
    let case_id = Uuid::new_v4();
    let year = Utc::now().year();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let case = NewCase {
            id: case_id,
            reference: reference::generate(&tenant.code, year),
            service_id: opened.offering.service.id,
            form_id: opened.draft.form_id,
            status: CaseStatus::Received,
            answers: answers.clone(),
            submitter_session: Some(opened.owner.clone()),
            from_draft: Some(opened.draft.id),
            attachments: attachments.clone(),
            login_level: visitor.level().map(|l| l.to_string()),
        };
        let stored = match &fee {
            Some(fee) => {
                state
                    .store()
                    .submit_case_with_fee(tenant.id, &case, fee, session.as_ref())
                    .await
            }
            None => {
                state
                    .store()
                    .submit_case(tenant.id, &case, session.as_ref())
                    .await
            }
        };
        match stored {
            Ok(()) => break,
            Err(StoreError::DuplicateReference) if attempts < 5 => continue,
            // Submitted a moment ago from another tab.
            Err(StoreError::DraftGone) => return Ok(pages::draft_unknown(&ctx, tenant)),
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(tenant = %tenant.slug, case = %case_id, "case received");
    let mut res = match &fee {
        // Paid now: the provider is called (the attempt and its key stored first).
        Some(fee) if !fee.pay_later => {
            let case = state
                .store()
                .case(tenant.id, case_id)
                .await?
                .ok_or(AppError::NotFound)?;
            crate::payment::citizen::after_start(&state, &ctx, tenant, &case).await?
        }
        _ => {
            Redirect::to(&format!("/{}/cases/{case_id}/confirmation", tenant.slug)).into_response()
        }
    };
    // Refreshed, so the confirmation stays reachable for the whole period.
    if visitor.login.is_none() {
        set_session_cookie(&state, &mut res, &key);
    }
    Ok(res)
}

/// Opens a resume link, in any browser, until the draft expires: the draft passes to this
/// browser, which goes on where the answers stop.
pub async fn resume(
    State(state): State<AppState>,
    ctx: PageCtx,
    visitor: Visitor,
    Path((slug, token)): Path<(String, String)>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let tenant = catalogue.tenant(&slug).ok_or(AppError::NotFound)?;
    if !is_token(&token) {
        return Ok(pages::resume_unknown(&ctx, tenant));
    }
    // Only anonymous drafts have resume links: a logged-in citizen's draft has none, a draft
    // passed to a citizen at login loses its link, and so does one a citizen claims here.
    let key = visitor.key.clone().unwrap_or_else(SessionKey::generate);
    let owner = visitor.owner().unwrap_or_else(|| key.hash());
    let Some(draft) = state
        .store()
        .claim_draft(tenant.id, &sha256_hex(&token), &owner)
        .await?
    else {
        return Ok(pages::resume_unknown(&ctx, tenant));
    };
    if visitor.login.is_some() {
        // The draft is the citizen's now: the link that brought it must not take it back
        // (it is replaced by a token nobody holds).
        state
            .store()
            .set_resume_token(tenant.id, draft.id, &owner, &sha256_hex(&random_token()))
            .await?;
    }
    tracing::info!(tenant = %tenant.slug, draft = %draft.id, "application resumed");
    let mut res = Redirect::to(&check_url(tenant, draft.id)).into_response();
    set_session_cookie(&state, &mut res, &key);
    Ok(res)
}

/// When a draft of this form expires: the form's own `retention.draft_days`, else the
/// installation's `draft_days`, from now.
fn draft_expiry(state: &AppState, form: &forms::FormDefinition) -> chrono::DateTime<Utc> {
    let days = form
        .retention
        .draft_days
        .unwrap_or(state.config().draft_days);
    Utc::now() + chrono::Duration::days(i64::from(days))
}

/// The browser's key as a cookie (set again on every start, resume and submission), for as
/// long as the drafts and confirmations it opens live.
pub(super) fn set_session_cookie(state: &AppState, res: &mut Response, key: &SessionKey) {
    let config = state.config();
    let ttl_days = i64::from(config.citizen_session_days.max(config.draft_days));
    if let Ok(v) = HeaderValue::from_str(&key.set_cookie(ttl_days * 86_400)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The first value posted under `name`.
fn first<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn form() -> forms::FormDefinition {
        forms::FormDefinition::from_json(
            r#"{
              "id": "t", "version": 1, "title": "T", "summary": "T.", "fee": {"kind": "none"},
              "steps": [{ "title": "Sie", "fields": [
                { "id": "vorname", "type": "text", "label": "Vorname", "prefill": "given_name" },
                { "id": "email", "type": "email", "label": "E-Mail", "prefill": "email" }
              ]}]
            }"#,
        )
        .unwrap()
    }

    fn visitor(level: &str, claims: serde_json::Value) -> Visitor {
        Visitor {
            key: None,
            login: Some(store::CitizenLogin {
                owner: "0".repeat(64),
                level: level.to_owned(),
                claims,
                id_token: None,
                idle_expires_at: Utc::now() + chrono::Duration::minutes(30),
            }),
        }
    }

    #[test]
    fn an_email_the_provider_did_not_verify_is_a_suggestion_even_from_a_substantial_login() {
        let form = form();
        for verified in [
            None,
            Some(serde_json::json!(false)),
            Some(serde_json::json!("true")),
        ] {
            let mut claims = serde_json::json!({"given_name": "Anna", "email": "anna@example.de"});
            if let Some(v) = &verified {
                claims["email_verified"] = v.clone();
            }
            let visitor = visitor("substantial", claims);
            // The blank first page: both filled, only the name locked.
            let mut typed = Typed::new();
            let locked = prefill(&form, &visitor, &mut typed, true);
            assert_eq!(
                locked.into_iter().collect::<Vec<_>>(),
                ["vorname"],
                "{verified:?}"
            );
            assert_eq!(
                typed.get("email").map(String::as_str),
                Some("anna@example.de")
            );
            // A post: the name is the login's whatever was sent, the email as the citizen
            // typed it.
            let mut posted = Typed::new();
            posted.insert("vorname".into(), "Mallory".into());
            posted.insert("email".into(), "anders@example.de".into());
            let _ = prefill(&form, &visitor, &mut posted, false);
            assert_eq!(posted.get("vorname").map(String::as_str), Some("Anna"));
            assert_eq!(
                posted.get("email").map(String::as_str),
                Some("anders@example.de"),
                "{verified:?}"
            );
        }
    }

    #[test]
    fn a_verified_email_from_a_substantial_login_is_locked() {
        let visitor = visitor(
            "substantial",
            serde_json::json!({
                "given_name": "Anna", "email": "anna@example.de", "email_verified": true
            }),
        );
        let mut posted = Typed::new();
        posted.insert("email".into(), "anders@example.de".into());
        let locked = prefill(&form(), &visitor, &mut posted, false);
        assert_eq!(locked.into_iter().collect::<Vec<_>>(), ["email", "vorname"]);
        assert_eq!(
            posted.get("email").map(String::as_str),
            Some("anna@example.de")
        );
    }
}
