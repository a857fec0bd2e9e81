//! Passkeys over real HTTP (API.md, "Passkeys (WebAuthn)"): registering, signing in with and
//! without a login name, a passkey as the second factor and in `reauthenticate`, renaming and
//! removing, and what forged answers get.
//!
//! The browser and its authenticator are `support::webauthn`, written from the WebAuthn
//! formats apart from the server's library: it answers Roster's options as
//! `PublicKeyCredential.toJSON()` would, and can be made to forge what a browser never sends.

mod forgery;
mod registration;
mod replicas;
mod second_factor;
mod sign_in;

use roster::db::entities::passkeys;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::mfa::reauthenticate;
use crate::support::webauthn::Authenticator;
use crate::support::{PASSWORD, TestApp, Tokens, assert_ok, uuid};

pub const START_REGISTRATION: &str =
    "mutation { startPasskeyRegistration { ceremonyId options expiresAt } }";

pub const FINISH_REGISTRATION: &str = "mutation($id: ID!, $credential: JSON!, $label: String) {
  finishPasskeyRegistration(ceremonyId: $id, credential: $credential, label: $label) {
    id label createdAt lastUsedAt backupEligible backedUp
  }
}";

pub const START_SIGN_IN: &str = "mutation($login: String) {
  startPasskeySignIn(login: $login) { ceremonyId options expiresAt }
}";

pub const FINISH_SIGN_IN: &str = "mutation($id: ID!, $credential: JSON!) {
  finishPasskeySignIn(ceremonyId: $id, credential: $credential) {
    accessToken refreshToken user { id email mfaEnabled }
    session { id current assuranceLevel authenticationMethods authenticatedAt }
  }
}";

pub const START_CHALLENGE: &str = "mutation($token: String!) {
  startPasskeyChallenge(challengeToken: $token) { ceremonyId options expiresAt }
}";

pub const START_REAUTHENTICATION: &str =
    "mutation { startPasskeyReauthentication { ceremonyId options expiresAt } }";

pub const RENAME: &str =
    "mutation($id: ID!, $label: String!) { renamePasskey(id: $id, label: $label) { id label } }";

pub const DELETE: &str = "mutation($id: ID!) { deletePasskey(id: $id) }";

pub const MY_PASSKEYS: &str = "{ me { id mfaEnabled \
     passkeys { id label createdAt lastUsedAt backupEligible backedUp } } }";

/// The origin the server takes ceremonies from (`http://localhost:PORT` for a test server).
pub fn origin(app: &TestApp) -> String {
    let party = app.state.passkeys.relying_party().expect("passkeys are on");
    party.origins[0].as_str().trim_end_matches('/').to_owned()
}

/// A user-verifying platform authenticator in a browser on the server's origin.
pub fn device(app: &TestApp) -> Authenticator {
    Authenticator::new(&origin(app))
}

/// A ceremony a start mutation returned: its id and options.
pub struct Ceremony {
    pub id: String,
    pub options: Value,
}

/// The ceremony in `body`'s `field`, asserting it answered.
#[track_caller]
pub fn ceremony(body: &Value, field: &str) -> Ceremony {
    assert_ok(body);
    let started = &body["data"][field];
    Ceremony {
        id: started["ceremonyId"].as_str().unwrap().to_owned(),
        options: started["options"].clone(),
    }
}

/// Confirms the password in the session of `token`, as a client asked for it would.
pub async fn confirm_password(app: &TestApp, token: &str) {
    assert_ok(&reauthenticate(app, token, json!({ "password": PASSWORD })).await);
}

pub async fn start_registration(app: &TestApp, token: &str) -> Value {
    app.gql(START_REGISTRATION, json!({}), Some(token)).await
}

pub async fn finish_registration(
    app: &TestApp,
    token: &str,
    id: &str,
    credential: Value,
    label: Option<&str>,
) -> Value {
    let variables = json!({ "id": id, "credential": credential, "label": label });
    app.gql(FINISH_REGISTRATION, variables, Some(token)).await
}

/// Adds a passkey made by `device` to the account of `token` (whose password is `PASSWORD`),
/// reauthenticating first; returns the passkey as `finishPasskeyRegistration` showed it.
pub async fn add_passkey(app: &TestApp, token: &str, device: &mut Authenticator) -> Value {
    confirm_password(app, token).await;
    add_passkey_now(app, token, device).await
}

/// `add_passkey` in a session that just reauthenticated.
pub async fn add_passkey_now(app: &TestApp, token: &str, device: &mut Authenticator) -> Value {
    let started = ceremony(
        &start_registration(app, token).await,
        "startPasskeyRegistration",
    );
    let credential = device.create(&started.options);
    let body = finish_registration(app, token, &started.id, credential, None).await;
    assert_ok(&body);
    body["data"]["finishPasskeyRegistration"].clone()
}

/// A new account `email` holding one passkey of a new device: its tokens (the session that
/// added it), the device, and the passkey.
pub async fn with_passkey(app: &TestApp, email: &str) -> (Tokens, Authenticator, Value) {
    let tokens = app.register(email).await;
    let mut device = device(app);
    let passkey = add_passkey(app, &tokens.access, &mut device).await;
    (tokens, device, passkey)
}

pub async fn start_sign_in(app: &TestApp, login: Option<&str>) -> Value {
    app.gql(START_SIGN_IN, json!({ "login": login }), None)
        .await
}

pub async fn finish_sign_in(app: &TestApp, id: &str, credential: Value) -> Value {
    app.gql(
        FINISH_SIGN_IN,
        json!({ "id": id, "credential": credential }),
        None,
    )
    .await
}

/// Signs in with `device`'s passkey (with `login`, or discoverable without); the response.
pub async fn passkey_sign_in(
    app: &TestApp,
    device: &mut Authenticator,
    login: Option<&str>,
) -> Value {
    let started = ceremony(&start_sign_in(app, login).await, "startPasskeySignIn");
    let credential = device.get(&started.options);
    finish_sign_in(app, &started.id, credential).await
}

/// The passkey rows of `user_id`.
pub async fn passkey_rows(app: &TestApp, user_id: &str) -> Vec<passkeys::Model> {
    passkeys::Entity::find()
        .filter(passkeys::Column::UserId.eq(uuid(user_id)))
        .all(app.db())
        .await
        .unwrap()
}

/// The `details` of the newest `action` event about `user_id`.
pub async fn last_event(app: &TestApp, action: &str, user_id: Option<&str>) -> Value {
    use roster::db::entities::audit_events;
    use sea_orm::QueryOrder;
    let mut events = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq(action))
        .order_by_desc(audit_events::Column::OccurredAt)
        .order_by_desc(audit_events::Column::Id);
    if let Some(user_id) = user_id {
        events = events.filter(audit_events::Column::UserId.eq(uuid(user_id)));
    }
    let event = events
        .one(app.db())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no {action} event"));
    event.details.map_or(Value::Null, |details| {
        serde_json::from_str(&details).unwrap_or(Value::String(details))
    })
}

/// Copies of `user_id`'s first passkey under new ids until it holds `count` (registering ten
/// through the API would outrun the account's allowance of answers).
pub async fn hold(app: &TestApp, user_id: &str, count: usize) {
    use roster::db::entities::passkeys;
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let rows = passkey_rows(app, user_id).await;
    for n in rows.len()..count {
        let copy = passkeys::Model {
            id: uuid::Uuid::new_v4(),
            credential_id: format!("copy-{n}"),
            ..rows[0].clone()
        };
        copy.into_active_model()
            .reset_all()
            .insert(app.db())
            .await
            .unwrap();
    }
}
