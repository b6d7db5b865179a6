//! Online payment of fees (issue 6): which provider each municipality uses, starting a
//! payment (its idempotency key stored before the provider is called), applying what the
//! provider says (return page, webhook, reconciliation: all through [`check`]), and the
//! pages and routes around it.
//!
//! Completion: the store completes a case in the transaction that applies its first confirmed
//! payment (`apply_payment_status`), or at submission for a free or pay-later service. This
//! module never completes a case itself.

pub mod citizen;
pub mod clerk;
pub mod config;
pub mod reconcile;
pub mod simulated;
pub mod webhook;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use payments::{Cents, FeeItem, PaymentError, PaymentProvider, PaymentRequest};
use store::{
    Applied, AttemptCreated, CaseFee, NewAttempt, PaymentAttempt, StatusUpdate, Tenant, TenantId,
};
use uuid::Uuid;

use crate::state::AppState;

/// One municipality's way of collecting fees.
#[derive(Clone)]
pub struct TenantProvider {
    pub provider: Arc<dyn PaymentProvider>,
    pub pay_later: std::collections::BTreeSet<String>,
    pub booking_data: BTreeMap<String, String>,
}

/// The providers of all municipalities, by slug, built once at start-up.
#[derive(Clone, Default)]
pub struct Providers {
    by_slug: BTreeMap<String, TenantProvider>,
    /// The demo's simulation, for demo municipalities without a configured provider.
    simulated: Option<Arc<simulated::Simulated>>,
}

impl Providers {
    pub fn build(config: &crate::config::Config) -> anyhow::Result<Self> {
        let mut by_slug = BTreeMap::new();
        for (slug, tenant) in &config.payments {
            let provider = build_provider(&tenant.provider)
                .map_err(|e| anyhow::anyhow!("payments.{slug}: {e}"))?;
            by_slug.insert(
                slug.clone(),
                TenantProvider {
                    provider,
                    pay_later: tenant.pay_later.clone(),
                    booking_data: tenant.booking_data.clone(),
                },
            );
        }
        // The simulation exists only in demo mode: nothing else can create it.
        let simulated = config
            .demo
            .then(|| Arc::new(simulated::Simulated::default()));
        Ok(Self { by_slug, simulated })
    }

    /// The municipality's provider; in the demo, the simulation for a demo municipality
    /// without one.
    pub fn for_tenant(&self, tenant: &Tenant) -> Option<TenantProvider> {
        if let Some(p) = self.by_slug.get(&tenant.slug) {
            return Some(p.clone());
        }
        let sim = self.simulated.as_ref().filter(|_| tenant.demo)?;
        Some(TenantProvider {
            provider: sim.clone(),
            pay_later: std::collections::BTreeSet::new(),
            booking_data: BTreeMap::from([("haushaltsstelle".into(), "DEMO-1.1100".into())]),
        })
    }

    pub fn simulated(&self) -> Option<&Arc<simulated::Simulated>> {
        self.simulated.as_ref()
    }
}

