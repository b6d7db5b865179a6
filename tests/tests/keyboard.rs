//! Keyboard-only journeys in a real browser: for every demo service, from the municipality's
//! page through the (simulated) payment to the confirmation with Tab, Space, Enter and the
//! arrow keys only, fixing a
//! validation error through the error summary on the way. Focus must always be visible and
//! must land on the error summary after a failed submit. The same journeys run with
//! JavaScript switched off.

use fantoccini::key::Key;
use tests::chrome::{Chrome, Focus, Js};
use tests::{DEMO_SERVICES, Db, TestApp};

/// Fills one step from the keyboard: Tab to each field, type or choose its value. The field
/// `wrong.0` gets `wrong.1` instead. Stops on the first submit button ("continue"). The names
/// filled are added to `filled`.
async fn fill_by_keyboard(
    chrome: &Chrome,
    answers: &[(&str, &str)],
    wrong: (&str, &str),
    filled: &mut Vec<String>,
) {
    let mut here: Vec<String> = Vec::new();
    loop {
        let f = chrome
            .tab_until(20, "the next form field or the submit button", |f| {
                (matches!(f.tag.as_str(), "input" | "select" | "textarea") && f.kind != "hidden")
                    || (f.tag == "button" && f.kind == "submit")
            })
            .await;
        assert!(f.visible, "focus is not visible on {f:?}");
        if f.tag == "button" {
            if f.value == "next" {
                break;
            }
            // A group's "add" or "remove", a file's "remove": tabbed past, as a citizen
            // with nothing to add would.
            continue;
        }
        let value = if f.name == wrong.0 {
            Some(wrong.1)
        } else {
            answers.iter().find(|(k, _)| *k == f.name).map(|(_, v)| *v)
        };
        let Some(value) = value else {
            continue; // an optional field left empty
        };
        if here.contains(&f.name) {
            continue; // the other options of a radio group already answered
        }
        here.push(f.name.clone());
        match (f.tag.as_str(), f.kind.as_str()) {
            ("input", "radio") => choose_radio(chrome, value).await,
            ("input", "checkbox") => {
                if value == "true" && !f.checked {
                    chrome.press(Key::Space).await;
                }
            }
            ("select", _) => choose_option(chrome, &f, value).await,
            _ => {
                // Replaces what is there (a value suggested by the login); a read-only field
                // prefilled from the login takes no typing at all.
                chrome.select_all().await;
                chrome.type_text(value).await;
            }
        }
    }
    filled.extend(here);
}

/// On a focused radio button: Space picks it, the arrow keys move to the wanted one.
async fn choose_radio(chrome: &Chrome, value: &str) {
    chrome.press(Key::Space).await;
    for _ in 0..10 {
        if chrome.focus().await.value == value {
            return;
        }
        chrome.press(Key::Down).await;
    }
    panic!("radio option {value} not reached with the arrow keys");
}

/// On a focused select: the arrow keys move to the wanted option.
async fn choose_option(chrome: &Chrome, f: &Focus, value: &str) {
    for _ in 0..20 {
        if chrome.focus().await.value == value {
            return;
        }
        chrome.press(Key::Down).await;
    }
    panic!(
        "option {value} of {} not reached with the arrow keys",
        f.name
    );
}

