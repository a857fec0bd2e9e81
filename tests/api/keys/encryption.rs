//! The encryption key: `roster rotate-encryption-key` re-seals every private signing key under
//! a new key (development: a new stored key; configured: `--new-encryption-key`), servers keep
//! working across it, and production refuses to start without a key once key pairs need one.

use base64::Engine as _;
use roster::db::entities::{settings, signing_keys};
use roster::services::keys::encryption::EncryptionKey;
use sea_orm::EntityTrait;
use serde_json::json;

use super::es256;
use super::lifecycle::{eventually, kid, signs_now};
use crate::support::documents::ME;
use crate::support::process::{Launch, run_command};
use crate::support::{Backend, PASSWORD, TestApp, assert_ok};

/// The key ids the private signing keys are sealed under.
async fn sealed_under(app: &TestApp) -> Vec<String> {
    signing_keys::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.private_key.split_once('.').unwrap().0.to_owned())
        .collect()
}

async fn stored(app: &TestApp, name: &str) -> Option<String> {
    settings::Entity::find_by_id(name)
        .one(app.db())
        .await
        .unwrap()
        .map(|row| row.value)
}

fn id_of(base64_key: &str) -> String {
    EncryptionKey::from_base64(base64_key)
        .unwrap()
        .id()
        .to_owned()
}

per_backend!(settings = es256; development_rotates_the_stored_key);
async fn development_rotates_the_stored_key(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let url = app.database_url();
    let env = [("ROSTER_JWT_ALGORITHM", "ES256")];
    run_command(&url, &["keys", "add"], &env).await;
    let old = stored(&app, "encryption_key").await.unwrap();
    assert_eq!(sealed_under(&app).await, [id_of(&old), id_of(&old)]);

    let rotated = run_command(&url, &["rotate-encryption-key"], &env).await;
    assert!(rotated.status.success(), "{}", rotated.stderr);
    assert!(
        rotated.stdout.contains("3 values re-encrypted"),
        "{}",
        rotated.stdout
    );
    let new = stored(&app, "encryption_key").await.unwrap();
    assert_ne!(new, old);
    assert_eq!(
        stored(&app, "encryption_key_previous").await.as_deref(),
        Some(old.as_str())
    );
    assert_eq!(sealed_under(&app).await, [id_of(&new), id_of(&new)]);
    // So is the key of the passkey fake credential ids (the third value).
    let fake_key = stored(&app, "passkey_fake_credential_key").await.unwrap();
    assert!(
        fake_key.starts_with(&format!("{}.", id_of(&new))),
        "{fake_key}"
    );
    // Neither key appears in what the command printed.
    for key in [&old, &new] {
        assert!(!rotated.stdout.contains(key.as_str()) && !rotated.stderr.contains(key.as_str()));
    }
    // The running server rotates to the NEXT key, sealed under the new key, and a restart opens
    // everything.
    let rotate = run_command(&url, &["keys", "rotate"], &env).await;
    assert!(rotate.status.success(), "{}", rotate.stderr);
    let next = signs_now(&rotate.stdout);
    eventually(
        "the running server opens the key sealed under the new key",
        || async { kid(&app.login("ada@example.com", PASSWORD).await.access) == next },
    )
    .await;
    let app = app.restart().await;
    assert_ok(&app.gql(ME, json!({}), Some(&tokens.access)).await);
    let again = app.login("ada@example.com", PASSWORD).await;
    assert_ok(&app.gql(ME, json!({}), Some(&again.access)).await);
    // A second run has nothing left under the old key... but seals under a newer one.
    let second = run_command(&url, &["rotate-encryption-key"], &env).await;
    assert!(
        second.stdout.contains("3 values re-encrypted"),
        "{}",
        second.stdout
    );
}

fn random_key() -> String {
    base64::engine::general_purpose::STANDARD.encode(rand_bytes())
}

fn rand_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).unwrap();
    bytes
}

