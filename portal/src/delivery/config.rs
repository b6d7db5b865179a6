//! `[delivery]` (how the worker retries) and `[[delivery_targets.<municipality>]]` (where a
//! municipality's completed cases go) in the configuration file, and `[smtp]` for email.
//! A target's secrets come from the file or from files it names, never from the environment:
//! they are per municipality. The one exception is the installation's mail server
//! (`PORTAL_SMTP_URL`, `PORTAL_SMTP_URL_FILE`).

use std::path::PathBuf;

use serde::Deserialize;

use crate::config::{ConfigError, Secret};
// The same rules for secrets and files as a municipality's payment settings.
use crate::payment::config::{invalid, read, text_secret};

/// `[delivery]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryFile {
    /// After this many failed tries a delivery is given up and shown to admins (default 30).
    pub max_attempts: Option<u32>,
    /// The wait after the first failure, doubling each time (seconds, default 60).
    pub first_retry_seconds: Option<u32>,
    /// The longest wait between tries (seconds, default 3600).
    pub max_retry_seconds: Option<u32>,
    /// Every call to a target ends after this long (seconds, default 30).
    pub timeout_seconds: Option<u32>,
    /// How often an idle worker looks for due work (seconds, default 5).
    pub poll_seconds: Option<u32>,
}

/// The worker's settings, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliverySettings {
    pub max_attempts: u32,
    pub first_retry_seconds: u32,
    pub max_retry_seconds: u32,
    pub timeout_seconds: u32,
    pub poll_seconds: u32,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            max_attempts: 30,
            first_retry_seconds: 60,
            max_retry_seconds: 3600,
            timeout_seconds: 30,
            poll_seconds: 5,
        }
    }
}

impl DeliverySettings {
    /// How long one job may take in all: a connector makes several calls (FIT-Connect: token,
    /// destination, key, create, uploads, submit, event log), each ending after
    /// `timeout_seconds`.
    pub fn job_seconds(&self) -> u64 {
        u64::from(self.timeout_seconds) * 5 + 5
    }

    /// How long a worker holds a job: every job of a round ends inside it.
    pub fn lease_seconds(&self) -> i64 {
        i64::from(self.timeout_seconds) * 6 + 10
    }
}

pub fn settings(file: Option<DeliveryFile>) -> Result<DeliverySettings, ConfigError> {
    let d = DeliverySettings::default();
    let Some(f) = file else { return Ok(d) };
    let s = DeliverySettings {
        max_attempts: f.max_attempts.unwrap_or(d.max_attempts),
        first_retry_seconds: f.first_retry_seconds.unwrap_or(d.first_retry_seconds),
        max_retry_seconds: f.max_retry_seconds.unwrap_or(d.max_retry_seconds),
        timeout_seconds: f.timeout_seconds.unwrap_or(d.timeout_seconds),
        poll_seconds: f.poll_seconds.unwrap_or(d.poll_seconds),
    };
    if !(1..=1000).contains(&s.max_attempts) {
        return Err(invalid(
            "delivery.max_attempts",
            "must be between 1 and 1000",
        ));
    }
    if s.first_retry_seconds == 0 || s.max_retry_seconds < s.first_retry_seconds {
        return Err(invalid(
            "delivery.first_retry_seconds",
            "must be at least 1 and not above delivery.max_retry_seconds",
        ));
    }
    if s.max_retry_seconds > 86_400 {
        return Err(invalid(
            "delivery.max_retry_seconds",
            "must be at most 86400 (a day)",
        ));
    }
    if !(1..=300).contains(&s.timeout_seconds) {
        return Err(invalid(
            "delivery.timeout_seconds",
            "must be between 1 and 300",
        ));
    }
    if !(1..=3600).contains(&s.poll_seconds) {
        return Err(invalid(
            "delivery.poll_seconds",
            "must be between 1 and 3600",
        ));
    }
    Ok(s)
}

