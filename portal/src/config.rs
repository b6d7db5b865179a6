//! Configuration: defaults, then an optional TOML file, then a fixed list of environment
//! variables (documented in docs/configuration.md). Built once in `main`, passed in state.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The TOML file. Every key is optional; an unknown key is an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub database_url_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub demo: Option<bool>,
    pub secret_key: Option<String>,
    pub secret_key_file: Option<PathBuf>,
    pub log_format: Option<LogFormat>,
    pub staff_session_hours: Option<u32>,
    pub citizen_session_days: Option<u32>,
    pub draft_days: Option<u32>,
    pub public_url: Option<String>,
    pub staff_lockout_seconds: Option<u32>,
    /// The citizens' identity provider (OpenID Connect).
    pub oidc: Option<OidcFile>,
    pub citizen_login_idle_minutes: Option<u32>,
    pub citizen_login_hours: Option<u32>,
    /// `"municipality/service" = "substantial"`: a municipality raises a service's trust level
    /// above its form's (never lowers it).
    pub trust_levels: Option<std::collections::BTreeMap<String, String>>,
    /// The staff's identity provider (OpenID Connect), beside the local password accounts.
    pub staff_oidc: Option<StaffOidcFile>,
    /// `[payments.<municipality>]`: how a municipality collects its fees.
    pub payments: Option<std::collections::BTreeMap<String, crate::payment::config::PaymentFile>>,
    /// How long a citizen has to pay one attempt before it expires (minutes, default 60).
    pub payment_attempt_minutes: Option<u32>,
    /// How soon the reconciliation first asks the provider about a new payment, and how
    /// often it looks for due work (seconds, default 120).
    pub payment_check_seconds: Option<u32>,
    /// `[delivery]`: how the worker retries deliveries.
    pub delivery: Option<crate::delivery::config::DeliveryFile>,
    /// `[[delivery_targets.<municipality>]]`: where a municipality's completed cases go.
    pub delivery_targets:
        Option<std::collections::BTreeMap<String, Vec<crate::delivery::config::TargetFile>>>,
    /// `[smtp]`: the mail server for office and citizen emails.
    pub smtp: Option<crate::delivery::config::SmtpFile>,
}

/// `[staff_oidc]` in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffOidcFile {
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    /// Where roles come from: `"claim"` (default; the roles claim, at every login) or
    /// `"admin"` (an administrator assigns them in the portal).
    pub roles: Option<String>,
    /// The claim listing the roles (`clerk:<slug>`, `tenant_admin:<slug>`,
    /// `federation_admin`); default `portal_roles`.
    pub roles_claim: Option<String>,
    /// The claim naming the account; default `preferred_username` (then `email`).
    pub username_claim: Option<String>,
    /// `[staff_oidc.municipalities.<slug>]`: a municipality's own login requirements, and
    /// optionally its own identity provider.
    pub municipalities: Option<std::collections::BTreeMap<String, StaffOidcMunicipalityFile>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffOidcMunicipalityFile {
    /// The login's `amr` must hold at least one of these, else the municipality's roles are
    /// not granted (e.g. `["mfa", "otp", "hwk"]`).
    pub required_amr: Option<Vec<String>>,
    /// The municipality's own identity provider for its staff (as `[staff_oidc]`); its
    /// logins grant roles in this municipality only.
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    pub roles: Option<String>,
    /// Values `clerk`, `tenant_admin` (or `clerk:<slug>`, `tenant_admin:<slug>` of this
    /// municipality); default `portal_roles`.
    pub roles_claim: Option<String>,
    pub username_claim: Option<String>,
}

