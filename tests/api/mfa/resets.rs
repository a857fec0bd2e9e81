//! A reset link proves the mailbox, not the second factor: `resetPassword` on an account with
//! one sets the password and ends the sessions but answers with a challenge, and
//! `completePasswordReset` answers `SecondFactorRequired`; only the second factor opens a
//! session.

use serde_json::{Value, json};

use super::{assert_refused, enrolled, sign_in, verify_totp};
use crate::recovery::request_reset;
use crate::support::auth::{assert_refused as assert_token_refused, refresh};
use crate::support::documents::RESET;
use crate::support::smtp::MailServer;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok};

per_backend!(mail;
    reset_password_sets_the_password_but_opens_no_session_without_the_second_factor,
    complete_password_reset_asks_for_the_second_factor_of_accounts_that_have_one,
);

const NEW_PASSWORD: &str = "a new and rather long passphrase";

const COMPLETE: &str = "mutation($token: String!, $password: String!) {
  completePasswordReset(token: $token, newPassword: $password) {
    __typename
    ... on AuthPayload {
      accessToken refreshToken user { id }
      session { assuranceLevel authenticationMethods }
    }
    ... on SecondFactorRequired { challengeToken expiresAt methods }
  }
}";

const VERIFY_WITH_SESSION: &str = "mutation($challenge: String!, $input: SecondFactorInput!) {
  verifySecondFactor(challengeToken: $challenge, input: $input) {
    accessToken session { assuranceLevel authenticationMethods }
  }
}";

/// The newest reset link's token mailed to `to`, once `count` reset mails have arrived.
async fn reset_token(mail: &MailServer, to: &str, count: usize) -> String {
    for _ in 0..400 {
        let resets: Vec<_> = mail
            .to(to)
            .into_iter()
            .filter(|m| m.subject().contains("Reset"))
            .collect();
        if resets.len() >= count {
            return resets[count - 1].token("reset-password");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no reset mail {count} to {to} within 20 s");
}

async fn reset_password_sets_the_password_but_opens_no_session_without_the_second_factor(
    app: TestApp,
    mail: MailServer,
) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    request_reset(&app, "ada@example.com").await;
    let token = reset_token(&mail, "ada@example.com", 1).await;
    let variables = json!({ "token": token, "password": NEW_PASSWORD });
    let body = app.gql(RESET, variables.clone(), None).await;
    assert_refused(&body, "FORBIDDEN", "SECOND_FACTOR_REQUIRED");
    assert_eq!(body["data"], Value::Null, "{body}");
    assert!(!body.to_string().contains("accessToken"), "{body}");
    let extensions = &body["errors"][0]["extensions"];
    assert_eq!(extensions["methods"], json!(["TOTP", "RECOVERY_CODE"]));
    let challenge = extensions["challengeToken"].as_str().unwrap().to_owned();

    // The password is set and every session ended, the one that enrolled included.
    assert_token_refused(&app, &ada.tokens.access).await;
    assert_code(&refresh(&app, &ada.tokens.refresh).await, "UNAUTHENTICATED");
    assert_code(
        &sign_in(&app, &ada.email, PASSWORD).await,
        "UNAUTHENTICATED",
    );
    let with_new = sign_in(&app, &ada.email, NEW_PASSWORD).await;
    assert_eq!(
        with_new["data"]["signIn"]["__typename"], "SecondFactorRequired",
        "{with_new}"
    );
    // The link is used up.
    let again = app.gql(RESET, variables, None).await;
    assert_code(&again, "BAD_USER_INPUT");

    // The app's code finishes what the link began: proved by the link and the app.
    let wrong = verify_totp(&app, &challenge, &ada.device.wrong_code()).await;
    assert_refused(&wrong, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
    let code = ada.device.next_code().await;
    let input = json!({ "challenge": challenge, "input": { "totpCode": code } });
    let opened = app.gql(VERIFY_WITH_SESSION, input, None).await;
    assert_ok(&opened);
    let session = &opened["data"]["verifySecondFactor"]["session"];
    assert_eq!(
        session["authenticationMethods"],
        json!(["PASSWORD_RESET", "TOTP"])
    );
    assert_eq!(session["assuranceLevel"], "AAL2");
}

async fn complete_password_reset_asks_for_the_second_factor_of_accounts_that_have_one(
    app: TestApp,
    mail: MailServer,
) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    let bob = app.register("bob@example.com").await;

    request_reset(&app, "ada@example.com").await;
    let token = reset_token(&mail, "ada@example.com", 1).await;
    let variables = json!({ "token": token, "password": NEW_PASSWORD });
    let body = app.gql(COMPLETE, variables, None).await;
    assert_ok(&body);
    let result = &body["data"]["completePasswordReset"];
    assert_eq!(result["__typename"], "SecondFactorRequired", "{body}");
    assert!(result.get("accessToken").is_none());
    assert_eq!(result["methods"], json!(["TOTP", "RECOVERY_CODE"]));
    assert_token_refused(&app, &ada.tokens.access).await;
    let challenge = result["challengeToken"].as_str().unwrap();
    let code = ada.device.next_code().await;
    let input = json!({ "challenge": challenge, "input": { "totpCode": code } });
    let opened = app.gql(VERIFY_WITH_SESSION, input, None).await;
    assert_ok(&opened);
    assert_eq!(
        opened["data"]["verifySecondFactor"]["session"]["authenticationMethods"],
        json!(["PASSWORD_RESET", "TOTP"])
    );

    // Without a second factor: the session at once.
    request_reset(&app, "bob@example.com").await;
    let token = reset_token(&mail, "bob@example.com", 1).await;
    let variables = json!({ "token": token, "password": NEW_PASSWORD });
    let body = app.gql(COMPLETE, variables, None).await;
    assert_ok(&body);
    let result = &body["data"]["completePasswordReset"];
    assert_eq!(result["__typename"], "AuthPayload", "{body}");
    assert_eq!(result["user"]["id"], bob.user_id.as_str());
    assert_eq!(
        result["session"]["authenticationMethods"],
        json!(["PASSWORD_RESET"])
    );
    assert_token_refused(&app, &bob.access).await;
    let access = result["accessToken"].as_str().unwrap();
    crate::support::auth::assert_me_is(&crate::support::auth::me(&app, access).await, &bob.user_id);
}
