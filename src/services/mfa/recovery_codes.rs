//! Recovery codes: ten per account, each ten Crockford base32 characters (50 random bits),
//! shown as `xxxxx-xxxxx` and accepted in any case, with or without the hyphen or spaces, with
//! Crockford's readings of look-alikes (`I` and `L` as `1`, `O` as `0`). Each works once. The
//! database keeps only a keyed digest (HMAC-SHA256 under the encryption key), so a copy of the
//! database does not hold usable codes.

use crate::error::{AppError, AppResult};
use crate::services::keys::encryption::EncryptionKeys;

/// Codes per set.
pub const COUNT: usize = 10;
/// Characters per code.
const LENGTH: usize = 10;
/// Crockford's base32: no `I`, `L`, `O` or `U`.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new set of `COUNT` codes as shown to the user (`xxxxx-xxxxx`, lower case), all distinct.
pub fn generate() -> AppResult<Vec<String>> {
    let mut codes: Vec<String> = Vec::with_capacity(COUNT);
    while codes.len() < COUNT {
        let mut random = [0u8; LENGTH];
        getrandom::fill(&mut random).map_err(|e| AppError::internal(e.to_string()))?;
        // 256 is a multiple of 32: the low five bits of a random byte are uniform.
        let symbols: String = random
            .iter()
            .map(|byte| char::from(ALPHABET[usize::from(byte & 31)]).to_ascii_lowercase())
            .collect();
        let code = format!("{}-{}", &symbols[..5], &symbols[5..]);
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// The canonical form of what a user typed (upper case, no separators, look-alikes read), or
/// `None` when it cannot be a code.
pub fn normalize(typed: &str) -> Option<String> {
    let mut code = String::with_capacity(LENGTH);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' | '\t' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        code.push(c);
    }
    (code.len() == LENGTH).then_some(code)
}

/// What the database keeps of a code: its digest under the sealing key.
pub fn digest(keys: &EncryptionKeys, code: &str) -> Option<String> {
    normalize(code).map(|code| keys.sealing().mac(code.as_bytes()))
}

/// The digests a stored code may have been kept under (one per key held, during a rotation of
/// the encryption key): what a typed code is looked up by.
pub fn lookup_digests(keys: &EncryptionKeys, typed: &str) -> Vec<String> {
    normalize(typed)
        .map(|code| keys.macs(code.as_bytes()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::keys::encryption::EncryptionKey;

    fn keys() -> EncryptionKeys {
        EncryptionKeys::new(EncryptionKey::from_bytes(&[3u8; 32]).unwrap(), Vec::new())
    }

    #[test]
    fn a_set_is_ten_distinct_codes_of_ten_crockford_characters() {
        let codes = generate().unwrap();
        assert_eq!(codes.len(), COUNT);
        for code in &codes {
            assert_eq!(code.len(), 11, "{code}");
            assert_eq!(&code[5..6], "-");
            assert_eq!(
                normalize(code).unwrap(),
                code.replace('-', "").to_uppercase()
            );
            assert!(!code.contains(['i', 'l', 'o', 'u']), "{code}");
        }
        let mut distinct = codes.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), COUNT);
        assert_ne!(generate().unwrap(), codes);
    }

    #[test]
    fn every_accepted_spelling_reads_as_the_same_code() {
        let canonical = normalize("abcde-fgh12").unwrap();
        assert_eq!(canonical, "ABCDEFGH12");
        for typed in [
            "ABCDE-FGH12",
            "abcdefgh12",
            " abcde fgh12 ",
            "AbCdE-fGh-12",
            "abcde-fghI2",
            "abcde-fghl2",
        ] {
            assert_eq!(normalize(typed).as_deref(), Some("ABCDEFGH12"), "{typed:?}");
        }
        assert_eq!(normalize("0oO00-00000").as_deref(), Some("0000000000"));
        for typed in [
            "",
            "abcde-fgh1",
            "abcde-fgh123",
            "abcde-fghu2",
            "abcde_fgh12",
            "ábcde-fgh12",
        ] {
            assert_eq!(normalize(typed), None, "{typed:?}");
        }
    }

    #[test]
    fn only_a_keyed_digest_is_kept_and_any_spelling_finds_it() {
        let stored = digest(&keys(), "abcde-fgh12").unwrap();
        assert!(!stored.to_lowercase().contains("abcdefgh12"));
        assert_eq!(
            lookup_digests(&keys(), "ABCDE FGHL2"),
            std::slice::from_ref(&stored)
        );
        let other = EncryptionKeys::new(EncryptionKey::from_bytes(&[4u8; 32]).unwrap(), Vec::new());
        assert_ne!(digest(&other, "abcde-fgh12").unwrap(), stored);
        assert!(lookup_digests(&keys(), "not a code").is_empty());
    }
}
