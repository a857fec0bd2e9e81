//! A provider sign-in with the email of an account that exists: the person proves the account
//! with its password and the link token, which links the identity inside that sign-in; a link
//! token works once and a wrong password links nothing; the address in other letters is the
//! same address. An account whose email is unverified is never linked (`account_unavailable`);
//! with `autoLinkVerifiedEmail`, a verified one is linked and signed in at once.

use roster::db::entities::users;
use sea_orm::sea_query::Expr;
use serde_json::{Value, json};

use super::{
    Connected, SIGN_IN, SLUG, assert_names_the_provider, connect, linked_providers, my_events,
    refused_flow, session_of, sign_in_via, verified,
};
use crate::support::auth::{set_user_column, user_count};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, error_fields};

per_backend!(
    an_existing_account_links_once_its_password_is_proved,
    an_unverified_account_is_never_linked_and_a_verified_one_may_be_at_once,
);

/// Registers `email` with `PASSWORD` and marks the address verified, as its link would.
async fn verified_account(app: &TestApp, email: &str) -> String {
    let tokens = app.register(email).await;
    let verified = Expr::value(true);
    set_user_column(app, &tokens.user_id, users::Column::EmailVerified, verified).await;
    tokens.user_id
}

/// A provider sign-in that must ask to link an existing account; the link token.
async fn link_required(app: &TestApp, provider: &Connected, login: &str, email: &str) -> String {
    let result = sign_in_via(app, provider, login).await;
    assert_eq!(result["__typename"], "AccountLinkRequired", "{result}");
    assert_eq!(result["email"], email, "{result}");
    assert_eq!(result["provider"]["slug"], SLUG, "{result}");
    let expires: chrono::DateTime<chrono::Utc> =
        result["expiresAt"].as_str().unwrap().parse().unwrap();
    let left = expires - chrono::Utc::now();
    assert!(
        left > chrono::Duration::minutes(29) && left <= chrono::Duration::minutes(30),
        "{result}"
    );
    result["linkToken"].as_str().unwrap().to_owned()
}

async fn sign_in_linking(app: &TestApp, login: &str, password: &str, link_token: &str) -> Value {
    let input = json!({ "login": login, "password": password, "linkToken": link_token });
    app.gql(SIGN_IN, json!({ "input": input }), None).await
}

async fn an_existing_account_links_once_its_password_is_proved(app: TestApp) {
    let accounts = [
        ("bob", verified("bob-subject", "bob@example.com")),
        // Another identity at the provider, reporting bob's address in other letters: the same
        // address, as Roster compares addresses.
        (
            "bob-capitalised",
            verified("bob-other-subject", "Bob@Example.COM"),
        ),
    ];
    let Some(provider) = connect(&app, &accounts, json!({})).await else {
        return;
    };
    let bob = verified_account(&app, "bob@example.com").await;
    let users_before = user_count(&app).await;

    // The provider's word about the address is not enough: no session, no new account.
    let first = link_required(&app, &provider, "bob", "bob@example.com").await;
    assert_eq!(user_count(&app).await, users_before);

    // A wrong password opens nothing and links nothing.
    let body = sign_in_linking(&app, "bob@example.com", "not bob's password", &first).await;
    assert_code(&body, "UNAUTHENTICATED");
    assert_eq!(body["errors"][0]["message"], "invalid credentials");
    let session = app.login("bob@example.com", PASSWORD).await;
    assert_eq!(session.user_id, bob);
    assert!(linked_providers(&app, &session.access).await.is_empty());

    // The right password with the token: a session, and the identity linked.
    let token = link_required(&app, &provider, "bob", "bob@example.com").await;
    let body = sign_in_linking(&app, "bob@example.com", PASSWORD, &token).await;
    assert_ok(&body);
    let signed_in = &body["data"]["signIn"];
    assert_eq!(signed_in["__typename"], "AuthPayload", "{body}");
    assert_eq!(signed_in["user"]["id"], bob.as_str());
    let access = signed_in["accessToken"].as_str().unwrap();
    assert_eq!(linked_providers(&app, access).await, [SLUG]);
    let linked = my_events(&app, access, "IDENTITY_LINKED").await;
    assert_eq!(linked.len(), 1, "{linked:?}");

    // The token is spent.
    let again = sign_in_linking(&app, "bob@example.com", PASSWORD, &token).await;
    assert_code(&again, "BAD_USER_INPUT");
    assert!(error_fields(&again).get("linkToken").is_some(), "{again}");
    let made_up = sign_in_linking(&app, "bob@example.com", PASSWORD, "no-such-token").await;
    assert_code(&made_up, "BAD_USER_INPUT");
    assert!(
        error_fields(&made_up).get("linkToken").is_some(),
        "{made_up}"
    );

    // From now on the provider signs bob in.
    let via = session_of(&sign_in_via(&app, &provider, "bob").await);
    assert_eq!(via.user_id, bob);
    assert_eq!(user_count(&app).await, users_before);
    let logins = my_events(&app, &via.access, "LOGIN_SUCCEEDED").await;
    assert_names_the_provider(logins.last().unwrap());

    // The address in other letters is still bob's: no second account for it.
    link_required(&app, &provider, "bob-capitalised", "bob@example.com").await;
    assert_eq!(user_count(&app).await, users_before);
}

async fn an_unverified_account_is_never_linked_and_a_verified_one_may_be_at_once(app: TestApp) {
    let accounts = [
        ("carol", verified("carol-subject", "carol@example.com")),
        ("dave", verified("dave-subject", "dave@example.com")),
    ];
    let settings = json!({ "autoLinkVerifiedEmail": true });
    let Some(provider) = connect(&app, &accounts, settings).await else {
        return;
    };
    // Carol's address was never verified: whoever controls it at the provider is not
    // necessarily carol.
    let carol = app.register("carol@example.com").await;
    let users_before = user_count(&app).await;
    let reason = refused_flow(&app, &provider, "carol", "SIGN_IN", None).await;
    assert_eq!(reason, "account_unavailable");
    assert!(linked_providers(&app, &carol.access).await.is_empty());
    assert_eq!(user_count(&app).await, users_before);

    // Dave's is verified and the provider links by verified address: signed in at once.
    let dave = verified_account(&app, "dave@example.com").await;
    let result = sign_in_via(&app, &provider, "dave").await;
    let via = session_of(&result);
    assert_eq!(via.user_id, dave);
    assert_eq!(result["session"]["authenticationMethods"], json!(["OIDC"]));
    assert_eq!(linked_providers(&app, &via.access).await, [SLUG]);
    let linked = my_events(&app, &via.access, "IDENTITY_LINKED").await;
    assert_eq!(linked.len(), 1, "{linked:?}");
}
