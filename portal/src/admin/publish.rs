//! Checking a pasted definition and publishing it as a new form version.
//!
//! "Prüfen" shows every lint problem with its path, or a summary and the publish button;
//! "Veröffentlichen" posts the same text with `_action=publish`, which is checked again and
//! then stored with the moves of the services in one store transaction.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use forms::{FormDefinition, Format, Problem};
use store::{FormScope, NewForm, StoreError, Tenant};

use super::pages::{self, Outcome, Upload};
use super::{Admin, admin_of};
use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::auth::staff::Staff;
use crate::error::AppResult;
use crate::i18n::{Arg, Lang};
use crate::state::AppState;
use crate::web::PageCtx;

/// What checking a pasted definition found.
#[derive(Debug)]
pub(crate) enum Checked {
    /// Nothing pasted.
    Missing,
    /// Every problem, each with its path (empty: the whole text, e.g. a syntax error).
    Problems(Vec<Problem>),
    Clean(Box<FormDefinition>, Format),
}

/// JSON when the text starts with `{`, else YAML (which would read most JSON too, but JSON's
/// own parser gives the clearer messages).
pub(crate) fn format_of(text: &str) -> Format {
    if text.trim_start().starts_with('{') {
        Format::Json
    } else {
        Format::Yaml
    }
}

pub(crate) fn check_definition(text: &str) -> Checked {
    if text.trim().is_empty() {
        return Checked::Missing;
    }
    let format = format_of(text);
    let problems = FormDefinition::lint_source(text, format);
    if !problems.is_empty() {
        return Checked::Problems(problems);
    }
    match FormDefinition::parse(text, format) {
        Ok(definition) => Checked::Clean(Box::new(definition), format),
        // Lint and load agree; should they ever not, the load's reason is shown.
        Err(e) => Checked::Problems(vec![Problem {
            path: String::new(),
            message: e.to_string(),
        }]),
    }
}

