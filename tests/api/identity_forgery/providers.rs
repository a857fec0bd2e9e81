//! Administering providers: ADMIN only; settings validated (slug, issuer); the client secret
//! is write-only (never in a response, an audit event or the table in clear, and kept when an
//! update leaves it out); and the provider's rules on who may come in (`allowedEmailDomains`,
//! `allowSignUp`, a verified email).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use super::{
    DELETE_PROVIDER, accounts_and_sessions, admin, create_provider, create_provider_document,
    identity_providers_document, oidc_input, refused_sign_in, sign_in, signed_in_user,
    update_provider_document,
};
use crate::support::fake_provider::{CLIENT_SECRET, FakeProvider};
use crate::support::{TestApp, Tokens, assert_code, assert_ok, error_fields};

/// Asserts `body` is `code` with `field` among its `fields`.
#[track_caller]
fn refused_on(body: &Value, code: &str, field: &str) {
    assert_code(body, code);
    assert!(
        error_fields(body).get(field).is_some(),
        "{code} on {field}: {body}"
    );
}

async fn providers(app: &TestApp, admin: &Tokens) -> Vec<Value> {
    let body = app
        .gql(
            &identity_providers_document(),
            json!({}),
            Some(&admin.access),
        )
        .await;
    assert_ok(&body);
    body["data"]["identityProviders"]
        .as_array()
        .expect("a list")
        .clone()
}

per_backend!(only_admins_manage_providers);
async fn only_admins_manage_providers(app: TestApp) {
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    let created = create_provider(&app, &admin, oidc_input("fake", &provider, json!({}))).await;
    let user = app.register("user@example.com").await;

    let attempts = [
        (identity_providers_document(), json!({})),
        (
            create_provider_document(),
            json!({ "input": oidc_input("mine", &provider, json!({})) }),
        ),
        (
            update_provider_document(),
            json!({
                "id": created["id"],
                "input": oidc_input("fake", &provider, json!({ "issuer": "http://127.0.0.1:9" })),
            }),
        ),
        (DELETE_PROVIDER.to_owned(), json!({ "id": created["id"] })),
    ];
    for (document, variables) in &attempts {
        let body = app
            .gql(document, variables.clone(), Some(&user.access))
            .await;
        assert_code(&body, "FORBIDDEN");
        assert!(!body.to_string().contains(CLIENT_SECRET), "{body}");
    }
    assert_eq!(providers(&app, &admin).await, [created]);
}

per_backend!(provider_settings_are_validated);
async fn provider_settings_are_validated(app: TestApp) {
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    let create = |input: Value| {
        let (app, admin) = (&app, &admin);
        async move {
            app.gql(
                &create_provider_document(),
                json!({ "input": input }),
                Some(&admin.access),
            )
            .await
        }
    };

    let forty = "a".repeat(40);
    for slug in ["ab", "a-1", forty.as_str()] {
        assert_ok(&create(oidc_input(slug, &provider, json!({}))).await);
    }
    let count = providers(&app, &admin).await.len();
    let forty_one = "a".repeat(41);
    for slug in [
        "a",
        "",
        forty_one.as_str(),
        "Upper",
        "under_score",
        "sp ace",
        "dot.ted",
        "ümlaut",
    ] {
        let body = create(oidc_input(slug, &provider, json!({}))).await;
        refused_on(&body, "BAD_USER_INPUT", "slug");
    }
    let taken = create(oidc_input("ab", &provider, json!({}))).await;
    refused_on(&taken, "CONFLICT", "slug");

    for issuer in [
        "http://idp.example.test",
        "http://localhost.evil.example",
        "http://127.0.0.1.evil.example",
        "ftp://127.0.0.1/",
        "javascript:alert(1)",
        "not a url",
        "",
    ] {
        let body = create(oidc_input("other", &provider, json!({ "issuer": issuer }))).await;
        refused_on(&body, "BAD_USER_INPUT", "issuer");
    }
    assert_eq!(providers(&app, &admin).await.len(), count, "nothing stored");

    // Loopback over plain HTTP, outside production; anything over HTTPS.
    for (slug, issuer) in [
        ("loopback-v4", "http://127.0.0.1:9"),
        ("loopback-v6", "http://[::1]:9"),
        ("tls", "https://idp.example.test"),
    ] {
        let body = create(oidc_input(slug, &provider, json!({ "issuer": issuer }))).await;
        assert_ok(&body);
        assert_eq!(body["data"]["createIdentityProvider"]["issuer"], issuer);
    }

    // A rename onto a taken slug.
    let ab = providers(&app, &admin)
        .await
        .into_iter()
        .find(|p| p["slug"] == "a-1")
        .expect("a-1");
    let body = app
        .gql(
            &update_provider_document(),
            json!({ "id": ab["id"], "input": oidc_input("ab", &provider, json!({})) }),
            Some(&admin.access),
        )
        .await;
    refused_on(&body, "CONFLICT", "slug");
}

