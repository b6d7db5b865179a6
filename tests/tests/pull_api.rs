//! The pull API for backends (issue 7), black-box: the real portal binary with `pull_api`
//! targets in its configuration file, on SQLite and PostgreSQL.
//!
//! - A backend lists the new cases, fetches one with its attachment, acknowledges it: the case
//!   leaves the list and, as this was its only target, the clerk and the citizen see it
//!   forwarded. Acknowledging again changes nothing.
//! - The application PDF comes with the case.
//! - A backend posts statuses: the citizen sees the status in "Meine Anträge", the message is
//!   stored with it, an email to the citizen is queued once per change (and once for a repeat
//!   with the same `Idempotency-Key`); a status the case cannot take is a 409 problem.
//! - Tokens are per municipality and per target: Werther's token gets 401 on Ellrich's
//!   routes, Ellrich's case is "not found" under Werther, a target only sees the services it
//!   takes.
//! - Refusals are problem documents: no or a wrong token (401 with a challenge), a missing
//!   scope (403), bad ids, bad JSON, wrong types, bodies too large, unknown routes and
//!   methods; nothing sets a cookie, nothing is cached.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tests::{Browser, DOG_TAX_ANSWERS, Db, Options, TestApp, both_databases};

/// Werther's backend: every scope.
const WERTHER_TOKEN: &str = "7f1c0e9a4b2d48f6a3e5c7b9d1f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6";
/// Werther's statistics office: read only, trade registrations only.
const READER_TOKEN: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
/// Ellrich's backend (from a tokens file).
const ELLRICH_TOKEN: &str = "e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e11e";

const DOG_TAX_PATH: &str = "/services/hundesteuer-anmeldung/form";
const GRAVE_FORM: &str = "/werther/services/grabnutzungsrecht-verlaengerung/form";

/// A small but real PDF, the grave deed.
const DEED: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The demo portal with pull targets: Werther's backend (every scope, every service), its
/// statistics office (no status, trade registrations only) and Ellrich's backend.
async fn portal(db: Db) -> TestApp {
    let mut app = TestApp::prepare(db, Options::default()).await;
    let tokens = app.data_dir.path().join("ellrich-tokens");
    std::fs::write(&tokens, format!("\n{ELLRICH_TOKEN}\n")).unwrap();
    let config = app.data_dir.path().join("portal.toml");
    std::fs::write(
        &config,
        format!(
            "[[delivery_targets.werther]]\nname = \"fachverfahren\"\nkind = \"pull_api\"\n\
             token_sha256 = [\"{}\"]\n\n\
             [[delivery_targets.werther]]\nname = \"statistik\"\nkind = \"pull_api\"\n\
             token_sha256 = [\"{}\"]\nscopes = [\"cases:read\", \"cases:acknowledge\"]\n\
             services = [\"gewerbeanmeldung\"]\n\n\
             [[delivery_targets.ellrich]]\nname = \"fachverfahren\"\nkind = \"pull_api\"\n\
             tokens_file = \"{}\"\n",
            sha256_hex(WERTHER_TOKEN),
            sha256_hex(READER_TOKEN),
            tokens.display(),
        ),
    )
    .unwrap();
    app.options
        .env
        .push(("PORTAL_CONFIG".into(), config.display().to_string()));
    app.launch()
        .await
        .unwrap_or_else(|e| panic!("portal did not start: {e}"));
    app
}

/// Fails the test unless `value` fits the schema `name` of docs/openapi.json.
fn assert_conforms(value: &Value, name: &str) {
    let mut openapi: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/openapi.json"
    )))
    .unwrap();
    let schema = json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": openapi["components"].take(),
    });
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "does not fit {name} of docs/openapi.json: {errors:#?}\n{value:#}"
    );
}

/// One answer of the API.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), HTTP {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// A problem document with `status` and `code`, in German, never a page; returns it.
    fn problem(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            "application/problem+json",
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        let p = self.json();
        assert_eq!(p["status"], status.as_u16(), "{p}");
        assert_eq!(p["code"], code, "{p}");
        assert_eq!(p["type"], format!("urn:ozg-portal:problem:{code}"), "{p}");
        assert!(!p["title"].as_str().unwrap_or_default().is_empty(), "{p}");
        assert!(!p["detail"].as_str().unwrap_or_default().is_empty(), "{p}");
        assert_conforms(&p, "Problem");
        self.assert_plain();
        p
    }

    /// What every answer of the API has: no cookie, no caching.
    fn assert_plain(&self) {
        assert!(
            self.headers.get("set-cookie").is_none(),
            "the API sets no cookie"
        );
        assert_eq!(self.header("cache-control"), "no-store");
    }
}

