//! The encryption key: AES-256-GCM over the secrets Roster must read back (private signing keys
//! today; TOTP seeds and identity providers' client secrets later). Not the hashes: what is only
//! ever compared (passwords, tokens) is hashed, never encrypted.
//!
//! A sealed value is text, `{key id}.{base64url(nonce || ciphertext || tag)}`. The key id (a
//! short hash of the key) says which key sealed it, so a rotation can hold two keys and open
//! each value with the right one; the 96-bit nonce is random and fresh for every value. Each
//! value is bound to its context (the associated data: what the value is and whose), so a sealed
//! value copied into another row does not open there.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::config::{ENCRYPTION_KEY_BYTES, decode_base64};
use crate::error::{AppError, AppResult};

/// AES-GCM's standard nonce size.
const NONCE_BYTES: usize = 12;
/// Bytes of the key's hash that name it: enough to tell a handful of keys apart.
const KEY_ID_BYTES: usize = 6;

/// A 256-bit key that seals and opens values; never printed.
#[derive(Clone)]
pub struct EncryptionKey {
    cipher: Aes256Gcm,
    id: String,
}

impl EncryptionKey {
    /// The key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() != ENCRYPTION_KEY_BYTES {
            return Err(format!(
                "an encryption key is {ENCRYPTION_KEY_BYTES} bytes, not {}",
                bytes.len()
            ));
        }
        let cipher = Aes256Gcm::new_from_slice(bytes)
            .map_err(|_| "an encryption key is 32 bytes".to_owned())?;
        // A hash under a label of its own: the id says which key, and nothing about it.
        let digest = Sha256::new()
            .chain_update(b"roster encryption key id\0")
            .chain_update(bytes)
            .finalize();
        let id = URL_SAFE_NO_PAD.encode(&digest[..KEY_ID_BYTES]);
        Ok(Self { cipher, id })
    }

    /// The key from base64 (standard or URL-safe), as settings and the database hold it.
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = decode_base64(text.trim()).ok_or("the encryption key is not base64")?;
        Self::from_bytes(&bytes)
    }

    /// A new random key, and its base64 to store.
    pub fn generate() -> AppResult<(Self, String)> {
        let mut bytes = [0u8; ENCRYPTION_KEY_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
        let key = Self::from_bytes(&bytes).map_err(AppError::internal)?;
        let text = base64::engine::general_purpose::STANDARD.encode(bytes);
        Ok((key, text))
    }

    /// The id every value this key seals is tagged with.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `plaintext` sealed for `context` (what the value is and whose, such as
    /// `signing_keys.private_key:{kid}`): the same context opens it.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> AppResult<String> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|e| AppError::internal(e.to_string()))?;
        let payload = Payload {
            msg: plaintext,
            aad: context.as_bytes(),
        };
        let ciphertext = self
            .cipher
            .encrypt(&Nonce::from(nonce), payload)
            .map_err(|_| AppError::internal("encrypting a value failed"))?;
        let mut sealed = Vec::with_capacity(NONCE_BYTES + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(format!("{}.{}", self.id, URL_SAFE_NO_PAD.encode(sealed)))
    }

    /// The plaintext of a value this key sealed for `context`; an error when another key
    /// sealed it, or the value or its context was changed.
    pub fn open(&self, sealed: &str, context: &str) -> AppResult<Vec<u8>> {
        let (id, body) = sealed
            .split_once('.')
            .ok_or_else(|| AppError::internal("a sealed value has no key id"))?;
        if id != self.id {
            return Err(AppError::internal(format!(
                "a value was sealed under encryption key {id}, not the configured key {}",
                self.id
            )));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| AppError::internal("a sealed value is not base64url"))?;
        if bytes.len() < NONCE_BYTES {
            return Err(AppError::internal("a sealed value is too short"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().expect("BUG: split at the nonce's size");
        let payload = Payload {
            msg: ciphertext,
            aad: context.as_bytes(),
        };
        self.cipher
            .decrypt(&Nonce::from(nonce), payload)
            .map_err(|_| {
                AppError::internal(format!(
                    "a value sealed under encryption key {id} does not open: changed, or moved \
                     from another row"
                ))
            })
    }
}

/// The keys a replica seals and opens with: one key, or during a rotation the new key (which
/// seals) and the old one; a value opens with whichever key its id names.
#[derive(Clone, Debug)]
pub struct EncryptionKeys {
    sealing: EncryptionKey,
    others: Vec<EncryptionKey>,
}

impl EncryptionKeys {
    /// `sealing` seals and opens; `others` only open what they sealed before.
    pub fn new(sealing: EncryptionKey, others: Vec<EncryptionKey>) -> Self {
        let others = others
            .into_iter()
            .filter(|key| key.id() != sealing.id())
            .collect();
        Self { sealing, others }
    }

    /// The key new values are sealed with.
    pub fn sealing(&self) -> &EncryptionKey {
        &self.sealing
    }

    /// `plaintext` sealed for `context` with the sealing key.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> AppResult<String> {
        self.sealing.seal(plaintext, context)
    }

    /// The plaintext of `sealed`, opened with the key its id names.
    pub fn open(&self, sealed: &str, context: &str) -> AppResult<Vec<u8>> {
        let id = sealed.split_once('.').map(|(id, _)| id).unwrap_or_default();
        let key = std::iter::once(&self.sealing)
            .chain(&self.others)
            .find(|key| key.id() == id)
            .unwrap_or(&self.sealing);
        key.open(sealed, context)
    }

    /// Whether one of these keys sealed `sealed` (by its id; the tag is checked on opening).
    pub fn holds_key_of(&self, sealed: &str) -> bool {
        let id = sealed.split_once('.').map(|(id, _)| id).unwrap_or_default();
        std::iter::once(&self.sealing)
            .chain(&self.others)
            .any(|key| key.id() == id)
    }

    /// Whether `sealed` is already under the sealing key.
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed
            .split_once('.')
            .is_some_and(|(id, _)| id == self.sealing.id())
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> EncryptionKey {
        EncryptionKey::from_bytes(&[byte; ENCRYPTION_KEY_BYTES]).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_and_context() {
        let sealed = key(1).seal(b"private key", "row:1").unwrap();
        assert!(sealed.starts_with(&format!("{}.", key(1).id())), "{sealed}");
        assert!(!sealed.contains("private key"));
        assert_eq!(key(1).open(&sealed, "row:1").unwrap(), b"private key");
    }

    #[test]
    fn another_key_or_context_is_refused() {
        let sealed = key(1).seal(b"private key", "row:1").unwrap();
        assert!(key(2).open(&sealed, "row:1").is_err());
        // The same id but another key (a forged tag) still fails the authentication.
        let forged = sealed.replacen(key(1).id(), key(2).id(), 1);
        assert!(key(2).open(&forged, "row:1").is_err());
        assert!(key(1).open(&sealed, "row:2").is_err());
    }

    #[test]
    fn a_changed_value_is_refused() {
        let sealed = key(1).seal(b"private key", "row:1").unwrap();
        let (id, body) = sealed.split_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(body).unwrap();
        for at in [0, NONCE_BYTES, bytes.len() - 1] {
            bytes[at] ^= 1;
            let tampered = format!("{id}.{}", URL_SAFE_NO_PAD.encode(&bytes));
            assert!(key(1).open(&tampered, "row:1").is_err(), "byte {at}");
            bytes[at] ^= 1;
        }
        let truncated = format!("{id}.{}", URL_SAFE_NO_PAD.encode(&bytes[..20]));
        assert!(key(1).open(&truncated, "row:1").is_err());
        assert!(key(1).open("no-id", "row:1").is_err());
    }

    #[test]
    fn every_value_gets_a_fresh_nonce() {
        let first = key(1).seal(b"same", "row:1").unwrap();
        let second = key(1).seal(b"same", "row:1").unwrap();
        assert_ne!(first, second);
        let nonce = |sealed: &str| {
            URL_SAFE_NO_PAD
                .decode(sealed.split_once('.').unwrap().1)
                .unwrap()[..NONCE_BYTES]
                .to_vec()
        };
        assert_ne!(nonce(&first), nonce(&second));
    }

    #[test]
    fn keys_come_from_base64_of_32_bytes() {
        let (generated, text) = EncryptionKey::generate().unwrap();
        let read = EncryptionKey::from_base64(&text).unwrap();
        assert_eq!(read.id(), generated.id());
        assert_ne!(generated.id(), key(1).id());
        assert!(EncryptionKey::from_base64("c2hvcnQ=").is_err());
        assert!(EncryptionKey::from_base64("not base64!").is_err());
        assert!(!format!("{generated:?}").contains(&text));
    }

    #[test]
    fn during_a_rotation_both_keys_open_and_the_new_one_seals() {
        let old = key(1).seal(b"before", "row:1").unwrap();
        let keys = EncryptionKeys::new(key(2), vec![key(1)]);
        assert_eq!(keys.open(&old, "row:1").unwrap(), b"before");
        assert!(!keys.is_current(&old));
        let new = keys.seal(b"after", "row:2").unwrap();
        assert!(keys.is_current(&new));
        assert!(key(1).open(&new, "row:2").is_err());
        assert_eq!(key(2).open(&new, "row:2").unwrap(), b"after");
        let unknown = key(3).seal(b"other", "row:3").unwrap();
        assert!(keys.open(&unknown, "row:3").is_err());
    }
}