fn build_provider(config: &config::ProviderConfig) -> anyhow::Result<Arc<dyn PaymentProvider>> {
    use config::ProviderConfig as P;
    let timeout = std::time::Duration::from_secs(15);
    Ok(match config {
        P::Stripe {
            secret_key,
            webhook_secrets,
            api_base,
            payment_method_types,
        } => Arc::new(payments::stripe::Stripe::new(
            payments::stripe::StripeConfig {
                secret_key: secret_key.expose().to_owned(),
                webhook_secrets: webhook_secrets
                    .iter()
                    .map(|s| s.expose().to_owned())
                    .collect(),
                api_base: api_base.clone(),
                payment_method_types: payment_method_types.clone(),
                timeout,
            },
        )?),
        P::Epaybl {
            base_url,
            originator_id,
            endpoint_id,
            client_cert_pem,
            client_key_pem,
            ca_cert_pem,
        } => Arc::new(payments::xbezahldienste::XBezahldienste::new(
            payments::xbezahldienste::XBezahldiensteConfig {
                base_url: base_url.clone(),
                originator_id: originator_id.clone(),
                endpoint_id: endpoint_id.clone(),
                auth: payments::xbezahldienste::Auth::MutualTls {
                    cert_pem: client_cert_pem.clone(),
                    key_pem: client_key_pem.expose().as_bytes().to_vec(),
                },
                server_ca_pem: ca_cert_pem.clone(),
                timeout,
            },
        )?),
        P::Pmpayment {
            base_url,
            originator_id,
            endpoint_id,
            token_url,
            client_id,
            client_secret,
            ca_cert_pem,
        } => Arc::new(payments::xbezahldienste::XBezahldienste::new(
            payments::xbezahldienste::XBezahldiensteConfig {
                base_url: base_url.clone(),
                originator_id: originator_id.clone(),
                endpoint_id: endpoint_id.clone(),
                auth: payments::xbezahldienste::Auth::ClientCredentials {
                    token_url: Some(token_url.clone()),
                    client_id: client_id.clone(),
                    client_secret: client_secret.expose().to_owned(),
                },
                server_ca_pem: ca_cert_pem.clone(),
                timeout,
            },
        )?),
    })
}

/// The fee of an application as the server computes it: from the form version, the answers
/// and the municipality's parameter values. Never from the browser. `Ok(None)`: nothing to
/// pay online; `Err`: the form declares a fee these answers do not give a payable amount for
/// (the submission is refused, never stored as free).
pub fn compute_fee(
    form: &forms::FormDefinition,
    answers: &forms::Answers,
    params: &forms::Params,
    lang: &str,
    pay_later: bool,
) -> Result<Option<CaseFee>, FeeInvalid> {
    let resolved = form.resolve_params(params);
    let due = match form.fee.assess(answers, &resolved) {
        forms::Assessed::Free => return Ok(None),
        forms::Assessed::Invalid => return Err(FeeInvalid),
        forms::Assessed::Due(due) => due,
    };
    let (Some(amount), Ok(quantity)) = (due.total(), u32::try_from(due.quantity)) else {
        return Err(FeeInvalid);
    };
    let title = form.title.get(lang).to_owned();
    let description = match &form.fee {
        forms::Fee::PerUnit { unit, .. } => format!("{title} ({})", unit.get(lang)),
        _ => title,
    };
    Ok(Some(CaseFee {
        amount: Cents(amount),
        currency: "EUR".into(),
        items: vec![FeeItem {
            description,
            quantity,
            unit_amount: Cents(due.unit_cents),
        }],
        pay_later,
    }))
}

/// A declared fee these answers give no payable amount for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeInvalid;

/// The expiry sent to the provider: the attempt's, but at least 31 minutes and less than 24
/// hours after it began (Stripe takes 30 minutes to 24 hours), both from the stored attempt so
/// a retry with the same key sends the same value.
fn provider_expiry(
    (created_at, expires_at): &(chrono::DateTime<Utc>, chrono::DateTime<Utc>),
) -> i64 {
    (*expires_at)
        .max(*created_at + chrono::Duration::minutes(31))
        .min(*created_at + chrono::Duration::hours(24) - chrono::Duration::minutes(5))
        .timestamp()
}

/// Whether a retry of an attempt the provider never answered may still send its stored
/// expiry: a provider that needs it at least 30 minutes ahead (Stripe) would refuse a retry
/// made later. Such an attempt is given up (expired) and a new one, with a new key, is begun;
/// nothing was charged on it, since the citizen never saw its page.
fn retry_in_time(attempt: &PaymentAttempt, now: chrono::DateTime<Utc>) -> bool {
    provider_expiry(&(attempt.created_at, attempt.expires_at))
        > (now + chrono::Duration::minutes(30) + chrono::Duration::seconds(30)).timestamp()
}

/// What became of starting a payment.
pub enum Started {
    /// The provider's page, to send the citizen to.
    Redirect(String),
    /// The case needs no (further) payment.
    NothingDue,
    /// The provider cannot be reached: try again later (the attempt and its key are kept, so
    /// the retry cannot charge twice).
    Unavailable,
    /// The provider refused (a configuration problem; logged).
    Refused,
    /// No provider for this municipality.
    NoProvider,
}

