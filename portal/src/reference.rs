//! Readable reference numbers: `TENANTCODE-YEAR-XXXXXX`, the last part in Crockford base32
//! (no I, L, O or U, so it can be read out on the phone). Six random characters give about
//! a billion numbers per municipality and year; the store's unique index catches the rare
//! collision and the caller draws again.

use rand::Rng;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const RANDOM_LEN: usize = 6;

pub fn generate(tenant_code: &str, year: i32) -> String {
    let mut rng = rand::thread_rng();
    let tail: String = (0..RANDOM_LEN)
        .map(|_| CROCKFORD[rng.gen_range(0..32)] as char)
        .collect();
    format!("{tenant_code}-{year}-{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_numbers_read_well_on_the_phone() {
        for _ in 0..1000 {
            let r = generate("WER", 2026);
            let tail = r.strip_prefix("WER-2026-").expect("prefix");
            assert_eq!(tail.len(), RANDOM_LEN);
            assert!(
                tail.chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            );
            assert!(!tail.contains(['I', 'L', 'O', 'U']), "{r}");
        }
    }
}
