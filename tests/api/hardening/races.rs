//! Credential changes a concurrent login cannot outrun, and `create-superuser` as a way to
//! take an account back.

use roster::db::entities::sessions;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::support::auth::{assert_refused, me};
use crate::support::documents::{CHANGE_PASSWORD, LOGIN, ME};
use crate::support::{PASSWORD, TestApp, assert_ok, uuid};

const NEW_PASSWORD: &str = "a brand new passphrase 42";

async fn live_sessions(app: &TestApp, user_id: &str) -> Vec<sessions::Model> {
    sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(uuid(user_id)))
        .filter(sessions::Column::RevokedAt.is_null())
        .all(app.db())
        .await
        .unwrap()
}

/// Logins with the old password racing a password change: whatever each login answered, no
/// session it opened survives the change, and no token it got still works.
async fn logins_racing_a_password_change_leave_no_session(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    let mut logins = Vec::new();
    for _ in 0..6 {
        let (client, address) = (app.client.clone(), app.address.clone());
        logins.push(tokio::spawn(async move {
            let body = json!({ "query": LOGIN, "variables": { "input": {
                "login": "ada@example.com", "password": PASSWORD } } });
            let answer: serde_json::Value = client
                .post(format!("{address}/graphql"))
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            answer["data"]["login"]["accessToken"]
                .as_str()
                .map(str::to_owned)
        }));
    }
    let change = app
        .gql(
            CHANGE_PASSWORD,
            json!({ "current": PASSWORD, "new": NEW_PASSWORD }),
            Some(&ada.access),
        )
        .await;
    assert_ok(&change);
    let fresh = change["data"]["changePassword"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut tokens = Vec::new();
    for login in logins {
        tokens.extend(login.await.unwrap());
    }
    // Logins that finished after the change could only have failed; the others' sessions
    // were ended with the rest.
    let live = live_sessions(&app, &ada.user_id).await;
    assert_eq!(live.len(), 1, "{live:?}");
    for token in &tokens {
        assert_refused(&app, token).await;
    }
    assert_ok(&me(&app, &fresh).await);
}

/// With a password, `create-superuser` takes the account back: every session ends. Without
/// one it only promotes, and live sessions see the new role on their next request.
async fn create_superuser_with_a_password_ends_the_sessions(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    crate::support::services::create_superuser(&app.state, "ada@example.com", None)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let body = app.gql(ME, json!({}), Some(&ada.access)).await;
    assert_eq!(body["data"]["me"]["role"], "ADMIN", "{body}");

    crate::support::services::create_superuser(&app.state, "ada@example.com", Some(NEW_PASSWORD))
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    assert_refused(&app, &ada.access).await;
    assert!(live_sessions(&app, &ada.user_id).await.is_empty());
    let body = app.try_login("ada@example.com", NEW_PASSWORD).await;
    assert_ok(&body);
}

/// A login is refused only for a reason: profile saves (the owner's own, and an ADMIN's edits
/// of the same account) running in a loop while the owner signs in, as the review did, void
/// none of the logins. (The guard used to compare `updated_at`, which every save moves.)
async fn profile_saves_never_void_a_correct_login(app: TestApp) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    let done = Arc::new(AtomicBool::new(false));
    let saved = Arc::new(AtomicUsize::new(0));
    let mut savers = Vec::new();
    for n in 0..4 {
        let (client, address) = (app.client.clone(), app.address.clone());
        let (query, variables, token) = if n % 2 == 0 {
            (
                "mutation($n: String) { updateProfile(input: { firstName: $n }) { id } }",
                json!({ "n": format!("Ada {n}") }),
                ada.access.clone(),
            )
        } else {
            (
                "mutation($id: ID!, $n: String) { updateUser(id: $id, input: { company: $n }) { id } }",
                json!({ "id": ada.user_id, "n": format!("Engines {n}") }),
                root.access.clone(),
            )
        };
        let (done, saved) = (done.clone(), saved.clone());
        savers.push(tokio::spawn(async move {
            // Bounded: stops with the logins, or after 500 saves.
            for round in 0..500 {
                if done.load(Ordering::Relaxed) {
                    break;
                }
                let mut variables = variables.clone();
                variables["n"] = json!(format!("{} {round}", variables["n"].as_str().unwrap()));
                let body = json!({ "query": query, "variables": variables });
                let answer: serde_json::Value = client
                    .post(format!("{address}/graphql"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_ok(&answer);
                saved.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for _ in 0..15 {
        let body = app.try_login("ada@example.com", PASSWORD).await;
        assert_ok(&body);
    }
    done.store(true, Ordering::Relaxed);
    for saver in savers {
        saver.await.unwrap();
    }
    let saved = saved.load(Ordering::Relaxed);
    assert!(saved >= 24, "only {saved} saves ran beside the logins");
    assert_eq!(live_sessions(&app, &ada.user_id).await.len(), 16);
}

per_backend!(
    logins_racing_a_password_change_leave_no_session,
    create_superuser_with_a_password_ends_the_sessions,
    profile_saves_never_void_a_correct_login,
);
