//! The demo's simulated payment provider: a page inside the portal, clearly marked as a
//! simulation, with buttons for success, failure and cancel. It exists only in demo mode
//! ([`super::Providers::build`] makes it only then, and its routes are added only when it
//! exists). Its payments live in memory: after a restart it knows none of them, and the
//! reconciliation lets their attempts expire.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use leptos::prelude::*;
use payments::{
    Cents, CreatedPayment, PaymentError, PaymentEvent, PaymentProvider, PaymentRequest,
    PaymentStatus,
};

use crate::auth::csrf::{CsrfForm, CsrfRejection};
use crate::error::ErrorPage;
use crate::state::AppState;
use crate::web::PageCtx;

#[derive(Clone, Debug)]
struct SimPayment {
    event: PaymentEvent,
    amount: Cents,
    description: String,
    reference: String,
    return_url: String,
    cancel_url: String,
}

#[derive(Default)]
pub struct Simulated {
    payments: Mutex<HashMap<String, SimPayment>>,
    /// idempotency key -> provider reference
    keys: Mutex<HashMap<String, String>>,
}

impl Simulated {
    fn get(&self, reference: &str) -> Option<SimPayment> {
        self.payments
            .lock()
            .map(|p| p.get(reference).cloned())
            .unwrap_or_default()
    }

    fn set(&self, reference: &str, event: PaymentEvent) -> Option<SimPayment> {
        let mut payments = self.payments.lock().ok()?;
        let p = payments.get_mut(reference)?;
        // Like a real provider: a decided payment stays decided.
        if p.event == PaymentEvent::Pending {
            p.event = event;
        }
        Some(p.clone())
    }
}

#[async_trait::async_trait]
impl PaymentProvider for Simulated {
    fn name(&self) -> &'static str {
        "simulated"
    }

    async fn create(&self, request: &PaymentRequest) -> Result<CreatedPayment, PaymentError> {
        let mut keys = self
            .keys
            .lock()
            .map_err(|_| PaymentError::Unavailable("simulation poisoned".into()))?;
        let reference = keys
            .entry(request.idempotency_key.clone())
            .or_insert_with(|| format!("sim_{}", uuid::Uuid::new_v4().simple()))
            .clone();
        drop(keys);
        let mut payments = self
            .payments
            .lock()
            .map_err(|_| PaymentError::Unavailable("simulation poisoned".into()))?;
        payments
            .entry(reference.clone())
            .or_insert_with(|| SimPayment {
                event: PaymentEvent::Pending,
                amount: request.amount,
                description: request.description.clone(),
                reference: request.reference.clone(),
                return_url: request.return_url.clone(),
                cancel_url: request.cancel_url.clone(),
            });
        Ok(CreatedPayment {
            redirect_url: format!("/demo-payment/{reference}"),
            transaction_reference: Some(format!(
                "DEMO-KZ-{}",
                reference.get(4..12).unwrap_or_default().to_uppercase()
            )),
            provider_reference: reference,
        })
    }

    async fn status(&self, provider_reference: &str) -> Result<PaymentStatus, PaymentError> {
        let p = self.get(provider_reference).ok_or(PaymentError::NotFound)?;
        Ok(PaymentStatus {
            event: p.event,
            transaction_reference: None,
            method: (p.event == PaymentEvent::Paid).then(|| "simulation".to_owned()),
        })
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/demo-payment/{reference}", get(page).post(decide))
}

async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(reference): Path<String>,
) -> Response {
    let Some(sim) = state.providers().simulated() else {
        return ErrorPage::NotFound.into_response();
    };
    let Some(p) = sim.get(&reference) else {
        return ErrorPage::NotFound.into_response();
    };
    let lang = ctx.lang;
    let shell = ctx.shell(lang.t("sim-title").to_owned());
    let token = ctx.csrf.token();
    let amount = forms::format_eur(p.amount.0, lang.code());
    let decided = p.event != PaymentEvent::Pending;
    crate::views::page(
        &shell,
        StatusCode::OK,
        view! {
            <div class="panel simulation" role="note">
                <p><strong>{lang.t("sim-banner")}</strong></p>
            </div>
            <h1>{lang.t("sim-title")}</h1>
            <dl class="summary">
                <dt>{lang.t("sim-for")}</dt><dd>{p.description.clone()}</dd>
                <dt>{lang.t("payment-reference")}</dt><dd>{p.reference.clone()}</dd>
                <dt>{lang.t("payment-amount")}</dt><dd>{amount}</dd>
            </dl>
            {decided.then(|| view! { <p>{lang.t("sim-decided")}</p> })}
            <form method="post" action=format!("/demo-payment/{reference}") class="button-group">
                <input type="hidden" name="_csrf" value=token/>
                <button type="submit" name="outcome" value="paid" class="button">{lang.t("sim-pay")}</button>
                <button type="submit" name="outcome" value="failed" class="button button--secondary">{lang.t("sim-fail")}</button>
                <button type="submit" name="outcome" value="cancelled" class="button button--secondary">{lang.t("sim-cancel")}</button>
            </form>
        },
    )
}

async fn decide(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    posted: Result<CsrfForm, CsrfRejection>,
) -> Response {
    let CsrfForm(fields) = match posted {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let Some(sim) = state.providers().simulated() else {
        return ErrorPage::NotFound.into_response();
    };
    let outcome = fields
        .iter()
        .find(|(k, _)| k == "outcome")
        .map(|(_, v)| v.as_str());
    let event = match outcome {
        Some("paid") => PaymentEvent::Paid,
        Some("failed") => PaymentEvent::Failed,
        Some("cancelled") => PaymentEvent::Cancelled,
        _ => return ErrorPage::BadRequest.into_response(),
    };
    let Some(p) = sim.set(&reference, event) else {
        return ErrorPage::NotFound.into_response();
    };
    let back = if event == PaymentEvent::Cancelled {
        p.cancel_url
    } else {
        p.return_url
    };
    Redirect::to(&back).into_response()
}
