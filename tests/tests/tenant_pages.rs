//! What BITV 2.0 wants on every page (issue 3, items 7 and 8): the accessibility statement,
//! Leichte Sprache and the contact page linked from the footer, the municipality's own where a
//! page belongs to one and the federation's otherwise; the statement with the municipality's
//! feedback contact; each municipality's colour as its own small stylesheet.

#![allow(clippy::expect_used)] // a test fails loudly where a value is missing

use reqwest::StatusCode;
use tests::{DOG_TAX_ANSWERS, DOG_TAX_FORM, Db, Page, TestApp, both_databases, file_dog_tax};

/// The demo's Werther, as seeded by `portal/src/demo.rs`.
const WERTHER_EMAIL: &str = "barrierefreiheit-werther@example.org";
const WERTHER_PHONE: &str = "0361 5550-130";
const WERTHER_STREET: &str = "Lindenplatz 12";

fn footer_links(page: &Page) -> Vec<String> {
    let html = page.html();
    let sel = scraper::Selector::parse("footer nav a").expect("selector");
    html.select(&sel)
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect()
}

/// `prefix` is `/werther` for a municipality's page and empty for the federation's.
fn assert_footer(page: &Page, what: &str, prefix: &str) {
    let links = footer_links(page);
    for page_name in ["barrierefreiheit", "leichte-sprache", "kontakt"] {
        let href = format!("{prefix}/{page_name}");
        assert!(
            links.contains(&href),
            "{what}: no footer link to {href} in {links:?}"
        );
    }
    assert!(
        page.body.contains("<footer") && page.attr("footer nav", "aria-label").is_some(),
        "{what}: the links are in a named navigation inside <footer>"
    );
}

