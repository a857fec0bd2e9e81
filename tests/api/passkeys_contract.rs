//! Passkeys as a client written from API.md alone relies on them ("Passkeys (WebAuthn)", with
//! the parts of "Two-factor authentication and step-up" it extends and the error conventions at
//! the top): the types and fields, every refusal the section names with its code, reason and
//! field, sign-in with and without a login name, a passkey as the second factor and in
//! `reauthenticate`, who sees an account's passkeys, and the audit events.
//!
//! The browser is `support::webauthn`'s software authenticator, at the origin a test server's
//! pages have (`http://localhost:PORT`, RP ID `localhost`). Where API.md leaves room, the
//! reading taken is written beside the check that depends on it ("Reading: ...").

use chrono::{DateTime, Duration, Utc};
use p256::ecdsa::SigningKey;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::identity::{self, age_sign_ins};
use crate::mfa::{self, assert_refused, reason};
use crate::support::admin::Admin;
use crate::support::webauthn::{Authenticator, unb64};
use crate::support::{PASSWORD, TestApp, Tokens, assert_code, assert_ok, error_fields, uuid};

per_backend!(
    registration_answers_the_documented_types,
    registration_refusals_name_their_field,
    a_credential_registered_before_is_refused,
    an_eleventh_passkey_is_refused,
    a_passkey_signs_in_at_aal2_even_with_totp,
    an_unknown_login_gets_a_ceremony_of_the_same_shape,
    refused_assertions_at_sign_in_are_not_accepted,
    a_counter_of_zero_is_always_accepted,
    a_passkey_as_the_second_factor,
    reauthenticating_with_a_passkey,
    renaming_and_deleting,
    the_last_way_to_sign_in_stays,
    passkeys_are_for_their_owner_and_admins,
    expired_ceremonies,
);
per_backend!(
    settings = |s| s.require_mfa = roster::config::RequireMfa::All;
    required_mfa_lets_a_passkey_be_enrolled_and_keeps_the_last,
);

const START_REGISTRATION: &str =
    "mutation { startPasskeyRegistration { ceremonyId options expiresAt } }";

const FINISH_REGISTRATION: &str = "mutation($ceremony: ID!, $credential: JSON!, $label: String) {
  finishPasskeyRegistration(ceremonyId: $ceremony, credential: $credential, label: $label) {
    id label createdAt lastUsedAt backupEligible backedUp
  }
}";

/// Without the `label` argument at all, as a client that never asks for one sends it.
const FINISH_REGISTRATION_UNLABELLED: &str = "mutation($ceremony: ID!, $credential: JSON!) {
  finishPasskeyRegistration(ceremonyId: $ceremony, credential: $credential) {
    id label createdAt lastUsedAt backupEligible backedUp
  }
}";

const RENAME: &str = "mutation($id: ID!, $label: String!) {
  renamePasskey(id: $id, label: $label) {
    id label createdAt lastUsedAt backupEligible backedUp
  }
}";

const DELETE: &str = "mutation($id: ID!) { deletePasskey(id: $id) }";

const START_SIGN_IN: &str = "mutation($login: String) {
  startPasskeySignIn(login: $login) { ceremonyId options expiresAt }
}";

/// Without the `login` argument: discoverable passkeys.
const START_DISCOVERABLE_SIGN_IN: &str =
    "mutation { startPasskeySignIn { ceremonyId options expiresAt } }";

const FINISH_SIGN_IN: &str = "mutation($ceremony: ID!, $credential: JSON!) {
  finishPasskeySignIn(ceremonyId: $ceremony, credential: $credential) {
    accessToken refreshToken tokenType expiresIn user { id email }
    session { id assuranceLevel authenticationMethods authenticatedAt }
  }
}";

const START_CHALLENGE: &str = "mutation($token: String!) {
  startPasskeyChallenge(challengeToken: $token) { ceremonyId options expiresAt }
}";

const START_REAUTHENTICATION: &str =
    "mutation { startPasskeyReauthentication { ceremonyId options expiresAt } }";

const MY_PASSKEYS: &str = "{ me { id mfaEnabled \
     passkeys { id label createdAt lastUsedAt backupEligible backedUp } } }";

const USER_PASSKEYS: &str =
    "query($id: ID!) { user(id: $id) { id mfaEnabled passkeys { id label } } }";

const AUDIT: &str = "query($actions: [AuditAction!]) {
  auditEvents(first: 100, filter: { actions: $actions }) {
    totalCount nodes { action actorId userId details }
  }
}";

// ---------------------------------------------------------------------------------------------
// The browser and the ceremonies

/// Where a browser showing the test server's pages is: `localhost` on the server's port
/// (`app.address` is `http://127.0.0.1:PORT`; WebAuthn takes no IP address).
fn origin(app: &TestApp) -> String {
    let port = app
        .address
        .rsplit(':')
        .next()
        .expect("BUG: the address ends with its port");
    format!("http://localhost:{port}")
}

/// A user-verifying platform authenticator that keeps a counter, in a browser at the origin.
fn device(app: &TestApp) -> Authenticator {
    Authenticator::new(&origin(app))
}

fn at(value: &Value) -> DateTime<Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is no time"));
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text} is not RFC 3339: {e}"))
        .with_timezone(&Utc)
}

/// Asserts a `PasskeyCeremony` as API.md types it: an id, `options` with `publicKey` (and its
/// challenge), and `expiresAt` 5 minutes ahead.
#[track_caller]
fn assert_ceremony(ceremony: &Value) {
    let id = ceremony["ceremonyId"].as_str().unwrap_or_default();
    assert!(!id.is_empty(), "ceremonyId: {ceremony}");
    let public_key = &ceremony["options"]["publicKey"];
    assert!(public_key.is_object(), "options.publicKey: {ceremony}");
    let challenge = public_key["challenge"].as_str().unwrap_or_default();
    assert!(!unb64(challenge).is_empty(), "challenge: {ceremony}");
    let ahead = at(&ceremony["expiresAt"]) - Utc::now();
    assert!(
        ahead > Duration::seconds(280) && ahead <= Duration::seconds(305),
        "expiresAt is {ahead} ahead, not 5 minutes: {ceremony}"
    );
}

/// Sends a mutation that starts a ceremony; asserts it answered one.
async fn start_ceremony(
    app: &TestApp,
    query: &str,
    variables: Value,
    token: Option<&str>,
) -> Value {
    let body = app.gql(query, variables, token).await;
    assert_ok(&body);
    let (_, ceremony) = body["data"]
        .as_object()
        .and_then(|data| data.iter().next())
        .unwrap_or_else(|| panic!("no ceremony in {body}"));
    assert_ceremony(ceremony);
    ceremony.clone()
}

/// Registers `email` and confirms its password in that session at once.
///
/// Reading: API.md asks for reauthentication at `startPasskeyRegistration` only "when a second
/// factor exists"; Roster asks before the first one too (as at `startTotpEnrollment`: a fresh
/// sign-in is no proof there), so an account here confirms its password first, as a client
/// told `REAUTHENTICATION_REQUIRED` would.
async fn registered(app: &TestApp, email: &str) -> Tokens {
    let tokens = app.register(email).await;
    let proof = mfa::reauthenticate(app, &tokens.access, json!({ "password": PASSWORD })).await;
    assert_ok(&proof);
    tokens
}

