//! Bad input never panics and never loses what the citizen typed (issue 2, acceptance), on
//! every page of the step-by-step journey: empty and malformed fields get 422 with an error
//! summary and every value kept, on the first step (nothing stored yet) as on a later one; an
//! unticked declaration on the check page gets 422 at the box; unknown addresses get a
//! friendly 404 page; a post without a valid CSRF token gets 403 with the page shown again;
//! an oversized or unreadable body gets 413 or 400, never a 5xx.

#![allow(clippy::expect_used)] // a test fails loudly where a value is missing

use reqwest::StatusCode;
use tests::{
    Browser, DOG_TAX_ANSWERS, DOG_TAX_FORM, Db, Page, TestApp, both_databases,
    dog_tax_answers_with, dog_tax_answers_without, file_dog_tax,
};

const FORM_TYPE: &str = "application/x-www-form-urlencoded";

/// The pairs of `answers` that `page`'s form asks for: one step's share.
fn on_page<'a>(page: &Page, answers: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let shown = page.input_names();
    answers
        .iter()
        .copied()
        .filter(|(name, _)| shown.iter().any(|n| n == name))
        .collect()
}

/// GETs the step page at `path` and presses its "continue" button with `fields` and the
/// page's token.
async fn continue_on(citizen: &mut Browser, path: &str, fields: &[(&str, &str)]) -> Page {
    let mut all = vec![("_action", "next")];
    all.extend_from_slice(fields);
    citizen.submit(path, &all).await
}

/// Fills the dog-tax form's first step correctly: the draft exists, and this is the address
/// of its second step (the dog).
async fn start_dog_tax(citizen: &mut Browser) -> String {
    let first = citizen.get(DOG_TAX_FORM).await;
    let owner = on_page(&first, DOG_TAX_ANSWERS);
    let next = continue_on(citizen, DOG_TAX_FORM, &owner).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let step2 = next.location();
    assert!(step2.ends_with("/steps/2"), "{step2}");
    step2
}

/// The dog-tax answers that step 2 asks for, with `changes` applied.
async fn dog_answers<'a>(
    citizen: &mut Browser,
    step2: &str,
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let page = citizen.get(step2).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    on_page(&page, &dog_tax_answers_with(changes))
}

/// The field's message next to it, and the summary link to it that lands on a real element.
fn assert_field_error(page: &Page, key: &str, message_part: &str) {
    // A row's answer `hunde.0.x` has the element id `f-hunde-0-x`.
    let field = key.replace('.', "-");
    let field = field.as_str();
    let anchor = if ["hunde-0-geschlecht", "hunde-0-gefaehrlicher_hund"].contains(&field) {
        format!("f-{field}-0")
    } else {
        format!("f-{field}")
    };
    let next_to_field = page.text(&format!("#f-{field}-error"));
    assert!(
        next_to_field.contains(message_part),
        "message at {field} should say {message_part:?}, is {next_to_field:?}"
    );
    let link = format!(".error-summary a[href=\"#{anchor}\"]");
    assert!(
        page.text(&link).contains(message_part),
        "no summary link {link} saying {message_part:?}:\n{}",
        page.texts(".error-summary a").join("\n")
    );
    assert!(
        page.attr(&format!("#{anchor}"), "id").is_some(),
        "the summary links to #{anchor}, which is not on the page"
    );
}

fn assert_error_summary_takes_focus(page: &Page) {
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        page.attr(".error-summary", "autofocus").is_some(),
        "the error summary must take focus without JavaScript"
    );
    assert!(
        page.text("title").starts_with("Fehler"),
        "{}",
        page.text("title")
    );
}

fn value_of(page: &Page, field: &str) -> String {
    page.attr(&format!("#f-{}", field.replace('.', "-")), "value")
        .unwrap_or_default()
}

