#![allow(clippy::expect_used)]

//! Citizen login (issue 5) that must fail: the portal is the relying party of a provider that
//! misbehaves on purpose (`tests::evil_op`: a wrong issuer, audience, expiry, signature,
//! `alg: none`, nonce, a missing `sub`, userinfo about someone else, a callback without the
//! `iss` it announces, a `substantial` login without a fresh `auth_time`) or of the real
//! `oidc-provider` with a browser that replays a callback or a code, logs in below the level
//! asked for, or cancels. Each ends without a session: no citizen session in the database, and
//! "Meine Anträge" sends the browser to the login. A `return_to` on another host never takes
//! the browser off the portal.
//!
//! On SQLite: the refusals are the relying party's, the store's part is the same on both
//! databases and runs on both in `citizen_login.rs`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use sha2::{Digest, Sha256};
use tests::evil_op::{ERIKA, EvilOp, Misbehaviour, OTHER_AUDIENCE, OTHER_ISSUER, SOMEONE_ELSE};
use tests::oidc::{
    ANNA, CLIENT_ID, CLIENT_SECRET, JONAS, OpBrowser, TestOp, assert_login_failed_page,
    assert_sent_to_login, begin_login, callback_path, citizen_sessions, free_port, log_in,
    login_path, portal_with_login, post_logout_redirect_uri, query_param, redirect_uri, resolve,
};
use tests::{Db, TestApp};

const SUBSTANTIAL_ACR: &str = "STORK-QAA-Level-3";
const LOW_ACR: &str = "STORK-QAA-Level-1";
const TRADE_FORM: &str = "/werther/services/gewerbeanmeldung/form";

// ---------------------------------------------------------------------------------------------
// The misbehaving provider itself: it serves what it announces and misbehaves only as told.

fn decode_json(part: &str) -> serde_json::Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("json")
}

/// One code flow straight against the provider; returns the token response.
async fn token_response(
    http: &reqwest::Client,
    op: &EvilOp,
    op_misbehaviour: Misbehaviour,
    verifier_sent: &str,
    verifier_at_token: &str,
) -> reqwest::Response {
    let callback = "http://127.0.0.1:9/login/callback";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier_sent.as_bytes()));
    let res = http
        .get(format!("{}/authorize", op.issuer))
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", callback),
            ("scope", "openid profile"),
            ("state", "state-1"),
            ("nonce", "nonce-1"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .expect("authorize");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let back = res
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("a redirect")
        .to_owned();
    assert!(back.starts_with(callback), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some("state-1"));
    let sends_iss = !matches!(
        op_misbehaviour,
        Misbehaviour::OmitsIssParameter | Misbehaviour::IssParameterUnsupported
    );
    assert_eq!(
        query_param(&back, "iss").as_deref(),
        sends_iss.then_some(op.issuer.as_str()),
        "{op_misbehaviour:?}"
    );
    let code = query_param(&back, "code").expect("a code");
    http.post(format!("{}/token", op.issuer))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", callback),
            ("code_verifier", verifier_at_token),
        ])
        .send()
        .await
        .expect("token")
}

