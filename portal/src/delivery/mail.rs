//! Email over SMTP with `lettre`: the office's copy of a case (a delivery target) and the
//! citizen's emails (confirmation, status changes). Both go through the outbox, so a mail
//! server that is down never fails a submission; each message carries its job's key in an
//! `Idempotency-Key` header and a `Message-ID` made from it, so a repeat after an unknown
//! outcome is recognisable as the same message.

use std::time::Duration;

use fluent_templates::fluent_bundle::FluentValue;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use store::{CaseStatus, OutboxJob};
use uuid::Uuid;

use super::config::{EmailTarget, SmtpConfig};
use super::{Connections, Delivered, DeliveryError, Parcel};
use crate::i18n::Lang;
use crate::state::AppState;

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(smtp: &SmtpConfig, timeout: Duration) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp.url.expose())
            .map_err(|_| anyhow::anyhow!("PORTAL_SMTP_URL: not a usable mail server address"))?
            .timeout(Some(timeout))
            .build();
        Ok(Self {
            transport,
            from: smtp.from.clone(),
        })
    }

    async fn send(&self, message: Message) -> Result<(), DeliveryError> {
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            // A permanent SMTP refusal (5xx) will not change by trying again.
            Err(e) if e.is_permanent() => Err(DeliveryError::Permanent(format!(
                "the mail server refused the message ({})",
                e.status()
                    .map_or_else(|| "5xx".to_owned(), |c| c.to_string())
            ))),
            Err(e) if e.is_timeout() => Err(DeliveryError::retry(
                "the mail server did not answer in time",
            )),
            Err(_) => Err(DeliveryError::retry(
                "the mail server could not be reached or refused for now",
            )),
        }
    }
}

fn header(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned())
}

fn message_id(key: &str) -> String {
    format!("<{key}@ozg-portal>")
}

fn attachment(name: String, content_type: &str, bytes: Vec<u8>) -> SinglePart {
    // The types come from the portal's own sniffing; an odd one travels as plain bytes.
    let ct = ContentType::parse(content_type)
        .or_else(|_| ContentType::parse("application/octet-stream"))
        .unwrap_or(ContentType::TEXT_PLAIN);
    Attachment::new(name).body(bytes, ct)
}

/// The office's copy: a summary in the body, the application PDF, the case JSON and the
/// citizen's files as attachments.
pub fn office_message(
    from: &Mailbox,
    target: &EmailTarget,
    parcel: &Parcel,
) -> anyhow::Result<Message> {
    let lang = Lang::De;
    let doc = &parcel.doc;
    let mut text = lang.t_args(
        "mail-office-intro",
        &[
            ("reference", FluentValue::from(doc.case.reference.as_str())),
            ("service", FluentValue::from(doc.service.title.as_str())),
            (
                "municipality",
                FluentValue::from(doc.municipality.name.as_str()),
            ),
        ],
    );
    text.push_str("\n\n");
    for section in &doc.summary {
        text.push_str(&section.title);
        text.push('\n');
        for row in &section.rows {
            text.push_str(&format!("  {}: {}\n", row.label, row.value));
        }
        text.push('\n');
    }
    if let Some(p) = &doc.payment {
        text.push_str(&lang.t_args(
            if p.status == "paid" {
                "mail-office-paid"
            } else {
                "mail-office-open"
            },
            &[("amount", FluentValue::from(p.amount.replace('.', ",")))],
        ));
        text.push_str("\n\n");
    }
    text.push_str(&lang.t_args(
        "mail-office-key",
        &[("key", FluentValue::from(parcel.idempotency_key.as_str()))],
    ));
    text.push('\n');
    let mut mixed = MultiPart::mixed()
        .singlepart(SinglePart::plain(text))
        .singlepart(attachment(
            parcel.pdf_name(),
            "application/pdf",
            parcel.pdf.clone(),
        ))
        .singlepart(attachment(
            format!("Antrag-{}.json", doc.case.reference),
            "application/json",
            doc.to_json(),
        ));
    for f in &parcel.files {
        mixed = mixed.singlepart(attachment(
            f.info.file_name.clone(),
            &f.info.content_type,
            f.bytes.clone(),
        ));
    }
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(lang.t_args(
            "mail-office-subject",
            &[
                ("reference", FluentValue::from(doc.case.reference.as_str())),
                ("service", FluentValue::from(doc.service.title.as_str())),
            ],
        ))
        .message_id(Some(message_id(&parcel.idempotency_key)))
        .raw_header(header("Idempotency-Key", &parcel.idempotency_key));
    for to in &target.to {
        builder = builder.to(Mailbox::new(None, to.clone()));
    }
    Ok(builder.multipart(mixed)?)
}

pub async fn office_mail(mailer: &Mailer, target: &EmailTarget, parcel: &Parcel) -> Delivered {
    let message = office_message(&mailer.from, target, parcel).map_err(DeliveryError::permanent)?;
    mailer.send(message).await?;
    Ok(Some(format!("{} recipient(s)", target.to.len())))
}

