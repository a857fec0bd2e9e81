//! What each mail says, in plain text and in simple HTML: what happened or what the link does,
//! the link, when it expires, and what to do if it wasn't you. Nothing here reads the
//! database; the delivery task passes in the link it made.

use html_escape::{encode_double_quoted_attribute as attribute, encode_text as html};

/// A composed mail, ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A link to one of the console's pages, carrying a token.
pub fn link(public_url: &str, path: &str, token: &str) -> String {
    format!("{}/{path}?token={token}", public_url.trim_end_matches('/'))
}

/// The mail that proves an address: sent on registration, on request and to a new address.
pub fn verification(to: &str, link: &str, valid_hours: i64) -> Mail {
    Parts {
        subject: "Confirm your email address",
        intro: &format!("Please confirm that {to} is your email address by opening this link:"),
        action: Some(("Confirm my address", link)),
        expiry: &format!("The link works once and expires in {valid_hours} hours."),
        ignore: "If you did not create an account or add this address, ignore this mail: \
                 nothing changes until the link is opened.",
    }
    .to(to)
}

/// The mail with a password-reset link.
pub fn password_reset(to: &str, link: &str, valid_minutes: i64) -> Mail {
    Parts {
        subject: "Reset your password",
        intro: &format!(
            "Someone asked to reset the password of the account with the email address {to}. \
             To choose a new password, open this link:"
        ),
        action: Some(("Choose a new password", link)),
        expiry: &format!(
            "The link works once and expires in {valid_minutes} minutes. Setting a new \
             password signs the account out on every device."
        ),
        ignore: "If it wasn't you, ignore this mail: your password stays as it is.",
    }
    .to(to)
}

/// The notice to an account's previous address after its email was changed.
pub fn email_changed(old: &str, new: &str) -> Mail {
    Parts {
        subject: "Your email address was changed",
        intro: &format!(
            "The email address of your account was changed from {old} to {new}. Mail about \
             the account now goes to the new address; password-reset links go there only once \
             it is confirmed."
        ),
        action: None,
        expiry: "No link to open: this is a notice.",
        ignore: "If it wasn't you, someone may have access to your account: contact your \
                 administrator at once.",
    }
    .to(old)
}

/// The notice that a recovery code was used to sign in or confirm a step, with how many are
/// left. The code itself is never in it.
pub fn recovery_code_used(to: &str, remaining: u64) -> Mail {
    Parts {
        subject: "A recovery code was used",
        intro: &format!(
            "One of your account's recovery codes was just used in place of your authenticator \
             app. {remaining} unused codes are left; you can generate a new set from your \
             account page."
        ),
        action: None,
        expiry: "No link to open: this is a notice.",
        ignore: "If it wasn't you, someone has your password and a recovery code: change your \
                 password, generate new recovery codes and contact your administrator.",
    }
    .to(to)
}

/// The notice that an administrator removed the account's second factors.
pub fn mfa_reset(to: &str) -> Mail {
    Parts {
        subject: "Two-factor authentication was reset",
        intro: "An administrator removed the authenticator apps and recovery codes of your \
                account and signed it out everywhere. Sign in with your password and set up \
                two-factor authentication again.",
        action: None,
        expiry: "No link to open: this is a notice.",
        ignore: "If you did not ask for this, contact your administrator at once.",
    }
    .to(to)
}

pub fn identity_linked(to: &str) -> Mail {
    Parts {
        subject: "A new way to sign in was added",
        intro: "An account at an identity provider (such as Google or GitHub) was linked to \
                your account: it can now sign in to it. The account page lists your sign-in \
                methods.",
        action: None,
        expiry: "No link to open: this is a notice.",
        ignore: "If this was not you, unlink it on your account page at once and change your \
                 password.",
    }
    .to(to)
}

pub fn identity_unlinked(to: &str) -> Mail {
    Parts {
        subject: "A way to sign in was removed",
        intro: "An account at an identity provider was unlinked from your account: it no \
                longer signs in to it.",
        action: None,
        expiry: "No link to open: this is a notice.",
        ignore: "If this was not you, sign in, check your sign-in methods and change your \
                 password.",
    }
    .to(to)
}

