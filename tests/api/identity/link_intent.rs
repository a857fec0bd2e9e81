//! Intent `LINK`: a signed-in person who just reauthenticated links a provider identity to their
//! own account (whatever address the provider reports), the identity then signs in to that
//! account, and an identity linked to one account cannot be linked to another. A fresh sign-in
//! alone is no proof for adding a way in (a stolen token is usually fresh); unlinking needs a
//! recent sign-in.
//!
//! From the attacker's side: a LINK flow started by one person and finished in another's
//! browser links nothing (nothing is written before `completeOAuth`, which a LINK passes only in
//! the session that started it), and an account the gates restrict links nothing.

use chrono::Duration;
use serde_json::json;

use super::{
    SLUG, START_OAUTH, UNLINK, age_sign_ins, connect, flow, linked_providers, me, my_events,
    redirect_uri, refused_flow, session_of, sign_in_via, verified,
};
use crate::mfa::assert_refused;
use crate::support::oidc_provider::pkce_pair;
use crate::support::{TestApp, assert_code, assert_ok};

per_backend!(a_signed_in_person_links_and_unlinks_an_identity);

async fn a_signed_in_person_links_and_unlinks_an_identity(app: TestApp) {
    let accounts = [(
        "frank-at-op",
        verified("frank-subject", "f.r.ank@elsewhere.example"),
    )];
    let Some(provider) = connect(&app, &accounts, json!({})).await else {
        return;
    };
    let frank = app.register("frank@example.com").await;
    let henry = app.register("henry@example.com").await;

    // Nobody to link to, or a sign-in too old to vouch for the person at the keyboard.
    let (_, challenge) = pkce_pair();
    let input = json!({ "input": {
        "provider": SLUG, "redirectUri": redirect_uri(&app), "codeChallenge": challenge, "intent": "LINK",
    } });
    assert_code(
        &app.gql(START_OAUTH, input.clone(), None).await,
        "UNAUTHENTICATED",
    );
    age_sign_ins(&app, &henry.user_id, Duration::minutes(10)).await;
    let stale = app
        .gql(START_OAUTH, input.clone(), Some(&henry.access))
        .await;
    assert_refused(&stale, "FORBIDDEN", "REAUTHENTICATION_REQUIRED");
    // Fresh, but only signed in: no proof of who holds the token.
    let fresh = app.gql(START_OAUTH, input, Some(&frank.access)).await;
    assert_refused(&fresh, "FORBIDDEN", "REAUTHENTICATION_REQUIRED");
    reauthenticate_with_password(&app, &frank.access).await;

    let result = flow(&app, &provider, "frank-at-op", "LINK", Some(&frank.access)).await;
    assert_eq!(result["__typename"], "IdentityLinked", "{result}");
    let identity = &result["identity"];
    assert_eq!(identity["provider"]["slug"], SLUG);
    assert_eq!(identity["email"], "f.r.ank@elsewhere.example");
    let identity_id = identity["id"].as_str().unwrap().to_owned();
    let viewer = me(&app, &frank.access).await;
    assert_eq!(
        viewer["identities"][0]["id"],
        identity_id.as_str(),
        "{viewer}"
    );
    assert_eq!(viewer["email"], "frank@example.com");
    assert_eq!(
        my_events(&app, &frank.access, "IDENTITY_LINKED")
            .await
            .len(),
        1
    );
    // A new way into his account: Frank is told, at his own address.
    assert_eq!(
        notices(&app, "identity_linked").await,
        ["frank@example.com"]
    );

    // The identity now signs in to frank's account.
    let via = session_of(&sign_in_via(&app, &provider, "frank-at-op").await);
    assert_eq!(via.user_id, frank.user_id);

    // It is frank's: henry, freshly signed in, cannot take it.
    let henry = app
        .login("henry@example.com", crate::support::PASSWORD)
        .await;
    reauthenticate_with_password(&app, &henry.access).await;
    let reason = refused_flow(&app, &provider, "frank-at-op", "LINK", Some(&henry.access)).await;
    assert_eq!(reason, "identity_in_use");
    assert!(linked_providers(&app, &henry.access).await.is_empty());
    assert_eq!(linked_providers(&app, &frank.access).await, [SLUG]);

    // Nor can henry unlink it.
    let body = app
        .gql(UNLINK, json!({ "id": identity_id }), Some(&henry.access))
        .await;
    assert_code(&body, "NOT_FOUND");
    assert_eq!(linked_providers(&app, &frank.access).await, [SLUG]);

    // Frank can, with a recent sign-in (he has a password too).
    age_sign_ins(&app, &frank.user_id, Duration::minutes(10)).await;
    let stale = app
        .gql(UNLINK, json!({ "id": identity_id }), Some(&frank.access))
        .await;
    assert_refused(&stale, "FORBIDDEN", "REAUTHENTICATION_REQUIRED");
    let fresh = app
        .login("frank@example.com", crate::support::PASSWORD)
        .await;
    let body = app
        .gql(UNLINK, json!({ "id": identity_id }), Some(&fresh.access))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["unlinkIdentity"], true);
    assert!(linked_providers(&app, &fresh.access).await.is_empty());
    assert_eq!(
        my_events(&app, &fresh.access, "IDENTITY_UNLINKED")
            .await
            .len(),
        1
    );

    // Unlinked, the identity is no way into frank's account any more.
    // Its verified address belongs to nobody here, so it makes an account of its own.
    let after = session_of(&sign_in_via(&app, &provider, "frank-at-op").await);
    assert_ne!(after.user_id, frank.user_id);
    assert_eq!(
        me(&app, &after.access).await["email"],
        "f.r.ank@elsewhere.example"
    );
}