#[tokio::test]
async fn the_misbehaving_provider_serves_discovery_and_jwks_and_misbehaves_only_as_told() {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for misbehaviour in [
        Misbehaviour::Honest,
        Misbehaviour::WrongIssuer,
        Misbehaviour::WrongAudience,
        Misbehaviour::Expired,
        Misbehaviour::IssuedInTheFuture,
        Misbehaviour::IssuedLongAgo,
        Misbehaviour::BadSignature,
        Misbehaviour::AlgNone,
        Misbehaviour::NonceMismatch,
        Misbehaviour::MissingSub,
        Misbehaviour::UserinfoSubMismatch,
        Misbehaviour::OmitsIssParameter,
        Misbehaviour::IssParameterUnsupported,
        Misbehaviour::NoAuthTime,
        Misbehaviour::OldAuthTime,
    ] {
        let op = EvilOp::start(misbehaviour, SUBSTANTIAL_ACR).await;
        let issuer = op.issuer.as_str();
        let discovery: serde_json::Value = http
            .get(format!("{issuer}/.well-known/openid-configuration"))
            .send()
            .await
            .expect("discovery")
            .json()
            .await
            .expect("json");
        assert_eq!(discovery["issuer"], issuer);
        assert_eq!(
            discovery["authorization_response_iss_parameter_supported"],
            misbehaviour != Misbehaviour::IssParameterUnsupported,
            "{misbehaviour:?}"
        );
        for (key, path) in [
            ("authorization_endpoint", "/authorize"),
            ("token_endpoint", "/token"),
            ("userinfo_endpoint", "/userinfo"),
            ("jwks_uri", "/jwks"),
        ] {
            assert_eq!(discovery[key], format!("{issuer}{path}"), "{key}");
        }
        assert_eq!(
            discovery["id_token_signing_alg_values_supported"],
            serde_json::json!(["ES256"])
        );
        assert_eq!(
            discovery["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(
            discovery["token_endpoint_auth_methods_supported"],
            serde_json::json!(["client_secret_basic", "client_secret_post"])
        );
        assert_eq!(
            discovery["response_types_supported"],
            serde_json::json!(["code"])
        );
        assert_eq!(
            discovery["subject_types_supported"],
            serde_json::json!(["public"])
        );

        let jwks: serde_json::Value = http
            .get(format!("{issuer}/jwks"))
            .send()
            .await
            .expect("jwks")
            .json()
            .await
            .expect("json");
        let keys = jwks["keys"].as_array().expect("keys");
        assert_eq!(keys.len(), 1, "one signing key");
        let jwk = &keys[0];
        assert_eq!(
            (&jwk["kty"], &jwk["crv"], &jwk["alg"]),
            (
                &serde_json::json!("EC"),
                &serde_json::json!("P-256"),
                &serde_json::json!("ES256")
            )
        );
        let mut point = vec![4u8];
        for c in ["x", "y"] {
            point.extend(
                URL_SAFE_NO_PAD
                    .decode(jwk[c].as_str().expect("coordinate"))
                    .expect("base64url"),
            );
        }
        let public = VerifyingKey::from_sec1_bytes(&point).expect("a P-256 point");

        // PKCE as a real provider checks it: another verifier gets no token, and the code
        // is gone afterwards.
        let wrong = token_response(
            &http,
            &op,
            misbehaviour,
            "verifier-one-0123456789-0123456789-012345",
            "verifier-two-0123456789-0123456789-012345",
        )
        .await;
        assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            wrong.json::<serde_json::Value>().await.expect("json")["error"],
            "invalid_grant"
        );

        let verifier = "verifier-one-0123456789-0123456789-012345";
        let res = token_response(&http, &op, misbehaviour, verifier, verifier).await;
        assert_eq!(res.status(), StatusCode::OK, "{misbehaviour:?}");
        let tokens: serde_json::Value = res.json().await.expect("json");
        let id_token = tokens["id_token"].as_str().expect("an ID token");
        let parts: Vec<&str> = id_token.split('.').collect();
        assert_eq!(parts.len(), 3, "{id_token}");
        let (header, claims) = (decode_json(parts[0]), decode_json(parts[1]));
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).expect("base64url");
        let verified = Signature::from_slice(&signature).is_ok_and(|signature| {
            public
                .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
                .is_ok()
        });
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let now = i64::try_from(now).expect("seconds");

        // What is right unless the misbehaviour says otherwise.
        let m = misbehaviour;
        assert_eq!(
            claims["iss"],
            if m == Misbehaviour::WrongIssuer {
                OTHER_ISSUER
            } else {
                issuer
            },
            "{m:?}"
        );
        assert_eq!(
            claims["aud"],
            if m == Misbehaviour::WrongAudience {
                OTHER_AUDIENCE
            } else {
                CLIENT_ID
            },
            "{m:?}"
        );
        let exp = claims["exp"].as_i64().expect("exp");
        let iat = claims["iat"].as_i64().expect("iat");
        if m == Misbehaviour::Expired {
            assert!(exp <= now - 3500, "{m:?}: exp {exp}");
            assert!(iat <= now - 7100);
        } else {
            assert!(exp > now, "{m:?}: exp {exp}");
        }
        match m {
            Misbehaviour::IssuedInTheFuture => assert!(iat >= now + 3500, "{m:?}: iat {iat}"),
            Misbehaviour::IssuedLongAgo => assert!(iat <= now - 86_300, "{m:?}: iat {iat}"),
            Misbehaviour::Expired => {}
            _ => assert!((now - 60..=now + 60).contains(&iat), "{m:?}: iat {iat}"),
        }
        assert_eq!(
            claims["nonce"] == "nonce-1",
            m != Misbehaviour::NonceMismatch,
            "{m:?}: nonce {}",
            claims["nonce"]
        );
        assert_eq!(
            claims.get("sub").and_then(|s| s.as_str()),
            (m != Misbehaviour::MissingSub).then_some(ERIKA),
            "{m:?}"
        );
        assert_eq!(claims["acr"], SUBSTANTIAL_ACR);
        match (m, claims.get("auth_time").and_then(|t| t.as_i64())) {
            (Misbehaviour::NoAuthTime, auth_time) => assert_eq!(auth_time, None, "{m:?}"),
            (Misbehaviour::OldAuthTime, Some(t)) => {
                assert!(
                    (now - 3660..=now - 3540).contains(&t),
                    "{m:?}: auth_time {t}"
                );
                assert!((now - 60..=now + 60).contains(&iat), "{m:?}: iat {iat}");
            }
            (_, Some(t)) => assert!(t <= iat, "{m:?}: auth_time {t} after iat {iat}"),
            (_, None) => panic!("{m:?}: no auth_time"),
        }
        match m {
            Misbehaviour::AlgNone => {
                assert_eq!(header, serde_json::json!({ "alg": "none" }));
                assert!(signature.is_empty());
            }
            Misbehaviour::BadSignature => {
                assert_eq!(header["alg"], "ES256");
                assert_eq!(header["kid"], jwk["kid"], "the same kid, another key");
                assert_eq!(signature.len(), 64);
                assert!(!verified, "signed by a key other than the JWKS one");
            }
            _ => {
                assert_eq!(header["alg"], "ES256");
                assert!(verified, "{m:?}: the ID token verifies with the JWKS key");
            }
        }

        let userinfo: serde_json::Value = http
            .get(format!("{issuer}/userinfo"))
            .bearer_auth(tokens["access_token"].as_str().expect("access token"))
            .send()
            .await
            .expect("userinfo")
            .json()
            .await
            .expect("json");
        assert_eq!(
            userinfo["sub"],
            if m == Misbehaviour::UserinfoSubMismatch {
                SOMEONE_ELSE
            } else {
                ERIKA
            }
        );
        assert_eq!(userinfo["family_name"], "Mustermann");
        let stranger = http
            .get(format!("{issuer}/userinfo"))
            .bearer_auth("not-a-token")
            .send()
            .await
            .expect("userinfo");
        assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
    }
}