async fn every_page_links_statement_easy_read_and_contact_from_its_footer(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();

    let mut werther_pages = vec![
        "/werther/".to_owned(),
        "/werther/services/hundesteuer-anmeldung".to_owned(),
        DOG_TAX_FORM.to_owned(),
        "/werther/barrierefreiheit".to_owned(),
        "/werther/leichte-sprache".to_owned(),
        "/werther/kontakt".to_owned(),
    ];
    let filed = file_dog_tax(&mut citizen).await;
    werther_pages.push(filed.confirmation.clone());
    // The journey's later pages: a step of an open application, and its check page.
    let check = citizen.walk_to_check(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    let check_url = check.form_action();
    werther_pages.push(check_url.replace("/check", "/steps/2"));
    werther_pages.push(check_url);
    for path in &werther_pages {
        let page = citizen.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_footer(&page, path, "/werther");
        // Werther configured both: its imprint and privacy notice are linked too.
        let links = footer_links(&page);
        assert!(
            links.contains(&"https://www.example.org/werther/impressum".to_owned())
                && links.contains(&"https://www.example.org/werther/datenschutz".to_owned()),
            "{path}: {links:?}"
        );
        assert!(
            page.body.contains("/werther/theme.css"),
            "{path}: the municipality's colour"
        );
    }
    let invalid = citizen.submit(DOG_TAX_FORM, &[("vorname", "Anna")]).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_footer(&invalid, "form with errors", "/werther");

    // Kyffhäuserland has no imprint or privacy link configured: none is shown.
    let kyf = citizen.get("/kyffhaeuserland/").await;
    assert_footer(&kyf, "Kyffhäuserland", "/kyffhaeuserland");
    assert_eq!(footer_links(&kyf).len(), 3, "{:?}", footer_links(&kyf));

    for path in [
        "/",
        "/barrierefreiheit",
        "/leichte-sprache",
        "/kontakt",
        "/staff/login",
    ] {
        let page = citizen.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_footer(&page, path, "");
        assert!(!page.body.contains("theme.css"), "{path}: no municipality");
    }
    for (path, status) in [
        ("/nirgendwo/", StatusCode::NOT_FOUND),
        ("/werther/services/gibt-es-nicht", StatusCode::NOT_FOUND),
    ] {
        let page = citizen.get(path).await;
        assert_eq!(page.status, status, "{path}");
        assert_footer(&page, &format!("error page {path}"), "");
    }

    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let inbox = clerk.get("/staff/inbox").await;
    assert_footer(&inbox, "inbox", "");
    let case = clerk
        .get(&inbox.attr("table.cases a", "href").expect("case link"))
        .await;
    assert_eq!(case.status, StatusCode::OK);
    assert_footer(&case, "case page", "");

    // In English, the same links with English names.
    citizen.get("/lang/en?next=/").await;
    let english = citizen.get("/werther/").await;
    assert_footer(&english, "English page", "/werther");
    let names = english.texts("footer nav a");
    for name in ["Accessibility statement", "Easy Read", "Contact"] {
        assert!(names.contains(&name.to_owned()), "{names:?}");
    }
    app.stop().await;
}

async fn the_statement_shows_the_municipalitys_feedback_contact(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();

    let statement = citizen.get("/werther/barrierefreiheit").await;
    assert_eq!(statement.status, StatusCode::OK);
    assert_eq!(statement.text("h1"), "Erklärung zur Barrierefreiheit");
    for expected in [
        WERTHER_EMAIL,
        WERTHER_PHONE,
        WERTHER_STREET,
        "teilweise vereinbar",
        "PDF",
        "Schlichtungsstelle nach § 16 BGG",
        "16.11.2026", // Werther's last review
    ] {
        assert!(statement.body.contains(expected), "missing {expected:?}");
    }
    assert!(statement.body.contains(&format!("mailto:{WERTHER_EMAIL}")));
    assert!(statement.body.contains("tel:+493615550130"));
    assert!(
        !statement.body.contains("barrierefreiheit-ellrich@"),
        "only Werther's contact"
    );

    // The contact page has the same contact and the town hall's address.
    let contact = citizen.get("/werther/kontakt").await;
    assert_eq!(contact.status, StatusCode::OK);
    for expected in [
        WERTHER_EMAIL,
        WERTHER_PHONE,
        WERTHER_STREET,
        "99735 Werther",
    ] {
        assert!(
            contact.body.contains(expected),
            "contact page: {expected:?}"
        );
    }

    // The federation's statement lists every municipality's contact.
    let federation = citizen.get("/barrierefreiheit").await;
    assert_eq!(federation.status, StatusCode::OK);
    for slug in ["ellrich", "heringen", "werther", "kyffhaeuserland"] {
        assert!(
            federation
                .body
                .contains(&format!("barrierefreiheit-{slug}@example.org")),
            "federation statement lacks {slug}"
        );
    }
    assert!(federation.body.contains("/werther/barrierefreiheit"));

    // Leichte Sprache: short sentences, the Mediopunkt, and how to get help in Werther.
    let easy = citizen.get("/werther/leichte-sprache").await;
    assert_eq!(easy.status, StatusCode::OK);
    assert_eq!(easy.text("h1"), "Leichte Sprache");
    assert!(easy.body.contains("Bürger·portal"));
    assert!(easy.body.contains(WERTHER_PHONE));
    let sentences = easy.texts(".easy-read p");
    assert!(sentences.len() > 30, "{sentences:?}");
    for s in &sentences {
        assert!(
            s.split_whitespace().count() <= 12,
            "too long for Leichte Sprache: {s}"
        );
    }

    // In English: the statement translated, the easy text as Easy Read.
    citizen.get("/lang/en?next=/").await;
    let english = citizen.get("/werther/barrierefreiheit").await;
    assert_eq!(english.text("h1"), "Accessibility statement");
    assert!(english.body.contains("partially compliant"));
    assert!(english.body.contains(WERTHER_EMAIL));
    assert!(english.body.contains("16 November 2026"));
    let easy_en = citizen.get("/werther/leichte-sprache").await;
    assert_eq!(easy_en.text("h1"), "Easy Read");
    app.stop().await;
}

async fn an_unknown_municipality_has_no_statement_contact_or_colour(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    for path in [
        "/nirgendwo/barrierefreiheit",
        "/nirgendwo/leichte-sprache",
        "/nirgendwo/kontakt",
        "/nirgendwo/theme.css",
    ] {
        let page = citizen.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert_footer(&page, path, "");
    }
    app.stop().await;
}

async fn each_municipality_has_its_own_accent_colour_as_a_stylesheet(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let mut colours = Vec::new();
    for slug in ["ellrich", "heringen-helme", "werther", "kyffhaeuserland"] {
        let page = citizen.get(&format!("/{slug}/")).await;
        let href = page
            .attr("link[rel=stylesheet][href*=theme]", "href")
            .expect("theme link");
        assert!(href.starts_with(&format!("/{slug}/theme.css?v=")), "{href}");
        let css = citizen.get(&href).await;
        assert_eq!(css.status, StatusCode::OK);
        assert!(css.header("content-type").starts_with("text/css"));
        let accent = css
            .body
            .split("--accent:")
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .expect("--accent")
            .trim()
            .to_owned();
        assert!(
            accent.len() == 7 && accent.starts_with('#'),
            "{slug}: {accent}"
        );
        assert!(
            href.ends_with(accent.trim_start_matches('#')),
            "{href} {accent}"
        );
        assert!(!colours.contains(&accent), "{slug} repeats {accent}");
        colours.push(accent);
    }
    app.stop().await;
}

/// The demo forms' trust levels (none, low, substantial) are on each service page; a service
/// that needs a login says "log in and start" until the visitor's login reaches its level.
async fn each_service_page_names_its_trust_level_and_offers_the_login_it_needs(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let services = [
        ("hundesteuer-anmeldung", "kein Nutzerkonto"),
        (
            "grabnutzungsrecht-verlaengerung",
            "Vertrauensniveau niedrig",
        ),
        ("gewerbeanmeldung", "Vertrauensniveau substanziell"),
    ];
    let start_labels = |citizen_level: &str| -> Vec<&'static str> {
        services
            .iter()
            .map(|(service, _)| match (*service, citizen_level) {
                ("hundesteuer-anmeldung", _) => "Antrag starten",
                ("grabnutzungsrecht-verlaengerung", "low") => "Antrag starten",
                _ => "Anmelden und Antrag starten",
            })
            .collect()
    };
    for level in ["none", "low"] {
        if level == "low" {
            citizen.demo_login("jonas").await;
        }
        for ((service, named), label) in services.iter().zip(start_labels(level)) {
            let page = citizen.get(&format!("/werther/services/{service}")).await;
            assert_eq!(page.status, reqwest::StatusCode::OK);
            assert!(page.body.contains(named), "{service}: {}", page.body);
            assert!(
                page.text(".notice").is_empty(),
                "{service}: login is set up"
            );
            assert_eq!(page.text(".button--start"), label, "{service} at {level}");
            let form = format!("/werther/services/{service}/form");
            assert_eq!(
                page.attr(".button--start", "href").as_deref(),
                Some(form.as_str())
            );
            // The form itself: shown, or first the login at the service's level.
            let opened = citizen.get(&form).await;
            if label == "Antrag starten" {
                assert_eq!(opened.status, reqwest::StatusCode::OK, "{service}");
            } else {
                assert_eq!(opened.status, reqwest::StatusCode::SEE_OTHER, "{service}");
                let needed = if *service == "gewerbeanmeldung" {
                    "substantial"
                } else {
                    "low"
                };
                assert_eq!(
                    opened.location(),
                    format!(
                        "/login?return_to={}&level={needed}",
                        form.replace('/', "%2F").replace('-', "%2D")
                    ),
                    "{service}"
                );
            }
        }
    }
    app.stop().await;
}

both_databases!(
    each_service_page_names_its_trust_level_and_offers_the_login_it_needs,
    every_page_links_statement_easy_read_and_contact_from_its_footer,
    the_statement_shows_the_municipalitys_feedback_contact,
    an_unknown_municipality_has_no_statement_contact_or_colour,
    each_municipality_has_its_own_accent_colour_as_a_stylesheet,
);
