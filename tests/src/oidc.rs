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

/// The staff client (started with [`TestOp::start_with_staff`]).
pub const STAFF_CLIENT_ID: &str = "portal-staff";
pub const STAFF_CLIENT_SECRET: &str = "portal-staff-secret";

/// Staff accounts at the provider: `petra.sommer` (`clerk:werther`), `ella.berg`
/// (`clerk:ellrich`, `tenant_admin:ellrich`), one named like the demo's local account
/// `clerk.werther`, and one whose roles the portal does not know.
pub const STAFF_PETRA: &str = "staff-petra";
pub const STAFF_ELLA: &str = "staff-ella";
pub const STAFF_LOOKALIKE: &str = "staff-lookalike";
pub const STAFF_NOBODY: &str = "staff-nobody";

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
        Self::spawn(&[redirect_uri, post_logout_redirect_uri]).await
    }

    /// Starts the provider for the citizen client and the staff client `portal-staff`, whose
    /// callback is `staff_redirect_uri`.
    pub async fn start_with_staff(
        redirect_uri: &str,
        post_logout_redirect_uri: &str,
        staff_redirect_uri: &str,
    ) -> TestOp {
        Self::spawn(&[redirect_uri, post_logout_redirect_uri, staff_redirect_uri]).await
    }

    async fn spawn(args: &[&str]) -> TestOp {
        let dir = provider_dir();
        assert!(
            dir.join("node_modules/oidc-provider/package.json").exists(),
            "oidc-provider is not installed in {}: run scripts/test once (it installs it)",
            dir.display()
        );
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc/provider.mjs");
        // Node, the oidc-provider import and a fresh key take a second or two, up to half a
        // minute with Chromium and a dozen portals busy on two cores. Now and then a start
        // never gets ready at all (twice in CI, once after 90 s); that one is killed and the
        // provider started afresh.
        let mut attempt = 0;
        let (child, issuer, mut lines) = loop {
            attempt += 1;
            let mut child = Command::new("node")
                .arg(&script)
                .args(args)
                .env("OIDC_PROVIDER_DIR", &dir)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .expect("start node (Node.js 20 or newer is needed for the login tests)");
            let stdout = child.stdout.take().expect("stdout");
            let mut lines = BufReader::new(stdout).lines();
            let ready = tokio::time::timeout(Duration::from_secs(45), async {
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(issuer) = line.strip_prefix("OP_READY ") {
                        return Some(issuer.to_owned());
                    }
                }
                None
            })
            .await;
            match ready {
                Ok(Some(issuer)) => break (child, issuer, lines),
                _ if attempt < 3 => {
                    eprintln!(
                        "the OpenID provider was not ready after 45 s (try {attempt}); \
                         starting it again"
                    );
                    let _ = child.kill().await;
                }
                Ok(None) => panic!("the OpenID provider ended before it was ready, three times"),
                Err(_) => panic!("the OpenID provider did not start within 45 s, three times"),
            }
        };
        // Keep reading its stdout, so that it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        TestOp {
            issuer,
            _child: child,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The portal as a relying party: started with a provider, and a browser that logs in there.

/// A port that was free a moment ago (bound on 127.0.0.1:0 and released), for a portal whose
/// address the provider must know before the portal starts.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap_or_else(|e| panic!("bind a free port: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("its address: {e}"))
        .port()
}

/// `http://127.0.0.1:<port>`: the portal's public address in the login tests.
pub fn portal_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// Where the provider sends the browser back after a login.
pub fn redirect_uri(port: u16) -> String {
    format!("{}/login/callback", portal_url(port))
}

/// Where the provider sends a staff member's browser back after a login.
pub fn staff_redirect_uri(port: u16) -> String {
    format!("{}/staff/login/callback", portal_url(port))
}

/// Where the provider sends the browser back after a logout.
pub fn post_logout_redirect_uri(port: u16) -> String {
    format!("{}/logout/done", portal_url(port))
}

