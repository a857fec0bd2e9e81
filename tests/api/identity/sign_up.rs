//! Signing up and in with a provider: a verified email the provider asserts makes an account
//! without a password, its subject signs in to that account again whatever email the provider
//! reports later (and not once the account is deactivated), and what a flow refuses (an
//! unverified email, a cancelled login, a code without its verifier or used twice, a start
//! with a wrong field, a disabled provider). An account without a password: no password login,
//! no password change, one `setPassword` after a fresh sign-in, and never without a way to sign
//! in (no unlink, no deleting its provider).

use chrono::Duration;
use serde_json::json;

use super::{
    Returned, SET_PASSWORD, SIGN_IN_PROVIDERS, SLUG, START_OAUTH, UNLINK, age_sign_ins,
    assert_names_the_provider, complete_oauth, connect, connect_client, me, my_events,
    redirect_uri, refused_flow, roster_client, session_of, sign_in_via, start_oauth,
    through_provider, verified,
};
use crate::mfa::assert_refused;
use crate::support::auth::{deactivate_in_database, user_count};
use crate::support::documents::CHANGE_PASSWORD;
use crate::support::oidc_provider::{AtProvider, OidcAccount, pkce_pair};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, error_fields};

per_backend!(
    a_verified_email_signs_up_and_the_subject_signs_in_again,
    what_a_flow_refuses,
    an_account_without_a_password,
);

async fn a_verified_email_signs_up_and_the_subject_signs_in_again(app: TestApp) {
    let accounts = [
        ("ada", verified("ada-subject", "ada@example.com")),
        // The same person after changing their address at the provider.
        (
            "ada-renamed",
            verified("ada-subject", "ada.lovelace@example.com"),
        ),
    ];
    // ID tokens in ES256 here (RS256 elsewhere): Roster takes the algorithm the provider
    // publishes a key for.
    let client = roster_client(&app).signing_id_tokens_with("ES256");
    let Some(provider) = connect_client(&app, client, &accounts, json!({})).await else {
        return;
    };
    let users_before = user_count(&app).await;

    let result = sign_in_via(&app, &provider, "ada").await;
    let ada = session_of(&result);
    assert_eq!(result["user"]["email"], "ada@example.com", "{result}");
    assert_eq!(result["user"]["emailVerified"], true, "{result}");
    assert_eq!(result["user"]["hasPassword"], false, "{result}");
    assert_eq!(result["session"]["authenticationMethods"], json!(["OIDC"]));
    assert_eq!(user_count(&app).await, users_before + 1);

    let viewer = me(&app, &ada.access).await;
    assert_eq!(viewer["id"], ada.user_id.as_str());
    assert_eq!(viewer["hasPassword"], false);
    let identities = viewer["identities"].as_array().unwrap();
    assert_eq!(identities.len(), 1, "{viewer}");
    assert_eq!(
        identities[0]["provider"],
        json!({ "slug": SLUG, "displayName": "Test Provider", "kind": "OIDC" })
    );
    assert_eq!(identities[0]["email"], "ada@example.com");
    let registered = my_events(&app, &ada.access, "REGISTERED").await;
    assert_eq!(registered.len(), 1, "{registered:?}");
    assert_names_the_provider(&registered[0]);

    // The same subject again: a new session of the same account.
    let again = session_of(&sign_in_via(&app, &provider, "ada").await);
    assert_eq!(again.user_id, ada.user_id);
    assert_ne!(again.access, ada.access);
    let logins = my_events(&app, &again.access, "LOGIN_SUCCEEDED").await;
    assert_names_the_provider(logins.last().expect("a LOGIN_SUCCEEDED event"));

    // The provider now reports another address for the same subject: still the same account,
    // and the identity shows the address as last reported.
    let renamed = session_of(&sign_in_via(&app, &provider, "ada-renamed").await);
    assert_eq!(renamed.user_id, ada.user_id);
    assert_eq!(user_count(&app).await, users_before + 1);
    let viewer = me(&app, &renamed.access).await;
    assert_eq!(viewer["identities"][0]["email"], "ada.lovelace@example.com");
    assert!(!viewer["identities"][0]["lastUsedAt"].is_null(), "{viewer}");

    // A deactivated account is not signed in to, by the provider either.
    deactivate_in_database(&app, &ada.user_id).await;
    let reason = refused_flow(&app, &provider, "ada", "SIGN_IN", None).await;
    assert_eq!(reason, "account_unavailable");
    assert_eq!(user_count(&app).await, users_before + 1);
}

