#![allow(clippy::expect_used, clippy::unwrap_used)]

//! Form versions in the admin area (issue 4, item 8) and the explain view of a case (item 4):
//! who may see and publish which form, lint results with their paths, publishing a new
//! version that new applications use while drafts and cases keep their own, and CSRF on
//! every post.

use reqwest::StatusCode;
use sqlx::Connection;
use tests::{Browser, DOG_TAX_ANSWERS, DOG_TAX_FORM, Db, Page, TestApp, both_databases};

const DOG_TAX_V1: &str = include_str!("../../portal/demo/forms/hundesteuer-anmeldung.json");
const NEW_FORM: &str = "/staff/forms/new";

/// The dog-tax form as `version`, with `changes` applied (a JSON pointer and a new value).
fn dog_tax(version: u32, changes: &[(&str, &str)]) -> String {
    let mut def: serde_json::Value = serde_json::from_str(DOG_TAX_V1).unwrap();
    def["version"] = version.into();
    for (pointer, value) in changes {
        *def.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer}")) = (*value).into();
    }
    serde_json::to_string_pretty(&def).unwrap()
}

/// Version 2 of the dog-tax form: two labels reworded, one on each of the first two steps.
fn dog_tax_v2() -> String {
    dog_tax(
        2,
        &[
            ("/steps/0/fields/0/label", "Vorname(n)"),
            ("/steps/1/fields/0/fields/0/label", "Rufname des Hundes"),
        ],
    )
}

async fn signed_in(app: &TestApp, username: &str) -> Browser {
    let mut browser = app.browser();
    browser.staff_login(username, "demo").await;
    browser
}

/// "Prüfen": posts `text` from a fresh upload page.
async fn check(browser: &mut Browser, text: &str) -> Page {
    browser.check_form(text).await
}

/// Checks `text` (it must be clean), then presses "Veröffentlichen" on the result.
async fn publish(browser: &mut Browser, text: &str) -> Page {
    browser.publish_form(text).await
}

/// Posts the publish form of a clean check result: its hidden fields and the button.
async fn press_publish(browser: &mut Browser, checked: &Page) -> Page {
    browser.press_publish(checked).await
}

/// The text in the upload page's text area, as the browser would show it.
fn kept_text(page: &Page) -> String {
    let sel = scraper::Selector::parse("textarea#f-definition").unwrap();
    page.html()
        .select(&sel)
        .next()
        .map(|e| e.text().collect::<String>())
        .unwrap_or_else(|| panic!("no text area:\n{}", page.body))
}

