//! A real browser for the tests: headless Chromium driven through ChromeDriver (both from
//! Debian's packages), with axe-core injected for accessibility checks.
//!
//! Each `Chrome` starts its own ChromeDriver on a free loopback port and an empty profile,
//! and stops both when closed. JavaScript can be switched off per browser, for the
//! journeys that prove the portal needs none.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

pub fn chromium_binary() -> PathBuf {
    PathBuf::from(std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".to_owned()))
}

pub fn chromedriver_binary() -> PathBuf {
    PathBuf::from(
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned()),
    )
}

/// The axe-core script: `AXE_CORE_JS`, else where `scripts/test` puts it.
pub fn axe_source() -> String {
    let path = std::env::var("AXE_CORE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
            PathBuf::from(home).join(".cache/ozg-portal/axe-core-4.14.1/package/axe.min.js")
        });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing at {} ({e}): run scripts/test (it fetches it from npm) or set AXE_CORE_JS",
            path.display()
        )
    })
}

/// Folder for screenshots (ignored by git); `scripts/screenshots` copies some to docs/.
pub fn screenshot_dir() -> PathBuf {
    std::env::var("SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .map(|p| p.join("screenshots"))
                .unwrap_or_else(|| PathBuf::from("screenshots"))
        })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Js {
    On,
    Off,
}

/// What has the keyboard focus: enough to steer a keyboard-only journey.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Focus {
    pub tag: String,
    pub id: String,
    pub name: String,
    pub kind: String,
    pub href: String,
    pub class: String,
    pub value: String,
    pub checked: bool,
    /// An outline or box shadow is drawn around it (focus is visible).
    pub visible: bool,
}

pub struct Chrome {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    pub js: Js,
}

impl Chrome {
    pub async fn start(js: Js) -> Self {
        Self::start_sized(js, 1280, 900).await
    }

