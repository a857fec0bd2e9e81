//! Signing keys: access tokens signed with a key pair (`--jwt-algorithm ES256` or `EdDSA`) that
//! other services verify with the published keys (checked here with the curves' crates
//! directly, not the server's JWT code), HS256 publishing nothing, tokens from before a switch,
//! private keys sealed at rest. Forged tokens: `forged`.

mod encryption;
mod forged;
mod key_file;
mod lifecycle;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use roster::config::{JwtAlgorithm, Settings};
use roster::db::entities::{settings, signing_keys};
use roster::services::keys::encryption::{EncryptionKey, EncryptionKeys};
use roster::services::keys::signing::{self, KeyPolicy, OpenedKeys, State};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::support::documents::ME;
use crate::support::{TestApp, assert_ok};

pub fn es256(settings: &mut Settings) {
    settings.jwt_algorithm = JwtAlgorithm::Es256;
}

pub fn eddsa(settings: &mut Settings) {
    settings.jwt_algorithm = JwtAlgorithm::EdDsa;
}

/// A token's header and claims, and what its signature covers and is.
pub struct Parts {
    pub header: Value,
    pub claims: Value,
    pub signing_input: String,
    pub signature: Vec<u8>,
}

pub fn parts(token: &str) -> Parts {
    let pieces: Vec<&str> = token.split('.').collect();
    assert_eq!(pieces.len(), 3, "{token}");
    let json = |piece: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(piece).unwrap()).unwrap()
    };
    Parts {
        header: json(pieces[0]),
        claims: json(pieces[1]),
        signing_input: format!("{}.{}", pieces[0], pieces[1]),
        signature: URL_SAFE_NO_PAD.decode(pieces[2]).unwrap(),
    }
}

/// `GET /.well-known/{document}`.
pub async fn well_known(app: &TestApp, document: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/.well-known/{document}", app.address))
        .send()
        .await
        .expect("request sent")
}

/// The published key set.
pub async fn jwks(app: &TestApp) -> Value {
    let response = well_known(app, "jwks.json").await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The published key named `kid`.
pub async fn published_key(app: &TestApp, kid: &str) -> Value {
    let set = jwks(app).await;
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["kid"] == kid)
        .unwrap_or_else(|| panic!("{kid} is not in {set}"))
        .clone()
}

/// The uncompressed SEC1 point of a P-256 JWK: `04 || x || y`.
pub fn p256_point(jwk: &Value) -> Vec<u8> {
    [vec![0x04], bytes(jwk, "x"), bytes(jwk, "y")].concat()
}

fn bytes(jwk: &Value, member: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(jwk[member].as_str().unwrap())
        .unwrap()
}

/// Checks the signature with the curve's own crate and the published JWK alone.
fn verify_independently(token: &Parts, jwk: &Value) {
    match jwk["alg"].as_str().unwrap() {
        "ES256" => {
            use p256::ecdsa::signature::Verifier;
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&p256_point(jwk)).unwrap();
            let signature = p256::ecdsa::Signature::from_slice(&token.signature).unwrap();
            key.verify(token.signing_input.as_bytes(), &signature)
                .expect("the ES256 signature verifies with the published key");
        }
        "EdDSA" => {
            let x: [u8; 32] = bytes(jwk, "x").try_into().unwrap();
            let key = ed25519_dalek::VerifyingKey::from_bytes(&x).unwrap();
            let signature = ed25519_dalek::Signature::from_slice(&token.signature).unwrap();
            key.verify_strict(token.signing_input.as_bytes(), &signature)
                .expect("the EdDSA signature verifies with the published key");
        }
        other => panic!("unexpected alg {other}"),
    }
}

