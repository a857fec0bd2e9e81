//! Forged tokens against a server signing with ES256: `alg: none`, HS256 keyed with the public
//! key (its JWK `x`, the JWK itself, its DER and PEM), an algorithm other than the key's, a
//! `kid` nobody published, a known `kid` on another key's signature, and keys offered by the
//! token itself (`jwk`, `jku`, `x5u`). Each gets the answer any bad token gets.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use p256::ecdsa::signature::Signer as _;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePublicKey;
use serde_json::{Value, json};

use super::{es256, p256_point, parts, published_key};
use crate::support::documents::ME;
use crate::support::{TestApp, assert_code};

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// A token with `header` and `claims`, signed by `sign` over the signing input.
fn token(header: &Value, claims: &Value, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!("{}.{}", encode(header), encode(claims));
    let signature = sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn hs256(secret: &[u8]) -> impl FnOnce(&[u8]) -> Vec<u8> {
    let secret = secret.to_vec();
    move |input| {
        let key = jsonwebtoken::EncodingKey::from_secret(&secret);
        let signature = jsonwebtoken::crypto::sign(input, &key, jsonwebtoken::Algorithm::HS256)
            .expect("HS256 signs");
        URL_SAFE_NO_PAD.decode(signature).unwrap()
    }
}

/// A P-256 key nobody published.
fn stranger() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&[0x42; 32]).unwrap()
}

fn es256_by(key: p256::ecdsa::SigningKey) -> impl FnOnce(&[u8]) -> Vec<u8> {
    move |input| {
        let signature: p256::ecdsa::Signature = key.sign(input);
        signature.to_bytes().to_vec()
    }
}

