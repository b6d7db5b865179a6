//! The black-box test harness: the real `portal` binary on a random port, against a fresh
//! SQLite file or a fresh PostgreSQL database, driven over HTTP like a browser would.
//!
//! The binary is `target/<profile>/portal` next to the test executable (or `PORTAL_BIN`);
//! the README's test command builds it before the tests run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod chrome;
pub mod evil_op;
pub mod fake_fit_connect;
pub mod fake_stripe;
pub mod fake_xbezahldienste;
pub mod oidc;
pub mod peers;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::Connection;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub use browser::{Browser, Page};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs one async test story against both databases:
/// `both_databases!(citizen_files_an_application);` makes `..::sqlite` and `..::postgres`.
#[macro_export]
macro_rules! both_databases {
    ($($story:ident),* $(,)?) => {
        $(
            mod $story {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$story($crate::Db::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$story($crate::Db::Postgres).await
                }
            }
        )*
    };
}

pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub fn portal_binary() -> PathBuf {
    if let Ok(bin) = std::env::var("PORTAL_BIN") {
        return PathBuf::from(bin);
    }
    // target/<profile>/deps/<test exe> -> target/<profile>/portal
    let exe = std::env::current_exe().expect("test executable path");
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("portal"))
        .expect("target folder");
    assert!(
        bin.exists(),
        "the portal binary is missing at {}: run `cargo build -p portal` first (scripts/test does)",
        bin.display()
    );
    bin
}

/// A database the portal under test uses; dropped (PostgreSQL) or deleted (SQLite) at stop.
pub struct TestDb {
    pub kind: Db,
    pub url: String,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn create(kind: Db, dir: &std::path::Path) -> Self {
        match kind {
            Db::Sqlite => Self {
                kind,
                url: format!("sqlite://{}", dir.join("portal.db").display()),
                pg_name: None,
            },
            Db::Postgres => {
                let name = format!("portal_bb_{}", uuid::Uuid::new_v4().simple());
                let admin = postgres_admin_url();
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is needed for these tests and is not reachable at {admin}: {e}. \
                         Start one (scripts/test does) or set TEST_POSTGRES_URL."
                    )
                });
                sqlx::query(&format!("create database {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let url = match admin.rsplit_once('/') {
                    Some((base, _)) => format!("{base}/{name}"),
                    None => panic!("TEST_POSTGRES_URL needs a database path"),
                };
                Self {
                    kind,
                    url,
                    pg_name: Some(name),
                }
            }
        }
    }

    pub async fn drop_database(&self) {
        if let Some(name) = &self.pg_name
            && let Ok(mut conn) = sqlx::PgConnection::connect(&postgres_admin_url()).await
        {
            let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
                .execute(&mut conn)
                .await;
        }
    }
}

/// How to start the portal under test.
#[derive(Clone, Debug)]
pub struct Options {
    pub demo: bool,
    pub env: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            demo: true,
            env: Vec::new(),
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub db: TestDb,
    pub data_dir: tempfile::TempDir,
    pub options: Options,
    child: Option<Child>,
    /// Every line the portal wrote to stdout and stderr, for log assertions.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl TestApp {
    /// The demo portal on a fresh database.
    pub async fn start(db: Db) -> Self {
        Self::start_with(db, Options::default()).await
    }

    pub async fn start_with(db: Db, options: Options) -> Self {
        let mut app = Self::prepare(db, options).await;
        app.launch()
            .await
            .unwrap_or_else(|e| panic!("portal did not start: {e}"));
        app
    }