    pub async fn start_sized(js: Js, width: u32, height: u32) -> Self {
        let chrome = chromium_binary();
        let driver_bin = chromedriver_binary();
        assert!(
            chrome.exists() && driver_bin.exists(),
            "Chromium and ChromeDriver are needed ({} and {}): run scripts/test, which installs \
             Debian's chromium and chromium-driver, or set CHROME_BIN and CHROMEDRIVER",
            chrome.display(),
            driver_bin.display()
        );
        let port = free_port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        // Chrome keeps a window at least 500 px wide; phone widths need device emulation.
        let mobile = (width < 500).then(
            || json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0 } }),
        );
        let mut prefs = json!({});
        if js == Js::Off {
            prefs = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chrome,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-extensions",
                    "--disable-quic", "--lang=de-DE",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": prefs,
            }
        });
        let mut caps = caps;
        if let Some(mobile) = mobile {
            caps["goog:chromeOptions"]["mobileEmulation"] = mobile;
        }
        let caps = match caps {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = String::new();
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Self {
                        client,
                        driver,
                        _profile: profile,
                        js,
                    };
                }
                Err(e) => {
                    last_err = e.to_string();
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        panic!("could not start a Chromium session: {last_err}");
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    pub async fn url(&self) -> String {
        self.client.current_url().await.expect("url").to_string()
    }

    pub async fn source(&self) -> String {
        self.client.source().await.expect("page source")
    }

    /// Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the current page; returns one line per
    /// violation and node.
    pub async fn axe_violations(&self) -> Vec<String> {
        assert_eq!(self.js, Js::On, "axe needs JavaScript in the browser");
        self.client
            .execute(&axe_source(), vec![])
            .await
            .expect("inject axe-core");
        let result = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                     .then(r => done(r.violations.flatMap(v => v.nodes.map(n => v.id + ': ' + v.help + ' at ' + n.target.join(' ') + ' | ' + n.failureSummary))))
                     .catch(e => done(['axe failed: ' + e]));"#,
                vec![],
            )
            .await
            .expect("run axe-core");
        serde_json::from_value(result).unwrap_or_default()
    }

    /// Asserts that axe finds nothing on the current page.
    pub async fn assert_accessible(&self, what: &str) {
        let violations = self.axe_violations().await;
        assert!(
            violations.is_empty(),
            "axe-core found {} WCAG A/AA violation(s) on {what} ({}):\n{}",
            violations.len(),
            self.url().await,
            violations.join("\n")
        );
    }

    pub async fn focus(&self) -> Focus {
        let el = self.client.active_element().await.expect("active element");
        let attr = |name: &'static str| {
            let el = el.clone();
            async move { el.attr(name).await.ok().flatten().unwrap_or_default() }
        };
        let prop = |name: &'static str| {
            let el = el.clone();
            async move { el.prop(name).await.ok().flatten().unwrap_or_default() }
        };
        let outline = el.css_value("outline-style").await.unwrap_or_default();
        let shadow = el.css_value("box-shadow").await.unwrap_or_default();
        Focus {
            tag: el.tag_name().await.unwrap_or_default().to_lowercase(),
            id: attr("id").await,
            name: attr("name").await,
            kind: attr("type").await,
            href: attr("href").await,
            class: attr("class").await,
            value: prop("value").await,
            checked: prop("checked").await == "true",
            visible: (outline != "none" && !outline.is_empty())
                || (shadow != "none" && !shadow.is_empty()),
        }
    }

    /// Runs `action` and waits until the browser shows a new document (the old one is gone).
    async fn navigating<F: std::future::Future<Output = ()>>(&self, action: F) {
        let old = self
            .client
            .find(Locator::Css("html"))
            .await
            .expect("html element");
        action.await;
        for _ in 0..200 {
            if old.tag_name().await.is_err() {
                // Stale: the new page is there; wait until it is parsed.
                if self.client.find(Locator::Css("footer")).await.is_ok() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no new page after the action on {}", self.url().await);
    }

    /// Presses a key that loads another page (Enter on a link or button), and waits for it.
    pub async fn press_to_navigate(&self, key: Key) {
        self.navigating(self.press(key)).await;
    }

    /// Presses and releases one key, as a person at the keyboard would.
    pub async fn press(&self, key: Key) {
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: key.into() })
            .then(KeyAction::Up { value: key.into() });
        self.client
            .perform_actions(actions)
            .await
            .expect("key press");
    }

    /// Ctrl+A: select all text in the focused field.
    /// Whether the focused element is inside the element at `css`.
    pub async fn focus_in(&self, css: &str) -> bool {
        let script = "const el = document.querySelector(arguments[0]); \
                      return !!el && el.contains(document.activeElement);";
        self.client
            .execute(script, vec![serde_json::Value::from(css)])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    pub async fn select_all(&self) {
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down {
                value: Key::Control.into(),
            })
            .then(KeyAction::Down { value: 'a' })
            .then(KeyAction::Up { value: 'a' })
            .then(KeyAction::Up {
                value: Key::Control.into(),
            });
        self.client.perform_actions(actions).await.expect("ctrl+a");
    }

    /// Types text into whatever has the focus, key by key.
    pub async fn type_text(&self, text: &str) {
        let mut actions = KeyActions::new("keyboard".to_owned());
        for c in text.chars() {
            actions = actions
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c });
        }
        self.client.perform_actions(actions).await.expect("typing");
    }

    /// Tabs forward until `done` says so; panics after `max` presses.
    pub async fn tab_until(&self, max: usize, what: &str, done: impl Fn(&Focus) -> bool) -> Focus {
        for _ in 0..max {
            self.press(Key::Tab).await;
            let f = self.focus().await;
            if done(&f) {
                return f;
            }
        }
        panic!(
            "{what} not reached with {max} presses of Tab on {}",
            self.url().await
        );
    }

    pub async fn text(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Saves a screenshot of the page as `<screenshot_dir>/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    pub async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill().await;
    }
}

impl Chrome {
    /// Fills a form the quick way (clicks and typing into elements), for tests about pages
    /// rather than about the keyboard.
    pub async fn fill(&self, answers: &[(&str, &str)]) {
        for (name, value) in answers {
            let css = format!("[name=\"{name}\"]");
            let el = self
                .client
                .find(Locator::Css(&css))
                .await
                .unwrap_or_else(|e| panic!("field {name}: {e}"));
            let tag = el.tag_name().await.unwrap_or_default().to_lowercase();
            let kind = el.attr("type").await.ok().flatten().unwrap_or_default();
            match (tag.as_str(), kind.as_str()) {
                ("input", "radio") => {
                    let css = format!("input[name=\"{name}\"][value=\"{value}\"]");
                    self.client
                        .find(Locator::Css(&css))
                        .await
                        .expect("radio")
                        .click()
                        .await
                        .expect("click radio");
                }
                ("input", "checkbox") => {
                    let checked =
                        el.prop("checked").await.ok().flatten().as_deref() == Some("true");
                    if (*value == "true") != checked {
                        el.click().await.expect("click checkbox");
                    }
                }
                ("select", _) => el.select_by_value(value).await.expect("select"),
                _ => {
                    el.clear().await.expect("clear");
                    el.send_keys(value).await.expect("type");
                }
            }
        }
    }

    /// Goes to `base` + `path` (or stays, when `None`), checks the page's `lang` attribute, runs
    /// axe, and saves a screenshot named `{lang}-{name}` (spaces in `name` become hyphens).
    pub async fn check_page(&self, base: &str, path: Option<&str>, name: &str, lang: &str) {
        if let Some(path) = path {
            self.goto(&format!("{base}{path}")).await;
        }
        let html_lang = self
            .client
            .find(Locator::Css("html"))
            .await
            .expect("html")
            .attr("lang")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        assert_eq!(html_lang, lang, "lang attribute on {name}");
        self.assert_accessible(&format!("{name} ({lang})")).await;
        self.screenshot(&format!("{lang}-{}", name.replace(' ', "-")))
            .await;
    }

    /// Fills those of `answers` that the current page shows (one step of a form), skipping
    /// the others.
    pub async fn fill_shown(&self, answers: &[(&str, &str)]) {
        let mut shown = Vec::new();
        for &(name, value) in answers {
            // A field prefilled from the login is read-only: nothing to type there.
            let css = format!("main form [name=\"{name}\"]:not([readonly])");
            if self
                .client
                .find_all(Locator::Css(&css))
                .await
                .is_ok_and(|found| !found.is_empty())
            {
                shown.push((name, value));
            }
        }
        self.fill(&shown).await;
    }

    /// The check-your-answers page, with its declaration, is shown.
    pub async fn on_check_page(&self) -> bool {
        self.client
            .find_all(Locator::Css("input[name=_declaration]"))
            .await
            .is_ok_and(|found| !found.is_empty())
    }

    /// Clicks the main form's submit button ("continue" on a step page, where a group's
    /// "add" and "remove" buttons come first) and waits for the next page.
    pub async fn submit(&self) {
        // The visible one: a page with a group starts with a hidden default button.
        let next = "main form button[type=submit][value=next]:not([aria-hidden])";
        let any = "main form button[type=submit]:not([aria-hidden])";
        let button = match self.client.find(Locator::Css(next)).await {
            Ok(button) => button,
            Err(_) => self
                .client
                .find(Locator::Css(any))
                .await
                .expect("submit button"),
        };
        self.navigating(async move {
            button.click().await.expect("click submit");
        })
        .await;
    }

    /// Clicks the element at `css` and waits for the next page.
    pub async fn click_to_navigate(&self, css: &str) {
        let el = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        self.navigating(async move {
            el.click().await.expect("click");
        })
        .await;
    }

    /// Runs a script that navigates (e.g. submits a form) and waits for the next page.
    pub async fn execute_navigating(&self, script: &str) {
        self.navigating(async {
            self.client.execute(script, vec![]).await.expect("script");
        })
        .await;
    }

    /// The page is no wider than the window: nothing scrolls sideways.
    pub async fn scroll_width(&self) -> i64 {
        self.client
            .execute("return document.documentElement.scrollWidth;", vec![])
            .await
            .ok()
            .and_then(|v| v.as_i64())
            .unwrap_or(i64::MAX)
    }
}
