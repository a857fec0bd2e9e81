//! RFC 6238 written out here, independent of the server's TOTP code (which uses `totp-rs`), so
//! the tests compute the codes a user's authenticator app would show: HOTP's dynamic
//! truncation of HMAC-SHA-1 over the 30-second step. Checked against the RFC's Appendix B.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The `digits`-digit code of `secret` at Unix time `now`.
pub fn code_with_digits(secret: &[u8], now: u64, digits: u32) -> String {
    let step = now / 30;
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(&step.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[19] & 0x0f);
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    format!(
        "{:0width$}",
        binary % 10u32.pow(digits),
        width = digits as usize
    )
}

/// The 6-digit code an authenticator app shows for `secret` at `now`.
pub fn code(secret: &[u8], now: u64) -> String {
    code_with_digits(secret, now, 6)
}

#[test]
fn the_rfc_6238_appendix_b_vectors() {
    let secret = b"12345678901234567890";
    for (now, expected) in [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ] {
        assert_eq!(code_with_digits(secret, now, 8), expected, "at {now}");
        assert_eq!(code(secret, now), expected[2..], "at {now}");
    }
}

#[test]
fn the_server_accepts_what_an_authenticator_app_shows_and_nothing_else() {
    use roster::services::mfa::totp::{CodeCheck, TotpSecret, check};
    for _ in 0..20 {
        let secret = TotpSecret::generate().unwrap();
        let mut random = [0u8; 4];
        getrandom::fill(&mut random).unwrap();
        let now = 1_700_000_000 + u64::from(u32::from_be_bytes(random) % 100_000_000);
        let step = now / 30;
        for (at, expected) in [
            (now - 30, CodeCheck::Step(step - 1)),
            (now, CodeCheck::Step(step)),
            (now + 30, CodeCheck::Step(step + 1)),
        ] {
            let shown = code(secret.as_bytes(), at);
            assert_eq!(check(&secret, &shown, now), expected, "at {at}");
        }
        for at in [now - 60, now + 60] {
            let shown = code(secret.as_bytes(), at);
            // A farther step's code (unless it happens to equal a nearer one's: 1 in 10^6).
            let nearer = [now - 30, now, now + 30].map(|t| code(secret.as_bytes(), t));
            if !nearer.contains(&shown) {
                assert_eq!(check(&secret, &shown, now), CodeCheck::Wrong, "at {at}");
            }
        }
    }
}