per_backend!(backend; a_configured_key_moves_to_the_new_key);
async fn a_configured_key_moves_to_the_new_key(backend: Backend) {
    let (old, new) = (random_key(), random_key());
    let configured = old.clone();
    let app = TestApp::spawn_with(backend, move |settings| {
        es256(settings);
        settings.encryption_key = Some(roster::config::Secret::new(configured));
    })
    .await;
    let tokens = app.register("ada@example.com").await;
    assert_eq!(sealed_under(&app).await, [id_of(&old)]);
    assert_eq!(
        stored(&app, "encryption_key").await,
        None,
        "a configured key is never stored"
    );

    let url = app.database_url();
    let with_old = [
        ("ROSTER_JWT_ALGORITHM", "ES256"),
        ("ROSTER_ENCRYPTION_KEY", old.as_str()),
    ];
    let refused = run_command(&url, &["rotate-encryption-key"], &with_old).await;
    assert!(!refused.status.success());
    assert!(
        refused.stderr.contains("ROSTER_NEW_ENCRYPTION_KEY"),
        "{}",
        refused.stderr
    );

    let both = [
        ("ROSTER_JWT_ALGORITHM", "ES256"),
        ("ROSTER_ENCRYPTION_KEY", old.as_str()),
        ("ROSTER_NEW_ENCRYPTION_KEY", new.as_str()),
    ];
    let rotated = run_command(&url, &["rotate-encryption-key"], &both).await;
    assert!(rotated.status.success(), "{}", rotated.stderr);
    assert!(
        rotated.stdout.contains("2 values re-encrypted"),
        "{}",
        rotated.stdout
    );
    assert!(
        rotated.stdout.contains("set it as ROSTER_ENCRYPTION_KEY"),
        "{}",
        rotated.stdout
    );
    assert_eq!(sealed_under(&app).await, [id_of(&new)]);
    for key in [&old, &new] {
        assert!(!rotated.stdout.contains(key.as_str()) && !rotated.stderr.contains(key.as_str()));
    }

    // Key commands seal only with a key that opens what is stored, and only under the key the
    // values were moved to.
    let refusals = [
        (with_old.to_vec(), "which this command does not hold"),
        (vec![("ROSTER_JWT_ALGORITHM", "ES256")], "no encryption key"),
        (
            vec![
                ("ROSTER_JWT_ALGORITHM", "ES256"),
                ("ROSTER_ENCRYPTION_KEY", new.as_str()),
                ("ROSTER_NEW_ENCRYPTION_KEY", old.as_str()),
            ],
            "the stored secrets are encrypted under encryption key",
        ),
    ];
    for (env, message) in refusals {
        let add = run_command(&url, &["keys", "add"], &env).await;
        assert!(!add.status.success(), "{}", add.stdout);
        assert!(add.stderr.contains(message), "{message}: {}", add.stderr);
    }
    assert_eq!(sealed_under(&app).await, [id_of(&new)], "nothing was added");

    // The running server, holding its opened key, goes on; the old key alone no longer opens
    // what is stored, the new one does.
    assert_ok(&app.gql(ME, json!({}), Some(&tokens.access)).await);
    let refused = roster::app::state(app.db().clone(), &app.settings).await;
    let message = refused
        .err()
        .expect("the old key no longer opens")
        .to_string();
    assert!(
        message.contains("does not open with the configured encryption key"),
        "{message}"
    );
    let new_key = new.clone();
    let app = app
        .restart_with(move |settings| {
            settings.encryption_key = Some(roster::config::Secret::new(new_key))
        })
        .await;
    assert_ok(&app.gql(ME, json!({}), Some(&tokens.access)).await);
    let again = app.login("ada@example.com", PASSWORD).await;
    assert_ok(&app.gql(ME, json!({}), Some(&again.access)).await);
}

per_backend!(backend; production_refuses_to_start_without_an_encryption_key);
async fn production_refuses_to_start_without_an_encryption_key(backend: Backend) {
    let database = crate::support::database::TestDatabase::create(backend).await;
    // Keys made in development live in the database, sealed under the stored key.
    let development = Launch::new(&database.url())
        .set("ROSTER_JWT_ALGORITHM", "ES256")
        .start()
        .await;
    drop(development);
    let (status, log) = Launch::new(&database.url())
        .set("ROSTER_ENV", "production")
        .set("ROSTER_JWT_ALGORITHM", "ES256")
        .refused()
        .await;
    assert!(!status.success(), "{log}");
    assert!(log.contains("set ROSTER_ENCRYPTION_KEY"), "{log}");
    assert!(!log.contains("Roster listening"), "{log}");
}
