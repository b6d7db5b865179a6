//! Small admin forms (a municipality's details, offering a form) built as form definitions of
//! their own, so that the `forms` crate checks each input with exactly the rules of a
//! citizen's answer of that kind and the field components render them with their labels,
//! hints and error messages. The checks only the portal knows (a free address, a colour's
//! contrast) add their messages to the same list.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;
use forms::FormDefinition;
use leptos::prelude::*;

use crate::auth::staff::Staff;
use crate::i18n::Lang;
use crate::views;
use crate::web::PageCtx;

/// An admin form's definition: one step of `fields` (JSON objects of the form format).
pub(crate) fn definition(
    id: &str,
    title: &str,
    fields: Vec<serde_json::Value>,
) -> anyhow::Result<FormDefinition> {
    let definition = serde_json::json!({
        "id": id,
        "version": 1,
        "title": title,
        "summary": title,
        "fee": {"kind": "none"},
        "steps": [{"title": title, "fields": fields}],
    });
    Ok(FormDefinition::from_json(&definition.to_string())?)
}

/// What was posted for each input of `inputs`, as typed.
pub(crate) fn typed(
    inputs: &FormDefinition,
    posted: &[(String, String)],
) -> BTreeMap<String, String> {
    inputs
        .fields()
        .filter_map(|f| {
            let (_, value) = posted.iter().find(|(k, _)| *k == f.id)?;
            Some((f.id.clone(), value.clone()))
        })
        .collect()
}

/// Checks the posted inputs: the answers, normalised, or each input's message.
pub(crate) fn check(
    lang: Lang,
    inputs: &FormDefinition,
    posted: &[(String, String)],
) -> Result<forms::Answers, Vec<(String, String)>> {
    inputs.validate(posted).map_err(|rejected| {
        rejected
            .errors
            .iter()
            .filter_map(|e| {
                let field = inputs.field(&e.field)?;
                let message = views::fields::message(lang, inputs, field, &e.error);
                Some((e.field.clone(), message))
            })
            .collect()
    })
}

/// What above the form says how it went.
pub(crate) enum Above {
    Nothing,
    /// Each input's message, in form order (the summary links to the inputs).
    Errors(Vec<(String, String)>),
    /// The CSRF token had expired: nothing was saved, what was typed is kept.
    TokenExpired,
    /// A success notice, with a link (address, text) if it names a page.
    Done(String, Option<(String, String)>),
}

/// One admin form page: a back link, the notice or the error summary, the heading, an
/// introduction, and the inputs with the button (no form when `inputs` is `None`: there is
/// nothing to choose).
pub(crate) struct InputPage<'a> {
    pub title: String,
    pub back: (&'static str, String),
    pub intro: String,
    pub inputs: Option<&'a FormDefinition>,
    pub values: &'a BTreeMap<String, String>,
    pub above: Above,
    pub action: String,
    pub button: String,
}

pub(crate) fn render(
    ctx: &PageCtx,
    staff: &Staff,
    status: StatusCode,
    page: InputPage<'_>,
) -> Response {
    let lang = ctx.lang;
    let errors: &[(String, String)] = match &page.above {
        Above::Errors(errors) => errors,
        _ => &[],
    };
    let page_title = if errors.is_empty() {
        page.title.clone()
    } else {
        format!("{}: {}", lang.t("error-title-prefix"), page.title)
    };
    let shell = ctx.staff_shell(page_title, staff);
    let token = ctx.csrf.token();
    let above = match &page.above {
        Above::Nothing => None,
        Above::Errors(errors) => {
            let summary = errors
                .iter()
                .filter_map(|(id, message)| {
                    let field = page.inputs?.field(id)?;
                    Some((views::fields::anchor(field, id), message.clone()))
                })
                .collect();
            Some(views::error_summary(lang, summary).into_any())
        }
        Above::TokenExpired => Some(
            views::notice_alert(
                lang.t("csrf-expired-title").to_owned(),
                lang.t("csrf-expired-text").to_owned(),
            )
            .into_any(),
        ),
        Above::Done(text, link) => {
            let link = link
                .clone()
                .map(|(href, text)| view! { <p><a href=href>{text}</a></p> });
            Some(
                view! {
                    <div class="notice" role="status"><p>{text.clone()}</p>{link}</div>
                }
                .into_any(),
            )
        }
    };
    let form = page.inputs.map(|inputs| {
        let fields = inputs
            .fields()
            .map(|f| {
                let error = errors
                    .iter()
                    .find(|(id, _)| *id == f.id)
                    .map(|(_, m)| m.clone());
                views::fields::field(lang, f, &f.id, page.values.get(&f.id).cloned(), error)
            })
            .collect_view();
        view! {
            <form method="post" action=page.action.clone() novalidate=true class="admin-input-form">
                <input type="hidden" name="_csrf" value=token.clone()/>
                {fields}
                <button type="submit" class="button">{page.button.clone()}</button>
            </form>
        }
    });
    let (back_href, back_text) = page.back;
    views::page(
        &shell,
        status,
        view! {
            <p><a href=back_href>{back_text}</a></p>
            {above}
            <h1>{page.title}</h1>
            <p>{page.intro}</p>
            {form}
        },
    )
}

/// An address segment chosen by an admin (a municipality's slug, a service's): lowercase
/// letters, digits and single hyphens between them, 2 to 40 characters.
pub(crate) fn is_slug(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.split('-').all(|part| {
            !part.is_empty() && part.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_lowercase_words_joined_by_single_hyphens() {
        for good in ["werther", "heringen-helme", "bad-frankenhausen-2", "a1"] {
            assert!(is_slug(good), "{good}");
        }
        for bad in [
            "",
            "w",
            "Werther",
            "heringen--helme",
            "-werther",
            "werther-",
            "kyffhäuserland",
            "wer ther",
            "../staff",
            &"a".repeat(41),
        ] {
            assert!(!is_slug(bad), "{bad}");
        }
    }
}