/// `[oidc]` in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcFile {
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    /// The `acr` values that count as each trust level.
    pub acr: Option<AcrFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcrFile {
    pub low: Option<Vec<String>>,
    pub substantial: Option<Vec<String>>,
    pub high: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines (the default on a terminal).
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Self {
        Self(s)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bind: SocketAddr,
    /// `None`: the SQLite file `portal.db` in `data_dir`.
    pub database_url: Option<Secret>,
    pub data_dir: PathBuf,
    pub demo: bool,
    /// Demo mode was asked for by name (`PORTAL_DEMO=true` or `demo = true`), not inferred.
    pub demo_explicit: bool,
    /// `None`: generated once and kept in `data_dir/secret.key`.
    pub secret_key: Option<Secret>,
    pub log_format: LogFormat,
    pub staff_session_hours: u32,
    pub citizen_session_days: u32,
    /// How long a saved draft can be resumed.
    pub draft_days: u32,
    /// The address citizens reach the portal at, e.g. `https://portal.example.de` (no
    /// trailing slash); used for links shown or sent to them. `None`: the address the
    /// request came to (fine for the demo on loopback).
    pub public_url: Option<String>,
    /// How long the fifth failed login in a row locks a staff account; every further failure
    /// doubles it, up to an hour.
    pub staff_lockout_seconds: u32,
    /// The citizens' identity provider; `None`: the demo's own provider in demo mode, else no
    /// citizen login (services that need one cannot be started).
    pub oidc: Option<OidcConfig>,
    /// Which `acr` values count as which trust level.
    pub acr: AcrMap,
    /// A citizen's login ends after this long without a request...
    pub citizen_login_idle_minutes: u32,
    /// ...and this long after it began, whatever happens.
    pub citizen_login_hours: u32,
    /// Trust levels municipalities raised, by `municipality/service`.
    pub trust_levels: std::collections::BTreeMap<String, forms::TrustLevel>,
    /// The staff's identity provider; `None`: local password accounts only.
    pub staff_oidc: Option<StaffOidcConfig>,
    /// Each municipality's payment provider, by slug (the demo's simulation where none).
    pub payments: std::collections::BTreeMap<String, crate::payment::config::TenantPayments>,
    pub payment_attempt_minutes: u32,
    pub payment_check_seconds: u32,
    pub delivery: crate::delivery::config::DeliverySettings,
    /// By municipality slug.
    pub delivery_targets:
        std::collections::BTreeMap<String, Vec<crate::delivery::config::TargetConfig>>,
    pub smtp: Option<crate::delivery::config::SmtpConfig>,
}

/// Staff login through OpenID Connect providers (the administrations' own, not the
/// citizens' broker): one for the installation, and municipalities' own.
#[derive(Clone, Debug, Default)]
pub struct StaffOidcConfig {
    /// The installation's provider (`PORTAL_STAFF_OIDC_*`, `[staff_oidc]`).
    pub installation: Option<StaffProvider>,
    /// Municipalities' own providers, by slug (`[staff_oidc.municipalities.<slug>]`).
    pub municipalities: std::collections::BTreeMap<String, StaffProvider>,
    /// By municipality slug: `amr` values of which a login needs one for that municipality's
    /// roles.
    pub required_amr: std::collections::BTreeMap<String, Vec<String>>,
}

/// One staff identity provider and the portal's client there.
#[derive(Clone, Debug)]
pub struct StaffProvider {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// The claim whose values grant roles; `None`: administrators assign the roles in the
    /// portal (`roles = "admin"`).
    pub roles_claim: Option<String>,
    /// The claim naming the account; `email` when it is missing.
    pub username_claim: String,
}

/// The relying party's registration at the identity provider.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// Exactly as the provider's discovery document names it.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
}

/// The `acr` values of each trust level. Defaults: STORK-QAA levels and eIDAS LoA URIs as
/// BundID-style brokers send them (../shared/PROTOCOLS.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcrMap {
    pub low: Vec<String>,
    pub substantial: Vec<String>,
    pub high: Vec<String>,
}

impl Default for AcrMap {
    fn default() -> Self {
        let v = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        Self {
            low: v(&[
                "STORK-QAA-Level-1",
                "STORK-QAA-Level-2",
                "http://eidas.europa.eu/LoA/low",
            ]),
            substantial: v(&[
                "STORK-QAA-Level-3",
                "http://eidas.europa.eu/LoA/substantial",
            ]),
            high: v(&["STORK-QAA-Level-4", "http://eidas.europa.eu/LoA/high"]),
        }
    }
}

impl AcrMap {
    /// The trust level an `acr` value stands for; `None` for a value not configured.
    pub fn level(&self, acr: &str) -> Option<forms::TrustLevel> {
        use forms::TrustLevel;
        [
            (TrustLevel::High, &self.high),
            (TrustLevel::Substantial, &self.substantial),
            (TrustLevel::Low, &self.low),
        ]
        .into_iter()
        .find(|(_, values)| values.iter().any(|v| v == acr))
        .map(|(level, _)| level)
    }

    /// The values to ask for when at least `level` is needed, best first: every value of that
    /// level and above (`acr_values` lists what is acceptable, in order of preference).
    pub fn at_least(&self, level: forms::TrustLevel) -> Vec<&str> {
        use forms::TrustLevel;
        let mut out = Vec::new();
        for (l, values) in [
            (TrustLevel::Low, &self.low),
            (TrustLevel::Substantial, &self.substantial),
            (TrustLevel::High, &self.high),
        ] {
            if l >= level {
                out.extend(values.iter().map(String::as_str));
            }
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{name}: {message}")]
    Invalid { name: String, message: String },
}

/// Where settings come from; `std::env::var` in production, a map in tests.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl Env for std::collections::HashMap<&str, &str> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| (*v).to_owned())
    }
}