async fn reauthenticate_with_password(app: &TestApp, access: &str) {
    let input = json!({ "password": crate::support::PASSWORD });
    assert_ok(&crate::mfa::reauthenticate(app, access, input).await);
}

per_backend!(a_link_finished_in_another_browser_links_nothing);

/// Mallory starts a LINK and sends its authorization URL to Frank, who is signed in at the
/// provider: the provider sends Frank's browser back with a code. Nothing is linked by that;
/// the code finishes nothing without Mallory's verifier, and with it only in Mallory's own
/// session, by Mallory.
async fn a_link_finished_in_another_browser_links_nothing(app: TestApp) {
    let accounts = [(
        "frank-at-op",
        verified("frank-subject", "frank@example.com"),
    )];
    let Some(provider) = connect(&app, &accounts, json!({})).await else {
        return;
    };
    let frank = app.register("frank@example.com").await;
    let mallory = app.register("mallory@example.com").await;
    reauthenticate_with_password(&app, &mallory.access).await;
    let started = super::start_oauth(&app, "LINK", Some(&mallory.access)).await;
    // Frank's browser goes through the provider, as Frank.
    let returned = super::through_provider(
        &app,
        &provider,
        &started,
        crate::support::oidc_provider::AtProvider::SignIn("frank-at-op"),
    )
    .await;
    let super::Returned::Code(code) = returned else {
        panic!("the provider signed Frank in: {returned:?}");
    };
    assert!(linked_providers(&app, &mallory.access).await.is_empty());
    // Frank's page holds no verifier, and Frank's session is not the one that started it.
    let (other_verifier, _) = pkce_pair();
    let as_frank =
        super::complete_oauth_as(&app, &code, &other_verifier, Some(&frank.access)).await;
    assert_code(&as_frank, "BAD_USER_INPUT");
    assert!(as_frank["errors"][0]["extensions"]["fields"]["code"].is_array());
    // Spent: Mallory cannot finish it afterwards even with her own verifier.
    let late =
        super::complete_oauth_as(&app, &code, &started.verifier, Some(&mallory.access)).await;
    assert_code(&late, "BAD_USER_INPUT");
    assert!(linked_providers(&app, &mallory.access).await.is_empty());
    assert!(linked_providers(&app, &frank.access).await.is_empty());

    // Even with the code and her verifier, a LINK finishes only in the session that started
    // it: not anonymously, not from another of Mallory's sessions.
    let started = super::start_oauth(&app, "LINK", Some(&mallory.access)).await;
    let super::Returned::Code(code) = super::through_provider(
        &app,
        &provider,
        &started,
        crate::support::oidc_provider::AtProvider::SignIn("frank-at-op"),
    )
    .await
    else {
        panic!("a code");
    };
    let anonymous = super::complete_oauth_as(&app, &code, &started.verifier, None).await;
    assert_code(&anonymous, "BAD_USER_INPUT");
    assert!(linked_providers(&app, &mallory.access).await.is_empty());
}

per_backend!(settings = |s| s.require_verified_email = true; a_restricted_account_links_nothing);

/// Under `--require-verified-email`, an unverified account's token serves only verifying: it
/// starts no LINK, reauthenticated or not.
async fn a_restricted_account_links_nothing(app: TestApp) {
    let accounts = [(
        "frank-at-op",
        verified("frank-subject", "frank@example.com"),
    )];
    let Some(_provider) = connect(&app, &accounts, json!({})).await else {
        return;
    };
    let frank = app.register("frank@example.com").await;
    reauthenticate_with_password(&app, &frank.access).await;
    let (_, challenge) = pkce_pair();
    let input = json!({ "input": {
        "provider": SLUG, "redirectUri": redirect_uri(&app), "codeChallenge": challenge, "intent": "LINK",
    } });
    let body = app.gql(START_OAUTH, input, Some(&frank.access)).await;
    assert_refused(&body, "FORBIDDEN", "EMAIL_NOT_VERIFIED");
}

/// The recipients of the mails of `kind` queued so far.
async fn notices(app: &TestApp, kind: &str) -> Vec<String> {
    use roster::db::entities::mail_outbox;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Kind.eq(kind))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.recipient)
        .collect()
}
