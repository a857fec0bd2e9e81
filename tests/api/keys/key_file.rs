//! `--jwt-signing-key-file`: the operator's own key signs, is published by the replica and
//! registered without its private part, a new file takes over with the old key in its grace,
//! and a revoked file key is refused at start.

use std::path::PathBuf;

use p256::pkcs8::{EncodePrivateKey, LineEnding};
use roster::db::entities::signing_keys;
use roster::services::keys::signing::State;
use sea_orm::EntityTrait;
use serde_json::json;

use super::lifecycle::kid;
use super::{es256, p256_point, published_key};
use crate::support::documents::ME;
use crate::support::process::run_command;
use crate::support::{Backend, PASSWORD, TestApp, assert_code, assert_ok};

/// A new P-256 key written as a PKCS#8 PEM in `dir`; its uncompressed public point.
fn key_file(dir: &tempfile::TempDir, name: &str) -> (PathBuf, Vec<u8>) {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let pem = secret.to_pkcs8_pem(LineEnding::LF).unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, pem.as_bytes()).unwrap();
    let point = secret
        .public_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec();
    (path, point)
}

per_backend!(backend; a_key_file_signs_is_published_and_hands_over_to_the_next_file);
async fn a_key_file_signs_is_published_and_hands_over_to_the_next_file(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (first_path, first_point) = key_file(&dir, "first.pem");
    let app = TestApp::spawn_with(backend, |settings| {
        es256(settings);
        settings.jwt_signing_key_file = Some(first_path.clone());
    })
    .await;
    let first = app.register("ada@example.com").await;
    let first_kid = kid(&first.access);
    // The published key is the file's public key.
    assert_eq!(
        p256_point(&published_key(&app, &first_kid).await),
        first_point
    );
    let row = signing_keys::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(
        row.len(),
        1,
        "no key made in the database beside the file's"
    );
    assert!(row[0].from_file && row[0].private_key.is_empty());
    assert_eq!(row[0].state, State::Current);

    // A new file: its key signs after the restart, the old one stays accepted in its grace.
    let (second_path, _) = key_file(&dir, "second.pem");
    let app = app
        .restart_with(|settings| settings.jwt_signing_key_file = Some(second_path.clone()))
        .await;
    let second = app.login("ada@example.com", PASSWORD).await;
    let second_kid = kid(&second.access);
    assert_ne!(second_kid, first_kid);
    assert_ok(&app.gql(ME, json!({}), Some(&first.access)).await);
    assert_eq!(
        roster::services::keys::signing::find(app.db(), &first_kid)
            .await
            .unwrap()
            .unwrap()
            .state,
        State::Previous
    );
    let url = app.database_url();
    let env = [("ROSTER_JWT_ALGORITHM", "ES256")];
    let list = run_command(&url, &["keys", "list"], &env).await.stdout;
    let line = list.lines().find(|l| l.starts_with(&second_kid)).unwrap();
    assert!(line.contains("CURRENT") && line.ends_with("file"), "{line}");
    // A replica restarted with the old file during a roll-out does not take signing back.
    let app = app
        .restart_with(|settings| settings.jwt_signing_key_file = Some(first_path.clone()))
        .await;
    let state_of = |kid: String| {
        let db = app.db().clone();
        async move {
            roster::services::keys::signing::find(&db, &kid)
                .await
                .unwrap()
                .unwrap()
                .state
        }
    };
    assert_eq!(state_of(second_kid.clone()).await, State::Current);
    assert_eq!(state_of(first_kid.clone()).await, State::Previous);
    let app = app
        .restart_with(|settings| settings.jwt_signing_key_file = Some(second_path.clone()))
        .await;

    // Revoked: its tokens are refused, and a start with that file is refused.
    let revoke = run_command(&url, &["keys", "revoke", &second_kid], &env).await;
    assert!(revoke.status.success(), "{}", revoke.stderr);
    assert!(
        revoke.stderr.contains("put a new key in that file"),
        "{}",
        revoke.stderr
    );
    assert_code(
        &app.gql(ME, json!({}), Some(&second.access)).await,
        "UNAUTHENTICATED",
    );
    let refused = roster::app::state(app.db().clone(), &app.settings).await;
    let message = refused
        .err()
        .expect("a revoked key file is refused")
        .to_string();
    assert!(message.contains("was REVOKED"), "{message}");
}

per_backend!(backend; a_key_file_of_another_algorithm_or_not_a_key_is_refused);
async fn a_key_file_of_another_algorithm_or_not_a_key_is_refused(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (p256_path, _) = key_file(&dir, "p256.pem");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let database = crate::support::database::TestDatabase::create(backend).await;
    for (algorithm, path, message) in [
        (
            "EdDSA",
            &p256_path,
            "holds an ES256 key but --jwt-algorithm is EdDSA",
        ),
        ("ES256", &garbage, "is not a PKCS#8 PEM private key"),
    ] {
        let (status, log) = crate::support::process::Launch::new(&database.url())
            .set("ROSTER_JWT_ALGORITHM", algorithm)
            .set("ROSTER_JWT_SIGNING_KEY_FILE", path.to_str().unwrap())
            .refused()
            .await;
        assert!(!status.success(), "{log}");
        assert!(log.contains(message), "{log}");
        assert!(
            !log.contains("AAAA"),
            "the file's content is not echoed: {log}"
        );
    }
}
