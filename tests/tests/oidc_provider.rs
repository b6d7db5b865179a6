#![allow(clippy::expect_used)]

//! The test OpenID provider itself (groundwork for issue 5, citizen login): the certified
//! `oidc-provider` package, started by the harness, logs a test person in with a code flow
//! and PKCE at the trust level the test picks, signs the ID token with ES256, refuses a flow
//! without PKCE and a code used twice. The portal's relying party is tested against it.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use sha2::{Digest, Sha256};
use tests::oidc::{ANNA, CLIENT_ID, CLIENT_SECRET, TestOp};

const CALLBACK: &str = "http://127.0.0.1:9/auth/callback";

/// A browser's cookie jar, enough for the provider's login: every cookie goes everywhere.
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn take(&mut self, res: &reqwest::Response) {
        for value in res.headers().get_all(SET_COOKIE) {
            let Ok(value) = value.to_str() else { continue };
            let pair = value.split(';').next().unwrap_or_default();
            if let Some((name, v)) = pair.split_once('=') {
                self.0.insert(name.trim().to_owned(), v.trim().to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn absolute(issuer: &str, location: &str) -> String {
    if location.starts_with("http") {
        location.to_owned()
    } else {
        format!("{issuer}{location}")
    }
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn query(url: &str, key: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// The JSON of a JWT's header and payload (no signature check: the relying party does that).
fn jwt_parts(token: &str) -> (serde_json::Value, serde_json::Value) {
    let mut parts = token.split('.');
    let mut decode = || {
        let part = parts.next().expect("a JWT part");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("json")
    };
    (decode(), decode())
}

#[tokio::test]
async fn the_test_provider_logs_a_person_in_at_the_chosen_trust_level() {
    let op = TestOp::start(CALLBACK, "http://127.0.0.1:9/").await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let discovery: serde_json::Value = http
        .get(format!("{}/.well-known/openid-configuration", op.issuer))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(discovery["issuer"], op.issuer.as_str());
    assert_eq!(
        discovery["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert!(
        discovery["acr_values_supported"]
            .as_array()
            .expect("acr values")
            .iter()
            .any(|v| v == "STORK-QAA-Level-3")
    );
    let authorize = discovery["authorization_endpoint"].as_str().expect("auth");
    let token_endpoint = discovery["token_endpoint"].as_str().expect("token");

    let verifier = "a-verifier-of-enough-length-for-pkce-0123456789";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut jar = Jar::default();
    let params = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", CALLBACK),
        ("scope", "openid profile email address"),
        ("state", "state-1"),
        ("nonce", "nonce-1"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("acr_values", "STORK-QAA-Level-3"),
    ];
    let res = http
        .get(authorize)
        .query(&params)
        .send()
        .await
        .expect("authorize");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    jar.take(&res);
    let interaction = absolute(&op.issuer, &location(&res));
    let res = http
        .get(&interaction)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("login page");
    jar.take(&res);
    let page = res.text().await.expect("html");
    let action = page
        .split("action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a login form");
    let res = http
        .post(absolute(&op.issuer, action))
        .header(COOKIE, jar.header())
        .form(&[("account", ANNA), ("acr", "STORK-QAA-Level-3")])
        .send()
        .await
        .expect("log in");
    jar.take(&res);
    let mut next = absolute(&op.issuer, &location(&res));
    // Back through the authorization endpoint to the client's callback.
    for _ in 0..5 {
        if next.starts_with(CALLBACK) {
            break;
        }
        let res = http
            .get(&next)
            .header(COOKIE, jar.header())
            .send()
            .await
            .expect("resume");
        jar.take(&res);
        next = absolute(&op.issuer, &location(&res));
    }
    assert!(next.starts_with(CALLBACK), "{next}");
    assert_eq!(query(&next, "state").as_deref(), Some("state-1"));
    assert_eq!(query(&next, "iss").as_deref(), Some(op.issuer.as_str()));
    let code = query(&next, "code").expect("a code");

    let exchange = || {
        http.post(token_endpoint)
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", CALLBACK),
                ("code_verifier", verifier),
            ])
            .send()
    };
    let tokens: serde_json::Value = exchange().await.expect("token").json().await.expect("json");
    let (header, claims) = jwt_parts(tokens["id_token"].as_str().expect("an ID token"));
    assert_eq!(header["alg"], "ES256");
    assert_eq!(claims["iss"], op.issuer.as_str());
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["sub"], ANNA);
    assert_eq!(claims["nonce"], "nonce-1");
    assert_eq!(claims["acr"], "STORK-QAA-Level-3");
    assert_eq!(claims["family_name"], "Schulz");

    // A code works once.
    let replay = exchange().await.expect("token again");
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    let error: serde_json::Value = replay.json().await.expect("json");
    assert_eq!(error["error"], "invalid_grant");

    // Without PKCE the provider refuses to start a login.
    let without: Vec<(&str, &str)> = params
        .iter()
        .copied()
        .filter(|(k, _)| !k.starts_with("code_challenge"))
        .collect();
    let res = http
        .get(authorize)
        .query(&without)
        .send()
        .await
        .expect("authorize");
    let to = location(&res);
    assert!(to.starts_with(CALLBACK), "{to}");
    assert_eq!(query(&to, "error").as_deref(), Some("invalid_request"));
}