/// Every text and byte value of every row of `table`, as text (bytes also as hex and base64).
async fn stored_values(app: &TestApp, table: &str) -> Vec<String> {
    let db = app.db();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT * FROM {table}"),
        ))
        .await
        .unwrap();
    let mut values = Vec::new();
    for row in rows {
        for index in 0..row.column_names().len() {
            if let Ok(Some(text)) = row.try_get_by_index::<Option<String>>(index) {
                values.push(text);
            } else if let Ok(Some(bytes)) = row.try_get_by_index::<Option<Vec<u8>>>(index) {
                values.push(String::from_utf8_lossy(&bytes).into_owned());
                values.push(bytes.iter().map(|b| format!("{b:02x}")).collect());
                values.push(STANDARD.encode(&bytes));
            }
        }
    }
    values
}

/// Secrets given in updates and to a second provider.
const ANOTHER_SECRET: &str = "another-secret-the-provider-does-not-know";
const SPARE_SECRET: &str = "spare-provider-secret-Qm7x-Wd2e";

const AUDIT: &str =
    "query($f: AuditEventFilter) { auditEvents(filter: $f) { nodes { action details } } }";

per_backend!(client_secrets_stay_secret);
async fn client_secrets_stay_secret(app: TestApp) {
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    let secret_forms = [
        CLIENT_SECRET.to_owned(),
        STANDARD.encode(CLIENT_SECRET),
        URL_SAFE_NO_PAD.encode(CLIENT_SECRET),
        CLIENT_SECRET.bytes().map(|b| format!("{b:02x}")).collect(),
    ];
    let assert_no_secret = |what: &str, text: &str| {
        for form in &secret_forms {
            assert!(
                !text.contains(form.as_str()),
                "{what} holds the secret: {text}"
            );
        }
    };

    let body = app
        .gql(
            &create_provider_document(),
            json!({ "input": oidc_input("fake", &provider, json!({})) }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&body);
    assert_no_secret("createIdentityProvider", &body.to_string());
    let id = body["data"]["createIdentityProvider"]["id"].clone();
    let listed = app
        .gql(
            &identity_providers_document(),
            json!({}),
            Some(&admin.access),
        )
        .await;
    assert_no_secret("identityProviders", &listed.to_string());
    // No field of the type holds it.
    let asked = app
        .gql(
            "{ identityProviders { clientSecret } }",
            json!({}),
            Some(&admin.access),
        )
        .await;
    assert_code(&asked, "GRAPHQL_VALIDATION_FAILED");

    let stored = stored_values(&app, "identity_providers").await;
    assert!(!stored.is_empty());
    for value in &stored {
        assert_no_secret("identity_providers", value);
    }

    // An update that leaves the secret out keeps it: the provider still lets Roster in.
    let mut input = oidc_input("fake", &provider, json!({ "displayName": "Renamed" }));
    input.as_object_mut().unwrap().remove("clientSecret");
    let body = app
        .gql(
            &update_provider_document(),
            json!({ "id": id, "input": input }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["updateIdentityProvider"]["displayName"],
        "Renamed"
    );
    assert_no_secret("updateIdentityProvider", &body.to_string());
    signed_in_user(&sign_in(&app, "fake").await);

    // One that sets another secret uses it (which this provider refuses).
    let input = oidc_input("fake", &provider, json!({ "clientSecret": ANOTHER_SECRET }));
    let body = app
        .gql(
            &update_provider_document(),
            json!({ "id": id, "input": input }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&body);
    refused_sign_in(&app, "fake", "provider_error").await;
    let last_exchange = provider.requests_to("/token").pop().expect("an exchange");
    let (_, sent) = last_exchange.client_credentials().expect("credentials");
    assert_eq!(sent, ANOTHER_SECRET);

    // Ada signs in only through this provider: it cannot go.
    let body = app
        .gql(DELETE_PROVIDER, json!({ "id": id }), Some(&admin.access))
        .await;
    assert_code(&body, "CONFLICT");
    assert_eq!(
        body["errors"][0]["extensions"]["reason"],
        "LAST_SIGN_IN_METHOD"
    );
    // One nobody signs in with can.
    let spare = create_provider(
        &app,
        &admin,
        oidc_input("spare", &provider, json!({ "clientSecret": SPARE_SECRET })),
    )
    .await;
    for value in stored_values(&app, "identity_providers").await {
        assert_no_secret("identity_providers", &value);
        for secret in [ANOTHER_SECRET, SPARE_SECRET] {
            assert!(
                !value.contains(secret),
                "identity_providers holds {secret}: {value}"
            );
        }
    }
    let body = app
        .gql(
            DELETE_PROVIDER,
            json!({ "id": spare["id"] }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["deleteIdentityProvider"], true);

    let events = app
        .gql(
            AUDIT,
            json!({ "f": { "actions": [
                "IDENTITY_PROVIDER_CREATED", "IDENTITY_PROVIDER_UPDATED", "IDENTITY_PROVIDER_DELETED",
            ] } }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&events);
    let actions: Vec<&str> = events["data"]["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "IDENTITY_PROVIDER_DELETED",
            "IDENTITY_PROVIDER_CREATED",
            "IDENTITY_PROVIDER_UPDATED",
            "IDENTITY_PROVIDER_UPDATED",
            "IDENTITY_PROVIDER_CREATED",
        ],
        "newest first: {events}"
    );
    assert_no_secret("the audit events", &events.to_string());
    for secret in [ANOTHER_SECRET, SPARE_SECRET] {
        assert!(!events.to_string().contains(secret), "{events}");
    }
}

per_backend!(a_provider_decides_who_may_come_in);
/// No verified email, no account; `allowedEmailDomains` refuses other domains;
/// `allowSignUp: false` refuses new accounts; each before anything is stored.
async fn a_provider_decides_who_may_come_in(app: TestApp) {
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    let created = create_provider(&app, &admin, oidc_input("fake", &provider, json!({}))).await;
    let person = |sub: &str, email: &str, verified: Value| json!({ "sub": sub, "email": email, "email_verified": verified, "name": "Someone" });
    for verified in [json!(false), json!("false"), Value::Null] {
        provider.set_claims(person("bob", "bob@example.com", verified));
        refused_sign_in(&app, "fake", "email_not_verified").await;
    }
    provider.set_claims(json!({ "sub": "bob", "name": "No address" }));
    refused_sign_in(&app, "fake", "email_not_verified").await;

    let update = |overrides: Value| {
        let (app, admin, provider, id) = (&app, &admin, &provider, created["id"].clone());
        async move {
            let mut input = oidc_input("fake", provider, overrides);
            input.as_object_mut().unwrap().remove("clientSecret");
            let body = app
                .gql(
                    &update_provider_document(),
                    json!({ "id": id, "input": input }),
                    Some(&admin.access),
                )
                .await;
            assert_ok(&body);
            body["data"]["updateIdentityProvider"].clone()
        }
    };
    let updated = update(json!({ "allowedEmailDomains": ["example.com"] })).await;
    assert_eq!(updated["allowedEmailDomains"], json!(["example.com"]));
    for email in [
        "eve@other.test",
        "eve@example.com.other.test",
        "eve@notexample.com",
        "eve@sub.example.com",
    ] {
        provider.set_claims(person("eve", email, json!(true)));
        refused_sign_in(&app, "fake", "email_domain_not_allowed").await;
    }

    update(json!({ "allowedEmailDomains": ["example.com"], "allowSignUp": false })).await;
    provider.set_claims(person("ada", "ada@example.com", json!(true)));
    refused_sign_in(&app, "fake", "sign_up_disabled").await;

    let (accounts, _) = accounts_and_sessions(&app).await;
    assert_eq!(accounts, 1, "only the admin");
}

per_backend!(linked_identities_pin_a_provider_and_keep_their_accounts_reachable);

/// While identities are linked through a provider, its kind and issuer stay (the same subject
/// at another issuer is another person), and deleting it is refused while an account would be
/// left with no way in, counted without that provider's identities, however many it holds
/// there.
async fn linked_identities_pin_a_provider_and_keep_their_accounts_reachable(app: TestApp) {
    use super::{COMPLETE_OAUTH, START_OAUTH, authorize, callback, console_redirect_uri};
    use crate::support::fake_provider::s256;
    let admin = admin(&app).await;
    let provider = FakeProvider::start().await;
    let created = create_provider(&app, &admin, oidc_input("fake", &provider, json!({}))).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let ada = sign_in(&app, "fake").await;
    let access = ada["accessToken"].as_str().unwrap().to_owned();

    let elsewhere = FakeProvider::start().await;
    let moved = oidc_input("fake", &elsewhere, json!({}));
    let body = app
        .gql(
            &update_provider_document(),
            json!({ "id": id, "input": moved }),
            Some(&admin.access),
        )
        .await;
    refused_on(&body, "CONFLICT", "issuer");
    let github = oidc_input("fake", &provider, json!({ "kind": "GITHUB" }));
    let body = app
        .gql(
            &update_provider_document(),
            json!({ "id": id, "input": github }),
            Some(&admin.access),
        )
        .await;
    refused_on(&body, "CONFLICT", "issuer");

    // Ada (no password) links a second identity at the same provider.
    provider.set_claims(json!({
        "sub": "ada-second-subject", "email": "ada@example.com", "email_verified": true,
    }));
    let verifier = super::new_verifier();
    let input = json!({
        "provider": "fake", "redirectUri": console_redirect_uri(&app),
        "codeChallenge": s256(&verifier), "intent": "LINK",
    });
    let started = app
        .gql(START_OAUTH, json!({ "input": input }), Some(&access))
        .await;
    assert_ok(&started);
    let started = super::Started {
        slug: "fake".to_owned(),
        redirect_uri: console_redirect_uri(&app),
        verifier: verifier.clone(),
        authorization_url: started["data"]["startOAuth"]["authorizationUrl"]
            .as_str()
            .unwrap()
            .to_owned(),
    };
    let landing = callback(&authorize(&app, &started).await).await;
    let code = landing.code.expect("a code");
    let linked = app
        .gql(
            COMPLETE_OAUTH,
            json!({ "code": code, "verifier": verifier }),
            Some(&access),
        )
        .await;
    assert_ok(&linked);
    assert_eq!(
        linked["data"]["completeOAuth"]["__typename"],
        "IdentityLinked"
    );

    // Two identities, both at this provider: deleting it would lock Ada out.
    let body = app
        .gql(DELETE_PROVIDER, json!({ "id": id }), Some(&admin.access))
        .await;
    assert_code(&body, "CONFLICT");
    assert_eq!(
        body["errors"][0]["extensions"]["reason"], "LAST_SIGN_IN_METHOD",
        "{body}"
    );
    assert_eq!(providers(&app, &admin).await.len(), 1);
}

per_backend!(malformed_and_unknown_ids_are_told_apart);

/// A malformed id is `BAD_USER_INPUT` on `id`; a well-formed one that names nothing is
/// `NOT_FOUND`, as for every other mutation.
async fn malformed_and_unknown_ids_are_told_apart(app: TestApp) {
    let admin = admin(&app).await;
    let unknown = json!({ "id": uuid::Uuid::new_v4() });
    let body = app
        .gql(DELETE_PROVIDER, unknown.clone(), Some(&admin.access))
        .await;
    assert_code(&body, "NOT_FOUND");
    let body = app
        .gql(
            DELETE_PROVIDER,
            json!({ "id": "nope" }),
            Some(&admin.access),
        )
        .await;
    refused_on(&body, "BAD_USER_INPUT", "id");
    let unlink = "mutation($id: ID!) { unlinkIdentity(id: $id) }";
    let body = app.gql(unlink, unknown, Some(&admin.access)).await;
    assert_code(&body, "NOT_FOUND");
    let body = app
        .gql(unlink, json!({ "id": "nope" }), Some(&admin.access))
        .await;
    refused_on(&body, "BAD_USER_INPUT", "id");
}
