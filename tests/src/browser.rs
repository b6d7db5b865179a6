//! A small browser: keeps cookies (by name, as our cookies are all host-only on `/`), never
//! follows redirects on its own, and parses HTML pages with `scraper`.

use std::collections::HashMap;

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};
use scraper::{Html, Selector};

pub struct Browser {
    base: String,
    client: Client,
    pub cookies: HashMap<String, String>,
}

#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// Text of every element matching `selector`.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let sel = Selector::parse(selector).expect("selector");
        self.html()
            .select(&sel)
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }

    pub fn text(&self, selector: &str) -> String {
        self.texts(selector).into_iter().next().unwrap_or_default()
    }

    /// The value of `attr` on the first element matching `selector`.
    pub fn attr(&self, selector: &str, attr: &str) -> Option<String> {
        let sel = Selector::parse(selector).expect("selector");
        self.html()
            .select(&sel)
            .next()
            .and_then(|e| e.value().attr(attr).map(str::to_owned))
    }

    /// The names of the inputs, selects and text areas of the page's form (no `_` controls).
    /// Where the main form posts, and its hidden fields (CSRF token, return marker, a
    /// group's number of rows) as a browser sends them.
    pub fn post_form(&self) -> (String, Vec<(String, String)>) {
        let url = self
            .attr("main form[method=post]", "action")
            .unwrap_or_else(|| panic!("no form on the page:\n{}", self.body));
        let hidden = self
            .html()
            .select(&Selector::parse("main form input[type=hidden]").expect("selector"))
            .filter_map(|e| {
                Some((
                    e.value().attr("name")?.to_owned(),
                    e.value().attr("value")?.to_owned(),
                ))
            })
            .collect();
        (url, hidden)
    }

    pub fn input_names(&self) -> Vec<String> {
        let sel = Selector::parse(
            "main form input[name], main form select[name], main form textarea[name]",
        )
        .expect("selector");
        let mut names: Vec<String> = self
            .html()
            .select(&sel)
            .filter_map(|e| e.value().attr("name"))
            .filter(|n| !n.starts_with('_'))
            .map(str::to_owned)
            .collect();
        names.dedup();
        names
    }

    /// Where the page's form posts to (a step page posts to itself, the check page to
    /// `.../check`).
    pub fn form_action(&self) -> String {
        self.attr("main form[method=post]", "action")
            .unwrap_or_else(|| panic!("no form on the page:\n{}", self.body))
    }

    /// The CSRF token of the form matching `css` (on pages with several forms).
    pub fn csrf_token_of(&self, css: &str) -> String {
        self.attr(&format!("{css} input[name=_csrf]"), "value")
            .unwrap_or_else(|| panic!("no form {css} with a token:\n{}", self.body))
    }

    pub fn csrf_token(&self) -> String {
        self.attr("input[name=_csrf]", "value")
            .unwrap_or_else(|| panic!("no CSRF token on the page:\n{}", self.body))
    }

    pub fn location(&self) -> String {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// Every `Set-Cookie` header of the response, as sent.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let client = Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .expect("http client");
        Self {
            base: base.to_owned(),
            client,
            cookies: HashMap::new(),
        }
    }

    /// The portal's address of `path`; an absolute address (a provider sending the citizen
    /// back) is taken as it is.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Stores and clears cookies as the response's `Set-Cookie` headers say.
    fn take_cookies(&mut self, headers: &reqwest::header::HeaderMap) {
        for v in headers.get_all(SET_COOKIE) {
            let v = v.to_str().unwrap_or_default();
            let pair = v.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || v.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
    }

    async fn finish(&mut self, res: reqwest::Response) -> Page {
        self.take_cookies(res.headers());
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.unwrap_or_default();
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let res = self
            .client
            .get(self.url(path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.finish(res).await
    }

    /// Like `get`, but a transport error is returned instead of failing the test; a body cut
    /// off (the server died while sending it) counts as one too, since half a page is no page.
    pub async fn try_get(&mut self, path: &str) -> Result<Page, reqwest::Error> {
        let res = self
            .client
            .get(self.url(path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await?;
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await?;
        // Cookies only from a response that arrived whole.
        self.take_cookies(&headers);
        Ok(Page {
            status,
            headers,
            body,
        })
    }

    /// Posts the form of a page as a browser would when a button is pressed: its hidden
    /// fields (CSRF token, return marker, a group's number of rows), `_action` = the
    /// button's value, and the given fields.
    pub async fn press(&mut self, page: &Page, action: &str, fields: &[(&str, &str)]) -> Page {
        let (url, hidden) = page.post_form();
        let mut all: Vec<(&str, &str)> = hidden
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        all.push(("_action", action));
        all.extend_from_slice(fields);
        self.post(&url, &all).await
    }

    /// Like [`Browser::press`], but as `multipart/form-data` with files, the way a browser
    /// posts a form with a file input: the hidden fields first (the CSRF token leads), then
    /// the given fields, each file (`(field, file name, content)`; an empty name and content
    /// is an input left without a file), and the button pressed.
    pub async fn press_with_files(
        &mut self,
        page: &Page,
        action: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Page {
        let (url, hidden) = page.post_form();
        let boundary = "----portal-test-boundary-7d1f";
        let mut body: Vec<u8> = Vec::new();
        let text = |name: &str, value: &str, body: &mut Vec<u8>| {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        };
        for (name, value) in &hidden {
            text(name, value, &mut body);
        }
        for (name, value) in fields {
            text(name, value, &mut body);
        }
        for (name, file_name, content) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        text("_action", action, &mut body);
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.post_bytes(
            &url,
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await
    }

    /// Posts a form as a browser would (`application/x-www-form-urlencoded`).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded_pairs(fields);
        self.post_raw(path, body).await
    }

    pub async fn post_raw(&mut self, path: &str, body: String) -> Page {
        let res = self
            .client
            .post(self.url(path))
            .header(COOKIE, self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST");
        self.finish(res).await
    }

    /// Posts `body` as it is, with the given content type (for malformed requests).
    pub async fn post_bytes(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        self.try_post_bytes(path, content_type, body)
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// Like `post_bytes`, but a transport error (server gone, connection reset) is returned
    /// instead of failing the test.
    pub async fn try_post_bytes(
        &mut self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Page, reqwest::Error> {
        let res = self
            .client
            .post(self.url(path))
            .header(COOKIE, self.cookie_header())
            .header("content-type", content_type)
            .body(body)
            .send()
            .await?;
        Ok(self.finish(res).await)
    }

    /// A form post that may fail in transport (see `try_post_bytes`).
    pub async fn try_post(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<Page, reqwest::Error> {
        let body = serde_urlencoded_pairs(fields).into_bytes();
        self.try_post_bytes(path, "application/x-www-form-urlencoded", body)
            .await
    }

    /// GETs the page at `path`, then posts `fields` to it with the page's CSRF token.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "GET {path}");
        let token = page.csrf_token();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    /// Walks an application from its first step (`form`, e.g.
    /// `/werther/services/hundesteuer-anmeldung/form`) as a citizen would: on each step page it
    /// fills the fields the page shows from `answers` and presses "continue", follows the
    /// redirect, and on the check page ticks the declaration and submits.
    ///
    /// Returns the first response that is not the way forward: normally the 303 to the
    /// confirmation, else the page that stopped the walk (a 422 step with errors, a 404, ...).
    pub async fn apply(&mut self, form: &str, answers: &[(&str, &str)]) -> Page {
        self.apply_with(form, answers, true).await
    }

    /// [`Browser::apply`], ticking the declaration or not.
    pub async fn apply_with(
        &mut self,
        form: &str,
        answers: &[(&str, &str)],
        declare: bool,
    ) -> Page {
        self.walk(form, answers, WalkEnd::Submit { declare })
            .await
            .unwrap_or_else(|e| panic!("applying at {form}: {e}"))
    }

    /// [`Browser::apply`] under load while the portal may die: a transport error (server
    /// gone, connection reset, a page cut off) ends the walk and is returned instead of
    /// failing the test.
    pub async fn try_apply(
        &mut self,
        form: &str,
        answers: &[(&str, &str)],
    ) -> Result<Page, reqwest::Error> {
        self.walk(form, answers, WalkEnd::Submit { declare: true })
            .await
    }

    /// Walks like [`Browser::apply`] but stops at the check page and returns it (200, with
    /// its token and the declaration box), nothing submitted. Panics if the walk ends
    /// elsewhere.
    pub async fn walk_to_check(&mut self, form: &str, answers: &[(&str, &str)]) -> Page {
        let page = self
            .walk(form, answers, WalkEnd::AtCheck)
            .await
            .unwrap_or_else(|e| panic!("walking {form}: {e}"));
        assert!(
            page.status == StatusCode::OK && is_check_page(&page),
            "the walk from {form} did not reach the check page: {}\n{}",
            page.status,
            page.body
        );
        page
    }

    async fn walk(
        &mut self,
        form: &str,
        answers: &[(&str, &str)],
        end: WalkEnd,
    ) -> Result<Page, reqwest::Error> {
        let mut page = self.try_get(form).await?;
        for _ in 0..50 {
            if page.status != StatusCode::OK {
                return Ok(page);
            }
            let action = page.form_action();
            let token = page.csrf_token();
            let posted = if is_check_page(&page) {
                let WalkEnd::Submit { declare } = end else {
                    return Ok(page);
                };
                let mut fields = vec![("_csrf", token.as_str())];
                if declare {
                    fields.push(("_declaration", "yes"));
                }
                self.try_post(&action, &fields).await?
            } else {
                let shown = page.input_names();
                let mut fields: Vec<(&str, &str)> =
                    vec![("_csrf", token.as_str()), ("_action", "next")];
                fields.extend(
                    answers
                        .iter()
                        .filter(|(name, _)| shown.iter().any(|n| n == name)),
                );
                self.try_post(&action, &fields).await?
            };
            if posted.status != StatusCode::SEE_OTHER {
                return Ok(posted);
            }
            let next = posted.location();
            if next.contains("/confirmation") || !next.contains("/applications/") {
                return Ok(posted);
            }
            page = self.try_get(&next).await?;
        }
        panic!("the application at {form} did not end after 50 pages");
    }

    /// On the demo's simulated payment page that `submitted` redirects to, presses `outcome`
    /// (`paid`, `failed` or `cancelled`) and follows the provider back to the portal's return
    /// page. Returns the return page's answer: the 303 to the confirmation once paid, to the
    /// payment page otherwise.
    pub async fn pay_demo(&mut self, submitted: &Page, outcome: &str) -> Page {
        assert_eq!(
            submitted.status,
            StatusCode::SEE_OTHER,
            "{}",
            submitted.body
        );
        let sim = submitted.location();
        assert!(
            sim.starts_with("/demo-payment/"),
            "not the simulation: {sim}"
        );
        let page = self.get(&sim).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Simulation"), "marked as a simulation");
        let token = page.csrf_token();
        let decided = self
            .post(&sim, &[("_csrf", token.as_str()), ("outcome", outcome)])
            .await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
        let back = decided.location();
        assert!(back.contains("/payment/return?attempt="), "{back}");
        self.get(&back).await
    }

    /// Logs in through the demo's own identity provider (demo mode without a configured
    /// provider) as one of its test people: `jonas` (level low), `leonie` (substantial) or
    /// `anna` (high). Every step is asserted; the browser ends logged in, back on `/`.
    pub async fn demo_login(&mut self, persona: &str) {
        let begin = self.get("/login?return_to=%2F&level=low").await;
        assert_eq!(begin.status, StatusCode::SEE_OTHER, "{}", begin.body);
        let authorize = begin.location();
        let path = authorize
            .strip_prefix(&self.base)
            .unwrap_or_else(|| panic!("the demo provider is on the portal: {authorize}"))
            .to_owned();
        let page = self.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let hidden = Selector::parse(&format!(
            "section[aria-labelledby=persona-{persona}] form input[type=hidden]"
        ))
        .expect("selector");
        let fields: Vec<(String, String)> = page
            .html()
            .select(&hidden)
            .filter_map(|e| {
                Some((
                    e.value().attr("name")?.to_owned(),
                    e.value().attr("value")?.to_owned(),
                ))
            })
            .collect();
        assert!(
            !fields.is_empty(),
            "no test person {persona}:\n{}",
            page.body
        );
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let picked = self.post("/demo-op/authorize", &fields).await;
        assert_eq!(picked.status, StatusCode::SEE_OTHER, "{}", picked.body);
        let callback = picked.location();
        let callback = callback
            .strip_prefix(&self.base)
            .unwrap_or(&callback)
            .to_owned();
        let back = self.get(&callback).await;
        assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
        assert_eq!(
            back.location(),
            "/",
            "logged in, back where the login began"
        );
    }

    /// An admin's "Prüfen" of a form definition pasted on a fresh upload page.
    pub async fn check_form(&mut self, text: &str) -> Page {
        self.submit(
            "/staff/forms/new",
            &[("definition", text), ("_action", "check")],
        )
        .await
    }

    /// Checks `text` (it must be clean), then presses "Veröffentlichen" on the result.
    pub async fn publish_form(&mut self, text: &str) -> Page {
        let checked = self.check_form(text).await;
        assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
        self.press_publish(&checked).await
    }

    /// Posts the publish form of a clean check result: its hidden fields and the button.
    pub async fn press_publish(&mut self, checked: &Page) -> Page {
        let hidden: Vec<(String, String)> = checked
            .html()
            .select(&Selector::parse("form.publish-form input[type=hidden]").expect("selector"))
            .map(|e| {
                (
                    e.value().attr("name").unwrap_or_default().to_owned(),
                    e.value().attr("value").unwrap_or_default().to_owned(),
                )
            })
            .collect();
        assert!(
            hidden.iter().any(|(k, _)| k == "definition"),
            "no publish form on the page:\n{}",
            checked.body
        );
        let mut fields: Vec<(&str, &str)> = hidden
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        fields.push(("_action", "publish"));
        self.post("/staff/forms/new", &fields).await
    }

    /// Signs a staff member in; panics unless the login succeeds.
    pub async fn staff_login(&mut self, username: &str, password: &str) {
        let res = self
            .submit(
                "/staff/login",
                &[("username", username), ("password", password)],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "login of {username}: {}",
            res.body
        );
    }
}

/// How a walk through an application ends.
#[derive(Clone, Copy)]
enum WalkEnd {
    /// Post the check page, with the declaration ticked or not.
    Submit { declare: bool },
    /// Stop on the check page.
    AtCheck,
}

/// The check page is the one with the declaration box.
fn is_check_page(page: &Page) -> bool {
    page.attr("input[name=_declaration]", "name").is_some()
}

fn serde_urlencoded_pairs(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).expect("form fields encode")
}