/// Registers and checks the token against what is published: its header names a published key
/// of `algorithm`, whose JWK holds no private part and verifies the signature; `me` works.
async fn a_key_pair_signs(app: &TestApp, algorithm: &str) {
    let tokens = app.register("ada@example.com").await;
    let token = parts(&tokens.access);
    assert_eq!(token.header["alg"], algorithm, "{}", token.header);
    let kid = token.header["kid"].as_str().expect("a kid in the header");
    for claim in ["sub", "sid", "iat", "exp"] {
        assert!(
            token.claims.get(claim).is_some(),
            "{claim}: {}",
            token.claims
        );
    }
    assert_eq!(token.claims["iss"], "roster");
    assert_eq!(token.claims["aud"], "roster");
    assert_eq!(token.claims["typ"], "access");

    let response = well_known(app, "jwks.json").await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert!(header("content-type").starts_with("application/json"));
    assert_eq!(header("cache-control"), "public, max-age=300");
    assert_eq!(header("access-control-allow-origin"), "*");
    let set: Value = response.json().await.unwrap();
    for key in set["keys"].as_array().unwrap() {
        assert!(key.get("d").is_none() && key.get("k").is_none(), "{key}");
    }
    // A browser's request, with its Origin, gets one answer any origin may read.
    let response = app
        .client
        .get(format!("{}/.well-known/jwks.json", app.address))
        .header("origin", "https://elsewhere.example")
        .send()
        .await
        .unwrap();
    let allowed: Vec<_> = response
        .headers()
        .get_all("access-control-allow-origin")
        .iter()
        .collect();
    assert_eq!(allowed, ["*"]);
    let jwk = published_key(app, kid).await;
    assert_eq!(jwk["alg"], algorithm);
    assert_eq!(jwk["use"], "sig");
    verify_independently(&token, &jwk);

    assert_ok(&app.gql(ME, json!({}), Some(&tokens.access)).await);

    let response = well_known(app, "openid-configuration").await;
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["issuer"], "roster");
    assert_eq!(
        document["jwks_uri"],
        format!("{}/.well-known/jwks.json", app.address)
    );
    assert_eq!(
        document["id_token_signing_alg_values_supported"],
        json!([algorithm])
    );
    assert_eq!(document["subject_types_supported"], json!(["public"]));
}

per_backend!(settings = es256; es256_tokens_name_a_published_key);
async fn es256_tokens_name_a_published_key(app: TestApp) {
    a_key_pair_signs(&app, "ES256").await;
}

per_backend!(settings = eddsa; eddsa_tokens_name_a_published_key);
async fn eddsa_tokens_name_a_published_key(app: TestApp) {
    a_key_pair_signs(&app, "EdDSA").await;
}

per_backend!(hs256_publishes_nothing);
async fn hs256_publishes_nothing(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    assert!(parts(&tokens.access).header.get("kid").is_none());
    assert_eq!(jwks(&app).await, json!({ "keys": [] }));
    assert_eq!(well_known(&app, "openid-configuration").await.status(), 404);
    let rows = signing_keys::Entity::find().all(app.db()).await.unwrap();
    assert!(rows.is_empty(), "HS256 makes no key pair");
}

per_backend!(hs256_tokens_from_before_a_switch_stay_valid);
async fn hs256_tokens_from_before_a_switch_stay_valid(app: TestApp) {
    let before = app.register("ada@example.com").await;
    let app = app.restart_with(es256).await;
    assert_ok(&app.gql(ME, json!({}), Some(&before.access)).await);
    let after = app.login("ada@example.com", crate::support::PASSWORD).await;
    assert_eq!(parts(&after.access).header["alg"], "ES256");
    assert_ok(&app.gql(ME, json!({}), Some(&after.access)).await);
}