impl Config {
    /// Loads the configuration: `config_file` (from `--config`) wins over `PORTAL_CONFIG`.
    pub fn load(config_file: Option<&Path>, env: &dyn Env) -> Result<Self, ConfigError> {
        let path = config_file
            .map(Path::to_path_buf)
            .or_else(|| env.var("PORTAL_CONFIG").map(PathBuf::from));
        let file = match &path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                toml::from_str::<FileConfig>(&text).map_err(|e| ConfigError::Parse {
                    path: path.clone(),
                    message: e.message().to_owned(),
                })?
            }
            None => FileConfig::default(),
        };
        Self::build(path.is_some(), file, env)
    }

    fn build(has_file: bool, file: FileConfig, env: &dyn Env) -> Result<Self, ConfigError> {
        let bind_text = env
            .var("PORTAL_BIND")
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let bind = bind_text
            .parse::<SocketAddr>()
            .map_err(|_| invalid("PORTAL_BIND", "expected an address like 127.0.0.1:8080"))?;

        let database_url = secret(
            env,
            "PORTAL_DATABASE_URL",
            file.database_url,
            file.database_url_file,
            "database_url_file",
        )?;

        let data_dir = env
            .var("PORTAL_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./data"));

        let demo_setting = match env.var("PORTAL_DEMO") {
            Some(v) => Some(parse_bool("PORTAL_DEMO", &v)?),
            None => file.demo,
        };
        // Demo mode: asked for by name, or inferred when nothing at all is configured.
        let demo = demo_setting.unwrap_or(!has_file && database_url.is_none());
        let demo_explicit = demo_setting == Some(true);
        if demo && !demo_explicit && !bind.ip().is_loopback() {
            return Err(invalid(
                "PORTAL_BIND",
                "demo mode listens on loopback only (127.0.0.1 or ::1); set PORTAL_DEMO=true \
                 to run the demo on another address on purpose",
            ));
        }

        let secret_key = secret(
            env,
            "PORTAL_SECRET_KEY",
            file.secret_key,
            file.secret_key_file,
            "secret_key_file",
        )?;
        if let Some(k) = &secret_key
            && k.len() < 32
        {
            return Err(invalid(
                "PORTAL_SECRET_KEY",
                "must be at least 32 characters (e.g. `openssl rand -hex 32`)",
            ));
        }

        let log_format = match env.var("PORTAL_LOG_FORMAT").as_deref() {
            Some("json") => LogFormat::Json,
            Some("text") => LogFormat::Text,
            Some(_) => return Err(invalid("PORTAL_LOG_FORMAT", "expected `text` or `json`")),
            None => file.log_format.unwrap_or_default(),
        };

        let staff_session_hours = file.staff_session_hours.unwrap_or(8);
        let citizen_session_days = file.citizen_session_days.unwrap_or(7);
        let draft_days = file.draft_days.unwrap_or(30);
        if draft_days == 0 {
            return Err(invalid("draft_days", "must be at least 1"));
        }
        let public_url = env
            .var("PORTAL_PUBLIC_URL")
            .or(file.public_url)
            .map(|u| u.trim_end_matches('/').to_owned());
        if let Some(url) = &public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(invalid(
                "PORTAL_PUBLIC_URL",
                "expected an address like https://portal.example.de",
            ));
        }
        let staff_lockout_seconds = file.staff_lockout_seconds.unwrap_or(60);
        if !(1..=3600).contains(&staff_lockout_seconds) {
            return Err(invalid(
                "staff_lockout_seconds",
                "must be between 1 and 3600 (an hour)",
            ));
        }
        if staff_session_hours == 0 || citizen_session_days == 0 {
            return Err(invalid(
                "staff_session_hours / citizen_session_days",
                "must be at least 1",
            ));
        }

        let (oidc, acr) = oidc(env, file.oidc)?;
        if oidc.is_some() && public_url.is_none() && !demo {
            return Err(invalid(
                "PORTAL_PUBLIC_URL",
                "citizen login needs the portal's public address (the provider sends citizens \
                 back to PORTAL_PUBLIC_URL/login/callback)",
            ));
        }
        let citizen_login_idle_minutes = file.citizen_login_idle_minutes.unwrap_or(30);
        let citizen_login_hours = file.citizen_login_hours.unwrap_or(12);
        if citizen_login_idle_minutes == 0 || citizen_login_hours == 0 {
            return Err(invalid(
                "citizen_login_idle_minutes / citizen_login_hours",
                "must be at least 1",
            ));
        }
        let staff_oidc = staff_oidc(env, file.staff_oidc)?;
        if staff_oidc.is_some() && public_url.is_none() && !demo {
            return Err(invalid(
                "PORTAL_PUBLIC_URL",
                "staff login through the identity provider needs the portal's public address \
                 (the provider sends staff back to PORTAL_PUBLIC_URL/staff/login/callback)",
            ));
        }
        let mut trust_levels = std::collections::BTreeMap::new();
        for (key, level) in file.trust_levels.unwrap_or_default() {
            if key.split('/').count() != 2 {
                return Err(invalid(
                    "trust_levels",
                    &format!(
                        "`{key}`: expected \"municipality/service\", e.g. \"werther/gewerbeanmeldung\""
                    ),
                ));
            }
            let level: forms::TrustLevel =
                level.parse().map_err(|e: forms::UnknownTrustLevel| {
                    invalid("trust_levels", &format!("`{key}`: {e}"))
                })?;
            trust_levels.insert(key, level);
        }

        let mut payments = std::collections::BTreeMap::new();
        for (slug, payment) in file.payments.unwrap_or_default() {
            payments.insert(
                slug.clone(),
                crate::payment::config::tenant_payments(&slug, payment)?,
            );
        }
        let payment_attempt_minutes = file.payment_attempt_minutes.unwrap_or(60);
        // Stripe closes a Checkout Session after 24 hours at the latest.
        if !(5..=1440).contains(&payment_attempt_minutes) {
            return Err(invalid(
                "payment_attempt_minutes",
                "must be between 5 and 1440 (24 hours)",
            ));
        }

        let payment_check_seconds = file.payment_check_seconds.unwrap_or(120);
        if !(1..=3600).contains(&payment_check_seconds) {
            return Err(invalid(
                "payment_check_seconds",
                "must be between 1 second and 1 hour",
            ));
        }

        let delivery = crate::delivery::config::settings(file.delivery)?;
        let mut delivery_targets = std::collections::BTreeMap::new();
        for (slug, targets) in file.delivery_targets.unwrap_or_default() {
            let checked = crate::delivery::config::tenant_targets(&slug, targets)?;
            delivery_targets.insert(slug, checked);
        }
        let smtp_url = secret(env, "PORTAL_SMTP_URL", None, None, "smtp.url_file")?;
        let smtp = crate::delivery::config::smtp(
            smtp_url.map(Secret::new),
            env.var("PORTAL_MAIL_FROM"),
            file.smtp,
        )?;

        Ok(Self {
            delivery,
            delivery_targets,
            smtp,
            payments,
            payment_attempt_minutes,
            payment_check_seconds,
            staff_oidc,
            oidc,
            acr,
            citizen_login_idle_minutes,
            citizen_login_hours,
            trust_levels,
            bind,
            database_url: database_url.map(Secret::new),
            data_dir,
            demo,
            demo_explicit,
            secret_key: secret_key.map(Secret::new),
            log_format,
            staff_session_hours,
            citizen_session_days,
            draft_days,
            public_url,
            staff_lockout_seconds,
        })
    }

    /// The database URL to open: the configured one, or the SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_owned(),
            None => store::sqlite_url_in(&self.data_dir),
        }
    }
}