async fn keyboard_journey(js: Js) {
    let app = TestApp::start(Db::Sqlite).await;
    let chrome = Chrome::start(js).await;
    for (service, answers) in DEMO_SERVICES {
        chrome.goto(&format!("{}/werther/", app.base)).await;
        chrome.press(Key::Tab).await;
        let first = chrome.focus().await;
        assert!(
            first.class.contains("skip-link") && first.href.ends_with("#main") && first.visible,
            "the first Tab must reach a visible skip link, got {first:?}"
        );
        let link = format!("/werther/services/{service}");
        chrome
            .tab_until(40, "the service link", |f| {
                f.tag == "a" && f.href.ends_with(&link)
            })
            .await;
        chrome.press(Key::Enter).await;
        let start = chrome
            .tab_until(40, "the start button", |f| {
                f.tag == "a" && f.href.ends_with("/form")
            })
            .await;
        assert!(start.visible, "focus is not visible on the start button");
        chrome.press_to_navigate(Key::Enter).await;

        // A service that needs a login: the demo's page of test people, a person picked with
        // Tab and Enter, back to the form. Jonas (low) for the grave, whose answers are then
        // only suggestions; Leonie (substantial) for the trade registration, whose name,
        // birth date, address and email on step 1 come read-only from her login.
        let persona = match *service {
            "grabnutzungsrecht-verlaengerung" => Some("jonas"),
            "gewerbeanmeldung" => Some("leonie"),
            _ => None,
        };
        // (A login from an earlier service that reaches this one's level is kept.)
        if let Some(persona) = persona
            && chrome.url().await.contains("/demo-op/authorize")
        {
            let button = chrome
                .tab_until(40, "the test person's button", |f| {
                    f.tag == "button"
                        && f.kind == "submit"
                        && f.value.is_empty()
                        && f.class.contains("button")
                })
                .await;
            assert!(button.visible);
            // The persona's button sits in its section; step to the right one.
            let mut reached = false;
            for _ in 0..6 {
                if chrome
                    .focus_in(&format!("section[aria-labelledby=persona-{persona}]"))
                    .await
                {
                    reached = true;
                    break;
                }
                chrome
                    .tab_until(20, "the next test person's button", |f| {
                        f.tag == "button" && f.kind == "submit"
                    })
                    .await;
            }
            assert!(reached, "{service}: {persona}'s button not reached by Tab");
            chrome.press_to_navigate(Key::Enter).await;
            assert!(
                chrome
                    .url()
                    .await
                    .ends_with(&format!("/werther/services/{service}/form")),
                "{service}: back at the form after the login, at {}",
                chrome.url().await
            );
        }

        // Step 1, with one mistake to be fixed through the error summary (not where step 1
        // is all read-only from the login).
        let mut filled = Vec::new();
        let mistake = chrome
            .client
            .find_all(fantoccini::Locator::Css("input[name=plz][readonly]"))
            .await
            .is_ok_and(|found| found.is_empty());
        let wrong = if mistake { ("plz", "9973") } else { ("", "") };
        fill_by_keyboard(&chrome, answers, wrong, &mut filled).await;
        chrome.press_to_navigate(Key::Enter).await;
        if mistake {
            let summary = chrome.focus().await;
            assert!(
                summary.class.contains("error-summary"),
                "{service}: after a failed submit the focus is on {summary:?}, not the error summary"
            );
            let link = chrome
                .tab_until(3, "the error link", |f| {
                    f.tag == "a" && f.href.ends_with("#f-plz")
                })
                .await;
            assert!(link.visible);
            chrome.press(Key::Enter).await;
            let field = chrome.focus().await;
            assert_eq!(
                field.id, "f-plz",
                "{service}: the summary link did not move focus to the field"
            );
            assert_eq!(field.value, "9973", "{service}: the typed value was kept");
            chrome.select_all().await;
            chrome.type_text("99735").await;
            let next = chrome
                .tab_until(60, "the continue button", |f| {
                    f.tag == "button" && f.kind == "submit"
                })
                .await;
            assert!(next.visible);
            chrome.press_to_navigate(Key::Enter).await;
        }

        // The further steps, each from its first field to "continue".
        for _ in 0..20 {
            if chrome.on_check_page().await {
                break;
            }
            fill_by_keyboard(&chrome, answers, ("", ""), &mut filled).await;
            chrome.press_to_navigate(Key::Enter).await;
        }
        for (name, _) in *answers {
            assert!(
                filled.iter().any(|f| f == name),
                "{service}: field {name} was never reached by Tab"
            );
        }

        // The check page: tick the declaration with Space, submit with Enter.
        assert!(chrome.on_check_page().await, "{service}: no check page");
        let declaration = chrome
            .tab_until(200, "the declaration", |f| f.name == "_declaration")
            .await;
        assert!(
            declaration.visible,
            "focus is not visible on the declaration"
        );
        chrome.press(Key::Space).await;
        chrome
            .tab_until(3, "the submit button", |f| {
                f.tag == "button" && f.kind == "submit"
            })
            .await;
        chrome.press_to_navigate(Key::Enter).await;

        // A service with a fee: the demo's simulated payment page, paid from the keyboard;
        // the portal reads the outcome and shows the confirmation.
        if chrome.url().await.contains("/demo-payment/") {
            let pay = chrome
                .tab_until(40, "the button that pays", |f| {
                    f.tag == "button" && f.kind == "submit" && f.value == "paid"
                })
                .await;
            assert!(pay.visible, "focus is not visible on the pay button");
            chrome.press_to_navigate(Key::Enter).await;
        }

        let reference = chrome.text(".reference").await;
        assert!(
            reference.starts_with("WER-"),
            "{service}: no reference number after the keyboard journey (at {})",
            chrome.url().await
        );
    }
    chrome.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_service_can_be_applied_for_with_the_keyboard_alone() {
    keyboard_journey(Js::On).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_service_can_be_applied_for_without_javascript() {
    keyboard_journey(Js::Off).await;
}