/// The rows of the version table of the form `key` on the list page, as text.
fn version_rows(list: &Page, key: &str) -> Vec<String> {
    let html = list.html();
    let tables = scraper::Selector::parse("table.form-versions").unwrap();
    let rows = scraper::Selector::parse("tbody tr").unwrap();
    html.select(&tables)
        .find(|t| {
            t.select(&scraper::Selector::parse("caption").unwrap())
                .any(|c| c.text().collect::<String>().contains(&format!("({key})")))
        })
        .map(|t| {
            t.select(&rows)
                .map(|r| {
                    r.text()
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" | ")
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The form version of every stored case, read on a connection of our own.
async fn case_form_versions(app: &TestApp) -> Vec<i64> {
    let sql = "select cast(f.version as bigint) from cases c join forms f on f.id = c.form_id \
               order by c.created_at";
    match app.db.kind {
        Db::Sqlite => {
            let mut conn = app.sqlite_reader().await;
            sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
        }
        Db::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
        }
    }
}

/// The first case in Werther's inbox, as the clerk sees it.
async fn first_case(clerk: &mut Browser) -> (String, Page) {
    let inbox = clerk.get("/staff/inbox?tenant=werther").await;
    let link = inbox.attr("table.cases a", "href").expect("a case");
    let case = clerk.get(&link).await;
    assert_eq!(case.status, StatusCode::OK);
    (link, case)
}

/// The explain table's rows: path, meaning, expression, result.
async fn explain_rows(clerk: &mut Browser, link: &str) -> Vec<Vec<String>> {
    let page = clerk.get(link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let td = scraper::Selector::parse("td").unwrap();
    page.html()
        .select(&scraper::Selector::parse("table.explain tbody tr").unwrap())
        .map(|tr| {
            tr.select(&td)
                .map(|cell| cell.text().collect::<String>().trim().to_owned())
                .collect()
        })
        .collect()
}

// --- stories -----------------------------------------------------------------------------------

async fn a_clerk_gets_a_friendly_403_and_no_link(db: Db) {
    let app = TestApp::start(db).await;
    let mut clerk = signed_in(&app, "clerk.werther").await;
    let inbox = clerk.get("/staff/inbox").await;
    assert!(inbox.attr("a[href='/staff/forms']", "href").is_none());
    for path in ["/staff/forms", NEW_FORM] {
        let page = clerk.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(page.text("h1"), "Kein Zugriff auf die Formularverwaltung");
        assert_eq!(
            page.attr("main a[href='/staff/inbox']", "href").as_deref(),
            Some("/staff/inbox")
        );
    }
    // A post with a good token is refused all the same, and stores nothing.
    let token = inbox.csrf_token();
    let forms = app.count_rows("forms").await;
    let posted = clerk
        .post(
            NEW_FORM,
            &[
                ("_csrf", &token),
                ("definition", &dog_tax_v2()),
                ("_action", "publish"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count_rows("forms").await, forms);

    // Signed out: the login page.
    let mut stranger = app.browser();
    let page = stranger.get("/staff/forms").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/staff/login");

    // Admins find the way in from the inbox.
    let mut admin = signed_in(&app, "admin.werther").await;
    let inbox = admin.get("/staff/inbox").await;
    assert!(inbox.attr("a[href='/staff/forms']", "href").is_some());
    assert_eq!(admin.get("/staff/forms").await.status, StatusCode::OK);
    app.stop().await;
}

async fn lint_errors_are_listed_with_their_paths_and_the_text_is_kept(db: Db) {
    let app = TestApp::start(db).await;
    let mut admin = signed_in(&app, "admin.werther").await;
    let broken = dog_tax(
        2,
        &[
            ("/steps/1/fields/0/fields/0/id", "Hund Name"),
            (
                "/steps/1/fields/0/fields/7/visible_if",
                "answers.unbekannt == 'ja'",
            ),
        ],
    );
    let page = check(&mut admin, &broken).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text("title").starts_with("Fehler: "));
    assert_eq!(
        page.attr(".error-summary", "autofocus").as_deref(),
        Some(""),
        "the summary takes focus"
    );
    let paths = page.texts(".error-summary li .problem-path");
    assert!(
        paths.iter().any(|p| p == "steps[1].fields[0].fields[0]"),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p == "steps[1].fields[0].fields[7].visible_if"),
        "{paths:?}"
    );
    assert!(
        page.texts(".error-summary li .problem-message")
            .iter()
            .all(|m| !m.is_empty())
    );
    assert!(page.texts(".error-summary a").len().eq(&paths.len()));
    assert_eq!(
        page.attr(".error-summary a", "href").as_deref(),
        Some("#f-definition")
    );
    assert_eq!(kept_text(&page), broken);
    assert_eq!(
        page.attr("#f-definition", "aria-invalid").as_deref(),
        Some("true")
    );
    assert!(page.attr("form.publish-form", "action").is_none());

    // Not even valid JSON: one problem, of the whole text.
    let page = check(&mut admin, "{\"id\": \"x\",").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.texts(".error-summary li .problem-path"),
        ["ganze Definition"]
    );
    assert_eq!(kept_text(&page), "{\"id\": \"x\",");

    // Nothing pasted.
    let page = check(&mut admin, "").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.text(".error-summary a"),
        "Fügen Sie eine Formulardefinition ein."
    );

    // Publishing a broken text directly is refused the same way, and stores nothing.
    let forms = app.count_rows("forms").await;
    let token = page.csrf_token();
    let page = admin
        .post(
            NEW_FORM,
            &[
                ("_csrf", &token),
                ("definition", &broken),
                ("_action", "publish"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count_rows("forms").await, forms);
    app.stop().await;
}

async fn a_tenant_admin_cannot_publish_a_shared_form_but_can_publish_its_own(db: Db) {
    let app = TestApp::start(db).await;
    let mut admin = signed_in(&app, "admin.werther").await;
    let forms = app.count_rows("forms").await;

    // The dog-tax form is offered by all four municipalities.
    let checked = check(&mut admin, &dog_tax_v2()).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert!(checked.body.contains("Leistungen von Werther"));
    let refused = press_publish(&mut admin, &checked).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .text(".error-summary a")
            .contains("Gemeinsam genutzte Formulare veröffentlicht die Verbundadministration"),
        "{}",
        refused.body
    );
    assert_eq!(kept_text(&refused), dog_tax_v2());
    assert_eq!(app.count_rows("forms").await, forms);
    let mut citizen = app.browser();
    let form = citizen.get(DOG_TAX_FORM).await;
    assert_eq!(form.text("label[for=f-vorname]"), "Vorname");

    // A form of Werther's own: stored, listed as Werther's, offered nowhere yet.
    let own = dog_tax(
        1,
        &[
            ("/id", "werther-hundemarke"),
            ("/title/de", "Hundemarke nachbestellen"),
        ],
    );
    let done = publish(&mut admin, &own).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let list = admin.get(&done.location()).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.text(".notice")
            .contains("Noch bietet keine Gemeinde sie an"),
        "{}",
        list.body
    );
    let rows = version_rows(&list, "werther-hundemarke");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].starts_with("1 |"), "{rows:?}");
    assert!(rows[0].contains("| Werther |"), "{rows:?}");
    assert!(rows[0].ends_with("noch von keiner Gemeinde"), "{rows:?}");
    assert_eq!(app.count_rows("forms").await, forms + 1);

    // Ellrich's admin neither sees it nor can publish over it.
    let mut other = signed_in(&app, "admin.ellrich").await;
    let list = other.get("/staff/forms").await;
    assert!(version_rows(&list, "werther-hundemarke").is_empty());
    assert!(!version_rows(&list, "hundesteuer-anmeldung").is_empty());
    let refused = publish(&mut other, &own.replace("\"version\": 1", "\"version\": 2")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count_rows("forms").await, forms + 1);
    app.stop().await;
}

