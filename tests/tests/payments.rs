//! Paying a fee in the demo, through the simulated provider (issue 6): the fee is computed on
//! the server and shown before submitting, the citizen pays on the provider's page, the return
//! page asks the provider, a failed or cancelled payment can be tried again without filling the
//! form again, and nothing the browser says about the amount counts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use tests::{Browser, DOG_TAX_ANSWERS, DOG_TAX_FORM, Db, GRAVE_ANSWERS, TestApp, both_databases};

const GRAVE_FORM: &str = "/werther/services/grabnutzungsrecht-verlaengerung/form";

/// Jonas (a low login, enough for the grave) at the check page of a 10-year extension.
async fn at_check(app: &TestApp) -> (Browser, tests::Page) {
    let mut citizen = app.browser();
    citizen.demo_login("jonas").await;
    let check = citizen.walk_to_check(GRAVE_FORM, GRAVE_ANSWERS).await;
    (citizen, check)
}

async fn submit(citizen: &mut Browser, check: &tests::Page, extra: &[(&str, &str)]) -> tests::Page {
    let token = check.csrf_token();
    let mut fields = vec![("_csrf", token.as_str()), ("_declaration", "yes")];
    fields.extend_from_slice(extra);
    citizen.post(&check.form_action(), &fields).await
}

/// The id of the citizen's one case, from Meine Anträge.
async fn my_case(citizen: &mut Browser) -> String {
    let mine = citizen.get("/my-applications").await;
    let href = mine
        .html()
        .select(&scraper::Selector::parse("a[href*='/cases/']").expect("selector"))
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_owned))
        .expect("the case in Meine Anträge");
    case_id(&href)
}

/// The case id from a URL like `/werther/cases/<id>/...`.
fn case_id(url: &str) -> String {
    url.split("/cases/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a case URL")
        .to_owned()
}

async fn a_citizen_pays_the_grave_fee_and_gets_the_confirmation(db: Db) {
    let app = TestApp::start(db).await;
    let (mut citizen, check) = at_check(&app).await;
    // Ten years at Werther's rate of 35,00 € per year, computed on the server.
    assert!(check.body.contains("Zu zahlen: 350,00 €"), "{}", check.body);
    assert!(check.body.contains("10 × 35,00 €"), "{}", check.body);

    let submitted = submit(&mut citizen, &check, &[]).await;
    let sim = citizen.get(&submitted.location()).await;
    assert!(sim.body.contains("350,00 €"), "{}", sim.body);
    let back = citizen.pay_demo(&submitted, "paid").await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let confirmation = back.location();
    assert!(confirmation.ends_with("/confirmation"), "{confirmation}");
    let page = citizen.get(&confirmation).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.text(".reference").starts_with("WER-"), "{}", page.body);

    // The clerk sees the case as received, paid.
    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let case = clerk
        .get(&format!(
            "/staff/cases/{}?tenant=werther",
            case_id(&confirmation)
        ))
        .await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.body);
    app.stop().await;
}

async fn a_failed_payment_can_be_tried_again_without_filling_the_form_again(db: Db) {
    let app = TestApp::start(db).await;
    let (mut citizen, check) = at_check(&app).await;
    let submitted = submit(&mut citizen, &check, &[]).await;
    let back = citizen.pay_demo(&submitted, "failed").await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let payment_url = back.location();
    assert!(payment_url.ends_with("/payment"), "{payment_url}");
    let payment = citizen.get(&payment_url).await;
    assert_eq!(payment.status, StatusCode::OK, "{}", payment.body);
    assert!(payment.body.contains("fehlgeschlagen"), "{}", payment.body);
    // The confirmation is not reached while the fee is open: it sends the citizen to pay.
    let id = case_id(&payment_url);
    let early = citizen
        .get(&format!("/werther/cases/{id}/confirmation"))
        .await;
    assert_eq!(early.status, StatusCode::SEE_OTHER);
    assert_eq!(early.location(), payment_url);

    // The clerk's inbox shows complete cases; the unpaid one waits on its own list.
    let mut clerk = app.browser();
    clerk.staff_login("clerk.werther", "demo").await;
    let inbox = clerk.get("/staff/inbox?tenant=werther").await;
    assert!(
        !inbox.body.contains(&id),
        "an unpaid case is not in the inbox"
    );
    let waiting = clerk.get("/staff/inbox?tenant=werther&view=awaiting").await;
    assert!(waiting.body.contains(&id), "{}", waiting.body);
    assert!(
        waiting.body.contains("Warten auf Zahlung (1)"),
        "{}",
        waiting.body
    );

    // Again, from the payment page: cancelled this time, then paid.
    let token = payment.csrf_token();
    let retry = citizen
        .post(&payment.form_action(), &[("_csrf", token.as_str())])
        .await;
    let back = citizen.pay_demo(&retry, "cancelled").await;
    let payment = citizen.get(&back.location()).await;
    assert!(payment.body.contains("abgebrochen"), "{}", payment.body);
    let token = payment.csrf_token();
    let retry = citizen
        .post(&payment.form_action(), &[("_csrf", token.as_str())])
        .await;
    let back = citizen.pay_demo(&retry, "paid").await;
    assert!(
        back.location().ends_with("/confirmation"),
        "{}",
        back.location()
    );
    // Paid: now in the inbox.
    let inbox = clerk.get("/staff/inbox?tenant=werther").await;
    assert!(inbox.body.contains(&id), "{}", inbox.body);
    app.stop().await;
}