async fn empty_required_fields_get_422_with_a_summary_and_typed_values_kept(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();

    // Step 1: only the first name and the optional phone typed; everything else left empty.
    let page = continue_on(
        &mut citizen,
        DOG_TAX_FORM,
        &[
            ("vorname", "  Anna "),
            ("nachname", ""),
            ("telefon", "03631 123456"),
        ],
    )
    .await;
    assert_error_summary_takes_focus(&page);
    for field in ["nachname", "geburtsdatum", "strasse", "plz", "ort"] {
        assert_field_error(&page, field, "Bitte füllen Sie");
    }
    assert_eq!(page.texts(".error-summary li").len(), 5, "one per field");
    assert!(
        page.texts("#f-vorname-error").is_empty(),
        "a filled field has no error"
    );
    for optional in ["telefon", "email"] {
        assert!(
            page.texts(&format!("#f-{optional}-error")).is_empty(),
            "an optional field has no error: {optional}"
        );
    }
    assert_eq!(
        value_of(&page, "vorname"),
        "  Anna ",
        "kept exactly as typed"
    );
    assert_eq!(value_of(&page, "telefon"), "03631 123456");
    assert_eq!(app.count_rows("drafts").await, 0, "nothing stored");
    assert_eq!(app.count_rows("cases").await, 0, "nothing stored");

    // The page shown again works: its fresh token takes the corrected answers.
    let token = page.csrf_token();
    let mut fields = vec![("_csrf", token.as_str()), ("_action", "next")];
    fields.extend(on_page(&page, DOG_TAX_ANSWERS));
    let next = citizen.post(DOG_TAX_FORM, &fields).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let step2 = next.location();
    assert!(step2.ends_with("/steps/2"), "{step2}");

    // Step 2, the dog: only the breed and the optional chip number typed.
    let page = continue_on(
        &mut citizen,
        &step2,
        &[
            ("hunde.0.rasse", " Mischling  "),
            ("hunde.0.chipnummer", "276098106543210"),
        ],
    )
    .await;
    assert_error_summary_takes_focus(&page);
    for field in [
        "hunde.0.hund_name",
        "hunde.0.hund_geburtsdatum",
        "hunde.0.gehalten_seit",
    ] {
        assert_field_error(&page, field, "Bitte füllen Sie");
    }
    assert_field_error(
        &page,
        "hunde.0.geschlecht",
        "Wählen Sie bei „Geschlecht des Hundes“ eine Möglichkeit aus",
    );
    assert_field_error(&page, "hunde.0.gefaehrlicher_hund", "eine Möglichkeit aus");
    assert_eq!(page.texts(".error-summary li").len(), 5, "one per field");
    for fine in ["hunde.0.rasse", "hunde.0.chipnummer", "weitere_hunde"] {
        assert!(
            page.texts(&format!("#f-{}-error", fine.replace('.', "-")))
                .is_empty(),
            "{fine} has no error"
        );
    }
    assert_eq!(value_of(&page, "hunde.0.rasse"), " Mischling  ");
    assert_eq!(value_of(&page, "hunde.0.chipnummer"), "276098106543210");
    assert_eq!(app.count_rows("cases").await, 0);

    // Corrected with the fresh token of the page shown again: on to the next step.
    let token = page.csrf_token();
    let mut fields = vec![("_csrf", token.as_str()), ("_action", "next")];
    fields.extend(on_page(&page, DOG_TAX_ANSWERS));
    let next = citizen.post(&step2, &fields).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    assert!(next.location().ends_with("/steps/3"), "{}", next.location());
    app.stop().await;
}