per_backend!(settings = es256; the_signing_key_survives_restarts_and_replicas_agree);
async fn the_signing_key_survives_restarts_and_replicas_agree(app: TestApp) {
    let kid = |token: &str| parts(token).header["kid"].as_str().unwrap().to_owned();
    let first = app.register("ada@example.com").await;
    let replica = app.replica().await;
    let second = replica
        .login("ada@example.com", crate::support::PASSWORD)
        .await;
    assert_eq!(kid(&first.access), kid(&second.access));
    assert_ok(&replica.gql(ME, json!({}), Some(&first.access)).await);
    drop(replica);
    let app = app.restart().await;
    assert_ok(&app.gql(ME, json!({}), Some(&first.access)).await);

    // Two first starts of another algorithm at once make one current key between them, and
    // the ES256 key steps down with its grace.
    let encryption = EncryptionKeys::new(encryption_key(&app).await, Vec::new());
    let policy = KeyPolicy {
        algorithm: JwtAlgorithm::EdDsa,
        grace_secs: 1200,
        rotation_interval_secs: None,
        file_key: None,
    };
    let start = || async {
        let mut opened = OpenedKeys::default();
        signing::start(app.db(), &policy, &encryption, &mut opened)
            .await
            .unwrap()
            .0
            .signing
            .unwrap()
    };
    let (one, other) = tokio::join!(start(), start());
    assert_eq!(one.kid(), other.kid());
    let rows = signing_keys::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let es256 = rows.iter().find(|row| row.algorithm == "ES256").unwrap();
    assert_eq!(es256.state, State::Previous);
}

/// The encryption key development generated and stored.
async fn encryption_key(app: &TestApp) -> EncryptionKey {
    let row = settings::Entity::find_by_id("encryption_key")
        .one(app.db())
        .await
        .unwrap()
        .expect("development stores the generated encryption key");
    EncryptionKey::from_base64(&row.value).unwrap()
}

per_backend!(settings = es256; private_keys_are_sealed_at_rest);
async fn private_keys_are_sealed_at_rest(app: TestApp) {
    let rows = signing_keys::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (row.state, row.algorithm.as_str()),
        (State::Current, "ES256")
    );
    let stored = &row.private_key;
    assert!(!stored.contains("PRIVATE KEY"), "PEM in the clear");
    let encryption = encryption_key(&app).await;
    let (id, body) = stored.split_once('.').expect("`{key id}.{sealed}`");
    assert_eq!(id, encryption.id());
    let sealed = URL_SAFE_NO_PAD.decode(body).unwrap();
    let context = format!("signing_keys.private_key:{}", row.kid);
    let der = encryption.open(stored, &context).unwrap();
    assert_eq!(der[0], 0x30, "the sealed value is PKCS#8 DER (a SEQUENCE)");
    // Neither the DER nor its base64 appears in what is stored.
    let tail = &der[der.len() - 16..];
    assert!(!sealed.windows(tail.len()).any(|window| window == tail));
    assert!(!stored.contains(&base64::engine::general_purpose::STANDARD.encode(&der)[..20]));
    assert!(!stored.contains(&URL_SAFE_NO_PAD.encode(&der)[..20]));
}

per_backend!(settings = es256; switching_to_eddsa_keeps_es256_tokens_valid);
async fn switching_to_eddsa_keeps_es256_tokens_valid(app: TestApp) {
    let before = app.register("ada@example.com").await;
    let app = app.restart_with(eddsa).await;
    assert_ok(&app.gql(ME, json!({}), Some(&before.access)).await);
    let after = app.login("ada@example.com", crate::support::PASSWORD).await;
    assert_eq!(parts(&after.access).header["alg"], "EdDSA");
    let algorithms: Vec<Value> = jwks(&app).await["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["alg"].clone())
        .collect();
    assert_eq!(algorithms.len(), 2, "{algorithms:?}");
    assert!(algorithms.contains(&json!("ES256")) && algorithms.contains(&json!("EdDSA")));
}

per_backend!(settings = es256; a_remembered_es256_token_still_dies_with_its_session);
/// The claims cache skips the signature, never the session: a token used once (so remembered)
/// is refused on the very next request after its session ends.
async fn a_remembered_es256_token_still_dies_with_its_session(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    assert_ok(&app.gql(ME, json!({}), Some(&tokens.access)).await);
    let logout = app
        .gql(
            crate::support::documents::LOGOUT,
            json!({}),
            Some(&tokens.access),
        )
        .await;
    assert_ok(&logout);
    let after = app.gql(ME, json!({}), Some(&tokens.access)).await;
    crate::support::assert_code(&after, "UNAUTHENTICATED");
}