/// The identity provider's settings, from the environment over the file's `[oidc]` table.
fn oidc(
    env: &dyn Env,
    file: Option<OidcFile>,
) -> Result<(Option<OidcConfig>, AcrMap), ConfigError> {
    let file = file.unwrap_or_default();
    let mut acr = AcrMap::default();
    if let Some(a) = file.acr {
        for (list, given) in [
            (&mut acr.low, a.low),
            (&mut acr.substantial, a.substantial),
            (&mut acr.high, a.high),
        ] {
            if let Some(given) = given {
                *list = given;
            }
        }
    }
    let issuer = env.var("PORTAL_OIDC_ISSUER").or(file.issuer);
    let client_id = env.var("PORTAL_OIDC_CLIENT_ID").or(file.client_id);
    let client_secret = secret(
        env,
        "PORTAL_OIDC_CLIENT_SECRET",
        file.client_secret,
        file.client_secret_file,
        "oidc.client_secret_file",
    )?;
    let Some(issuer) = issuer else {
        if client_id.is_some() || client_secret.is_some() {
            return Err(invalid(
                "PORTAL_OIDC_ISSUER",
                "a client id or secret is set but no issuer",
            ));
        }
        return Ok((None, acr));
    };
    check_issuer(&issuer)?;
    let (Some(client_id), Some(client_secret)) = (client_id, client_secret) else {
        return Err(invalid(
            "PORTAL_OIDC_CLIENT_ID / PORTAL_OIDC_CLIENT_SECRET",
            "the issuer is set, so the client id and secret the provider gave the portal are needed too",
        ));
    };
    Ok((
        Some(OidcConfig {
            issuer,
            client_id,
            client_secret: Secret::new(client_secret),
        }),
        acr,
    ))
}

/// The staff's identity providers: the installation's from the environment over the file's
/// `[staff_oidc]`, and the municipalities' own from `[staff_oidc.municipalities.<slug>]`.
fn staff_oidc(
    env: &dyn Env,
    file: Option<StaffOidcFile>,
) -> Result<Option<StaffOidcConfig>, ConfigError> {
    let file = file.unwrap_or_default();
    let installation = staff_provider(
        "staff_oidc",
        "PORTAL_STAFF_OIDC_",
        ProviderFile {
            issuer: env.var("PORTAL_STAFF_OIDC_ISSUER").or(file.issuer),
            client_id: env.var("PORTAL_STAFF_OIDC_CLIENT_ID").or(file.client_id),
            client_secret: secret(
                env,
                "PORTAL_STAFF_OIDC_CLIENT_SECRET",
                file.client_secret,
                file.client_secret_file,
                "staff_oidc.client_secret_file",
            )?,
            roles: env.var("PORTAL_STAFF_OIDC_ROLES").or(file.roles),
            roles_claim: file.roles_claim,
            username_claim: file.username_claim,
        },
    )?;
    let mut config = StaffOidcConfig {
        installation,
        ..StaffOidcConfig::default()
    };
    for (slug, municipality) in file.municipalities.unwrap_or_default() {
        let section = format!("staff_oidc.municipalities.{slug}");
        let own = staff_provider(
            &section,
            &format!("{section}."),
            ProviderFile {
                issuer: municipality.issuer,
                client_id: municipality.client_id,
                client_secret: file_secret(
                    municipality.client_secret,
                    municipality.client_secret_file,
                    &format!("{section}.client_secret_file"),
                )?,
                roles: municipality.roles,
                roles_claim: municipality.roles_claim,
                username_claim: municipality.username_claim,
            },
        )?;
        if let Some(own) = own {
            config.municipalities.insert(slug.clone(), own);
        }
        let Some(list) = municipality.required_amr else {
            continue;
        };
        if list.is_empty() || list.iter().any(|v| v.trim().is_empty()) {
            return Err(invalid(
                &format!("{section}.required_amr"),
                "list at least one amr value, e.g. [\"mfa\", \"otp\", \"hwk\"]",
            ));
        }
        config.required_amr.insert(slug, list);
    }
    if config.installation.is_none() && config.municipalities.is_empty() {
        if !config.required_amr.is_empty() {
            return Err(invalid(
                "PORTAL_STAFF_OIDC_ISSUER",
                "required_amr is given but no staff identity provider",
            ));
        }
        return Ok(None);
    }
    Ok(Some(config))
}

