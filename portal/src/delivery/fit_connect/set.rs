//! The event log's Security Event Tokens (RFC 8417): JWS compact, `typ` secevent+jwt, `alg`
//! PS512 (RSASSA-PSS with SHA-512, MGF1-SHA-512, 64-byte salt), with the signing key's `kid`.
//! Claims: `jti`, `iss`, `iat`, `sub` = `submission:<id>`, `txn` = `case:<id>`, and exactly one
//! event under `events`, named [`EVENT_PREFIX`] + e.g. `submit-submission`.
//!
//! A token is first [`parse`]d (header and claims checked against the submission), then its
//! signature is verified with the key its signer's `kid` names: the platform's JWKS for the
//! platform's events, the destination's checked key for `accept-submission` and
//! `reject-submission` (see [`Event::by_destination`]).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use rsa::RsaPublicKey;
use rsa::pss::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha512;
use uuid::Uuid;

pub const ALG: &str = "PS512";
pub const TYP: &str = "secevent+jwt";
pub const EVENT_PREFIX: &str = "https://schema.fitko.de/fit-connect/events/";

#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    kid: Option<String>,
}

/// One token whose header and claims fit the submission, signature not yet checked.
#[derive(Debug)]
pub struct Unverified {
    pub kid: String,
    pub event: Event,
    signing_input: String,
    signature: Vec<u8>,
}

/// One event of the log.
#[derive(Clone, Debug)]
pub struct Event {
    /// Without the prefix, e.g. `submit-submission`.
    pub name: String,
    /// The event's own object (for a rejection: `problems`).
    pub payload: Value,
    pub issued_at: i64,
}

impl Event {
    /// Accept and reject come from the destination and are signed with its key.
    pub fn by_destination(&self) -> bool {
        matches!(
            self.name.as_str(),
            "accept-submission" | "reject-submission"
        )
    }

    /// The titles of a rejection's problems, cleaned for an error message.
    pub fn problem_titles(&self) -> Vec<String> {
        self.payload
            .get("problems")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| p.get("title").and_then(Value::as_str))
                    .map(super::wire::clean)
                    .filter(|t| !t.is_empty())
                    .take(5)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Splits a token and checks its header and claims against the submission.
pub fn parse(token: &str, submission_id: Uuid, case_id: Uuid) -> Result<Unverified, String> {
    let mut parts = token.trim().split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("is not a compact JWS".into());
    };
    let header: Header = B64URL
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("has a header that does not parse")?;
    if header.typ.as_deref() != Some(TYP) {
        return Err(format!("is of type {:?}, not {TYP}", header.typ));
    }
    if header.alg.as_deref() != Some(ALG) {
        return Err(format!("is signed with {:?}, not {ALG}", header.alg));
    }
    let kid = header
        .kid
        .filter(|k| !k.is_empty())
        .ok_or("names no key (kid)")?;
    let claims: Value = B64URL
        .decode(c)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("has claims that do not parse")?;
    for name in ["jti", "iss"] {
        if claims
            .get(name)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(format!("has no `{name}`"));
        }
    }
    let issued_at = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or("has no `iat`")?;
    if claims.get("sub").and_then(Value::as_str) != Some(&format!("submission:{submission_id}")) {
        return Err("is about another submission (sub)".into());
    }
    if claims.get("txn").and_then(Value::as_str) != Some(&format!("case:{case_id}")) {
        return Err("is about another case (txn)".into());
    }
    let events = claims
        .get("events")
        .and_then(Value::as_object)
        .ok_or("has no `events`")?;
    let mut events = events.iter();
    let (Some((name, payload)), None) = (events.next(), events.next()) else {
        return Err("does not hold exactly one event".into());
    };
    let name = name
        .strip_prefix(EVENT_PREFIX)
        .filter(|n| !n.is_empty())
        .ok_or("holds an event that is not FIT-Connect's")?
        .to_owned();
    let signature = B64URL
        .decode(s)
        .map_err(|_| "has a signature that is not base64url")?;
    Ok(Unverified {
        kid,
        event: Event {
            name,
            payload: payload.clone(),
            issued_at,
        },
        signing_input: format!("{h}.{c}"),
        signature,
    })
}