/// One `[[delivery_targets.<municipality>]]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    /// `[a-z0-9-]`, unique within the municipality; part of each delivery's idempotency key.
    pub name: Option<String>,
    /// `webhook`, `email`, `fit_connect`, `file_drop` or `pull_api`.
    pub kind: Option<String>,
    /// Service slugs this target receives; unset: every service of the municipality.
    pub services: Option<Vec<String>>,
    // webhook
    pub url: Option<String>,
    /// The HMAC key the signature is made with.
    pub secret: Option<String>,
    pub secret_file: Option<PathBuf>,
    /// Attachments up to this size in all are sent inline (base64), larger ones as links to
    /// the pull API (default 10 MiB).
    pub inline_max_bytes: Option<u64>,
    // email
    pub to: Option<Vec<String>>,
    // file_drop
    pub directory: Option<PathBuf>,
    // fit_connect
    pub destination_id: Option<String>,
    /// The Submission API's base address, e.g.
    /// `https://submission-api-testing.fit-connect.fitko.dev`.
    pub submission_api: Option<String>,
    /// The OAuth token endpoint, e.g. `https://auth-testing.fit-connect.fitko.dev/token`.
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    /// The root certificate (PEM) the destination's encryption key must chain to.
    pub trust_anchor_file: Option<PathBuf>,
    // pull_api
    /// SHA-256 (hex) of each bearer token that may call (several while a token is rotated).
    pub token_sha256: Option<Vec<String>>,
    /// Or the tokens themselves, one per line, in a file.
    pub tokens_file: Option<PathBuf>,
    /// What the tokens may do: `cases:read`, `cases:acknowledge`, `cases:status`
    /// (default: all three).
    pub scopes: Option<Vec<String>>,
}

/// A checked target.
#[derive(Clone, Debug)]
pub struct TargetConfig {
    pub name: String,
    pub services: Option<Vec<String>>,
    pub kind: TargetKind,
}

#[derive(Clone, Debug)]
pub enum TargetKind {
    Webhook(WebhookTarget),
    Email(EmailTarget),
    FitConnect(FitConnectTarget),
    FileDrop(FileDropTarget),
    PullApi(PullApiTarget),
}

impl TargetKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Webhook(_) => "webhook",
            Self::Email(_) => "email",
            Self::FitConnect(_) => "fit_connect",
            Self::FileDrop(_) => "file_drop",
            Self::PullApi(_) => "pull_api",
        }
    }
}

#[derive(Clone, Debug)]
pub struct WebhookTarget {
    pub url: String,
    pub secret: Secret,
    pub inline_max_bytes: u64,
}

#[derive(Clone, Debug)]
pub struct EmailTarget {
    pub to: Vec<lettre::Address>,
}

#[derive(Clone, Debug)]
pub struct FileDropTarget {
    pub directory: PathBuf,
}

#[derive(Clone)]
pub struct FitConnectTarget {
    pub destination_id: uuid::Uuid,
    pub submission_api: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// PEM.
    pub trust_anchor_pem: Vec<u8>,
}

impl std::fmt::Debug for FitConnectTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FitConnectTarget")
            .field("destination_id", &self.destination_id)
            .field("submission_api", &self.submission_api)
            .finish_non_exhaustive()
    }
}

/// The pull API's scopes.
pub const SCOPES: [&str; 3] = ["cases:read", "cases:acknowledge", "cases:status"];