/// One staff provider's settings as given.
struct ProviderFile {
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    roles: Option<String>,
    roles_claim: Option<String>,
    username_claim: Option<String>,
}

/// A staff provider, named in messages by `prefix` (`PORTAL_STAFF_OIDC_` or
/// `staff_oidc.municipalities.<slug>.`); `None` when nothing of it is given.
fn staff_provider(
    section: &str,
    prefix: &str,
    given: ProviderFile,
) -> Result<Option<StaffProvider>, ConfigError> {
    let name = |key: &str| {
        if prefix.ends_with('_') {
            format!("{prefix}{}", key.to_uppercase())
        } else {
            format!("{prefix}{key}")
        }
    };
    let Some(issuer) = given.issuer else {
        if given.client_id.is_some() || given.client_secret.is_some() {
            return Err(invalid(
                &name("issuer"),
                "staff login settings are given but no issuer",
            ));
        }
        return Ok(None);
    };
    check_issuer_named(&name("issuer"), &issuer)?;
    let (Some(client_id), Some(client_secret)) = (given.client_id, given.client_secret) else {
        return Err(invalid(
            &format!("{} / {}", name("client_id"), name("client_secret")),
            "the staff issuer is set, so the client id and secret the provider gave the portal \
             are needed too",
        ));
    };
    let claim = |key: &str, given: Option<String>, default: &str| {
        let value = given.unwrap_or_else(|| default.to_owned());
        if value.trim().is_empty() {
            Err(invalid(&format!("{section}.{key}"), "must name a claim"))
        } else {
            Ok(value)
        }
    };
    let roles_claim = match given.roles.as_deref().unwrap_or("claim") {
        "claim" => Some(claim("roles_claim", given.roles_claim, "portal_roles")?),
        "admin" => None,
        _ => {
            return Err(invalid(
                &name("roles"),
                "is \"claim\" (the roles claim grants the roles) or \"admin\" (administrators \
                 assign them in the portal)",
            ));
        }
    };
    Ok(Some(StaffProvider {
        issuer,
        client_id,
        client_secret: Secret::new(client_secret),
        roles_claim,
        username_claim: claim("username_claim", given.username_claim, "preferred_username")?,
    }))
}

/// An issuer is an `https` URL; plain `http` only on a loopback address (a provider on the
/// same machine, as in tests and the demo).
pub fn check_issuer(issuer: &str) -> Result<(), ConfigError> {
    check_issuer_named("PORTAL_OIDC_ISSUER", issuer)
}

/// [`check_issuer`], with the setting's name in the message.
fn check_issuer_named(name: &str, issuer: &str) -> Result<(), ConfigError> {
    if reqwest::Url::parse(issuer).is_err() {
        return Err(invalid(
            name,
            "expected an address like https://id.example.de/realms/portal",
        ));
    }
    check_url_named(name, issuer)
}

/// An outside service's address: `https`, or plain `http` only on a loopback address (a
/// provider on the same machine, as in tests and the demo).
pub fn check_url_named(name: &str, address: &str) -> Result<(), ConfigError> {
    let url = reqwest::Url::parse(address)
        .map_err(|_| invalid(name, "expected an address like https://pay.example.de/api"))?;
    let loopback = match url.host() {
        Some(openidconnect::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(invalid(
            name,
            "must use https (plain http only for a provider on 127.0.0.1, ::1 or localhost)",
        )),
        _ => Err(invalid(name, "expected an https address")),
    }
}

fn invalid(name: &str, message: &str) -> ConfigError {
    ConfigError::Invalid {
        name: name.to_owned(),
        message: message.to_owned(),
    }
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid(name, "expected true or false")),
    }
}

/// A secret setting: `NAME`, then `NAME_FILE` from the environment, then the file's value,
/// then the file's `*_file` key.
fn secret(
    env: &dyn Env,
    name: &str,
    from_file: Option<String>,
    path_from_file: Option<PathBuf>,
    file_key: &str,
) -> Result<Option<String>, ConfigError> {
    if let Some(v) = env.var(name) {
        return Ok(Some(v));
    }
    let file_var = format!("{name}_FILE");
    if let Some(p) = env.var(&file_var) {
        return read_secret_file(&file_var, Path::new(&p)).map(Some);
    }
    file_secret(from_file, path_from_file, file_key)
}

/// A secret given only in the file: itself, or the file named by `file_key`.
fn file_secret(
    value: Option<String>,
    path: Option<PathBuf>,
    file_key: &str,
) -> Result<Option<String>, ConfigError> {
    match (value, path) {
        (Some(v), _) => Ok(Some(v)),
        (None, Some(p)) => read_secret_file(file_key, &p).map(Some),
        (None, None) => Ok(None),
    }
}

