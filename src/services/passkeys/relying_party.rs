//! WebAuthn as this server does it: the relying party (`config::webauthn` derives its RP ID and
//! origins from the settings and the public URL), decided once the server knows its public URL,
//! and the stable fake credential ids of logins without passkeys.

use std::sync::{Arc, OnceLock};

use webauthn_rs::fake::{FakePasskeyDistribution, WebauthnFakeCredentialGenerator};
use webauthn_rs::prelude::{CredentialID, Webauthn, WebauthnBuilder};

use crate::config::Settings;
use crate::config::webauthn::{Configured, Decision, RelyingParty, relying_party};
use crate::error::{AppError, AppResult};

/// WebAuthn as this server does it, shared by every request.
pub struct Passkeys {
    name: String,
    configured: Configured,
    webauthn: OnceLock<Option<(RelyingParty, Webauthn)>>,
    fake: WebauthnFakeCredentialGenerator<FakePasskeyDistribution>,
}

impl Passkeys {
    /// `fake_key`: the secret the stable fake credential ids of unknown logins derive from.
    pub fn new(settings: &Settings, fake_key: &[u8]) -> Result<Arc<Self>, String> {
        let fake = WebauthnFakeCredentialGenerator::new(fake_key)
            .map_err(|e| format!("the passkey fake-credential key is unusable: {e}"))?;
        Ok(Arc::new(Self {
            name: settings.webauthn_rp_name.clone(),
            configured: Configured::of(settings),
            webauthn: OnceLock::new(),
            fake,
        }))
    }

    /// Decides the relying party once the server knows its public URL (when it starts
    /// listening); `Err` when the configuration cannot work.
    pub fn listening_at(&self, public_url: &str) -> Result<(), String> {
        let decided = match relying_party(&self.configured, public_url)? {
            Decision::On(party) => {
                let first = party.origins.first().ok_or("no WebAuthn origin")?.clone();
                let mut builder = WebauthnBuilder::new(&party.id, &first)
                    .map_err(|e| format!("WebAuthn refused the relying party: {e}"))?
                    .rp_name(&self.name);
                for origin in &party.origins[1..] {
                    builder = builder.append_allowed_origin(origin);
                }
                let webauthn = builder
                    .build()
                    .map_err(|e| format!("WebAuthn refused the relying party: {e}"))?;
                tracing::info!(
                    rp_id = %party.id,
                    origins = %party.origins.iter().map(|o| o.as_str().trim_end_matches('/')).collect::<Vec<_>>().join(","),
                    "passkeys are bound to this RP ID and accepted from these origins"
                );
                Some((party, webauthn))
            }
            Decision::Off(why) => {
                tracing::warn!(
                    "passkeys are off: {why}; set ROSTER_PUBLIC_URL to the https:// address \
                     browsers reach, or ROSTER_WEBAUTHN_RP_ID and ROSTER_WEBAUTHN_ORIGINS"
                );
                None
            }
        };
        let _ = self.webauthn.set(decided);
        Ok(())
    }

    /// The WebAuthn library set up for this relying party; `FORBIDDEN` when passkeys are off.
    pub fn webauthn(&self) -> AppResult<&Webauthn> {
        match self.webauthn.get() {
            Some(Some((_, webauthn))) => Ok(webauthn),
            Some(None) => Err(AppError::Forbidden(
                "passkeys are off on this server: its public URL cannot be a WebAuthn relying \
                 party (set \
                 --webauthn-rp-id)",
            )),
            None => Err(AppError::internal(
                "passkeys are used before the server listens",
            )),
        }
    }

    /// The relying party, once decided and on.
    pub fn relying_party(&self) -> Option<&RelyingParty> {
        self.webauthn
            .get()
            .and_then(|on| on.as_ref())
            .map(|(party, _)| party)
    }

    /// The credential ids an account named `login` would have if it existed: the same for the
    /// same login, as many and as long as real ones tend to be, unpredictable without the key.
    /// Never none: every account whose passkeys are listed has one at least, so an empty list
    /// would tell a fake apart (the library's distribution gives none to some logins, which
    /// are drawn again under another input derived from the login).
    pub fn fake_credential_ids(&self, login: &str) -> AppResult<Vec<CredentialID>> {
        let login = login.to_lowercase();
        for draw in 0u32.. {
            let mut input = login.as_bytes().to_vec();
            if draw > 0 {
                input.push(0);
                input.extend_from_slice(&draw.to_be_bytes());
            }
            let ids = self
                .fake
                .generate(&input)
                .map_err(|e| AppError::internal(e.to_string()))?;
            if !ids.is_empty() {
                return Ok(ids);
            }
        }
        Err(AppError::internal("no fake credential ids were drawn"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_login_gets_stable_fake_ids_and_never_none() {
        let passkeys = Passkeys::new(&Settings::defaults(), &[7u8; 32]).unwrap();
        let other_key = Passkeys::new(&Settings::defaults(), &[8u8; 32]).unwrap();
        for n in 0..300 {
            let login = format!("person{n}@example.com");
            let ids = passkeys.fake_credential_ids(&login).unwrap();
            assert!(!ids.is_empty(), "{login}");
            assert_eq!(
                ids,
                passkeys.fake_credential_ids(&login.to_uppercase()).unwrap()
            );
            assert_ne!(ids, other_key.fake_credential_ids(&login).unwrap());
        }
    }
}