/// `reauthenticate({passkey})` with the first passkey of `device` that the ceremony allows;
/// asserts it answered and returns the session.
async fn reauthenticate_with_passkey(
    app: &TestApp,
    token: &str,
    device: &mut Authenticator,
) -> Value {
    let ceremony = start_ceremony(app, START_REAUTHENTICATION, json!({}), Some(token)).await;
    let credential = device.get(&ceremony["options"]);
    let input = json!({ "input": { "passkey": assertion(&ceremony, credential) } });
    let body = app.gql(mfa::REAUTHENTICATE, input, Some(token)).await;
    assert_ok(&body);
    body["data"]["reauthenticate"].clone()
}

async fn start_registration(app: &TestApp, token: &str) -> Value {
    start_ceremony(app, START_REGISTRATION, json!({}), Some(token)).await
}

async fn finish_registration(
    app: &TestApp,
    token: &str,
    ceremony_id: &Value,
    credential: Value,
    label: Option<&str>,
) -> Value {
    let variables = json!({ "ceremony": ceremony_id, "credential": credential, "label": label });
    app.gql(FINISH_REGISTRATION, variables, Some(token)).await
}

/// Registers a new passkey made by `device` for the viewer of `token`; returns the `Passkey`.
async fn add_passkey(
    app: &TestApp,
    token: &str,
    device: &mut Authenticator,
    label: Option<&str>,
) -> Value {
    let ceremony = start_registration(app, token).await;
    let credential = device.create(&ceremony["options"]);
    let body = finish_registration(app, token, &ceremony["ceremonyId"], credential, label).await;
    assert_ok(&body);
    body["data"]["finishPasskeyRegistration"].clone()
}

async fn start_sign_in(app: &TestApp, login: Option<&str>) -> Value {
    start_ceremony(app, START_SIGN_IN, json!({ "login": login }), None).await
}

async fn finish_sign_in(app: &TestApp, ceremony: &Value, credential: Value) -> Value {
    let variables = json!({ "ceremony": ceremony["ceremonyId"], "credential": credential });
    app.gql(FINISH_SIGN_IN, variables, None).await
}

/// A whole sign-in with the first passkey of `device` that the ceremony allows; asserts it
/// answered and returns the `AuthPayload`.
async fn sign_in(app: &TestApp, device: &mut Authenticator, login: Option<&str>) -> Value {
    let ceremony = start_sign_in(app, login).await;
    let credential = device.get(&ceremony["options"]);
    let body = finish_sign_in(app, &ceremony, credential).await;
    assert_ok(&body);
    body["data"]["finishPasskeySignIn"].clone()
}

fn tokens_of(payload: &Value) -> Tokens {
    Tokens {
        access: payload["accessToken"].as_str().unwrap().to_owned(),
        refresh: payload["refreshToken"].as_str().unwrap().to_owned(),
        user_id: payload["user"]["id"].as_str().unwrap().to_owned(),
    }
}

/// `PasskeyAssertionInput` for an answer to `ceremony`.
fn assertion(ceremony: &Value, credential: Value) -> Value {
    json!({ "ceremonyId": ceremony["ceremonyId"], "credential": credential })
}

/// Asserts the refusal of an assertion at sign-in: `UNAUTHENTICATED` "passkey not accepted".
#[track_caller]
fn assert_not_accepted(body: &Value) {
    assert_code(body, "UNAUTHENTICATED");
    assert_eq!(
        body["errors"][0]["message"], "passkey not accepted",
        "{body}"
    );
    assert!(body["data"].is_null(), "{body}");
}

/// Asserts `BAD_USER_INPUT` naming `field` in `extensions.fields`.
#[track_caller]
fn assert_bad_input_on(body: &Value, field: &str) {
    assert_code(body, "BAD_USER_INPUT");
    let messages = &error_fields(body)[field];
    assert!(
        messages.as_array().is_some_and(|list| !list.is_empty()),
        "no message on fields.{field}: {body}"
    );
}