/// A backend calling the API with its token (or none).
struct Api {
    base: String,
    token: Option<&'static str>,
    http: reqwest::Client,
}

impl Api {
    fn new(app: &TestApp, token: Option<&'static str>) -> Self {
        Self {
            base: app.base.clone(),
            token,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// `path` relative to the portal, or a full URL the API handed out.
    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let req = match self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let res = req.send().await.expect("request");
        Answer {
            status: res.status(),
            headers: res.headers().clone(),
            body: res.bytes().await.expect("body").to_vec(),
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path))).await
    }

    async fn post(&self, path: &str) -> Answer {
        self.send(self.http.post(self.url(path))).await
    }

    async fn post_json(&self, path: &str, body: &Value) -> Answer {
        self.post_raw(path, "application/json", body.to_string().into_bytes())
            .await
    }

    async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
        self.send(
            self.http
                .post(self.url(path))
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }

    /// The ids of the cases in the list.
    async fn listed(&self, municipality: &str) -> Vec<String> {
        let list = self.get(&format!("/api/v1/{municipality}/cases")).await;
        assert_eq!(list.status, StatusCode::OK);
        list.json()["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// A filed case: its id and reference.
struct Filed {
    id: String,
    reference: String,
}

/// The case id from a URL like `/werther/cases/<id>/...`.
fn case_id(url: &str) -> String {
    url.split("/cases/")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?']).next())
        .expect("a case URL")
        .to_owned()
}

/// A citizen logged in as Jonas (so the cases show in Meine Anträge).
async fn jonas(app: &TestApp) -> Browser {
    let mut citizen = app.browser();
    citizen.demo_login("jonas").await;
    citizen
}

/// Files the (free) dog-tax registration in `municipality`.
async fn file_dog_tax(citizen: &mut Browser, municipality: &str) -> Filed {
    let done = citizen
        .apply(&format!("/{municipality}{DOG_TAX_PATH}"), DOG_TAX_ANSWERS)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let confirmation = done.location();
    let page = citizen.get(&confirmation).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    Filed {
        id: case_id(&confirmation),
        reference: page.text(".reference"),
    }
}

/// Files a grave extension in Werther with the deed attached, and pays it (the demo's
/// simulation): complete, so it is queued for the backend.
async fn file_grave_with_deed(citizen: &mut Browser) -> Filed {
    let first = citizen.get(GRAVE_FORM).await;
    let applicant: Vec<(&str, &str)> = tests::GRAVE_ANSWERS
        .iter()
        .copied()
        .filter(|(k, _)| first.input_names().iter().any(|n| n == k))
        .collect();
    let next = citizen.press(&first, "next", &applicant).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let grave = citizen.get(&next.location()).await;
    let grave_answers: Vec<(&str, &str)> = tests::GRAVE_ANSWERS
        .iter()
        .copied()
        .filter(|(k, _)| grave.input_names().iter().any(|n| n == k))
        .collect();
    let next = citizen
        .press_with_files(
            &grave,
            "next",
            &grave_answers,
            &[("urkunde", "Graburkunde Hoffmann.pdf", DEED)],
        )
        .await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let years = citizen.get(&next.location()).await;
    let to_check = citizen.press(&years, "next", &[("jahre", "10")]).await;
    assert_eq!(to_check.status, StatusCode::SEE_OTHER, "{}", to_check.body);
    let check = citizen.get(&to_check.location()).await;
    let token = check.csrf_token();
    let done = citizen
        .post(
            &check.form_action(),
            &[("_csrf", token.as_str()), ("_declaration", "yes")],
        )
        .await;
    let paid = citizen.pay_demo(&done, "paid").await;
    let confirmation = paid.location();
    assert!(confirmation.ends_with("/confirmation"), "{confirmation}");
    let page = citizen.get(&confirmation).await;
    Filed {
        id: case_id(&confirmation),
        reference: page.text(".reference"),
    }
}

/// One text value from the database under test (`None` for no row or SQL null).
async fn db_text(app: &TestApp, sql: &str) -> Option<String> {
    app.scalar::<Option<String>>(sql).await.flatten()
}

/// The citizen's status of a case in Meine Anträge, and the backend's message shown with it.
async fn status_in_mine(citizen: &mut Browser, reference: &str) -> (String, Option<String>) {
    let mine = citizen.get("/my-applications").await;
    assert_eq!(mine.status, StatusCode::OK);
    let html = mine.html();
    let rows = scraper::Selector::parse("table[aria-labelledby=cases] tbody tr").unwrap();
    let cells = scraper::Selector::parse("td").unwrap();
    let note = scraper::Selector::parse(".status-note").unwrap();
    let text = |e: scraper::ElementRef<'_>| e.text().collect::<String>().trim().to_owned();
    let row = html
        .select(&rows)
        .find(|row| row.select(&cells).nth(2).map(text).as_deref() == Some(reference))
        .unwrap_or_else(|| panic!("{reference} is not in Meine Anträge:\n{}", mine.body));
    let cell = row.select(&cells).nth(3).expect("a status cell");
    let note = cell.select(&note).next().map(text);
    let all = text(cell);
    let status = match &note {
        Some(n) => all.trim_end_matches(n.as_str()).trim().to_owned(),
        None => all,
    };
    (status, note)
}

// ---------------------------------------------------------------------------------------------
// Stories
// ---------------------------------------------------------------------------------------------

async fn a_backend_lists_fetches_and_acknowledges_a_case_which_is_then_forwarded(db: Db) {
    let app = portal(db).await;
    let mut citizen = jonas(&app).await;
    let grave = file_grave_with_deed(&mut citizen).await;
    let api = Api::new(&app, Some(WERTHER_TOKEN));

    // The list: the new case, with what a backend needs to pick it up.
    let list = api.get("/api/v1/werther/cases").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.header("content-type").starts_with("application/json"));
    list.assert_plain();
    let list = list.json();
    assert_conforms(&list, "CaseList");
    assert_eq!(list["more"], false);
    let cases = list["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{list}");
    let listed = &cases[0];
    assert_eq!(listed["id"], grave.id.as_str());
    assert_eq!(listed["reference"], grave.reference.as_str());
    assert_eq!(listed["service"], "grabnutzungsrecht-verlaengerung");
    assert_eq!(
        listed["idempotency_key"],
        format!("{}.fachverfahren", grave.reference)
    );
    assert!(listed["completed_at"].is_string(), "{listed}");
    let url = listed["url"].as_str().unwrap();
    assert!(
        url.ends_with(&format!("/api/v1/werther/cases/{}", grave.id)),
        "{url}"
    );

    // The case document, its attachment by link.
    let doc = api.get(url).await;
    assert_eq!(doc.status, StatusCode::OK);
    doc.assert_plain();
    let doc = doc.json();
    assert_conforms(&doc, "PulledCase");
    assert_eq!(doc["format"], "ozg-portal/case/v1");
    assert_eq!(doc["case"]["reference"], grave.reference.as_str());
    assert_eq!(doc["municipality"]["slug"], "werther");
    assert_eq!(doc["service"]["slug"], "grabnutzungsrecht-verlaengerung");
    assert_eq!(doc["answers"]["grabnummer"], "Feld B, Reihe 3, Nr. 12");
    assert_eq!(doc["payment"]["status"], "paid");
    assert_eq!(doc["acknowledged"], false);
    assert_eq!(
        doc["idempotency_key"],
        format!("{}.fachverfahren", grave.reference)
    );
    let pdf_url = doc["application_pdf"]["url"].as_str().unwrap();
    assert!(
        pdf_url.ends_with(&format!(
            "/api/v1/werther/cases/{}/application.pdf",
            grave.id
        )),
        "{pdf_url}"
    );
    let attachments = doc["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1, "{doc}");
    let deed = &attachments[0];
    assert_eq!(deed["file_name"], "Graburkunde Hoffmann.pdf");
    assert_eq!(deed["content_type"], "application/pdf");
    assert_eq!(deed["sha256"], sha256_hex_bytes(DEED));
    let file = api.get(deed["url"].as_str().unwrap()).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), "application/pdf");
    assert!(
        file.header("content-disposition")
            .starts_with("attachment; filename=\"Graburkunde Hoffmann.pdf\""),
        "{}",
        file.header("content-disposition")
    );
    assert_eq!(file.header("x-content-type-options"), "nosniff");
    file.assert_plain();
    assert_eq!(file.body, DEED);

    // Acknowledged: gone from the list, and forwarded (its only target). Again: the same.
    let ack = api
        .post(&format!("/api/v1/werther/cases/{}/acknowledge", grave.id))
        .await;
    assert_eq!(ack.status, StatusCode::NO_CONTENT);
    ack.assert_plain();
    assert!(api.listed("werther").await.is_empty());
    let again = api
        .post(&format!("/api/v1/werther/cases/{}/acknowledge", grave.id))
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    let doc = api.get(url).await.json();
    assert_eq!(doc["acknowledged"], true);
    assert_eq!(doc["case"]["status"], "forwarded");
    // Still readable after the acknowledgement, attachment included.
    assert_eq!(
        api.get(deed["url"].as_str().unwrap()).await.status,
        StatusCode::OK
    );

    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let case = clerk
        .get(&format!("/staff/cases/{}?tenant=werther", grave.id))
        .await;
    assert_eq!(case.status, StatusCode::OK);
    assert!(case.body.contains("Weitergeleitet"), "{}", case.body);
    assert_eq!(
        status_in_mine(&mut citizen, &grave.reference).await,
        ("Weitergeleitet".to_owned(), None)
    );
    let forwarded_events = db_text(
        &app,
        &format!(
            "select cast(count(*) as text) from case_events where case_id = '{}' \
             and kind = 'forwarded'",
            grave.id
        ),
    )
    .await;
    assert_eq!(forwarded_events.as_deref(), Some("1"), "forwarded once");
    app.stop().await;
}