pub fn passkey_added(to: &str) -> Mail {
    Parts {
        subject: "A passkey was added to your account",
        intro: "A passkey was added to your account: the device or password manager that holds \
                it can now sign in to it. The account page lists your passkeys.",
        action: None,
        expiry: "No link to open: this is a notice.",
        ignore: "If this was not you, remove it on your account page at once and change your \
                 password.",
    }
    .to(to)
}

pub fn passkey_removed(to: &str) -> Mail {
    Parts {
        subject: "A passkey was removed from your account",
        intro: "A passkey was removed from your account: it no longer signs in to it.",
        action: None,
        expiry: "No link to open: this is a notice.",
        ignore: "If this was not you, sign in, check your passkeys and sign-in methods and \
                 change your password.",
    }
    .to(to)
}

/// What every mail says, in this order.
struct Parts<'a> {
    subject: &'a str,
    /// What happened, or what the link does.
    intro: &'a str,
    /// The link and its button's label.
    action: Option<(&'a str, &'a str)>,
    expiry: &'a str,
    /// What to do if it wasn't you.
    ignore: &'a str,
}

impl Parts<'_> {
    fn to(&self, to: &str) -> Mail {
        let Parts {
            subject,
            intro,
            action,
            expiry,
            ignore,
        } = self;
        let link = action
            .map(|(_, url)| format!("{url}\n\n"))
            .unwrap_or_default();
        Mail {
            to: to.to_owned(),
            subject: (*subject).to_owned(),
            text: format!("{intro}\n\n{link}{expiry}\n\n{ignore}\n"),
            html: page(subject, intro, *action, expiry, ignore),
        }
    }
}

/// A plain HTML page: a heading, the intro, a button-like link with the URL spelt out below
/// it (for clients that show no links), the expiry and the "wasn't you" line.
fn page(
    title: &str,
    intro: &str,
    action: Option<(&str, &str)>,
    expiry: &str,
    ignore: &str,
) -> String {
    let action = action
        .map(|(label, url)| {
            format!(
                "<p><a href=\"{url}\" style=\"display:inline-block;padding:10px 16px;\
                 background:#1f4fd1;color:#ffffff;text-decoration:none;border-radius:4px\">\
                 {label}</a></p>\n<p style=\"font-size:13px;color:#555555\">{text}</p>\n",
                url = attribute(url),
                text = html(url),
                label = html(label),
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif;line-height:1.5\">\n\
         <h1 style=\"font-size:20px\">{title}</h1>\n<p>{intro}</p>\n{action}<p>{expiry}</p>\n\
         <p style=\"color:#555555\">{ignore}</p>\n</body></html>\n",
        title = html(title),
        intro = html(intro),
        expiry = html(expiry),
        ignore = html(ignore),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_addresses_are_escaped_in_html_and_whole_in_text() {
        let link = link("https://id.example.com/", "verify-email", "abc_-123");
        assert_eq!(link, "https://id.example.com/verify-email?token=abc_-123");
        let mail = verification("o'brien+<x>@example.com", &link, 24);
        assert!(mail.text.contains(&link));
        assert!(mail.text.contains("24 hours"));
        assert!(mail.html.contains(&format!("href=\"{link}\"")));
        assert!(!mail.html.contains("<x>"));
        assert!(mail.html.contains("&lt;x&gt;"));
    }

    #[test]
    fn each_mail_says_when_it_expires_and_what_if_it_was_not_you() {
        let reset = password_reset("a@example.com", "http://h/reset-password?token=t", 30);
        assert!(reset.text.contains("30 minutes"));
        assert!(reset.text.contains("If it wasn't you"));
        let notice = email_changed("old@example.com", "new@example.com");
        assert_eq!(notice.to, "old@example.com");
        assert!(notice.text.contains("new@example.com"));
        assert!(notice.text.contains("If it wasn't you"));
    }
}