/// The text to store: JSON as pasted (verbatim), YAML as the JSON of its model, checked to
/// load back into the same definition.
pub(crate) fn stored_text(
    text: &str,
    format: Format,
    definition: &FormDefinition,
) -> anyhow::Result<String> {
    match format {
        Format::Json => Ok(text.to_owned()),
        Format::Yaml => {
            let json = serde_json::to_string_pretty(definition)?;
            let back = FormDefinition::from_json(&json)?;
            anyhow::ensure!(
                &back == definition,
                "the YAML definition does not survive conversion to JSON"
            );
            Ok(json)
        }
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
) -> Response {
    let catalogue = state.catalogue();
    let Some(admin) = admin_of(&staff, catalogue.tenants()) else {
        return pages::forbidden(&ctx, &staff);
    };
    pages::upload(
        &ctx,
        &staff,
        &admin,
        StatusCode::OK,
        Upload {
            text: String::new(),
            tenant: String::new(),
            outcome: Outcome::Blank,
        },
    )
}

pub(super) async fn check_or_publish(
    State(state): State<AppState>,
    ctx: PageCtx,
    staff: Staff,
    posted: Result<CsrfForm, CsrfRejection>,
) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let Some(admin) = admin_of(&staff, catalogue.tenants()) else {
        return Ok(pages::forbidden(&ctx, &staff));
    };
    let fields = match posted {
        Ok(CsrfForm(fields)) => fields,
        // The text is kept, with a fresh token: nothing typed is lost.
        Err(CsrfRejection::Token(fields)) => {
            let upload = Upload {
                text: field(&fields, "definition").to_owned(),
                tenant: field(&fields, "tenant").to_owned(),
                outcome: Outcome::Expired,
            };
            return Ok(pages::upload(
                &ctx,
                &staff,
                &admin,
                StatusCode::FORBIDDEN,
                upload,
            ));
        }
        Err(other) => return Ok(other.into_response()),
    };
    let text = field(&fields, "definition").to_owned();
    let tenant = field(&fields, "tenant").to_owned();
    let publish = field(&fields, "_action") == "publish";
    let page = |status: StatusCode, outcome: Outcome| {
        let upload = Upload {
            text: text.clone(),
            tenant: tenant.clone(),
            outcome,
        };
        pages::upload(&ctx, &staff, &admin, status, upload)
    };

    let (definition, format) = match check_definition(&text) {
        Checked::Missing => return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, Outcome::Missing)),
        Checked::Problems(problems) => {
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome::Problems(problems),
            ));
        }
        Checked::Clean(definition, format) => (definition, format),
    };
    let Some((scope, municipality)) = scope_of(&admin, &tenant) else {
        let refused = Outcome::Refused {
            message: ctx.lang.t("upload-choose-municipality").to_owned(),
            anchor: "f-tenant",
        };
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, refused));
    };
    if !publish {
        return Ok(page(
            StatusCode::OK,
            Outcome::Clean {
                definition,
                municipality: municipality.map(|t| t.name.clone()),
            },
        ));
    }

    let Ok(version) = i32::try_from(definition.version) else {
        let refused = Outcome::Refused {
            message: ctx.lang.t("upload-version-too-large").to_owned(),
            anchor: "f-definition",
        };
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, refused));
    };
    let form = NewForm {
        key: definition.id.clone(),
        version,
        definition: stored_text(&text, format, &definition)?,
        // Published in the demo, removed with the demo.
        demo: state.config().demo,
    };
    match state.store().publish_form(&form, scope).await {
        Ok(published) => {
            tracing::info!(
                staff = staff.user.id.0,
                form = published.id.0,
                version,
                moved = published.moved,
                "form version published"
            );
            // This instance shows it at once; others within their refresh interval.
            if let Err(e) = state.reload_catalogue().await {
                tracing::warn!(error = %format!("{e:#}"), "catalogue reload after publish failed");
            }
            let to = format!(
                "/staff/forms?published={}&moved={}",
                published.id.0, published.moved
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(StoreError::VersionNotNewer { version, latest }) => Ok(page(
            StatusCode::CONFLICT,
            not_newer(ctx.lang, version, latest),
        )),
        // The same version, published a moment ago by someone else.
        Err(StoreError::Conflict(_)) => Ok(page(
            StatusCode::CONFLICT,
            not_newer(ctx.lang, version, version),
        )),
        Err(StoreError::SharedForm) => {
            let refused = Outcome::Refused {
                message: ctx.lang.t("upload-shared").to_owned(),
                anchor: "f-definition",
            };
            Ok(page(StatusCode::FORBIDDEN, refused))
        }
        Err(e) => Err(e.into()),
    }
}

fn not_newer(lang: Lang, version: i32, latest: i32) -> Outcome {
    Outcome::Refused {
        message: lang.t_args(
            "upload-not-newer",
            &[
                ("version", Arg::from(version)),
                ("latest", Arg::from(latest)),
                ("next", Arg::from(i64::from(latest) + 1)),
            ],
        ),
        anchor: "f-definition",
    }
}

/// Where a publish acts: the federation's admin on all services; a municipality's admin on
/// their one municipality, or on the one chosen (by slug) among several. `None`: no valid
/// choice among several.
fn scope_of<'a>(admin: &Admin<'a>, chosen: &str) -> Option<(FormScope, Option<&'a Tenant>)> {
    match admin {
        Admin::Federation => Some((FormScope::All, None)),
        Admin::Tenants(tenants) => {
            let tenant = match tenants.as_slice() {
                [only] => *only,
                several => several.iter().copied().find(|t| t.slug == chosen)?,
            };
            Some((FormScope::Tenant(tenant.id), Some(tenant)))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const DOG_TAX: &str = include_str!("../../demo/forms/hundesteuer-anmeldung.json");

    #[test]
    fn json_is_recognised_by_its_brace_and_anything_else_is_read_as_yaml() {
        assert_eq!(format_of("  \n{\"id\": 1}"), Format::Json);
        assert_eq!(format_of("id: hundesteuer"), Format::Yaml);
        assert_eq!(format_of("[1]"), Format::Yaml);
    }

    #[test]
    fn nothing_pasted_is_missing() {
        assert!(matches!(check_definition(" \n\t"), Checked::Missing));
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let mut def: serde_json::Value = serde_json::from_str(DOG_TAX).unwrap();
        def["steps"][1]["fields"][0]["id"] = "Bad Id".into();
        def["steps"][0]["fields"][0]["visible_if"] = "answers.nope == 1".into();
        let Checked::Problems(problems) = check_definition(&def.to_string()) else {
            panic!("expected problems");
        };
        assert!(problems.len() >= 2, "{problems:?}");
        assert!(
            problems.iter().all(|p| p.path.starts_with("steps[")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_syntax_error_is_one_problem_of_the_whole_text() {
        let Checked::Problems(problems) = check_definition("{\"id\": ") else {
            panic!("expected problems");
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "");
    }

    #[test]
    fn json_is_stored_verbatim() {
        let Checked::Clean(def, format) = check_definition(DOG_TAX) else {
            panic!("the demo form is clean");
        };
        assert_eq!(format, Format::Json);
        assert_eq!(stored_text(DOG_TAX, format, &def).unwrap(), DOG_TAX);
    }

    #[test]
    fn yaml_is_stored_as_the_json_of_the_same_definition() {
        let value: serde_json::Value = serde_json::from_str(DOG_TAX).unwrap();
        // JSON is YAML: written in block style it starts without a brace.
        let yaml = json_as_yaml(&value, 0);
        let Checked::Clean(def, format) = check_definition(&yaml) else {
            panic!("the demo form in YAML is clean:\n{yaml}");
        };
        assert_eq!(format, Format::Yaml);
        let stored = stored_text(&yaml, format, &def).unwrap();
        assert_eq!(FormDefinition::from_json(&stored).unwrap(), *def);
    }

    fn town(id: i64, slug: &str) -> Tenant {
        Tenant {
            id: store::TenantId(id),
            slug: slug.to_owned(),
            name: slug.to_owned(),
            code: slug.to_uppercase(),
            profile: store::TenantProfile::default(),
            demo: false,
        }
    }

    #[test]
    fn a_publish_acts_on_the_federation_or_on_one_municipality_the_admin_manages() {
        let (a, b) = (town(1, "aach"), town(2, "bebra"));
        assert_eq!(
            scope_of(&Admin::Federation, "aach").map(|(s, _)| s),
            Some(FormScope::All)
        );
        // One municipality: that one, whatever was posted.
        let one = Admin::Tenants(vec![&a]);
        assert_eq!(
            scope_of(&one, "bebra").map(|(s, t)| (s, t.map(|t| t.id))),
            Some((FormScope::Tenant(a.id), Some(a.id)))
        );
        // Several: the one chosen, and only among them.
        let two = Admin::Tenants(vec![&a, &b]);
        assert_eq!(
            scope_of(&two, "bebra").map(|(s, _)| s),
            Some(FormScope::Tenant(b.id))
        );
        assert!(scope_of(&two, "").is_none());
        assert!(scope_of(&two, "celle").is_none());
    }

    /// A JSON value in YAML block style (enough for the test: flow style for scalars).
    fn json_as_yaml(value: &serde_json::Value, indent: usize) -> String {
        use serde_json::Value;
        let pad = " ".repeat(indent);
        match value {
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| match v {
                    Value::Object(m) if !m.is_empty() => {
                        format!("{pad}{k}:\n{}", json_as_yaml(v, indent + 2))
                    }
                    Value::Array(a) if !a.is_empty() => {
                        format!("{pad}{k}:\n{}", json_as_yaml(v, indent + 2))
                    }
                    _ => format!("{pad}{k}: {v}\n"),
                })
                .collect(),
            Value::Array(items) => items
                .iter()
                .map(|v| match v {
                    Value::Object(m) if !m.is_empty() => {
                        let inner = json_as_yaml(v, indent + 2);
                        format!("{pad}- {}", inner.trim_start())
                    }
                    _ => format!("{pad}- {v}\n"),
                })
                .collect(),
            other => format!("{pad}{other}\n"),
        }
    }
}
