//! The passkey types: a registered `Passkey`, a `PasskeyCeremony` to hand to
//! `navigator.credentials`, and `PasskeyAssertionInput`, the browser's answer in
//! `verifySecondFactor` and `reauthenticate`.

use async_graphql::{ID, InputObject, Json, SimpleObject};
use chrono::{DateTime, Utc};

use crate::db::entities::passkeys;
use crate::services::passkeys::Ceremony;
use crate::services::passkeys::second_factor::Answer;

/// A passkey that can sign in to the account.
#[derive(SimpleObject)]
pub struct Passkey {
    pub id: ID,
    pub label: String,
    pub created_at: DateTime<Utc>,
    /// When it last signed in or proved a second factor or reauthentication.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Whether it may be synced to the owner's other devices (a password manager, a platform
    /// account).
    pub backup_eligible: bool,
    /// Whether it was synced when last used.
    pub backed_up: bool,
}

impl From<passkeys::Model> for Passkey {
    fn from(model: passkeys::Model) -> Self {
        Self {
            id: ID(model.id.to_string()),
            label: model.label,
            created_at: model.created_at,
            last_used_at: model.last_used_at,
            backup_eligible: model.backup_eligible,
            backed_up: model.backed_up,
        }
    }
}

/// A WebAuthn ceremony the server keeps until the browser answers.
#[derive(SimpleObject)]
pub struct PasskeyCeremony {
    /// Pass back with the browser's answer.
    pub ceremony_id: ID,
    /// `{ publicKey }` for `navigator.credentials.create()` or `.get()`, in the JSON form of
    /// `PublicKeyCredential.parseCreationOptionsFromJSON()` and `parseRequestOptionsFromJSON()`
    /// (binary fields as base64url).
    pub options: Json<serde_json::Value>,
    /// 5 minutes after it started; it is spent by its first answer.
    pub expires_at: DateTime<Utc>,
}

impl From<Ceremony> for PasskeyCeremony {
    fn from(ceremony: Ceremony) -> Self {
        Self {
            ceremony_id: ID(ceremony.id.to_string()),
            options: Json(ceremony.options),
            expires_at: ceremony.expires_at,
        }
    }
}

/// A passkey's answer to a ceremony.
#[derive(InputObject)]
pub struct PasskeyAssertionInput {
    pub ceremony_id: ID,
    /// The browser's `PublicKeyCredential`, as its `toJSON()` makes it.
    pub credential: Json<serde_json::Value>,
}

impl PasskeyAssertionInput {
    pub fn answer(&self) -> Answer<'_> {
        Answer {
            ceremony_id: &self.ceremony_id,
            credential: &self.credential.0,
        }
    }
}
