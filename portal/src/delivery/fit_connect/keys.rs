//! The destination's public keys (JWK, RFC 7517) and how they are trusted.
//!
//! A destination key is used only when
//! - it is RSA (`kty`), allowed for what we do with it (`key_ops` holds `wrapKey` to encrypt
//!   to it, `verify` to check its accept/reject events) and, if it names an `alg`, the right
//!   one (RSA-OAEP-256, PS512);
//! - its modulus has at least [`MIN_DESTINATION_BITS`] bits;
//! - its `x5c` chain (leaf first, base64 DER) is valid now and leads to one of the configured
//!   trust anchors (PEM roots), checked with rustls-webpki (signatures, validity, basic
//!   constraints; any extended key usage is accepted, see [`AnyPurpose`]);
//! - the leaf certificate certifies exactly this key (`n` and `e` equal).
//!
//! Revocation (OCSP, CRLs) is not checked: see docs/fit-connect.md.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPublicKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use serde::Deserialize;

/// FIT-Connect's rule for every destination key.
pub const MIN_DESTINATION_BITS: usize = 4096;
/// The platform's event-token keys come from its own HTTPS address, without a chain; this
/// only keeps toy keys out.
pub const MIN_PLATFORM_BITS: usize = 2048;
/// The largest modulus accepted (rsa's default limit is 4096, too tight for 8192-bit keys).
const MAX_BITS: usize = 8192;

/// A JSON Web Key as the Submission API serves it. Unknown members are ignored.
#[derive(Clone, Debug, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default)]
    pub key_ops: Option<Vec<String>>,
    #[serde(default)]
    pub alg: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
    #[serde(default)]
    pub x5c: Option<Vec<String>>,
}

/// `{"keys": [...]}`.
#[derive(Clone, Debug, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// What a destination key is fetched for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Encrypting data, metadata and attachments to the destination.
    WrapKey,
    /// Verifying the destination's accept/reject events.
    Verify,
}

impl Use {
    fn op(self) -> &'static str {
        match self {
            Self::WrapKey => "wrapKey",
            Self::Verify => "verify",
        }
    }
    fn alg(self) -> &'static str {
        match self {
            Self::WrapKey => super::jwe::ALG,
            Self::Verify => super::set::ALG,
        }
    }
}

/// The RSA public key of a JWK, at least `min_bits` long.
pub fn rsa_key(jwk: &Jwk, min_bits: usize) -> Result<RsaPublicKey, String> {
    if jwk.kty != "RSA" {
        return Err(format!("is of type {:?}, not RSA", jwk.kty));
    }
    let part = |v: &Option<String>, name: &str| {
        v.as_deref()
            .and_then(|s| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok())
            .map(|b| BigUint::from_bytes_be(&b))
            .ok_or_else(|| format!("has no valid `{name}`"))
    };
    let n = part(&jwk.n, "n")?;
    let e = part(&jwk.e, "e")?;
    let bits = n.bits();
    if bits < min_bits {
        return Err(format!(
            "has {bits} bits, fewer than the {min_bits} required"
        ));
    }
    RsaPublicKey::new_with_max_size(n, e, MAX_BITS).map_err(|e| format!("is not usable ({e})"))
}

/// The configured roots, from PEM (one or more `CERTIFICATE` blocks).
pub fn trust_anchors(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "the trust anchor file is not valid PEM".to_owned())?;
    if certs.is_empty() {
        return Err("the trust anchor file holds no certificate".to_owned());
    }
    Ok(certs)
}

