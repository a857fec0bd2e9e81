//! Recovery codes: ten per account, each ten Crockford base32 characters (50 random bits),
//! shown as `xxxxx-xxxxx` and accepted in any case, with or without the hyphen or spaces, with
//! Crockford's readings of look-alikes (`I` and `L` as `1`, `O` as `0`). Each works once,
//! decided by a conditional update. The database keeps only a keyed digest of each code
//! (HMAC-SHA256), under a random key per set that is itself sealed with the encryption key:
//! a copy of the database holds no usable code, and rotating the encryption key re-seals the
//! set's key like any other secret (a digest made under the encryption key itself could not be
//! carried over to a new one).

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use sha2::Sha256;
use uuid::Uuid;

use crate::db::entities::{recovery_code_sets, recovery_codes};
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

/// Bytes of a set's MAC key.
const MAC_KEY_BYTES: usize = 32;

/// The digest the database keeps of a code typed as `typed`, under a set's MAC key; `None` when
/// `typed` cannot be a code.
pub fn digest(mac_key: &[u8], typed: &str) -> Option<String> {
    let code = normalize(typed)?;
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(mac_key).expect("BUG: HMAC takes a key of any size");
    mac.update(code.as_bytes());
    Some(crate::auth::tokens::encode_base64(
        &mac.finalize().into_bytes(),
    ))
}

/// What a set's MAC key is sealed for: the set's account.
pub fn sealing_context(user_id: Uuid) -> String {
    format!("recovery_code_sets.mac_key:{user_id}")
}

/// A new set for `user_id`, replacing any other (whose codes stop working): the codes, to show
/// once. Call inside the transaction that decides the account may have them.
pub async fn issue(
    db: &impl ConnectionTrait,
    keys: &EncryptionKeys,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<String>> {
    discard(db, user_id).await?;
    let mut mac_key = [0u8; MAC_KEY_BYTES];
    getrandom::fill(&mut mac_key).map_err(|e| AppError::internal(e.to_string()))?;
    recovery_code_sets::Entity::insert(recovery_code_sets::ActiveModel {
        user_id: Set(user_id),
        mac_key: Set(keys.seal(&mac_key, &sealing_context(user_id))?),
        generated_at: Set(now),
    })
    .exec(db)
    .await?;
    let codes = generate()?;
    let rows = codes.iter().map(|code| recovery_codes::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user_id),
        digest: Set(digest(&mac_key, code).expect("BUG: a generated code reads as a code")),
        used_at: Set(None),
    });
    recovery_codes::Entity::insert_many(rows).exec(db).await?;
    Ok(codes)
}

/// Uses up the code typed as `typed`, if it is one of `user_id`'s unused codes: true for the one
/// caller that marks it used (of two concurrent uses, exactly one).
pub async fn redeem(
    db: &impl ConnectionTrait,
    keys: &EncryptionKeys,
    user_id: Uuid,
    typed: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(set) = recovery_code_sets::Entity::find_by_id(user_id)
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let mac_key = keys.open(&set.mac_key, &sealing_context(user_id))?;
    let Some(digest) = digest(&mac_key, typed) else {
        return Ok(false);
    };
    let used = recovery_codes::Entity::update_many()
        .col_expr(recovery_codes::Column::UsedAt, Expr::value(now))
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .filter(recovery_codes::Column::Digest.eq(digest))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(used.rows_affected == 1)
}

/// The unused codes of `user_id`'s set; `None` without a set.
pub async fn remaining(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Option<u64>> {
    let Some(_) = recovery_code_sets::Entity::find_by_id(user_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let unused = recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .count(db)
        .await?;
    Ok(Some(unused))
}

/// When `user_id`'s set was generated, if there is one.
pub async fn generated_at(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> AppResult<Option<DateTime<Utc>>> {
    Ok(recovery_code_sets::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|set| set.generated_at))
}

/// Removes `user_id`'s set and its codes.
pub async fn discard(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<()> {
    recovery_codes::Entity::delete_many()
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    recovery_code_sets::Entity::delete_by_id(user_id)
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let key = [3u8; MAC_KEY_BYTES];
        let stored = digest(&key, "abcde-fgh12").unwrap();
        assert!(!stored.to_lowercase().contains("abcdefgh12"));
        assert_eq!(
            digest(&key, "ABCDE FGHL2").as_deref(),
            Some(stored.as_str())
        );
        assert_ne!(
            digest(&[4u8; MAC_KEY_BYTES], "abcde-fgh12").unwrap(),
            stored
        );
        assert_eq!(digest(&key, "not a code"), None);
    }
}
