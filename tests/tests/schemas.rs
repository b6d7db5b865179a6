#![allow(clippy::expect_used)]

//! Backends read the JSON Schema of a form version's answers at a stable address.

use reqwest::StatusCode;
use tests::{Db, TestApp, both_databases};

async fn the_answers_schema_of_a_form_version_is_served(db: Db) {
    let app = TestApp::start(db).await;
    let mut backend = app.browser();
    let page = backend
        .get("/schemas/forms/hundesteuer-anmeldung/1.json")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.header("content-type"), "application/schema+json");
    let schema: serde_json::Value = serde_json::from_str(&page.body).expect("JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        schema["$id"],
        format!("{}/schemas/forms/hundesteuer-anmeldung/1.json", app.base)
    );
    assert_eq!(schema["properties"]["plz"]["pattern"], "^[0-9]{5}$");
    assert_eq!(schema["additionalProperties"], false);

    for missing in [
        "/schemas/forms/hundesteuer-anmeldung/2.json",
        "/schemas/forms/gibt-es-nicht/1.json",
        "/schemas/forms/hundesteuer-anmeldung/eins.json",
    ] {
        assert_eq!(
            backend.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    app.stop().await;
}

both_databases!(the_answers_schema_of_a_form_version_is_served);