async fn wrong_formats_each_get_their_message_and_every_value_is_kept(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();

    // Step 1: three fields in the wrong format.
    let answers = dog_tax_answers_with(&[
        ("geburtsdatum", "31.02.2026"),
        ("plz", "9973"),
        ("email", "anna.schulz.example.org"),
    ]);
    let first = citizen.get(DOG_TAX_FORM).await;
    let page = continue_on(&mut citizen, DOG_TAX_FORM, &on_page(&first, &answers)).await;
    assert_error_summary_takes_focus(&page);
    assert_field_error(&page, "geburtsdatum", "gültiges Datum");
    assert_field_error(&page, "plz", "Postleitzahl mit 5 Ziffern");
    assert_field_error(&page, "email", "E-Mail-Adresse im richtigen Format");
    assert_eq!(
        page.texts(".error-summary li").len(),
        3,
        "one entry per problem"
    );
    // Wrong values are shown as typed, right ones too.
    assert_eq!(value_of(&page, "geburtsdatum"), "31.02.2026");
    assert_eq!(value_of(&page, "plz"), "9973");
    assert_eq!(value_of(&page, "email"), "anna.schulz.example.org");
    for (field, typed) in [
        ("vorname", "Anna"),
        ("strasse", "Hauptstraße 1"),
        ("ort", "Werther"),
    ] {
        assert_eq!(value_of(&page, field), typed);
    }
    assert_eq!(app.count_rows("drafts").await, 0, "nothing stored");

    // Step 2: an invented option, an impossible date, a number in words.
    let step2 = start_dog_tax(&mut citizen).await;
    let answers = dog_answers(
        &mut citizen,
        &step2,
        &[
            ("hunde.0.geschlecht", "kater"),
            ("hunde.0.hund_geburtsdatum", "30.02.2022"),
            ("weitere_hunde", "zwei"),
        ],
    )
    .await;
    let page = continue_on(&mut citizen, &step2, &answers).await;
    assert_error_summary_takes_focus(&page);
    assert_field_error(
        &page,
        "hunde.0.geschlecht",
        "eine der angebotenen Möglichkeiten",
    );
    assert_field_error(&page, "hunde.0.hund_geburtsdatum", "gültiges Datum");
    assert_field_error(&page, "weitere_hunde", "ganze Zahl");
    assert_eq!(
        page.texts(".error-summary li").len(),
        3,
        "one entry per problem"
    );
    assert_eq!(value_of(&page, "hunde.0.hund_geburtsdatum"), "30.02.2022");
    assert_eq!(value_of(&page, "weitere_hunde"), "zwei");
    for (field, typed) in [
        ("hunde.0.hund_name", "Bello"),
        ("hunde.0.rasse", "Mischling"),
        ("hunde.0.gehalten_seit", "01.10.2026"),
    ] {
        assert_eq!(value_of(&page, field), typed);
    }
    assert_eq!(
        page.attr("input[name='hunde.0.gefaehrlicher_hund'][checked]", "value")
            .as_deref(),
        Some("nein"),
        "the chosen radio stays chosen"
    );
    assert!(
        page.attr("input[name='hunde.0.geschlecht'][checked]", "value")
            .is_none(),
        "an invented option is not shown as chosen"
    );
    assert_eq!(app.count_rows("cases").await, 0);
    app.stop().await;
}