impl Unverified {
    /// The event, if the signature verifies with `key`.
    pub fn verify(self, key: &RsaPublicKey) -> Result<Event, String> {
        let signature = Signature::try_from(self.signature.as_slice())
            .map_err(|_| "has a malformed signature")?;
        VerifyingKey::<Sha512>::new(key.clone())
            .verify(self.signing_input.as_bytes(), &signature)
            .map_err(|_| "has a signature that does not verify".to_owned())?;
        Ok(self.event)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use rsa::RsaPrivateKey;
    use rsa::signature::{RandomizedSigner, SignatureEncoding};
    use serde_json::json;

    use super::*;

    fn token(key: &RsaPrivateKey, header: Value, claims: Value) -> String {
        let input = format!(
            "{}.{}",
            B64URL.encode(header.to_string()),
            B64URL.encode(claims.to_string())
        );
        let signer = rsa::pss::BlindedSigningKey::<Sha512>::new(key.clone());
        let sig = signer.sign_with_rng(&mut rand::rngs::OsRng, input.as_bytes());
        format!("{input}.{}", B64URL.encode(sig.to_bytes()))
    }

    fn claims(sub: Uuid, case: Uuid, events: Value) -> Value {
        json!({
            "jti": Uuid::new_v4().to_string(), "iss": "https://platform.example", "iat": 1_700_000_000,
            "sub": format!("submission:{sub}"), "txn": format!("case:{case}"), "events": events,
        })
    }

    #[test]
    fn a_token_is_checked_against_its_submission_and_its_signer() {
        // PS512 needs room for a 64-byte hash and salt: 2048 bits; the other key only fails.
        let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
        let other = RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).unwrap();
        let (sub, case) = (Uuid::new_v4(), Uuid::new_v4());
        let header = json!({"typ": TYP, "alg": ALG, "kid": "platform-1"});
        let submit = json!({ format!("{EVENT_PREFIX}submit-submission"): {} });

        let good = token(&key, header.clone(), claims(sub, case, submit.clone()));
        let parsed = parse(&good, sub, case).unwrap();
        assert_eq!(parsed.kid, "platform-1");
        let event = parsed.verify(&key.to_public_key()).unwrap();
        assert_eq!(event.name, "submit-submission");
        assert!(!event.by_destination());

        let wrong_key = parse(&good, sub, case)
            .unwrap()
            .verify(&other.to_public_key());
        assert!(wrong_key.unwrap_err().contains("does not verify"));
        assert!(
            parse(&good, Uuid::new_v4(), case)
                .unwrap_err()
                .contains("sub")
        );
        assert!(
            parse(&good, sub, Uuid::new_v4())
                .unwrap_err()
                .contains("txn")
        );

        let rs256 = token(
            &key,
            json!({"typ": TYP, "alg": "RS256", "kid": "platform-1"}),
            claims(sub, case, submit.clone()),
        );
        assert!(parse(&rs256, sub, case).is_err());
        let jwt = token(
            &key,
            json!({"typ": "JWT", "alg": ALG, "kid": "platform-1"}),
            claims(sub, case, submit),
        );
        assert!(parse(&jwt, sub, case).is_err());
        let two = token(
            &key,
            header.clone(),
            claims(
                sub,
                case,
                json!({
                    format!("{EVENT_PREFIX}submit-submission"): {},
                    format!("{EVENT_PREFIX}accept-submission"): {},
                }),
            ),
        );
        assert!(parse(&two, sub, case).unwrap_err().contains("exactly one"));
        let reject = token(
            &key,
            header,
            claims(
                sub,
                case,
                json!({ format!("{EVENT_PREFIX}reject-submission"):
                    {"problems": [{"title": "Schema\u{7} ungültig", "type": "x"}]} }),
            ),
        );
        let event = parse(&reject, sub, case).unwrap().event;
        assert!(event.by_destination());
        assert_eq!(event.problem_titles(), vec!["Schema ungültig".to_owned()]);
    }
}