#[derive(Clone)]
pub struct PullApiTarget {
    /// SHA-256 of each accepted token.
    pub token_hashes: Vec<[u8; 32]>,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for PullApiTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PullApiTarget")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

fn required<T>(name: &str, value: Option<T>) -> Result<T, ConfigError> {
    value.ok_or_else(|| invalid(name, "is required for this kind of target"))
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// Checks the targets of one municipality (files read now, so a wrong path stops start-up
/// instead of the first delivery).
pub fn tenant_targets(
    slug: &str,
    files: Vec<TargetFile>,
) -> Result<Vec<TargetConfig>, ConfigError> {
    let mut out: Vec<TargetConfig> = Vec::new();
    for (i, f) in files.into_iter().enumerate() {
        let at = format!("delivery_targets.{slug}[{i}]");
        let key = |k: &str| format!("{at}.{k}");
        let name = required(&key("name"), f.name)?;
        if name.is_empty()
            || name.len() > 40
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(invalid(
                &key("name"),
                "use 1 to 40 of a-z, 0-9 and -, e.g. \"gewerbeamt-webhook\"",
            ));
        }
        if out.iter().any(|t| t.name == name) {
            return Err(invalid(&key("name"), &format!("`{name}` is used twice")));
        }
        let kind_name = required(&key("kind"), f.kind)?;
        let kind = match kind_name.as_str() {
            "webhook" => {
                let url = required(&key("url"), f.url)?;
                crate::config::check_url_named(&key("url"), &url)?;
                let secret = text_secret(&key("secret"), f.secret, f.secret_file)?
                    .ok_or_else(|| invalid(&key("secret"), "the webhook needs a signing secret"))?;
                if secret.expose().len() < 32 {
                    return Err(invalid(
                        &key("secret"),
                        "must be at least 32 characters (e.g. `openssl rand -hex 32`)",
                    ));
                }
                TargetKind::Webhook(WebhookTarget {
                    url,
                    secret,
                    inline_max_bytes: f.inline_max_bytes.unwrap_or(10 * 1024 * 1024),
                })
            }
            "email" => {
                let to = required(&key("to"), f.to)?;
                if to.is_empty() {
                    return Err(invalid(&key("to"), "name at least one address"));
                }
                let to = to
                    .iter()
                    .map(|a| {
                        a.parse::<lettre::Address>()
                            .map_err(|_| invalid(&key("to"), &format!("`{a}` is not an address")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                TargetKind::Email(EmailTarget { to })
            }
            "file_drop" => {
                let directory = required(&key("directory"), f.directory)?;
                if !directory.is_dir() {
                    return Err(invalid(
                        &key("directory"),
                        &format!("{} is not a folder", directory.display()),
                    ));
                }
                TargetKind::FileDrop(FileDropTarget { directory })
            }
            "fit_connect" => {
                let destination_id = required(&key("destination_id"), f.destination_id)?;
                let destination_id = uuid::Uuid::parse_str(&destination_id)
                    .map_err(|_| invalid(&key("destination_id"), "expected a UUID"))?;
                let submission_api = required(&key("submission_api"), f.submission_api)?;
                crate::config::check_url_named(&key("submission_api"), &submission_api)?;
                let token_url = required(&key("token_url"), f.token_url)?;
                crate::config::check_url_named(&key("token_url"), &token_url)?;
                let client_id = required(&key("client_id"), f.client_id)?;
                let client_secret =
                    text_secret(&key("client_secret"), f.client_secret, f.client_secret_file)?
                        .ok_or_else(|| invalid(&key("client_secret"), "is required"))?;
                let anchor = required(&key("trust_anchor_file"), f.trust_anchor_file)?;
                TargetKind::FitConnect(FitConnectTarget {
                    destination_id,
                    submission_api: submission_api.trim_end_matches('/').to_owned(),
                    token_url,
                    client_id,
                    client_secret,
                    trust_anchor_pem: read(&key("trust_anchor_file"), &anchor)?,
                })
            }
            "pull_api" => {
                let mut token_hashes = Vec::new();
                for h in f.token_sha256.unwrap_or_default() {
                    let mut out = [0u8; 32];
                    if h.len() != 64 || hex_decode(&h, &mut out).is_none() {
                        return Err(invalid(&key("token_sha256"), "expected 64 hex digits"));
                    }
                    token_hashes.push(out);
                }
                if let Some(p) = f.tokens_file {
                    let text = String::from_utf8(read(&key("tokens_file"), &p)?)
                        .map_err(|_| invalid(&key("tokens_file"), "is not UTF-8 text"))?;
                    for t in text.lines().map(str::trim).filter(|t| !t.is_empty()) {
                        if t.len() < 32 {
                            return Err(invalid(
                                &key("tokens_file"),
                                "each token must be at least 32 characters",
                            ));
                        }
                        token_hashes.push(sha256(t.as_bytes()));
                    }
                }
                if token_hashes.is_empty() {
                    return Err(invalid(
                        &key("token_sha256"),
                        "the pull API needs at least one token (token_sha256 or tokens_file)",
                    ));
                }
                let scopes = f
                    .scopes
                    .unwrap_or_else(|| SCOPES.iter().map(|s| (*s).to_owned()).collect());
                if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
                    return Err(invalid(
                        &key("scopes"),
                        &format!("`{bad}` is not one of {}", SCOPES.join(", ")),
                    ));
                }
                // A target that cannot acknowledge would hold every case back from
                // `forwarded` for ever.
                for needed in ["cases:read", "cases:acknowledge"] {
                    if !scopes.iter().any(|s| s == needed) {
                        return Err(invalid(
                            &key("scopes"),
                            &format!(
                                "a pull target must have `{needed}`: it fetches and acknowledges \
                                 the cases queued for it"
                            ),
                        ));
                    }
                }
                TargetKind::PullApi(PullApiTarget {
                    token_hashes,
                    scopes,
                })
            }
            other => {
                return Err(invalid(
                    &key("kind"),
                    &format!(
                        "`{other}` is not one of webhook, email, fit_connect, file_drop, pull_api"
                    ),
                ));
            }
        };
        out.push(TargetConfig {
            name,
            services: f.services,
            kind,
        });
    }
    Ok(out)
}

fn hex_decode(s: &str, out: &mut [u8; 32]) -> Option<()> {
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(())
}

/// `[smtp]`: the mail server for the office emails and the citizens' emails.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpFile {
    /// `smtps://user:password@host:465`, `smtp://user:password@host:587?tls=required`, or
    /// `smtp://127.0.0.1:2525` (plain, loopback only).
    pub url: Option<String>,
    pub url_file: Option<PathBuf>,
    /// The sender, e.g. `"Bürgerportal <noreply@portal.example.de>"`.
    pub from: Option<String>,
}

#[derive(Clone)]
pub struct SmtpConfig {
    pub url: Secret,
    pub from: lettre::message::Mailbox,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// `url` and `from` from the environment (`PORTAL_SMTP_URL`, `PORTAL_SMTP_URL_FILE`,
/// `PORTAL_MAIL_FROM`) or the file.
pub fn smtp(
    env_url: Option<Secret>,
    env_from: Option<String>,
    file: Option<SmtpFile>,
) -> Result<Option<SmtpConfig>, ConfigError> {
    let file = file.unwrap_or_default();
    let url = match env_url {
        Some(u) => Some(u),
        None => text_secret("smtp.url", file.url, file.url_file)?,
    };
    let Some(url) = url else {
        if file.from.is_some() || env_from.is_some() {
            return Err(invalid(
                "PORTAL_SMTP_URL",
                "a sender is set but no mail server",
            ));
        }
        return Ok(None);
    };
    let parsed = reqwest::Url::parse(url.expose())
        .map_err(|_| invalid("PORTAL_SMTP_URL", "expected smtp://... or smtps://..."))?;
    let host = parsed.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let tls_required = parsed
        .query_pairs()
        .any(|(k, v)| k == "tls" && v == "required");
    match parsed.scheme() {
        "smtps" => {}
        "smtp" if tls_required || loopback => {}
        "smtp" => {
            return Err(invalid(
                "PORTAL_SMTP_URL",
                "plain smtp:// only for a loopback server; use smtps:// or add ?tls=required",
            ));
        }
        _ => {
            return Err(invalid(
                "PORTAL_SMTP_URL",
                "expected smtp://... or smtps://...",
            ));
        }
    }
    let from = env_from
        .or(file.from)
        .ok_or_else(|| invalid("PORTAL_MAIL_FROM", "the mail server needs a sender address"))?;
    let from = from
        .parse::<lettre::message::Mailbox>()
        .map_err(|_| invalid("PORTAL_MAIL_FROM", &format!("`{from}` is not an address")))?;
    Ok(Some(SmtpConfig { url, from }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> Result<Vec<TargetConfig>, ConfigError> {
        #[derive(Deserialize)]
        struct F {
            t: Vec<TargetFile>,
        }
        let f: F = toml::from_str(toml_text).map_err(|e| invalid("toml", e.message()))?;
        tenant_targets("werther", f.t)
    }

    #[test]
    fn a_webhook_needs_a_long_secret_and_a_safe_address() {
        let ok = parse(
            "[[t]]\nname = \"amt\"\nkind = \"webhook\"\nurl = \"https://amt.example/in\"\n\
             secret = \"0123456789abcdef0123456789abcdef\"\n",
        )
        .unwrap();
        assert_eq!(ok[0].kind.as_str(), "webhook");
        let short = parse(
            "[[t]]\nname = \"amt\"\nkind = \"webhook\"\nurl = \"https://amt.example/in\"\n\
             secret = \"short\"\n",
        );
        assert!(short.is_err());
        let plain = parse(
            "[[t]]\nname = \"amt\"\nkind = \"webhook\"\nurl = \"http://amt.example/in\"\n\
             secret = \"0123456789abcdef0123456789abcdef\"\n",
        );
        assert!(plain.is_err(), "plain http only on loopback");
    }

    #[test]
    fn target_names_are_checked_and_unique() {
        let bad = parse("[[t]]\nname = \"Amt 1\"\nkind = \"email\"\nto = [\"a@b.de\"]\n");
        assert!(bad.is_err());
        let twice = parse(
            "[[t]]\nname = \"amt\"\nkind = \"email\"\nto = [\"a@b.de\"]\n\
             [[t]]\nname = \"amt\"\nkind = \"email\"\nto = [\"c@b.de\"]\n",
        );
        assert!(twice.is_err());
        let unknown = parse("[[t]]\nname = \"amt\"\nkind = \"fax\"\n");
        assert!(unknown.is_err());
    }

    #[test]
    fn pull_api_tokens_are_kept_as_hashes_with_known_scopes() {
        let t = parse(&format!(
            "[[t]]\nname = \"fachverfahren\"\nkind = \"pull_api\"\ntoken_sha256 = [\"{}\"]\n",
            "ab".repeat(32)
        ))
        .unwrap();
        let TargetKind::PullApi(p) = &t[0].kind else {
            panic!("not a pull target")
        };
        assert_eq!(p.token_hashes[0], [0xab; 32]);
        assert_eq!(p.scopes.len(), 3);
        let bad = parse(&format!(
            "[[t]]\nname = \"x\"\nkind = \"pull_api\"\ntoken_sha256 = [\"{}\"]\nscopes = [\"all\"]\n",
            "ab".repeat(32)
        ));
        assert!(bad.is_err());
    }

    #[test]
    fn smtp_in_plain_text_only_on_loopback() {
        let from = Some("Portal <noreply@portal.example>".to_owned());
        assert!(
            smtp(
                Some(Secret::new("smtp://127.0.0.1:2525".into())),
                from.clone(),
                None
            )
            .is_ok()
        );
        assert!(
            smtp(
                Some(Secret::new("smtp://mail.example:25".into())),
                from.clone(),
                None
            )
            .is_err()
        );
        assert!(
            smtp(
                Some(Secret::new("smtp://mail.example:587?tls=required".into())),
                from,
                None
            )
            .is_ok()
        );
        assert!(smtp(Some(Secret::new("smtps://mail.example".into())), None, None).is_err());
    }
}
