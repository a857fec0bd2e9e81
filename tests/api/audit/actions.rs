//! Every action of `AuditAction`, caused the way a client causes it, recorded with its actor,
//! target and details; a change that fails records nothing; no event holds a secret.

use std::collections::BTreeSet;

use roster::db::entities::audit_events;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{events, session_of};
use crate::recovery::request_reset;
use crate::support::admin::{
    ADD_TO_GROUP, Actor, Admin, CREATE_GROUP, CREATE_PERMISSION, CREATE_USER, DELETE_GROUP,
    DELETE_PERMISSION, DELETE_USER, DELETE_USER_FOREVER, REMOVE_FROM_GROUP, RESTORE_USER,
    SET_ACTIVE, SET_GROUP_PERMISSIONS, SET_GROUPS, SET_ROLE, SET_USER_PERMISSIONS, UPDATE_GROUP,
    UPDATE_USER,
};
use crate::support::clock::age_refresh_rotations;
use crate::support::documents::{
    CHANGE_PASSWORD, LOGIN, REFRESH, RESET, REVOKE_SESSION, SEND_VERIFICATION, UPDATE_PROFILE,
    VERIFY,
};
use crate::support::services::AuditAction as Action;
use crate::support::smtp::MailServer;
use crate::support::{PASSWORD, TestApp, Tokens, assert_code, assert_ok, uuid};

const SECOND_PASSWORD: &str = "a second long passphrase";
const THIRD_PASSWORD: &str = "a third long passphrase";
const BOB_PASSWORD: &str = "bob's own long passphrase";
per_backend!(a_change_that_fails_records_nothing);
per_backend!(mail; every_action_is_recorded_with_its_actor_target_and_details);

/// The newest event of `action`.
async fn newest(app: &TestApp, action: &str) -> audit_events::Model {
    audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq(action))
        .order_by_desc(audit_events::Column::OccurredAt)
        .order_by_desc(audit_events::Column::Id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no {action} event"))
}

/// `event`'s details, parsed.
fn details(event: &audit_events::Model) -> Value {
    serde_json::from_str(event.details.as_deref().unwrap_or("null")).unwrap()
}

/// Asserts `action`'s newest event names `actor` and `user` and holds `expected` details.
async fn expect(
    app: &TestApp,
    action: &str,
    actor: Option<Uuid>,
    user: Option<Uuid>,
    expected: Value,
) -> audit_events::Model {
    let event = newest(app, action).await;
    assert_eq!(
        (event.actor_id, event.user_id),
        (actor, user),
        "{action}: actor and user"
    );
    assert_eq!(details(&event), expected, "{action}: details");
    event
}

fn tokens(body: &Value, field: &str) -> Tokens {
    assert_ok(body);
    Tokens::from_payload(body, field)
}

