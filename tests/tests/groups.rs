#![allow(clippy::expect_used)]

//! Repeating groups in the browser (issue 4, items 1 and 2): a dog owner registers two dogs
//! on one page, adds and removes rows with plain buttons (no JavaScript), gets a message at
//! the second dog's field when only that dog is dangerous and undocumented, sees both dogs on
//! the check page, and the clerk sees both dogs on the case.

use reqwest::StatusCode;
use tests::{DOG_TAX_FORM, DOG_TAX_OWNER, Db, TestApp, both_databases};

fn dog<'a>(row: usize, name: &'a str, dangerous: &'a str) -> Vec<(String, &'a str)> {
    [
        ("hund_name", name),
        ("rasse", "Mischling"),
        ("hund_geburtsdatum", "01.02.2022"),
        ("gehalten_seit", "01.10.2026"),
        ("geschlecht", "huendin"),
        ("gefaehrlicher_hund", dangerous),
    ]
    .into_iter()
    .map(|(field, value)| (format!("hunde.{row}.{field}"), value))
    .collect()
}

fn pairs<'a>(owned: &'a [(String, &'a str)]) -> Vec<(&'a str, &'a str)> {
    owned.iter().map(|(k, v)| (k.as_str(), *v)).collect()
}

async fn a_dog_owner_registers_two_dogs_with_logic_per_dog(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let first = citizen.get(DOG_TAX_FORM).await;
    let next = citizen.press(&first, "next", DOG_TAX_OWNER).await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let step2_url = next.location();
    let step2 = citizen.get(&step2_url).await;
    assert_eq!(step2.text("h1"), "Hunde");
    assert_eq!(step2.texts(".group-row-title"), ["Hund 1"]);
    assert!(
        step2
            .attr("button[value='remove:hunde.0']", "value")
            .is_none(),
        "the only dog cannot be removed (one is the minimum)"
    );

    // "Weiteren Hund anmelden": what was typed for the first dog stays, a second row appears.
    let first_dog = dog(0, "Bello", "nein");
    let added = citizen.press(&step2, "add:hunde", &pairs(&first_dog)).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert!(
        added.location().ends_with("#f-hunde-row-1"),
        "{}",
        added.location()
    );
    let two = citizen.get(&added.location()).await;
    assert_eq!(two.texts(".group-row-title"), ["Hund 1", "Hund 2"]);
    assert_eq!(
        two.attr("#f-hunde-0-hund_name", "value").as_deref(),
        Some("Bello")
    );
    assert_eq!(
        two.attr("#f-hunde-1-hund_name", "value").as_deref(),
        Some("")
    );
    // Each row shows the dangerous-dog documents field (its own answer may still reveal it).
    assert!(two.attr("#f-hunde-1-rasse_nachweis", "name").is_some());

    // The second dog is dangerous, without documents: the message is at that dog's field.
    let mut both = first_dog.clone();
    both.extend(dog(1, "Rex", "ja"));
    let wrong = citizen.press(&two, "next", &pairs(&both)).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let summary = wrong.texts(".error-summary a");
    assert_eq!(summary.len(), 1, "{summary:?}");
    assert!(summary[0].starts_with("Hund 2: "), "{summary:?}");
    assert_eq!(
        wrong.attr(".error-summary a", "href").as_deref(),
        Some("#f-hunde-1-rasse_nachweis")
    );
    assert_eq!(
        wrong
            .attr("#f-hunde-1-rasse_nachweis", "aria-invalid")
            .as_deref(),
        Some("true")
    );
    assert!(
        wrong
            .attr("#f-hunde-0-rasse_nachweis", "aria-invalid")
            .is_none(),
        "the first dog is not dangerous: no message there"
    );
    assert_eq!(
        wrong.attr("#f-hunde-1-hund_name", "value").as_deref(),
        Some("Rex"),
        "what was typed is kept"
    );

    let mut fixed = pairs(&both);
    fixed.push(("hunde.1.rasse_nachweis", "Wesenstest vom 03.02.2026"));
    // Typed for the first dog too, but that dog is not dangerous: never stored.
    fixed.push(("hunde.0.rasse_nachweis", "versehentlich"));
    let done = citizen.press(&wrong, "next", &fixed).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let step3 = citizen.get(&done.location()).await;
    // Werther's rates: one dangerous dog (600 €) and a first dog (48 €).
    assert!(step3.body.contains("648,00"), "{}", step3.body);
    let to_check = citizen.press(&step3, "next", &[]).await;
    let check = citizen.get(&to_check.location()).await;
    let headings = check.texts("h4");
    assert_eq!(headings, ["Hund 1", "Hund 2"]);
    assert!(check.body.contains("Wesenstest vom 03.02.2026"));
    assert!(!check.body.contains("versehentlich"));
    assert!(
        check
            .html()
            .select(&scraper::Selector::parse(".summary-actions a").expect("selector"))
            .filter_map(|a| a.value().attr("href"))
            .any(|href| href.ends_with("/steps/2?return=check#f-hunde-1-hund_name")),
        "a change link leads to the second dog's name"
    );
    let token = check.csrf_token();
    let submitted = citizen
        .post(
            &check.form_action(),
            &[("_csrf", token.as_str()), ("_declaration", "yes")],
        )
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.body
    );

    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let inbox = clerk.get("/staff/inbox?tenant=werther").await;
    let case = inbox
        .attr("main table a", "href")
        .expect("the case in the inbox");
    let case = clerk.get(&case).await;
    assert_eq!(case.texts("h4"), ["Hund 1", "Hund 2"]);
    assert!(case.body.contains("Bello") && case.body.contains("Rex"));
    assert!(!case.body.contains("versehentlich"));
    app.stop().await;
}

async fn removing_a_dog_moves_the_later_dogs_up(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let first = citizen.get(DOG_TAX_FORM).await;
    let next = citizen.press(&first, "next", DOG_TAX_OWNER).await;
    let mut page = citizen.get(&next.location()).await;
    let mut typed = dog(0, "Alma", "nein");
    for (row, name) in [(1, "Bruno"), (2, "Cleo")] {
        let added = citizen.press(&page, "add:hunde", &pairs(&typed)).await;
        page = citizen.get(&added.location()).await;
        typed.extend(dog(row, name, "nein"));
    }
    assert_eq!(
        page.texts(".group-row-title"),
        ["Hund 1", "Hund 2", "Hund 3"]
    );
    assert_eq!(
        page.text("button[value='remove:hunde.0']"),
        "Hund 1 entfernen"
    );
    let removed = citizen.press(&page, "remove:hunde.0", &pairs(&typed)).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    let page = citizen.get(&removed.location()).await;
    assert_eq!(page.texts(".group-row-title"), ["Hund 1", "Hund 2"]);
    assert_eq!(
        page.attr("#f-hunde-0-hund_name", "value").as_deref(),
        Some("Bruno")
    );
    assert_eq!(
        page.attr("#f-hunde-1-hund_name", "value").as_deref(),
        Some("Cleo")
    );
    // A crafted post cannot go beyond the group's bounds.
    let token = page.csrf_token();
    let many = citizen
        .post(
            &page.form_action(),
            &[
                ("_csrf", token.as_str()),
                ("_action", "next"),
                ("hunde", "100000"),
            ],
        )
        .await;
    assert_eq!(many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(many.texts(".group-row-title").len(), 10, "ten dogs at most");
    app.stop().await;
}

both_databases!(
    a_dog_owner_registers_two_dogs_with_logic_per_dog,
    removing_a_dog_moves_the_later_dogs_up,
);