async fn what_a_flow_refuses(app: TestApp) {
    let accounts = [
        (
            "eve",
            OidcAccount::new("eve-subject", "eve@example.com", false),
        ),
        ("fay", verified("fay-subject", "fay@example.com")),
    ];
    let Some(provider) = connect(&app, &accounts, json!({})).await else {
        return;
    };
    let users_before = user_count(&app).await;

    // An address the provider does not vouch for makes no account.
    let reason = refused_flow(&app, &provider, "eve", "SIGN_IN", None).await;
    assert_eq!(reason, "email_not_verified");
    // Nor does a person who cancels at the provider.
    let started = start_oauth(&app, "SIGN_IN", None).await;
    let returned = through_provider(&app, &provider, &started, AtProvider::Cancel).await;
    assert!(
        matches!(&returned, Returned::Error(reason) if reason == "access_denied"),
        "{returned:?}"
    );
    assert_eq!(user_count(&app).await, users_before);

    // The code is useless without the verifier whose challenge started the flow.
    let started = start_oauth(&app, "SIGN_IN", None).await;
    let Returned::Code(code) =
        through_provider(&app, &provider, &started, AtProvider::SignIn("fay")).await
    else {
        panic!("fay's flow returned no code");
    };
    let (other_verifier, _) = pkce_pair();
    for verifier in [other_verifier.as_str(), "", &started.verifier[..42]] {
        let body = complete_oauth(&app, &code, verifier).await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(error_fields(&body).get("code").is_some(), "{body}");
        assert!(!body.to_string().contains("accessToken"), "{body}");
    }

    // A code works once.
    let started = start_oauth(&app, "SIGN_IN", None).await;
    let Returned::Code(code) =
        through_provider(&app, &provider, &started, AtProvider::SignIn("fay")).await
    else {
        panic!("fay's flow returned no code");
    };
    let body = complete_oauth(&app, &code, &started.verifier).await;
    assert_ok(&body);
    let fay = session_of(&body["data"]["completeOAuth"]);
    assert_eq!(me(&app, &fay.access).await["email"], "fay@example.com");
    let again = complete_oauth(&app, &code, &started.verifier).await;
    assert_code(&again, "BAD_USER_INPUT");
    assert!(error_fields(&again).get("code").is_some(), "{again}");
    // An unknown code reads the same.
    let unknown = complete_oauth(&app, "not-a-code-roster-gave", &started.verifier).await;
    assert_code(&unknown, "BAD_USER_INPUT");
    assert_eq!(
        unknown["errors"][0]["message"], again["errors"][0]["message"],
        "{unknown}"
    );

    // What `startOAuth` refuses, field by field.
    let (_, challenge) = pkce_pair();
    let valid =
        json!({ "provider": SLUG, "redirectUri": redirect_uri(&app), "codeChallenge": challenge });
    for (field, value) in [
        ("provider", json!("no-such-provider")),
        (
            "redirectUri",
            json!("https://attacker.example/oauth/complete"),
        ),
        (
            "redirectUri",
            json!(format!("{}/oauth/complete/", app.address)),
        ),
        ("codeChallenge", json!("too-short")),
        ("codeChallenge", json!(format!("{}!", &challenge[..42]))),
    ] {
        let mut input = valid.clone();
        input[field] = value;
        let body = app.gql(START_OAUTH, json!({ "input": input }), None).await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(error_fields(&body).get(field).is_some(), "{field}: {body}");
    }
    // A disabled provider is no longer offered, nor can a flow start with it.
    let offered = app.gql(SIGN_IN_PROVIDERS, json!({}), None).await;
    assert_eq!(
        offered["data"]["signInProviders"],
        json!([{ "slug": SLUG, "displayName": "Test Provider", "kind": "OIDC" }]),
        "{offered}"
    );
    provider.update(&app, json!({ "enabled": false })).await;
    let offered = app.gql(SIGN_IN_PROVIDERS, json!({}), None).await;
    assert_eq!(offered["data"]["signInProviders"], json!([]), "{offered}");
    let body = app.gql(START_OAUTH, json!({ "input": valid }), None).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body).get("provider").is_some(), "{body}");
}

