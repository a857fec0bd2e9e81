//! What Roster accepts from an OpenID Connect provider's token endpoint: each forged ID token
//! is refused with `error=provider_error` and opens nothing; a key the provider rotated to is
//! fetched on its unknown `kid`; Roster keeps its own PKCE pair with the provider, so the
//! frontend's verifier never leaves the frontend and Roster.

use serde_json::json;

use super::{
    accounts_and_sessions, admin, callback_url, complete, create_provider, oidc_input,
    refused_sign_in, sign_in, signed_in_user, start, through_provider,
};
use crate::support::TestApp;
use crate::support::fake_provider::{CLIENT_ID, CLIENT_SECRET, FakeProvider, IdToken, s256};

per_backend!(forged_id_tokens_are_refused);
async fn forged_id_tokens_are_refused(app: TestApp) {
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    create_provider(&app, &admin, oidc_input("fake", &provider, json!({}))).await;

    let forgeries = [
        IdToken::WrongNonce,
        IdToken::WrongAudience,
        IdToken::WrongIssuer,
        IdToken::AlgNone,
        IdToken::Hs256ClientSecret,
        IdToken::UnpublishedKey,
        IdToken::Expired,
    ];
    for (tried, forgery) in forgeries.into_iter().enumerate() {
        provider.send(forgery);
        refused_sign_in(&app, "fake", "provider_error").await;
        // Refused at the ID token: the code was exchanged, and the token was all that was
        // wrong.
        assert_eq!(
            provider.requests_to("/token").len(),
            tried + 1,
            "{forgery:?} reached the token endpoint"
        );
    }

    // The same provider's genuine token signs Ada in: the refusals were the tokens'.
    provider.send(IdToken::Valid);
    let result = sign_in(&app, "fake").await;
    let user = signed_in_user(&result);
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["emailVerified"], true);
    assert_eq!(user["hasPassword"], false);
}

per_backend!(a_rotated_key_is_fetched_on_its_unknown_kid);
/// The provider publishes its new key only after Roster fetched its keys once; a token signed
/// with it is accepted, after one more fetch of the keys (which are otherwise cached).
async fn a_rotated_key_is_fetched_on_its_unknown_kid(app: TestApp) {
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    create_provider(&app, &admin, oidc_input("fake", &provider, json!({}))).await;
    let first = sign_in(&app, "fake").await;
    let ada = signed_in_user(&first)["id"].clone();
    assert_eq!(
        provider.requests_to("/jwks").len(),
        1,
        "the keys are fetched once"
    );

    provider.send(IdToken::RotatedKey);
    let started = start(&app, "fake").await;
    let landing = through_provider(&app, &started).await;
    assert_eq!(
        landing.error, None,
        "a token signed with the key the provider rotated to is accepted: \
         Roster fetches the keys again on the unknown kid"
    );
    let second = complete(&app, &landing.code.expect("a code"), &started.verifier).await;
    assert_eq!(signed_in_user(&second["data"]["completeOAuth"])["id"], ada);
    assert_eq!(
        provider.requests_to("/jwks").len(),
        2,
        "the unknown kid made Roster fetch the keys again, once"
    );
}

per_backend!(roster_keeps_its_own_pkce_pair_with_the_provider);
/// What went over the wire: the provider saw a challenge and a verifier of Roster's, never the
/// frontend's; the client secret went only to the token endpoint; the browser's URLs held no
/// token and no secret.
async fn roster_keeps_its_own_pkce_pair_with_the_provider(app: TestApp) {
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    create_provider(&app, &admin, oidc_input("fake", &provider, json!({}))).await;
    let started = start(&app, "fake").await;
    assert!(
        started
            .authorization_url
            .starts_with(&format!("{}/authorize?", provider.issuer)),
        "{}",
        started.authorization_url
    );
    assert!(!started.authorization_url.contains(CLIENT_SECRET));
    let landing = through_provider(&app, &started).await;
    let code = landing.code.clone().expect("a code");

    let authorization = &provider.requests_to("/authorize")[0];
    assert_eq!(authorization.param("code_challenge_method"), "S256");
    let challenge = authorization.param("code_challenge");
    assert_ne!(challenge, s256(&started.verifier), "Roster's own challenge");
    assert_eq!(
        authorization.param("redirect_uri"),
        callback_url(&app, "fake")
    );
    assert_eq!(authorization.param("client_id"), CLIENT_ID);
    assert!(
        authorization
            .param("scope")
            .split(' ')
            .any(|s| s == "openid")
    );
    assert!(!authorization.param("nonce").is_empty());
    // 256 random bits take at least 43 characters in any URL-safe encoding.
    let state = authorization.param("state");
    assert!(state.len() >= 43, "state {state}");
    assert_ne!(code, authorization.param("state"));

    let exchange = &provider.requests_to("/token")[0];
    let verifier = exchange.param("code_verifier");
    assert_eq!(
        s256(verifier),
        challenge,
        "the verifier of Roster's challenge"
    );
    assert_ne!(verifier, started.verifier);
    assert_eq!(
        exchange.client_credentials(),
        Some((CLIENT_ID.to_owned(), CLIENT_SECRET.to_owned()))
    );
    // Roster's code for the frontend is not the provider's.
    assert_ne!(Some(exchange.param("code")), landing.code.as_deref());

    let result = complete(&app, &code, &started.verifier).await;
    signed_in_user(&result["data"]["completeOAuth"]);

    // The frontend's verifier and challenge never reached the provider, in any request.
    for request in provider.requests() {
        let seen = format!("{request:?}");
        assert!(!seen.contains(&started.verifier), "{seen}");
        assert!(!seen.contains(&s256(&started.verifier)), "{seen}");
    }
    // No token the provider handed out, and no secret, is in the Location that took the
    // browser back to the frontend.
    let location = landing.location.expect("a Location");
    for token in provider.issued_tokens() {
        assert!(!location.contains(&token), "{location}");
    }
    assert!(!location.contains(CLIENT_SECRET));
    assert_eq!(
        accounts_and_sessions(&app).await,
        (2, 2),
        "the admin and Ada, one session each"
    );
}
