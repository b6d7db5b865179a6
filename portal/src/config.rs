//! Configuration: defaults, then an optional TOML file, then a fixed list of environment
//! variables (documented in docs/configuration.md). Built once in `main`, passed in state.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Environment variables the portal reads. A fixed list, not derived from the file's keys.
pub const ENV_VARS: &[&str] = &[
    "PORTAL_CONFIG",
    "PORTAL_BIND",
    "PORTAL_DATABASE_URL",
    "PORTAL_DATABASE_URL_FILE",
    "PORTAL_DATA_DIR",
    "PORTAL_DEMO",
    "PORTAL_SECRET_KEY",
    "PORTAL_SECRET_KEY_FILE",
    "PORTAL_LOG_FORMAT",
    "PORTAL_PUBLIC_URL",
];

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

        Ok(Self {
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
    match (from_file, path_from_file) {
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
    fn a_short_secret_key_is_refused() {
        assert!(build("", &[("PORTAL_SECRET_KEY", "short")]).is_err());
    }
}
