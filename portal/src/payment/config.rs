//! `[payments.<municipality>]` in the configuration file: which provider a municipality
//! collects its fees through, with its secrets (from the file or from files it names, never
//! from the environment: they are per municipality), which services may be submitted with the
//! fee still open, and the booking data for the cash office.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Deserialize;

use crate::config::{ConfigError, Secret};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentFile {
    /// `stripe`, `epaybl` or `pmpayment`.
    pub provider: Option<String>,
    /// Service slugs that may be submitted with the fee still open ("pay later").
    pub pay_later: Option<Vec<String>>,
    /// Booking data passed to the provider and shown in the cash office export
    /// (e.g. `haushaltsstelle`, `objektnummer`).
    pub booking_data: Option<BTreeMap<String, String>>,
    // Stripe
    pub secret_key: Option<String>,
    pub secret_key_file: Option<PathBuf>,
    pub webhook_secrets: Option<Vec<String>>,
    /// One secret per line (several while a secret is rotated).
    pub webhook_secrets_file: Option<PathBuf>,
    /// Stripe's API address; only for tests against a local server.
    pub api_base: Option<String>,
    /// e.g. `["card", "sepa_debit"]`; unset: the methods enabled in the Stripe account.
    pub payment_method_types: Option<Vec<String>>,
    // XBezahldienste (ePayBL, pmPayment)
    pub base_url: Option<String>,
    pub originator_id: Option<String>,
    pub endpoint_id: Option<String>,
    /// ePayBL: the client certificate and its key (PEM). Both: `ca_cert_file`, the platform's
    /// CA (PEM) if it is not in the system's trust store.
    pub client_cert_file: Option<PathBuf>,
    pub client_key_file: Option<PathBuf>,
    pub ca_cert_file: Option<PathBuf>,
    /// pmPayment: OAuth2 client credentials.
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    /// pmPayment: the token endpoint; default `{base_url}/oauth/token/`.
    pub token_url: Option<String>,
}

#[derive(Clone)]
pub enum ProviderConfig {
    Stripe {
        secret_key: Secret,
        webhook_secrets: Vec<Secret>,
        api_base: Option<String>,
        payment_method_types: Option<Vec<String>>,
    },
    Epaybl {
        base_url: String,
        originator_id: String,
        endpoint_id: String,
        client_cert_pem: Vec<u8>,
        client_key_pem: Secret,
        ca_cert_pem: Option<Vec<u8>>,
    },
    Pmpayment {
        base_url: String,
        originator_id: String,
        endpoint_id: String,
        token_url: String,
        client_id: String,
        client_secret: Secret,
        ca_cert_pem: Option<Vec<u8>>,
    },
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names and addresses only; every secret stays out.
        match self {
            Self::Stripe { api_base, .. } => f
                .debug_struct("Stripe")
                .field("api_base", api_base)
                .finish_non_exhaustive(),
            Self::Epaybl { base_url, .. } => f
                .debug_struct("Epaybl")
                .field("base_url", base_url)
                .finish_non_exhaustive(),
            Self::Pmpayment { base_url, .. } => f
                .debug_struct("Pmpayment")
                .field("base_url", base_url)
                .finish_non_exhaustive(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct TenantPayments {
    pub provider: ProviderConfig,
    pub pay_later: BTreeSet<String>,
    pub booking_data: BTreeMap<String, String>,
}

pub(crate) fn invalid(name: &str, message: &str) -> ConfigError {
    ConfigError::Invalid {
        name: name.to_owned(),
        message: message.to_owned(),
    }
}

pub(crate) fn read(name: &str, path: &PathBuf) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|e| invalid(name, &format!("cannot read {}: {e}", path.display())))
}

/// A secret given in the file or in a file it names (not both), trimmed.
pub(crate) fn text_secret(
    name: &str,
    value: Option<String>,
    file: Option<PathBuf>,
) -> Result<Option<Secret>, ConfigError> {
    match (value, file) {
        (Some(_), Some(_)) => Err(invalid(name, "give the value or a file, not both")),
        (Some(v), None) => Ok(Some(Secret::new(v))),
        (None, Some(p)) => {
            let bytes = read(&format!("{name}_file"), &p)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| invalid(&format!("{name}_file"), "is not UTF-8 text"))?;
            Ok(Some(Secret::new(text.trim().to_owned())))
        }
        (None, None) => Ok(None),
    }
}

/// An API address: `https`, or plain `http` only on a loopback address (tests).
fn check_url(name: &str, url: &str) -> Result<(), ConfigError> {
    crate::config::check_url_named(name, url)
}

fn required(name: &str, value: Option<String>) -> Result<String, ConfigError> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| invalid(name, "is required for this provider"))
}

