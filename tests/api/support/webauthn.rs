//! A software passkey authenticator and the browser around it: what
//! `navigator.credentials.create()` and `.get()` would return for the options Roster sends, as
//! `PublicKeyCredential.toJSON()` writes them. Written from the WebAuthn Level 3 and CTAP2
//! formats apart from the server's library: ES256 keys (P-256), `none` attestation, the
//! authenticator data's flags and counter, and a little CBOR encoder of its own.
//!
//! Every field a browser fills in is a knob, so a test can forge what no browser sends: another
//! origin, another RP ID hash, no user verification, a counter going backwards, another
//! credential's signature.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Authenticator data flags (WebAuthn §6.1).
const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const BACKUP_ELIGIBLE: u8 = 0x08;
const BACKED_UP: u8 = 0x10;
const ATTESTED_CREDENTIAL: u8 = 0x40;

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .unwrap_or_else(|e| panic!("{text:?} is not base64url: {e}"))
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).unwrap();
    bytes
}

/// One credential the authenticator holds.
#[derive(Clone)]
pub struct Credential {
    pub id: Vec<u8>,
    pub key: SigningKey,
    pub rp_id: String,
    /// The WebAuthn user id the RP gave at registration.
    pub user_handle: Vec<u8>,
    /// The signature counter; 0 stays 0 (a synced passkey keeps none).
    pub counter: u32,
    /// Whether it was created discoverable (a resident key).
    pub discoverable: bool,
}

/// A platform authenticator in a browser at `origin`.
pub struct Authenticator {
    /// What `clientDataJSON.origin` says.
    pub origin: String,
    /// What the authenticator data's RP ID hash is taken of; the options' `rpId` when `None`.
    pub rp_id_hash_of: Option<String>,
    /// Whether it verifies the user (biometrics, a PIN); off: only presence.
    pub user_verification: bool,
    /// Whether it makes credentials that sync (`BE` and `BS` flags).
    pub synced: bool,
    /// Whether new credentials keep a counter (from 1) or report 0 for ever.
    pub counts: bool,
    /// Whether it can make discoverable credentials.
    pub resident_keys: bool,
    pub credentials: Vec<Credential>,
    /// The id the next credential gets (a random one when `None`).
    pub next_credential_id: Option<Vec<u8>>,
}

impl Credential {
    /// The id as base64url, as the server stores and lists it.
    pub fn id_text(&self) -> String {
        b64(&self.id)
    }
}