/// The portal's settings for citizen login through `issuer`, listening on `port`.
pub fn login_options(issuer: &str, port: u16) -> crate::Options {
    let env = [
        ("PORTAL_OIDC_ISSUER", issuer.to_owned()),
        ("PORTAL_OIDC_CLIENT_ID", CLIENT_ID.to_owned()),
        ("PORTAL_OIDC_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("PORTAL_PUBLIC_URL", portal_url(port)),
        ("PORTAL_BIND", format!("127.0.0.1:{port}")),
    ];
    crate::Options {
        demo: true,
        env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }
}

/// The demo portal on `port` with citizen login through the provider at `issuer`.
pub async fn portal_with_login(db: crate::Db, issuer: &str, port: u16) -> crate::TestApp {
    let app = crate::TestApp::start_with(db, login_options(issuer, port)).await;
    assert_eq!(
        app.base,
        portal_url(port),
        "the portal listens where its public address says"
    );
    app
}

/// `/login?return_to=…&level=…`, encoded as a link would be.
pub fn login_path(return_to: &str, level: &str) -> String {
    let query = serde_urlencoded::to_string([("return_to", return_to), ("level", level)])
        .unwrap_or_else(|e| panic!("encode the login query: {e}"));
    format!("/login?{query}")
}

/// The value of `key` in the query of `url` (absolute or a path), decoded.
pub fn query_param(url: &str, key: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    let query = query.split('#').next().unwrap_or_default();
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// `location` resolved against `base`, as a browser resolves a redirect (WHATWG URL rules:
/// `//host` and `/\host` lead to another host).
pub fn resolve(base: &str, location: &str) -> reqwest::Url {
    let base = reqwest::Url::parse(base).unwrap_or_else(|e| panic!("base {base}: {e}"));
    base.join(location)
        .unwrap_or_else(|e| panic!("location {location:?} does not resolve: {e}"))
}

fn origin(url: &reqwest::Url) -> String {
    url.origin().ascii_serialization()
}

/// A browser at the identity provider: its own cookies, no automatic redirects. It follows the
/// provider's redirects and pages until the provider sends it somewhere else, logging in on a
/// login page and confirming a logout page on the way.
pub struct OpBrowser {
    client: reqwest::Client,
    cookies: std::collections::BTreeMap<String, String>,
    /// More fields for the provider's login form, e.g. `("amr", "pwd mfa")` or
    /// `("roles", "clerk:werther")` (see tests/oidc/provider.mjs).
    pub login_extras: Vec<(String, String)>,
}

impl Default for OpBrowser {
    fn default() -> Self {
        Self::new()
    }
}

impl OpBrowser {
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("http client: {e}"));
        Self {
            client,
            cookies: std::collections::BTreeMap::new(),
            login_extras: Vec::new(),
        }
    }

    fn take_cookies(&mut self, res: &reqwest::Response) {
        for value in res.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(value) = value.to_str() else { continue };
            let pair = value.split(';').next().unwrap_or_default();
            if let Some((name, v)) = pair.split_once('=') {
                if v.trim().is_empty() {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies
                        .insert(name.trim().to_owned(), v.trim().to_owned());
                }
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Opens `url` (at the provider) and goes on from there until the provider redirects to
    /// another origin; returns that address. On a login page it logs in as `account` with
    /// `acr`; on a logout page it says yes.
    pub async fn follow(&mut self, url: &str, account: &str, acr: &str) -> String {
        let start = reqwest::Url::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        let op_origin = origin(&start);
        let mut res = self.send(self.client.get(start.clone())).await;
        let mut at = start;
        for _ in 0..20 {
            let status = res.status();
            if status.is_redirection() {
                let location = res
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let next = at
                    .join(&location)
                    .unwrap_or_else(|e| panic!("redirect {location:?} from {at}: {e}"));
                if origin(&next) != op_origin {
                    return next.to_string();
                }
                res = self.send(self.client.get(next.clone())).await;
                at = next;
                continue;
            }
            let body = res.text().await.unwrap_or_default();
            assert!(
                status == reqwest::StatusCode::OK,
                "the provider answered {status} at {at}:\n{body}"
            );
            let (action, fields) = Self::form_of(&body, account, acr, &self.login_extras)
                .unwrap_or_else(|| panic!("the provider's page at {at} has no form:\n{body}"));
            let target = at
                .join(&action)
                .unwrap_or_else(|e| panic!("form action {action:?}: {e}"));
            let body = serde_urlencoded::to_string(&fields)
                .unwrap_or_else(|e| panic!("encode the form: {e}"));
            res = self
                .send(
                    self.client
                        .post(target.clone())
                        .header(
                            reqwest::header::CONTENT_TYPE,
                            "application/x-www-form-urlencoded",
                        )
                        .body(body),
                )
                .await;
            at = target;
        }
        panic!("the provider did not send the browser back after 20 pages");
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let res = request
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap_or_else(|e| panic!("request to the provider: {e}"));
        self.take_cookies(&res);
        res
    }

    /// The page's post form: where it goes and what a person would send.
    fn form_of(
        body: &str,
        account: &str,
        acr: &str,
        extras: &[(String, String)],
    ) -> Option<(String, Vec<(String, String)>)> {
        let html = scraper::Html::parse_document(body);
        let select = |s: &str| scraper::Selector::parse(s).ok();
        let form = html.select(&select("form")?).next()?;
        let action = form.value().attr("action")?.to_owned();
        let mut fields: Vec<(String, String)> = form
            .select(&select("input[type=hidden]")?)
            .filter_map(|e| {
                Some((
                    e.value().attr("name")?.to_owned(),
                    e.value().attr("value").unwrap_or_default().to_owned(),
                ))
            })
            .collect();
        let has = |name: &str| {
            select(&format!("input[name={name}]")).is_some_and(|s| form.select(&s).next().is_some())
        };
        if has("account") {
            fields.push(("account".to_owned(), account.to_owned()));
            fields.push(("acr".to_owned(), acr.to_owned()));
            fields.extend(extras.iter().cloned());
        }
        // The provider's logout page: "Yes, sign me out" (outside the form, `form=` bound).
        if select("button[name=logout]").is_some_and(|s| html.select(&s).next().is_some()) {
            fields.push(("logout".to_owned(), "yes".to_owned()));
        }
        Some((action, fields))
    }
}

/// The portal's session cookie.
pub const SESSION_COOKIE: &str = "__Host-portal-session";

/// Starts a login in `browser` (`GET /login?return_to&level`) and returns the address of the
/// provider's authorization endpoint the portal sent it to (panics on any other answer).
pub async fn begin_login(browser: &mut crate::Browser, return_to: &str, level: &str) -> String {
    let path = login_path(return_to, level);
    let page = browser.get(&path).await;
    assert_eq!(
        page.status,
        reqwest::StatusCode::SEE_OTHER,
        "GET {path}: {}",
        page.body
    );
    let location = page.location();
    assert!(
        location.starts_with("http://") && !location.starts_with(&browser.url("/")),
        "GET {path} did not send the browser to the provider: {location}"
    );
    location
}

/// The callback address the provider sends the browser back to, as a path on the portal.
pub fn callback_path(browser: &crate::Browser, callback: &str) -> String {
    let base = browser.url("");
    assert!(
        callback.starts_with(&format!("{base}/login/callback")),
        "the provider sent the browser to {callback}, not to the portal's callback"
    );
    callback[base.len()..].to_owned()
}

/// A whole login: `/login`, the provider (as `account` at `acr`), and the callback; returns
/// the portal's answer to the callback.
pub async fn log_in(
    browser: &mut crate::Browser,
    op: &mut OpBrowser,
    return_to: &str,
    level: &str,
    account: &str,
    acr: &str,
) -> crate::Page {
    let authorize = begin_login(browser, return_to, level).await;
    let callback = op.follow(&authorize, account, acr).await;
    let path = callback_path(browser, &callback);
    browser.get(&path).await
}

/// Sessions in the database that stand for a logged-in citizen.
pub async fn citizen_sessions(app: &crate::TestApp) -> i64 {
    app.count_rows("sessions where citizen is not null").await
}

/// `browser` is not logged in: "Meine Anträge" sends it to the login.
pub async fn assert_sent_to_login(browser: &mut crate::Browser) {
    let page = browser.get("/my-applications").await;
    let location = page.location();
    assert_eq!(
        page.status,
        reqwest::StatusCode::SEE_OTHER,
        "/my-applications answered {} ({location}) to a browser that is not logged in:\n{}",
        page.status,
        page.body
    );
    let to = resolve(&browser.url("/"), &location);
    assert_eq!(
        (to.origin(), to.path()),
        (resolve(&browser.url("/"), "/").origin(), "/login"),
        "{location}"
    );
    assert_eq!(
        query_param(&location, "return_to").as_deref(),
        Some("/my-applications"),
        "{location}"
    );
}

/// The portal's page for a login that failed: a 4xx page whose heading speaks of the login.
pub fn assert_login_failed_page(page: &crate::Page) {
    assert!(
        page.status.is_client_error(),
        "a failed login answered {} ({}):\n{}",
        page.status,
        page.location(),
        page.body
    );
    let h1 = page.text("h1");
    assert!(
        h1.contains("Anmeldung"),
        "the heading of a failed login's page is {h1:?}:\n{}",
        page.body
    );
}

/// The demo portal on `port` with staff login through `op` (the installation's staff
/// provider, client `portal-staff`) and the configuration file `config` (its
/// `[staff_oidc.municipalities.…]` settings).
pub async fn portal_with_staff_login(
    db: crate::Db,
    op: &TestOp,
    port: u16,
    config: &std::path::Path,
) -> crate::TestApp {
    let env = [
        ("PORTAL_CONFIG", config.display().to_string()),
        ("PORTAL_STAFF_OIDC_ISSUER", op.issuer.clone()),
        ("PORTAL_STAFF_OIDC_CLIENT_ID", STAFF_CLIENT_ID.to_owned()),
        (
            "PORTAL_STAFF_OIDC_CLIENT_SECRET",
            STAFF_CLIENT_SECRET.to_owned(),
        ),
        ("PORTAL_PUBLIC_URL", portal_url(port)),
        ("PORTAL_BIND", format!("127.0.0.1:{port}")),
    ];
    let app = crate::TestApp::start_with(
        db,
        crate::Options {
            demo: true,
            env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        },
    )
    .await;
    assert_eq!(app.base, portal_url(port));
    app
}