/// The citizen's address: the answer to the form's first email field.
fn citizen_address(form: &forms::FormDefinition, answers: &forms::Answers) -> Option<Mailbox> {
    let mut fields = Vec::new();
    for step in &form.steps {
        for f in &step.fields {
            fields.push(f);
        }
    }
    fields
        .iter()
        .filter(|f| f.kind == forms::FieldKind::Email)
        .find_map(|f| answers.get(&f.id))
        .and_then(|a| a.parse::<lettre::Address>().ok())
        .map(|a| Mailbox::new(None, a))
}

fn status_key(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::AwaitingPayment => "status-awaiting-payment",
        CaseStatus::Received => "status-received",
        CaseStatus::Forwarded => "status-forwarded",
        CaseStatus::InProgress => "status-in-progress",
        CaseStatus::NeedsInfo => "status-needs-info",
        CaseStatus::Decided => "status-decided",
        CaseStatus::Closed => "status-closed",
        CaseStatus::Withdrawn => "status-withdrawn",
    }
}

/// The outcome of a citizen's mail on an installation without a mail server.
pub const NO_MAIL_SERVER: &str = "no mail server configured";

/// A citizen email (job kind `mail`): the confirmation (`completed`) with the receipt when
/// paid, or a status change (`status`). Without an email answer, or without a mail server,
/// there is nothing to send and the job is done with a note saying so.
pub async fn citizen_mail(
    state: &AppState,
    conns: &Connections,
    job: &OutboxJob,
    case_id: Uuid,
    content: Option<&str>,
) -> Delivered {
    let Some(mailer) = &conns.mailer else {
        return Ok(Some(NO_MAIL_SERVER.into()));
    };
    let store = state.store();
    let case = store
        .case(job.tenant_id, case_id)
        .await
        .map_err(DeliveryError::retry)?
        .ok_or_else(|| DeliveryError::permanent("the case is gone"))?;
    let tenant = store
        .tenant_by_id(job.tenant_id)
        .await
        .map_err(DeliveryError::retry)?
        .ok_or_else(|| DeliveryError::permanent("the municipality is gone"))?;
    let form = state
        .form(case.form_id)
        .await
        .map_err(DeliveryError::retry)?;
    let answers: forms::Answers = serde_json::from_value(case.answers.clone()).unwrap_or_default();
    let Some(to) = citizen_address(&form, &answers) else {
        return Ok(Some("no email address given".into()));
    };
    let lang = Lang::De;
    let service = form.title.get(lang.code()).to_owned();
    let args = |extra: Vec<(&'static str, FluentValue<'static>)>| {
        let mut v: Vec<(&'static str, FluentValue<'static>)> = vec![
            ("reference", FluentValue::from(case.reference.clone())),
            ("service", FluentValue::from(service.clone())),
            ("municipality", FluentValue::from(tenant.name.clone())),
            (
                "link",
                FluentValue::from(format!("{}/my-applications", state.public_base())),
            ),
        ];
        v.extend(extra);
        v
    };
    let (subject, text, receipt) = if job.subject == "completed" {
        let receipt = crate::payment::citizen::receipt_for(state, &tenant, &case, lang)
            .await
            .map_err(|_| DeliveryError::retry("the receipt could not be made"))?;
        (
            lang.t_args("mail-confirmation-subject", &args(vec![])),
            lang.t_args("mail-confirmation-body", &args(vec![])),
            receipt,
        )
    } else {
        // The status and note as posted (kept with the job), so that two quick changes send
        // two different mails; older jobs without it read the case.
        let posted: Option<serde_json::Value> = content.and_then(|c| serde_json::from_str(c).ok());
        let status = posted
            .as_ref()
            .and_then(|v| v["status"].as_str())
            .and_then(CaseStatus::parse)
            .unwrap_or(case.status);
        let note = match &posted {
            Some(v) => v["note"].as_str().unwrap_or_default().to_owned(),
            None => store
                .status_note(job.tenant_id, case_id)
                .await
                .map_err(DeliveryError::retry)?
                .unwrap_or_default(),
        };
        let status = lang.t(status_key(status)).to_owned();
        (
            lang.t_args("mail-status-subject", &args(vec![])),
            lang.t_args(
                "mail-status-body",
                &args(vec![
                    ("status", FluentValue::from(status)),
                    ("note", FluentValue::from(note)),
                ]),
            ),
            None,
        )
    };
    let builder = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(message_id(&job.idempotency_key)))
        .raw_header(header("Idempotency-Key", &job.idempotency_key));
    let message = match receipt {
        Some(pdf) => builder.multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(text))
                .singlepart(attachment(
                    format!("Quittung-{}.pdf", case.reference),
                    "application/pdf",
                    pdf,
                )),
        ),
        None => builder.singlepart(SinglePart::plain(text)),
    }
    .map_err(DeliveryError::permanent)?;
    mailer.send(message).await?;
    Ok(Some("sent".into()))
}