async fn a_federation_admin_publishes_v2_and_new_applications_use_it(db: Db) {
    let app = TestApp::start(db).await;
    let mut admin = signed_in(&app, "federation.admin").await;

    let checked = check(&mut admin, &dog_tax_v2()).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert_eq!(
        checked.text("#check-result-title"),
        "Die Definition ist in Ordnung"
    );
    let summary = checked.texts(".upload-summary dd");
    assert_eq!(
        summary,
        [
            "Hundesteuer – Anmeldung eines Hundes",
            "hundesteuer-anmeldung",
            "2",
            "3",
            "19"
        ]
    );
    assert_eq!(checked.texts(".upload-steps tbody tr").len(), 3);
    assert_eq!(kept_text(&checked), dog_tax_v2());

    let done = press_publish(&mut admin, &checked).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let list = admin.get(&done.location()).await;
    assert!(
        list.text(".notice")
            .contains("4 Leistungen verwenden sie ab jetzt für neue Anträge"),
        "{}",
        list.body
    );
    let rows = version_rows(&list, "hundesteuer-anmeldung");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows[0].starts_with("2 |") && rows[1].starts_with("1 |"),
        "{rows:?}"
    );
    assert!(
        rows[0].ends_with("Ellrich, Heringen/Helme, Werther, Kyffhäuserland"),
        "{rows:?}"
    );
    assert!(rows[1].ends_with("noch von keiner Gemeinde"), "{rows:?}");

    // The same version again: refused, with what to do.
    let again = publish(&mut admin, &dog_tax_v2()).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again
            .text(".error-summary a")
            .contains("Version 2 ist nicht neuer als die gespeicherte Version 2"),
        "{}",
        again.body
    );
    assert_eq!(kept_text(&again), dog_tax_v2());

    // New applications use version 2 at once, in every municipality.
    let mut citizen = app.browser();
    for town in ["werther", "ellrich"] {
        let form = citizen
            .get(&format!("/{town}/services/hundesteuer-anmeldung/form"))
            .await;
        assert_eq!(form.text("label[for=f-vorname]"), "Vorname(n)", "{town}");
    }
    let filed = citizen.apply(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    assert_eq!(case_form_versions(&app).await, [2]);
    let mut clerk = signed_in(&app, "clerk.werther").await;
    let (_, case) = first_case(&mut clerk).await;
    assert!(
        case.texts(".summary dd")
            .contains(&"hundesteuer-anmeldung v2".to_owned())
    );
    assert!(
        case.texts(".summary dt")
            .contains(&"Rufname des Hundes".to_owned())
    );
    app.stop().await;
}

