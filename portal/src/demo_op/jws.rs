//! The demo provider's signing key and compact JWS (RFC 7515) with ES256.
//!
//! Hand-built on purpose: one algorithm, one key, a few lines, no JWT crate. The header is
//! `{"alg":"ES256","typ":"JWT","kid":…}`, the signature the raw `r || s` (64 bytes) that
//! RFC 7518 section 3.4 asks for, not DER.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A P-256 key drawn at start-up. It lives only in memory, so every restart of the demo
/// invalidates the ID tokens of the previous run (the relying party fetches the new JWKS).
pub(super) struct Key {
    signing: SigningKey,
    /// The JWK thumbprint (RFC 7638) of the public key.
    kid: String,
    x: String,
    y: String,
}

impl Key {
    pub(super) fn generate() -> Self {
        // p256 and rand 0.8 use different rand_core versions, so the scalar is drawn as bytes;
        // the rare draw that is zero or not below the group order is drawn again.
        let signing = loop {
            if let Ok(key) = SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
                break key;
            }
        };
        let point = signing.verifying_key().to_sec1_point(false);
        let coordinate = |c: Option<&[u8]>| URL_SAFE_NO_PAD.encode(c.unwrap_or_default());
        let x = coordinate(point.x().map(|c| c.as_slice()));
        let y = coordinate(point.y().map(|c| c.as_slice()));
        // The thumbprint's input: the required members in lexicographic order, no spaces.
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
        Self { signing, kid, x, y }
    }

    /// The public key as a JWK for the `jwks_uri` document.
    pub(super) fn jwk(&self) -> Value {
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": self.x,
            "y": self.y,
            "kid": self.kid,
            "use": "sig",
            "alg": "ES256",
        })
    }

    /// `claims` as a compact JWS: `header.payload.signature`, each base64url without padding.
    pub(super) fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "ES256", "typ": "JWT", "kid": self.kid});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature: Signature = self.signing.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }
}

#[cfg(test)]
pub(super) mod tests {
    #![allow(clippy::unwrap_used)]

    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    use super::*;

    /// The verifying key a relying party builds from the JWK alone.
    pub(in crate::demo_op) fn verifying_key(jwk: &Value) -> VerifyingKey {
        let mut sec1 = vec![0x04];
        sec1.extend(URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap());
        sec1.extend(URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap());
        VerifyingKey::from_sec1_bytes(&sec1).unwrap()
    }

    /// Checks a compact JWS against the JWK and returns its header and claims.
    pub(in crate::demo_op) fn verify(jws: &str, jwk: &Value) -> (Value, Value) {
        let parts: Vec<&str> = jws.split('.').collect();
        assert_eq!(parts.len(), 3, "{jws}");
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        assert_eq!(signature.len(), 64, "raw r || s, not DER");
        let signature = Signature::from_slice(&signature).unwrap();
        let signing_input = format!("{}.{}", parts[0], parts[1]);
        verifying_key(jwk)
            .verify(signing_input.as_bytes(), &signature)
            .unwrap();
        let decode = |p: &str| -> Value {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
        };
        (decode(parts[0]), decode(parts[1]))
    }

    #[test]
    fn a_signed_token_verifies_with_the_published_key_and_names_it() {
        let key = Key::generate();
        let claims = json!({"sub": "demo-anna-2d5f", "name": "Anna Schmidt, Straße"});
        let jws = key.sign(&claims);
        let (header, payload) = verify(&jws, &key.jwk());
        assert_eq!(
            header,
            json!({"alg": "ES256", "typ": "JWT", "kid": key.jwk()["kid"]})
        );
        assert_eq!(payload, claims);
        assert_eq!(key.jwk()["kid"].as_str().unwrap().len(), 43);
    }

    #[test]
    fn a_changed_payload_or_another_key_fails_verification() {
        let key = Key::generate();
        let jws = key.sign(&json!({"sub": "demo-jonas-4b1e"}));
        let parts: Vec<&str> = jws.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"demo-anna-2d5f"}"#);
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        let forged = format!("{}.{forged_payload}", parts[0]);
        let vk = verifying_key(&key.jwk());
        assert!(vk.verify(forged.as_bytes(), &signature).is_err());
        let other = verifying_key(&Key::generate().jwk());
        let genuine = format!("{}.{}", parts[0], parts[1]);
        assert!(other.verify(genuine.as_bytes(), &signature).is_err());
        assert!(vk.verify(genuine.as_bytes(), &signature).is_ok());
    }
}
