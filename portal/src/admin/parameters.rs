//! A municipality's own values for a form's parameters (rates, amounts):
//! `GET|POST /staff/forms/{key}/parameters?tenant={slug}`.
//!
//! One input per parameter the offered version declares, checked with the same rules as a
//! citizen's answer of that type (money `48,00`, whole numbers, single-line text), because the
//! inputs are the fields of a small form built from the declarations and validated by the
//! `forms` crate. An empty input clears the value: the definition's default applies again.
//! Values are stored by form key, so they hold for later versions too; saving reloads the
//! catalogue, so the next application uses them at once.
//!
//! A municipality's admin sets their own municipality's values, a federation admin any
//! municipality's; anyone else gets 403.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use forms::{FormDefinition, ParamKind, ParamValue, Parameter, format_eur};
use serde::Deserialize;
use serde_json::json;
use store::{ParameterChanges, Tenant};

use super::{Admin, admin_of, pages};
use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::auth::staff::Staff;
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::state::AppState;
use crate::web::PageCtx;

#[derive(Deserialize)]
pub(super) struct ParamsQuery {
    tenant: Option<String>,
    /// Set by the redirect after a save.
    saved: Option<String>,
}

/// What the page shows.
pub struct ParamsPage<'a> {
    pub tenant: &'a Tenant,
    pub form: &'a FormDefinition,
    /// The parameters as the fields of a small form (see [`param_form`]).
    pub inputs: FormDefinition,
    /// The value of each input, as typed or as stored.
    pub values: BTreeMap<String, String>,
    /// (field id, message), in form order.
    pub errors: Vec<(String, String)>,
    pub notice: Option<Notice>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    Saved,
    TokenExpired,
}

/// The municipality an admin acts on: a federation admin any one by slug, a municipality's
/// admin one of theirs (the only one when no slug is given). `Err(NotFound)` for an unknown
/// slug, `Ok(None)` for a municipality that is not theirs.
fn municipality<'a>(
    admin: &Admin<'a>,
    all: &'a [Tenant],
    slug: Option<&str>,
) -> AppResult<Option<&'a Tenant>> {
    match (admin, slug) {
        (Admin::Tenants(mine), None) => match mine.as_slice() {
            [only] => Ok(Some(*only)),
            _ => Err(AppError::NotFound),
        },
        (_, None) => Err(AppError::NotFound),
        (admin, Some(slug)) => {
            let tenant = all
                .iter()
                .find(|t| t.slug == slug)
                .ok_or(AppError::NotFound)?;
            let allowed = match admin {
                Admin::Federation => true,
                Admin::Tenants(mine) => mine.iter().any(|t| t.id == tenant.id),
            };
            Ok(allowed.then_some(tenant))
        }
    }
}

/// The newest version of `key` the municipality offers.
fn offered_form(
    state: &AppState,
    tenant: &Tenant,
    key: &str,
) -> Option<std::sync::Arc<FormDefinition>> {
    state
        .catalogue()
        .services(tenant.id)
        .iter()
        .filter(|o| o.form.id == key)
        .max_by_key(|o| o.form.version)
        .map(|o| o.form.clone())
}

/// The parameters as input fields of a form of their own (one step, none required), so that
/// the `forms` crate checks them with exactly the rules of a citizen's money, number or text
/// answer. The hint says the default.
pub(crate) fn param_form(form: &FormDefinition, lang: Lang) -> anyhow::Result<FormDefinition> {
    let code = lang.code();
    let fields: Vec<serde_json::Value> = form
        .parameters
        .iter()
        .map(|p| {
            let default = lang.t_args(
                "params-default",
                &[("value", Arg::from(default_text(p, code)))],
            );
            let hint = match &p.hint {
                Some(h) => format!("{} {default}", h.get(code)),
                None => default,
            };
            let (kind, width) = match p.kind {
                ParamKind::Money => ("money", Some("short")),
                ParamKind::Number => ("number", Some("short")),
                ParamKind::Text => ("text", None),
            };
            let mut field = json!({
                "id": p.id,
                "type": kind,
                "label": p.label.get(code),
                "hint": hint,
            });
            if let Some(width) = width {
                field["width"] = width.into();
            }
            // A negative rate or amount is no rate; money is never negative without a `min`.
            if p.kind == ParamKind::Number {
                field["min"] = 0.into();
            }
            field
        })
        .collect();
    let definition = json!({
        "id": form.id,
        "version": 1,
        "title": form.title.get(code),
        "summary": form.title.get(code),
        "fee": {"kind": "none"},
        "steps": [{"title": form.title.get(code), "fields": fields}],
    });
    Ok(FormDefinition::from_json(&definition.to_string())?)
}

