//! Key pairs for access tokens that other services verify (`ES256`: ECDSA on P-256; `EdDSA`:
//! Ed25519), made with the curves' own crates, the ones jsonwebtoken signs with: the private
//! key as PKCS#8 DER, the public key as a JWK whose `kid` is its RFC 7638 thumbprint. The HMAC
//! secret never becomes a JWK: HS256 publishes nothing.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::JwtAlgorithm;
use crate::error::{AppError, AppResult};

/// A published public key. It has no member for a private part (`d`) or a secret (`k`), so
/// none can ever be written out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicJwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub key_use: String,
}

impl PublicJwk {
    fn new(algorithm: JwtAlgorithm, kty: &str, crv: &str, x: &[u8], y: Option<&[u8]>) -> Self {
        let mut jwk = Self {
            kty: kty.to_owned(),
            crv: crv.to_owned(),
            x: URL_SAFE_NO_PAD.encode(x),
            y: y.map(|y| URL_SAFE_NO_PAD.encode(y)),
            kid: String::new(),
            alg: algorithm.name().to_owned(),
            key_use: "sig".to_owned(),
        };
        jwk.kid = jwk.thumbprint();
        jwk
    }

    /// RFC 7638: SHA-256 of the required members (`crv`, `kty`, `x`, and `y` for EC) as JSON
    /// with sorted keys and no whitespace, base64url.
    pub fn thumbprint(&self) -> String {
        let mut members = BTreeMap::from([
            ("crv", self.crv.as_str()),
            ("kty", self.kty.as_str()),
            ("x", self.x.as_str()),
        ]);
        if let Some(y) = &self.y {
            members.insert("y", y);
        }
        let canonical = serde_json::to_string(&members).expect("BUG: strings serialise");
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    /// The algorithm this key verifies, and nothing else.
    pub fn algorithm(&self) -> AppResult<Algorithm> {
        match (self.alg.as_str(), self.kty.as_str(), self.crv.as_str()) {
            ("ES256", "EC", "P-256") => Ok(Algorithm::ES256),
            ("EdDSA", "OKP", "Ed25519") => Ok(Algorithm::EdDSA),
            _ => Err(AppError::internal(format!(
                "signing key {} is not an ES256 or EdDSA key",
                self.kid
            ))),
        }
    }

    /// The key that verifies this key's signatures.
    pub fn decoding_key(&self) -> AppResult<DecodingKey> {
        let key = match (self.algorithm()?, &self.y) {
            (Algorithm::ES256, Some(y)) => DecodingKey::from_ec_components(&self.x, y),
            (Algorithm::EdDSA, None) => DecodingKey::from_ed_components(&self.x),
            _ => return Err(AppError::internal("a signing key's JWK is incomplete")),
        };
        key.map_err(AppError::internal)
    }
}

/// A new key pair: the private key (PKCS#8 DER, to be sealed before it is stored) and the
/// public JWK.
pub struct KeyPair {
    pub private_pkcs8: Vec<u8>,
    pub public: PublicJwk,
}

impl KeyPair {
    /// A new random key pair for `algorithm`; HS256 has none.
    pub fn generate(algorithm: JwtAlgorithm) -> AppResult<Self> {
        match algorithm {
            JwtAlgorithm::Es256 => Self::p256(),
            JwtAlgorithm::EdDsa => Self::ed25519(),
            JwtAlgorithm::Hs256 => Err(AppError::internal("HS256 signs with a secret")),
        }
    }

    /// The key pair in a PKCS#8 PEM: P-256 (ES256) or Ed25519 (EdDSA); `None` for anything
    /// else.
    pub fn from_pkcs8_pem(pem: &str) -> Option<Self> {
        use p256::pkcs8::DecodePrivateKey;
        if let Ok(secret) = p256::SecretKey::from_pkcs8_pem(pem) {
            return Self::from_p256(&secret).ok();
        }
        let secret = ed25519_dalek::SigningKey::from_pkcs8_pem(pem).ok()?;
        Self::from_ed25519(&secret).ok()
    }

