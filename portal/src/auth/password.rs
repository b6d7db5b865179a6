//! Staff passwords: Argon2id with the crate's defaults (the OWASP recommendation:
//! 19 MiB, 2 iterations). Hashing runs on the blocking pool so it never stalls requests.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// At most this many password checks run at once (one per core): each takes 19 MiB and tens of
/// milliseconds, so a flood of login attempts queues here instead of exhausting memory.
fn checks() -> &'static tokio::sync::Semaphore {
    static CHECKS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    CHECKS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores.max(2))
    })
}

/// Checks a password. With no stored hash (unknown user) a dummy hash is checked anyway, so
/// the response time does not tell whether a username exists.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    let Ok(_permit) = checks().acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && stored != DUMMY_HASH
    })
    .await
    .unwrap_or(false)
}

/// Argon2id hash of a random string nobody knows (same parameters as real hashes).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1hTiEUw1Vb2n7FNhw4n0uX1fWT8GcnkuaGSAi8b6eCM";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_right_password_opens_and_a_wrong_one_does_not() {
        let h = hash("correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(h.clone())).await);
        assert!(!verify("wrong".into(), Some(h)).await);
        assert!(!verify("anything".into(), None).await);
        assert!(!verify("x".into(), Some("not a hash".into())).await);
    }
}