fn default_text(p: &Parameter, lang: &str) -> String {
    match &p.default {
        ParamValue::Int(cents) if p.kind == ParamKind::Money => format_eur(*cents, lang),
        ParamValue::Int(n) => n.to_string(),
        ParamValue::Text(s) => s.clone(),
    }
}

/// A stored value as typed into its input: money `48,00`, a number, a text. A value of the
/// wrong kind (ignored by the portal) shows as empty.
fn input_text(p: &Parameter, value: &serde_json::Value) -> Option<String> {
    let value: ParamValue = serde_json::from_value(value.clone()).ok()?;
    if !p.kind.accepts(&value) {
        return None;
    }
    Some(match value {
        ParamValue::Int(cents) if p.kind == ParamKind::Money => {
            let sign = if cents < 0 { "-" } else { "" };
            let abs = cents.unsigned_abs();
            format!("{sign}{},{:02}", abs / 100, abs % 100)
        }
        ParamValue::Int(n) => n.to_string(),
        ParamValue::Text(s) => s,
    })
}

/// The checked answers as store changes: every declared parameter set, or cleared when empty.
fn changes_of(form: &FormDefinition, answers: &forms::Answers) -> ParameterChanges {
    form.parameters
        .iter()
        .map(|p| {
            let value = answers.get(&p.id).and_then(|v| match p.kind {
                ParamKind::Money | ParamKind::Number => v.parse::<i64>().ok().map(|n| json!(n)),
                ParamKind::Text => Some(json!(v)),
            });
            (p.id.clone(), value)
        })
        .collect()
}

struct Found<'a> {
    tenant: &'a Tenant,
    form: std::sync::Arc<FormDefinition>,
}

/// The municipality and form of the URL, or the response that refuses them.
fn find<'a>(
    state: &AppState,
    ctx: &PageCtx,
    staff: &Staff,
    tenants: &'a [Tenant],
    key: &str,
    slug: Option<&str>,
) -> AppResult<Result<Found<'a>, Response>> {
    let Some(admin) = admin_of(staff, tenants) else {
        return Ok(Err(pages::forbidden(ctx, staff)));
    };
    let Some(tenant) = municipality(&admin, tenants, slug)? else {
        return Ok(Err(pages::forbidden(ctx, staff)));
    };
    let form = offered_form(state, tenant, key).ok_or(AppError::NotFound)?;
    Ok(Ok(Found { tenant, form }))
}

pub(super) async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    Path(key): Path<String>,
    Query(q): Query<ParamsQuery>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let found = match find(
        &state,
        &ctx,
        &staff,
        catalogue.tenants(),
        &key,
        q.tenant.as_deref(),
    )? {
        Ok(found) => found,
        Err(refused) => return Ok(refused),
    };
    let stored = state.store().form_parameters(found.tenant.id, &key).await?;
    let values = found
        .form
        .parameters
        .iter()
        .filter_map(|p| {
            let s = stored.iter().find(|s| s.param_id == p.id)?;
            Some((p.id.clone(), input_text(p, &s.value)?))
        })
        .collect();
    let page = ParamsPage {
        tenant: found.tenant,
        form: &found.form,
        inputs: param_form(&found.form, ctx.lang)?,
        values,
        errors: Vec::new(),
        notice: (q.saved.as_deref() == Some("1")).then_some(Notice::Saved),
    };
    Ok(pages::parameters(&ctx, &staff, StatusCode::OK, page))
}