async fn every_action_is_recorded_with_its_actor_target_and_details(
    app: TestApp,
    mail: MailServer,
) {
    let admin = Admin::new(&app, "root@example.com").await;
    let root = uuid(admin.id());
    let root_session = session_of(&admin.tokens.access);
    expect(
        &app,
        "SUPERUSER_CREATED",
        None,
        Some(root),
        json!({ "created": true, "passwordSet": true }),
    )
    .await;

    // The account holder's own flows.
    let ada = app.register("ada@example.com").await;
    let ada_id = uuid(&ada.user_id);
    let some_ada = Some(ada_id);
    let registered = expect(&app, "REGISTERED", some_ada, some_ada, Value::Null).await;
    assert_eq!(registered.session_id, Some(session_of(&ada.access)));
    let verify = mail
        .one("ada@example.com", "Confirm")
        .await
        .token("verify-email");
    assert_ok(&app.gql(VERIFY, json!({ "token": verify }), None).await);
    let email = json!({ "email": "ada@example.com" });
    expect(&app, "EMAIL_VERIFIED", some_ada, some_ada, email.clone()).await;
    let profile = json!({ "input": { "firstName": "Ada", "company": "Engines" } });
    assert_ok(&app.gql(UPDATE_PROFILE, profile, Some(&ada.access)).await);
    let updated = expect(
        &app,
        "PROFILE_UPDATED",
        some_ada,
        some_ada,
        json!({
            "firstName": { "from": null, "to": "Ada" },
            "company": { "from": null, "to": "Engines" },
        }),
    )
    .await;
    assert_eq!(updated.session_id, Some(session_of(&ada.access)));
    assert_eq!(updated.ip_address.as_deref(), Some("127.0.0.1"));
    let moved = json!({ "input": { "email": "ada@new.example.com", "currentPassword": PASSWORD } });
    assert_ok(&app.gql(UPDATE_PROFILE, moved, Some(&ada.access)).await);
    expect(
        &app,
        "EMAIL_CHANGED",
        some_ada,
        some_ada,
        json!({
            "email": { "from": "ada@example.com", "to": "ada@new.example.com" },
            "emailVerified": { "from": true, "to": false },
        }),
    )
    .await;
    let new_email = json!({ "email": "ada@new.example.com" });
    let sent_to = |app| {
        expect(
            app,
            "EMAIL_VERIFICATION_SENT",
            some_ada,
            some_ada,
            new_email.clone(),
        )
    };
    let first = sent_to(&app).await;
    let sent = app
        .gql(SEND_VERIFICATION, json!({}), Some(&ada.access))
        .await;
    assert_eq!(sent["data"]["sendVerificationEmail"], true, "{sent}");
    let resent = sent_to(&app).await;
    assert_ne!(
        resent.id, first.id,
        "sendVerificationEmail recorded its own event"
    );
    assert_eq!(resent.session_id, Some(session_of(&ada.access)));
    let first_tokens = ada.clone();
    let change = json!({ "current": PASSWORD, "new": SECOND_PASSWORD });
    let ada = tokens(
        &app.gql(CHANGE_PASSWORD, change, Some(&ada.access)).await,
        "changePassword",
    );
    expect(&app, "PASSWORD_CHANGED", some_ada, some_ada, Value::Null).await;
    // A changed address gets reset links only once proved: the newest link proves it.
    crate::support::outbox::wait_settled(&app).await;
    let confirm = mail
        .to("ada@new.example.com")
        .into_iter()
        .rfind(|m| m.subject().contains("Confirm"))
        .expect("a confirmation mail to the new address");
    let proved = json!({ "token": confirm.token("verify-email") });
    assert_ok(&app.gql(VERIFY, proved, None).await);
    request_reset(&app, "ada@new.example.com").await;
    expect(
        &app,
        "PASSWORD_RESET_REQUESTED",
        None,
        some_ada,
        new_email.clone(),
    )
    .await;
    let reset = mail
        .one("ada@new.example.com", "Reset")
        .await
        .token("reset-password");
    let reset_body = app
        .gql(
            RESET,
            json!({ "token": reset, "password": THIRD_PASSWORD }),
            None,
        )
        .await;
    let laptop = tokens(&reset_body, "resetPassword");
    let reset_event = expect(&app, "PASSWORD_RESET", some_ada, some_ada, Value::Null).await;
    assert_eq!(reset_event.session_id, Some(session_of(&laptop.access)));
    drop(ada);

    // Logins: failed (naming the account), throttled (an unknown name, five failures on).
    let wrong = json!({ "input": { "login": "ada@new.example.com", "password": "not it at all" } });
    assert_code(&app.gql(LOGIN, wrong, None).await, "UNAUTHENTICATED");
    let login = json!({ "login": "ada@new.example.com" });
    expect(&app, "LOGIN_FAILED", None, some_ada, login).await;
    let ghost = json!({ "input": { "login": "ghost", "password": "whatever it may be" } });
    for _ in 0..5 {
        assert_code(
            &app.gql(LOGIN, ghost.clone(), None).await,
            "UNAUTHENTICATED",
        );
    }
    assert_code(&app.gql(LOGIN, ghost, None).await, "TOO_MANY_REQUESTS");
    expect(
        &app,
        "LOGIN_THROTTLED",
        None,
        None,
        json!({ "login": "ghost" }),
    )
    .await;
    let phone = app.login("ada@new.example.com", THIRD_PASSWORD).await;
    let succeeded = expect(&app, "LOGIN_SUCCEEDED", some_ada, some_ada, Value::Null).await;
    assert_eq!(succeeded.session_id, Some(session_of(&phone.access)));

    // Sessions ending.
    let phone_session = session_of(&phone.access);
    let id = json!({ "id": phone_session.to_string() });
    assert_ok(&app.gql(REVOKE_SESSION, id, Some(&laptop.access)).await);
    let revoked = expect(&app, "SESSION_REVOKED", some_ada, some_ada, Value::Null).await;
    assert_eq!(revoked.session_id, Some(phone_session));
    assert_ok(
        &app.gql(REFRESH, json!({ "token": laptop.refresh }), None)
            .await,
    );
    age_refresh_rotations(&app, chrono::Duration::seconds(60)).await;
    let replayed = app
        .gql(REFRESH, json!({ "token": laptop.refresh }), None)
        .await;
    assert_code(&replayed, "UNAUTHENTICATED");
    let reused = expect(&app, "REFRESH_TOKEN_REUSED", None, some_ada, Value::Null).await;
    assert_eq!(reused.session_id, Some(session_of(&laptop.access)));
    let tablet = app.login("ada@new.example.com", THIRD_PASSWORD).await;
    assert_ok(
        &app.gql("mutation { logout }", json!({}), Some(&tablet.access))
            .await,
    );
    let logout = json!({ "allSessions": false });
    let logged_out = expect(&app, "LOGOUT", some_ada, some_ada, logout).await;
    assert_eq!(logged_out.session_id, Some(session_of(&tablet.access)));

    // Administration, each by the ADMIN in its session.
    let by_root = Some(root);
    let created = admin
        .ok(
            CREATE_USER,
            json!({ "input": { "email": "bob@example.com", "password": BOB_PASSWORD, "username": "bob" } }),
        )
        .await;
    let bob = uuid(created["createUser"]["id"].as_str().unwrap());
    let bob_id = json!(bob.to_string());
    let some_bob = Some(bob);
    let user_created = expect(
        &app,
        "USER_CREATED",
        by_root,
        some_bob,
        json!({
            "email": "bob@example.com", "username": "bob", "role": "USER", "isActive": true,
            "emailVerified": false, "groupIds": [],
        }),
    )
    .await;
    assert_eq!(user_created.session_id, Some(root_session));
    let bob_email = json!({ "email": "bob@example.com" });
    expect(
        &app,
        "EMAIL_VERIFICATION_SENT",
        by_root,
        some_bob,
        bob_email,
    )
    .await;
    let edit = json!({ "id": bob_id, "input": { "lastName": "Builder", "emailVerified": true } });
    admin.ok(UPDATE_USER, edit).await;
    expect(
        &app,
        "USER_UPDATED",
        by_root,
        some_bob,
        json!({
            "lastName": { "from": null, "to": "Builder" },
            "emailVerified": { "from": false, "to": true },
        }),
    )
    .await;
    admin
        .ok(SET_ROLE, json!({ "id": bob_id, "role": "ADMIN" }))
        .await;
    let promoted = json!({ "role": { "from": "USER", "to": "ADMIN" } });
    expect(&app, "ROLE_CHANGED", by_root, some_bob, promoted).await;
    admin
        .ok(SET_ROLE, json!({ "id": bob_id, "role": "USER" }))
        .await;
    let demoted = json!({ "role": { "from": "ADMIN", "to": "USER" } });
    expect(&app, "ROLE_CHANGED", by_root, some_bob, demoted).await;
    admin
        .ok(SET_ACTIVE, json!({ "id": bob_id, "active": false }))
        .await;
    expect(&app, "USER_DEACTIVATED", by_root, some_bob, Value::Null).await;
    admin
        .ok(SET_ACTIVE, json!({ "id": bob_id, "active": true }))
        .await;
    expect(&app, "USER_ACTIVATED", by_root, some_bob, Value::Null).await;

    let permission = admin
        .ok(
            CREATE_PERMISSION,
            json!({ "input": { "codename": "reports.view", "name": "View reports" } }),
        )
        .await;
    let reports = permission["createPermission"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = expect(
        &app,
        "PERMISSION_CREATED",
        by_root,
        None,
        json!({ "codename": "reports.view", "name": "View reports", "description": null }),
    )
    .await;
    assert_eq!(created.permission_id, Some(uuid(&reports)));
    let group = admin
        .ok(
            CREATE_GROUP,
            json!({ "input": { "name": "Staff", "permissionIds": [reports] } }),
        )
        .await;
    let staff = group["createGroup"]["id"].as_str().unwrap().to_owned();
    let created = expect(
        &app,
        "GROUP_CREATED",
        by_root,
        None,
        json!({ "name": "Staff", "description": null, "permissionIds": [reports] }),
    )
    .await;
    assert_eq!(created.group_id, Some(uuid(&staff)));
    let rename = json!({ "id": staff, "input": { "name": "Team", "permissionIds": [] } });
    admin.ok(UPDATE_GROUP, rename).await;
    let renamed = json!({ "name": { "from": "Staff", "to": "Team" } });
    expect(&app, "GROUP_UPDATED", by_root, None, renamed).await;
    let dropped = json!({ "added": [], "removed": [reports] });
    expect(&app, "GROUP_PERMISSIONS_CHANGED", by_root, None, dropped).await;
    let grant = json!({ "group": staff, "permissions": [reports] });
    admin.ok(SET_GROUP_PERMISSIONS, grant).await;
    let granted = json!({ "added": [reports], "removed": [] });
    let event = expect(&app, "GROUP_PERMISSIONS_CHANGED", by_root, None, granted).await;
    assert_eq!(event.group_id, Some(uuid(&staff)));
    admin
        .ok(ADD_TO_GROUP, json!({ "user": bob_id, "group": staff }))
        .await;
    let joined = json!({ "added": [staff], "removed": [] });
    let event = expect(&app, "USER_GROUPS_CHANGED", by_root, some_bob, joined).await;
    assert_eq!(event.group_id, Some(uuid(&staff)));
    admin
        .ok(SET_GROUPS, json!({ "user": bob_id, "groups": [] }))
        .await;
    let left = json!({ "added": [], "removed": [staff] });
    expect(&app, "USER_GROUPS_CHANGED", by_root, some_bob, left).await;
    admin
        .ok(ADD_TO_GROUP, json!({ "user": bob_id, "group": staff }))
        .await;
    admin
        .ok(REMOVE_FROM_GROUP, json!({ "user": bob_id, "group": staff }))
        .await;
    let removed = json!({ "added": [], "removed": [staff] });
    let event = expect(&app, "USER_GROUPS_CHANGED", by_root, some_bob, removed).await;
    assert_eq!(event.group_id, Some(uuid(&staff)));
    let direct = json!({ "user": bob_id, "permissions": [reports] });
    admin.ok(SET_USER_PERMISSIONS, direct).await;
    let held = json!({ "added": [reports], "removed": [] });
    expect(&app, "USER_PERMISSIONS_CHANGED", by_root, some_bob, held).await;
    admin.ok(DELETE_PERMISSION, json!({ "id": reports })).await;
    let gone = json!({ "codename": "reports.view" });
    let event = expect(&app, "PERMISSION_DELETED", by_root, None, gone).await;
    assert_eq!(event.permission_id, Some(uuid(&reports)));
    admin.ok(DELETE_GROUP, json!({ "id": staff })).await;
    let event = expect(
        &app,
        "GROUP_DELETED",
        by_root,
        None,
        json!({ "name": "Team" }),
    )
    .await;
    assert_eq!(event.group_id, Some(uuid(&staff)));
    admin.ok(DELETE_USER, json!({ "id": bob_id })).await;
    let soft = json!({ "permanent": false });
    expect(&app, "USER_DELETED", by_root, some_bob, soft).await;
    admin.ok(RESTORE_USER, json!({ "id": bob_id })).await;
    expect(&app, "USER_RESTORED", by_root, some_bob, Value::Null).await;
    admin.ok(DELETE_USER_FOREVER, json!({ "id": bob_id })).await;
    let forever = json!({ "permanent": true });
    expect(&app, "USER_DELETED", by_root, some_bob, forever).await;

    // An ADMIN ends a lockout: the failed login above is forgotten; with nothing left to
    // forget, a second call records nothing.
    let clear = "mutation($id: ID!) { clearLoginThrottle(userId: $id) }";
    let cleared = admin.ok(clear, json!({ "id": ada_id.to_string() })).await;
    assert_eq!(cleared["clearLoginThrottle"], true);
    expect(
        &app,
        "LOGIN_THROTTLE_CLEARED",
        by_root,
        some_ada,
        Value::Null,
    )
    .await;
    let before = events(&app).await.len();
    let again = admin.ok(clear, json!({ "id": ada_id.to_string() })).await;
    assert_eq!(again["clearLoginThrottle"], false);
    assert_eq!(
        events(&app).await.len(),
        before,
        "an empty clear is recorded"
    );

    // The account holder leaves (from a new session: the reuse ended the laptop's).
    let desk = app.login("ada@new.example.com", THIRD_PASSWORD).await;
    let body = app
        .gql(
            "mutation($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": THIRD_PASSWORD }),
            Some(&desk.access),
        )
        .await;
    assert_ok(&body);
    let soft = json!({ "permanent": false });
    let left = expect(&app, "ACCOUNT_DELETED", some_ada, some_ada, soft).await;
    assert_eq!(left.session_id, Some(session_of(&desk.access)));

    // The command line promoting an existing account: no actor, what it changed; and
    // nothing at all for an account that is an ADMIN already.
    let superuser = |email: &'static str| {
        let state = app.state.clone();
        async move {
            crate::support::services::create_superuser(&state, email, None)
                .await
                .unwrap_or_else(|e| panic!("{}", e.message()));
        }
    };
    superuser("ada@new.example.com").await;
    expect(
        &app,
        "SUPERUSER_CREATED",
        None,
        some_ada,
        json!({
            "created": false, "passwordSet": false,
            "role": { "from": "USER", "to": "ADMIN" },
            // (The reset link proved the address already.)
            "deleted": { "from": true, "to": false },
        }),
    )
    .await;
    let before = events(&app).await.len();
    superuser("root@example.com").await;
    assert_eq!(
        events(&app).await.len(),
        before,
        "a no-op promotion is recorded"
    );

    // A step-up in the ADMIN's session.
    let stepped_up = app
        .gql(
            "mutation($input: ReauthenticateInput!) { reauthenticate(input: $input) { id } }",
            json!({ "input": { "password": PASSWORD } }),
            Some(&admin.tokens.access),
        )
        .await;
    assert_ok(&stepped_up);
    expect(
        &app,
        "REAUTHENTICATED",
        Some(root),
        Some(root),
        json!({ "method": "PASSWORD" }),
    )
    .await;

    // Second factors: an account enrols, misses a code and signs in with a recovery code,
    // steps up with its app, makes new codes, swaps apps; an ADMIN resets it.
    let second_factor_secrets = second_factors(&app, &admin).await;

    // Identity providers: an ADMIN adds and edits one; Dora signs up through it (no password),
    // sets a password, unlinks the provider; the ADMIN removes it.
    let provider_secrets = identity_providers(&app, &admin, &mail).await;

    // Passkeys: Erin adds one, a forged answer is refused, Erin removes it.
    let passkey_secrets = passkeys(&app).await;

    // Signing keys change by command or on a replica's schedule, with no account acting.
    signing_key_changes(&app).await;

    let recorded = events(&app).await;
    let seen: BTreeSet<&str> = recorded.iter().map(|e| e.action.as_str()).collect();
    let all: BTreeSet<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
    assert_eq!(seen, all, "every action was recorded");
    // Every administrative event came from the ADMIN's session and address.
    for event in recorded.iter().filter(|e| e.actor_id == by_root) {
        assert_eq!(event.session_id, Some(root_session), "{}", event.action);
        assert_eq!(event.ip_address.as_deref(), Some("127.0.0.1"));
    }
    let everything = format!("{recorded:?}");
    for secret in [
        PASSWORD,
        SECOND_PASSWORD,
        THIRD_PASSWORD,
        BOB_PASSWORD,
        "not it at all",
        "whatever it may be",
        &verify,
        &reset,
        &first_tokens.access,
        &first_tokens.refresh,
        &laptop.access,
        &laptop.refresh,
        &phone.access,
        &phone.refresh,
        &tablet.access,
        &tablet.refresh,
        &desk.access,
        &desk.refresh,
        &admin.tokens.access,
        &admin.tokens.refresh,
        "argon2",
    ] {
        assert!(!everything.contains(secret), "an event holds {secret}");
    }
    // No code, secret or challenge in what any event says (nor, for those long enough not to
    // turn up by chance in an id or a time, anywhere in an event).
    for secret in second_factor_secrets
        .iter()
        .chain(&provider_secrets)
        .chain(&passkey_secrets)
        .filter(|s| s.len() >= 10)
    {
        assert!(
            !everything.contains(secret.as_str()),
            "an event holds {secret}"
        );
    }
    for event in &recorded {
        let details = event.details.as_deref().unwrap_or_default().to_uppercase();
        for secret in &second_factor_secrets {
            assert!(
                !details.contains(&secret.to_uppercase()),
                "{} holds {secret}: {details}",
                event.action
            );
        }
    }
}

