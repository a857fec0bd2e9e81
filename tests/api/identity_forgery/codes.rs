//! What the frontend hands Roster: `completeOAuth`'s one-time code works once and only with
//! the verifier of the flow's challenge (every refusal one message on `fields.code`), and
//! `startOAuth` takes only a listed `redirectUri` (exactly as listed), a well-formed
//! `codeChallenge` and an enabled provider.

use roster::config::Settings;
use serde_json::{Value, json};

use super::{
    SIGN_IN_PROVIDERS, accounts_and_sessions, admin, authorize, complete, console_redirect_uri,
    create_provider, new_verifier, oidc_input, start, start_oauth_with, start_to, through_provider,
    update_provider_document,
};
use crate::support::fake_provider::{FakeProvider, s256};
use crate::support::{TestApp, assert_code, assert_ok, error_fields};

/// Asserts `body` is `BAD_USER_INPUT` on `field` alone, with one message; returns it.
#[track_caller]
fn bad_input_on(body: &Value, field: &str) -> String {
    assert_code(body, "BAD_USER_INPUT");
    let fields = error_fields(body);
    let names: Vec<&String> = fields.as_object().expect("fields").keys().collect();
    assert_eq!(names, [field], "{body}");
    let messages = fields[field].as_array().expect("messages");
    assert_eq!(messages.len(), 1, "{body}");
    messages[0].as_str().expect("a message").to_owned()
}

per_backend!(a_code_works_once_and_with_its_verifier);
async fn a_code_works_once_and_with_its_verifier(app: TestApp) {
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    create_provider(&app, &admin, oidc_input("fake", &provider, json!({}))).await;
    let counts = accounts_and_sessions(&app).await;

    // A code with another verifier, the one of another flow's challenge, and none.
    let started = start(&app, "fake").await;
    let provider_return = authorize(&app, &started).await;
    let landing = super::callback(&provider_return).await;
    let code = landing.code.expect("a code");
    let wrong = complete(&app, &code, &new_verifier()).await;
    let message = bad_input_on(&wrong, "code");
    for verifier in [s256(&started.verifier), String::new()] {
        let body = complete(&app, &code, &verifier).await;
        assert_eq!(bad_input_on(&body, "code"), message, "{verifier}");
    }
    // The callback made Ada's account; only `completeOAuth` opens a session.
    assert_eq!(accounts_and_sessions(&app).await.1, counts.1, "no session");

    // A code used twice.
    let started = start(&app, "fake").await;
    let code = through_provider(&app, &started).await.code.expect("a code");
    let first = complete(&app, &code, &started.verifier).await;
    assert_ok(&first);
    assert_eq!(first["data"]["completeOAuth"]["__typename"], "AuthPayload");
    let again = complete(&app, &code, &started.verifier).await;
    assert_eq!(bad_input_on(&again, "code"), message);
    // And the provider's own code, and one nobody issued.
    let provider_code = url::Url::parse(&provider_return)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "code")
        .expect("the provider's code")
        .1
        .into_owned();
    for code in [provider_code, "A".repeat(43)] {
        let body = complete(&app, &code, &started.verifier).await;
        assert_eq!(bad_input_on(&body, "code"), message, "{code}");
    }
    // The data of a failed `completeOAuth` is null: nothing else came back.
    assert_eq!(again["data"], Value::Null, "{again}");
    assert_eq!(accounts_and_sessions(&app).await.1, counts.1 + 1);
}

const LISTED: &str = "https://app.example.test/oauth/complete";
const ALSO_LISTED: &str = "http://localhost:5173/signed-in";

fn redirect_uris(settings: &mut Settings) {
    settings.oauth_redirect_uris = vec![LISTED.to_owned(), ALSO_LISTED.to_owned()];
}

