//! The `state` of a flow is single use and belongs to one flow at one provider: a callback
//! replayed, taken to another provider's callback, or given another flow's code is refused,
//! and opens nothing. API.md names `expired` for a flow that is gone; a callback whose state
//! names no flow may instead answer a page of its own (4xx), since it has no `redirectUri`
//! to go back to. Either way no code comes back.

use reqwest::StatusCode;
use serde_json::json;

use super::{
    Landing, accounts_and_sessions, admin, authorize, callback, callback_url, complete,
    create_provider, oidc_input, sign_in, signed_in_user, start,
};
use crate::support::TestApp;
use crate::support::fake_provider::FakeProvider;

/// Asserts a callback was refused for its state: a 4xx page, or a redirect with
/// `error=expired`; never a code.
#[track_caller]
fn assert_refused_state(landing: &Landing) {
    assert_eq!(landing.code, None, "{landing:?}");
    let page = landing.status.is_client_error();
    let expired =
        landing.status == StatusCode::SEE_OTHER && landing.error.as_deref() == Some("expired");
    assert!(page || expired, "{landing:?}");
}

/// `url` with the value of its query parameter `name` replaced by `value`.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .into_owned()
        .map(|(key, old)| {
            let new = if key == name { value.to_owned() } else { old };
            (key, new)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.into()
}

fn param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(key, _)| key == name)
        .unwrap_or_else(|| panic!("no {name} in {url}"))
        .1
        .into_owned()
}

per_backend!(a_state_is_used_once);
async fn a_state_is_used_once(app: TestApp) {
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    create_provider(&app, &admin, oidc_input("fake", &provider, json!({}))).await;
    let started = start(&app, "fake").await;
    let returned = authorize(&app, &started).await;
    let first = callback(&returned).await;
    let code = first.code.clone().expect("the first callback signs in");
    let counts = accounts_and_sessions(&app).await;

    let replayed = callback(&returned).await;
    assert_refused_state(&replayed);
    assert_eq!(
        provider.requests_to("/token").len(),
        1,
        "a replayed state never reaches the token endpoint"
    );
    // The first code still works, once.
    let result = complete(&app, &code, &started.verifier).await;
    signed_in_user(&result["data"]["completeOAuth"]);
    assert_eq!(accounts_and_sessions(&app).await.1, counts.1 + 1);

    // A state nobody issued, and none at all.
    let forged = with_param(&returned, "state", &"A".repeat(43));
    assert_refused_state(&callback(&forged).await);
    let bare = format!("{}?code=anything", callback_url(&app, "fake"));
    let landing = callback(&bare).await;
    assert_eq!(landing.code, None, "{landing:?}");
    assert_eq!(provider.requests_to("/token").len(), 1);
}

per_backend!(a_state_belongs_to_its_provider);
/// A state started at one provider, brought to another's callback with that provider's code:
/// Roster must not send a code from one provider to the other's token endpoint (a mix-up).
async fn a_state_belongs_to_its_provider(app: TestApp) {
    let admin = admin(&app).await;
    let alpha = FakeProvider::start().await;
    let beta = FakeProvider::start().await;
    create_provider(&app, &admin, oidc_input("alpha", &alpha, json!({}))).await;
    create_provider(&app, &admin, oidc_input("beta", &beta, json!({}))).await;
    let counts = accounts_and_sessions(&app).await;

    // Alpha's state and code, at beta's callback.
    let at_alpha = authorize(&app, &start(&app, "alpha").await).await;
    let moved = at_alpha.replace("/oauth/alpha/callback", "/oauth/beta/callback");
    let landing = callback(&moved).await;
    assert_eq!(landing.code, None, "{landing:?}");
    // Another of alpha's states with beta's code, at beta's callback.
    let at_alpha = authorize(&app, &start(&app, "alpha").await).await;
    let at_beta = authorize(&app, &start(&app, "beta").await).await;
    let mixed = with_param(&at_beta, "state", &param(&at_alpha, "state"));
    let landing = callback(&mixed).await;
    assert_eq!(landing.code, None, "{landing:?}");
    // At a provider that does not exist.
    let nowhere = at_beta.replace("/oauth/beta/callback", "/oauth/gamma/callback");
    let landing = callback(&nowhere).await;
    assert_eq!(landing.code, None, "{landing:?}");

    assert!(
        alpha.requests_to("/token").is_empty(),
        "no code went to alpha"
    );
    assert!(
        beta.requests_to("/token").is_empty(),
        "no code went to beta"
    );
    assert_eq!(accounts_and_sessions(&app).await, counts);
}

per_backend!(a_state_belongs_to_its_flow);
/// Two flows at one provider; the browser brings the first flow's state with the second
/// flow's code. Even a provider that does not check PKCE gives no session for it: the ID token
/// carries the second flow's nonce. With PKCE checked, the exchange itself fails.
async fn a_state_belongs_to_its_flow(app: TestApp) {
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    create_provider(&app, &admin, oidc_input("fake", &provider, json!({}))).await;
    let counts = accounts_and_sessions(&app).await;

    for enforce_pkce in [false, true] {
        provider.enforce_pkce(enforce_pkce);
        let first = start(&app, "fake").await;
        let first_return = authorize(&app, &first).await;
        let second = start(&app, "fake").await;
        let second_return = authorize(&app, &second).await;
        let swapped = with_param(&first_return, "code", &param(&second_return, "code"));
        let landing = callback(&swapped).await;
        assert_eq!(
            (landing.code.as_deref(), landing.error.as_deref()),
            (None, Some("provider_error")),
            "PKCE checked by the provider: {enforce_pkce}; {landing:?}"
        );
        assert_eq!(accounts_and_sessions(&app).await, counts);
    }

    // A flow of its own still goes through.
    provider.enforce_pkce(true);
    signed_in_user(&sign_in(&app, "fake").await);
}