async fn an_account_without_a_password(app: TestApp) {
    let accounts = [("ada", verified("ada-subject", "ada@example.com"))];
    let Some(provider) = connect(&app, &accounts, json!({})).await else {
        return;
    };
    let ada = session_of(&sign_in_via(&app, &provider, "ada").await);

    // No password opens it, whatever is typed.
    for password in [PASSWORD, "", "anything at all"] {
        let body = app.try_login("ada@example.com", password).await;
        assert_code(&body, "UNAUTHENTICATED");
        assert_eq!(body["errors"][0]["message"], "invalid credentials");
    }
    let body = app
        .gql(
            CHANGE_PASSWORD,
            json!({ "current": "", "new": PASSWORD }),
            Some(&ada.access),
        )
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(
        error_fields(&body).get("currentPassword").is_some(),
        "{body}"
    );

    // Its only way to sign in cannot go.
    let identity = me(&app, &ada.access).await["identities"][0]["id"].clone();
    let body = app
        .gql(UNLINK, json!({ "id": identity }), Some(&ada.access))
        .await;
    assert_refused(&body, "CONFLICT", "LAST_SIGN_IN_METHOD");
    assert_eq!(
        me(&app, &ada.access).await["identities"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Nor can the provider go while it is the account's only way in.
    let delete = "mutation($id: ID!) { deleteIdentityProvider(id: $id) }";
    let body = app
        .gql(
            delete,
            json!({ "id": provider.id }),
            Some(&provider.admin.access),
        )
        .await;
    assert_refused(&body, "CONFLICT", "LAST_SIGN_IN_METHOD");

    // Setting a password is a credential change: only within the reauthentication window of a
    // sign-in, which for an account without a password is a provider sign-in.
    age_sign_ins(&app, &ada.user_id, Duration::minutes(10)).await;
    let stale = app
        .gql(
            SET_PASSWORD,
            json!({ "password": PASSWORD }),
            Some(&ada.access),
        )
        .await;
    assert_refused(&stale, "FORBIDDEN", "REAUTHENTICATION_REQUIRED");
    assert_code(
        &app.try_login("ada@example.com", PASSWORD).await,
        "UNAUTHENTICATED",
    );

    let fresh = session_of(&sign_in_via(&app, &provider, "ada").await);
    let body = app
        .gql(
            SET_PASSWORD,
            json!({ "password": PASSWORD }),
            Some(&fresh.access),
        )
        .await;
    assert_ok(&body);
    let set = &body["data"]["setPassword"];
    assert_eq!(set["user"]["hasPassword"], true, "{body}");
    let token = set["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(me(&app, &token).await["hasPassword"], true);
    let events = my_events(&app, &token, "PASSWORD_SET").await;
    assert_eq!(events.len(), 1, "{events:?}");
    app.login("ada@example.com", PASSWORD).await;

    // Once: the account has a password now, which only `changePassword` changes.
    let body = app
        .gql(
            SET_PASSWORD,
            json!({ "password": "another fine passphrase here" }),
            Some(&token),
        )
        .await;
    assert_code(&body, "CONFLICT");
    app.login("ada@example.com", PASSWORD).await;
    assert_code(
        &app.try_login("ada@example.com", "another fine passphrase here")
            .await,
        "UNAUTHENTICATED",
    );

    // With a password, the identity may go.
    let body = app
        .gql(UNLINK, json!({ "id": identity }), Some(&token))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["unlinkIdentity"], true);
    assert_eq!(me(&app, &token).await["identities"], json!([]));
    assert_eq!(my_events(&app, &token, "IDENTITY_UNLINKED").await.len(), 1);
}
