//! Who is calling: `Authorization: Bearer <token>`, checked against the `pull_api` targets of
//! the municipality in the path, and only those. The configuration keeps each token's SHA-256;
//! the presented token is hashed and compared with every accepted hash of every target of that
//! municipality without stopping at the first match, so the time taken says nothing about
//! which (or whether a) hash was close.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use store::Tenant;

use super::problem::Problem;
use crate::delivery::config::TargetKind;
use crate::state::AppState;

pub const READ: &str = "cases:read";
pub const ACKNOWLEDGE: &str = "cases:acknowledge";
pub const STATUS: &str = "cases:status";

/// Longer than any sensible token; a longer header value is refused before hashing.
const MAX_TOKEN_LEN: usize = 1024;

/// An authenticated backend: the municipality it belongs to and its pull-API target.
#[derive(Clone, Debug)]
pub struct Backend {
    pub tenant: Tenant,
    /// The target's name in the configuration (also the actor of its status changes).
    pub target: String,
    scopes: Vec<String>,
}

impl Backend {
    /// 403 unless the target's tokens carry `scope`.
    pub fn require(&self, scope: &'static str) -> Result<(), Problem> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            tracing::info!(
                tenant = %self.tenant.slug,
                target = %self.target,
                scope,
                "pull API: scope missing"
            );
            Err(Problem::insufficient_scope(scope))
        }
    }
}

/// The token after `Bearer ` (scheme case-insensitive, RFC 7235), if any.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// 1 when `a == b`, 0 otherwise, looking at every byte.
fn equal(a: &[u8; 32], b: &[u8; 32]) -> u8 {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // 1 exactly when diff is 0, without a branch on the value.
    u8::from(std::hint::black_box(diff) == 0)
}

impl FromRequestParts<AppState> for Backend {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let token = bearer(parts).map(str::to_owned);
        let sent = parts.headers.contains_key(header::AUTHORIZATION);
        // `/api/v1/{municipality}/...`, read from the path itself: a malformed later segment
        // (a bad case id) must not turn into a different answer than a wrong token.
        let slug = parts
            .uri
            .path()
            .split('/')
            .nth(3)
            .unwrap_or_default()
            .to_owned();
        let Some(token) = token.filter(|t| t.len() <= MAX_TOKEN_LEN) else {
            return Err(Problem::unauthorized(sent));
        };
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // An unknown municipality has no tokens: the same 401 as a wrong token.
        let tenant = state.catalogue().tenant(&slug).cloned();
        let targets = state
            .config()
            .delivery_targets
            .get(&slug)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut found: Option<(&str, &[String])> = None;
        for t in targets {
            let TargetKind::PullApi(pull) = &t.kind else {
                continue;
            };
            let mut hit = 0u8;
            for accepted in &pull.token_hashes {
                hit |= equal(accepted, &hash);
            }
            if hit == 1 && found.is_none() {
                found = Some((t.name.as_str(), pull.scopes.as_slice()));
            }
        }
        match (tenant, found) {
            (Some(tenant), Some((target, scopes))) => Ok(Self {
                tenant,
                target: target.to_owned(),
                scopes: scopes.to_vec(),
            }),
            _ => {
                // Neither the token nor the path: the path may name a case.
                tracing::info!("pull API: token refused");
                Err(Problem::unauthorized(true))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_compared_in_full() {
        let a = [7u8; 32];
        let mut b = a;
        assert_eq!(equal(&a, &b), 1);
        b[31] ^= 1;
        assert_eq!(equal(&a, &b), 0);
        b = a;
        b[0] ^= 0x80;
        assert_eq!(equal(&a, &b), 0);
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_needs_a_token() {
        let parts = |v: &str| {
            axum::http::Request::builder()
                .header(header::AUTHORIZATION, v)
                .body(())
                .unwrap()
                .into_parts()
                .0
        };
        assert_eq!(bearer(&parts("Bearer abc")), Some("abc"));
        assert_eq!(bearer(&parts("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(&parts("Bearer ")), None);
        assert_eq!(bearer(&parts("Basic abc")), None);
        assert_eq!(bearer(&parts("Bearerabc")), None);
    }
}
