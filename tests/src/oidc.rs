//! A real OpenID provider for the login tests: `tests/oidc/provider.mjs`, which runs the
//! certified `oidc-provider` package from the npm registry (installed by scripts/test into
//! `OIDC_PROVIDER_DIR`, by default `~/.cache/ozg-portal/oidc-provider-<version>`). It listens
//! on 127.0.0.1 on a free port and is stopped when the handle is dropped.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The version scripts/test installs.
pub const OIDC_PROVIDER_VERSION: &str = "9.13.3";

/// The client the provider knows.
pub const CLIENT_ID: &str = "portal";
pub const CLIENT_SECRET: &str = "portal-secret";

/// Test people, by their pseudonymous `sub`.
pub const ANNA: &str = "pseudo-anna-7f3a";
pub const JONAS: &str = "pseudo-jonas-21c9";

pub struct TestOp {
    pub issuer: String,
    _child: Child,
}

fn provider_dir() -> PathBuf {
    match std::env::var_os("OIDC_PROVIDER_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let home = std::env::var_os("HOME").unwrap_or_default();
            PathBuf::from(home)
                .join(".cache/ozg-portal")
                .join(format!("oidc-provider-{OIDC_PROVIDER_VERSION}"))
        }
    }
}

impl TestOp {
    /// Starts the provider for a client whose callback is `redirect_uri`.
    pub async fn start(redirect_uri: &str, post_logout_redirect_uri: &str) -> TestOp {
        let dir = provider_dir();
        assert!(
            dir.join("node_modules/oidc-provider/package.json").exists(),
            "oidc-provider is not installed in {}: run scripts/test once (it installs it)",
            dir.display()
        );
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc/provider.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .arg(redirect_uri)
            .arg(post_logout_redirect_uri)
            .env("OIDC_PROVIDER_DIR", &dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start node (Node.js 20 or newer is needed for the login tests)");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(issuer) = line.strip_prefix("OP_READY ") {
                    return Some(issuer.to_owned());
                }
            }
            None
        })
        .await;
        let issuer = match ready {
            Ok(Some(issuer)) => issuer,
            Ok(None) => panic!("the OpenID provider ended before it was ready"),
            Err(_) => panic!("the OpenID provider did not start within 30 s"),
        };
        // Keep reading its stdout, so that it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        TestOp {
            issuer,
            _child: child,
        }
    }
}