/// Checks and reads `[payments.<slug>]` (secrets and certificates loaded now, so a wrong
/// path stops start-up instead of the first payment).
pub fn tenant_payments(slug: &str, file: PaymentFile) -> Result<TenantPayments, ConfigError> {
    let key = |k: &str| format!("payments.{slug}.{k}");
    let provider_name = required(&key("provider"), file.provider)?;
    let provider = match provider_name.as_str() {
        "stripe" => {
            let secret_key =
                text_secret(&key("secret_key"), file.secret_key, file.secret_key_file)?
                    .ok_or_else(|| {
                        invalid(&key("secret_key"), "Stripe needs the account's secret key")
                    })?;
            let mut webhook_secrets: Vec<Secret> = file
                .webhook_secrets
                .unwrap_or_default()
                .into_iter()
                .map(Secret::new)
                .collect();
            if let Some(p) = &file.webhook_secrets_file {
                let bytes = read(&key("webhook_secrets_file"), p)?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| invalid(&key("webhook_secrets_file"), "is not UTF-8 text"))?;
                webhook_secrets.extend(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(|l| Secret::new(l.to_owned())),
                );
            }
            if webhook_secrets.is_empty() {
                return Err(invalid(
                    &key("webhook_secrets"),
                    "Stripe needs the webhook endpoint's signing secret (whsec_...)",
                ));
            }
            if let Some(base) = &file.api_base {
                check_url(&key("api_base"), base)?;
            }
            ProviderConfig::Stripe {
                secret_key,
                webhook_secrets,
                api_base: file.api_base,
                payment_method_types: file.payment_method_types,
            }
        }
        "epaybl" | "pmpayment" => {
            let base_url = required(&key("base_url"), file.base_url)?;
            check_url(&key("base_url"), &base_url)?;
            let originator_id = required(&key("originator_id"), file.originator_id)?;
            let endpoint_id = required(&key("endpoint_id"), file.endpoint_id)?;
            if provider_name == "epaybl" {
                let cert = file.client_cert_file.ok_or_else(|| {
                    invalid(
                        &key("client_cert_file"),
                        "ePayBL needs the client certificate (PEM)",
                    )
                })?;
                let key_file = file.client_key_file.ok_or_else(|| {
                    invalid(&key("client_key_file"), "ePayBL needs the client key (PEM)")
                })?;
                let client_key_pem =
                    String::from_utf8(read(&key("client_key_file"), &key_file)?)
                        .map_err(|_| invalid(&key("client_key_file"), "is not a PEM file"))?;
                ProviderConfig::Epaybl {
                    base_url,
                    originator_id,
                    endpoint_id,
                    client_cert_pem: read(&key("client_cert_file"), &cert)?,
                    client_key_pem: Secret::new(client_key_pem),
                    ca_cert_pem: file
                        .ca_cert_file
                        .as_ref()
                        .map(|p| read(&key("ca_cert_file"), p))
                        .transpose()?,
                }
            } else {
                let client_id = required(&key("client_id"), file.client_id)?;
                let client_secret = text_secret(
                    &key("client_secret"),
                    file.client_secret,
                    file.client_secret_file,
                )?
                .ok_or_else(|| {
                    invalid(&key("client_secret"), "pmPayment needs the client secret")
                })?;
                let token_url = file
                    .token_url
                    .unwrap_or_else(|| format!("{}/oauth/token/", base_url.trim_end_matches('/')));
                check_url(&key("token_url"), &token_url)?;
                ProviderConfig::Pmpayment {
                    base_url,
                    originator_id,
                    endpoint_id,
                    token_url,
                    client_id,
                    client_secret,
                    ca_cert_pem: file
                        .ca_cert_file
                        .as_ref()
                        .map(|p| read(&key("ca_cert_file"), p))
                        .transpose()?,
                }
            }
        }
        other => {
            return Err(invalid(
                &key("provider"),
                &format!("`{other}`: expected stripe, epaybl or pmpayment"),
            ));
        }
    };
    Ok(TenantPayments {
        provider,
        pay_later: file.pay_later.unwrap_or_default().into_iter().collect(),
        booking_data: file.booking_data.unwrap_or_default(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TenantPayments, ConfigError> {
        let file: PaymentFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: "test.toml".into(),
            message: e.message().to_owned(),
        })?;
        tenant_payments("werther", file)
    }

    #[test]
    fn a_stripe_account_needs_its_key_and_a_webhook_secret() {
        let ok = parse(
            "provider = \"stripe\"\nsecret_key = \"sk_test_1\"\n\
             webhook_secrets = [\"whsec_old\", \"whsec_new\"]\npay_later = [\"grab\"]",
        )
        .unwrap();
        match &ok.provider {
            ProviderConfig::Stripe {
                webhook_secrets, ..
            } => assert_eq!(webhook_secrets.len(), 2),
            other => panic!("{other:?}"),
        }
        assert!(ok.pay_later.contains("grab"));
        let missing = parse("provider = \"stripe\"\nsecret_key = \"sk_test_1\"").unwrap_err();
        assert!(missing.to_string().contains("webhook"), "{missing}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let ok = parse(
            "provider = \"pmpayment\"\nbase_url = \"https://pay.example.de/api\"\n\
             originator_id = \"o\"\nendpoint_id = \"e\"\nclient_id = \"c\"\n\
             client_secret = \"very-secret\"",
        )
        .unwrap();
        let shown = format!("{ok:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        match ok.provider {
            ProviderConfig::Pmpayment { token_url, .. } => {
                assert_eq!(token_url, "https://pay.example.de/api/oauth/token/")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_plain_http_platform_is_refused_unless_on_loopback() {
        let remote = parse(
            "provider = \"pmpayment\"\nbase_url = \"http://pay.example.de\"\n\
             originator_id = \"o\"\nendpoint_id = \"e\"\nclient_id = \"c\"\nclient_secret = \"s\"",
        )
        .unwrap_err();
        assert!(remote.to_string().contains("https"), "{remote}");
        parse(
            "provider = \"pmpayment\"\nbase_url = \"http://127.0.0.1:9999\"\n\
             originator_id = \"o\"\nendpoint_id = \"e\"\nclient_id = \"c\"\nclient_secret = \"s\"",
        )
        .unwrap();
    }

    #[test]
    fn an_unknown_provider_or_key_is_an_error() {
        assert!(parse("provider = \"paypal\"").is_err());
        assert!(parse("provider = \"stripe\"\nsecret = \"x\"").is_err());
        assert!(parse("pay_later = []").is_err(), "provider is required");
    }
}