// ---------------------------------------------------------------------------------------------
// The portal against the misbehaving provider.

/// The portal with login through the misbehaving provider (SQLite).
async fn portal_with(misbehaviour: Misbehaviour) -> (EvilOp, TestApp) {
    let op = EvilOp::start(misbehaviour, SUBSTANTIAL_ACR).await;
    let app = portal_with_login(Db::Sqlite, &op.issuer, free_port()).await;
    (op, app)
}

/// A citizen logs in through a provider that misbehaves: the portal redeems the code, then
/// refuses what it got; the browser has no session.
async fn login_through(misbehaviour: Misbehaviour) {
    login_through_at(misbehaviour, "low").await;
}

/// [`login_through`] for a login at `level`. A callback without the `iss` the provider
/// announces is refused before the code goes to the token endpoint (RFC 9207: it may be
/// another provider's code).
async fn login_through_at(misbehaviour: Misbehaviour, level: &str) {
    let (op, app) = portal_with(misbehaviour).await;
    let mut browser = app.browser();
    let page = log_in(
        &mut browser,
        &mut OpBrowser::new(),
        "/my-applications",
        level,
        ERIKA,
        SUBSTANTIAL_ACR,
    )
    .await;
    assert_login_failed_page(&page);
    if misbehaviour == Misbehaviour::OmitsIssParameter {
        assert_eq!(op.token_requests(), 0, "the code was not redeemed");
    } else {
        assert_eq!(
            op.tokens_issued(),
            1,
            "the portal redeemed the code (so it refused the tokens, not the flow)"
        );
    }
    if misbehaviour == Misbehaviour::UserinfoSubMismatch {
        assert!(op.userinfo_requests() >= 1, "the portal asked userinfo");
    }
    assert_eq!(citizen_sessions(&app).await, 0);
    assert_sent_to_login(&mut browser).await;
    let log = app.log_text();
    for secret in ["Mustermann", ERIKA, SOMEONE_ELSE] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
    app.stop().await;
}

