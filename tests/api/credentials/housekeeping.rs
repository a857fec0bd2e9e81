//! Housekeeping: a password hash made with weaker argon2 parameters is replaced at the next
//! successful login, and sessions that ended long ago are pruned.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::Duration;
use roster::db::entities::{sessions, users};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::auth::{post_from_task, set_user_column, user_row};
use crate::support::{PASSWORD, TestApp, assert_ok, uuid};

/// A PHC string for `password` with argon2id at `m` KiB, `t` passes, one lane.
fn weak_hash(password: &str, m: u32, t: u32) -> String {
    let params = Params::new(m, t, 1, None).expect("valid parameters");
    let salt = [42u8; 16];
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into(password.as_bytes(), &salt, &mut out)
        .expect("a hash");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).expect("parameters"),
        salt: Some(Salt::new(&salt).expect("a salt")),
        hash: Some(Output::new(&out).expect("an output")),
    }
    .to_string()
}

/// Stores a weak hash of `PASSWORD` as `user_id`'s and returns it.
async fn give_a_weak_hash(app: &TestApp, user_id: &str) -> String {
    let weak = weak_hash(PASSWORD, 8 * 1024, 1);
    let value = Expr::value(weak.clone());
    set_user_column(app, user_id, users::Column::PasswordHash, value).await;
    weak
}

async fn a_weak_hash_is_replaced_at_the_next_login(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    let weak = give_a_weak_hash(&app, &ada.user_id).await;

    app.login("ada@example.com", PASSWORD).await;
    let rehashed = user_row(&app, &ada.user_id)
        .await
        .password_hash
        .expect("a password is set");
    assert_ne!(rehashed, weak);
    let today = Params::default();
    assert!(
        rehashed.contains(&format!(
            "m={},t={},p={}",
            today.m_cost(),
            today.t_cost(),
            today.p_cost()
        )),
        "{rehashed}"
    );
    // The new hash holds the same password, and a current hash is left as it is.
    app.login("ada@example.com", PASSWORD).await;
    assert_eq!(
        user_row(&app, &ada.user_id).await.password_hash,
        Some(rehashed)
    );
    // A wrong password rehashes nothing.
    let weak = give_a_weak_hash(&app, &ada.user_id).await;
    let body = app
        .gql(
            crate::support::documents::LOGIN,
            serde_json::json!({ "input": { "login": "ada@example.com", "password": "not the password" } }),
            None,
        )
        .await;
    crate::support::assert_code(&body, "UNAUTHENTICATED");
    assert_eq!(user_row(&app, &ada.user_id).await.password_hash, Some(weak));
}

/// Two correct logins at once on an account with a weak hash: both open a session, one of
/// them writes the new hash.
async fn concurrent_logins_on_a_weak_hash_both_succeed(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    let weak = give_a_weak_hash(&app, &ada.user_id).await;
    let body = serde_json::json!({ "query": crate::support::documents::LOGIN, "variables": {
        "input": { "login": "ada@example.com", "password": PASSWORD } } });
    let logins: Vec<_> = (0..4)
        .map(|_| {
            let (client, address) = (app.client.clone(), app.address.clone());
            tokio::spawn(post_from_task(client, address, body.clone()))
        })
        .collect();
    for login in logins {
        assert_ok(&login.await.unwrap());
    }
    assert_ne!(user_row(&app, &ada.user_id).await.password_hash, Some(weak));
    app.login("ada@example.com", PASSWORD).await;
}

/// Upgrading marks the addresses earlier email changes set, still unproven, as such: they get
/// no reset link either (one of them may have been a takeover this release closes).
async fn the_upgrade_marks_addresses_set_by_earlier_changes(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    let bob = app.register("bob@example.com").await;
    let moved = serde_json::json!({ "input": { "email": "ada.new@example.com", "currentPassword": PASSWORD } });
    assert_ok(
        &app.gql(
            crate::support::documents::UPDATE_PROFILE,
            moved,
            Some(&ada.access),
        )
        .await,
    );
    // Back to before this release's step, and forward again.
    crate::support::database::redo_migrations_from(app.db(), "m20261206_000013").await;
    assert!(user_row(&app, &ada.user_id).await.email_from_change);
    assert!(!user_row(&app, &bob.user_id).await.email_from_change);
}

async fn sessions_ended_long_ago_are_pruned(app: TestApp) {
    assert_eq!(app.settings.session_retention_days, 30, "the default");
    // The server prunes with that retention too, at start and each minute: not in between.
    app.wait_for_first_pruning().await;
    let ada = app.register("ada@example.com").await;
    let old = app.login("ada@example.com", PASSWORD).await;
    let recent = app.login("ada@example.com", PASSWORD).await;
    let now = roster::db::now();
    let session_of = |token: &str| {
        let app = &app;
        let token = token.to_owned();
        async move { uuid(&crate::support::auth::current_session_id(app, &token).await) }
    };
    let (old_id, recent_id) = (
        session_of(&old.access).await,
        session_of(&recent.access).await,
    );
    let ended = |id, at| {
        sessions::Entity::update_many()
            .col_expr(sessions::Column::RevokedAt, Expr::value(Some(at)))
            .filter(sessions::Column::Id.eq(id))
            .exec(app.db())
    };
    ended(old_id, now - Duration::days(31)).await.unwrap();
    ended(recent_id, now - Duration::days(29)).await.unwrap();
    // One expired long ago, never revoked.
    let expired = app.login("ada@example.com", PASSWORD).await;
    let expired_id = session_of(&expired.access).await;
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::ExpiresAt,
            Expr::value(now - Duration::days(40)),
        )
        .filter(sessions::Column::Id.eq(expired_id))
        .exec(app.db())
        .await
        .unwrap();

    let pruned = crate::support::services::prune_sessions(app.db(), now - Duration::days(30))
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(pruned, 2);
    let left: Vec<_> = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(uuid(&ada.user_id)))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert!(
        !left.contains(&old_id) && !left.contains(&expired_id),
        "{left:?}"
    );
    assert!(left.contains(&recent_id));
    assert_ok(&crate::support::auth::me(&app, &ada.access).await);
}

per_backend!(
    a_weak_hash_is_replaced_at_the_next_login,
    concurrent_logins_on_a_weak_hash_both_succeed,
    the_upgrade_marks_addresses_set_by_earlier_changes,
    sessions_ended_long_ago_are_pruned,
);
