//! JWE compact serialisation as FIT-Connect uses it (RFC 7516, JWA RFC 7518): a fresh
//! 256-bit content key per message, wrapped with the destination's RSA key (`alg`
//! RSA-OAEP-256: OAEP with SHA-256 and MGF1-SHA-256), the content sealed with AES-256-GCM
//! (`enc` A256GCM, 96-bit IV, 128-bit tag) with the encoded protected header as the additional
//! authenticated data. The header names the key (`kid`) and the plaintext's type (`cty`).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use rand::RngCore;
use rsa::{Oaep, RsaPublicKey};
use sha2::Sha256;

pub const ALG: &str = "RSA-OAEP-256";
pub const ENC: &str = "A256GCM";

/// The key a JWE is made for: the destination's checked encryption key.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub kid: String,
    pub key: RsaPublicKey,
}

/// `BASE64URL(header).BASE64URL(wrapped key).BASE64URL(iv).BASE64URL(ciphertext).BASE64URL(tag)`.
pub fn encrypt(to: &Recipient, cty: &str, plaintext: &[u8]) -> Result<String, &'static str> {
    let header = serde_json::json!({ "alg": ALG, "enc": ENC, "kid": to.kid, "cty": cty });
    let header = B64URL.encode(serde_json::to_vec(&header).map_err(|_| "header")?);
    let mut rng = rand::rngs::OsRng;
    let mut cek = [0u8; 32];
    rng.fill_bytes(&mut cek);
    let mut iv = [0u8; 12];
    rng.fill_bytes(&mut iv);
    let wrapped = to
        .key
        .encrypt(&mut rng, Oaep::new::<Sha256>(), &cek)
        .map_err(|_| "the content key could not be wrapped")?;
    let sealed = Aes256Gcm::new_from_slice(&cek)
        .map_err(|_| "content key")?
        .encrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: plaintext,
                aad: header.as_bytes(),
            },
        )
        .map_err(|_| "the content could not be encrypted")?;
    cek.fill(0);
    // aes-gcm appends the 16-byte tag; JWE carries it as its own part.
    let (ciphertext, tag) = sealed.split_at(sealed.len().saturating_sub(16));
    Ok(format!(
        "{header}.{}.{}.{}.{}",
        B64URL.encode(wrapped),
        B64URL.encode(iv),
        B64URL.encode(ciphertext),
        B64URL.encode(tag)
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use rsa::RsaPrivateKey;

    use super::*;

    /// The receiving side, written from RFC 7516 for the round trip only.
    fn decrypt(key: &RsaPrivateKey, jwe: &str) -> (serde_json::Value, Vec<u8>) {
        let parts: Vec<&str> = jwe.split('.').collect();
        assert_eq!(parts.len(), 5, "compact serialisation has five parts");
        let header: serde_json::Value =
            serde_json::from_slice(&B64URL.decode(parts[0]).unwrap()).unwrap();
        let cek = key
            .decrypt(Oaep::new::<Sha256>(), &B64URL.decode(parts[1]).unwrap())
            .unwrap();
        let iv = B64URL.decode(parts[2]).unwrap();
        let mut sealed = B64URL.decode(parts[3]).unwrap();
        sealed.extend(B64URL.decode(parts[4]).unwrap());
        let plain = Aes256Gcm::new_from_slice(&cek)
            .unwrap()
            .decrypt(
                Nonce::from_slice(&iv),
                Payload {
                    msg: &sealed,
                    aad: parts[0].as_bytes(),
                },
            )
            .expect("tag verifies with the header as AAD");
        (header, plain)
    }

    #[test]
    fn a_jwe_opens_with_the_private_key_and_names_kid_and_cty() {
        // 1024 bits only to keep the unoptimised test fast; the key check demands 4096.
        let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).unwrap();
        let to = Recipient {
            kid: "enc-key-1".into(),
            key: private.to_public_key(),
        };
        let jwe = encrypt(&to, "application/json", br#"{"a":1}"#).unwrap();
        let (header, plain) = decrypt(&private, &jwe);
        assert_eq!(plain, br#"{"a":1}"#);
        assert_eq!(header["alg"], "RSA-OAEP-256");
        assert_eq!(header["enc"], "A256GCM");
        assert_eq!(header["kid"], "enc-key-1");
        assert_eq!(header["cty"], "application/json");
        let parts: Vec<&str> = jwe.split('.').collect();
        assert_eq!(B64URL.decode(parts[2]).unwrap().len(), 12, "96-bit IV");
        assert_eq!(B64URL.decode(parts[4]).unwrap().len(), 16, "128-bit tag");

        // Each message gets its own content key and IV.
        let again = encrypt(&to, "application/json", br#"{"a":1}"#).unwrap();
        assert_ne!(jwe, again);
    }
}