impl Authenticator {
    /// A user-verifying authenticator with resident keys, in a browser at `origin`.
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            rp_id_hash_of: None,
            user_verification: true,
            synced: false,
            counts: true,
            resident_keys: true,
            credentials: Vec::new(),
            next_credential_id: None,
        }
    }

    fn flags(&self, base: u8) -> u8 {
        let mut flags = base | USER_PRESENT;
        if self.user_verification {
            flags |= USER_VERIFIED;
        }
        if self.synced {
            flags |= BACKUP_ELIGIBLE | BACKED_UP;
        }
        flags
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": challenge,
            "origin": self.origin,
            "crossOrigin": false,
        }))
        .unwrap()
    }

    fn rp_id_hash(&self, rp_id: &str) -> [u8; 32] {
        Sha256::digest(self.rp_id_hash_of.as_deref().unwrap_or(rp_id).as_bytes()).into()
    }

    /// `navigator.credentials.create({ publicKey })` for a ceremony's `options`
    /// (`{ publicKey }`), as `toJSON()`: a new ES256 credential.
    pub fn create(&mut self, options: &Value) -> Value {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rp"]["id"].as_str().expect("rp.id").to_owned();
        let challenge = public_key["challenge"].as_str().expect("challenge");
        let user_handle = unb64(public_key["user"]["id"].as_str().expect("user.id"));
        let excluded: Vec<Vec<u8>> = public_key["excludeCredentials"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|c| unb64(c["id"].as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            !self.credentials.iter().any(|c| excluded.contains(&c.id)),
            "the browser would refuse: this authenticator holds an excluded credential"
        );
        let discoverable = self.resident_keys
            && matches!(
                public_key["authenticatorSelection"]["residentKey"].as_str(),
                Some("preferred" | "required")
            );
        let credential = Credential {
            id: self
                .next_credential_id
                .take()
                .unwrap_or_else(|| random::<16>().to_vec()),
            key: SigningKey::from_bytes(&random::<32>().into()).expect("a P-256 scalar"),
            rp_id: rp_id.clone(),
            user_handle,
            counter: 0,
            discoverable,
        };
        let point = credential.key.verifying_key().to_encoded_point(false);
        let mut cose = Vec::new();
        cbor::map(&mut cose, 5);
        cbor::int(&mut cose, 1); // kty: EC2
        cbor::int(&mut cose, 2);
        cbor::int(&mut cose, 3); // alg: ES256
        cbor::int(&mut cose, -7);
        cbor::int(&mut cose, -1); // crv: P-256
        cbor::int(&mut cose, 1);
        cbor::int(&mut cose, -2);
        cbor::bytes(&mut cose, point.x().unwrap());
        cbor::int(&mut cose, -3);
        cbor::bytes(&mut cose, point.y().unwrap());
        let mut auth_data = self.rp_id_hash(&rp_id).to_vec();
        auth_data.push(self.flags(ATTESTED_CREDENTIAL));
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID
        auth_data.extend_from_slice(&(credential.id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&credential.id);
        auth_data.extend_from_slice(&cose);
        let mut attestation = Vec::new();
        cbor::map(&mut attestation, 3);
        cbor::text(&mut attestation, "fmt");
        cbor::text(&mut attestation, "none");
        cbor::text(&mut attestation, "attStmt");
        cbor::map(&mut attestation, 0);
        cbor::text(&mut attestation, "authData");
        cbor::bytes(&mut attestation, &auth_data);
        let client_data = self.client_data("webauthn.create", challenge);
        let mut credential = credential;
        if self.counts {
            credential.counter = 1;
        }
        let id = b64(&credential.id);
        self.credentials.push(credential);
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&attestation),
                "transports": ["internal", "hybrid"],
            },
            "clientExtensionResults": { "credProps": { "rk": discoverable } },
        })
    }

    /// `navigator.credentials.get({ publicKey })` for a ceremony's `options`, as `toJSON()`:
    /// signed by the first credential the options allow, or, when they list none, the first
    /// discoverable one for their RP ID (the one the person picks).
    pub fn get(&mut self, options: &Value) -> Value {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rpId"].as_str().expect("rpId");
        let allowed: Vec<Vec<u8>> = public_key["allowCredentials"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|c| unb64(c["id"].as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let index = self
            .credentials
            .iter()
            .position(|c| {
                c.rp_id == rp_id
                    && if allowed.is_empty() {
                        c.discoverable
                    } else {
                        allowed.contains(&c.id)
                    }
            })
            .expect("the browser would say: no passkey for this site");
        self.get_with(index, options)
    }

    /// `get`, signed by credential `index` whatever the options allow.
    pub fn get_with(&mut self, index: usize, options: &Value) -> Value {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rpId"].as_str().expect("rpId").to_owned();
        let challenge = public_key["challenge"].as_str().expect("challenge");
        let flags = self.flags(0);
        let rp_id_hash = self.rp_id_hash(&rp_id);
        let client_data = self.client_data("webauthn.get", challenge);
        let credential = &mut self.credentials[index];
        if credential.counter > 0 {
            credential.counter += 1;
        }
        let mut auth_data = rp_id_hash.to_vec();
        auth_data.push(flags);
        auth_data.extend_from_slice(&credential.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: Signature = credential.key.sign(&signed);
        let id = b64(&credential.id);
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&credential.user_handle),
            },
            "clientExtensionResults": {},
        })
    }
}

/// Just enough CBOR (RFC 8949) for an attestation object and a COSE key.
mod cbor {
    fn head(out: &mut Vec<u8>, major: u8, value: u64) {
        let major = major << 5;
        match value {
            0..=23 => out.push(major | value as u8),
            24..=0xff => out.extend_from_slice(&[major | 24, value as u8]),
            0x100..=0xffff => {
                out.push(major | 25);
                out.extend_from_slice(&(value as u16).to_be_bytes());
            }
            _ => {
                out.push(major | 26);
                out.extend_from_slice(&(value as u32).to_be_bytes());
            }
        }
    }

    pub fn int(out: &mut Vec<u8>, value: i64) {
        if value >= 0 {
            head(out, 0, value as u64);
        } else {
            head(out, 1, (-1 - value) as u64);
        }
    }

    pub fn bytes(out: &mut Vec<u8>, value: &[u8]) {
        head(out, 2, value.len() as u64);
        out.extend_from_slice(value);
    }

    pub fn text(out: &mut Vec<u8>, value: &str) {
        head(out, 3, value.len() as u64);
        out.extend_from_slice(value.as_bytes());
    }

    pub fn map(out: &mut Vec<u8>, pairs: u64) {
        head(out, 5, pairs);
    }

    #[test]
    fn the_rfc_8949_appendix_a_examples() {
        let encoded = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut out = Vec::new();
            f(&mut out);
            out
        };
        assert_eq!(encoded(&|o| int(o, 10)), [0x0a]);
        assert_eq!(encoded(&|o| int(o, 24)), [0x18, 0x18]);
        assert_eq!(encoded(&|o| int(o, 1000)), [0x19, 0x03, 0xe8]);
        assert_eq!(encoded(&|o| int(o, -1)), [0x20]);
        assert_eq!(encoded(&|o| int(o, -100)), [0x38, 0x63]);
        assert_eq!(
            encoded(&|o| text(o, "IETF")),
            [0x64, 0x49, 0x45, 0x54, 0x46]
        );
        assert_eq!(encoded(&|o| bytes(o, &[1, 2, 3, 4])), [0x44, 1, 2, 3, 4]);
        assert_eq!(encoded(&|o| map(o, 0)), [0xa0]);
    }
}
