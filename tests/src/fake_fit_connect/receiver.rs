//! The receiving side of the fake: opening JWEs with the destination's private key
//! (RSA-OAEP-256 with the rsa crate, A256GCM with ring), checking what arrived against the
//! metadata, and signing event tokens (PS512 with ring).

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use rsa::RsaPrivateKey;
use serde_json::{Value, json};
use sha2::{Digest, Sha512};
use uuid::Uuid;

use super::{ENCRYPTION_KID, EVENT_PREFIX, Received};

/// Opens a compact JWE (RFC 7516): RSA-OAEP-256 with the rsa crate, A256GCM with ring.
pub(super) fn open(key: &RsaPrivateKey, jwe: &str) -> Result<(Value, Vec<u8>), String> {
    let parts: Vec<&str> = jwe.split('.').collect();
    let [h, k, iv, ct, tag] = parts[..] else {
        return Err("not five parts".into());
    };
    let b64 = |s: &str| {
        B64URL
            .decode(s)
            .map_err(|_| "a part is not base64url".to_owned())
    };
    let header: Value = serde_json::from_slice(&b64(h)?).map_err(|_| "header is not JSON")?;
    if header["alg"] != "RSA-OAEP-256" || header["enc"] != "A256GCM" {
        return Err(format!("unexpected alg/enc {header}"));
    }
    let cek = key
        .decrypt(rsa::Oaep::new::<sha2::Sha256>(), &b64(k)?)
        .map_err(|_| "the content key does not unwrap")?;
    let aead_key = ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &cek)
        .map_err(|_| "the content key is not 256 bits")?;
    let nonce = ring::aead::Nonce::try_assume_unique_for_key(&b64(iv)?)
        .map_err(|_| "the IV is not 96 bits")?;
    let mut sealed = b64(ct)?;
    sealed.extend(b64(tag)?);
    let plain = ring::aead::LessSafeKey::new(aead_key)
        .open_in_place(nonce, ring::aead::Aad::from(h.as_bytes()), &mut sealed)
        .map_err(|_| "the content does not authenticate")?
        .to_vec();
    Ok((header, plain))
}

pub(super) fn check_header(problems: &mut Vec<String>, what: &str, header: &Value) {
    if header["kid"] != ENCRYPTION_KID {
        problems.push(format!(
            "{what}: kid {} is not the encryption key's",
            header["kid"]
        ));
    }
    if header["cty"].as_str().is_none_or(str::is_empty) {
        problems.push(format!("{what}: no cty"));
    }
}

fn sha512_hex(bytes: &[u8]) -> String {
    Sha512::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Hashes and the attachment list of the metadata against what arrived.
pub(super) fn check_content(problems: &mut Vec<String>, m: &Value, sub: &Received) {
    let data_hash = m["contentStructure"]["data"]["hash"]["content"].as_str();
    if let Some(data) = &sub.data
        && data_hash != Some(sha512_hex(data).as_str())
    {
        problems.push("metadata: the data hash does not match".into());
    }
    let listed = m["contentStructure"]["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut ids = HashSet::new();
    for a in &listed {
        let id = a["attachmentId"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok());
        let Some(id) = id else {
            problems.push("metadata: an attachment without a valid id".into());
            continue;
        };
        ids.insert(id);
        match sub.attachment(id) {
            Some(got) if a["hash"]["content"].as_str() == Some(sha512_hex(&got.bytes).as_str()) => {
                if got.header["cty"] != a["mimeType"] {
                    problems.push(format!("attachment {id}: cty is not the listed mimeType"));
                }
            }
            Some(_) => problems.push(format!("attachment {id}: the hash does not match")),
            None => problems.push(format!("attachment {id}: listed but not uploaded")),
        }
    }
    if ids != sub.announced.iter().copied().collect::<HashSet<_>>() {
        problems.push("metadata: the attachments listed are not the ones announced".into());
    }
}

pub(super) fn claims(
    submission: Uuid,
    case: Uuid,
    event: &str,
    payload: Value,
    iss: String,
) -> Value {
    json!({
        "jti": Uuid::new_v4().to_string(),
        "iss": iss,
        "iat": chrono::Utc::now().timestamp(),
        "sub": format!("submission:{submission}"),
        "txn": format!("case:{case}"),
        "events": { format!("{EVENT_PREFIX}{event}"): payload },
    })
}

/// JWS compact, PS512, `typ` secevent+jwt.
pub(super) fn sign(key: &ring::signature::RsaKeyPair, kid: &str, claims: &Value) -> String {
    let header = json!({"typ": "secevent+jwt", "alg": "PS512", "kid": kid});
    let input = format!(
        "{}.{}",
        B64URL.encode(header.to_string()),
        B64URL.encode(claims.to_string())
    );
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PSS_SHA512,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .expect("ring signs");
    format!("{input}.{}", B64URL.encode(signature))
}
