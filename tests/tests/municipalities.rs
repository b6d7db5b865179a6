#![allow(clippy::expect_used, clippy::unwrap_used)]

//! A real installation from nothing (issue 2: "with a database URL and no PORTAL_DEMO,
//! nothing of the demo exists"): the operator creates the first federation administrator on
//! the command line, who creates a municipality, publishes a form and offers it there; a
//! citizen files an application with the municipality's own reference code and its clerk sees
//! it. Plus who may create and change municipalities and offer forms, bad input with every
//! value kept, and CSRF on every post.

use reqwest::StatusCode;
use tests::{Browser, DOG_TAX_ANSWERS, Db, Options, Page, TestApp, both_databases};

const DOG_TAX: &str = include_str!("../../portal/demo/forms/hundesteuer-anmeldung.json");
const PASSWORD: &str = "ein-langes-Passwort-2026";
const NEW: &str = "/staff/municipalities/new";
const GRAVE_OFFER: &str = "/staff/forms/grabnutzungsrecht-verlaengerung/offer";

const BLEICHERODE: &[(&str, &str)] = &[
    ("name", "Stadt Bleicherode"),
    ("slug", "bleicherode"),
    ("code", "ble"),
    ("feedback_email", "barrierefrei@bleicherode.example"),
    ("feedback_phone", "036338 430"),
    (
        "town_hall_address",
        "Stadtverwaltung\r\nHauptstraße 65\r\n99752 Bleicherode",
    ),
    ("imprint_url", "https://www.bleicherode.example/impressum"),
    ("privacy_url", ""),
    ("accent_colour", "#0b5c3a"),
    ("accessibility_reviewed_on", "02.11.2026"),
];

fn with<'a>(
    base: &[(&'a str, &'a str)],
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    base.iter()
        .map(|&(k, v)| {
            changes
                .iter()
                .find(|(c, _)| *c == k)
                .map_or((k, v), |&(c, nv)| (c, nv))
        })
        .collect()
}

/// The input ids the error summary links to, in order.
fn summary_targets(page: &Page) -> Vec<String> {
    let html = page.html();
    let sel = scraper::Selector::parse(".error-summary a").unwrap();
    html.select(&sel)
        .filter_map(|a| {
            a.value()
                .attr("href")
                .map(|h| h.trim_start_matches('#').to_owned())
        })
        .collect()
}

/// The values the details form shows, as a browser would post them (no token).
fn shown_values(page: &Page) -> Vec<(String, String)> {
    let html = page.html();
    let inputs = scraper::Selector::parse("main form input[name]").unwrap();
    let areas = scraper::Selector::parse("main form textarea[name]").unwrap();
    let mut values: Vec<(String, String)> = html
        .select(&inputs)
        .filter_map(|e| {
            let name = e.value().attr("name")?;
            (!name.starts_with('_')).then(|| {
                (
                    name.to_owned(),
                    e.value().attr("value").unwrap_or_default().to_owned(),
                )
            })
        })
        .collect();
    values.extend(html.select(&areas).filter_map(|e| {
        Some((
            e.value().attr("name")?.to_owned(),
            e.text().collect::<String>(),
        ))
    }));
    values
}

async fn create_staff(app: &TestApp, username: &str, role: &str, tenant: Option<&str>) {
    let mut args = vec!["staff", "create", "--username", username, "--role", role];
    if let Some(tenant) = tenant {
        args.extend(["--tenant", tenant]);
    }
    let made = app.run(&args, &format!("{PASSWORD}\n")).await;
    assert!(made.status.success(), "{made:?}");
}

