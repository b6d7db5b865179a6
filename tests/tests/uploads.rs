#![allow(clippy::expect_used)]

//! File uploads (issue 4, item 6): a citizen adds a scan of the grave deed to an application.
//! A file whose content is not an allowed type, or that is too large, is refused with a
//! message at the field while everything else typed on the step is kept, and nothing of it
//! stays on disk; an accepted file is listed and can be removed; it travels with the case,
//! and the clerk downloads it only as an attachment, in their own municipality only.

use reqwest::StatusCode;
use tests::{Browser, Db, Page, TestApp, both_databases};

const FORM: &str = "/werther/services/grabnutzungsrecht-verlaengerung/form";

const APPLICANT: &[(&str, &str)] = &[
    ("vorname", "Erika"),
    ("nachname", "Hoffmann"),
    ("strasse", "Am Anger 7"),
    ("plz", "99735"),
    ("ort", "Werther"),
    ("email", "erika.hoffmann@example.org"),
];

const GRAVE: &[(&str, &str)] = &[
    ("friedhof", "Friedhof Werther"),
    ("grabart", "urnenwahlgrab"),
    ("grabnummer", "Feld B, Reihe 3, Nr. 12"),
    ("verstorbene", "Walter Hoffmann"),
];

/// A small but real PDF.
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The files in the portal's file store.
fn stored_files(app: &TestApp) -> usize {
    let dir = app.data_dir.path().join("files");
    walk(&dir)
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                let path = e.path();
                if path.is_dir() { walk(&path) } else { 1 }
            })
            .sum()
    })
}

/// The grave step (step 2) of a new application, logged in as Jonas (the service needs a
/// login at level low).
async fn grave_step(citizen: &mut Browser) -> Page {
    citizen.demo_login("jonas").await;
    let first = citizen.get(FORM).await;
    let next = citizen.press(&first, "next", APPLICANT).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let page = citizen.get(&next.location()).await;
    assert_eq!(page.text("h1"), "Grabstätte");
    assert_eq!(
        page.attr("main form[method=post]", "enctype").as_deref(),
        Some("multipart/form-data")
    );
    page
}