/// The control for the refusals below: the same provider, honest, logs the citizen in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_honest_provider_logs_the_citizen_in_so_the_refusals_are_about_the_token() {
    let (op, app) = portal_with(Misbehaviour::Honest).await;
    let mut browser = app.browser();
    let page = log_in(
        &mut browser,
        &mut OpBrowser::new(),
        "/my-applications",
        "low",
        ERIKA,
        SUBSTANTIAL_ACR,
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let to = resolve(&browser.url("/"), &page.location());
    assert_eq!(to.as_str(), browser.url("/my-applications"));
    assert_eq!(op.tokens_issued(), 1);
    assert_eq!(citizen_sessions(&app).await, 1);
    let list = browser.get("/my-applications").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(
        list.texts("header").join(" ").contains("Mustermann"),
        "the header names the citizen:\n{}",
        list.body
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_from_another_issuer_ends_without_a_session() {
    login_through(Misbehaviour::WrongIssuer).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_for_another_audience_ends_without_a_session() {
    login_through(Misbehaviour::WrongAudience).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_ends_without_a_session() {
    login_through(Misbehaviour::Expired).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_issued_in_the_future_ends_without_a_session() {
    login_through(Misbehaviour::IssuedInTheFuture).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_issued_long_ago_ends_without_a_session() {
    login_through(Misbehaviour::IssuedLongAgo).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_signed_by_another_key_ends_without_a_session() {
    login_through(Misbehaviour::BadSignature).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsigned_alg_none_token_ends_without_a_session() {
    login_through(Misbehaviour::AlgNone).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_with_another_nonce_ends_without_a_session() {
    login_through(Misbehaviour::NonceMismatch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_sub_ends_without_a_session() {
    login_through(Misbehaviour::MissingSub).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn userinfo_about_someone_else_ends_without_a_session() {
    login_through(Misbehaviour::UserinfoSubMismatch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_without_the_iss_the_provider_announces_ends_without_a_session() {
    login_through(Misbehaviour::OmitsIssParameter).await;
}

/// A login through `misbehaviour` at `level` that must succeed (the controls below).
async fn logs_in_through(misbehaviour: Misbehaviour, level: &str) {
    let (op, app) = portal_with(misbehaviour).await;
    let mut browser = app.browser();
    let page = log_in(
        &mut browser,
        &mut OpBrowser::new(),
        "/my-applications",
        level,
        ERIKA,
        SUBSTANTIAL_ACR,
    )
    .await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "{misbehaviour:?} at {level}: {}",
        page.body
    );
    let to = resolve(&browser.url("/"), &page.location());
    assert_eq!(to.as_str(), browser.url("/my-applications"));
    assert_eq!(op.tokens_issued(), 1);
    assert_eq!(
        citizen_sessions(&app).await,
        1,
        "{misbehaviour:?} at {level}"
    );
    app.stop().await;
}

/// The control: a provider that does not announce RFC 9207 need not send `iss`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_without_iss_is_fine_from_a_provider_that_does_not_announce_it() {
    logs_in_through(Misbehaviour::IssParameterUnsupported, "low").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_substantial_or_high_login_asks_for_a_fresh_authentication_and_a_low_one_does_not() {
    let (_op, app) = portal_with(Misbehaviour::Honest).await;
    for (level, max_age) in [
        ("low", None),
        ("substantial", Some("0")),
        ("high", Some("0")),
    ] {
        let mut browser = app.browser();
        let authorize = begin_login(&mut browser, "/my-applications", level).await;
        assert_eq!(
            query_param(&authorize, "max_age").as_deref(),
            max_age,
            "{level}: {authorize}"
        );
    }
    app.stop().await;
    // And the provider's fresh `auth_time` passes.
    logs_in_through(Misbehaviour::Honest, "substantial").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_substantial_login_whose_token_has_no_auth_time_ends_without_a_session() {
    login_through_at(Misbehaviour::NoAuthTime, "substantial").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_substantial_login_authenticated_an_hour_ago_ends_without_a_session() {
    login_through_at(Misbehaviour::OldAuthTime, "substantial").await;
}

/// The control: a `low` login asks for no `max_age`, so `auth_time` is not needed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_login_needs_no_fresh_auth_time() {
    logs_in_through(Misbehaviour::NoAuthTime, "low").await;
    logs_in_through(Misbehaviour::OldAuthTime, "low").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_login_shows_a_clear_page_and_no_session() {
    let (op, app) = portal_with(Misbehaviour::Honest).await;
    let mut browser = app.browser();
    let authorize = begin_login(&mut browser, "/my-applications", "low").await;
    let state = query_param(&authorize, "state").expect("the login sends a state");
    // The provider sends the citizen back as RFC 6749 4.1.2.1 says when they cancel.
    let query = serde_urlencoded::to_string([
        ("error", "access_denied"),
        ("error_description", "The user cancelled the login"),
        ("state", state.as_str()),
        ("iss", op.issuer.as_str()),
    ])
    .expect("query");
    let page = browser.get(&format!("/login/callback?{query}")).await;
    assert_login_failed_page(&page);
    assert!(
        !page.body.contains("The user cancelled the login"),
        "the provider's text is not echoed onto the portal's page"
    );
    assert_eq!(op.token_requests(), 0, "nothing to redeem");
    assert_eq!(citizen_sessions(&app).await, 0);
    assert_sent_to_login(&mut browser).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_to_on_another_host_never_leads_off_the_portal() {
    let (op, app) = portal_with(Misbehaviour::Honest).await;
    // What browsers resolve to another host: absolute, scheme-relative, backslash, and a
    // scheme without slashes.
    for target in [
        "https://evil.example/x",
        "//evil.example/x",
        "/\\evil.example/x",
        "https:evil.example/x",
    ] {
        let mut browser = app.browser();
        let path = login_path(target, "low");
        let start = browser.get(&path).await;
        if start.status.is_client_error() {
            // Refused outright: fine, as long as it sends the browser nowhere.
            assert!(
                start.location().is_empty(),
                "{target}: {}",
                start.location()
            );
            continue;
        }
        assert_eq!(
            start.status,
            StatusCode::SEE_OTHER,
            "GET {path}: {}",
            start.body
        );
        let authorize = start.location();
        assert!(
            authorize.starts_with(&format!("{}/authorize?", op.issuer)),
            "{target}: the login may only lead to the provider, not to {authorize}"
        );
        let callback = OpBrowser::new()
            .follow(&authorize, ERIKA, SUBSTANTIAL_ACR)
            .await;
        let page = browser.get(&callback_path(&browser, &callback)).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{target}: a login that fell back to the portal succeeds: {}",
            page.body
        );
        let to = resolve(&browser.url("/"), &page.location());
        assert_eq!(
            to.origin(),
            resolve(&browser.url("/"), "/").origin(),
            "{target}: after the login the browser was sent to {to} ({})",
            page.location()
        );
        assert!(!to.as_str().contains("evil.example"), "{target}: {to}");
    }
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Replays and trust levels, against the real provider.

async fn portal_with_real_provider() -> (TestOp, TestApp) {
    let port = free_port();
    let op = TestOp::start(&redirect_uri(port), &post_logout_redirect_uri(port)).await;
    let app = portal_with_login(Db::Sqlite, &op.issuer, port).await;
    (op, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_used_a_second_time_ends_without_a_session() {
    let (_op, app) = portal_with_real_provider().await;
    let mut browser = app.browser();
    let authorize = begin_login(&mut browser, "/my-applications", "low").await;
    // A second tab of the same browser (or someone who copied its cookies): the login flow's
    // session is the same.
    let mut second_tab = app.browser();
    second_tab.cookies = browser.cookies.clone();
    let callback = OpBrowser::new()
        .follow(&authorize, ANNA, SUBSTANTIAL_ACR)
        .await;
    let path = callback_path(&browser, &callback);

    let first = browser.get(&path).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(citizen_sessions(&app).await, 1);

    let again = second_tab.get(&path).await;
    assert_login_failed_page(&again);
    assert_sent_to_login(&mut second_tab).await;

    let mut fresh = app.browser();
    let replayed = fresh.get(&path).await;
    assert_login_failed_page(&replayed);
    assert_sent_to_login(&mut fresh).await;

    assert_eq!(
        citizen_sessions(&app).await,
        1,
        "only the first use logged in"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_from_another_browsers_login_ends_without_a_session() {
    // Login CSRF: an attacker's own callback URL, opened in the victim's browser.
    let (_op, app) = portal_with_real_provider().await;
    let mut attacker = app.browser();
    let authorize = begin_login(&mut attacker, "/my-applications", "low").await;
    let callback = OpBrowser::new()
        .follow(&authorize, JONAS, SUBSTANTIAL_ACR)
        .await;
    let mut victim = app.browser();
    let _ = victim.get("/").await;
    let page = victim.get(&callback_path(&victim, &callback)).await;
    assert_login_failed_page(&page);
    assert_eq!(citizen_sessions(&app).await, 0);
    assert_sent_to_login(&mut victim).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_from_one_login_used_with_another_logins_state_ends_without_a_session() {
    let (op, app) = portal_with_real_provider().await;
    // Anna's login reaches the provider's redirect; her code is intercepted before her
    // browser brings it back.
    let mut anna = app.browser();
    let authorize = begin_login(&mut anna, "/my-applications", "low").await;
    let anna_callback = OpBrowser::new()
        .follow(&authorize, ANNA, SUBSTANTIAL_ACR)
        .await;
    let stolen_code = query_param(&anna_callback, "code").expect("a code");

    // The attacker starts a login of his own and injects Anna's code under his state.
    let mut attacker = app.browser();
    let authorize = begin_login(&mut attacker, "/my-applications", "low").await;
    let own_callback = OpBrowser::new()
        .follow(&authorize, JONAS, SUBSTANTIAL_ACR)
        .await;
    let state = query_param(&own_callback, "state").expect("a state");
    let query = serde_urlencoded::to_string([
        ("code", stolen_code.as_str()),
        ("state", state.as_str()),
        ("iss", op.issuer.as_str()),
    ])
    .expect("query");
    let page = attacker.get(&format!("/login/callback?{query}")).await;
    assert_login_failed_page(&page);
    assert_eq!(citizen_sessions(&app).await, 0);
    assert_sent_to_login(&mut attacker).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_below_the_level_the_service_needs_is_refused_with_a_step_up_link() {
    let (_op, app) = portal_with_real_provider().await;
    for low in [LOW_ACR, "http://eidas.europa.eu/LoA/low"] {
        let before = citizen_sessions(&app).await;
        let mut browser = app.browser();
        // The trade registration needs `substantial`: its form sends a visitor to the login.
        let form = browser.get(TRADE_FORM).await;
        assert_eq!(form.status, StatusCode::SEE_OTHER, "{}", form.body);
        let login = form.location();
        let to = resolve(&browser.url("/"), &login);
        assert_eq!(to.path(), "/login", "{login}");
        assert_eq!(
            query_param(&login, "return_to").as_deref(),
            Some(TRADE_FORM)
        );
        assert_eq!(query_param(&login, "level").as_deref(), Some("substantial"));

        let page = log_in(
            &mut browser,
            &mut OpBrowser::new(),
            TRADE_FORM,
            "substantial",
            ANNA,
            low,
        )
        .await;
        assert!(
            page.status.is_client_error(),
            "a login at {low} for `substantial` answered {} ({}):\n{}",
            page.status,
            page.location(),
            page.body
        );
        let step_up: Vec<String> = page
            .html()
            .select(&scraper::Selector::parse("main a[href]").expect("selector"))
            .filter_map(|a| a.value().attr("href").map(str::to_owned))
            .filter(|href| {
                resolve(&browser.url("/"), href).path() == "/login"
                    && query_param(href, "level").as_deref() == Some("substantial")
                    && query_param(href, "return_to").as_deref() == Some(TRADE_FORM)
            })
            .collect();
        assert!(
            !step_up.is_empty(),
            "{low}: no link to log in again at `substantial`:\n{}",
            page.body
        );
        assert_eq!(citizen_sessions(&app).await, before, "{low}: no session");
        assert_sent_to_login(&mut browser).await;

        // The link leads to a login at the level needed, and back to the form.
        let again = browser.get(&step_up[0]).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
        let authorize = again.location();
        assert!(
            query_param(&authorize, "acr_values").is_some_and(|v| v.contains("Level-3")
                || v.contains("Level-4")
                || v.contains("substantial")
                || v.contains("high")),
            "the step-up asks the provider for `substantial`: {authorize}"
        );
        let callback = OpBrowser::new()
            .follow(&authorize, ANNA, SUBSTANTIAL_ACR)
            .await;
        let done = browser.get(&callback_path(&browser, &callback)).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(
            resolve(&browser.url("/"), &done.location()).as_str(),
            browser.url(TRADE_FORM)
        );
        assert_eq!(browser.get(TRADE_FORM).await.status, StatusCode::OK);
        assert_eq!(citizen_sessions(&app).await, before + 1);
    }
    app.stop().await;
}