/// Starts (or resumes) paying a case's fee: an open attempt whose page is still valid is
/// reused; one the provider never answered is retried with the same idempotency key;
/// otherwise a new attempt is written, and only then is the provider called.
pub async fn start(
    state: &AppState,
    tenant: &Tenant,
    case: &store::Case,
    description: &str,
) -> anyhow::Result<Started> {
    let Some(payment) = state.store().case_payment(tenant.id, case.id).await? else {
        return Ok(Started::NothingDue);
    };
    let Some(fee) = payment.fee else {
        return Ok(Started::NothingDue);
    };
    let attempts = state.store().case_attempts(tenant.id, case.id).await?;
    if attempts.iter().any(|a| a.state.is_paid() && !a.refund_due) {
        return Ok(Started::NothingDue);
    }
    let Some(tp) = state.providers().for_tenant(tenant) else {
        return Ok(Started::NoProvider);
    };
    let now = Utc::now();
    let mut open = attempts
        .iter()
        .rev()
        .find(|a| a.state.is_open() && a.expires_at > now && a.provider == tp.provider.name());
    if let Some(a) = open
        && let Some(url) = &a.redirect_url
    {
        return Ok(Started::Redirect(url.clone()));
    }
    if let Some(a) = open
        && !retry_in_time(a, now)
    {
        state
            .store()
            .apply_payment_status(
                tenant.id,
                a.id,
                &StatusUpdate {
                    event: payments::PaymentEvent::Expired,
                    transaction_reference: None,
                    method: None,
                    actor: "system".into(),
                },
            )
            .await?;
        open = None;
    }
    let (attempt_id, attempt_expiry) = match open {
        Some(a) => (a.id, (a.created_at, a.expires_at)),
        None => {
            let id = Uuid::new_v4();
            let minutes = i64::from(state.config().payment_attempt_minutes);
            state
                .store()
                .create_attempt(
                    tenant.id,
                    &NewAttempt {
                        id,
                        case_id: case.id,
                        provider: tp.provider.name().to_owned(),
                        amount: fee.amount,
                        currency: fee.currency.clone(),
                        expires_at: now + chrono::Duration::minutes(minutes),
                        first_check_at: now
                            + chrono::Duration::seconds(i64::from(
                                state.config().payment_check_seconds,
                            )),
                    },
                )
                .await?;
            match state.store().attempt(tenant.id, id).await? {
                Some(a) => (id, (a.created_at, a.expires_at)),
                None => return Err(anyhow::anyhow!("attempt {id} vanished")),
            }
        }
    };
    let base = state.public_base();
    let back = format!(
        "{base}/{}/cases/{}/payment/return?attempt={attempt_id}",
        tenant.slug, case.id
    );
    let request = PaymentRequest {
        idempotency_key: attempt_id.hyphenated().to_string(),
        amount: fee.amount,
        currency: fee.currency.clone(),
        reference: case.reference.clone(),
        description: description.to_owned(),
        items: fee.items.clone(),
        return_url: back.clone(),
        cancel_url: format!("{back}&cancelled=1"),
        booking_data: tp.booking_data.clone(),
        expires_at: Some(provider_expiry(&attempt_expiry)),
    };
    match tp.provider.create(&request).await {
        Ok(created) => {
            state
                .store()
                .attempt_created(
                    tenant.id,
                    attempt_id,
                    &AttemptCreated {
                        provider_reference: created.provider_reference,
                        redirect_url: created.redirect_url.clone(),
                        transaction_reference: created.transaction_reference,
                    },
                )
                .await?;
            tracing::info!(tenant = %tenant.slug, attempt = %attempt_id, provider = tp.provider.name(), "payment started");
            Ok(Started::Redirect(created.redirect_url))
        }
        Err(PaymentError::Unavailable(e)) => {
            tracing::warn!(tenant = %tenant.slug, attempt = %attempt_id, error = %e, "payment provider unavailable");
            Ok(Started::Unavailable)
        }
        Err(e) => {
            tracing::error!(tenant = %tenant.slug, attempt = %attempt_id, error = %e, "payment provider refused to start a payment");
            Ok(Started::Refused)
        }
    }
}