    fn p256() -> AppResult<Self> {
        // A random 256-bit string is a valid scalar unless it is zero or above the group's
        // order (odds about 2^-32); draw again then, as `SecretKey::random` does.
        let secret = loop {
            if let Ok(secret) = p256::SecretKey::from_slice(&random_bytes()?) {
                break secret;
            }
        };
        Self::from_p256(&secret)
    }

    fn from_p256(secret: &p256::SecretKey) -> AppResult<Self> {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        use p256::pkcs8::EncodePrivateKey;
        let private = secret.to_pkcs8_der().map_err(AppError::internal)?;
        let point = secret.public_key().to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return Err(AppError::internal("an uncompressed point has x and y"));
        };
        Ok(Self {
            private_pkcs8: private.as_bytes().to_vec(),
            public: PublicJwk::new(JwtAlgorithm::Es256, "EC", "P-256", x, Some(y)),
        })
    }

    fn ed25519() -> AppResult<Self> {
        Self::from_ed25519(&ed25519_dalek::SigningKey::from_bytes(&random_bytes()?))
    }

    fn from_ed25519(secret: &ed25519_dalek::SigningKey) -> AppResult<Self> {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let private = secret.to_pkcs8_der().map_err(AppError::internal)?;
        let x = secret.verifying_key().to_bytes();
        Ok(Self {
            private_pkcs8: private.as_bytes().to_vec(),
            public: PublicJwk::new(JwtAlgorithm::EdDsa, "OKP", "Ed25519", &x, None),
        })
    }
}

/// The key that signs with `algorithm` from its PKCS#8 DER.
pub fn encoding_key(algorithm: Algorithm, private_pkcs8: &[u8]) -> AppResult<EncodingKey> {
    match algorithm {
        Algorithm::ES256 => Ok(EncodingKey::from_ec_der(private_pkcs8)),
        Algorithm::EdDSA => Ok(EncodingKey::from_ed_der(private_pkcs8)),
        other => Err(AppError::internal(format!(
            "no key pair signs with {other:?}"
        ))),
    }
}

fn random_bytes() -> AppResult<[u8; 32]> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thumbprint_is_rfc_7638() {
        // RFC 8037, appendix A.3.
        let jwk = PublicJwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo".into(),
            y: None,
            kid: String::new(),
            alg: "EdDSA".into(),
            key_use: "sig".into(),
        };
        assert_eq!(
            jwk.thumbprint(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn generated_pairs_publish_only_their_public_part() {
        for algorithm in [JwtAlgorithm::Es256, JwtAlgorithm::EdDsa] {
            let pair = KeyPair::generate(algorithm).unwrap();
            let json = serde_json::to_value(&pair.public).unwrap();
            assert_eq!(json["kid"], pair.public.thumbprint());
            assert_eq!(json["alg"], algorithm.name());
            assert_eq!(json["use"], "sig");
            assert!(json.get("d").is_none() && json.get("k").is_none(), "{json}");
            assert_eq!(json.get("y").is_some(), algorithm == JwtAlgorithm::Es256);
            // DER: a SEQUENCE.
            assert_eq!(pair.private_pkcs8[0], 0x30);
            assert!(pair.public.decoding_key().is_ok());
            let signing = pair.public.algorithm().unwrap();
            assert!(encoding_key(signing, &pair.private_pkcs8).is_ok());
        }
        assert!(KeyPair::generate(JwtAlgorithm::Hs256).is_err());
    }

    #[test]
    fn pkcs8_pem_keys_are_read_with_their_public_part() {
        use ed25519_dalek::pkcs8::EncodePrivateKey as _;
        use p256::pkcs8::LineEnding;
        let p256 = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
        let pem = p256.to_pkcs8_pem(LineEnding::LF).unwrap();
        let read = KeyPair::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(read.public, KeyPair::from_p256(&p256).unwrap().public);
        assert_eq!(read.public.alg, "ES256");
        let ed = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
        let pem = ed.to_pkcs8_pem(LineEnding::LF).unwrap();
        let read = KeyPair::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(read.public.alg, "EdDSA");
        assert_eq!(read.public, KeyPair::from_ed25519(&ed).unwrap().public);
        assert!(
            KeyPair::from_pkcs8_pem(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            )
            .is_none()
        );
        assert!(KeyPair::from_pkcs8_pem("not a key").is_none());
    }
}