pub(super) async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    Path(key): Path<String>,
    Query(q): Query<ParamsQuery>,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let found = match find(
        &state,
        &ctx,
        &staff,
        catalogue.tenants(),
        &key,
        q.tenant.as_deref(),
    )? {
        Ok(found) => found,
        Err(refused) => return Ok(refused),
    };
    let inputs = param_form(&found.form, ctx.lang)?;
    let (posted, token_ok) = match posted {
        Ok(CsrfForm(fields)) => (fields, true),
        Err(CsrfRejection::Token(fields)) => (fields, false),
        Err(other) => return Ok(other.into_response()),
    };
    let typed: BTreeMap<String, String> = found
        .form
        .parameters
        .iter()
        .filter_map(|p| {
            let value = posted.iter().find(|(k, _)| *k == p.id)?;
            Some((p.id.clone(), value.1.clone()))
        })
        .collect();
    if !token_ok {
        // Nothing saved; what was typed stays on the page, with a fresh token.
        let page = ParamsPage {
            tenant: found.tenant,
            form: &found.form,
            inputs,
            values: typed,
            errors: Vec::new(),
            notice: Some(Notice::TokenExpired),
        };
        return Ok(pages::parameters(&ctx, &staff, StatusCode::FORBIDDEN, page));
    }
    let answers = match inputs.validate(&posted) {
        Ok(answers) => answers,
        Err(rejected) => {
            let errors = rejected
                .errors
                .iter()
                .filter_map(|e| {
                    let field = inputs.field(&e.field)?;
                    let message = crate::views::fields::message(ctx.lang, &inputs, field, &e.error);
                    Some((e.field.clone(), message))
                })
                .collect();
            let page = ParamsPage {
                tenant: found.tenant,
                form: &found.form,
                inputs: inputs.clone(),
                values: typed,
                errors,
                notice: None,
            };
            return Ok(pages::parameters(
                &ctx,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                page,
            ));
        }
    };
    let changes = changes_of(&found.form, &answers);
    state
        .store()
        .set_form_parameters(found.tenant.id, &key, &changes, Some(staff.user.id))
        .await?;
    tracing::info!(
        staff = staff.user.id.0,
        tenant = %found.tenant.slug,
        form = %key,
        "parameter values saved"
    );
    // This instance uses them at once; others within their refresh interval.
    if let Err(e) = state.reload_catalogue().await {
        tracing::warn!(error = %format!("{e:#}"), "catalogue reload after saving parameters failed");
    }
    let to = format!(
        "/staff/forms/{key}/parameters?tenant={}&saved=1",
        found.tenant.slug
    );
    Ok(Redirect::to(&to).into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const DOG_TAX: &str = include_str!("../../demo/forms/hundesteuer-anmeldung.json");

    fn posted(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn money_is_read_as_a_money_answer_and_an_empty_input_clears() {
        let form = FormDefinition::from_json(DOG_TAX).unwrap();
        let inputs = param_form(&form, Lang::De).unwrap();
        let answers = inputs
            .validate(&posted(&[
                ("steuer_erster_hund", "54,00"),
                ("steuer_weiterer_hund", "1.080 €"),
                ("steuer_gefaehrlicher_hund", " "),
            ]))
            .unwrap();
        let changes = changes_of(&form, &answers);
        assert_eq!(changes["steuer_erster_hund"], Some(json!(5400)));
        assert_eq!(changes["steuer_weiterer_hund"], Some(json!(108_000)));
        assert_eq!(changes["steuer_gefaehrlicher_hund"], None);
    }

    #[test]
    fn a_bad_amount_or_a_negative_one_is_refused() {
        let form = FormDefinition::from_json(DOG_TAX).unwrap();
        let inputs = param_form(&form, Lang::De).unwrap();
        let rejected = inputs
            .validate(&posted(&[
                ("steuer_erster_hund", "viel"),
                ("steuer_weiterer_hund", "-5,00"),
            ]))
            .unwrap_err();
        let failed: Vec<&str> = rejected.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(failed, ["steuer_erster_hund", "steuer_weiterer_hund"]);
    }

    #[test]
    fn a_stored_amount_shows_as_typed() {
        let form = FormDefinition::from_json(DOG_TAX).unwrap();
        let p = form.parameter("steuer_erster_hund").unwrap();
        assert_eq!(input_text(p, &json!(4800)).as_deref(), Some("48,00"));
        assert_eq!(input_text(p, &json!(5)).as_deref(), Some("0,05"));
        assert_eq!(input_text(p, &json!("viel")), None);
    }
}