/// The credential ids a sign-in (or second-factor) ceremony allows.
fn allowed(ceremony: &Value) -> Vec<String> {
    ceremony["options"]["publicKey"]["allowCredentials"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The viewer with its passkeys, asserting it answered.
async fn my_passkeys(app: &TestApp, token: &str) -> Value {
    let body = app.gql(MY_PASSKEYS, json!({}), Some(token)).await;
    assert_ok(&body);
    body["data"]["me"].clone()
}

async fn passkey_count(app: &TestApp, token: &str) -> usize {
    my_passkeys(app, token).await["passkeys"]
        .as_array()
        .unwrap_or_else(|| panic!("passkeys is a list for oneself"))
        .len()
}

/// The audit events of `action`, newest first, as an ADMIN reads them.
async fn events(app: &TestApp, admin: &str, action: &str) -> Vec<Value> {
    let body = app
        .gql(AUDIT, json!({ "actions": [action] }), Some(admin))
        .await;
    assert_ok(&body);
    body["data"]["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

/// A P-256 key nobody registered.
fn stranger_key() -> SigningKey {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("BUG: the OS gives random bytes");
    SigningKey::from_bytes(&bytes.into()).expect("BUG: 32 random bytes are a P-256 scalar")
}

/// A random id in the form Roster's are, naming nothing.
fn unknown_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// What a value looks like without its content: keys and kinds, lists by their kinds.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), shape(value)))
                .collect(),
        ),
        Value::Array(items) => {
            let mut kinds: Vec<Value> = items.iter().map(shape).collect();
            kinds.dedup();
            Value::Array(kinds)
        }
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("boolean"),
        Value::Null => Value::Null,
    }
}

// ---------------------------------------------------------------------------------------------
// Registration

async fn registration_answers_the_documented_types(app: TestApp) {
    let ada = registered(&app, "ada@example.com").await;
    let before = my_passkeys(&app, &ada.access).await;
    assert_eq!(before["mfaEnabled"], false, "{before}");
    assert_eq!(before["passkeys"], json!([]), "{before}");

    let first = start_registration(&app, &ada.access).await;
    let options = &first["options"]["publicKey"];
    assert_eq!(options["rp"]["id"], "localhost", "{first}");
    assert_eq!(options["rp"]["name"], "Roster", "{first}");
    // "Registration requires user verification": the browser is told so.
    assert_eq!(
        options["authenticatorSelection"]["userVerification"], "required",
        "{first}"
    );
    // "asks for no attestation": `none`, or left out (WebAuthn's default is `none`).
    assert!(
        options.get("attestation").is_none_or(|a| a == "none"),
        "{first}"
    );
    assert!(
        options["pubKeyCredParams"]
            .as_array()
            .is_some_and(|params| params.iter().any(|p| p["alg"] == -7)),
        "ES256 is offered: {first}"
    );
    // No passkey yet: nothing to exclude.
    assert!(
        options["excludeCredentials"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{first}"
    );
    // "a random per-user handle (never the user's id)".
    let handle = options["user"]["id"].as_str().unwrap().to_owned();
    let handle_bytes = unb64(&handle);
    let user_id = uuid(&ada.user_id);
    assert_ne!(handle, ada.user_id);
    assert_ne!(handle_bytes, user_id.as_bytes());
    assert_ne!(handle_bytes, ada.user_id.as_bytes());
    assert_ne!(handle_bytes, user_id.simple().to_string().as_bytes());

    let second = start_registration(&app, &ada.access).await;
    assert_ne!(second["ceremonyId"], first["ceremonyId"]);
    assert_ne!(
        second["options"]["publicKey"]["challenge"],
        options["challenge"]
    );

    // Label left null: "Passkey". A device that keeps a counter and does not sync.
    let mut phone = device(&app);
    let started = Utc::now();
    let passkey = add_passkey(&app, &ada.access, &mut phone, None).await;
    assert!(!passkey["id"].as_str().unwrap_or_default().is_empty());
    assert_eq!(passkey["label"], "Passkey", "{passkey}");
    assert_eq!(passkey["backupEligible"], false, "{passkey}");
    assert_eq!(passkey["backedUp"], false, "{passkey}");
    let created = at(&passkey["createdAt"]);
    assert!(
        created >= started - Duration::seconds(5) && created <= Utc::now() + Duration::seconds(5),
        "{passkey}"
    );
    // Reading: API.md does not say whether registering counts as a use, so `lastUsedAt` is
    // only checked to be a time or null here (a sign-in sets it: see the sign-in test).
    assert!(passkey["lastUsedAt"].is_null() || passkey["lastUsedAt"].is_string());

    let after = my_passkeys(&app, &ada.access).await;
    assert_eq!(after["mfaEnabled"], true, "{after}");
    assert_eq!(after["passkeys"], json!([passkey]), "{after}");

    // The next registration excludes the passkey held, under the same user handle (the one
    // the authenticator was given, which it hands back as `userHandle`). Reading: "per-user"
    // means one handle per account, which a registered passkey fixes.
    let next = start_registration(&app, &ada.access).await;
    let next_options = &next["options"]["publicKey"];
    let excluded: Vec<&str> = next_options["excludeCredentials"]
        .as_array()
        .unwrap_or_else(|| panic!("excludeCredentials: {next}"))
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(excluded, [phone.credentials[0].id_text()], "{next}");
    assert_eq!(
        unb64(next_options["user"]["id"].as_str().unwrap()),
        phone.credentials[0].user_handle,
        "{next}"
    );

    // Without the label argument at all: "Passkey" too.
    let mut tablet = device(&app);
    let credential = tablet.create(&next["options"]);
    let variables = json!({ "ceremony": next["ceremonyId"], "credential": credential });
    let body = app
        .gql(FINISH_REGISTRATION_UNLABELLED, variables, Some(&ada.access))
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["finishPasskeyRegistration"]["label"],
        "Passkey"
    );

    // A synced passkey says so.
    let mut laptop = device(&app);
    laptop.synced = true;
    laptop.counts = false;
    let synced = add_passkey(&app, &ada.access, &mut laptop, Some("Laptop")).await;
    assert_eq!(synced["label"], "Laptop", "{synced}");
    assert_eq!(synced["backupEligible"], true, "{synced}");
    assert_eq!(synced["backedUp"], true, "{synced}");

    let listed = my_passkeys(&app, &ada.access).await["passkeys"].clone();
    let mut ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "{listed}");

    // Another account gets a handle of its own.
    let bob = registered(&app, "bob@example.com").await;
    let bobs = start_registration(&app, &bob.access).await;
    assert_ne!(bobs["options"]["publicKey"]["user"]["id"], handle);
    assert_ne!(
        unb64(bobs["options"]["publicKey"]["user"]["id"].as_str().unwrap()),
        phone.credentials[0].user_handle
    );
}

async fn registration_refusals_name_their_field(app: TestApp) {
    let ada = registered(&app, "ada@example.com").await;
    let bob = registered(&app, "bob@example.com").await;

    // Authenticated only.
    let body = app.gql(START_REGISTRATION, json!({}), None).await;
    assert_code(&body, "UNAUTHENTICATED");

    // An unknown ceremony (well-formed or not) is BAD_USER_INPUT on fields.ceremonyId.
    // Reading: a malformed id is BAD_USER_INPUT by the conventions; on the same field.
    let ceremony = start_registration(&app, &ada.access).await;
    let mut phone = device(&app);
    let credential = phone.create(&ceremony["options"]);
    for unknown in [json!(unknown_id()), json!("not-a-ceremony")] {
        let body = finish_registration(&app, &ada.access, &unknown, credential.clone(), None).await;
        assert_bad_input_on(&body, "ceremonyId");
    }

    // Another account's ceremony is unknown to this one (reading: "unknown" is per viewer).
    let body = finish_registration(
        &app,
        &bob.access,
        &ceremony["ceremonyId"],
        credential.clone(),
        None,
    )
    .await;
    assert_bad_input_on(&body, "ceremonyId");
    assert_eq!(passkey_count(&app, &bob.access).await, 0);

    // Malformed credential JSON: BAD_USER_INPUT on fields.credential.
    for malformed in [
        json!({}),
        json!("a credential"),
        json!({ "id": "abc", "type": "public-key" }),
        json!({ "id": credential["id"], "rawId": credential["rawId"], "type": "public-key",
                "response": { "clientDataJSON": "%%%", "attestationObject": "%%%" } }),
    ] {
        let fresh = start_registration(&app, &ada.access).await;
        let body =
            finish_registration(&app, &ada.access, &fresh["ceremonyId"], malformed, None).await;
        assert_bad_input_on(&body, "credential");
    }

    // Labels: 1 to 100 characters; nothing is stored otherwise.
    let too_long = "a".repeat(101);
    for label in ["", too_long.as_str()] {
        let fresh = start_registration(&app, &ada.access).await;
        let credential = device(&app).create(&fresh["options"]);
        let body = finish_registration(
            &app,
            &ada.access,
            &fresh["ceremonyId"],
            credential,
            Some(label),
        )
        .await;
        assert_bad_input_on(&body, "label");
    }
    assert_eq!(passkey_count(&app, &ada.access).await, 0);

    // A credential without user verification, or made at another origin, is refused and not
    // stored. Reading: API.md names no code for a refused attestation, so only the refusal is
    // checked.
    let mut careless = device(&app);
    careless.user_verification = false;
    let mut elsewhere = device(&app);
    elsewhere.origin = "http://evil.example".into();
    for refused in [&mut careless, &mut elsewhere] {
        let fresh = start_registration(&app, &ada.access).await;
        let credential = refused.create(&fresh["options"]);
        let body =
            finish_registration(&app, &ada.access, &fresh["ceremonyId"], credential, None).await;
        assert!(body["errors"].is_array(), "refused: {body}");
        assert!(body["data"].is_null(), "{body}");
    }
    assert_eq!(passkey_count(&app, &ada.access).await, 0);

    // Characters, not bytes: 100 of them in two bytes each.
    let accented = "é".repeat(100);
    let passkey = add_passkey(&app, &ada.access, &mut phone, Some(&accented)).await;
    assert_eq!(passkey["label"], accented.as_str());

    // A used ceremony: the one just finished, with a new credential for it.
    let mut tablet = device(&app);
    let used = start_registration(&app, &ada.access).await;
    let credential = tablet.create(&used["options"]);
    let body = finish_registration(&app, &ada.access, &used["ceremonyId"], credential, None).await;
    assert_ok(&body);
    let credential = device(&app).create(&used["options"]);
    let body = finish_registration(&app, &ada.access, &used["ceremonyId"], credential, None).await;
    assert_bad_input_on(&body, "ceremonyId");

    // A sign-in ceremony is no registration ceremony (reading: unknown as one).
    let sign_in = start_sign_in(&app, Some("ada@example.com")).await;
    let credential = device(&app).create(&used["options"]);
    let body =
        finish_registration(&app, &ada.access, &sign_in["ceremonyId"], credential, None).await;
    assert_bad_input_on(&body, "ceremonyId");
    assert_eq!(passkey_count(&app, &ada.access).await, 2);
}

