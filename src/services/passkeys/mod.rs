//! Passkeys (API.md, "Passkeys (WebAuthn)"): WebAuthn credentials to sign in without a
//! password, to give as the second factor of a password or provider sign-in, and to
//! reauthenticate with. `webauthn-rs` does every check of the protocol (signatures, origins,
//! RP ID hashes, challenges, user verification, counters); Roster keeps the state between the
//! two halves of each ceremony, decides which account a credential opens, and records.
//!
//! - `relying_party`: the RP ID, origins and name, decided at start; the fake credential ids.
//! - `ceremonies`: ceremony state kept on the server, single use, 5 minutes, any replica.
//! - `store`: registered passkeys and the accounts' random user handles.
//! - `registration`: adding a passkey.
//! - `assertion`: checking an answer to `navigator.credentials.get()`, for every purpose.
//! - `sign_in`: signing in with a passkey, with or without a login name.
//! - `second_factor`: a passkey as a sign-in's second factor and as a reauthentication.
//! - `management`: renaming and removing passkeys.

pub mod assertion;
pub mod ceremonies;
pub mod management;
pub mod registration;
pub mod relying_party;
pub mod second_factor;
pub mod sign_in;
pub mod store;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;
use webauthn_rs::prelude::RequestChallengeResponse;

pub use relying_party::Passkeys;

use crate::error::{AppError, AppResult};

/// A ceremony as a start mutation returns it: the options for `navigator.credentials` (`{
/// publicKey }`, in the JSON form `PublicKeyCredential.parseCreationOptionsFromJSON` and
/// `parseRequestOptionsFromJSON` read) and how long the server waits.
pub struct Ceremony {
    pub id: Uuid,
    pub options: serde_json::Value,
    pub expires_at: DateTime<Utc>,
}

impl Ceremony {
    fn new(started: ceremonies::Started, options: &impl Serialize) -> AppResult<Self> {
        Ok(Self {
            id: started.id,
            options: serde_json::to_value(options)
                .map_err(|e| AppError::internal(e.to_string()))?,
            expires_at: started.expires_at,
        })
    }
}

/// Request options every sign-in ceremony shares the shape of, whatever stands behind them: no
/// transports (a fake id has none to show), and no mediation (the page chooses a button or
/// autofill).
fn plain_request(options: &mut RequestChallengeResponse) {
    options.mediation = None;
    for allowed in &mut options.public_key.allow_credentials {
        allowed.transports = None;
    }
}
