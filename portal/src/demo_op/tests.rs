//! The demo provider as the relying party sees it: its routes on their own, driven with
//! `oneshot`, the CSRF secret put into each request as the portal's `frame` middleware does.

#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use base64::engine::general_purpose::STANDARD;
use tower::ServiceExt;

use super::jws::tests::verify;
use super::token::{TokenError, pkce_matches};
use super::*;
use crate::auth::csrf::Csrf;

const ISSUER: &str = "http://127.0.0.1:8080/demo-op";
const BROWSER: &str = "http://127.0.0.1:8080";
const REDIRECT: &str = "http://127.0.0.1:8080/login/callback";
const LOGOUT: &str = "http://127.0.0.1:8080/logged-out";
const CSRF_KEY: [u8; 32] = [9; 32];
const CSRF_SECRET: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-demo";

fn provider() -> Arc<DemoOp> {
    Arc::new(DemoOp::new(
        ISSUER.to_owned(),
        BROWSER.to_owned(),
        REDIRECT.to_owned(),
        LOGOUT.to_owned(),
    ))
}

fn browser() -> Csrf {
    Csrf::from_cookie(Arc::new(CSRF_KEY), Some(CSRF_SECRET))
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The relying party's authorization request, with `changes` replacing or adding fields
/// (an empty value removes the field).
fn auth_fields(changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("scope", "openid profile email address"),
        ("state", "state-123"),
        ("nonce", "nonce-456"),
        ("code_challenge", &challenge(VERIFIER)),
        ("code_challenge_method", "S256"),
        ("acr_values", "STORK-QAA-Level-4"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (key, value) in changes {
        fields.retain(|(k, _)| k != key);
        if !value.is_empty() {
            fields.push(((*key).to_owned(), (*value).to_owned()));
        }
    }
    fields
}

fn encode(fields: &[(String, String)]) -> String {
    serde_urlencoded::to_string(fields).unwrap()
}

fn get(uri: &str) -> Request {
    let mut req = Request::builder().uri(uri).body(Body::empty()).unwrap();
    req.extensions_mut().insert(browser());
    req
}

fn post(uri: &str, body: String, extra: &[(header::HeaderName, &str)]) -> Request {
    let mut builder = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in extra {
        builder = builder.header(name, *value);
    }
    let mut req = builder.body(Body::from(body)).unwrap();
    req.extensions_mut().insert(browser());
    req
}

async fn send(op: &Arc<DemoOp>, req: Request) -> (StatusCode, HeaderMap, String) {
    let res = routes::<()>(op.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

fn location(headers: &HeaderMap) -> String {
    headers[header::LOCATION].to_str().unwrap().to_owned()
}

/// The query of a redirect to the client, after checking that it goes to `base`.
fn query_of(url: &str, base: &str) -> Vec<(String, String)> {
    let (target, query) = url.split_once('?').unwrap();
    assert_eq!(target, base);
    serde_urlencoded::from_str(query).unwrap()
}

fn value<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// What the persona's button posts: the page's hidden fields and the CSRF token.
fn choice(persona: &str) -> String {
    let mut fields = auth_fields(&[("response_type", ""), ("code_challenge_method", "")]);
    fields.push(("persona".into(), persona.into()));
    fields.push(("_csrf".into(), browser().token()));
    encode(&fields)
}

async fn code_for(op: &Arc<DemoOp>, persona: &str) -> String {
    let (status, headers, _) = send(op, post(AUTHORIZE_PATH, choice(persona), &[])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let fields = query_of(&location(&headers), REDIRECT);
    value(&fields, "code").unwrap().to_owned()
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

fn token_body(code: &str, verifier: &str) -> String {
    serde_urlencoded::to_string([
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ])
    .unwrap()
}

async fn exchange(op: &Arc<DemoOp>, body: String, auth: &str) -> (StatusCode, HeaderMap, Value) {
    let (status, headers, body) = send(
        op,
        post("/demo-op/token", body, &[(header::AUTHORIZATION, auth)]),
    )
    .await;
    (status, headers, serde_json::from_str(&body).unwrap())
}

#[tokio::test]
async fn discovery_names_the_issuer_and_the_browser_and_backchannel_addresses() {
    let op = provider();
    let (status, headers, body) = send(&op, get("/demo-op/.well-known/openid-configuration")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["issuer"], ISSUER);
    assert_eq!(
        doc["authorization_endpoint"],
        "http://127.0.0.1:8080/demo-op/authorize"
    );
    assert_eq!(doc["token_endpoint"], format!("{ISSUER}/token"));
    assert_eq!(doc["userinfo_endpoint"], format!("{ISSUER}/userinfo"));
    assert_eq!(doc["jwks_uri"], format!("{ISSUER}/jwks"));
    assert_eq!(
        doc["end_session_endpoint"],
        "http://127.0.0.1:8080/demo-op/end-session"
    );
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["ES256"])
    );
    assert_eq!(doc["acr_values_supported"].as_array().unwrap().len(), 7);
    assert_eq!(op.issuer(), ISSUER);
    assert_eq!(op.client_secret().len(), 43);
}

/// The whole login as the relying party runs it: page, choice, code, tokens, userinfo.
#[tokio::test]
async fn anna_signs_in_and_the_relying_party_gets_a_verifiable_id_token() {
    let op = provider();
    let query = encode(&auth_fields(&[]));
    let (status, _, page) = send(&op, get(&format!("{AUTHORIZE_PATH}?{query}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Demo-Anmeldedienst — keine echte Anmeldung"));
    assert!(page.contains("Als Anna Schmidt anmelden (Vertrauensniveau hoch, Online-Ausweis)"));
    assert!(page.contains(r#"name="_csrf""#));
    assert!(page.contains(r#"action="/demo-op/authorize""#));
    assert!(!page.contains("<script"), "no script at all");
    // Level 4 was asked for: said in words for each identity.
    assert_eq!(
        page.matches("Erreicht das verlangte Vertrauensniveau nicht")
            .count(),
        2
    );
    assert_eq!(
        page.matches("Erreicht das verlangte Vertrauensniveau.")
            .count(),
        1
    );

    let (status, headers, _) = send(&op, post(AUTHORIZE_PATH, choice("anna"), &[])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let back = query_of(&location(&headers), REDIRECT);
    assert_eq!(value(&back, "state"), Some("state-123"));
    assert_eq!(value(&back, "iss"), Some(ISSUER));
    assert!(location(&headers).contains("iss=http%3A%2F%2F127.0.0.1%3A8080%2Fdemo-op"));
    let code = value(&back, "code").unwrap();
    assert_eq!(code.len(), 43);

    let (status, headers, tokens) = exchange(
        &op,
        token_body(code, VERIFIER),
        &basic(CLIENT_ID, op.client_secret()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 300);
    assert_eq!(tokens["scope"], "openid profile email address");

    let (_, _, jwks) = send(&op, get("/demo-op/jwks")).await;
    let jwks: Value = serde_json::from_str(&jwks).unwrap();
    let jwk = &jwks["keys"][0];
    assert_eq!(
        (&jwk["kty"], &jwk["crv"], &jwk["alg"], &jwk["use"]),
        (
            &json!("EC"),
            &json!("P-256"),
            &json!("ES256"),
            &json!("sig")
        )
    );
    let (header, claims) = verify(tokens["id_token"].as_str().unwrap(), jwk);
    assert_eq!(header["kid"], jwk["kid"]);
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["sub"], "demo-anna-2d5f");
    assert_eq!(claims["nonce"], "nonce-456");
    assert_eq!(claims["acr"], "STORK-QAA-Level-4");
    assert_eq!(claims["amr"], json!(["eid"]));
    assert_eq!(claims["birth_name"], "Meier");
    assert_eq!(claims["birthdate"], "1984-03-12");
    assert_eq!(claims["address"]["locality"], "Ellrich");
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 300);
    assert!(claims["auth_time"].as_i64().unwrap() <= iat);
    let access_token = tokens["access_token"].as_str().unwrap();
    let at_hash = URL_SAFE_NO_PAD.encode(&Sha256::digest(access_token.as_bytes())[..16]);
    assert_eq!(claims["at_hash"], at_hash);

    let mut req = get("/demo-op/userinfo");
    req.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {access_token}").parse().unwrap(),
    );
    let (status, _, info) = send(&op, req).await;
    assert_eq!(status, StatusCode::OK);
    let info: Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["sub"], "demo-anna-2d5f");
    assert_eq!(info["given_name"], "Anna");
    assert_eq!(info["place_of_birth"], "Nordhausen");
    assert_eq!(info["address"]["postal_code"], "99755");
    assert_eq!(info["email_verified"], true);
}

#[tokio::test]
async fn a_code_works_once() {
    let op = provider();
    let code = code_for(&op, "leonie").await;
    let auth = basic(CLIENT_ID, op.client_secret());
    let (first, _, _) = exchange(&op, token_body(&code, VERIFIER), &auth).await;
    assert_eq!(first, StatusCode::OK);
    let (again, _, error) = exchange(&op, token_body(&code, VERIFIER), &auth).await;
    assert_eq!(again, StatusCode::BAD_REQUEST);
    assert_eq!(error, json!({"error": "invalid_grant"}));
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_refused_and_uses_up_the_code() {
    let op = provider();
    let code = code_for(&op, "anna").await;
    let auth = basic(CLIENT_ID, op.client_secret());
    let wrong = "x".repeat(43);
    let (status, _, error) = exchange(&op, token_body(&code, &wrong), &auth).await;
    assert_eq!(
        (status, error),
        (StatusCode::BAD_REQUEST, json!({"error": "invalid_grant"}))
    );
    let (status, _, _) = exchange(&op, token_body(&code, VERIFIER), &auth).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    assert!(pkce_matches(VERIFIER, &challenge(VERIFIER)));
    assert!(!pkce_matches(&wrong, &challenge(VERIFIER)));
    // Too short to be a verifier, even if it hashes right.
    assert!(!pkce_matches("short", &challenge("short")));
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_without_using_up_the_code() {
    let op = provider();
    let code = code_for(&op, "anna").await;
    for auth in [
        basic(CLIENT_ID, "not-the-secret"),
        basic("another-client", op.client_secret()),
        "Bearer something".to_owned(),
        "Basic !!!".to_owned(),
    ] {
        let (status, headers, error) = exchange(&op, token_body(&code, VERIFIER), &auth).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth}");
        assert_eq!(error, json!({"error": "invalid_client"}));
        assert!(headers.contains_key(header::WWW_AUTHENTICATE));
    }
    // No credentials at all.
    let (status, _, body) = send(
        &op,
        post("/demo-op/token", token_body(&code, VERIFIER), &[]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // The code is still good for the real client, by client_secret_post this time.
    let mut body = token_body(&code, VERIFIER);
    body.push_str(&format!(
        "&client_id={CLIENT_ID}&client_secret={}",
        op.client_secret()
    ));
    let (status, _, body) = send(&op, post("/demo-op/token", body, &[])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[test]
fn basic_credentials_are_form_urlencoded_before_base64() {
    let op = DemoOp::new(
        ISSUER.into(),
        BROWSER.into(),
        REDIRECT.into(),
        LOGOUT.into(),
    );
    let secret = op.client_secret().to_owned();
    // RFC 6749 section 2.3.1: each part is form-urlencoded; "-" and "_" stay as they are.
    let encoded = format!("{}:{}", CLIENT_ID, secret.replace('-', "%2D"));
    let header = format!("Basic {}", STANDARD.encode(encoded));
    let now = super::now();
    let req = op.check_request(&auth_fields(&[]), false).unwrap();
    let persona = Persona::by_id("jonas").unwrap();
    let code = op.issue_code(&req, persona, now);
    let tokens = op
        .exchange(Some(&header), token_body(&code, VERIFIER).as_bytes(), now)
        .unwrap();
    assert!(tokens["id_token"].is_string());
    // Both ways at once is not allowed.
    let code = op.issue_code(&req, persona, now);
    let both = format!("{}&client_secret={secret}", token_body(&code, VERIFIER));
    assert_eq!(
        op.exchange(Some(&header), both.as_bytes(), now),
        Err(TokenError::InvalidRequest)
    );
}

#[test]
fn an_expired_code_or_another_grant_type_is_refused() {
    let op = DemoOp::new(
        ISSUER.into(),
        BROWSER.into(),
        REDIRECT.into(),
        LOGOUT.into(),
    );
    let auth = basic(CLIENT_ID, op.client_secret());
    let now = super::now();
    let req = op.check_request(&auth_fields(&[]), false).unwrap();
    let persona = Persona::by_id("anna").unwrap();
    let code = op.issue_code(&req, persona, now - CODE_TTL_SECS - 1);
    assert_eq!(
        op.exchange(Some(&auth), token_body(&code, VERIFIER).as_bytes(), now),
        Err(TokenError::InvalidGrant)
    );
    let code = op.issue_code(&req, persona, now);
    let refresh = format!("grant_type=refresh_token&code={code}");
    assert_eq!(
        op.exchange(Some(&auth), refresh.as_bytes(), now),
        Err(TokenError::UnsupportedGrantType)
    );
    let other_redirect = token_body(&code, VERIFIER).replace("callback", "elsewhere");
    assert_eq!(
        op.exchange(Some(&auth), other_redirect.as_bytes(), now),
        Err(TokenError::InvalidGrant)
    );
}

#[tokio::test]
async fn an_unregistered_redirect_uri_or_client_never_gets_a_redirect() {
    let op = provider();
    for changes in [
        vec![("redirect_uri", "https://evil.example/callback")],
        vec![("redirect_uri", "http://127.0.0.1:8080/login/callback/")],
        vec![("redirect_uri", "")],
        vec![("client_id", "another-client")],
        vec![("client_id", "")],
    ] {
        let query = encode(&auth_fields(&changes));
        let (status, headers, page) = send(&op, get(&format!("{AUTHORIZE_PATH}?{query}"))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{changes:?}");
        assert!(!headers.contains_key(header::LOCATION), "{changes:?}");
        assert!(page.contains("Anmeldung nicht möglich"));

        let mut posted = auth_fields(&changes);
        posted.push(("persona".into(), "anna".into()));
        posted.push(("_csrf".into(), browser().token()));
        let (status, headers, _) = send(&op, post(AUTHORIZE_PATH, encode(&posted), &[])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{changes:?}");
        assert!(!headers.contains_key(header::LOCATION), "{changes:?}");
    }
    // A repeated redirect_uri is no registered one either.
    let mut fields = auth_fields(&[]);
    fields.push(("redirect_uri".into(), "https://evil.example/".into()));
    let (status, headers, _) =
        send(&op, get(&format!("{AUTHORIZE_PATH}?{}", encode(&fields)))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!headers.contains_key(header::LOCATION));
}

#[tokio::test]
async fn a_bad_request_from_the_known_client_goes_back_with_an_error() {
    let op = provider();
    for (changes, error) in [
        (vec![("code_challenge", "")], "invalid_request"),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("code_challenge_method", "")], "invalid_request"),
        (vec![("code_challenge", "too-short")], "invalid_request"),
        (vec![("scope", "profile email")], "invalid_request"),
        (vec![("response_type", "")], "invalid_request"),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![("prompt", "none")], "login_required"),
    ] {
        let query = encode(&auth_fields(&changes));
        let (status, headers, _) = send(&op, get(&format!("{AUTHORIZE_PATH}?{query}"))).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{changes:?}");
        let back = query_of(&location(&headers), REDIRECT);
        assert_eq!(value(&back, "error"), Some(error), "{changes:?}");
        assert_eq!(value(&back, "state"), Some("state-123"));
        assert_eq!(value(&back, "iss"), Some(ISSUER));
        assert_eq!(value(&back, "code"), None);
    }
}

#[tokio::test]
async fn cancelling_sends_access_denied_back() {
    let op = provider();
    let mut fields = auth_fields(&[("response_type", ""), ("code_challenge_method", "")]);
    fields.push(("decision".into(), "cancel".into()));
    fields.push(("_csrf".into(), browser().token()));
    let (status, headers, _) = send(&op, post(AUTHORIZE_PATH, encode(&fields), &[])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let back = query_of(&location(&headers), REDIRECT);
    assert_eq!(value(&back, "error"), Some("access_denied"));
    assert_eq!(value(&back, "state"), Some("state-123"));
}

#[tokio::test]
async fn a_stale_csrf_token_shows_the_identities_again_and_issues_no_code() {
    let op = provider();
    let body = choice("anna").replace("_csrf=", "_csrf=x");
    let (status, headers, page) = send(&op, post(AUTHORIZE_PATH, body, &[])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!headers.contains_key(header::LOCATION));
    assert!(page.contains("Die Seite war zu lange geöffnet"));
    assert!(page.contains("Als Anna Schmidt anmelden"));
    assert_eq!(op.codes.len(), 0);
    // An unknown persona is no choice either.
    let (status, _, _) = send(&op, post(AUTHORIZE_PATH, choice("mallory"), &[])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_identities_page_is_english_on_request_and_says_the_level_in_words() {
    let op = provider();
    let query = encode(&auth_fields(&[(
        "acr_values",
        "http://eidas.europa.eu/LoA/substantial",
    )]));
    let mut req = get(&format!("{AUTHORIZE_PATH}?{query}"));
    req.headers_mut()
        .insert(header::COOKIE, "portal-lang=en".parse().unwrap());
    let (status, _, page) = send(&op, req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"<html lang="en""#));
    assert!(
        page.contains(
            "Sign in as Leonie Fischer (assurance level substantial, ELSTER certificate)"
        )
    );
    assert_eq!(
        page.matches("Reaches the requested assurance level.")
            .count(),
        2
    );
    assert_eq!(
        page.matches("Does not reach the requested assurance level")
            .count(),
        1
    );
    // The language switch leads back to the same request.
    assert!(page.contains("/lang/de?next=/demo-op/authorize%3F"));
    // Without acr_values nothing is marked.
    let query = encode(&auth_fields(&[("acr_values", "")]));
    let (_, _, page) = send(&op, get(&format!("{AUTHORIZE_PATH}?{query}"))).await;
    assert!(!page.contains("Erreicht das verlangte"));
}

#[tokio::test]
async fn userinfo_refuses_an_unknown_token_and_gives_jonas_only_his_name_and_email() {
    let op = provider();
    let mut req = get("/demo-op/userinfo");
    req.headers_mut()
        .insert(header::AUTHORIZATION, "Bearer forged".parse().unwrap());
    let (status, headers, _) = send(&op, req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        headers[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .contains(r#"error="invalid_token""#)
    );
    let (status, _, _) = send(&op, get("/demo-op/userinfo")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let code = code_for(&op, "jonas").await;
    let (_, _, tokens) = exchange(
        &op,
        token_body(&code, VERIFIER),
        &basic(CLIENT_ID, op.client_secret()),
    )
    .await;
    let mut req = get("/demo-op/userinfo");
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    req.headers_mut()
        .insert(header::AUTHORIZATION, bearer.parse().unwrap());
    let (status, _, info) = send(&op, req).await;
    assert_eq!(status, StatusCode::OK);
    let info: Value = serde_json::from_str(&info).unwrap();
    assert_eq!(
        info,
        json!({
            "sub": "demo-jonas-4b1e",
            "given_name": "Jonas",
            "family_name": "Weber",
            "email": "jonas.weber@example.org",
        })
    );
}

#[tokio::test]
async fn logout_returns_only_to_the_registered_address() {
    let op = provider();
    let query = serde_urlencoded::to_string([
        ("post_logout_redirect_uri", LOGOUT),
        ("state", "bye"),
        ("id_token_hint", "x.y.z"),
    ])
    .unwrap();
    let (status, headers, _) = send(&op, get(&format!("{END_SESSION_PATH}?{query}"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), format!("{LOGOUT}?state=bye"));

    let query =
        serde_urlencoded::to_string([("post_logout_redirect_uri", "https://evil.example/")])
            .unwrap();
    let (status, headers, page) = send(&op, get(&format!("{END_SESSION_PATH}?{query}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!headers.contains_key(header::LOCATION));
    assert!(page.contains("Sie sind beim Demo-Anmeldedienst abgemeldet"));
}

#[test]
fn the_code_and_token_maps_stay_bounded() {
    let map: Expiring<u32> = Expiring::new();
    let now = 1_000_000;
    map.insert("old", 0, now - 1, now - 100);
    for i in 0..(MAX_ENTRIES as u32 + 5) {
        map.insert(&format!("code-{i}"), i, now + 60 + i64::from(i), now);
    }
    assert_eq!(map.len(), MAX_ENTRIES);
    assert_eq!(map.get("old", now), None);
    // The entries that would have expired first made room.
    assert_eq!(map.get("code-0", now), None);
    let last = format!("code-{}", MAX_ENTRIES + 4);
    assert_eq!(map.take(&last, now), Some(MAX_ENTRIES as u32 + 4));
    assert_eq!(map.take(&last, now), None);
}

#[test]
fn the_debug_output_shows_no_secret() {
    let op = DemoOp::new(
        ISSUER.into(),
        BROWSER.into(),
        REDIRECT.into(),
        LOGOUT.into(),
    );
    let debug = format!("{op:?}");
    assert!(!debug.contains(op.client_secret()));
    assert!(debug.contains(ISSUER));
}