per_backend!(settings = redirect_uris; only_listed_redirect_uris_are_taken);
/// `--oauth-redirect-uris` lists exact URIs: each works and the browser lands on it; any other
/// (a prefix, a longer path, another query, port, scheme or host, and the console's page,
/// which the list replaces) is refused before anything is stored.
async fn only_listed_redirect_uris_are_taken(app: TestApp) {
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    create_provider(&app, &admin, oidc_input("fake", &provider, json!({}))).await;
    for listed in [LISTED, ALSO_LISTED] {
        let started = start_to(&app, "fake", listed).await;
        let landing = through_provider(&app, &started).await;
        let location = landing.location.expect("a Location");
        assert!(
            location.starts_with(&format!("{listed}?code=")),
            "{location}"
        );
    }

    let challenge = s256(&new_verifier());
    let refused = [
        "https://app.example.test/oauth/",
        "https://app.example.test/oauth/complete/",
        "https://app.example.test/oauth/complete/../../evil",
        "https://app.example.test/oauth/completed",
        "https://app.example.test/oauth/complete?next=https://evil.example",
        "https://app.example.test/oauth/complete#fragment",
        "https://app.example.test:8443/oauth/complete",
        "http://app.example.test/oauth/complete",
        "https://app.example.test.evil.example/oauth/complete",
        "https://evil.example/oauth/complete",
        "http://localhost:5174/signed-in",
        "http://localhost/signed-in",
        "not a uri",
        "",
    ];
    let console = console_redirect_uri(&app);
    let authorize_requests = provider.requests_to("/authorize").len();
    for uri in refused.iter().copied().chain([console.as_str()]) {
        let body = start_oauth_with(&app, "fake", uri, &challenge).await;
        bad_input_on(&body, "redirectUri");
        assert_eq!(body["data"], Value::Null, "{uri}: {body}");
    }
    assert_eq!(
        provider.requests_to("/authorize").len(),
        authorize_requests,
        "no refused start reached the provider"
    );
}

per_backend!(start_oauth_checks_its_input);
/// Without `--oauth-redirect-uris` the console's page is the one redirect URI. A malformed
/// challenge, an unknown, disabled or deleted provider are refused on their fields;
/// `signInProviders` lists the enabled providers, to anyone.
async fn start_oauth_checks_its_input(app: TestApp) {
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    let alpha = create_provider(&app, &admin, oidc_input("alpha", &provider, json!({}))).await;
    create_provider(
        &app,
        &admin,
        oidc_input("beta", &provider, json!({ "enabled": false })),
    )
    .await;
    let console = console_redirect_uri(&app);
    let challenge = s256(&new_verifier());

    let body = start_oauth_with(&app, "alpha", &console, &challenge).await;
    assert_ok(&body);
    let body = start_oauth_with(
        &app,
        "alpha",
        "https://app.example.test/oauth/complete",
        &challenge,
    )
    .await;
    bad_input_on(&body, "redirectUri");

    let malformed = [
        String::new(),
        "abc".to_owned(),
        challenge[..42].to_owned(),
        format!("{challenge}A"),
        format!("{challenge}="),
        format!("{}+", &challenge[..42]),
        format!("{}/", &challenge[..42]),
        format!("{} ", &challenge[..42]),
        new_verifier(),
    ];
    for bad in &malformed {
        let body = start_oauth_with(&app, "alpha", &console, bad).await;
        bad_input_on(&body, "codeChallenge");
    }

    let listed = |body: &Value| -> Vec<String> {
        assert_ok(body);
        body["data"]["signInProviders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|provider| provider["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    let anonymous = app.gql(SIGN_IN_PROVIDERS, json!({}), None).await;
    assert_eq!(listed(&anonymous), ["alpha"]);
    assert_eq!(
        anonymous["data"]["signInProviders"][0],
        json!({ "slug": "alpha", "displayName": "Provider alpha", "kind": "OIDC" })
    );

    for slug in ["beta", "nobody", ""] {
        let body = start_oauth_with(&app, slug, &console, &challenge).await;
        bad_input_on(&body, "provider");
    }

    // Disabled by an update: gone from the list, refused at the start.
    let update = app
        .gql(
            &update_provider_document(),
            json!({
                "id": alpha["id"],
                "input": oidc_input("alpha", &provider, json!({ "enabled": false })),
            }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&update);
    let anonymous = app.gql(SIGN_IN_PROVIDERS, json!({}), None).await;
    assert_eq!(listed(&anonymous), Vec::<String>::new());
    let body = start_oauth_with(&app, "alpha", &console, &challenge).await;
    bad_input_on(&body, "provider");

    let deleted = app
        .gql(
            super::DELETE_PROVIDER,
            json!({ "id": alpha["id"] }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&deleted);
    let body = start_oauth_with(&app, "alpha", &console, &challenge).await;
    bad_input_on(&body, "provider");
    assert!(provider.requests_to("/authorize").is_empty());
}
