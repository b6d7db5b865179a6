//! Real peers as separate processes on loopback, for the delivery tests: the webhook
//! receiver (tests/peers/webhook_receiver.py, standard library only) and an SMTP server
//! (aiosmtpd from PyPI, tests/peers/smtp.py). Their records are the truth a test checks.

#![allow(clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

fn peer_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("peers")
        .join(name)
}

/// Starts a peer and waits for its "listening on 127.0.0.1:<port>" line; returns the port.
async fn spawn_peer(mut cmd: Command, what: &str) -> (Child, u16) {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot run python3 ({e}); install Python 3.9+"));
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let wait = async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(port) = line.strip_prefix("listening on 127.0.0.1:") {
                return port.trim().parse::<u16>().ok();
            }
        }
        None
    };
    match tokio::time::timeout(Duration::from_secs(30), wait).await {
        Ok(Some(port)) => (child, port),
        _ => {
            let _ = child.kill().await;
            let out = child.wait_with_output().await.ok();
            let err = out
                .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
                .unwrap_or_default();
            panic!("{what} did not start:\n{err}");
        }
    }
}

/// Faults the webhook receiver plays.
#[derive(Clone, Copy, Debug, Default)]
pub struct Faults {
    /// Share of calls answered 500 without storing.
    pub fail_rate: f64,
    /// Share of calls stored and then answered too late.
    pub timeout_rate: f64,
    pub timeout_seconds: f64,
    pub seed: u64,
}

pub struct WebhookReceiver {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
    faults: Faults,
}

impl WebhookReceiver {
    pub async fn start(secret: &str, faults: Faults) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("secret"), secret).expect("secret file");
        let mut me = Self {
            child: None,
            port: 0,
            dir,
            faults,
        };
        me.launch().await;
        me
    }

    async fn launch(&mut self) {
        let mut cmd = Command::new("python3");
        cmd.arg(peer_script("webhook_receiver.py"))
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--secret-file")
            .arg(self.dir.path().join("secret"))
            .arg("--record")
            .arg(self.record_path())
            .arg("--fail-rate")
            .arg(self.faults.fail_rate.to_string())
            .arg("--timeout-rate")
            .arg(self.faults.timeout_rate.to_string())
            .arg("--timeout-seconds")
            .arg(self.faults.timeout_seconds.to_string())
            .arg("--seed")
            .arg(self.faults.seed.to_string());
        let (child, port) = spawn_peer(cmd, "the webhook receiver").await;
        self.child = Some(child);
        self.port = port;
    }

    fn record_path(&self) -> PathBuf {
        self.dir.path().join("received.jsonl")
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/cases", self.port)
    }

    /// Down: nothing listens on its port until `restart`.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Up again on the same port, with the same record.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.launch().await;
    }

    /// Everything the receiver recorded, in order.
    pub fn records(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.record_path())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The keys of the cases it accepted with a valid signature.
    pub fn accepted_keys(&self) -> BTreeSet<String> {
        self.records()
            .iter()
            .filter(|r| r["valid"] == true)
            .filter_map(|r| r["key"].as_str().map(str::to_owned))
            .collect()
    }
}

/// aiosmtpd with a maildir.
pub struct SmtpServer {
    _child: Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let maildir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut cmd = Command::new("python3");
        cmd.arg(peer_script("smtp.py"))
            .arg("--port")
            .arg(port.to_string())
            .arg("--maildir")
            .arg(maildir.path().join("mail"));
        if let Ok(p) = std::env::var("AIOSMTPD_PATH") {
            cmd.env("AIOSMTPD_PATH", p);
        }
        let (child, port) = spawn_peer(
            cmd,
            "aiosmtpd (scripts/test installs it; or `pip install aiosmtpd`)",
        )
        .await;
        Self {
            _child: child,
            port,
            maildir,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, raw.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.path().join("mail").join(sub)) else {
                continue;
            };
            for e in entries.flatten() {
                if let Ok(bytes) = std::fs::read(e.path()) {
                    out.push(bytes);
                }
            }
        }
        out
    }

    /// Waits until at least `n` messages arrived (up to `secs` seconds).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Vec<u8>> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let m = self.messages();
            if m.len() >= n || tokio::time::Instant::now() > deadline {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