    /// A fresh database and data folder, with no portal running yet (for start-up stories
    /// and CLI subcommands; `launch` starts it).
    pub async fn prepare(db: Db, options: Options) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let db = TestDb::create(db, data_dir.path()).await;
        Self {
            base: String::new(),
            db,
            data_dir,
            options,
            child: None,
            log: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// A random free port at first; the same address again after a restart, so that a
    /// browser (and its cookies) carries on as a real one would.
    fn bind_address(&self) -> &str {
        self.base.strip_prefix("http://").unwrap_or("127.0.0.1:0")
    }

    /// The command that starts the portal for this app (for tests of start-up failures).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(portal_binary());
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PORTAL_BIND", self.bind_address())
            .env("PORTAL_DATA_DIR", self.data_dir.path())
            .env("PORTAL_DATABASE_URL", &self.db.url)
            .env(
                "PORTAL_DEMO",
                if self.options.demo { "true" } else { "false" },
            )
            .env(
                "PORTAL_SECRET_KEY",
                "test-secret-key-0123456789abcdef-0123456789",
            )
            .env("PORTAL_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in &self.options.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Starts the process and waits for its "listening on" line.
    pub async fn launch(&mut self) -> Result<(), String> {
        let mut child = self.command().spawn().map_err(|e| format!("spawn: {e}"))?;
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        for stream in [
            Box::new(stdout) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
            Box::new(stderr),
        ] {
            let log = self.log.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    log.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        drop(tx);
        let wait = async {
            while let Some(line) = rx.recv().await {
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    return Some(addr.trim().trim_end_matches('"').to_owned());
                }
            }
            None
        };
        match tokio::time::timeout(Duration::from_secs(60), wait).await {
            Ok(Some(addr)) => {
                self.base = format!("http://{addr}");
                self.child = Some(child);
                Ok(())
            }
            _ => {
                let _ = child.kill().await;
                tokio::time::sleep(Duration::from_millis(100)).await;
                Err(self.log.lock().unwrap().join("\n"))
            }
        }
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// SIGKILL: no shutdown code runs, as in a power cut.
    pub async fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.start_kill().expect("kill -9");
            let _ = child.wait().await;
        }
    }

    /// SIGTERM and wait for a clean exit; returns the exit status.
    pub async fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let pid = child.id()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .await;
        tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .ok()
            .and_then(Result::ok)
    }

    /// Sends SIGTERM and returns at once, so a test can act while the portal shuts down;
    /// `wait_for_exit` collects the exit status.
    pub async fn send_sigterm(&self) {
        let pid = self
            .child
            .as_ref()
            .and_then(Child::id)
            .expect("portal running");
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .await;
    }

    pub async fn wait_for_exit(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .ok()
            .and_then(Result::ok)
    }

    /// Runs the portal binary with this app's environment plus `args` (a subcommand, or
    /// `serve` expected to fail), feeding `stdin`; returns when it exits.
    pub async fn run(&self, args: &[&str], stdin: &str) -> Finished {
        Self::run_command(self.command(), args, stdin).await
    }