async fn no_amount_from_the_browser_is_trusted(db: Db) {
    let app = TestApp::start(db).await;
    let (mut citizen, check) = at_check(&app).await;
    // Whatever the browser adds, the fee is what the answers and the rate make it.
    let submitted = submit(
        &mut citizen,
        &check,
        &[
            ("amount", "1"),
            ("fee", "1"),
            ("fee_cents", "1"),
            ("amount_cents", "1"),
            ("jahre", "1"),
        ],
    )
    .await;
    let sim = citizen.get(&submitted.location()).await;
    assert!(sim.body.contains("350,00 €"), "{}", sim.body);
    assert!(
        !sim.body.contains("0,01 €") && !sim.body.contains("35,00 €<"),
        "{}",
        sim.body
    );
    // Nor on the payment page's own post.
    let back = citizen.pay_demo(&submitted, "failed").await;
    let payment = citizen.get(&back.location()).await;
    let token = payment.csrf_token();
    let retry = citizen
        .post(
            &payment.form_action(),
            &[
                ("_csrf", token.as_str()),
                ("amount", "1"),
                ("amount_cents", "1"),
            ],
        )
        .await;
    let sim = citizen.get(&retry.location()).await;
    assert!(sim.body.contains("350,00 €"), "{}", sim.body);
    app.stop().await;
}

async fn the_return_page_asks_the_provider_and_offers_to_check_again_while_open(db: Db) {
    let app = TestApp::start(db).await;
    let (mut citizen, check) = at_check(&app).await;
    let submitted = submit(&mut citizen, &check, &[]).await;
    let sim = submitted.location();
    let page = citizen.get(&sim).await;
    let token = page.csrf_token();
    // Not decided yet: the citizen comes back by hand (as if the browser returned early).
    let case = my_case(&mut citizen).await;
    let payment = citizen.get(&format!("/werther/cases/{case}/payment")).await;
    assert_eq!(payment.status, StatusCode::OK, "{}", payment.body);
    let attempt = payment
        .attr("input[name=attempt]", "value")
        .expect("the check-status form names the attempt");
    let id = (case, attempt);
    let pending = citizen
        .get(&format!(
            "/werther/cases/{}/payment/return?attempt={}",
            id.0, id.1
        ))
        .await;
    assert_eq!(pending.status, StatusCode::OK, "{}", pending.body);
    assert!(
        pending.body.contains("Zahlung wird geprüft"),
        "{}",
        pending.body
    );
    assert!(!pending.body.contains("http-equiv"), "no meta refresh");
    assert!(pending.body.contains("Zahlungsstatus prüfen"));
    // Another browser cannot look.
    let mut stranger = app.browser();
    let refused = stranger
        .get(&format!(
            "/werther/cases/{}/payment/return?attempt={}",
            id.0, id.1
        ))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let refused = stranger
        .get(&format!("/werther/cases/{}/payment", id.0))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    // Paid now: checking again completes it.
    citizen
        .post(&sim, &[("_csrf", token.as_str()), ("outcome", "paid")])
        .await;
    let done = citizen
        .get(&format!(
            "/werther/cases/{}/payment/return?attempt={}",
            id.0, id.1
        ))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(done.location().ends_with("/confirmation"));
    app.stop().await;
}

async fn the_dog_tax_registration_is_not_paid_online(db: Db) {
    let app = TestApp::start(db).await;
    let mut citizen = app.browser();
    let done = citizen.apply(DOG_TAX_FORM, DOG_TAX_ANSWERS).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(
        done.location().ends_with("/confirmation"),
        "{}",
        done.location()
    );
    app.stop().await;
}

both_databases!(
    a_citizen_pays_the_grave_fee_and_gets_the_confirmation,
    a_failed_payment_can_be_tried_again_without_filling_the_form_again,
    no_amount_from_the_browser_is_trusted,
    the_return_page_asks_the_provider_and_offers_to_check_again_while_open,
    the_dog_tax_registration_is_not_paid_online,
);

/// The citizen paid but never came back (the tab closed on the provider's page), and no
/// notification came: the reconciliation asks the provider and completes the case.
async fn a_payment_the_citizen_never_came_back_from_is_found_by_the_reconciliation(db: Db) {
    let config = tempfile::tempdir().unwrap();
    let path = config.path().join("portal.toml");
    std::fs::write(&path, "payment_check_seconds = 1\n").unwrap();
    let app = TestApp::start_with(
        db,
        tests::Options {
            demo: true,
            env: vec![("PORTAL_CONFIG".into(), path.display().to_string())],
        },
    )
    .await;
    let (mut citizen, check) = at_check(&app).await;
    let submitted = submit(&mut citizen, &check, &[]).await;
    let sim = submitted.location();
    let page = citizen.get(&sim).await;
    let token = page.csrf_token();
    let decided = citizen
        .post(&sim, &[("_csrf", token.as_str()), ("outcome", "paid")])
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER);
    // The redirect back is not followed.
    let case = my_case(&mut citizen).await;
    let confirmation = format!("/werther/cases/{case}/confirmation");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let page = citizen.get(&confirmation).await;
        if page.status == StatusCode::OK {
            assert!(page.body.contains("350,00 €"), "{}", page.body);
            assert!(page.body.contains("receipt.pdf"), "{}", page.body);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the reconciliation did not complete the case in 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // The receipt: a PDF, for this citizen only.
    let receipt = citizen
        .get(&format!("/werther/cases/{case}/receipt.pdf"))
        .await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert_eq!(receipt.header("content-type"), "application/pdf");
    assert!(receipt.body.starts_with("%PDF-"));
    let mut stranger = app.browser();
    let refused = stranger
        .get(&format!("/werther/cases/{case}/receipt.pdf"))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

both_databases!(a_payment_the_citizen_never_came_back_from_is_found_by_the_reconciliation);