async fn a_credential_registered_before_is_refused(app: TestApp) {
    let ada = registered(&app, "ada@example.com").await;
    let bob = registered(&app, "bob@example.com").await;
    let mut phone = device(&app);
    add_passkey(&app, &ada.access, &mut phone, None).await;
    let taken = phone.credentials[0].id.clone();

    // The same credential id from another device, for another account and for the same one
    // (a fresh device, so the browser has nothing to exclude).
    for tokens in [&bob, &ada] {
        let mut copy = device(&app);
        copy.next_credential_id = Some(taken.clone());
        let ceremony = start_registration(&app, &tokens.access).await;
        let credential = copy.create(&ceremony["options"]);
        let body = finish_registration(
            &app,
            &tokens.access,
            &ceremony["ceremonyId"],
            credential,
            None,
        )
        .await;
        // API.md: "a credential already registered is `CONFLICT`", another account's or
        // one's own.
        assert_code(&body, "CONFLICT");
        assert!(body["data"].is_null(), "{body}");
    }
    assert_eq!(passkey_count(&app, &ada.access).await, 1);
    assert_eq!(passkey_count(&app, &bob.access).await, 0);
    // The first registration still signs in, to its account.
    let payload = sign_in(&app, &mut phone, None).await;
    assert_eq!(payload["user"]["id"], ada.user_id.as_str());
}

/// Roster limits how many credential changes one account makes: `reauthenticate`,
/// `finishPasskeyRegistration`, `renamePasskey` and `deletePasskey` draw from one allowance of
/// ten at once, which grows back by one every 30 s (`TOO_MANY_REQUESTS` with `retryAfter`). The
/// tests stay within it.
async fn an_eleventh_passkey_is_refused(app: TestApp) {
    let ada = registered(&app, "ada@example.com").await;
    add_passkey(&app, &ada.access, &mut device(&app), Some("Device 1")).await;
    // Eight more as the database would hold them: registering each through the API would
    // outrun the account's allowance of answers.
    crate::passkeys::hold(&app, &ada.user_id, 9).await;
    let ceremony = start_registration(&app, &ada.access).await;
    let credential = device(&app).create(&ceremony["options"]);
    let variables = json!({
        "ceremony": ceremony["ceremonyId"],
        "credential": credential,
        "label": "Device 10",
    });
    assert_ok(
        &app.gql(FINISH_REGISTRATION, variables, Some(&ada.access))
            .await,
    );
    assert_eq!(passkey_count(&app, &ada.access).await, 10);

    // Reading: API.md does not say at which step the eleventh is refused; either the start or
    // the finish may answer CONFLICT LIMIT_REACHED, and nothing is stored.
    let started = app
        .gql(START_REGISTRATION, json!({}), Some(&ada.access))
        .await;
    if started.get("errors").is_some() {
        assert_refused(&started, "CONFLICT", "LIMIT_REACHED");
    } else {
        let ceremony = &started["data"]["startPasskeyRegistration"];
        let credential = device(&app).create(&ceremony["options"]);
        let variables = json!({ "ceremony": ceremony["ceremonyId"], "credential": credential });
        let body = app
            .gql(FINISH_REGISTRATION, variables, Some(&ada.access))
            .await;
        assert_refused(&body, "CONFLICT", "LIMIT_REACHED");
    }
    assert_eq!(passkey_count(&app, &ada.access).await, 10);
}

// ---------------------------------------------------------------------------------------------
// Sign-in