/// Checks a destination key for `purpose` as the module documentation says, and returns
/// the RSA key.
pub fn check_destination_key(
    jwk: &Jwk,
    purpose: Use,
    anchors_pem: &[u8],
    now: UnixTime,
) -> Result<RsaPublicKey, String> {
    let ops = jwk.key_ops.as_deref().unwrap_or_default();
    if !ops.iter().any(|o| o == purpose.op()) {
        return Err(format!("is not allowed to `{}` (key_ops)", purpose.op()));
    }
    if let Some(alg) = jwk.alg.as_deref()
        && alg != purpose.alg()
    {
        return Err(format!("is for {alg:?}, not {}", purpose.alg()));
    }
    let key = rsa_key(jwk, MIN_DESTINATION_BITS)?;

    let chain = jwk
        .x5c
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or("has no certificate chain (x5c)")?
        .iter()
        .map(|c| STANDARD.decode(c).map(CertificateDer::from))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "has an x5c entry that is not base64".to_owned())?;
    let leaf = webpki::EndEntityCert::try_from(&chain[0])
        .map_err(|e| format!("has a leaf certificate that does not parse ({e})"))?;

    // The certificate must certify this very key, else the chain proves nothing about it.
    let certified = RsaPublicKey::from_public_key_der(leaf.subject_public_key_info().as_ref())
        .map_err(|_| "has a leaf certificate without an RSA key".to_owned())?;
    if certified.n() != key.n() || certified.e() != key.e() {
        return Err("does not match the key of its certificate".to_owned());
    }

    let roots = trust_anchors(anchors_pem)?;
    let anchors: Vec<TrustAnchor<'_>> = roots
        .iter()
        .map(|r| webpki::anchor_from_trusted_cert(r).map(|a| a.to_owned()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot be checked: the trust anchor does not parse ({e})"))?;
    leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &chain[1..],
        now,
        AnyPurpose,
        None,
        None,
    )
    .map_err(|e| match e {
        webpki::Error::UnknownIssuer => {
            "has a certificate chain that does not lead to the configured trust anchor".to_owned()
        }
        webpki::Error::CertExpired { .. } => "has an expired certificate".to_owned(),
        webpki::Error::CertNotValidYet { .. } => "has a certificate not valid yet".to_owned(),
        other => format!("has a certificate chain that does not verify ({other:?})"),
    })?;
    Ok(key)
}

/// FIT-Connect names no extended key usage for destination certificates, so whatever the
/// chain declares is accepted (a malformed extension still fails).
struct AnyPurpose;

impl webpki::ExtendedKeyUsageValidator for AnyPurpose {
    fn validate(&self, iter: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        for id in iter {
            id?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn jwk(n_bytes: usize) -> Jwk {
        let mut n = vec![0xc5u8; n_bytes];
        n[n_bytes - 1] |= 1;
        Jwk {
            kty: "RSA".into(),
            kid: Some("k".into()),
            key_ops: Some(vec!["wrapKey".into()]),
            alg: Some("RSA-OAEP-256".into()),
            n: Some(URL_SAFE_NO_PAD.encode(n)),
            e: Some("AQAB".into()),
            x5c: None,
        }
    }

    #[test]
    fn key_length_and_type_are_checked_before_the_chain() {
        assert!(rsa_key(&jwk(512), 4096).is_ok());
        let short = rsa_key(&jwk(256), 4096).unwrap_err();
        assert!(short.contains("2048 bits"), "{short}");
        let mut ec = jwk(512);
        ec.kty = "EC".into();
        assert!(rsa_key(&ec, 4096).is_err());

        let now = UnixTime::now();
        let no_chain = check_destination_key(&jwk(512), Use::WrapKey, b"", now).unwrap_err();
        assert!(no_chain.contains("x5c"), "{no_chain}");
        let wrong_use = check_destination_key(&jwk(512), Use::Verify, b"", now).unwrap_err();
        assert!(wrong_use.contains("key_ops"), "{wrong_use}");
        let mut wrong_alg = jwk(512);
        wrong_alg.alg = Some("RSA1_5".into());
        assert!(check_destination_key(&wrong_alg, Use::WrapKey, b"", now).is_err());
    }

    #[test]
    fn an_empty_trust_anchor_file_is_refused() {
        assert!(trust_anchors(b"").is_err());
        assert!(trust_anchors(b"not pem at all").is_err());
    }
}
