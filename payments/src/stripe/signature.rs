//! Stripe's webhook signature: `Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>...]`,
//! where each `v1` is HMAC-SHA256 with an endpoint secret over `"<t>.<raw body>"`.
//!
//! Written here with `hmac` and `sha2` rather than taken from `async-stripe-webhook`: that
//! crate checks one secret per call (we accept several while a secret is rotated), needs the
//! body as UTF-8 text, parses the whole event into its generated types (a large build, and a
//! failure for event types it does not know) and does not tell a stale signature from a wrong
//! one. Here the signature is checked over the raw bytes before anything reads the JSON.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::NotificationError;

/// Stripe's default tolerance: a signature older (or newer) than this is refused, so a
/// captured delivery cannot be replayed later.
pub const TOLERANCE_SECONDS: i64 = 300;

/// The header's parts: the timestamp exactly as sent (it is signed as text) and every `v1`.
#[derive(Debug, PartialEq, Eq)]
struct SignatureHeader<'a> {
    timestamp_text: &'a str,
    timestamp: i64,
    v1: Vec<&'a str>,
}

fn parse_header(value: &str) -> Result<SignatureHeader<'_>, NotificationError> {
    let mut timestamp = None;
    let mut v1 = Vec::new();
    for part in value.split(',') {
        let Some((key, val)) = part.trim().split_once('=') else {
            return Err(NotificationError::Malformed);
        };
        match key {
            "t" => {
                if timestamp.is_some() {
                    return Err(NotificationError::Malformed);
                }
                let parsed: i64 = val.parse().map_err(|_| NotificationError::Malformed)?;
                timestamp = Some((val, parsed));
            }
            "v1" => v1.push(val),
            // `v0` (test-mode signature with a fixed secret) and future schemes: ignored.
            _ => {}
        }
    }
    let Some((timestamp_text, timestamp)) = timestamp else {
        return Err(NotificationError::Malformed);
    };
    if v1.is_empty() {
        return Err(NotificationError::Malformed);
    }
    Ok(SignatureHeader {
        timestamp_text,
        timestamp,
        v1,
    })
}

fn decode_hex_32(text: &str) -> Option<[u8; 32]> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let hi = nibble(pair.first().copied()?)?;
        let lo = nibble(pair.get(1).copied()?)?;
        *out.get_mut(i)? = (hi << 4) | lo;
    }
    Some(out)
}

/// Checks `Stripe-Signature` against every configured secret and every `v1` in it, then the
/// timestamp against `now`. Only a genuine signature can be `Stale`: a forged one is
/// `BadSignature` whatever its time.
pub(crate) fn verify(
    header: Option<&[u8]>,
    body: &[u8],
    secrets: &[String],
    now: i64,
) -> Result<(), NotificationError> {
    let header = header.ok_or(NotificationError::Malformed)?;
    let header = std::str::from_utf8(header).map_err(|_| NotificationError::Malformed)?;
    let parsed = parse_header(header)?;
    let candidates: Vec<[u8; 32]> = parsed.v1.iter().filter_map(|s| decode_hex_32(s)).collect();

    let mut matched = false;
    for secret in secrets {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            continue;
        };
        mac.update(parsed.timestamp_text.as_bytes());
        mac.update(b".");
        mac.update(body);
        for candidate in &candidates {
            // `verify_slice` compares in constant time.
            if mac.clone().verify_slice(candidate).is_ok() {
                matched = true;
            }
        }
    }
    if !matched {
        return Err(NotificationError::BadSignature);
    }
    let age = now.saturating_sub(parsed.timestamp);
    if !(-TOLERANCE_SECONDS..=TOLERANCE_SECONDS).contains(&age) {
        return Err(NotificationError::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, t: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(t.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn the_header_keeps_every_v1_and_ignores_other_schemes() {
        let h = parse_header("t=1700000000,v1=aa,v0=bb,v1=cc").unwrap();
        assert_eq!(h.timestamp, 1_700_000_000);
        assert_eq!(h.timestamp_text, "1700000000");
        assert_eq!(h.v1, vec!["aa", "cc"]);
    }

    #[test]
    fn headers_without_time_or_signature_are_malformed() {
        for bad in [
            "",
            "v1=aa",
            "t=1700000000",
            "t=abc,v1=aa",
            "t=1,t=2,v1=aa",
            "garbage",
            "t=1700000000;v1=aa",
        ] {
            assert_eq!(
                parse_header(bad),
                Err(NotificationError::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn hex_is_read_only_as_32_bytes() {
        assert!(decode_hex_32(&"ab".repeat(32)).is_some());
        assert!(decode_hex_32(&"AB".repeat(32)).is_some());
        assert!(decode_hex_32(&"ab".repeat(31)).is_none());
        assert!(decode_hex_32(&"zz".repeat(32)).is_none());
        assert!(decode_hex_32(&"é".repeat(32)).is_none());
    }

    #[test]
    fn a_signature_by_any_configured_secret_is_accepted() {
        let body = b"{\"id\":\"evt_1\"}";
        let secrets = vec!["whsec_old".to_string(), "whsec_new".to_string()];
        let v1 = sign("whsec_new", "1000", body);
        let header = format!("t=1000,v1={v1}");
        assert_eq!(
            verify(Some(header.as_bytes()), body, &secrets, 1000),
            Ok(())
        );
        let other = sign("whsec_other", "1000", body);
        let header = format!("t=1000,v1={other}");
        assert_eq!(
            verify(Some(header.as_bytes()), body, &secrets, 1000),
            Err(NotificationError::BadSignature)
        );
    }

    #[test]
    fn the_tolerance_is_three_hundred_seconds_either_way() {
        let body = b"x";
        let secrets = vec!["whsec_a".to_string()];
        let header = format!("t=1000,v1={}", sign("whsec_a", "1000", body));
        for (now, ok) in [(1300, true), (1301, false), (700, true), (699, false)] {
            let r = verify(Some(header.as_bytes()), body, &secrets, now);
            assert_eq!(r.is_ok(), ok, "now={now}: {r:?}");
            if !ok {
                assert_eq!(r, Err(NotificationError::Stale));
            }
        }
    }

    #[test]
    fn extreme_timestamps_do_not_overflow() {
        let body = b"x";
        let secrets = vec!["whsec_a".to_string()];
        let t = i64::MIN.to_string();
        let header = format!("t={t},v1={}", sign("whsec_a", &t, body));
        assert_eq!(
            verify(Some(header.as_bytes()), body, &secrets, i64::MAX),
            Err(NotificationError::Stale)
        );
    }
}