/// The second-factor actions, each checked as it is recorded; returns every code, secret and
/// challenge token the flows used, which no event may hold.
async fn second_factors(app: &TestApp, admin: &Admin<'_>) -> Vec<String> {
    use crate::mfa::{REGENERATE, REMOVE, RESET_USER_MFA};
    let mut carol = crate::mfa::enrolled(app, "carol@example.com").await;
    let carol_id = Some(uuid(carol.user_id()));
    let enabled = expect(
        app,
        "TOTP_ENABLED",
        carol_id,
        carol_id,
        json!({ "factorId": carol.factor_id, "label": "Authenticator", "sessionsEnded": 0 }),
    )
    .await;
    assert_eq!(enabled.session_id, Some(session_of(&carol.tokens.access)));
    let count = json!({ "count": 10 });
    expect(
        app,
        "RECOVERY_CODES_GENERATED",
        carol_id,
        carol_id,
        count.clone(),
    )
    .await;

    let challenge = crate::mfa::challenge(app, &carol.email).await;
    let wrong = carol.device.wrong_code();
    let missed = crate::mfa::verify_totp(app, &challenge, &wrong).await;
    assert_code(&missed, "UNAUTHENTICATED");
    let totp = json!({ "method": "TOTP" });
    expect(app, "SECOND_FACTOR_FAILED", None, carol_id, totp.clone()).await;
    let recovery = json!({ "recoveryCode": carol.recovery_codes[0] });
    let desk = tokens(
        &crate::mfa::verify(app, &challenge, recovery).await,
        "verifySecondFactor",
    );
    let remaining = json!({ "remaining": 9 });
    expect(app, "RECOVERY_CODE_USED", carol_id, carol_id, remaining).await;
    // (The enrolling session signs out: the desk's is the one left.)
    let logout = app
        .gql("mutation { logout }", json!({}), Some(&carol.tokens.access))
        .await;
    assert_ok(&logout);

    let code = carol.device.next_code().await;
    let stepped_up =
        crate::mfa::reauthenticate(app, &desk.access, json!({ "totpCode": code })).await;
    assert_ok(&stepped_up);
    let event = expect(app, "REAUTHENTICATED", carol_id, carol_id, totp).await;
    assert_eq!(event.session_id, Some(session_of(&desk.access)));
    let regenerated = app.gql(REGENERATE, json!({}), Some(&desk.access)).await;
    assert_ok(&regenerated);
    let event = expect(app, "RECOVERY_CODES_GENERATED", carol_id, carol_id, count).await;
    assert_eq!(event.session_id, Some(session_of(&desk.access)));

    let (spare, spare_secret, mut device) = crate::mfa::start(app, &desk.access).await;
    let spare_code = device.next_code().await;
    let confirmed =
        crate::mfa::confirm(app, &desk.access, &spare, &spare_code, Some("Spare")).await;
    assert_ok(&confirmed);
    let added = json!({ "factorId": spare, "label": "Spare" });
    expect(app, "TOTP_ENABLED", carol_id, carol_id, added).await;
    let removal = json!({ "id": carol.factor_id });
    assert_ok(&app.gql(REMOVE, removal, Some(&desk.access)).await);
    expect(
        app,
        "TOTP_REMOVED",
        carol_id,
        carol_id,
        json!({
            "factorId": carol.factor_id, "label": "Authenticator", "lastSecondFactor": false,
            "sessionsEnded": 0,
        }),
    )
    .await;

    admin
        .ok(RESET_USER_MFA, json!({ "id": carol.user_id() }))
        .await;
    expect(
        app,
        "MFA_RESET",
        Some(uuid(admin.id())),
        carol_id,
        json!({ "totpFactorsRemoved": 1, "passkeysRemoved": 0, "sessionsEnded": 1 }),
    )
    .await;

    let mut secrets = vec![
        carol.secret.clone(),
        spare_secret,
        challenge,
        wrong,
        code,
        spare_code,
        carol.confirming_code.clone(),
    ];
    let new_codes = regenerated["data"]["regenerateRecoveryCodes"]["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned());
    for code in carol.recovery_codes.iter().cloned().chain(new_codes) {
        secrets.push(code.replace('-', ""));
        secrets.push(code);
    }
    secrets
}

/// The identity-provider actions, each checked as it is recorded; returns the client secret,
/// the flow's verifier and the password set, which no event may hold.
async fn identity_providers(app: &TestApp, admin: &Admin<'_>, mail: &MailServer) -> Vec<String> {
    use crate::identity_forgery::{
        DELETE_PROVIDER, callback, complete, create_provider_document, oidc_input, signed_in_user,
        start_to, update_provider_document, visit,
    };
    use crate::support::fake_provider::{CLIENT_ID, CLIENT_SECRET, FakeProvider};
    use crate::support::smtp::PUBLIC_URL;
    let root = Some(uuid(admin.id()));
    let provider = FakeProvider::start().await;
    provider.set_claims(json!({
        "sub": "dora-subject", "email": "dora@example.com", "email_verified": true,
    }));
    let input = oidc_input("fake", &provider, json!({}));
    let created = admin
        .ok(&create_provider_document(), json!({ "input": input }))
        .await;
    let provider_id = created["createIdentityProvider"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let settings = |display_name: &str| {
        json!({
            "id": provider_id, "slug": "fake", "displayName": display_name, "kind": "OIDC",
            "issuer": provider.issuer, "clientId": CLIENT_ID,
            "scopes": ["openid", "email", "profile"], "allowedEmailDomains": [],
            "allowSignUp": true, "autoLinkVerifiedEmail": false, "enabled": true,
        })
    };
    expect(
        app,
        "IDENTITY_PROVIDER_CREATED",
        root,
        None,
        settings("Provider fake"),
    )
    .await;
    // Renamed, the secret left out (kept).
    let renamed = oidc_input(
        "fake",
        &provider,
        json!({ "displayName": "Fake IdP", "clientSecret": null }),
    );
    admin
        .ok(
            &update_provider_document(),
            json!({ "id": provider_id, "input": renamed }),
        )
        .await;
    let changed = json!({ "from": settings("Provider fake"), "to": settings("Fake IdP") });
    expect(app, "IDENTITY_PROVIDER_UPDATED", root, None, changed).await;

    // This server's public URL is the mail links' (`PUBLIC_URL`): the browser's way back from
    // the provider is sent to this server's own address instead.
    let started = start_to(app, "fake", &format!("{PUBLIC_URL}/oauth/complete")).await;
    let (_, back) = visit(&started.authorization_url).await;
    let back = back.expect("the provider sends the browser back");
    let landing = callback(&back.replacen(PUBLIC_URL, &app.address, 1)).await;
    let code = landing.code.expect("a one-time code");
    let completed = complete(app, &code, &started.verifier).await;
    assert_ok(&completed);
    let signed_up = completed["data"]["completeOAuth"].clone();
    let dora = signed_in_user(&signed_up).clone();
    assert_eq!(dora["hasPassword"], false);
    let dora_id = Some(uuid(dora["id"].as_str().unwrap()));
    let through = json!({ "method": "OIDC", "provider": "fake" });
    expect(app, "REGISTERED", dora_id, dora_id, through.clone()).await;
    let linked = json!({ "provider": "fake", "email": "dora@example.com" });
    expect(app, "IDENTITY_LINKED", dora_id, dora_id, linked.clone()).await;
    expect(app, "LOGIN_SUCCEEDED", dora_id, dora_id, through).await;

    let access = signed_up["accessToken"].as_str().unwrap();
    let password = "dora's first own passphrase";
    let set = app
        .gql(
            "mutation($password: String!) { setPassword(newPassword: $password) { accessToken } }",
            json!({ "password": password }),
            Some(access),
        )
        .await;
    assert_ok(&set);
    expect(app, "PASSWORD_SET", dora_id, dora_id, Value::Null).await;
    let access = set["data"]["setPassword"]["accessToken"].as_str().unwrap();
    let me = app
        .gql("{ me { identities { id } } }", json!({}), Some(access))
        .await;
    let identity = me["data"]["me"]["identities"][0]["id"].clone();
    let unlinked = app
        .gql(
            "mutation($id: ID!) { unlinkIdentity(id: $id) }",
            json!({ "id": identity }),
            Some(access),
        )
        .await;
    assert_ok(&unlinked);
    expect(app, "IDENTITY_UNLINKED", dora_id, dora_id, linked).await;
    // Dora hears of it (and heard nothing of the identity that made her account).
    let notices = mail.wait_for("dora@example.com", 1).await;
    let subjects: Vec<String> = notices.iter().map(|notice| notice.subject()).collect();
    assert_eq!(subjects, ["A way to sign in was removed"]);

    admin
        .ok(DELETE_PROVIDER, json!({ "id": provider_id }))
        .await;
    expect(
        app,
        "IDENTITY_PROVIDER_DELETED",
        root,
        None,
        settings("Fake IdP"),
    )
    .await;
    vec![
        CLIENT_SECRET.to_owned(),
        password.to_owned(),
        started.verifier,
        code,
    ]
}

/// The passkey actions, each checked as it is recorded; returns the ceremonies' challenges and
/// the answers' signatures, which no event may hold.
async fn passkeys(app: &TestApp) -> Vec<String> {
    use crate::passkeys::{
        DELETE, START_REAUTHENTICATION, add_passkey, ceremony, device, finish_sign_in,
        start_sign_in,
    };
    let erin = app.register("erin@example.com").await;
    let erin_id = Some(uuid(&erin.user_id));
    let mut laptop = device(app);
    let passkey = add_passkey(app, &erin.access, &mut laptop).await;
    let id = passkey["id"].as_str().unwrap().to_owned();
    expect(
        app,
        "PASSKEY_ADDED",
        erin_id,
        erin_id,
        json!({ "passkeyId": id, "label": "Passkey", "backupEligible": false, "sessionsEnded": 0 }),
    )
    .await;
    let mut secrets = Vec::new();
    // An answer from another origin: refused, and recorded without the actor it never proved.
    let started = ceremony(&start_sign_in(app, None).await, "startPasskeySignIn");
    secrets.push(
        started.options["publicKey"]["challenge"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    laptop.origin = "https://evil.example".to_owned();
    let forged = laptop.get(&started.options);
    secrets.push(forged["response"]["signature"].as_str().unwrap().to_owned());
    assert_code(
        &finish_sign_in(app, &started.id, forged).await,
        "UNAUTHENTICATED",
    );
    expect(
        app,
        "PASSKEY_REJECTED",
        None,
        erin_id,
        json!({ "reason": "origin", "purpose": "SIGN_IN" }),
    )
    .await;
    laptop.origin = crate::passkeys::origin(app);
    let started = ceremony(
        &app.gql(START_REAUTHENTICATION, json!({}), Some(&erin.access))
            .await,
        "startPasskeyReauthentication",
    );
    secrets.push(
        started.options["publicKey"]["challenge"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    let answer = laptop.get(&started.options);
    secrets.push(answer["response"]["signature"].as_str().unwrap().to_owned());
    let proof = json!({ "passkey": { "ceremonyId": started.id, "credential": answer } });
    assert_ok(&crate::mfa::reauthenticate(app, &erin.access, proof).await);
    assert_ok(
        &app.gql(DELETE, json!({ "id": id }), Some(&erin.access))
            .await,
    );
    expect(
        app,
        "PASSKEY_REMOVED",
        erin_id,
        erin_id,
        json!({
            "passkeyId": id,
            "label": "Passkey",
            "lastSecondFactor": true,
            "sessionsEnded": 0,
        }),
    )
    .await;
    secrets
}

/// No change without its event, no event without its change: a refused or conflicting change
/// leaves the log as it was, and so does a change that changes nothing.
async fn a_change_that_fails_records_nothing(app: TestApp) {
    let admin = Admin::new(&app, "root@example.com").await;
    let ada = Actor::register(&app, "ada@example.com").await;
    let bob = Actor::register(&app, "bob@example.com").await;
    let before = events(&app).await.len();
    // CONFLICT on a unique email, by the holder and by an ADMIN.
    let taken = json!({ "input": { "email": "bob@example.com", "currentPassword": PASSWORD } });
    assert_code(&ada.call(UPDATE_PROFILE, taken).await, "CONFLICT");
    let taken =
        json!({ "id": ada.id(), "input": { "email": "bob@example.com", "firstName": "A" } });
    assert_code(&admin.call(UPDATE_USER, taken).await, "CONFLICT");
    let duplicate = json!({ "input": { "email": "bob@example.com", "password": BOB_PASSWORD } });
    assert_code(&admin.call(CREATE_USER, duplicate).await, "CONFLICT");
    // The last ADMIN may not be demoted nor deleted: refused after the change was made and
    // its event written, inside the transaction that rolls both back.
    let demote = json!({ "id": admin.id(), "role": "USER" });
    assert_code(&admin.call(SET_ROLE, demote).await, "CONFLICT");
    assert_code(
        &admin.call(DELETE_USER, json!({ "id": admin.id() })).await,
        "CONFLICT",
    );
    // A group naming a permission that does not exist.
    let missing = json!({ "input": { "name": "Staff", "permissionIds": [Uuid::new_v4()] } });
    assert_code(&admin.call(CREATE_GROUP, missing).await, "NOT_FOUND");
    let staff = admin.create_group("Staff", &[]).await;
    let twin = json!({ "input": { "name": "staff" } });
    assert_code(&admin.call(CREATE_GROUP, twin).await, "CONFLICT");
    // A rename that clashes, with permissions that would have changed: both roll back.
    let other = admin.create_group("Other", &[]).await;
    let grants = admin.ids(&["users.view"]);
    let clash = json!({ "id": other, "input": { "name": "STAFF", "permissionIds": grants } });
    assert_code(&admin.call(UPDATE_GROUP, clash).await, "CONFLICT");
    // Changes that change nothing.
    let same = json!({ "input": { "email": "ada@example.com" } });
    assert_ok(&ada.call(UPDATE_PROFILE, same).await);
    admin
        .ok(SET_ACTIVE, json!({ "id": ada.id(), "active": true }))
        .await;
    admin
        .ok(SET_GROUPS, json!({ "user": ada.id(), "groups": [] }))
        .await;
    admin
        .ok(ADD_TO_GROUP, json!({ "user": ada.id(), "group": staff }))
        .await;
    admin
        .ok(ADD_TO_GROUP, json!({ "user": ada.id(), "group": staff }))
        .await;
    admin
        .ok(
            REMOVE_FROM_GROUP,
            json!({ "user": bob.id(), "group": staff }),
        )
        .await;
    admin
        .ok(
            SET_USER_PERMISSIONS,
            json!({ "user": ada.id(), "permissions": [] }),
        )
        .await;
    admin
        .ok(
            SET_GROUP_PERMISSIONS,
            json!({ "group": other, "permissions": [] }),
        )
        .await;
    admin.ok(RESTORE_USER, json!({ "id": bob.id() })).await;
    admin.ok(DELETE_USER, json!({ "id": bob.id() })).await;
    admin.ok(DELETE_USER, json!({ "id": bob.id() })).await;
    let recorded = events(&app).await;
    let actions: Vec<&str> = recorded[before..]
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "GROUP_CREATED",
            "GROUP_CREATED",
            "USER_GROUPS_CHANGED",
            "USER_DELETED"
        ]
    );
    // And the failed changes changed nothing either.
    let query = "query($id: ID!) { user(id: $id) { email firstName role } }";
    let body = admin.ok(query, json!({ "id": ada.id() })).await;
    assert_eq!(
        body["user"],
        json!({ "email": "ada@example.com", "firstName": null, "role": "USER" })
    );
    let names = admin
        .ok(
            "{ groups { nodes { name permissions { codename } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        names["groups"]["nodes"],
        json!([{ "name": "Other", "permissions": [] }, { "name": "Staff", "permissions": [] }])
    );
}

/// Adds, rotates to, retires and revokes ES256 keys as `roster keys` does; checks each event.
async fn signing_key_changes(app: &TestApp) {
    use roster::config::JwtAlgorithm::Es256;
    use roster::services::keys::encryption::{EncryptionKey, EncryptionKeys};
    use roster::services::keys::signing::{ChangedBy::Command, lifecycle};
    let keys = EncryptionKeys::new(EncryptionKey::generate().unwrap().0, Vec::new());
    let first = lifecycle::add(app.db(), Es256, &keys, Command)
        .await
        .unwrap();
    lifecycle::rotate(app.db(), Es256, &keys, Command)
        .await
        .unwrap();
    let second = lifecycle::rotate(app.db(), Es256, &keys, Command)
        .await
        .unwrap();
    lifecycle::retire(app.db(), &first.kid, Command)
        .await
        .unwrap();
    lifecycle::revoke(app.db(), &second.activated.kid, &keys, Command)
        .await
        .unwrap();
    let recorded = events(app).await;
    let of = |action: &str, kid: &str| {
        recorded
            .iter()
            .filter(|e| e.action == action)
            .filter_map(|e| e.details.as_deref())
            .map(|d| serde_json::from_str::<Value>(d).unwrap())
            .find(|d| d["kid"] == kid)
            .unwrap_or_else(|| panic!("no {action} of {kid}"))
    };
    let added = of("SIGNING_KEY_ADDED", &first.kid);
    assert_eq!(
        (&added["algorithm"], &added["by"], &added["state"]),
        (&json!("ES256"), &json!("command"), &json!("NEXT"))
    );
    let activated = of("SIGNING_KEY_ACTIVATED", &second.activated.kid);
    assert_eq!(activated["previous"], json!(first.kid));
    assert_eq!(of("SIGNING_KEY_RETIRED", &first.kid)["from"], "PREVIOUS");
    assert_eq!(
        of("SIGNING_KEY_REVOKED", &second.activated.kid)["from"],
        "CURRENT"
    );
    for event in recorded
        .iter()
        .filter(|e| e.action.starts_with("SIGNING_KEY_"))
    {
        assert_eq!(
            (event.actor_id, event.user_id),
            (None, None),
            "{}",
            event.action
        );
    }
}