async fn a_passkey_signs_in_at_aal2_even_with_totp(app: TestApp) {
    let signed_up = app.register("ada@example.com").await;
    let ada = mfa::enrol(&app, "ada@example.com", signed_up).await;
    let mut phone = device(&app);
    add_passkey(&app, &ada.tokens.access, &mut phone, None).await;

    // The password asks for a second factor, and a passkey is one of them.
    let body = mfa::sign_in(&app, "ada@example.com", PASSWORD).await;
    assert_ok(&body);
    let required = &body["data"]["signIn"];
    assert_eq!(required["__typename"], "SecondFactorRequired", "{body}");
    let methods = required["methods"].as_array().unwrap();
    assert!(methods.contains(&json!("PASSKEY")), "{body}");
    assert!(methods.contains(&json!("TOTP")), "{body}");
    let body = app.try_login("ada@example.com", PASSWORD).await;
    assert_refused(&body, "FORBIDDEN", "SECOND_FACTOR_REQUIRED");
    let methods = &body["errors"][0]["extensions"]["methods"];
    assert!(
        methods.as_array().unwrap().contains(&json!("PASSKEY")),
        "{body}"
    );

    // With the login name: the account's passkeys are allowed, user verification asked for.
    let ceremony = start_sign_in(&app, Some("ada@example.com")).await;
    let options = &ceremony["options"]["publicKey"];
    assert_eq!(options["rpId"], "localhost", "{ceremony}");
    // Reading: a passkey without user verification is refused, so the browser is asked for it.
    assert_eq!(options["userVerification"], "required", "{ceremony}");
    assert_eq!(allowed(&ceremony), [phone.credentials[0].id_text()]);

    let started = Utc::now();
    let credential = phone.get(&ceremony["options"]);
    let body = finish_sign_in(&app, &ceremony, credential.clone()).await;
    assert_ok(&body);
    let payload = &body["data"]["finishPasskeySignIn"];
    assert_eq!(payload["tokenType"], "Bearer", "{body}");
    assert_eq!(payload["user"]["id"], ada.user_id(), "{body}");
    let session = &payload["session"];
    assert_eq!(session["assuranceLevel"], "AAL2", "{body}");
    assert_eq!(
        session["authenticationMethods"],
        json!(["PASSKEY"]),
        "{body}"
    );
    assert!(at(&session["authenticatedAt"]) >= started - Duration::seconds(5));
    let tokens = tokens_of(payload);
    // Reading: of RFC 8176's values API.md lists, `hwk` is the passkey's.
    let claims = mfa::claims(&tokens.access);
    let amr = claims["amr"].as_array().unwrap();
    assert!(amr.contains(&json!("hwk")), "{claims}");
    let me = my_passkeys(&app, &tokens.access).await;
    assert_eq!(me["id"], ada.user_id());
    let used = at(&me["passkeys"][0]["lastUsedAt"]);
    assert!(used >= started - Duration::seconds(5), "{me}");
    let current = mfa::current_session(&app, &tokens.access).await;
    assert_eq!(current["assuranceLevel"], "AAL2", "{current}");
    assert_eq!(current["authenticationMethods"], json!(["PASSKEY"]));

    // A used ceremony, an unknown one, and one of another kind: CHALLENGE_EXPIRED.
    let again = phone.get(&ceremony["options"]);
    let body = finish_sign_in(&app, &ceremony, again).await;
    assert_refused(&body, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");
    let unknown = json!({ "ceremonyId": unknown_id() });
    let fresh = start_sign_in(&app, Some("ada@example.com")).await;
    let credential = phone.get(&fresh["options"]);
    let body = finish_sign_in(&app, &unknown, credential).await;
    assert_refused(&body, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");
    // Reading: a registration ceremony is unknown as a sign-in ceremony.
    let registration = start_registration(&app, &ada.tokens.access).await;
    let credential = phone.get(&fresh["options"]);
    let body = finish_sign_in(&app, &registration, credential).await;
    assert_refused(&body, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");

    // Without a login name: the browser offers the discoverable passkey, and the account comes
    // from it.
    let body = app.gql(START_DISCOVERABLE_SIGN_IN, json!({}), None).await;
    assert_ok(&body);
    let ceremony = &body["data"]["startPasskeySignIn"];
    assert_ceremony(ceremony);
    assert!(allowed(ceremony).is_empty(), "{ceremony}");
    let credential = phone.get(&ceremony["options"]);
    let body = finish_sign_in(&app, ceremony, credential).await;
    assert_ok(&body);
    let payload = &body["data"]["finishPasskeySignIn"];
    assert_eq!(payload["user"]["id"], ada.user_id(), "{body}");
    assert_eq!(payload["session"]["assuranceLevel"], "AAL2");
    assert_eq!(
        payload["session"]["authenticationMethods"],
        json!(["PASSKEY"])
    );

    // A ceremony started with one login name and answered by another account's passkey never
    // signs in the account named ("never from an argument"). Reading: refusing it, or signing
    // in the passkey's owner, both keep to that.
    let mut bobs = device(&app);
    let bob = registered(&app, "bob@example.com").await;
    add_passkey(&app, &bob.access, &mut bobs, None).await;
    let named_ada = start_sign_in(&app, Some("ada@example.com")).await;
    let credential = bobs.get_with(0, &named_ada["options"]);
    let body = finish_sign_in(&app, &named_ada, credential).await;
    if body.get("errors").is_some() {
        assert_not_accepted(&body);
    } else {
        assert_eq!(
            body["data"]["finishPasskeySignIn"]["user"]["id"],
            bob.user_id.as_str()
        );
    }
}

async fn an_unknown_login_gets_a_ceremony_of_the_same_shape(app: TestApp) {
    let ada = registered(&app, "ada@example.com").await;
    let mut phone = device(&app);
    add_passkey(&app, &ada.access, &mut phone, None).await;
    let carl = registered(&app, "carl@example.com").await;

    let real = start_sign_in(&app, Some("ada@example.com")).await;
    let unknown = start_sign_in(&app, Some("nobody@example.com")).await;
    let without = start_sign_in(&app, Some("carl@example.com")).await;
    assert_eq!(allowed(&real).len(), 1, "{real}");
    // Reading: "a stable fake credential id" is about what the answer hides, not a count:
    // Roster lists one or more fake ids (as an account may hold several passkeys), each
    // `{ id, type }` as a real one is, so only a non-empty list is asserted.
    for fake in [&unknown, &without] {
        assert_eq!(shape(fake), shape(&real), "{fake}\n{real}");
        assert!(!allowed(fake).is_empty(), "{fake}");
        assert!(
            allowed(fake).iter().all(|id| !allowed(&real).contains(id)),
            "{fake}"
        );
        assert_ne!(
            fake["options"]["publicKey"]["challenge"],
            real["options"]["publicKey"]["challenge"]
        );
    }
    // Stable: the same fake id each time for one login name.
    let again = start_sign_in(&app, Some("nobody@example.com")).await;
    assert_eq!(allowed(&again), allowed(&unknown));
    let again = start_sign_in(&app, Some("carl@example.com")).await;
    assert_eq!(allowed(&again), allowed(&without));
    // Reading: "stable" per login name, so two unknown names do not share one id (which would
    // tell fake from real by comparing two).
    let other = start_sign_in(&app, Some("someone@example.com")).await;
    assert_ne!(allowed(&other), allowed(&unknown));

    // Answering either with a passkey Roster does not know: the same refusal.
    let mut stranger = device(&app);
    let registration = start_registration(&app, &carl.access).await;
    stranger.create(&registration["options"]);
    for ceremony in [&real, &unknown, &without] {
        let credential = stranger.get_with(0, &ceremony["options"]);
        let body = finish_sign_in(&app, ceremony, credential).await;
        assert_not_accepted(&body);
    }
}

/// What a forged browser does differently, and how.
type Forgery = (&'static str, fn(&mut Authenticator));

async fn refused_assertions_at_sign_in_are_not_accepted(app: TestApp) {
    let ada = registered(&app, "ada@example.com").await;
    let mut phone = device(&app);
    add_passkey(&app, &ada.access, &mut phone, None).await;
    let mut signatures = Vec::new();

    // Each forgery is refused; the honest passkey then signs in (a success also keeps the
    // account's login throttle at rest between them).
    let forgeries: [Forgery; 4] = [
        ("another origin", |d| {
            d.origin = "http://evil.example".into()
        }),
        ("another RP ID", |d| {
            d.rp_id_hash_of = Some("evil.example".into())
        }),
        ("no user verification", |d| d.user_verification = false),
        ("another key's signature", |d| {
            d.credentials[0].key = stranger_key()
        }),
    ];
    for (forgery, forge) in forgeries {
        let mut forged = device(&app);
        forged.credentials = phone.credentials.clone();
        forge(&mut forged);
        let ceremony = start_sign_in(&app, Some("ada@example.com")).await;
        let credential = forged.get(&ceremony["options"]);
        signatures.push(credential["response"]["signature"].clone());
        phone.credentials[0].counter = forged.credentials[0].counter;
        let body = finish_sign_in(&app, &ceremony, credential).await;
        assert!(body.get("errors").is_some(), "{forgery} accepted: {body}");
        assert_not_accepted(&body);
        sign_in(&app, &mut phone, Some("ada@example.com")).await;
    }

    // A credential Roster never registered, offered as a discoverable one.
    let mut stranger = device(&app);
    let registration = start_registration(&app, &ada.access).await;
    stranger.create(&registration["options"]);
    let ceremony = start_sign_in(&app, None).await;
    let credential = stranger.get(&ceremony["options"]);
    signatures.push(credential["response"]["signature"].clone());
    assert_not_accepted(&finish_sign_in(&app, &ceremony, credential).await);

    // A counter going backwards (the passkey has counted well past 2 by now).
    let counter = phone.credentials[0].counter;
    assert!(counter > 2, "BUG in the test: the counter is {counter}");
    phone.credentials[0].counter = 1;
    let ceremony = start_sign_in(&app, Some("ada@example.com")).await;
    let credential = phone.get(&ceremony["options"]);
    signatures.push(credential["response"]["signature"].clone());
    assert_not_accepted(&finish_sign_in(&app, &ceremony, credential).await);

    // Recorded, and no secret of the assertions in the events. Reading: each refused assertion
    // of a known passkey is one PASSKEY_REJECTED naming its account.
    let admin = app.admin("root@example.com").await;
    let rejected = events(&app, &admin.access, "PASSKEY_REJECTED").await;
    let of_ada = rejected
        .iter()
        .filter(|event| event["userId"] == ada.user_id.as_str())
        .count();
    assert_eq!(of_ada, 5, "{rejected:?}");
    let text = serde_json::to_string(&rejected).unwrap();
    for signature in &signatures {
        assert!(!text.contains(signature.as_str().unwrap()), "{text}");
    }
}

async fn a_counter_of_zero_is_always_accepted(app: TestApp) {
    let ada = registered(&app, "ada@example.com").await;
    let mut synced = device(&app);
    synced.synced = true;
    synced.counts = false;
    let passkey = add_passkey(&app, &ada.access, &mut synced, None).await;
    assert_eq!(passkey["backupEligible"], true, "{passkey}");
    assert_eq!(passkey["backedUp"], true, "{passkey}");
    for _ in 0..3 {
        assert_eq!(synced.credentials[0].counter, 0);
        let payload = sign_in(&app, &mut synced, Some("ada@example.com")).await;
        assert_eq!(payload["user"]["id"], ada.user_id.as_str());
        let payload = sign_in(&app, &mut synced, None).await;
        assert_eq!(payload["user"]["id"], ada.user_id.as_str());
    }
}

// ---------------------------------------------------------------------------------------------
// The second factor and step-up

async fn a_passkey_as_the_second_factor(app: TestApp) {
    let ada = registered(&app, "ada@example.com").await;
    let mut phone = device(&app);
    add_passkey(&app, &ada.access, &mut phone, None).await;
    let bob = registered(&app, "bob@example.com").await;
    let mut bobs = device(&app);
    add_passkey(&app, &bob.access, &mut bobs, None).await;

    let body = mfa::sign_in(&app, "ada@example.com", PASSWORD).await;
    assert_ok(&body);
    let required = &body["data"]["signIn"];
    assert_eq!(required["__typename"], "SecondFactorRequired", "{body}");
    assert!(
        required["methods"]
            .as_array()
            .unwrap()
            .contains(&json!("PASSKEY")),
        "{body}"
    );
    let challenge = required["challengeToken"].as_str().unwrap().to_owned();
    let start = json!({ "token": challenge });

    // Refused assertions: INVALID_SECOND_FACTOR; the challenge takes another attempt.
    let ceremony = start_ceremony(&app, START_CHALLENGE, start.clone(), None).await;
    assert_eq!(allowed(&ceremony), [phone.credentials[0].id_text()]);
    phone.user_verification = false;
    let credential = phone.get(&ceremony["options"]);
    phone.user_verification = true;
    let body = mfa::verify(
        &app,
        &challenge,
        json!({ "passkey": assertion(&ceremony, credential) }),
    )
    .await;
    assert_refused(&body, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
    let ceremony = start_ceremony(&app, START_CHALLENGE, start.clone(), None).await;
    let credential = bobs.get_with(0, &ceremony["options"]);
    let body = mfa::verify(
        &app,
        &challenge,
        json!({ "passkey": assertion(&ceremony, credential) }),
    )
    .await;
    assert_refused(&body, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");

    let started = Utc::now();
    let ceremony = start_ceremony(&app, START_CHALLENGE, start.clone(), None).await;
    let credential = phone.get(&ceremony["options"]);
    let body = mfa::verify(
        &app,
        &challenge,
        json!({ "passkey": assertion(&ceremony, credential) }),
    )
    .await;
    assert_ok(&body);
    let payload = &body["data"]["verifySecondFactor"];
    assert_eq!(payload["user"]["id"], ada.user_id.as_str(), "{body}");
    let session = &payload["session"];
    assert_eq!(session["assuranceLevel"], "AAL2", "{body}");
    let methods = session["authenticationMethods"].as_array().unwrap();
    assert!(methods.contains(&json!("PASSWORD")), "{body}");
    assert!(methods.contains(&json!("PASSKEY")), "{body}");
    assert!(at(&session["authenticatedAt"]) >= started - Duration::seconds(5));

    // The challenge is used now. Reading: starting a passkey ceremony for a used or unknown
    // challenge answers as the challenge does, UNAUTHENTICATED CHALLENGE_EXPIRED.
    for token in [challenge.as_str(), "no-such-challenge"] {
        let body = app
            .gql(START_CHALLENGE, json!({ "token": token }), None)
            .await;
        assert_refused(&body, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");
    }

    // A new challenge: an unknown ceremony, and malformed credential JSON.
    let challenge = mfa::challenge(&app, "ada@example.com").await;
    let fresh = start_ceremony(&app, START_CHALLENGE, json!({ "token": challenge }), None).await;
    let credential = phone.get(&fresh["options"]);
    let unknown = json!({ "ceremonyId": unknown_id(), "credential": credential });
    let body = mfa::verify(&app, &challenge, json!({ "passkey": unknown })).await;
    // Reading: the second step is part of signing in, where an unknown ceremony is
    // CHALLENGE_EXPIRED; an implementation may also see it as a wrong second factor.
    assert_code(&body, "UNAUTHENTICATED");
    assert!(
        reason(&body) == "CHALLENGE_EXPIRED" || reason(&body) == "INVALID_SECOND_FACTOR",
        "{body}"
    );
    let body = mfa::verify(
        &app,
        &challenge,
        json!({ "passkey": { "ceremonyId": fresh["ceremonyId"], "credential": { "id": 1 } } }),
    )
    .await;
    // Reading: "on fields.credential" holds here too.
    assert_bad_input_on(&body, "credential");
}

async fn reauthenticating_with_a_passkey(app: TestApp) {
    let ada = registered(&app, "ada@example.com").await;
    let mut phone = device(&app);
    let passkey = add_passkey(&app, &ada.access, &mut phone, None).await;
    let bob = registered(&app, "bob@example.com").await;
    let mut bobs = device(&app);
    add_passkey(&app, &bob.access, &mut bobs, None).await;

    let body = app.gql(START_REAUTHENTICATION, json!({}), None).await;
    assert_code(&body, "UNAUTHENTICATED");

    // Past the window: deleting a passkey and adding one (a second factor exists) need a
    // fresh proof; renaming is not marked "reauthentication" and needs none.
    age_sign_ins(&app, &ada.user_id, Duration::minutes(10)).await;
    let body = app
        .gql(DELETE, json!({ "id": passkey["id"] }), Some(&ada.access))
        .await;
    assert_refused(&body, "FORBIDDEN", "REAUTHENTICATION_REQUIRED");
    // Reading: `extensions.methods` lists the ways to reauthenticate, the passkey among them.
    let methods = &body["errors"][0]["extensions"]["methods"];
    assert!(
        methods
            .as_array()
            .is_some_and(|m| m.contains(&json!("PASSKEY"))),
        "{body}"
    );
    let body = app
        .gql(START_REGISTRATION, json!({}), Some(&ada.access))
        .await;
    assert_refused(&body, "FORBIDDEN", "REAUTHENTICATION_REQUIRED");
    let variables = json!({ "id": passkey["id"], "label": "Phone" });
    let body = app.gql(RENAME, variables, Some(&ada.access)).await;
    assert_ok(&body);
    assert_eq!(passkey_count(&app, &ada.access).await, 1);

    // A refused assertion: reading "a wrong secret is BAD_USER_INPUT on that field" for the
    // `passkey` field. Another account's passkey is refused alike.
    let ceremony = start_ceremony(&app, START_REAUTHENTICATION, json!({}), Some(&ada.access)).await;
    assert_eq!(allowed(&ceremony), [phone.credentials[0].id_text()]);
    phone.user_verification = false;
    let credential = phone.get(&ceremony["options"]);
    phone.user_verification = true;
    let body = mfa::reauthenticate(
        &app,
        &ada.access,
        json!({ "passkey": assertion(&ceremony, credential) }),
    )
    .await;
    assert_bad_input_on(&body, "passkey");
    let ceremony = start_ceremony(&app, START_REAUTHENTICATION, json!({}), Some(&ada.access)).await;
    let credential = bobs.get_with(0, &ceremony["options"]);
    let body = mfa::reauthenticate(
        &app,
        &ada.access,
        json!({ "passkey": assertion(&ceremony, credential) }),
    )
    .await;
    assert_bad_input_on(&body, "passkey");

    // The proof: AAL2 and a fresh authenticatedAt on this very session.
    let started = Utc::now();
    let ceremony = start_ceremony(&app, START_REAUTHENTICATION, json!({}), Some(&ada.access)).await;
    let credential = phone.get(&ceremony["options"]);
    let body = mfa::reauthenticate(
        &app,
        &ada.access,
        json!({ "passkey": assertion(&ceremony, credential.clone()) }),
    )
    .await;
    assert_ok(&body);
    let session = &body["data"]["reauthenticate"];
    assert_eq!(session["current"], true, "{body}");
    assert_eq!(session["assuranceLevel"], "AAL2", "{body}");
    assert!(
        session["authenticationMethods"]
            .as_array()
            .unwrap()
            .contains(&json!("PASSKEY")),
        "{body}"
    );
    assert!(at(&session["authenticatedAt"]) >= started - Duration::seconds(5));
    assert_eq!(
        mfa::current_session(&app, &ada.access).await["assuranceLevel"],
        "AAL2"
    );

    // Its ceremony is spent.
    let again = phone.get(&ceremony["options"]);
    let body = mfa::reauthenticate(
        &app,
        &ada.access,
        json!({ "passkey": assertion(&ceremony, again) }),
    )
    .await;
    assert!(
        body.get("errors").is_some(),
        "a used ceremony again: {body}"
    );

    // Now the passkey can go, and with it the second factor.
    let body = app
        .gql(DELETE, json!({ "id": passkey["id"] }), Some(&ada.access))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["deletePasskey"], true);
    let me = my_passkeys(&app, &ada.access).await;
    assert_eq!(me["passkeys"], json!([]), "{me}");
    assert_eq!(me["mfaEnabled"], false, "{me}");
    let ceremony = start_sign_in(&app, None).await;
    let credential = phone.get(&ceremony["options"]);
    assert_not_accepted(&finish_sign_in(&app, &ceremony, credential).await);
}

// ---------------------------------------------------------------------------------------------
// Managing passkeys

async fn renaming_and_deleting(app: TestApp) {
    // Roster limits how many credential changes one account makes in a short time (see
    // the allowance); the checks are spread over two accounts to stay under it.
    let ada = registered(&app, "ada@example.com").await;
    let bob = registered(&app, "bob@example.com").await;
    let work = add_passkey(&app, &ada.access, &mut device(&app), Some("Work")).await;
    let home = add_passkey(&app, &ada.access, &mut device(&app), Some("Home")).await;
    let spare = add_passkey(&app, &bob.access, &mut device(&app), Some("Spare")).await;

    let variables = json!({ "id": work["id"], "label": "Work laptop" });
    let body = app.gql(RENAME, variables, Some(&ada.access)).await;
    assert_ok(&body);
    let renamed = &body["data"]["renamePasskey"];
    assert_eq!(renamed["label"], "Work laptop");
    for field in [
        "id",
        "createdAt",
        "lastUsedAt",
        "backupEligible",
        "backedUp",
    ] {
        assert_eq!(renamed[field], work[field], "{field}: {body}");
    }
    for label in [String::new(), "x".repeat(101)] {
        let variables = json!({ "id": spare["id"], "label": label });
        let body = app.gql(RENAME, variables, Some(&bob.access)).await;
        assert_bad_input_on(&body, "label");
    }
    let variables = json!({ "id": spare["id"], "label": "y".repeat(100) });
    assert_ok(&app.gql(RENAME, variables, Some(&bob.access)).await);

    // Ids: unknown or another account's is NOT_FOUND (as `revokeSession` answers for another
    // user's session); a malformed id is `BAD_USER_INPUT` by API.md's conventions.
    for mutation in [RENAME, DELETE] {
        let variables = json!({ "id": "not-an-id", "label": "Mine" });
        let body = app.gql(mutation, variables, Some(&ada.access)).await;
        assert_code(&body, "BAD_USER_INPUT");
    }
    for (id, token) in [
        (json!(unknown_id()), &ada.access),
        (work["id"].clone(), &bob.access),
    ] {
        let body = app
            .gql(RENAME, json!({ "id": id, "label": "Mine" }), Some(token))
            .await;
        assert_code(&body, "NOT_FOUND");
        let body = app.gql(DELETE, json!({ "id": id }), Some(token)).await;
        assert_code(&body, "NOT_FOUND");
    }
    assert_eq!(passkey_count(&app, &ada.access).await, 2);

    let body = app
        .gql(DELETE, json!({ "id": work["id"] }), Some(&ada.access))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["deletePasskey"], true);
    let listed = my_passkeys(&app, &ada.access).await["passkeys"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], home["id"]);
    let body = app
        .gql(DELETE, json!({ "id": work["id"] }), Some(&ada.access))
        .await;
    assert_code(&body, "NOT_FOUND");

    let admin = app.admin("root@example.com").await;
    let mut added = events(&app, &admin.access, "PASSKEY_ADDED").await;
    added.retain(|event| event["userId"] != bob.user_id.as_str());
    assert_eq!(added.len(), 2, "{added:?}");
    for event in &added {
        assert_eq!(event["userId"], ada.user_id.as_str(), "{event}");
        assert_eq!(event["actorId"], ada.user_id.as_str(), "{event}");
    }
    let removed = events(&app, &admin.access, "PASSKEY_REMOVED").await;
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert_eq!(removed[0]["userId"], ada.user_id.as_str());
    assert_eq!(removed[0]["actorId"], ada.user_id.as_str());
}

async fn the_last_way_to_sign_in_stays(app: TestApp) {
    let accounts = [("ada", identity::verified("ada-subject", "ada@example.com"))];
    let Some(provider) = identity::connect(&app, &accounts, json!({})).await else {
        return;
    };
    // An account without a password, made by a provider sign-in.
    let ada = identity::session_of(&identity::sign_in_via(&app, &provider, "ada").await);
    let mut phone = device(&app);
    let passkey = add_passkey(&app, &ada.access, &mut phone, None).await;
    let me = identity::me(&app, &ada.access).await;
    assert_eq!(me["hasPassword"], false, "{me}");
    let body = app
        .gql(
            identity::UNLINK,
            json!({ "id": me["identities"][0]["id"] }),
            Some(&ada.access),
        )
        .await;
    assert_ok(&body);

    // The passkey is its only way in now. Reading: the provider sign-in of a moment ago is
    // within the window, but Roster asks for a `reauthenticate` after a sign-in; done here.
    reauthenticate_with_passkey(&app, &ada.access, &mut phone).await;
    let body = app
        .gql(DELETE, json!({ "id": passkey["id"] }), Some(&ada.access))
        .await;
    assert_refused(&body, "CONFLICT", "LAST_SIGN_IN_METHOD");
    assert_eq!(passkey_count(&app, &ada.access).await, 1);
    let payload = sign_in(&app, &mut phone, None).await;
    assert_eq!(payload["user"]["id"], ada.user_id.as_str());
    assert_eq!(payload["session"]["assuranceLevel"], "AAL2");
}

async fn passkeys_are_for_their_owner_and_admins(app: TestApp) {
    let admin = Admin::new(&app, "root@example.com").await;
    let viewer = admin
        .user_holding_directly("vic@example.com", &["users.view"])
        .await;
    let ada = registered(&app, "ada@example.com").await;
    let passkey = add_passkey(&app, &ada.access, &mut device(&app), Some("Phone")).await;
    let listed = json!([{ "id": passkey["id"], "label": "Phone" }]);

    for token in [&ada.access, &admin.tokens.access] {
        let body = app
            .gql(USER_PASSKEYS, json!({ "id": ada.user_id }), Some(token))
            .await;
        assert_ok(&body);
        assert_eq!(body["data"]["user"]["passkeys"], listed, "{body}");
        assert_eq!(body["data"]["user"]["mfaEnabled"], true, "{body}");
    }

    // users.view sees the user and `mfaEnabled`, not the passkeys: null + FORBIDDEN there.
    let body = viewer
        .call(USER_PASSKEYS, json!({ "id": ada.user_id }))
        .await;
    let user = &body["data"]["user"];
    assert_eq!(user["id"], ada.user_id.as_str(), "{body}");
    assert_eq!(user["mfaEnabled"], true, "{body}");
    assert!(user["passkeys"].is_null(), "{body}");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["extensions"]["code"], "FORBIDDEN", "{body}");
    assert_eq!(errors[0]["path"], json!(["user", "passkeys"]), "{body}");

    // `mfaEnabled` holds for a passkey in the users filter too.
    let query = "{ users(filter: { mfaEnabled: true }) { nodes { id } } }";
    let data = admin.ok(query, json!({})).await;
    assert_eq!(
        data["users"]["nodes"],
        json!([{ "id": ada.user_id }]),
        "{data}"
    );
}

async fn required_mfa_lets_a_passkey_be_enrolled_and_keeps_the_last(app: TestApp) {
    let ada = registered(&app, "ada@example.com").await;
    let body = app
        .gql(
            "{ myAuditEvents { totalCount } }",
            json!({}),
            Some(&ada.access),
        )
        .await;
    assert_refused(&body, "FORBIDDEN", "MFA_ENROLLMENT_REQUIRED");

    // The passkey registration mutations serve a token that must enrol.
    let passkey = add_passkey(&app, &ada.access, &mut device(&app), None).await;

    // Removing the account's last second factor is refused the same way.
    let body = app
        .gql(DELETE, json!({ "id": passkey["id"] }), Some(&ada.access))
        .await;
    assert_refused(&body, "FORBIDDEN", "MFA_ENROLLMENT_REQUIRED");
    assert_eq!(passkey_count(&app, &ada.access).await, 1);
}

// ---------------------------------------------------------------------------------------------
// Expiry

/// Moves the expiry of every ceremony 10 minutes into the past, as time passing would.
///
/// API.md says ceremony state stays on the server, shared by replicas, so in the database;
/// without reading the server's code this finds it by the running schema: a table whose name
/// speaks of passkeys, WebAuthn or ceremonies and that has an `expires_at` column.
async fn expire_ceremonies(app: &TestApp) {
    let db = app.db();
    let backend = db.get_database_backend();
    let tables_sql = match backend {
        DbBackend::Sqlite => {
            "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.name = 'expires_at'"
        }
        _ => {
            "SELECT table_name::text FROM information_schema.columns \
             WHERE column_name = 'expires_at' AND table_schema = current_schema()"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, tables_sql))
        .await
        .unwrap();
    let tables: Vec<String> = rows
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .filter(|name| {
            ["passkey", "webauthn", "ceremon"]
                .iter()
                .any(|w| name.contains(w))
        })
        .collect();
    assert!(
        !tables.is_empty(),
        "no table of ceremonies with expires_at found"
    );
    let placeholder = if backend == DbBackend::Sqlite {
        "?"
    } else {
        "$1"
    };
    for table in tables {
        let past = roster::db::now() - Duration::minutes(10);
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("UPDATE {table} SET expires_at = {placeholder}"),
            [past.into()],
        ))
        .await
        .unwrap();
    }
}

async fn expired_ceremonies(app: TestApp) {
    let ada = registered(&app, "ada@example.com").await;
    let mut phone = device(&app);
    add_passkey(&app, &ada.access, &mut phone, None).await;

    let registration = start_registration(&app, &ada.access).await;
    let named = start_sign_in(&app, Some("ada@example.com")).await;
    let discoverable = start_sign_in(&app, None).await;
    expire_ceremonies(&app).await;

    let credential = device(&app).create(&registration["options"]);
    let body = finish_registration(
        &app,
        &ada.access,
        &registration["ceremonyId"],
        credential,
        None,
    )
    .await;
    assert_bad_input_on(&body, "ceremonyId");
    for ceremony in [&named, &discoverable] {
        let credential = phone.get(&ceremony["options"]);
        let body = finish_sign_in(&app, ceremony, credential).await;
        assert_refused(&body, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");
    }
    assert_eq!(passkey_count(&app, &ada.access).await, 1);
    // A new ceremony still works.
    let payload = sign_in(&app, &mut phone, Some("ada@example.com")).await;
    assert_eq!(payload["session"]["assuranceLevel"], "AAL2");
}
