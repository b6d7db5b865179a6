//! The case as it leaves the portal: one documented JSON document (docs/delivery.md) that
//! every connector sends or builds on (webhook body, email attachment, file drop, pull API,
//! FIT-Connect data), and the answers as the citizen saw them (labels and shown values), for
//! the application PDF, the email summary and the xdomea message.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use forms::{Answers, FieldKind, FormDefinition};
use serde::Serialize;
use store::{Attachment, Case, CaseFee, PaymentAttempt, Tenant};

use crate::i18n::Lang;

/// The version of the JSON format; a receiver can tell formats apart by it.
pub const FORMAT: &str = "ozg-portal/case/v1";

#[derive(Clone, Debug, Serialize)]
pub struct CaseDocument {
    pub format: &'static str,
    pub case: CaseInfo,
    pub municipality: MunicipalityInfo,
    pub service: ServiceInfo,
    /// The answers as nested JSON, valid against `service.answers_schema`: `{field id:
    /// value}`, a repeating group an array of row objects; values are strings as stored
    /// (money in cents, dates `YYYY-MM-DD`, files as attachment ids separated by spaces).
    pub answers: serde_json::Value,
    /// The answers as the citizen saw them on the check page, step by step.
    pub summary: Vec<SummarySection>,
    pub attachments: Vec<AttachmentInfo>,
    /// `None` for a free service.
    pub payment: Option<PaymentInfo>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseInfo {
    pub id: uuid::Uuid,
    /// e.g. `WER-2026-7K3QF`, what the citizen was told.
    pub reference: String,
    pub status: &'static str,
    pub submitted_at: DateTime<Utc>,
    /// When it became complete (paid, free or pay-later).
    pub completed_at: Option<DateTime<Utc>>,
    /// The trust level of the citizen's login the case was submitted with (`low`,
    /// `substantial`, `high`); `null` when submitted without a login.
    pub login_level: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MunicipalityInfo {
    pub slug: String,
    pub name: String,
    /// The short code in reference numbers, e.g. `WER`.
    pub code: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceInfo {
    pub slug: String,
    pub title: String,
    /// LeiKa key (14 digits), when the form names one.
    pub leika: Option<String>,
    pub form_key: String,
    pub form_version: u32,
    /// JSON Schema of `answers` for this form version.
    pub answers_schema: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SummarySection {
    pub title: String,
    pub rows: Vec<SummaryRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SummaryRow {
    /// The field's label, or for a row of a repeating group "Row title: label".
    pub label: String,
    pub value: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AttachmentInfo {
    pub id: uuid::Uuid,
    /// The form field it was uploaded for.
    pub field: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 (hex) of the content.
    pub sha256: String,
    /// The content (base64) when the connector sends it inline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
    /// Where a backend fetches the content (pull API, with its token), when not inline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PaymentInfo {
    pub amount_cents: i64,
    /// The amount as a decimal string, e.g. `"350.00"`.
    pub amount: String,
    pub currency: String,
    /// `paid` or, for a pay-later service, `open`.
    pub status: &'static str,
    pub pay_later: bool,
    pub items: Vec<::payments::FeeItem>,
    /// The paying attempt: provider and references.
    pub provider: Option<String>,
    /// The portal's id of the paying attempt (also the provider call's idempotency key).
    pub transaction_id: Option<uuid::Uuid>,
    pub provider_reference: Option<String>,
    /// Kassenzeichen, where the provider gives one.
    pub transaction_reference: Option<String>,
    pub method: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
}

/// What the document is built from.
pub struct Sources<'a> {
    pub case: &'a Case,
    pub completed_at: Option<DateTime<Utc>>,
    pub tenant: &'a Tenant,
    pub form: &'a FormDefinition,
    pub attachments: &'a [Attachment],
    pub fee: Option<&'a CaseFee>,
    pub attempts: &'a [PaymentAttempt],
    /// The portal's public address, for the schema URL.
    pub public_base: &'a str,
}

impl CaseDocument {
    pub fn build(s: &Sources<'_>) -> Self {
        let answers: Answers = serde_json::from_value(s.case.answers.clone()).unwrap_or_default();
        let files: BTreeMap<String, String> = s
            .attachments
            .iter()
            .map(|a| (a.id.to_string(), a.file_name.clone()))
            .collect();
        let lang = Lang::De;
        let payment = s.fee.map(|fee| {
            let paid = s.attempts.iter().find(|a| a.state.is_paid());
            PaymentInfo {
                amount_cents: fee.amount.0,
                amount: fee.amount.decimal_euros(),
                currency: fee.currency.clone(),
                status: if paid.is_some() { "paid" } else { "open" },
                pay_later: fee.pay_later,
                items: fee.items.clone(),
                provider: paid.map(|a| a.provider.clone()),
                transaction_id: paid.map(|a| a.id),
                provider_reference: paid.and_then(|a| a.provider_reference.clone()),
                transaction_reference: paid.and_then(|a| a.transaction_reference.clone()),
                method: paid.and_then(|a| a.method.clone()),
                paid_at: paid.and_then(|a| a.paid_at),
            }
        });
        Self {
            format: FORMAT,
            case: CaseInfo {
                id: s.case.id,
                reference: s.case.reference.clone(),
                status: s.case.status.as_str(),
                submitted_at: s.case.created_at,
                completed_at: s.completed_at,
                login_level: s.case.login_level.clone(),
            },
            municipality: MunicipalityInfo {
                slug: s.tenant.slug.clone(),
                name: s.tenant.name.clone(),
                code: s.tenant.code.clone(),
            },
            service: ServiceInfo {
                slug: s.case.service_slug.clone(),
                title: s.form.title.get(lang.code()).to_owned(),
                leika: s.form.leika.clone(),
                form_key: s.form.id.clone(),
                form_version: s.form.version,
                answers_schema: format!(
                    "{}/schemas/forms/{}/{}.json",
                    s.public_base, s.form.id, s.form.version
                ),
            },
            summary: summary(lang, s.form, &answers, &files),
            answers: s.form.answers_json(&answers),
            attachments: s
                .attachments
                .iter()
                .map(|a| AttachmentInfo {
                    id: a.id,
                    field: a.field_id.clone(),
                    file_name: a.file_name.clone(),
                    content_type: a.content_type.clone(),
                    size_bytes: a.size_bytes,
                    sha256: a.sha256.clone(),
                    content_base64: None,
                    url: None,
                })
                .collect(),
            payment,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// The answers as the check page shows them: per step the fields outside groups, then per
/// group row its fields, with the shown values (choices by label, dates as dd.mm.yyyy, files
/// by name). Info texts are left out.
pub fn summary(
    lang: Lang,
    def: &FormDefinition,
    answers: &Answers,
    files: &BTreeMap<String, String>,
) -> Vec<SummarySection> {
    let shown = |f: &forms::Field, key: &str| -> Option<String> {
        if f.kind == FieldKind::File {
            answers.get(key).map(|ids| {
                ids.split_whitespace()
                    .map(|id| files.get(id).map_or(id, String::as_str))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        } else {
            def.display_value(key, answers, lang.code())
        }
    };
    let mut sections = Vec::new();
    for step in &def.steps {
        let mut rows = Vec::new();
        for f in &step.fields {
            match f.kind {
                FieldKind::Info => {}
                FieldKind::Group => {
                    let count = answers
                        .get(&f.id)
                        .and_then(|n| n.parse::<usize>().ok())
                        .unwrap_or(0)
                        .min(forms::MAX_ROWS as usize);
                    for r in 0..count {
                        let title = crate::views::row_title(lang, f, r);
                        for c in f.fields.iter().filter(|c| c.kind != FieldKind::Info) {
                            let key = forms::row_key(&f.id, r, &c.id);
                            if let Some(value) = shown(c, &key) {
                                rows.push(SummaryRow {
                                    label: format!("{title}: {}", c.label.get(lang.code())),
                                    value,
                                });
                            }
                        }
                    }
                }
                _ => {
                    if let Some(value) = shown(f, &f.id) {
                        rows.push(SummaryRow {
                            label: f.label.get(lang.code()).to_owned(),
                            value,
                        });
                    }
                }
            }
        }
        if !rows.is_empty() {
            sections.push(SummarySection {
                title: step.title.get(lang.code()).to_owned(),
                rows,
            });
        }
    }
    sections
}
