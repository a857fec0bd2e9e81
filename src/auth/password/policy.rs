//! The policy a new password must meet: a length in characters (never truncated), no NUL, and
//! zxcvbn's strength, judged with the user's own email and names as known words. zxcvbn runs
//! on the blocking pool, and only on input within the length limit.

use crate::error::FieldErrors;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// zxcvbn's score 3 ("safely unguessable") starts just above 10^8 guesses, which is exactly
/// what zxcvbn estimates for 8 characters in which it finds no pattern at all: taken as is, no
/// 8-character password could ever pass and the documented minimum of 8 would be a lie. So
/// the bar is score 3's own, inclusive: at least 10^8 estimated guesses.
const MIN_GUESSES: u64 = 100_000_000;

/// Checks `password` against the policy and records every reason it fails on `field`.
///
/// `personal` holds the user's own email, username and names: zxcvbn counts a password built
/// from them as weak.
pub async fn check_policy(
    errors: &mut FieldErrors,
    field: &str,
    password: &str,
    personal: &[&str],
) {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        errors.add(
            field,
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        );
        return;
    }
    if length > MAX_PASSWORD_CHARS {
        errors.add(
            field,
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        );
        return;
    }
    if password.chars().any(|c| c == '\0') {
        errors.add(field, "must not contain NUL characters");
        return;
    }
    let mut inputs: Vec<String> = personal
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| (*s).to_owned())
        .collect();
    inputs.extend(
        personal
            .iter()
            .filter_map(|s| s.split_once('@').map(|(local, _)| local.to_owned())),
    );
    let password = password.to_owned();
    // A few milliseconds of CPU on a long input: off the runtime's workers.
    let verdict = tokio::task::spawn_blocking(move || weakness(&password, &inputs)).await;
    match verdict {
        Ok(Some(message)) => errors.add(field, message),
        Ok(None) => {}
        Err(error) => {
            tracing::error!(%error, "password strength check failed");
            errors.add(field, "could not be checked; try again");
        }
    }
}

/// zxcvbn's verdict: `None` when strong enough, else why not.
fn weakness(password: &str, personal: &[String]) -> Option<String> {
    let inputs: Vec<&str> = personal.iter().map(String::as_str).collect();
    let entropy = zxcvbn::zxcvbn(password, &inputs);
    if entropy.guesses() >= MIN_GUESSES {
        return None;
    }
    let mut message = String::from("is too weak");
    if let Some(warning) = entropy.feedback().and_then(|f| f.warning()) {
        message.push_str(&format!(": {warning}"));
    } else if let Some(suggestion) = entropy.feedback().and_then(|f| f.suggestions().first()) {
        message.push_str(&format!(": {suggestion}"));
    }
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(password: &str, personal: &[&str]) -> Vec<String> {
        let mut errors = FieldErrors::default();
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(check_policy(&mut errors, "password", password, personal));
        errors.fields().get("password").cloned().unwrap_or_default()
    }

    #[test]
    fn length_limits_are_in_characters_and_never_truncate() {
        assert!(policy("short", &[])[0].contains("at least 8"));
        assert!(policy(&"é".repeat(129), &[])[0].contains("at most 128"));
        assert!(policy("correct horse battery staple", &[]).is_empty());
    }

    #[test]
    fn weak_and_personal_passwords_are_refused() {
        for weak in [
            "password123",
            "aaaaaaaa",
            "qwertyuiop",
            "12345678",
            "Passw0rd!",
        ] {
            assert!(policy(weak, &[])[0].starts_with("is too weak"), "{weak}");
        }
        assert!(!policy("jonathan.doe1987", &["jonathan.doe1987@example.com"]).is_empty());
    }

    #[test]
    fn eight_characters_without_a_pattern_are_enough() {
        for strong in ["k#9Vq!2z", "T7%mW@4p", "x8$Lr0&N"] {
            assert!(
                policy(strong, &[]).is_empty(),
                "{strong}: {:?}",
                policy(strong, &[])
            );
        }
    }
}
