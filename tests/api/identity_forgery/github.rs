//! GitHub (kind `GITHUB`, its API at `{issuer}/api/v3`): the address Roster takes is one
//! GitHub says is verified (the primary one when it is, else the first verified one, never the
//! public `email` of the profile), and the person is their numeric id, whatever their login
//! or addresses become.

use serde_json::{Value, json};

use super::{
    accounts_and_sessions, admin, complete, create_provider, github_input, refused_sign_in,
    sign_in, signed_in_user, start, through_provider,
};
use crate::support::TestApp;
use crate::support::fake_github::FakeGitHub;
use crate::support::fake_provider::CLIENT_SECRET;

fn address(email: &str, primary: bool, verified: bool) -> Value {
    json!({ "email": email, "primary": primary, "verified": verified, "visibility": null })
}

fn user(id: u64, login: &str, email: &str) -> Value {
    json!({ "id": id, "login": login, "name": "Someone", "email": email })
}

per_backend!(github_gives_a_verified_address);
async fn github_gives_a_verified_address(app: TestApp) {
    let admin = admin(&app).await;
    let github = FakeGitHub::start().await;
    create_provider(&app, &admin, github_input("github", &github, json!({}))).await;

    // The primary address, verified, over an earlier verified one.
    github.set_user(user(1001, "ada", "ada-public@example.com"));
    github.set_emails(json!([
        address("ada-old@example.com", false, true),
        address("ada@example.com", true, true),
    ]));
    let started = start(&app, "github").await;
    let landing = through_provider(&app, &started).await;
    let location = landing.location.clone().expect("a Location");
    for token in github.issued_tokens() {
        assert!(!location.contains(&token), "{location}");
    }
    assert!(!location.contains(CLIENT_SECRET));
    let body = complete(&app, &landing.code.expect("a code"), &started.verifier).await;
    let ada = signed_in_user(&body["data"]["completeOAuth"]).clone();
    assert_eq!(ada["email"], "ada@example.com");
    assert_eq!(ada["emailVerified"], true);
    assert_eq!(ada["hasPassword"], false);

    // The primary address unverified: the first verified one.
    github.set_user(user(1002, "grace", "grace-primary@example.com"));
    github.set_emails(json!([
        address("grace-primary@example.com", true, false),
        address("grace-old@example.com", false, false),
        address("grace@example.com", false, true),
        address("grace-work@example.com", false, true),
    ]));
    let grace = sign_in(&app, "github").await;
    assert_eq!(signed_in_user(&grace)["email"], "grace@example.com");

    // None verified: the profile's public address is no proof.
    github.set_user(user(1003, "carol", "carol@example.com"));
    github.set_emails(json!([
        address("carol@example.com", true, false),
        address("carol-old@example.com", false, false),
    ]));
    refused_sign_in(&app, "github", "email_not_verified").await;
    github.set_emails(json!([]));
    refused_sign_in(&app, "github", "email_not_verified").await;

    // Every call to GitHub's API carried a token GitHub handed out (the double answers 401
    // otherwise), and the client secret went only to the token endpoint.
    for request in github.requests() {
        let seen = format!("{request:?}");
        if request.path != "/login/oauth/access_token" {
            assert!(!seen.contains(CLIENT_SECRET), "{seen}");
        }
    }
    assert_eq!(accounts_and_sessions(&app).await, (3, 3));
}

const MY_IDENTITIES: &str = "{ me { id email identities { email provider { slug kind } } } }";

per_backend!(a_github_account_is_its_numeric_id);
async fn a_github_account_is_its_numeric_id(app: TestApp) {
    let admin = admin(&app).await;
    let github = FakeGitHub::start().await;
    create_provider(&app, &admin, github_input("github", &github, json!({}))).await;
    let first = sign_in(&app, "github").await;
    let ada = signed_in_user(&first)["id"].clone();

    // New login, name and addresses: the same person, the same account.
    github.set_user(json!({
        "id": 12345, "login": "ada-renamed", "name": "Ada King", "email": "ada.king@example.com",
    }));
    github.set_emails(json!([address("ada.king@example.com", true, true)]));
    let again = sign_in(&app, "github").await;
    assert_eq!(signed_in_user(&again)["id"], ada);
    let token = again["accessToken"].as_str().expect("an access token");
    let me = app.gql(MY_IDENTITIES, json!({}), Some(token)).await;
    assert_eq!(
        me["data"]["me"]["identities"],
        json!([{ "email": "ada.king@example.com", "provider": { "slug": "github", "kind": "GITHUB" } }]),
        "the identity keeps the address GitHub last reported: {me}"
    );

    // Another id with Ada's old login is someone else.
    github.set_user(json!({ "id": 67890, "login": "ada", "name": "Ada", "email": null }));
    github.set_emails(json!([address("someone@example.com", true, true)]));
    let other = sign_in(&app, "github").await;
    let other = signed_in_user(&other);
    assert_ne!(other["id"], ada);
    assert_eq!(other["email"], "someone@example.com");
}
