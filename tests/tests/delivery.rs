//! Forwarding completed cases (issue 7) with real peers as separate processes on loopback: a
//! webhook receiver that verifies the signature (tests/peers/webhook_receiver.py) and an SMTP
//! server (aiosmtpd). The receivers' records are the truth, not the portal's.
//!
//! The fault test's CI size runs here; the full size runs with
//! `DELIVERY_FAULT_CASES=200 DELIVERY_BURST_CASES=300 cargo nextest run -p tests --test delivery`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tests::peers::{Faults, SmtpServer, WebhookReceiver};
use tests::{DOG_TAX_ANSWERS, Db, Options, TestApp, both_databases, file_dog_tax};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

const SECRET: &str = "whsec-test-0123456789abcdef0123456789abcdef";

fn env_size(name: &str, ci: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ci)
}

/// A configuration with Werther's webhook (and, with `smtp`, its office mailbox and the
/// citizens' emails); short retries and timeouts so that a test sees many tries.
fn config(app: &TestApp, webhook: &str, smtp: Option<&SmtpServer>) -> Options {
    config_with(app, webhook, smtp, 1000, 2)
}

fn config_with(
    app: &TestApp,
    webhook: &str,
    smtp: Option<&SmtpServer>,
    max_attempts: u32,
    timeout_seconds: u32,
) -> Options {
    let mut text = format!(
        "[delivery]\nfirst_retry_seconds = 1\nmax_retry_seconds = 2\n\
         timeout_seconds = {timeout_seconds}\n\
         poll_seconds = 1\nmax_attempts = {max_attempts}\n\n\
         [[delivery_targets.werther]]\nname = \"ordnungsamt\"\nkind = \"webhook\"\n\
         url = \"{webhook}\"\nsecret = \"{SECRET}\"\n\n"
    );
    if let Some(smtp) = smtp {
        text.push_str(&format!(
            "[[delivery_targets.werther]]\nname = \"poststelle\"\nkind = \"email\"\n\
             to = [\"ordnungsamt@werther.example\"]\n\n\
             [smtp]\nurl = \"{}\"\nfrom = \"Bürgerportal <noreply@portal.example>\"\n",
            smtp.url()
        ));
    }
    let path = app.data_dir.path().join("portal.toml");
    std::fs::write(&path, text).expect("config");
    Options {
        demo: true,
        env: vec![("PORTAL_CONFIG".into(), path.display().to_string())],
    }
}

async fn started(db: Db, webhook: &str, smtp: Option<&SmtpServer>) -> TestApp {
    let mut app = TestApp::prepare(db, Options::default()).await;
    app.options = config(&app, webhook, smtp);
    app.launch().await.expect("portal starts");
    app
}