/// The declaration is the check page's one input: not ticked (left out, or any value but
/// the box's own) gets 422 at the box, and nothing is submitted.
async fn an_unticked_declaration_gets_422_at_the_box_and_nothing_is_submitted(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let check = citizen.walk_to_check(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    let check_url = check.form_action();
    assert!(check_url.ends_with("/check"), "{check_url}");

    let token = check.csrf_token();
    for declaration in [None, Some(""), Some("vielleicht"), Some("true")] {
        let mut fields = vec![("_csrf", token.as_str())];
        fields.extend(declaration.map(|d| ("_declaration", d)));
        let page = citizen.post(&check_url, &fields).await;
        assert_error_summary_takes_focus(&page);
        assert_field_error(&page, "_declaration", "Bestätigen Sie die Erklärung");
        assert_eq!(page.texts(".error-summary li").len(), 1, "{declaration:?}");
        assert!(
            page.attr("#f-_declaration[checked]", "id").is_none(),
            "{declaration:?} is not a tick"
        );
        // The answers are still there to check.
        assert!(
            page.texts(".summary dd").iter().any(|v| v == "Bello"),
            "{declaration:?}"
        );
    }
    assert_eq!(app.count_rows("cases").await, 0);
    assert_eq!(app.count_rows("drafts").await, 1, "the draft is kept");

    // Ticked: submitted, once.
    let filed = citizen
        .post(&check_url, &[("_csrf", &token), ("_declaration", "yes")])
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    assert!(filed.location().contains("/confirmation"));
    assert_eq!(app.count_rows("cases").await, 1);
    app.stop().await;
}

async fn a_hundred_kilobytes_in_a_text_field_get_too_long_and_stay_typed(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let first = citizen.get(DOG_TAX_FORM).await;

    let long = "Ä".repeat(50_000); // 100 KB of UTF-8
    let page = continue_on(
        &mut citizen,
        DOG_TAX_FORM,
        &on_page(&first, &dog_tax_answers_with(&[("vorname", &long)])),
    )
    .await;
    assert_error_summary_takes_focus(&page);
    assert_field_error(&page, "vorname", "höchstens 200 Zeichen");
    assert_eq!(
        value_of(&page, "vorname"),
        long,
        "the long text is given back, not cut"
    );
    assert_eq!(value_of(&page, "nachname"), "Schulz");

    // A control character smuggled into a one-line field is refused, not stored.
    let page = continue_on(
        &mut citizen,
        DOG_TAX_FORM,
        &on_page(
            &first,
            &dog_tax_answers_with(&[("nachname", "Schulz\r\nBcc: x")]),
        ),
    )
    .await;
    assert_error_summary_takes_focus(&page);
    assert_field_error(&page, "nachname", "nicht erlaubt");
    assert_eq!(app.count_rows("drafts").await, 0, "nothing stored");

    // The same on a later step: the dog's name has room for 100 characters.
    let step2 = start_dog_tax(&mut citizen).await;
    let answers = dog_answers(
        &mut citizen,
        &step2,
        &[
            ("hunde.0.hund_name", &long),
            ("hunde.0.rasse", "Mischling\u{7}"),
        ],
    )
    .await;
    let page = continue_on(&mut citizen, &step2, &answers).await;
    assert_error_summary_takes_focus(&page);
    assert_field_error(&page, "hunde.0.hund_name", "höchstens 100 Zeichen");
    assert_field_error(&page, "hunde.0.rasse", "nicht erlaubt");
    assert_eq!(
        value_of(&page, "hunde.0.hund_name"),
        long,
        "the long text is given back, not cut"
    );
    assert_eq!(value_of(&page, "hunde.0.gehalten_seit"), "01.10.2026");
    assert_eq!(app.count_rows("cases").await, 0);
    app.stop().await;
}

async fn unknown_addresses_get_a_friendly_404_page(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let filed = file_dog_tax(&mut citizen).await;
    let case_id = filed
        .confirmation
        .split('/')
        .nth(3)
        .expect("case id in the confirmation link")
        .to_owned();

    let mut paths = vec![
        "/nirgendwo/".to_owned(),
        "/nirgendwo".to_owned(),
        "/nirgendwo/services/hundesteuer-anmeldung".to_owned(),
        "/werther/services/gibt-es-nicht".to_owned(),
        "/werther/services/gibt-es-nicht/form".to_owned(),
        // Heringen/Helme runs no cemetery administration.
        "/heringen-helme/services/grabnutzungsrecht-verlaengerung".to_owned(),
        "/werther/cases/not-a-uuid/confirmation".to_owned(),
        format!("/werther/cases/{}/confirmation", uuid_v4()),
        // The right case under the wrong municipality.
        format!("/ellrich/cases/{case_id}/confirmation"),
        "/a/b/c/d/e".to_owned(),
    ];
    for path in &paths {
        assert_friendly_404(citizen.get(path).await, path);
    }
    // A path that is not even UTF-8 cannot be read: a 400 page, not a server error.
    let page = citizen.get("/werther/cases/%00%ff/confirmation").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(page.text("h1"), "Ungültige Anfrage");

    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    paths = vec![
        "/staff/cases/not-a-uuid".to_owned(),
        format!("/staff/cases/{}", uuid_v4()),
        "/staff/cases/".to_owned(),
        "/staff/inbox?tenant=nirgendwo".to_owned(),
    ];
    for path in &paths {
        assert_friendly_404(clerk.get(path).await, path);
    }

    // Posting to a form that does not exist is 404 too, not a CSRF or server error.
    let token = citizen.get(DOG_TAX_FORM).await.csrf_token();
    let mut fields = vec![("_csrf", token.as_str())];
    fields.extend_from_slice(DOG_TAX_ANSWERS);
    for path in [
        "/nirgendwo/services/hundesteuer-anmeldung/form",
        "/werther/services/x/form",
    ] {
        assert_friendly_404(citizen.post(path, &fields).await, path);
    }
    app.stop().await;
}

fn assert_friendly_404(page: Page, path: &str) {
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
    assert!(
        page.header("content-type").starts_with("text/html"),
        "{path}: {}",
        page.header("content-type")
    );
    assert_eq!(page.text("h1"), "Seite nicht gefunden", "{path}");
    assert!(
        page.attr("main a[href=\"/\"]", "href").is_some(),
        "{path}: a way back"
    );
}

fn uuid_v4() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn a_post_without_a_valid_csrf_token_gets_403_with_the_form_and_values_kept(db: Db) {
    let app = TestApp::start(db).await;

    // Step 1, from a browser that never loaded the form (no CSRF cookie, no token).
    let mut citizen = app.browser();
    let page = citizen.post(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.attr(".error-summary", "autofocus").is_some(),
        "the notice takes focus"
    );
    assert_eq!(value_of(&page, "vorname"), "Anna");
    assert_eq!(value_of(&page, "strasse"), "Hauptstraße 1");
    assert_eq!(value_of(&page, "geburtsdatum"), "12.03.1985");
    assert_eq!(app.count_rows("drafts").await, 0, "nothing stored");
    // The fresh token on that page works with the cookie that came with it.
    let token = page.csrf_token();
    let mut fields = vec![("_csrf", token.as_str()), ("_action", "next")];
    fields.extend(on_page(&page, DOG_TAX_ANSWERS));
    let next = citizen.post(DOG_TAX_FORM, &fields).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let step2 = next.location();
    assert!(step2.ends_with("/steps/2"), "{step2}");

    // Step 2 of that draft, posted without a token or with a forged one: 403, the page
    // again with every value (radio buttons too), and nothing saved from that post.
    let dog = dog_answers(&mut citizen, &step2, &[]).await;
    for forged in [None, Some(""), Some("1.AAAA")] {
        let mut fields: Vec<(&str, &str)> = forged.map(|t| ("_csrf", t)).into_iter().collect();
        fields.push(("_action", "next"));
        fields.extend_from_slice(&dog);
        let page = citizen.post(&step2, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "token {forged:?}");
        assert!(
            page.attr(".error-summary", "autofocus").is_some(),
            "the notice takes focus"
        );
        assert_eq!(
            value_of(&page, "hunde.0.hund_name"),
            "Bello",
            "token {forged:?}"
        );
        assert_eq!(value_of(&page, "hunde.0.gehalten_seit"), "01.10.2026");
        assert_eq!(
            page.attr("input[name='hunde.0.geschlecht'][checked]", "value")
                .as_deref(),
            Some("ruede")
        );
        assert_eq!(
            page.attr("input[name='hunde.0.gefaehrlicher_hund'][checked]", "value")
                .as_deref(),
            Some("nein")
        );
    }
    let stored = citizen.get(&step2).await;
    assert_eq!(
        value_of(&stored, "hunde.0.hund_name"),
        "",
        "a post without a valid token saves nothing"
    );
    // The token of the page shown again takes the answers.
    let page = citizen.post(&step2, &[("_action", "next")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let token = page.csrf_token();
    let mut fields = vec![("_csrf", token.as_str()), ("_action", "next")];
    fields.extend_from_slice(&dog);
    let next = citizen.post(&step2, &fields).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);

    // The check page: the declaration ticked, but no valid token. 403, the box stays
    // ticked, nothing submitted; the fresh token submits.
    let check = citizen
        .walk_to_check(&next.location(), DOG_TAX_ANSWERS)
        .await;
    let check_url = check.form_action();
    for forged in [None, Some("9999999999.abc")] {
        let mut fields: Vec<(&str, &str)> = forged.map(|t| ("_csrf", t)).into_iter().collect();
        fields.push(("_declaration", "yes"));
        let page = citizen.post(&check_url, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "token {forged:?}");
        assert!(
            page.attr(".error-summary", "autofocus").is_some(),
            "the notice takes focus"
        );
        assert!(
            page.attr("#f-_declaration[checked]", "id").is_some(),
            "the tick is kept"
        );
        assert_eq!(app.count_rows("cases").await, 0, "token {forged:?}");
    }
    let page = citizen.post(&check_url, &[("_declaration", "yes")]).await;
    let token = page.csrf_token();
    let filed = citizen
        .post(&check_url, &[("_csrf", &token), ("_declaration", "yes")])
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    assert!(filed.location().contains("/confirmation"));

    // A browser with a CSRF cookie that posts no token, or a forged one.
    let mut other = app.browser();
    let _ = other.get(DOG_TAX_FORM).await;
    for forged in [None, Some(""), Some("1.AAAA"), Some("9999999999.abc")] {
        let mut fields: Vec<(&str, &str)> = forged.map(|t| ("_csrf", t)).into_iter().collect();
        fields.extend_from_slice(DOG_TAX_ANSWERS);
        let page = other.post(DOG_TAX_FORM, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "token {forged:?}");
        assert_eq!(value_of(&page, "nachname"), "Schulz");
    }

    // A token from one browser is useless in another, with or without its own cookie.
    let mut victim = app.browser();
    let stolen = victim.get(DOG_TAX_FORM).await.csrf_token();
    let mut fields = vec![("_csrf", stolen.as_str())];
    fields.extend_from_slice(DOG_TAX_ANSWERS);
    assert_eq!(
        other.post(DOG_TAX_FORM, &fields).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.browser().post(DOG_TAX_FORM, &fields).await.status,
        StatusCode::FORBIDDEN
    );

    // The staff login form is protected the same way, and keeps the username.
    let page = other
        .post(
            "/staff/login",
            &[("username", "clerk.werther"), ("password", "demo")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(value_of(&page, "username"), "clerk.werther");
    assert!(
        !page.body.contains("value=\"demo\""),
        "the password is never echoed"
    );

    assert_eq!(
        app.count_rows("cases").await,
        1,
        "only the one journey with valid tokens"
    );
    assert_eq!(
        app.count_rows("drafts").await,
        0,
        "no draft from a refused start"
    );
    app.stop().await;
}

async fn an_oversized_body_gets_413_and_a_megabyte_is_still_read(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let token = citizen.get(DOG_TAX_FORM).await.csrf_token();

    // Exactly 1,000,000 bytes: within the limit, so the first step answers with a message.
    let mut fields = vec![("_csrf", token.as_str()), ("_action", "next")];
    fields.extend(dog_tax_answers_without(&["vorname"]));
    let prefix = serde_urlencoded::to_string(&fields).expect("encode");
    let filler_name = "&vorname=";
    let filler = "x".repeat(1_000_000 - prefix.len() - filler_name.len());
    let body = format!("{prefix}{filler_name}{filler}");
    assert_eq!(body.len(), 1_000_000);
    let page = citizen
        .post_bytes(DOG_TAX_FORM, FORM_TYPE, body.into_bytes())
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.status
    );
    assert_field_error(&page, "vorname", "höchstens 200 Zeichen");

    // 1.5 MB: refused with a page that says what to do, on the first step, a later one
    // and the check page alike.
    let step2 = start_dog_tax(&mut citizen).await;
    let check = format!("{}/check", step2.trim_end_matches("/steps/2"));
    for path in [DOG_TAX_FORM, step2.as_str(), check.as_str()] {
        let body = format!(
            "_csrf={token}&_action=next&_declaration=yes&hund_name={}",
            "x".repeat(1_500_000)
        );
        let page = citizen.post_bytes(path, FORM_TYPE, body.into_bytes()).await;
        assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert!(page.header("content-type").starts_with("text/html"));
        assert_eq!(page.text("h1"), "Eingaben zu umfangreich", "{path}");
    }
    assert_eq!(
        value_of(&citizen.get(&step2).await, "hunde.0.hund_name"),
        "",
        "nothing of a refused body is saved"
    );
    assert_eq!(app.count_rows("drafts").await, 1);
    assert_eq!(app.count_rows("cases").await, 0);
    app.stop().await;
}

async fn unreadable_bodies_get_400_and_never_a_server_error(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let token = citizen.get(DOG_TAX_FORM).await.csrf_token();
    let valid = serde_urlencoded::to_string(dog_tax_answers_with(&[
        ("_csrf", &token),
        ("_action", "next"),
    ]))
    .expect("encode");

    // Not a form post at all.
    for content_type in [
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
    ] {
        let page = citizen
            .post_bytes(
                DOG_TAX_FORM,
                content_type,
                br#"{"vorname":"Anna"}"#.to_vec(),
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{content_type}");
        assert_eq!(page.text("h1"), "Ungültige Anfrage");
    }

    // Bytes that are not UTF-8, raw or percent-encoded, cannot be what a citizen typed:
    // refused, not silently turned into replacement characters and stored.
    for garbage in [
        b"&nachname=Schulz\xff\xfe".to_vec(),
        b"&nachname=Schulz%FF%FE".to_vec(),
    ] {
        let mut body = valid.clone().into_bytes();
        body.extend_from_slice(&garbage);
        let body = move_first_wins(body, "nachname");
        let page = citizen.post_bytes(DOG_TAX_FORM, FORM_TYPE, body).await;
        assert_eq!(
            page.status,
            StatusCode::BAD_REQUEST,
            "{}",
            String::from_utf8_lossy(&garbage)
        );
    }
    assert_eq!(app.count_rows("drafts").await, 0, "nothing stored");

    // Stray percent signs are kept literally (as browsers' URL-encoded parsing does): the
    // value is shown back as sent, and no 5xx.
    let body = format!("_csrf={token}&_action=next&vorname=100%&nachname=%zz%&plz=%");
    let page = citizen
        .post_bytes(DOG_TAX_FORM, FORM_TYPE, body.into_bytes())
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(value_of(&page, "vorname"), "100%");
    assert_eq!(value_of(&page, "nachname"), "%zz%");
    assert_field_error(&page, "plz", "Postleitzahl");

    // A later step and the check page read their bodies the same way; the draft keeps
    // nothing of what could not be read.
    let step2 = start_dog_tax(&mut citizen).await;
    let check = format!("{}/check", step2.trim_end_matches("/steps/2"));
    for path in [step2.as_str(), check.as_str()] {
        let page = citizen
            .post_bytes(
                path,
                "application/json",
                br#"{"hunde.0.hund_name":"Bello"}"#.to_vec(),
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(page.text("h1"), "Ungültige Anfrage", "{path}");
        for garbage in [&b"Bello\xff\xfe"[..], &b"Bello%FF%FE"[..]] {
            let mut body =
                format!("_csrf={token}&_action=next&_declaration=yes&hund_name=").into_bytes();
            body.extend_from_slice(garbage);
            let page = citizen.post_bytes(path, FORM_TYPE, body).await;
            assert_eq!(
                page.status,
                StatusCode::BAD_REQUEST,
                "{path}: {}",
                String::from_utf8_lossy(garbage)
            );
        }
    }
    assert_eq!(
        value_of(&citizen.get(&step2).await, "hunde.0.hund_name"),
        ""
    );
    let page = citizen
        .post_bytes(
            &step2,
            FORM_TYPE,
            format!("_csrf={token}&_action=next&hunde.0.hund_name=100%&hunde.0.rasse=%zz%")
                .into_bytes(),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(value_of(&page, "hunde.0.hund_name"), "100%");
    assert_eq!(value_of(&page, "hunde.0.rasse"), "%zz%");

    // Nothing was submitted, and the portal never answered with a server error.
    assert_eq!(app.count_rows("cases").await, 0);
    assert!(
        !app.log_text().contains("request failed"),
        "{}",
        app.log_text()
    );
    app.stop().await;
}

/// Moves the last `name=` pair of a url-encoded body to the front, so that it is the one
/// validation reads (the first of duplicate names counts).
fn move_first_wins(body: Vec<u8>, name: &str) -> Vec<u8> {
    let marker = format!("&{name}=");
    let at = body
        .windows(marker.len())
        .rposition(|w| w == marker.as_bytes())
        .expect("pair present");
    let mut out = body[at + 1..].to_vec();
    out.push(b'&');
    out.extend_from_slice(&body[..at]);
    out
}

async fn odd_page_numbers_in_the_inbox_show_the_first_page(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let filed = file_dog_tax(&mut citizen).await;
    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    for query in [
        "abc",
        "-1",
        "0",
        "1.5",
        "99999999999999999999999",
        "",
        "%ff",
    ] {
        let page = clerk.get(&format!("/staff/inbox?page={query}")).await;
        assert_eq!(page.status, StatusCode::OK, "page={query}");
        assert!(
            page.texts("table.cases a").contains(&filed.reference),
            "page={query}"
        );
        assert!(
            page.text(".pagination").contains("Seite 1 von 1"),
            "page={query}"
        );
    }
    // A page beyond the last is empty, not an error.
    let beyond = clerk.get("/staff/inbox?page=7").await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert!(beyond.texts("table.cases a").is_empty());
    app.stop().await;
}

/// Left-out fields (not even an empty value posted) count as empty, on the first step and on
/// a later one, where an answer saved before does not stand in for one left out now.
async fn fields_missing_from_the_post_count_as_empty(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let first = citizen.get(DOG_TAX_FORM).await;
    let page = continue_on(
        &mut citizen,
        DOG_TAX_FORM,
        &on_page(&first, &dog_tax_answers_without(&["plz", "geburtsdatum"])),
    )
    .await;
    assert_error_summary_takes_focus(&page);
    assert_eq!(page.texts(".error-summary li").len(), 2);
    assert_field_error(&page, "plz", "Bitte füllen Sie");
    assert_field_error(&page, "geburtsdatum", "Bitte füllen Sie");
    assert_eq!(value_of(&page, "ort"), "Werther");

    let step2 = start_dog_tax(&mut citizen).await;
    let all = dog_answers(&mut citizen, &step2, &[]).await;
    let without = |left_out: &[&str]| -> Vec<(&str, &str)> {
        all.iter()
            .copied()
            .filter(|(name, _)| !left_out.contains(name))
            .collect()
    };
    let page = continue_on(&mut citizen, &step2, &without(&["hunde.0.geschlecht"])).await;
    assert_error_summary_takes_focus(&page);
    assert_eq!(page.texts(".error-summary li").len(), 1);
    assert_field_error(&page, "hunde.0.geschlecht", "eine Möglichkeit aus");
    // Posted again without the name and the danger answer: the name saved a moment ago
    // does not stand in.
    let page = continue_on(
        &mut citizen,
        &step2,
        &without(&["hunde.0.hund_name", "hunde.0.gefaehrlicher_hund"]),
    )
    .await;
    assert_error_summary_takes_focus(&page);
    assert_eq!(page.texts(".error-summary li").len(), 2);
    assert_field_error(&page, "hunde.0.hund_name", "Bitte füllen Sie");
    assert_field_error(&page, "hunde.0.gefaehrlicher_hund", "eine Möglichkeit aus");
    assert_eq!(value_of(&page, "hunde.0.hund_name"), "");
    assert_eq!(
        page.attr("input[name='hunde.0.geschlecht'][checked]", "value")
            .as_deref(),
        Some("ruede")
    );
    assert_eq!(app.count_rows("cases").await, 0);
    app.stop().await;
}

both_databases!(
    empty_required_fields_get_422_with_a_summary_and_typed_values_kept,
    wrong_formats_each_get_their_message_and_every_value_is_kept,
    an_unticked_declaration_gets_422_at_the_box_and_nothing_is_submitted,
    a_hundred_kilobytes_in_a_text_field_get_too_long_and_stay_typed,
    unknown_addresses_get_a_friendly_404_page,
    a_post_without_a_valid_csrf_token_gets_403_with_the_form_and_values_kept,
    an_oversized_body_gets_413_and_a_megabyte_is_still_read,
    unreadable_bodies_get_400_and_never_a_server_error,
    odd_page_numbers_in_the_inbox_show_the_first_page,
    fields_missing_from_the_post_count_as_empty,
);