per_backend!(settings = es256; forged_tokens_are_refused);
async fn forged_tokens_are_refused(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let real = parts(&tokens.access);
    let kid = real.header["kid"].as_str().unwrap().to_owned();
    let claims = real.claims.clone();
    let jwk = published_key(&app, &kid).await;
    let point = p256_point(&jwk);
    let public = p256::PublicKey::from_sec1_bytes(&point).unwrap();
    let der = public.to_public_key_der().unwrap().as_bytes().to_vec();
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(&der)
    );
    let stranger_jwk = {
        let point = stranger()
            .verifying_key()
            .as_affine()
            .to_encoded_point(false);
        json!({
            "kty": "EC", "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()),
            "y": URL_SAFE_NO_PAD.encode(point.y().unwrap()),
        })
    };
    let hs256_with_kid = json!({ "alg": "HS256", "typ": "JWT", "kid": kid });

    let forgeries = [
        (
            "alg none",
            format!(
                "{}.{}.",
                encode(&json!({ "alg": "none", "typ": "JWT", "kid": kid })),
                encode(&claims)
            ),
        ),
        (
            "alg none without kid",
            format!("{}.{}.", encode(&json!({ "alg": "none" })), encode(&claims)),
        ),
        (
            "HS256, the JWK's x",
            token(
                &hs256_with_kid,
                &claims,
                hs256(jwk["x"].as_str().unwrap().as_bytes()),
            ),
        ),
        (
            "HS256, the JWK",
            token(&hs256_with_kid, &claims, hs256(jwk.to_string().as_bytes())),
        ),
        (
            "HS256, the DER",
            token(&hs256_with_kid, &claims, hs256(&der)),
        ),
        (
            "HS256, the PEM",
            token(&hs256_with_kid, &claims, hs256(pem.as_bytes())),
        ),
        (
            "HS256, the point",
            token(&hs256_with_kid, &claims, hs256(&point)),
        ),
        (
            "HS256 without kid, the PEM",
            token(
                &json!({ "alg": "HS256", "typ": "JWT" }),
                &claims,
                hs256(pem.as_bytes()),
            ),
        ),
        (
            "EdDSA under the ES256 key's kid",
            token(&json!({ "alg": "EdDSA", "kid": kid }), &claims, |input| {
                use ed25519_dalek::Signer as _;
                let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
                key.sign(input).to_bytes().to_vec()
            }),
        ),
        (
            "ES256 under a kid nobody published",
            token(
                &json!({ "alg": "ES256", "kid": "no-such-key" }),
                &claims,
                es256_by(stranger()),
            ),
        ),
        (
            "ES256 by another key under the published kid",
            token(
                &json!({ "alg": "ES256", "kid": kid }),
                &claims,
                es256_by(stranger()),
            ),
        ),
        (
            "ES256 by another key offering itself (jwk)",
            token(
                &json!({ "alg": "ES256", "jwk": stranger_jwk }),
                &claims,
                es256_by(stranger()),
            ),
        ),
        (
            "ES256 by another key pointing at its set (jku, x5u)",
            token(
                &json!({
                    "alg": "ES256", "kid": kid,
                    "jku": "http://127.0.0.1:9/jwks.json",
                    "x5u": "http://127.0.0.1:9/cert.pem",
                }),
                &claims,
                es256_by(stranger()),
            ),
        ),
    ];

    // Controls: the same helpers with the server's own keys make tokens it accepts, headers it
    // ignores (`jku`, `x5u`, `jwk`) included, so each refusal below is the key's doing.
    let (secret, private) = server_keys(&app, &kid).await;
    // An HS256 token is Roster's only from before the switch to key pairs (this server's
    // start): the control is dated two minutes back.
    let mut before_switch = claims.clone();
    for claim in ["iat", "exp"] {
        before_switch[claim] = json!(claims[claim].as_i64().unwrap() - 120);
    }
    let controls = [
        token(
            &json!({ "alg": "HS256", "typ": "JWT" }),
            &before_switch,
            hs256(&secret),
        ),
        token(
            &json!({
                "alg": "ES256", "kid": kid, "jwk": stranger_jwk,
                "jku": "http://127.0.0.1:9/jwks.json", "x5u": "http://127.0.0.1:9/cert.pem",
            }),
            &claims,
            es256_by(private),
        ),
    ];
    for control in controls {
        crate::support::assert_ok(&app.gql(ME, json!({}), Some(&control)).await);
    }

    // With the real secret but dated after the switch, or meant to outlive the access-token
    // TTL: not a token Roster issued.
    let mut after_switch = claims.clone();
    for claim in ["iat", "exp"] {
        after_switch[claim] = json!(claims[claim].as_i64().unwrap() + 5);
    }
    let mut long_lived = before_switch.clone();
    long_lived["exp"] = json!(claims["iat"].as_i64().unwrap() + 10 * 365 * 86_400);
    let minted = [
        ("HS256 after the switch", &after_switch),
        ("HS256 outliving the TTL", &long_lived),
    ];
    let hmac = |claims: &Value| {
        token(
            &json!({ "alg": "HS256", "typ": "JWT" }),
            claims,
            hs256(&secret),
        )
    };
    let minted: Vec<(&str, String)> = minted
        .into_iter()
        .map(|(what, claims)| (what, hmac(claims)))
        .collect();

    let garbage = app.gql(ME, json!({}), Some("not-a-token")).await;
    assert_code(&garbage, "UNAUTHENTICATED");
    let forgeries = forgeries.into_iter().chain(minted);
    for (what, forged) in forgeries {
        let answer = app.gql(ME, json!({}), Some(&forged)).await;
        assert_eq!(answer, garbage, "{what}");
    }
    // The real token still works: nothing above was refused for a reason of its own.
    crate::support::assert_ok(&app.gql(ME, json!({}), Some(&tokens.access)).await);
}

/// The server's HMAC secret and its signing key, read from the database as an operator could.
async fn server_keys(app: &TestApp, kid: &str) -> (Vec<u8>, p256::ecdsa::SigningKey) {
    use p256::pkcs8::DecodePrivateKey;
    use roster::db::entities::{settings, signing_keys};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let secret = settings::Entity::find_by_id("jwt_secret")
        .one(app.db())
        .await
        .unwrap()
        .expect("development stores the generated JWT secret");
    let row = signing_keys::Entity::find()
        .filter(signing_keys::Column::Kid.eq(kid))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let context = format!("signing_keys.private_key:{kid}");
    let der = super::encryption_key(app)
        .await
        .open(&row.private_key, &context)
        .unwrap();
    let private = p256::ecdsa::SigningKey::from_pkcs8_der(&der).unwrap();
    (secret.value.into_bytes(), private)
}