/// Waits until `done` holds, up to `secs` seconds; returns whether it did.
async fn eventually(secs: u64, mut done: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if done() {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn header(mail: &mailparse::ParsedMail<'_>, name: &str) -> Option<String> {
    mail.headers
        .iter()
        .find(|h| h.get_key().eq_ignore_ascii_case(name))
        .map(|h| h.get_value())
}

fn attachment_names(mail: &mailparse::ParsedMail<'_>) -> Vec<String> {
    mail.subparts
        .iter()
        .filter_map(|p| {
            let d = p.get_content_disposition();
            (d.disposition == mailparse::DispositionType::Attachment)
                .then(|| d.params.get("filename").cloned().unwrap_or_default())
        })
        .collect()
}

async fn case_status(app: &TestApp, reference: &str) -> String {
    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let inbox = clerk.get("/staff/inbox?tenant=werther").await;
    inbox
        .texts("tr")
        .into_iter()
        .find(|r| r.contains(reference))
        .unwrap_or_else(|| panic!("{reference} not in the inbox:\n{}", inbox.body))
}

/// Whether the clerk's inbox shows the case as forwarded within ten seconds.
async fn shown_forwarded(app: &TestApp, reference: &str) -> bool {
    for _ in 0..50 {
        if case_status(app, reference).await.contains("Weitergeleitet") {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

async fn a_completed_case_reaches_the_webhook_and_the_office_mailbox_and_is_forwarded(db: Db) {
    let receiver = WebhookReceiver::start(SECRET, Faults::default()).await;
    let smtp = SmtpServer::start().await;
    let app = started(db, &receiver.url(), Some(&smtp)).await;
    let filed = file_dog_tax(&mut app.browser()).await;
    let key = format!("{}.ordnungsamt", filed.reference);
    assert!(
        eventually(60, || receiver.accepted_keys().contains(&key)).await,
        "the webhook never got {key}: {:?}\n{}",
        receiver.records(),
        app.log_text()
    );
    let record = receiver
        .records()
        .into_iter()
        .find(|r| r["key"] == key.as_str())
        .unwrap();
    assert_eq!(record["reference"], filed.reference.as_str());
    assert_eq!(
        record["body_key"],
        key.as_str(),
        "the key is in the body too"
    );
    assert_eq!(
        record["pdf"], "JVBERi0x",
        "the application PDF inline (%PDF-1)"
    );
    // The office's copy and the citizen's confirmation.
    let mails = smtp.wait_for(2, 60).await;
    assert_eq!(mails.len(), 2, "{}", app.log_text());
    let parsed: Vec<mailparse::ParsedMail<'_>> = mails
        .iter()
        .map(|m| mailparse::parse_mail(m).expect("a mail"))
        .collect();
    let office = parsed
        .iter()
        .find(|m| header(m, "To").is_some_and(|t| t.contains("ordnungsamt@werther.example")))
        .expect("the office's mail");
    assert_eq!(
        header(office, "Idempotency-Key").as_deref(),
        Some(format!("{}.poststelle", filed.reference).as_str())
    );
    assert!(
        header(office, "Subject")
            .unwrap()
            .contains(&filed.reference)
    );
    let names = attachment_names(office);
    assert!(
        names.contains(&format!("Antrag-{}.pdf", filed.reference)),
        "{names:?}"
    );
    assert!(
        names.contains(&format!("Antrag-{}.json", filed.reference)),
        "{names:?}"
    );
    let citizen = parsed
        .iter()
        .find(|m| header(m, "To").is_some_and(|t| t.contains("anna.schulz@example.org")))
        .expect("the citizen's confirmation");
    let subject = header(citizen, "Subject").unwrap();
    assert!(subject.contains(&filed.reference), "{subject}");
    // Both targets delivered: the clerk sees the case forwarded.
    assert!(
        shown_forwarded(&app, &filed.reference).await,
        "the case was not shown as forwarded"
    );
    assert_eq!(receiver.records().len(), 1, "delivered once");
    app.stop().await;
}

/// A file-drop target through the worker: the case's folder appears under its key, complete
/// (written under a temporary name first), with the case JSON, the application PDF and the
/// xdomea message.
async fn a_case_lands_in_the_file_drop_folder_under_its_key(db: Db) {
    let drop = tempfile::tempdir().unwrap();
    let mut app = TestApp::prepare(db, Options::default()).await;
    let path = app.data_dir.path().join("portal.toml");
    std::fs::write(
        &path,
        format!(
            "[delivery]\npoll_seconds = 1\n\n[[delivery_targets.werther]]\nname = \"ablage\"\n\
             kind = \"file_drop\"\ndirectory = \"{}\"\n",
            drop.path().display()
        ),
    )
    .unwrap();
    app.options = Options {
        demo: true,
        env: vec![("PORTAL_CONFIG".into(), path.display().to_string())],
    };
    app.launch().await.expect("portal starts");
    let filed = file_dog_tax(&mut app.browser()).await;
    let folder = drop.path().join(format!("{}.ablage", filed.reference));
    assert!(
        eventually(30, || folder.join("case.json").exists()).await,
        "no folder {}:\n{}",
        folder.display(),
        app.log_text()
    );
    let names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with("_Abgabe.Abgabe.0401.xml")),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.ends_with(&format!("Antrag-{}.pdf", filed.reference))),
        "{names:?}"
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("case.json")).unwrap()).unwrap();
    assert_eq!(doc["case"]["reference"], filed.reference.as_str());
    assert_eq!(doc["answers"]["hunde"][0]["hund_name"], "Bello");
    // Nothing half-written is left beside it.
    let others: Vec<_> = std::fs::read_dir(drop.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(others.len(), 1, "{others:?}");
    app.stop().await;
}

/// A paid trade registration goes to FIT-Connect through the worker, and a crash between
/// creating the submission and sending it does not create a second submission: the created
/// submission is saved with the job first, and the retry after the restart continues it.
async fn a_paid_case_reaches_fit_connect_once_despite_a_crash_mid_submission(db: Db) {
    let fake = tests::fake_fit_connect::FakeFitConnect::start().await;
    // The first upload fails: the submission exists, nothing is sent yet.
    fake.fail_next_upload();
    let mut app = TestApp::prepare(db, Options::default()).await;
    let path = app.data_dir.path().join("portal.toml");
    std::fs::write(
        &path,
        format!(
            "[delivery]\npoll_seconds = 1\nfirst_retry_seconds = 4\nmax_retry_seconds = 4\n\
             timeout_seconds = 5\n\n{}",
            fake.config_toml("werther", "fit-connect")
        ),
    )
    .unwrap();
    app.options = Options {
        demo: true,
        env: vec![("PORTAL_CONFIG".into(), path.display().to_string())],
    };
    app.launch().await.expect("portal starts");
    let mut citizen = app.browser();
    // The trade registration needs a substantial login.
    citizen.demo_login("leonie").await;
    let check = citizen
        .walk_to_check(
            "/werther/services/gewerbeanmeldung/form",
            tests::TRADE_ANSWERS,
        )
        .await;
    let token = check.csrf_token();
    let submitted = citizen
        .post(
            &check.form_action(),
            &[("_csrf", token.as_str()), ("_declaration", "yes")],
        )
        .await;
    let back = citizen.pay_demo(&submitted, "paid").await;
    assert!(back.status.is_success() || back.status.is_redirection());
    assert!(
        eventually(30, || fake.submissions().len() == 1).await,
        "no submission created:\n{}",
        app.log_text()
    );
    // The try fails at the upload (a moment after the creation); the portal dies before its
    // retry, which is due 4 seconds later.
    tokio::time::sleep(Duration::from_secs(1)).await;
    app.crash_and_restart().await;
    assert!(
        eventually(60, || fake.submitted().len() == 1).await,
        "not submitted: {:?}\n{}",
        fake.submissions()
            .iter()
            .map(|s| &s.problems)
            .collect::<Vec<_>>(),
        app.log_text()
    );
    let all = fake.submissions();
    assert_eq!(all.len(), 1, "the retry continued the first submission");
    let s = &all[0];
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    let meta = s.metadata.as_ref().unwrap();
    assert_eq!(meta["paymentInformation"]["status"], "BOOKED");
    assert_eq!(
        s.create["publicService"]["identifier"],
        "urn:de:fim:leika:leistung:99050012104000"
    );
    app.stop().await;
}

/// A backend posts two statuses in quick succession through the pull API: the citizen gets
/// two emails, each with the status and note as posted (not the latest one twice).
async fn each_status_a_backend_posts_reaches_the_citizen_as_posted(db: Db) {
    use sha2::Digest;
    const TOKEN: &str = "pull-token-0123456789abcdef0123456789abcdef";
    let smtp = SmtpServer::start().await;
    let mut app = TestApp::prepare(db, Options::default()).await;
    let hash: String = sha2::Sha256::digest(TOKEN.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = app.data_dir.path().join("portal.toml");
    std::fs::write(
        &path,
        format!(
            "[delivery]\npoll_seconds = 1\n\n[[delivery_targets.werther]]\n\
             name = \"fachverfahren\"\nkind = \"pull_api\"\ntoken_sha256 = [\"{hash}\"]\n\n\
             [smtp]\nurl = \"{}\"\nfrom = \"Bürgerportal <noreply@portal.example>\"\n",
            smtp.url()
        ),
    )
    .unwrap();
    app.options = Options {
        demo: true,
        env: vec![("PORTAL_CONFIG".into(), path.display().to_string())],
    };
    app.launch().await.expect("portal starts");
    let filed = file_dog_tax(&mut app.browser()).await;
    assert_eq!(smtp.wait_for(1, 30).await.len(), 1, "the confirmation");
    let http = reqwest::Client::new();
    let list: serde_json::Value = http
        .get(format!("{}/api/v1/werther/cases", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list["cases"][0]["id"].as_str().unwrap().to_owned();
    for (status, message) in [
        ("needs_info", "Bitte reichen Sie den Impfpass nach."),
        ("decided", "Der Bescheid ist unterwegs."),
    ] {
        let res = http
            .post(format!("{}/api/v1/werther/cases/{id}/status", app.base))
            .bearer_auth(TOKEN)
            .json(&serde_json::json!({"status": status, "message": message}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
    }
    let mails = smtp.wait_for(3, 30).await;
    assert_eq!(mails.len(), 3);
    let bodies: Vec<String> = mails
        .iter()
        .map(|m| {
            let parsed = mailparse::parse_mail(m).unwrap();
            let body = if parsed.subparts.is_empty() {
                parsed.get_body().unwrap()
            } else {
                parsed.subparts[0].get_body().unwrap()
            };
            body.replace("\r\n", "\n")
        })
        .collect();
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("Rückfrage") && b.contains("Impfpass nach")),
        "{bodies:#?}"
    );
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("Entschieden") && b.contains("Bescheid ist unterwegs")),
        "{bodies:#?}"
    );
    assert!(
        bodies
            .iter()
            .all(|b| !b.contains(&filed.reference) || b.contains("Aktenzeichen"))
    );
    app.stop().await;
}

/// A delivery that keeps failing is given up and shown: the clerk's case page says so, the
/// municipality's admin finds it in the list of given-up deliveries and sends it again once
/// the receiver is back, and then the case is forwarded.
async fn a_delivery_given_up_is_shown_and_an_admin_sends_it_again(db: Db) {
    let mut receiver = WebhookReceiver::start(SECRET, Faults::default()).await;
    receiver.stop().await;
    let mut app = TestApp::prepare(db, Options::default()).await;
    app.options = config_with(&app, &receiver.url(), None, 1, 2);
    app.launch().await.expect("portal starts");
    let filed = file_dog_tax(&mut app.browser()).await;
    let mut admin = app.browser();
    admin.staff_login("admin.werther", "demo").await;
    let mut listed = None;
    for _ in 0..100 {
        let page = admin.get("/staff/deliveries").await;
        if page.body.contains(&filed.reference) {
            listed = Some(page);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let listed = listed.expect("the given-up delivery is listed");
    assert!(listed.body.contains("ordnungsamt"), "{}", listed.body);
    assert!(
        listed.body.contains("could not be reached"),
        "the last error is shown: {}",
        listed.body
    );
    // The clerk's case page says it too (and a clerk gets no retry button).
    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let inbox = clerk.get("/staff/inbox?tenant=werther").await;
    let case_link = inbox
        .html()
        .select(&scraper::Selector::parse("a").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .find(|h| h.starts_with("/staff/cases/"))
        .expect("a case link");
    let case_page = clerk.get(&case_link).await;
    assert!(case_page.body.contains("Aufgegeben"), "{}", case_page.body);
    assert!(!case_page.body.contains("/retry"), "clerks cannot retry");
    assert!(
        clerk
            .get("/staff/deliveries")
            .await
            .status
            .is_client_error()
    );
    // Back up: the admin sends it again from the list.
    receiver.restart().await;
    let action = listed
        .attr("form[action$='/retry']", "action")
        .expect("a retry button");
    let token = listed.csrf_token_of("form[action$='/retry']");
    let done = admin
        .post(&action, &[("_csrf", token.as_str()), ("back", "list")])
        .await;
    assert_eq!(done.status, reqwest::StatusCode::SEE_OTHER);
    let key = format!("{}.ordnungsamt", filed.reference);
    assert!(eventually(30, || receiver.accepted_keys().contains(&key)).await);
    assert!(shown_forwarded(&app, &filed.reference).await);
    assert!(
        !admin
            .get("/staff/deliveries")
            .await
            .body
            .contains(&filed.reference)
    );
    app.stop().await;
}

/// The fault test: the receiver answers 500 on 30% of calls and too late on 10%, is down for
/// a while, and the portal is killed with `kill -9` again and again. In the end every case
/// has arrived, and the receiver holds exactly one distinct key per case. Repeats of a key
/// happen only after an unknown outcome (a late answer or a crash).
async fn every_case_arrives_despite_a_flaky_receiver_and_kill_9(db: Db) {
    let cases = env_size("DELIVERY_FAULT_CASES", 12);
    let mut receiver = WebhookReceiver::start(
        SECRET,
        Faults {
            fail_rate: 0.3,
            timeout_rate: 0.1,
            timeout_seconds: 3.0,
            seed: 7,
        },
    )
    .await;
    let mut app = started(db, &receiver.url(), None).await;
    let mut references = Vec::new();
    let mut crashes = 0usize;
    for i in 0..cases {
        let filed = file_dog_tax(&mut app.browser()).await;
        references.push(filed.reference);
        if i % 4 == 3 {
            app.crash_and_restart().await;
            crashes += 1;
        }
        if i == cases / 2 {
            receiver.stop().await;
        }
    }
    // Down for a while, with the portal killed meanwhile.
    tokio::time::sleep(Duration::from_secs(3)).await;
    app.crash_and_restart().await;
    crashes += 1;
    receiver.restart().await;
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        app.crash_and_restart().await;
        crashes += 1;
    }
    let expected: BTreeSet<String> = references
        .iter()
        .map(|r| format!("{r}.ordnungsamt"))
        .collect();
    let arrived = eventually(60 + cases as u64, || receiver.accepted_keys() == expected).await;
    let records = receiver.records();
    assert!(
        arrived,
        "missing: {:?}",
        expected
            .difference(&receiver.accepted_keys())
            .collect::<Vec<_>>()
    );
    assert!(
        records.iter().all(|r| r["valid"] == true),
        "every signature holds"
    );
    let mut per_key: BTreeMap<String, usize> = BTreeMap::new();
    for r in &records {
        *per_key
            .entry(r["key"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let repeats: usize = per_key.values().map(|n| n - 1).sum();
    eprintln!(
        "fault test: {cases} cases, {crashes} kill -9, {} deliveries recorded, {} distinct keys, \
         {repeats} repeats of a key",
        records.len(),
        per_key.len()
    );
    assert_eq!(per_key.len(), cases);
    // A repeat needs an unknown outcome: an answer that came too late, or a crash (which can
    // leave at most the jobs in the worker's 16 slots with their outcome unrecorded).
    let late = records.iter().filter(|r| r["late"] == true).count();
    assert!(
        repeats <= late + 16 * crashes,
        "{repeats} repeats, {late} late answers, {crashes} crashes"
    );
    app.stop().await;
}

/// A backend that takes every connection and never answers (a firewall that swallows
/// packets looks the same): how many connections it holds, and how many it has seen close.
struct HangingBackend {
    url: String,
    open: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl HangingBackend {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let (open, closed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (o, c) = (open.clone(), closed.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                o.fetch_add(1, Ordering::SeqCst);
                let (o, c) = (o.clone(), c.clone());
                tokio::spawn(async move {
                    // Read the request and whatever follows, answer nothing, until the
                    // portal gives up and closes.
                    let mut buf = [0u8; 4096];
                    while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
                    o.fetch_sub(1, Ordering::SeqCst);
                    c.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        Self {
            url,
            open,
            closed,
            task,
        }
    }
}

/// Werther's backend hangs: every call to it waits until the portal's timeout. A burst of
/// Werther's cases must not hold up Ellrich's: the worker gives one municipality at most half
/// its slots, and a slot that frees is filled at once, so Ellrich's case goes out while
/// Werther's calls still hang.
async fn a_hanging_backend_of_one_municipality_does_not_hold_up_another(db: Db) {
    let hanging = HangingBackend::start().await;
    let receiver = WebhookReceiver::start(SECRET, Faults::default()).await;
    let mut app = TestApp::prepare(db, Options::default()).await;
    // Calls end after two minutes, far beyond this test's waits: every Werther call started
    // here hangs until the test ends.
    app.options = config_with(&app, &hanging.url, None, 1000, 120);
    let path = app.data_dir.path().join("portal.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&format!(
        "\n[[delivery_targets.ellrich]]\nname = \"ordnungsamt\"\nkind = \"webhook\"\n\
         url = \"{}\"\nsecret = \"{SECRET}\"\n",
        receiver.url()
    ));
    std::fs::write(&path, text).unwrap();
    app.launch().await.expect("portal starts");

    let werther_cases = 12;
    for _ in 0..werther_cases {
        file_dog_tax(&mut app.browser()).await;
    }
    // The worker has taken up Werther's jobs, and they hang.
    assert!(
        eventually(60, || hanging.open.load(Ordering::SeqCst) >= 4).await,
        "Werther's calls did not start: {} open\n{}",
        hanging.open.load(Ordering::SeqCst),
        app.log_text()
    );
    let mut citizen = app.browser();
    let done = citizen
        .apply(
            "/ellrich/services/hundesteuer-anmeldung/form",
            DOG_TAX_ANSWERS,
        )
        .await;
    assert_eq!(done.status, reqwest::StatusCode::SEE_OTHER, "{}", done.body);
    let reference = citizen.get(&done.location()).await.text(".reference");
    assert!(reference.starts_with("ELL-"), "{reference}");
    let key = format!("{reference}.ordnungsamt");
    assert!(
        eventually(60, || receiver.accepted_keys().contains(&key)).await,
        "Ellrich's case waited behind Werther's hanging calls\n{}",
        app.log_text()
    );
    assert_eq!(
        hanging.closed.load(Ordering::SeqCst),
        0,
        "no Werther call had ended: Ellrich's case went out beside them"
    );
    // Werther gets its share of the slots, half of them, and no more though more wait.
    assert!(
        eventually(60, || hanging.open.load(Ordering::SeqCst) == 8).await,
        "{} Werther calls open",
        hanging.open.load(Ordering::SeqCst)
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        hanging.open.load(Ordering::SeqCst),
        8,
        "no more than its share, though {werther_cases} cases wait"
    );
    app.stop().await;
    hanging.task.abort();
}

/// Starts another instance of `app`'s portal on the same database and data folder.
async fn sibling(app: &TestApp) -> (tokio::process::Child, String) {
    let mut cmd = app.command();
    cmd.env("PORTAL_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("another instance");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(a) = line.split("listening on http://").nth(1) {
                return Some(a.trim().trim_end_matches('"').to_owned());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .expect("the instance listens");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, format!("http://{addr}"))
}

/// Three instances on one PostgreSQL under a burst of submissions: every case delivered,
/// none twice.
async fn three_instances_share_the_deliveries_of_a_burst(db: Db) {
    let cases = env_size("DELIVERY_BURST_CASES", 30);
    let receiver = WebhookReceiver::start(SECRET, Faults::default()).await;
    // A generous timeout: under the burst no answer is lost, so no outcome is unknown and
    // nothing may arrive twice (repeats after a timeout are the fault test's business).
    let mut app = TestApp::prepare(db, Options::default()).await;
    app.options = config_with(&app, &receiver.url(), None, 1000, 60);
    app.launch().await.expect("portal starts");
    let (mut second, second_base) = sibling(&app).await;
    let (mut third, third_base) = sibling(&app).await;
    let bases = [app.base.clone(), second_base, third_base];
    let mut tasks = Vec::new();
    for i in 0..cases {
        let base = bases[i % 3].clone();
        tasks.push(tokio::spawn(async move {
            file_dog_tax(&mut tests::browser::Browser::new(&base))
                .await
                .reference
        }));
    }
    let mut expected = BTreeSet::new();
    for t in tasks {
        expected.insert(format!("{}.ordnungsamt", t.await.unwrap()));
    }
    assert_eq!(expected.len(), cases);
    let arrived = eventually(60 + cases as u64, || receiver.accepted_keys() == expected).await;
    assert!(
        arrived,
        "{} of {cases} arrived",
        receiver.accepted_keys().len()
    );
    // Give a slow duplicate the chance to show.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.records().len(), cases, "no case delivered twice");
    let _ = second.kill().await;
    let _ = third.kill().await;
    app.stop().await;
}

mod three_instances {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::three_instances_share_the_deliveries_of_a_burst(tests::Db::Postgres).await
    }
}

both_databases!(
    a_completed_case_reaches_the_webhook_and_the_office_mailbox_and_is_forwarded,
    a_delivery_given_up_is_shown_and_an_admin_sends_it_again,
    a_case_lands_in_the_file_drop_folder_under_its_key,
    a_paid_case_reaches_fit_connect_once_despite_a_crash_mid_submission,
    each_status_a_backend_posts_reaches_the_citizen_as_posted,
    every_case_arrives_despite_a_flaky_receiver_and_kill_9,
    a_hanging_backend_of_one_municipality_does_not_hold_up_another,
);