/// Asks the provider about an attempt and applies the answer. The one way the provider's
/// word reaches the store (return page, webhook, reconciliation).
pub async fn check(
    state: &AppState,
    tenant_id: TenantId,
    tenant: &str,
    attempt: &PaymentAttempt,
    actor: &str,
) -> Result<Option<Applied>, PaymentError> {
    let Some(reference) = &attempt.provider_reference else {
        return Ok(None);
    };
    let catalogue = state.catalogue();
    let Some(t) = catalogue.tenant(tenant) else {
        return Ok(None);
    };
    let Some(tp) = state.providers().for_tenant(t) else {
        return Ok(None);
    };
    if tp.provider.name() != attempt.provider {
        // The municipality changed its provider; the old one is asked no more.
        return Ok(None);
    }
    let status = tp.provider.status(reference).await?;
    let applied = state
        .store()
        .apply_payment_status(
            tenant_id,
            attempt.id,
            &StatusUpdate {
                event: status.event,
                transaction_reference: status.transaction_reference,
                method: status.method,
                actor: actor.to_owned(),
            },
        )
        .await
        .map_err(|e| PaymentError::Unavailable(format!("store: {e}")))?;
    if let Some(a) = &applied {
        if a.from != a.to {
            tracing::info!(tenant = %tenant, attempt = %attempt.id, from = a.from.as_str(), to = a.to.as_str(), "payment state changed");
        }
        if a.completed {
            tracing::info!(tenant = %tenant, case = %attempt.case_id, "case complete: fee paid");
        }
        if a.refund_due && a.from != a.to {
            tracing::warn!(tenant = %tenant, attempt = %attempt.id, "a second payment for one case: due for refund");
        }
    }
    Ok(applied)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn grave() -> forms::FormDefinition {
        forms::FormDefinition::from_json(include_str!(
            "../../demo/forms/grabnutzungsrecht-verlaengerung.json"
        ))
        .unwrap()
    }

    fn years(n: &str) -> forms::Answers {
        forms::Answers(std::collections::BTreeMap::from([(
            "jahre".to_owned(),
            n.to_owned(),
        )]))
    }

    #[test]
    fn the_fee_comes_from_the_answers_and_the_municipalitys_rate() {
        let params =
            forms::Params::defaults().with("gebuehr_pro_jahr", forms::ParamValue::Int(4000));
        let fee = compute_fee(&grave(), &years("10"), &params, "de", false)
            .unwrap()
            .unwrap();
        assert_eq!(fee.amount, Cents(40_000));
        assert_eq!(fee.items[0].quantity, 10);
        assert_eq!(fee.items[0].unit_amount, Cents(4000));
    }

    #[test]
    fn a_fee_beyond_range_is_refused_never_free() {
        let params = forms::Params::defaults();
        for n in ["4294967296", "9223372036854775807", "-3", "zehn"] {
            assert_eq!(
                compute_fee(&grave(), &years(n), &params, "de", false),
                Err(FeeInvalid),
                "{n}"
            );
        }
        // A rate of 0 set by the municipality: nothing to pay.
        let free = forms::Params::defaults().with("gebuehr_pro_jahr", forms::ParamValue::Int(0));
        assert_eq!(
            compute_fee(&grave(), &years("10"), &free, "de", false),
            Ok(None)
        );
    }

    #[test]
    fn the_expiry_sent_to_the_provider_stays_within_30_minutes_and_24_hours() {
        let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let short = provider_expiry(&(t0, t0 + chrono::Duration::minutes(5)));
        assert_eq!(short, (t0 + chrono::Duration::minutes(31)).timestamp());
        let long = provider_expiry(&(t0, t0 + chrono::Duration::hours(30)));
        assert!(long < (t0 + chrono::Duration::hours(24)).timestamp());
    }
}