async fn a_draft_started_on_v1_is_completed_on_v1_after_v2_is_published(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let first = citizen.get(DOG_TAX_FORM).await;
    let token = first.csrf_token();
    let mut step1: Vec<(&str, &str)> = vec![("_csrf", &token), ("_action", "next")];
    step1.extend(
        DOG_TAX_ANSWERS
            .iter()
            .filter(|(name, _)| first.input_names().iter().any(|n| n == name)),
    );
    let started = citizen.post(DOG_TAX_FORM, &step1).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let next_step = started.location();
    assert!(next_step.ends_with("/steps/2"), "{next_step}");

    let mut admin = signed_in(&app, "federation.admin").await;
    let done = publish(&mut admin, &dog_tax_v2()).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    // The draft goes on with the labels of its own version.
    let step2 = citizen.get(&next_step).await;
    assert_eq!(
        step2.text("label[for=f-hunde-0-hund_name]"),
        "Name des Hundes"
    );
    let filed = citizen.apply(&next_step, DOG_TAX_ANSWERS).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    assert!(filed.location().contains("/confirmation"));
    assert_eq!(case_form_versions(&app).await, [1]);

    let mut clerk = signed_in(&app, "clerk.werther").await;
    let (_, case) = first_case(&mut clerk).await;
    assert!(
        case.texts(".summary dd")
            .contains(&"hundesteuer-anmeldung v1".to_owned())
    );
    let labels = case.texts(".summary dt");
    assert!(labels.contains(&"Name des Hundes".to_owned()), "{labels:?}");
    assert!(
        !labels.contains(&"Rufname des Hundes".to_owned()),
        "{labels:?}"
    );
    assert!(labels.contains(&"Vorname".to_owned()), "{labels:?}");
    app.stop().await;
}

async fn every_admin_post_needs_a_csrf_token(db: Db) {
    let app = TestApp::start(db).await;
    let mut admin = signed_in(&app, "federation.admin").await;
    let mut colleague = signed_in(&app, "admin.werther").await;
    let foreign = colleague.get(NEW_FORM).await.csrf_token();
    let forms = app.count_rows("forms").await;
    let text = dog_tax_v2();
    for action in ["check", "publish"] {
        for token in [None, Some(""), Some("1.forged"), Some(foreign.as_str())] {
            let mut fields = vec![("definition", text.as_str()), ("_action", action)];
            if let Some(token) = token {
                fields.push(("_csrf", token));
            }
            let page = admin.post(NEW_FORM, &fields).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{action} {token:?}");
            // The text is kept, with a notice and a fresh token to send it again.
            assert_eq!(kept_text(&page), text);
            assert!(page.attr("#notice-title", "id").is_some(), "{}", page.body);
            assert_ne!(page.csrf_token(), "");
            assert!(page.attr("form.publish-form", "action").is_none());
        }
    }
    assert_eq!(app.count_rows("forms").await, forms);
    // The fresh token works.
    let page = admin.get(NEW_FORM).await;
    let token = page.csrf_token();
    let ok = admin
        .post(
            NEW_FORM,
            &[
                ("_csrf", &token),
                ("definition", &text),
                ("_action", "check"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    app.stop().await;
}

async fn the_explain_view_shows_every_condition_of_the_cases_own_version(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let filed = citizen.apply(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);

    let mut clerk = signed_in(&app, "clerk.werther").await;
    let (case_link, case) = first_case(&mut clerk).await;
    let explain_link = format!("{case_link}/explain");
    assert_eq!(
        case.attr(&format!("a[href='{explain_link}']"), "href"),
        Some(explain_link.clone())
    );
    let rows = explain_rows(&mut clerk, &explain_link).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[0][0],
        "steps[1].fields[0].fields[7].visible_if (row 1)"
    );
    assert!(
        rows[0][1].contains("Nachweise zum gefährlichen Hund"),
        "{rows:?}"
    );
    assert_eq!(rows[0][2], "row.gefaehrlicher_hund == 'ja'");
    assert_eq!(rows[0][3], "falsch");
    assert_eq!(rows[1][0], "steps[2].fields[0].value");
    assert_eq!(rows[1][3], "4800 (48,00 €)");

    // After v2 (with another condition) is published, the case is still explained with the
    // version it was filled with.
    let mut admin = signed_in(&app, "federation.admin").await;
    let v2 = dog_tax(
        2,
        &[(
            "/steps/1/fields/0/fields/7/visible_if",
            "row.gefaehrlicher_hund != 'nein'",
        )],
    );
    let done = publish(&mut admin, &v2).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let again = explain_rows(&mut clerk, &explain_link).await;
    assert_eq!(again, rows);

    // Another municipality's clerk: not found, like the case itself.
    let mut other = signed_in(&app, "clerk.ellrich").await;
    assert_eq!(other.get(&case_link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&explain_link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.get("/staff/cases/not-a-uuid/explain").await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

both_databases!(
    a_clerk_gets_a_friendly_403_and_no_link,
    lint_errors_are_listed_with_their_paths_and_the_text_is_kept,
    a_tenant_admin_cannot_publish_a_shared_form_but_can_publish_its_own,
    a_federation_admin_publishes_v2_and_new_applications_use_it,
    a_draft_started_on_v1_is_completed_on_v1_after_v2_is_published,
    every_admin_post_needs_a_csrf_token,
    the_explain_view_shows_every_condition_of_the_cases_own_version,
);
