//! TOTP (RFC 6238) as every authenticator app honours it: HMAC-SHA-1, 6 digits, 30-second
//! steps, a 160-bit secret from the OS. `totp-rs` computes and compares the codes; what is
//! Roster's is which steps count (the previous, current and next one) and that a factor accepts
//! each step once: `is_fresh` says whether a matched step is newer than the last one the factor
//! accepted, and the caller records it with a conditional update, so two concurrent uses of one
//! code let exactly one through.

use std::fmt;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use totp_rs::{Algorithm, Builder, Secret};

use crate::error::{AppError, AppResult};

/// Digits of a code.
pub const DIGITS: usize = 6;
/// Seconds a code lasts.
pub const STEP_SECS: u64 = 30;
/// Steps either side of the current one that are accepted (clock drift, a code typed late).
const SKEW: u16 = 1;
/// 160 bits, RFC 4226's recommended secret size.
pub const SECRET_BYTES: usize = 20;

/// A factor's shared secret; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    /// A new random secret from the OS.
    pub fn generate() -> AppResult<Self> {
        let mut bytes = vec![0u8; SECRET_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
        Ok(Self(bytes))
    }

    /// The secret from its bytes, as the database keeps them (sealed).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Base32 without padding (32 characters for 160 bits): what a user types into an app.
    pub fn base32(&self) -> String {
        Secret::from(self.0.as_slice()).to_base32()
    }

    /// `otpauth://totp/{issuer}:{account}?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30`:
    /// what a QR code carries. Every parameter is spelled out, as some apps do not assume the
    /// defaults.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let issuer = utf8_percent_encode(issuer, NON_ALPHANUMERIC).to_string();
        let account = utf8_percent_encode(account, NON_ALPHANUMERIC).to_string();
        format!(
            "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            self.base32()
        )
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

/// What a code typed by a user is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Not 6 digits (spaces aside).
    Malformed,
    /// 6 digits, of no step in the window.
    Wrong,
    /// The code of this step (Unix time / 30).
    Step(u64),
}

/// Checks `code` (spaces ignored) against `secret` at `now` (Unix seconds): the step it is the
/// code of, among the previous, current and next one.
pub fn check(secret: &TotpSecret, code: &str, now: u64) -> CodeCheck {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return CodeCheck::Malformed;
    }
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS as u8)
        .with_step_duration(STEP_SECS)
        .with_skew(SKEW)
        .with_secret(secret.as_bytes())
        .build_noncompliant();
    match totp.check(&digits, now) {
        Some(step) => CodeCheck::Step(step),
        None => CodeCheck::Wrong,
    }
}

/// What a TOTP secret is sealed for: its enrolment, whose id its factor keeps.
pub fn sealing_context(id: uuid::Uuid) -> String {
    format!("totp.secret:{id}")
}

/// Whether a factor that last accepted `last_used` may accept `step`: only a later step, so a
/// code is never accepted twice, nor one older than a code already used.
pub fn is_fresh(step: u64, last_used: Option<u64>) -> bool {
    last_used.is_none_or(|last| step > last)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, Appendix B: the SHA-1 secret is the ASCII of "12345678901234567890".
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    /// The RFC's 8-digit SHA-1 vectors (time, code); a 6-digit code is the last six digits.
    const RFC_VECTORS: [(u64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn codes_are_rfc_6238() {
        let secret = TotpSecret::from_bytes(RFC_SECRET);
        for (time, code) in RFC_VECTORS {
            let six = &code[2..];
            assert_eq!(
                check(&secret, six, time),
                CodeCheck::Step(time / 30),
                "{time}"
            );
        }
    }

    #[test]
    fn the_neighbouring_steps_count_and_no_farther_one() {
        let secret = TotpSecret::from_bytes(RFC_SECRET);
        // "287082" is the code of step 1 (t = 30..59).
        for (now, expected) in [
            (0, CodeCheck::Step(1)),
            (45, CodeCheck::Step(1)),
            (89, CodeCheck::Step(1)),
            (90, CodeCheck::Wrong),
            (150, CodeCheck::Wrong),
        ] {
            assert_eq!(check(&secret, "287082", now), expected, "at {now}");
        }
    }

    #[test]
    fn spaces_are_ignored_and_anything_but_six_digits_is_malformed() {
        let secret = TotpSecret::from_bytes(RFC_SECRET);
        assert_eq!(check(&secret, " 287 082 ", 59), CodeCheck::Step(1));
        for code in ["", "28708", "2870821", "28708a", "２８７０８２", "287-082"] {
            assert_eq!(check(&secret, code, 59), CodeCheck::Malformed, "{code:?}");
        }
        assert_eq!(check(&secret, "000000", 59), CodeCheck::Wrong);
    }

    #[test]
    fn each_step_is_accepted_once_and_never_an_older_one() {
        assert!(is_fresh(10, None));
        assert!(is_fresh(11, Some(10)));
        assert!(!is_fresh(10, Some(10)));
        assert!(!is_fresh(9, Some(10)));
    }

    #[test]
    fn secrets_are_160_random_bits_shown_as_32_base32_characters() {
        let secret = TotpSecret::generate().unwrap();
        assert_eq!(secret.as_bytes().len(), SECRET_BYTES);
        assert_ne!(secret, TotpSecret::generate().unwrap());
        let text = secret.base32();
        assert_eq!(text.len(), 32);
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
        assert!(!format!("{secret:?}").contains(&text));
        // RFC 4648's example alphabet check: "12345678901234567890" in base32.
        assert_eq!(
            TotpSecret::from_bytes(RFC_SECRET).base32(),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
    }

    #[test]
    fn the_otpauth_uri_spells_out_every_parameter() {
        let secret = TotpSecret::from_bytes(RFC_SECRET);
        assert_eq!(
            secret.otpauth_uri("Roster Inc", "ada@example.com"),
            "otpauth://totp/Roster%20Inc:ada%40example%2Ecom?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Roster%20Inc&algorithm=SHA1&digits=6&period=30"
        );
    }
}