fn read_secret_file(name: &str, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .map_err(|e| invalid(name, &format!("cannot read {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn build(file: &str, env: &[(&'static str, &'static str)]) -> Result<Config, ConfigError> {
        let env: HashMap<&str, &str> = env.iter().copied().collect();
        let parsed: FileConfig = toml::from_str(file).map_err(|e| ConfigError::Parse {
            path: PathBuf::from("test.toml"),
            message: e.message().to_owned(),
        })?;
        Config::build(!file.is_empty(), parsed, &env)
    }

    #[test]
    fn nothing_configured_means_demo_on_loopback_with_sqlite_in_data_dir() {
        let c = build("", &[]).expect("defaults");
        assert!(c.demo);
        assert!(!c.demo_explicit);
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url(), "sqlite://./data/portal.db");
    }

    #[test]
    fn a_database_url_turns_demo_off() {
        let c = build("", &[("PORTAL_DATABASE_URL", "postgres://x@h/db")]).expect("ok");
        assert!(!c.demo);
    }

    #[test]
    fn demo_can_be_asked_for_explicitly_on_postgres() {
        let c = build(
            "",
            &[
                ("PORTAL_DATABASE_URL", "postgres://x@h/db"),
                ("PORTAL_DEMO", "true"),
            ],
        )
        .expect("ok");
        assert!(c.demo && c.demo_explicit);
    }

    #[test]
    fn inferred_demo_refuses_a_public_address() {
        let err = build("", &[("PORTAL_BIND", "0.0.0.0:8080")]).expect_err("must refuse");
        assert!(err.to_string().contains("loopback"));
        let ok = build(
            "",
            &[("PORTAL_BIND", "0.0.0.0:8080"), ("PORTAL_DEMO", "true")],
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn a_config_file_turns_demo_off_and_environment_wins_over_file() {
        let c = build(
            "bind = \"127.0.0.1:9000\"\ndata_dir = \"/srv/portal\"",
            &[("PORTAL_BIND", "127.0.0.1:9100")],
        )
        .expect("ok");
        assert!(!c.demo);
        assert_eq!(c.bind.port(), 9100);
        assert_eq!(c.data_dir, PathBuf::from("/srv/portal"));
    }

    #[test]
    fn a_typo_in_the_config_file_is_an_error() {
        let err = build("bnid = \"127.0.0.1:9000\"", &[]).expect_err("unknown key");
        assert!(err.to_string().contains("bnid"), "{err}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let c = build(
            "",
            &[
                (
                    "PORTAL_SECRET_KEY",
                    "0123456789abcdef0123456789abcdef-geheim",
                ),
                ("PORTAL_DATABASE_URL", "postgres://u:pw@h/db"),
            ],
        )
        .expect("ok");
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("geheim") && !debug.contains("pw@"),
            "{debug}"
        );
    }

    #[test]
    fn the_staff_lockout_defaults_to_a_minute_and_stays_within_an_hour() {
        assert_eq!(build("", &[]).expect("ok").staff_lockout_seconds, 60);
        let c = build("staff_lockout_seconds = 1", &[]).expect("ok");
        assert_eq!(c.staff_lockout_seconds, 1);
        for bad in ["staff_lockout_seconds = 0", "staff_lockout_seconds = 3601"] {
            let err = build(bad, &[]).expect_err(bad);
            assert!(err.to_string().contains("staff_lockout_seconds"), "{err}");
        }
    }

    #[test]
    fn an_identity_provider_over_plain_http_is_refused_unless_on_loopback() {
        let env = |issuer: &'static str| {
            vec![
                ("PORTAL_OIDC_ISSUER", issuer),
                ("PORTAL_OIDC_CLIENT_ID", "portal"),
                ("PORTAL_OIDC_CLIENT_SECRET", "s3cret"),
                ("PORTAL_PUBLIC_URL", "https://portal.example.de"),
            ]
        };
        let err = build("", &env("http://id.example.de/realms/x")).expect_err("plain http");
        assert!(err.to_string().contains("https"), "{err}");
        for ok in [
            "https://id.example.de/realms/x",
            "http://127.0.0.1:9000",
            "http://[::1]:9000/op",
            "http://localhost:9000",
        ] {
            let c = build("", &env(ok)).expect(ok);
            assert_eq!(c.oidc.expect("configured").issuer, ok);
        }
    }

    #[test]
    fn citizen_login_needs_client_credentials_and_outside_the_demo_a_public_url() {
        let err = build(
            "",
            &[
                ("PORTAL_OIDC_ISSUER", "https://id.example.de"),
                ("PORTAL_DATABASE_URL", "postgres://x@h/db"),
            ],
        )
        .expect_err("no client");
        assert!(err.to_string().contains("CLIENT_ID"), "{err}");
        let err = build(
            "",
            &[
                ("PORTAL_OIDC_ISSUER", "https://id.example.de"),
                ("PORTAL_OIDC_CLIENT_ID", "portal"),
                ("PORTAL_OIDC_CLIENT_SECRET", "s3cret"),
                ("PORTAL_DATABASE_URL", "postgres://x@h/db"),
            ],
        )
        .expect_err("no public url");
        assert!(err.to_string().contains("PORTAL_PUBLIC_URL"), "{err}");
        let debug = format!(
            "{:?}",
            build(
                "",
                &[
                    ("PORTAL_OIDC_ISSUER", "https://id.example.de"),
                    ("PORTAL_OIDC_CLIENT_ID", "portal"),
                    ("PORTAL_OIDC_CLIENT_SECRET", "s3cret-value"),
                ],
            )
            .expect("demo needs no public url")
        );
        assert!(!debug.contains("s3cret-value"), "{debug}");
    }

    #[test]
    fn acr_values_map_to_trust_levels_with_the_bundid_defaults_and_can_be_configured() {
        use forms::TrustLevel;
        let c = build("", &[]).expect("defaults");
        assert_eq!(c.acr.level("STORK-QAA-Level-1"), Some(TrustLevel::Low));
        assert_eq!(
            c.acr.level("STORK-QAA-Level-3"),
            Some(TrustLevel::Substantial)
        );
        assert_eq!(
            c.acr.level("http://eidas.europa.eu/LoA/high"),
            Some(TrustLevel::High)
        );
        assert_eq!(c.acr.level("something-else"), None);
        assert_eq!(
            c.acr.at_least(TrustLevel::Substantial),
            [
                "STORK-QAA-Level-3",
                "http://eidas.europa.eu/LoA/substantial",
                "STORK-QAA-Level-4",
                "http://eidas.europa.eu/LoA/high"
            ]
        );
        let c = build("[oidc.acr]\nhigh = [\"urn:example:loa:4\"]", &[]).expect("custom");
        assert_eq!(c.acr.level("urn:example:loa:4"), Some(TrustLevel::High));
        assert_eq!(c.acr.level("STORK-QAA-Level-4"), None);
    }

    #[test]
    fn a_municipality_raises_a_trust_level_by_service() {
        let c = build(
            "[trust_levels]\n\"werther/gewerbeanmeldung\" = \"high\"",
            &[],
        )
        .expect("ok");
        assert_eq!(
            c.trust_levels.get("werther/gewerbeanmeldung"),
            Some(&forms::TrustLevel::High)
        );
        assert!(build("[trust_levels]\n\"werther\" = \"high\"", &[]).is_err());
        assert!(build("[trust_levels]\n\"a/b\" = \"very\"", &[]).is_err());
    }

    #[test]
    fn staff_login_through_a_provider_is_configured_like_the_citizens_one() {
        let env = |issuer: &'static str| {
            vec![
                ("PORTAL_STAFF_OIDC_ISSUER", issuer),
                ("PORTAL_STAFF_OIDC_CLIENT_ID", "portal-staff"),
                ("PORTAL_STAFF_OIDC_CLIENT_SECRET", "staff-s3cret"),
                ("PORTAL_PUBLIC_URL", "https://portal.example.de"),
            ]
        };
        assert!(build("", &[]).expect("defaults").staff_oidc.is_none());
        let err = build("", &env("http://id.example.de/realms/x")).expect_err("plain http");
        assert!(
            err.to_string().contains("PORTAL_STAFF_OIDC_ISSUER"),
            "{err}"
        );
        assert!(err.to_string().contains("https"), "{err}");
        for ok in [
            "https://id.example.de/realms/staff",
            "http://127.0.0.1:9000",
        ] {
            let c = build("", &env(ok)).expect(ok);
            let staff = c.staff_oidc.expect("configured");
            assert!(staff.required_amr.is_empty());
            assert!(staff.municipalities.is_empty());
            let staff = staff.installation.expect("the installation's provider");
            assert_eq!(staff.issuer, ok);
            assert_eq!(staff.roles_claim.as_deref(), Some("portal_roles"));
            assert_eq!(staff.username_claim, "preferred_username");
            // The citizens' login is a separate matter.
            assert!(c.oidc.is_none());
        }
        let debug = format!(
            "{:?}",
            build("", &env("https://id.example.de")).expect("ok")
        );
        assert!(!debug.contains("staff-s3cret"), "{debug}");
    }

    #[test]
    fn staff_login_needs_client_credentials_and_outside_the_demo_a_public_url() {
        let err = build(
            "",
            &[
                ("PORTAL_STAFF_OIDC_ISSUER", "https://id.example.de"),
                ("PORTAL_DATABASE_URL", "postgres://x@h/db"),
            ],
        )
        .expect_err("no client");
        assert!(
            err.to_string().contains("PORTAL_STAFF_OIDC_CLIENT_ID"),
            "{err}"
        );
        let err = build(
            "",
            &[
                ("PORTAL_STAFF_OIDC_ISSUER", "https://id.example.de"),
                ("PORTAL_STAFF_OIDC_CLIENT_ID", "portal-staff"),
                ("PORTAL_STAFF_OIDC_CLIENT_SECRET", "s3cret"),
                ("PORTAL_DATABASE_URL", "postgres://x@h/db"),
            ],
        )
        .expect_err("no public url");
        assert!(err.to_string().contains("PORTAL_PUBLIC_URL"), "{err}");
        let err = build("", &[("PORTAL_STAFF_OIDC_CLIENT_ID", "portal-staff")])
            .expect_err("a client without an issuer");
        assert!(
            err.to_string().contains("PORTAL_STAFF_OIDC_ISSUER"),
            "{err}"
        );
    }

    #[test]
    fn staff_login_claims_and_municipalities_come_from_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let secret_file = dir.path().join("staff-secret");
        std::fs::write(&secret_file, "from-a-file\n").expect("write");
        let file = format!(
            "demo = true\n\
             [staff_oidc]\n\
             issuer = \"https://id.kreis.example/realms/staff\"\n\
             client_id = \"portal-staff\"\n\
             client_secret_file = \"{}\"\n\
             roles_claim = \"groups\"\n\
             username_claim = \"upn\"\n\
             [staff_oidc.municipalities.ellrich]\n\
             required_amr = [\"mfa\", \"otp\", \"hwk\"]\n",
            secret_file.display()
        );
        let parsed: FileConfig = toml::from_str(&file).expect("parse");
        let env: HashMap<&str, &str> = HashMap::new();
        let c = Config::build(true, parsed, &env).expect("ok");
        let staff = c.staff_oidc.expect("configured");
        assert_eq!(
            staff.required_amr.get("ellrich").map(Vec::as_slice),
            Some(["mfa".to_owned(), "otp".to_owned(), "hwk".to_owned()].as_slice())
        );
        let staff = staff.installation.expect("the installation's provider");
        assert_eq!(staff.client_secret.expose(), "from-a-file");
        assert_eq!(staff.roles_claim.as_deref(), Some("groups"));
        assert_eq!(staff.username_claim, "upn");
        let err = build(
            "[staff_oidc]\nissuer = \"https://id.example.de\"\nclient_id = \"c\"\n\
             client_secret = \"s\"\n[staff_oidc.municipalities.werther]\nrequired_amr = []",
            &[("PORTAL_DEMO", "true")],
        )
        .expect_err("an empty list");
        assert!(err.to_string().contains("required_amr"), "{err}");
        assert!(build("[staff_oidc]\nisuer = \"x\"", &[]).is_err());
    }

    #[test]
    fn a_municipality_may_bring_its_own_staff_provider_whose_roles_admins_assign() {
        let dir = tempfile::tempdir().expect("temp dir");
        let secret_file = dir.path().join("werther-secret");
        std::fs::write(&secret_file, "werther-s3cret\n").expect("write");
        let file = format!(
            "[staff_oidc.municipalities.werther]\n\
             issuer = \"https://login.werther.example/realms/rathaus\"\n\
             client_id = \"portal\"\n\
             client_secret_file = \"{}\"\n\
             roles = \"admin\"\n\
             required_amr = [\"mfa\"]\n\
             [staff_oidc.municipalities.ellrich]\n\
             issuer = \"https://id.ellrich.example\"\n\
             client_id = \"portal\"\n\
             client_secret = \"e\"\n",
            secret_file.display()
        );
        let c = build(&file, &[("PORTAL_DEMO", "true")]).expect("ok");
        let staff = c.staff_oidc.as_ref().expect("configured");
        assert!(
            staff.installation.is_none(),
            "no installation-wide provider needed"
        );
        let werther = &staff.municipalities["werther"];
        assert_eq!(werther.client_secret.expose(), "werther-s3cret");
        assert_eq!(werther.roles_claim, None, "administrators assign the roles");
        assert_eq!(
            staff.municipalities["ellrich"].roles_claim.as_deref(),
            Some("portal_roles")
        );
        assert_eq!(staff.required_amr["werther"], vec!["mfa".to_owned()]);
        assert!(!format!("{c:?}").contains("werther-s3cret"));

        let err = build(
            "[staff_oidc.municipalities.werther]\nissuer = \"https://id.example\"\n\
             client_id = \"c\"\nclient_secret = \"s\"\nroles = \"groups\"",
            &[("PORTAL_DEMO", "true")],
        )
        .expect_err("an unknown role source");
        assert!(
            err.to_string()
                .contains("staff_oidc.municipalities.werther.roles"),
            "{err}"
        );
        let err = build(
            "[staff_oidc.municipalities.werther]\nclient_id = \"c\"",
            &[("PORTAL_DEMO", "true")],
        )
        .expect_err("a client without an issuer");
        assert!(
            err.to_string()
                .contains("staff_oidc.municipalities.werther.issuer"),
            "{err}"
        );
        let err = build(
            "[staff_oidc.municipalities.werther]\nissuer = \"http://id.example\"\n\
             client_id = \"c\"\nclient_secret = \"s\"",
            &[("PORTAL_DEMO", "true")],
        )
        .expect_err("plain http");
        assert!(err.to_string().contains("https"), "{err}");
        let err = build(
            "[staff_oidc.municipalities.werther]\nrequired_amr = [\"mfa\"]",
            &[("PORTAL_DEMO", "true")],
        )
        .expect_err("a requirement without any provider");
        assert!(err.to_string().contains("required_amr"), "{err}");
    }

    #[test]
    fn a_short_secret_key_is_refused() {
        assert!(build("", &[("PORTAL_SECRET_KEY", "short")]).is_err());
    }
}