async fn from_an_empty_portal_to_a_first_case_in_a_new_municipality(db: Db) {
    let mut app = TestApp::prepare(
        db,
        Options {
            demo: false,
            env: Vec::new(),
        },
    )
    .await;
    create_staff(&app, "verbund", "federation-admin", None).await;
    app.launch().await.expect("starts");
    let mut admin = app.browser();
    admin.staff_login("verbund", PASSWORD).await;

    // The inbox of an installation without a municipality is empty, not broken.
    let inbox = admin.get("/staff/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.body);
    let empty = admin.get("/staff/municipalities").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(
        empty.body.contains("Es gibt noch keine Gemeinde."),
        "{}",
        empty.body
    );
    assert!(empty.body.contains("href=\"/staff/municipalities/new\""));

    // Bad input: every problem at its input, everything typed kept, nothing stored.
    let bad = with(
        BLEICHERODE,
        &[
            ("slug", "staff"),
            ("code", "B1"),
            ("feedback_email", "kein-at-zeichen"),
            ("accent_colour", "#ffcc00"),
            ("town_hall_address", ""),
        ],
    );
    let refused = admin.submit(NEW, &bad).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(
        summary_targets(&refused),
        [
            "f-slug",
            "f-code",
            "f-feedback_email",
            "f-town_hall_address",
            "f-accent_colour"
        ],
        "every problem at once, in form order"
    );
    assert_eq!(
        refused.attr("#f-name", "value").as_deref(),
        Some("Stadt Bleicherode")
    );
    assert_eq!(refused.attr("#f-code", "value").as_deref(), Some("B1"));
    let refused = admin
        .submit(
            NEW,
            &with(
                &bad,
                &[
                    ("feedback_email", "barrierefrei@bleicherode.example"),
                    ("town_hall_address", "Markt 1"),
                ],
            ),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(
        summary_targets(&refused),
        ["f-slug", "f-code", "f-accent_colour"],
        "the portal's own checks, once the others pass"
    );
    assert!(
        refused
            .text(".error-summary")
            .contains("verwendet das Portal selbst")
    );
    assert!(
        refused.text(".error-summary").contains("Kontrast von 1,"),
        "{}",
        refused.text(".error-summary")
    );
    assert_eq!(app.count_rows("tenants").await, 0);

    let created = admin.submit(NEW, BLEICHERODE).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(
        created.location(),
        "/staff/municipalities?created=bleicherode"
    );
    let list = admin.get(&created.location()).await;
    assert!(
        list.text(".notice")
            .contains("Stadt Bleicherode ist angelegt"),
        "{}",
        list.body
    );
    assert!(list.text("table").contains("BLE"), "the code in capitals");

    // The same code again, under another address: refused at the code, kept as typed.
    let taken = admin
        .submit(
            NEW,
            &with(
                BLEICHERODE,
                &[("slug", "bleicherode-zwei"), ("code", "BLE")],
            ),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert_eq!(summary_targets(&taken), ["f-code"]);
    assert_eq!(
        taken.attr("#f-slug", "value").as_deref(),
        Some("bleicherode-zwei")
    );
    assert_eq!(app.count_rows("tenants").await, 1);

    // Public at once, with its details on the accessibility statement; no service yet.
    let mut citizen = app.browser();
    assert!(citizen.get("/").await.body.contains("Stadt Bleicherode"));
    let statement = citizen.get("/bleicherode/barrierefreiheit").await;
    assert_eq!(statement.status, StatusCode::OK);
    assert!(
        statement.body.contains("barrierefrei@bleicherode.example"),
        "{}",
        statement.body
    );
    assert_eq!(
        citizen
            .get("/bleicherode/services/hundesteuer/form")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A form published for the federation, offered in the new municipality.
    let published = admin.publish_form(DOG_TAX).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    let offer = "/staff/forms/hundesteuer-anmeldung/offer";
    let page = admin.get(offer).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(
        page.attr("#f-slug", "value").as_deref(),
        Some("hundesteuer-anmeldung")
    );
    let bad_address = admin
        .submit(
            offer,
            &[("tenant", "bleicherode"), ("slug", "Hunde Steuer")],
        )
        .await;
    assert_eq!(bad_address.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(summary_targets(&bad_address), ["f-slug"]);
    assert_eq!(
        bad_address.attr("#f-slug", "value").as_deref(),
        Some("Hunde Steuer")
    );
    let offered = admin
        .submit(offer, &[("tenant", "bleicherode"), ("slug", "hundesteuer")])
        .await;
    assert_eq!(offered.status, StatusCode::SEE_OTHER, "{}", offered.body);
    let done = admin.get(&offered.location()).await;
    assert_eq!(
        done.attr(".notice a", "href").as_deref(),
        Some("/bleicherode/services/hundesteuer")
    );
    assert!(
        done.body.contains(
            "Jede Gemeinde, in der Sie dieses Formular anbieten dürfen, bietet es schon an."
        ),
        "nowhere left: {}",
        done.body
    );

    // A citizen files the application; the reference carries the municipality's code.
    let answers: Vec<(&str, &str)> = DOG_TAX_ANSWERS
        .iter()
        .map(|&(k, v)| {
            if k == "ort" {
                (k, "Bleicherode")
            } else {
                (k, v)
            }
        })
        .collect();
    let filed = citizen
        .apply("/bleicherode/services/hundesteuer/form", &answers)
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let confirmation = citizen.get(&filed.location()).await;
    let reference = confirmation.text(".reference");
    assert!(reference.starts_with("BLE-"), "{reference}");

    // Its clerk, created on the command line, sees the case.
    create_staff(&app, "sachbearbeitung", "clerk", Some("bleicherode")).await;
    let mut clerk = app.browser();
    clerk.staff_login("sachbearbeitung", PASSWORD).await;
    let inbox = clerk.get("/staff/inbox").await;
    assert!(inbox.body.contains(&reference), "{}", inbox.body);

    // The details change; address and code do not.
    let edit = "/staff/municipalities/bleicherode";
    let form = admin.get(edit).await;
    assert_eq!(
        form.attr("#f-feedback_phone", "value").as_deref(),
        Some("036338 430")
    );
    assert_eq!(
        form.attr("#f-accessibility_reviewed_on", "value")
            .as_deref(),
        Some("02.11.2026")
    );
    assert!(
        form.attr("#f-slug", "value").is_none(),
        "no address input when editing"
    );
    let changed: Vec<(&str, &str)> = with(BLEICHERODE, &[("feedback_phone", "036338 431")])
        .into_iter()
        .filter(|(k, _)| *k != "slug" && *k != "code")
        .collect();
    let saved = admin.submit(edit, &changed).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(
        citizen
            .get("/bleicherode/barrierefreiheit")
            .await
            .body
            .contains("036338 431")
    );
    assert_eq!(app.count_rows("tenants").await, 1);
    app.stop().await;
}

async fn signed_in(app: &TestApp, username: &str) -> Browser {
    let mut browser = app.browser();
    browser.staff_login(username, "demo").await;
    browser
}

async fn a_municipalitys_admin_changes_only_its_own_details_and_creates_none(db: Db) {
    let app = TestApp::start(db).await;
    let mut admin = signed_in(&app, "admin.werther").await;
    let list = admin.get("/staff/municipalities").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text("table").contains("Werther"));
    assert!(!list.text("table").contains("Ellrich"), "only its own");
    assert!(!list.body.contains(NEW), "no way to create one");
    assert_eq!(admin.get(NEW).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        admin.get("/staff/municipalities/ellrich").await.status,
        StatusCode::FORBIDDEN
    );
    let tenants = app.count_rows("tenants").await;
    // A post for another municipality (with a valid token from its own page) changes nothing.
    let own = admin.get("/staff/municipalities/werther").await;
    let token = own.csrf_token();
    let refused = admin
        .post(
            "/staff/municipalities/ellrich",
            &[("_csrf", token.as_str()), ("name", "Gekapert")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let created = admin
        .post(
            NEW,
            &[
                ("_csrf", token.as_str()),
                ("name", "Neu"),
                ("slug", "neu"),
                ("code", "NEU"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count_rows("tenants").await, tenants);
    assert!(!admin.get("/").await.body.contains("Gekapert"));

    // Its own: a colour with too little contrast is refused, the rest kept.
    let mut fields = shown_values(&own);
    for (k, v) in &mut fields {
        if k == "accent_colour" {
            *v = "#9aa0a6".into();
        }
        if k == "name" {
            *v = "Stadt Werther".into();
        }
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = admin.submit("/staff/municipalities/werther", &pairs).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(summary_targets(&refused), ["f-accent_colour"]);
    assert_eq!(
        refused.attr("#f-name", "value").as_deref(),
        Some("Stadt Werther")
    );
    let pairs: Vec<(&str, &str)> = pairs
        .into_iter()
        .map(|(k, v)| {
            if k == "accent_colour" {
                (k, "#0b5c3a")
            } else {
                (k, v)
            }
        })
        .collect();
    let saved = admin.submit("/staff/municipalities/werther", &pairs).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(admin.get("/").await.body.contains("Stadt Werther"));

    // A clerk gets the friendly 403.
    let mut clerk = signed_in(&app, "clerk.werther").await;
    assert_eq!(
        clerk.get("/staff/municipalities").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        clerk
            .get("/staff/forms/hundesteuer-anmeldung/offer")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}

async fn a_municipalitys_own_form_is_offered_by_it_and_by_no_other(db: Db) {
    let app = TestApp::start(db).await;
    let mut werther = signed_in(&app, "admin.werther").await;
    let mut def: serde_json::Value = serde_json::from_str(DOG_TAX).unwrap();
    def["id"] = "werther-hundemarke".into();
    def["title"]["de"] = "Hundemarke nachbestellen".into();
    let own = serde_json::to_string_pretty(&def).unwrap();
    let published = werther.publish_form(&own).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );

    let offer = "/staff/forms/werther-hundemarke/offer";
    // Ellrich's admin does not see it; the federation admin may offer it only in Werther.
    let mut ellrich = signed_in(&app, "admin.ellrich").await;
    assert_eq!(ellrich.get(offer).await.status, StatusCode::NOT_FOUND);
    let mut federation = signed_in(&app, "federation.admin").await;
    let page = federation.get(offer).await;
    assert_eq!(page.status, StatusCode::OK);
    let choices: Vec<String> = page
        .html()
        .select(&scraper::Selector::parse("input[name=tenant]").unwrap())
        .filter_map(|e| e.value().attr("value").map(str::to_owned))
        .collect();
    assert_eq!(choices, ["werther"], "one choice, as radio buttons");
    let token = page.csrf_token();
    let refused = federation
        .post(
            offer,
            &[
                ("_csrf", token.as_str()),
                ("tenant", "ellrich"),
                ("slug", "hundemarke"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not among the choices"
    );
    let services = app.count_rows("services").await;

    // Werther offers it; the address of an existing service is refused first.
    let page = werther.get(offer).await;
    assert_eq!(page.status, StatusCode::OK);
    let taken = werther
        .submit(
            offer,
            &[("tenant", "werther"), ("slug", "hundesteuer-anmeldung")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert_eq!(summary_targets(&taken), ["f-slug"]);
    assert_eq!(app.count_rows("services").await, services);
    let offered = werther
        .submit(offer, &[("tenant", "werther"), ("slug", "hundemarke")])
        .await;
    assert_eq!(offered.status, StatusCode::SEE_OTHER, "{}", offered.body);
    assert_eq!(app.count_rows("services").await, services + 1);
    let mut citizen = app.browser();
    let service = citizen.get("/werther/services/hundemarke").await;
    assert_eq!(service.status, StatusCode::OK);
    assert!(service.body.contains("Hundemarke nachbestellen"));
    assert_eq!(
        citizen.get("/ellrich/services/hundemarke").await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

async fn every_post_needs_a_csrf_token_and_keeps_what_was_typed(db: Db) {
    let app = TestApp::start(db).await;
    let mut federation = signed_in(&app, "federation.admin").await;
    let tenants = app.count_rows("tenants").await;
    let expired = federation.post(NEW, BLEICHERODE).await;
    assert_eq!(expired.status, StatusCode::FORBIDDEN);
    assert_eq!(
        expired.attr("#f-name", "value").as_deref(),
        Some("Stadt Bleicherode")
    );
    assert!(
        !expired.csrf_token().is_empty(),
        "a fresh token to try again"
    );
    let edit = federation
        .post("/staff/municipalities/werther", &[("name", "Ohne Token")])
        .await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    assert_eq!(edit.attr("#f-name", "value").as_deref(), Some("Ohne Token"));
    // Heringen/Helme does not offer the grave form yet: a post with a token would write.
    let services = app.count_rows("services").await;
    let offer = federation
        .post(
            GRAVE_OFFER,
            &[("tenant", "heringen-helme"), ("slug", "grab")],
        )
        .await;
    assert_eq!(offer.status, StatusCode::FORBIDDEN);
    assert_eq!(offer.attr("#f-slug", "value").as_deref(), Some("grab"));
    assert_eq!(app.count_rows("services").await, services);
    assert_eq!(app.count_rows("tenants").await, tenants);
    assert!(!federation.get("/").await.body.contains("Ohne Token"));
    app.stop().await;
}

/// A municipality's admin adopts a form of the federation on its own, in its own municipality
/// only.
async fn a_municipality_adopts_a_federation_form_itself(db: Db) {
    let app = TestApp::start(db).await;
    let mut admin = signed_in(&app, "admin.heringen-helme").await;
    let list = admin.get("/staff/forms").await;
    assert!(
        list.body
            .contains("href=\"/staff/forms/grabnutzungsrecht-verlaengerung/offer\""),
        "the federation's form is listed although Heringen/Helme does not offer it"
    );
    let page = admin.get(GRAVE_OFFER).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let services = app.count_rows("services").await;
    // Another municipality is not among the choices.
    let token = page.csrf_token();
    let refused = admin
        .post(
            GRAVE_OFFER,
            &[
                ("_csrf", token.as_str()),
                ("tenant", "werther"),
                ("slug", "grab"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count_rows("services").await, services);
    let offered = admin
        .submit(
            GRAVE_OFFER,
            &[("tenant", "heringen-helme"), ("slug", "grab")],
        )
        .await;
    assert_eq!(offered.status, StatusCode::SEE_OTHER, "{}", offered.body);
    assert_eq!(app.count_rows("services").await, services + 1);
    let mut citizen = app.browser();
    assert_eq!(
        citizen.get("/heringen-helme/services/grab").await.status,
        StatusCode::OK
    );
    // Werther's admin cannot use the notice to learn about Heringen/Helme's page either.
    let mut werther = signed_in(&app, "admin.werther").await;
    let notice = werther
        .get(&format!("{GRAVE_OFFER}?offered=heringen-helme"))
        .await;
    assert!(
        notice.attr(".notice a", "href").is_none(),
        "{}",
        notice.body
    );
    app.stop().await;
}

both_databases!(
    a_municipality_adopts_a_federation_form_itself,
    from_an_empty_portal_to_a_first_case_in_a_new_municipality,
    a_municipalitys_admin_changes_only_its_own_details_and_creates_none,
    a_municipalitys_own_form_is_offered_by_it_and_by_no_other,
    every_post_needs_a_csrf_token_and_keeps_what_was_typed,
);