fn sha256_hex_bytes(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

async fn the_list_is_oldest_first_in_pages_and_nothing_is_lost_before_the_acknowledgement(db: Db) {
    let app = portal(db).await;
    let mut citizen = jonas(&app).await;
    let first = file_dog_tax(&mut citizen, "werther").await;
    let second = file_dog_tax(&mut citizen, "werther").await;
    let third = file_dog_tax(&mut citizen, "werther").await;
    let api = Api::new(&app, Some(WERTHER_TOKEN));

    let page = api.get("/api/v1/werther/cases?limit=2").await.json();
    let ids: Vec<&str> = page["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first.id.as_str(), second.id.as_str()]);
    assert_eq!(page["more"], true);
    // Fetching is not acknowledging: the list stays the same until the backend says so.
    let doc = api
        .get(&format!("/api/v1/werther/cases/{}", first.id))
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc = doc.json();
    assert_conforms(&doc, "PulledCase");
    assert_eq!(doc["payment"], Value::Null, "the dog tax is free");
    assert_eq!(
        api.listed("werther").await,
        [first.id.as_str(), second.id.as_str(), third.id.as_str()]
    );
    api.post(&format!("/api/v1/werther/cases/{}/acknowledge", second.id))
        .await;
    assert_eq!(
        api.listed("werther").await,
        [first.id.as_str(), third.id.as_str()]
    );
    let page = api.get("/api/v1/werther/cases?limit=2").await.json();
    assert_eq!(page["more"], false);
    app.stop().await;
}

async fn the_application_pdf_comes_with_the_case(db: Db) {
    let app = portal(db).await;
    let mut citizen = jonas(&app).await;
    let case = file_dog_tax(&mut citizen, "werther").await;
    let api = Api::new(&app, Some(WERTHER_TOKEN));
    let pdf = api
        .get(&format!(
            "/api/v1/werther/cases/{}/application.pdf",
            case.id
        ))
        .await;
    assert_eq!(
        pdf.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&pdf.body)
    );
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert!(
        pdf.header("content-disposition")
            .contains(&format!("Antrag-{}.pdf", case.reference)),
        "{}",
        pdf.header("content-disposition")
    );
    pdf.assert_plain();
    assert!(pdf.body.starts_with(b"%PDF"), "a PDF");
    app.stop().await;
}

async fn a_backend_posts_statuses_the_citizen_sees_and_is_told_about(db: Db) {
    let app = portal(db).await;
    let mut citizen = jonas(&app).await;
    let case = file_dog_tax(&mut citizen, "werther").await;
    let api = Api::new(&app, Some(WERTHER_TOKEN));
    let status_url = format!("/api/v1/werther/cases/{}/status", case.id);
    let status_mails = format!(
        "select cast(count(*) as text) from outbox_jobs where case_id = '{}' \
         and kind = 'mail' and subject = 'status'",
        case.id
    );

    let posted = api
        .post_json(
            &status_url,
            &json!({"status": "in_progress", "message": "Wir prüfen Ihre Anmeldung."}),
        )
        .await;
    assert_eq!(
        posted.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&posted.body)
    );
    posted.assert_plain();
    assert_conforms(&posted.json(), "StatusAnswer");
    assert_eq!(
        posted.json(),
        json!({"id": case.id, "status": "in_progress", "message": "Wir prüfen Ihre Anmeldung."})
    );
    assert_eq!(
        status_in_mine(&mut citizen, &case.reference).await,
        (
            "In Bearbeitung".to_owned(),
            Some("Wir prüfen Ihre Anmeldung.".to_owned())
        )
    );
    let note = db_text(
        &app,
        &format!("select status_note from cases where id = '{}'", case.id),
    )
    .await;
    assert_eq!(note.as_deref(), Some("Wir prüfen Ihre Anmeldung."));
    assert_eq!(db_text(&app, &status_mails).await.as_deref(), Some("1"));
    let actor = db_text(
        &app,
        &format!(
            "select actor from case_events where case_id = '{}' and kind = 'status'",
            case.id
        ),
    )
    .await;
    assert_eq!(actor.as_deref(), Some("fachverfahren"), "the target acted");

    // A question to the citizen, sent twice with the same key (the answer got lost): one
    // email.
    for _ in 0..2 {
        let asked = api
            .send(
                api.http
                    .post(api.url(&status_url))
                    .header("content-type", "application/json")
                    .header("idempotency-key", "rueckfrage-1")
                    .body(
                        json!({"status": "needs_info", "message": "Bitte reichen Sie den \
                               Nachweis der Haftpflichtversicherung nach."})
                        .to_string(),
                    ),
            )
            .await;
        assert_eq!(asked.status, StatusCode::OK);
    }
    assert_eq!(
        status_in_mine(&mut citizen, &case.reference).await,
        (
            "Rückfrage".to_owned(),
            Some("Bitte reichen Sie den Nachweis der Haftpflichtversicherung nach.".to_owned())
        )
    );
    assert_eq!(db_text(&app, &status_mails).await.as_deref(), Some("2"));

    // Decided without a message: the old message goes.
    let decided = api
        .post_json(&status_url, &json!({"status": "decided"}))
        .await;
    assert_eq!(decided.status, StatusCode::OK);
    assert_eq!(decided.json()["message"], Value::Null);
    assert_eq!(
        db_text(
            &app,
            &format!("select status_note from cases where id = '{}'", case.id)
        )
        .await,
        None
    );
    // A decided case cannot be withdrawn any more.
    let refused = api
        .post_json(&status_url, &json!({"status": "withdrawn"}))
        .await;
    let p = refused.problem(StatusCode::CONFLICT, "status_not_allowed");
    assert_eq!(p["current_status"], "decided");
    assert_eq!(
        status_in_mine(&mut citizen, &case.reference).await,
        ("Entschieden".to_owned(), None)
    );
    let closed = api
        .post_json(
            &status_url,
            &json!({"status": "closed", "message": "Erledigt."}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK);
    assert_eq!(
        status_in_mine(&mut citizen, &case.reference).await,
        ("Abgeschlossen".to_owned(), Some("Erledigt.".to_owned()))
    );
    // Closed is final.
    api.post_json(&status_url, &json!({"status": "in_progress"}))
        .await
        .problem(StatusCode::CONFLICT, "status_not_allowed");
    assert_eq!(db_text(&app, &status_mails).await.as_deref(), Some("4"));
    app.stop().await;
}

async fn a_token_sees_only_its_own_municipality_and_target(db: Db) {
    let app = portal(db).await;
    let mut citizen = jonas(&app).await;
    let werther = file_dog_tax(&mut citizen, "werther").await;
    let ellrich = file_dog_tax(&mut citizen, "ellrich").await;
    let werther_api = Api::new(&app, Some(WERTHER_TOKEN));
    let ellrich_api = Api::new(&app, Some(ELLRICH_TOKEN));
    let reader = Api::new(&app, Some(READER_TOKEN));

    assert_eq!(werther_api.listed("werther").await, [werther.id.as_str()]);
    assert_eq!(ellrich_api.listed("ellrich").await, [ellrich.id.as_str()]);

    // Werther's token is no token at Ellrich, and the other way round.
    for path in [
        "/api/v1/ellrich/cases".to_owned(),
        format!("/api/v1/ellrich/cases/{}", ellrich.id),
        format!("/api/v1/ellrich/cases/{}/application.pdf", ellrich.id),
    ] {
        let refused = werther_api.get(&path).await;
        refused.problem(StatusCode::UNAUTHORIZED, "unauthorized");
        assert!(
            refused.header("www-authenticate").starts_with("Bearer "),
            "{}",
            refused.header("www-authenticate")
        );
    }
    werther_api
        .post(&format!("/api/v1/ellrich/cases/{}/acknowledge", ellrich.id))
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    ellrich_api
        .get("/api/v1/werther/cases")
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    // Ellrich's case under Werther's address: there is no such case for Werther.
    for path in [
        format!("/api/v1/werther/cases/{}", ellrich.id),
        format!("/api/v1/werther/cases/{}/application.pdf", ellrich.id),
    ] {
        werther_api
            .get(&path)
            .await
            .problem(StatusCode::NOT_FOUND, "case_not_found");
    }
    werther_api
        .post(&format!("/api/v1/werther/cases/{}/acknowledge", ellrich.id))
        .await
        .problem(StatusCode::NOT_FOUND, "case_not_found");
    werther_api
        .post_json(
            &format!("/api/v1/werther/cases/{}/status", ellrich.id),
            &json!({"status": "in_progress"}),
        )
        .await
        .problem(StatusCode::NOT_FOUND, "case_not_found");
    assert_eq!(
        ellrich_api.listed("ellrich").await,
        [ellrich.id.as_str()],
        "untouched"
    );
    assert_eq!(
        status_in_mine(&mut citizen, &ellrich.reference).await,
        ("Eingegangen".to_owned(), None)
    );

    // The statistics office takes trade registrations only: the dog tax is not its case.
    assert!(reader.listed("werther").await.is_empty());
    reader
        .get(&format!("/api/v1/werther/cases/{}", werther.id))
        .await
        .problem(StatusCode::NOT_FOUND, "case_not_found");
    // Without `cases:status` it may not post a status (the scope is checked first).
    let refused = reader
        .post_json(
            &format!("/api/v1/werther/cases/{}/status", werther.id),
            &json!({"status": "in_progress"}),
        )
        .await;
    let p = refused.problem(StatusCode::FORBIDDEN, "insufficient_scope");
    assert_eq!(p["scope"], "cases:status");
    assert!(
        refused
            .header("www-authenticate")
            .contains("insufficient_scope"),
        "{}",
        refused.header("www-authenticate")
    );
    assert_eq!(
        werther_api.listed("werther").await,
        [werther.id.as_str()],
        "untouched"
    );
    app.stop().await;
}

async fn refusals_are_problem_documents_and_nothing_panics(db: Db) {
    let app = portal(db).await;
    let mut citizen = jonas(&app).await;
    let case = file_dog_tax(&mut citizen, "werther").await;
    let api = Api::new(&app, Some(WERTHER_TOKEN));
    let anonymous = Api::new(&app, None);
    let wrong = Api::new(
        &app,
        Some("0000000000000000000000000000000000000000000000000000000000000000"),
    );
    let status_url = format!("/api/v1/werther/cases/{}/status", case.id);

    // No token, a wrong one, another scheme.
    let none = anonymous.get("/api/v1/werther/cases").await;
    none.problem(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(none.header("www-authenticate").starts_with("Bearer realm="));
    assert!(!none.header("www-authenticate").contains("invalid_token"));
    let bad = wrong.get("/api/v1/werther/cases").await;
    bad.problem(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(bad.header("www-authenticate").contains("invalid_token"));
    let basic = anonymous
        .send(
            anonymous
                .http
                .get(anonymous.url("/api/v1/werther/cases"))
                .basic_auth("fachverfahren", Some(WERTHER_TOKEN)),
        )
        .await;
    basic.problem(StatusCode::UNAUTHORIZED, "unauthorized");
    // Without a token, a bad id says nothing either.
    anonymous
        .get("/api/v1/werther/cases/kein-vorgang")
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    anonymous
        .get("/api/v1/nirgendwo/cases")
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");

    // Ids that are no case.
    for path in [
        "/api/v1/werther/cases/kein-vorgang".to_owned(),
        "/api/v1/werther/cases/%FF%FE".to_owned(),
        format!("/api/v1/werther/cases/{}", uuid::Uuid::new_v4()),
        "/api/v1/werther/cases/kein-vorgang/application.pdf".to_owned(),
    ] {
        api.get(&path)
            .await
            .problem(StatusCode::NOT_FOUND, "case_not_found");
    }
    api.post("/api/v1/werther/cases/123/acknowledge")
        .await
        .problem(StatusCode::NOT_FOUND, "case_not_found");
    for attachment in ["keine-anlage".to_owned(), uuid::Uuid::new_v4().to_string()] {
        api.get(&format!(
            "/api/v1/werther/cases/{}/attachments/{attachment}",
            case.id
        ))
        .await
        .problem(StatusCode::NOT_FOUND, "attachment_not_found");
    }

    // Bodies: not JSON, not the shape, not a status, too long, wrong type, too large.
    api.post_raw(&status_url, "application/json", b"{\"status\": ".to_vec())
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_json");
    api.post_raw(&status_url, "application/json", vec![0xff, 0xfe, 0x00])
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_json");
    api.post_json(&status_url, &json!(["in_progress"]))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");
    api.post_json(&status_url, &json!({"status": "in_progress", "note": "x"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");
    api.post_json(&status_url, &json!({"status": 3}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");
    api.post_json(&status_url, &json!({"status": "forwarded"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_status");
    api.post_json(
        &status_url,
        &json!({"status": "in_progress", "message": "x".repeat(2001)}),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "message_too_long");
    api.post_json(
        &status_url,
        &json!({"status": "in_progress", "message": "a\u{7}b"}),
    )
    .await
    .problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "message_control_characters",
    );
    api.post_raw(
        &status_url,
        "application/x-www-form-urlencoded",
        b"status=in_progress".to_vec(),
    )
    .await
    .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let huge = format!(
        "{{\"status\": \"in_progress\", \"message\": \"{}\"}}",
        "x".repeat(64 * 1024)
    );
    api.post_raw(&status_url, "application/json", huge.into_bytes())
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
    api.send(
        api.http
            .post(api.url(&status_url))
            .header("content-type", "application/json")
            .header("idempotency-key", "mit leerzeichen")
            .body(json!({"status": "in_progress"}).to_string()),
    )
    .await
    .problem(StatusCode::BAD_REQUEST, "invalid_idempotency_key");
    // None of that changed the case.
    assert_eq!(
        status_in_mine(&mut citizen, &case.reference).await,
        ("Eingegangen".to_owned(), None)
    );

    // Parameters, routes and methods.
    for limit in ["0", "101", "viele"] {
        api.get(&format!("/api/v1/werther/cases?limit={limit}"))
            .await
            .problem(StatusCode::BAD_REQUEST, "invalid_limit");
    }
    api.get("/api/v1/werther/faelle")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    api.get("/api/v1")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    api.post("/api/v1/werther/cases")
        .await
        .problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    api.get(&format!("/api/v1/werther/cases/{}/acknowledge", case.id))
        .await
        .problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");

    // The description of it all.
    let spec = anonymous.get("/api/v1/openapi.json").await;
    assert_eq!(spec.status, StatusCode::OK);
    let spec = spec.json();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(spec["paths"]["/api/v1/{municipality}/cases"].is_object());

    // The portal is still fine, and no token reached the log.
    assert_eq!(
        api.listed("werther").await,
        [case.id.as_str()],
        "the case is still waiting"
    );
    let log = app.log_text();
    assert!(!log.contains(WERTHER_TOKEN), "no token in the log");
    assert!(!log.contains("panicked"), "{log}");
    app.stop().await;
}

both_databases!(
    a_backend_lists_fetches_and_acknowledges_a_case_which_is_then_forwarded,
    the_list_is_oldest_first_in_pages_and_nothing_is_lost_before_the_acknowledgement,
    the_application_pdf_comes_with_the_case,
    a_backend_posts_statuses_the_citizen_sees_and_is_told_about,
    a_token_sees_only_its_own_municipality_and_target,
    refusals_are_problem_documents_and_nothing_panics,
);
