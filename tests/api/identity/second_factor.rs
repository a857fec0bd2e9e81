//! No provider sign-in goes around a second factor: linking an account that has one asks for
//! it after the password, and a linked identity of such an account gets `SecondFactorRequired`
//! from `completeOAuth`, never tokens; only `verifySecondFactor` opens the session.

use roster::db::entities::users;
use sea_orm::sea_query::Expr;
use serde_json::json;

use super::{
    SIGN_IN, SLUG, assert_names_the_provider, connect, linked_providers, my_events, sign_in_via,
    verified,
};
use crate::mfa::{enrolled, verify_totp};
use crate::support::auth::{session_rows, set_user_column};
use crate::support::{PASSWORD, TestApp, Tokens, assert_ok};

per_backend!(an_account_with_a_second_factor_needs_it_after_the_provider);

async fn an_account_with_a_second_factor_needs_it_after_the_provider(app: TestApp) {
    let accounts = [("erin", verified("erin-subject", "erin@example.com"))];
    let Some(provider) = connect(&app, &accounts, json!({})).await else {
        return;
    };
    let mut erin = enrolled(&app, "erin@example.com").await;
    let verified_email = Expr::value(true);
    set_user_column(
        &app,
        erin.user_id(),
        users::Column::EmailVerified,
        verified_email,
    )
    .await;

    // Linking: the password and the link token ask for the second factor too.
    let result = sign_in_via(&app, &provider, "erin").await;
    assert_eq!(result["__typename"], "AccountLinkRequired", "{result}");
    let link_token = result["linkToken"].as_str().unwrap();
    let input =
        json!({ "login": "erin@example.com", "password": PASSWORD, "linkToken": link_token });
    let body = app.gql(SIGN_IN, json!({ "input": input }), None).await;
    assert_ok(&body);
    let asked = &body["data"]["signIn"];
    assert_eq!(asked["__typename"], "SecondFactorRequired", "{body}");
    let code = erin.device.next_code().await;
    let body = verify_totp(&app, asked["challengeToken"].as_str().unwrap(), &code).await;
    assert_ok(&body);
    let linked = Tokens::from_payload(&body, "verifySecondFactor");
    assert_eq!(linked.user_id, erin.user_id());
    assert_eq!(linked_providers(&app, &linked.access).await, [SLUG]);

    // The linked identity signs in only as far as the second factor.
    let sessions_before = session_rows(&app, erin.user_id()).await.len();
    let result = sign_in_via(&app, &provider, "erin").await;
    assert_eq!(result["__typename"], "SecondFactorRequired", "{result}");
    assert_eq!(result["methods"], json!(["TOTP", "RECOVERY_CODE"]));
    assert!(result.get("accessToken").is_none(), "{result}");
    assert_eq!(
        session_rows(&app, erin.user_id()).await.len(),
        sessions_before
    );

    let code = erin.device.next_code().await;
    let body = verify_totp(&app, result["challengeToken"].as_str().unwrap(), &code).await;
    assert_ok(&body);
    let session = &body["data"]["verifySecondFactor"]["session"];
    assert_eq!(session["assuranceLevel"], "AAL2", "{body}");
    assert_eq!(session["authenticationMethods"], json!(["OIDC", "TOTP"]));
    let signed_in = Tokens::from_payload(&body, "verifySecondFactor");
    assert_eq!(signed_in.user_id, erin.user_id());
    let logins = my_events(&app, &signed_in.access, "LOGIN_SUCCEEDED").await;
    assert_names_the_provider(logins.last().unwrap());
}