async fn a_file_of_the_wrong_type_is_refused_at_its_field_and_the_step_is_kept(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let page = grave_step(&mut citizen).await;

    // A text file named like a PDF: the content decides.
    let refused = citizen
        .press_with_files(
            &page,
            "next",
            GRAVE,
            &[("urkunde", "urkunde.pdf", b"Dies ist keine PDF-Datei.")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = refused.text("#f-urkunde-error");
    assert!(message.contains("PDF, JPEG, PNG"), "{message}");
    assert_eq!(
        refused.attr(".error-summary a", "href").as_deref(),
        Some("#f-urkunde")
    );
    assert_eq!(
        refused.attr("#f-grabnummer", "value").as_deref(),
        Some("Feld B, Reihe 3, Nr. 12"),
        "the rest of the step is kept"
    );
    assert_eq!(stored_files(&app), 0, "nothing of a refused file stays");

    // Too large (the field takes 5 MB): refused while streaming, nothing stays either.
    let mut big = PDF.to_vec();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    let too_large = citizen
        .press_with_files(&refused, "next", GRAVE, &[("urkunde", "gross.pdf", &big)])
        .await;
    assert_eq!(too_large.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        too_large.text("#f-urkunde-error").contains("5 MB"),
        "{}",
        too_large.text("#f-urkunde-error")
    );
    assert_eq!(stored_files(&app), 0);

    // No file chosen at all: the field is optional, the step goes on.
    let none = citizen
        .press_with_files(&too_large, "next", GRAVE, &[("urkunde", "", b"")])
        .await;
    assert_eq!(none.status, StatusCode::SEE_OTHER, "{}", none.body);
    app.stop().await;
}

async fn an_uploaded_file_travels_with_the_case_and_downloads_only_as_an_attachment(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let page = grave_step(&mut citizen).await;
    let saved = citizen
        .press_with_files(
            &page,
            "save",
            GRAVE,
            &[
                ("urkunde", "Graburkunde Hoffmann.pdf", PDF),
                ("urkunde", "alt.pdf", PDF),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(stored_files(&app), 2);

    // Back on the step: both listed, one removed again (row and file).
    let step_url = page.form_action();
    let page = citizen.get(&step_url).await;
    assert_eq!(
        page.texts(".uploaded-name"),
        ["Graburkunde Hoffmann.pdf", "alt.pdf"]
    );
    let remove = page
        .html()
        .select(&scraper::Selector::parse("button[value^='remove_file:urkunde:']").expect("sel"))
        .filter_map(|b| b.value().attr("value").map(str::to_owned))
        .nth(1)
        .expect("a remove button for the second file");
    let removed = citizen.press_with_files(&page, &remove, GRAVE, &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    let page = citizen.get(&step_url).await;
    assert_eq!(page.texts(".uploaded-name"), ["Graburkunde Hoffmann.pdf"]);
    assert_eq!(stored_files(&app), 1);

    // Continue to the end; the check page names the file.
    let next = citizen.press_with_files(&page, "next", GRAVE, &[]).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let years = citizen.get(&next.location()).await;
    let to_check = citizen.press(&years, "next", &[("jahre", "10")]).await;
    let check = citizen.get(&to_check.location()).await;
    assert!(
        check.body.contains("Graburkunde Hoffmann.pdf"),
        "{}",
        check.body
    );
    let token = check.csrf_token();
    let done = citizen
        .post(
            &check.form_action(),
            &[("_csrf", token.as_str()), ("_declaration", "yes")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    // The fee is paid (the demo's simulation), so the case is in the clerk's inbox.
    let paid = citizen.pay_demo(&done, "paid").await;
    assert!(
        paid.location().ends_with("/confirmation"),
        "{}",
        paid.location()
    );

    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let inbox = clerk.get("/staff/inbox?tenant=werther").await;
    let case_url = inbox.attr("main table a", "href").expect("the case");
    let case = clerk.get(&case_url).await;
    let link = case
        .attr(".attachments a", "href")
        .expect("the attachment on the case page");
    let res = reqwest::Client::new()
        .get(app.browser().url(&link))
        .header("cookie", clerk.cookie_header())
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    let disposition = headers["content-disposition"].to_str().expect("ascii");
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains("Graburkunde"), "{disposition}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.expect("body").as_ref(), PDF);

    // Another municipality's clerk, and a citizen, get nothing.
    let mut other = app.browser();
    other.staff_login("clerk.ellrich", "demo").await;
    assert_eq!(other.get(&link).await.status, StatusCode::NOT_FOUND);
    let anonymous = citizen.get(&link).await;
    assert_ne!(anonymous.status, StatusCode::OK);
    app.stop().await;
}

async fn the_files_of_an_expired_draft_are_deleted_with_it(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let page = grave_step(&mut citizen).await;
    let saved = citizen
        .press_with_files(&page, "save", GRAVE, &[("urkunde", "scan.pdf", PDF)])
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(stored_files(&app), 1);

    // Not yet expired: the sweep keeps draft and file.
    let kept = app.run(&["sweep", "--min-file-age-minutes", "0"], "").await;
    assert!(kept.status.success(), "{}", kept.stderr);
    assert!(
        kept.stdout.contains("0 expired drafts, 0 files"),
        "{}",
        kept.stdout
    );
    assert_eq!(stored_files(&app), 1);

    // The draft expires: the sweep removes it, its attachment row and the file itself.
    let expired = app
        .execute_sql("update drafts set expires_at = '2000-01-01T00:00:00Z'")
        .await;
    assert_eq!(expired, 1);
    let swept = app.run(&["sweep", "--min-file-age-minutes", "0"], "").await;
    assert!(swept.status.success(), "{}", swept.stderr);
    assert!(
        swept
            .stdout
            .contains("1 expired drafts, 1 files without an attachment"),
        "{}",
        swept.stdout
    );
    assert_eq!(stored_files(&app), 0);
    assert_eq!(app.count_rows("attachments").await, 0);
    app.stop().await;
}

/// Version 2 of the grave form with the upload on its first step (before a draft exists).
fn grave_v2_upload_first() -> String {
    let mut def: serde_json::Value = serde_json::from_str(include_str!(
        "../../portal/demo/forms/grabnutzungsrecht-verlaengerung.json"
    ))
    .expect("the demo form");
    def["version"] = 2.into();
    let steps = def["steps"].as_array_mut().expect("steps");
    let fields = steps[1]["fields"].as_array_mut().expect("fields");
    let at = fields
        .iter()
        .position(|f| f["id"] == "urkunde")
        .expect("the upload field");
    let upload = fields.remove(at);
    steps[0]["fields"]
        .as_array_mut()
        .expect("fields")
        .push(upload);
    serde_json::to_string_pretty(&def).expect("json")
}

async fn on_the_first_step_a_refused_file_is_reported_and_an_accepted_one_starts_the_draft(db: Db) {
    let app = TestApp::start(db).await;
    let mut admin = app.browser();
    admin.staff_login("federation.admin", "demo").await;
    let done = admin.publish_form(&grave_v2_upload_first()).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    let mut citizen = app.browser();
    citizen.demo_login("jonas").await;
    let first = citizen.get(FORM).await;
    assert_eq!(
        first.attr("main form[method=post]", "enctype").as_deref(),
        Some("multipart/form-data")
    );
    // A refused file and everything else right: nothing is stored, the page says why.
    let refused = citizen
        .press_with_files(
            &first,
            "next",
            APPLICANT,
            &[("urkunde", "x.pdf", b"kein PDF")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text("#f-urkunde-error").contains("PDF"));
    assert_eq!(
        refused.attr("#f-nachname", "value").as_deref(),
        Some("Hoffmann")
    );
    assert_eq!(stored_files(&app), 0);
    assert_eq!(app.count_rows("drafts").await, 0);

    // An accepted file while a name is missing: the draft starts so the file is kept, and
    // its own step page asks for the name.
    let without_name: Vec<(&str, &str)> = APPLICANT
        .iter()
        .copied()
        .filter(|(k, _)| *k != "nachname")
        .collect();
    let kept = citizen
        .press_with_files(
            &refused,
            "next",
            &without_name,
            &[("urkunde", "scan.pdf", PDF)],
        )
        .await;
    assert_eq!(
        kept.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        kept.body
    );
    assert!(kept.text("#f-nachname-error").contains("Nachname"));
    assert_eq!(kept.texts(".uploaded-name"), ["scan.pdf"]);
    assert!(
        kept.form_action().contains("/applications/"),
        "{}",
        kept.form_action()
    );
    assert_eq!(stored_files(&app), 1);
    let next = citizen
        .press_with_files(&kept, "next", APPLICANT, &[("urkunde", "", b"")])
        .await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    assert!(next.location().ends_with("/steps/2"), "{}", next.location());
    app.stop().await;
}

both_databases!(
    on_the_first_step_a_refused_file_is_reported_and_an_accepted_one_starts_the_draft,
    the_files_of_an_expired_draft_are_deleted_with_it,
    a_file_of_the_wrong_type_is_refused_at_its_field_and_the_step_is_kept,
    an_uploaded_file_travels_with_the_case_and_downloads_only_as_an_attachment,
);