    pub async fn run_command(mut cmd: Command, args: &[&str], stdin: &str) -> Finished {
        use tokio::io::AsyncWriteExt;
        cmd.args(args).stdin(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn portal");
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.as_bytes())
            .await
            .expect("write stdin");
        drop(input);
        let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("portal {args:?} did not exit within 60 s"))
            .expect("portal output");
        Finished {
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// A read-only connection to the SQLite file under test (reading cannot change it).
    pub async fn sqlite_reader(&self) -> sqlx::SqliteConnection {
        let options = self
            .db
            .url
            .parse::<sqlx::sqlite::SqliteConnectOptions>()
            .expect("sqlite url")
            .read_only(true);
        sqlx::SqliteConnection::connect_with(&options)
            .await
            .expect("open the test database read-only")
    }

    /// Rows in `table` of the database under test, read on a connection of our own (SQLite
    /// read-only, so counting cannot change the file).
    pub async fn count_rows(&self, table: &str) -> i64 {
        self.scalar(&format!("select count(*) from {table}"))
            .await
            .unwrap_or(0)
    }

    /// The first column of the first row `sql` returns from the database under test (`None`
    /// for no row), read on a connection of our own as [`TestApp::count_rows`] does.
    pub async fn scalar<T>(&self, sql: &str) -> Option<T>
    where
        T: Send
            + Unpin
            + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
            + sqlx::Type<sqlx::Sqlite>
            + for<'r> sqlx::Decode<'r, sqlx::Postgres>
            + sqlx::Type<sqlx::Postgres>,
    {
        match self.db.kind {
            Db::Sqlite => {
                let mut conn = self.sqlite_reader().await;
                let v = sqlx::query_scalar(sql)
                    .fetch_optional(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                let _ = conn.close().await;
                v
            }
            Db::Postgres => {
                let mut conn = self.pg_connection().await;
                let v = sqlx::query_scalar(sql)
                    .fetch_optional(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                let _ = conn.close().await;
                v
            }
        }
    }

    /// A connection of our own to the PostgreSQL database under test.
    pub async fn pg_connection(&self) -> sqlx::PgConnection {
        sqlx::PgConnection::connect(&self.db.url)
            .await
            .expect("connect to the test database")
    }

    /// Runs one statement on the database under test, as an operator or the passing of time
    /// would (e.g. letting drafts expire); returns the rows it changed.
    pub async fn execute_sql(&self, sql: &str) -> u64 {
        match self.db.kind {
            Db::Sqlite => {
                let options = self
                    .db
                    .url
                    .parse::<sqlx::sqlite::SqliteConnectOptions>()
                    .expect("sqlite url");
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("open the test database");
                let n = sqlx::query(sql)
                    .execute(&mut conn)
                    .await
                    .expect("execute")
                    .rows_affected();
                let _ = conn.close().await;
                n
            }
            Db::Postgres => {
                let mut conn = self.pg_connection().await;
                let n = sqlx::query(sql)
                    .execute(&mut conn)
                    .await
                    .expect("execute")
                    .rows_affected();
                let _ = conn.close().await;
                n
            }
        }
    }

    /// Kill -9 and start again on the same database and data folder.
    pub async fn crash_and_restart(&mut self) {
        self.kill9().await;
        self.launch()
            .await
            .unwrap_or_else(|e| panic!("portal did not restart: {e}"));
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    pub async fn stop(mut self) {
        self.kill9().await;
        self.db.drop_database().await;
    }
}

/// How a portal command ended.
#[derive(Debug)]
pub struct Finished {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// The non-empty lines the portal wrote to stderr.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect()
    }
}

/// A complete, valid dog-tax registration as a citizen would type it.
pub const DOG_TAX_ANSWERS: &[(&str, &str)] = &[
    ("vorname", "Anna"),
    ("nachname", "Schulz"),
    ("geburtsdatum", "12.03.1985"),
    ("strasse", "Hauptstraße 1"),
    ("plz", "99735"),
    ("ort", "Werther"),
    ("email", "anna.schulz@example.org"),
    ("hunde.0.hund_name", "Bello"),
    ("hunde.0.rasse", "Mischling"),
    ("hunde.0.hund_geburtsdatum", "01.02.2022"),
    ("hunde.0.gehalten_seit", "01.10.2026"),
    ("hunde.0.geschlecht", "ruede"),
    ("hunde.0.gefaehrlicher_hund", "nein"),
];

/// The answers of the dog-tax form's first step (the owner).
pub const DOG_TAX_OWNER: &[(&str, &str)] = &[
    ("vorname", "Anna"),
    ("nachname", "Schulz"),
    ("geburtsdatum", "12.03.1985"),
    ("strasse", "Hauptstraße 1"),
    ("plz", "99735"),
    ("ort", "Werther"),
];

pub const DOG_TAX_FORM: &str = "/werther/services/hundesteuer-anmeldung/form";

/// The dog-tax answers with some values replaced (or added, for optional fields).
pub fn dog_tax_answers_with<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut answers: Vec<(&str, &str)> = DOG_TAX_ANSWERS.to_vec();
    for &(name, value) in changes {
        match answers.iter_mut().find(|(n, _)| *n == name) {
            Some(pair) => pair.1 = value,
            None => answers.push((name, value)),
        }
    }
    answers
}

/// The dog-tax answers with some fields left out entirely.
pub fn dog_tax_answers_without(left_out: &[&str]) -> Vec<(&'static str, &'static str)> {
    DOG_TAX_ANSWERS
        .iter()
        .copied()
        .filter(|(name, _)| !left_out.contains(name))
        .collect()
}

/// A case the browser filed: where its confirmation is, and the reference number shown there.
#[derive(Clone, Debug)]
pub struct Filed {
    pub confirmation: String,
    pub reference: String,
}

/// Files the complete dog-tax registration in Werther and reads the confirmation page.
pub async fn file_dog_tax(browser: &mut Browser) -> Filed {
    let done = browser.apply(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    assert_eq!(done.status, reqwest::StatusCode::SEE_OTHER, "{}", done.body);
    let confirmation = done.location();
    let page = browser.get(&confirmation).await;
    assert_eq!(page.status, reqwest::StatusCode::OK, "{}", page.body);
    Filed {
        confirmation,
        reference: page.text(".reference"),
    }
}

/// A complete, valid trade registration.
pub const TRADE_ANSWERS: &[(&str, &str)] = &[
    ("vorname", "Jonas"),
    ("nachname", "Becker"),
    ("geburtsdatum", "05.07.1990"),
    ("strasse", "Lindenweg 4"),
    ("plz", "99735"),
    ("ort", "Werther"),
    ("email", "jonas.becker@example.org"),
    (
        "taetigkeit",
        "Reparatur von Fahrrädern und Verkauf von Zubehör",
    ),
    ("beginn", "01.12.2026"),
    ("betriebsstaette.0.betrieb_strasse", "Bahnhofstraße 12"),
    ("betriebsstaette.0.betrieb_plz", "99735"),
    ("betriebsstaette.0.betrieb_ort", "Werther"),
    ("beschaeftigte", "2"),
    ("rechtsform", "einzelunternehmen"),
];

/// A complete, valid extension of a grave's right of use.
pub const GRAVE_ANSWERS: &[(&str, &str)] = &[
    ("vorname", "Erika"),
    ("nachname", "Hoffmann"),
    ("strasse", "Am Anger 7"),
    ("plz", "99735"),
    ("ort", "Werther"),
    ("email", "erika.hoffmann@example.org"),
    ("friedhof", "Friedhof Werther"),
    ("grabart", "urnenwahlgrab"),
    ("grabnummer", "Feld B, Reihe 3, Nr. 12"),
    ("verstorbene", "Walter Hoffmann"),
    ("jahre", "10"),
];

/// Every demo service with a valid answer set, as offered by Werther.
pub const DEMO_SERVICES: &[(&str, &[(&str, &str)])] = &[
    ("hundesteuer-anmeldung", DOG_TAX_ANSWERS),
    ("gewerbeanmeldung", TRADE_ANSWERS),
    ("grabnutzungsrecht-verlaengerung", GRAVE_ANSWERS),
];

/// What one citizen got while filing dog-tax applications until the portal went away.
pub struct Filing {
    pub browser: Browser,
    /// The confirmation URL of every application that got its 303.
    pub acknowledged: Vec<String>,
    /// Applications begun; each stores at most one case.
    pub attempted: usize,
}

/// Files complete dog-tax applications in Werther one after another (the whole journey each
/// time) until a request fails at the transport level (the portal is gone), at most `limit`.
/// Every confirmation adds one to `acknowledged_now`, so the test can time its kill or stop.
/// Any answer other than the 303 to a confirmation fails the test.
pub async fn file_until_gone(
    mut browser: Browser,
    limit: usize,
    acknowledged_now: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> Filing {
    let mut acknowledged = Vec::new();
    let mut attempted = 0usize;
    for _ in 0..limit {
        attempted += 1;
        match browser.try_apply(DOG_TAX_FORM, DOG_TAX_ANSWERS).await {
            Ok(page)
                if page.status == reqwest::StatusCode::SEE_OTHER
                    && page.location().contains("/confirmation") =>
            {
                acknowledged.push(page.location());
                acknowledged_now.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(page) => panic!(
                "unexpected answer {} ({}): {}",
                page.status,
                page.location(),
                page.body
            ),
            Err(_) => break,
        }
    }
    Filing {
        browser,
        acknowledged,
        attempted,
    }
}

/// Waits until `acknowledged_now` counts a first confirmation (at most 30 s); returns when the
/// wait began.
pub async fn first_confirmation(
    acknowledged_now: &std::sync::atomic::AtomicUsize,
) -> std::time::Instant {
    let started = std::time::Instant::now();
    while acknowledged_now.load(std::sync::atomic::Ordering::Relaxed) == 0
        && started.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    started
}
