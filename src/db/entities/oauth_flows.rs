//! `oauth_flows`: one round trip through a provider, from `startOAuth` to `completeOAuth`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_flows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SHA-256 of the `state` sent to the provider.
    pub state_hash: String,
    pub provider_id: Uuid,
    /// `SIGN_IN` or `LINK`.
    pub intent: String,
    /// LINK: the account the identity is linked to, and the session that asked.
    pub user_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    /// The OpenID Connect nonce the ID token must carry.
    pub nonce: String,
    /// Roster's own PKCE verifier with the provider, sealed (`oauth_flows.provider_verifier:{id}`).
    pub provider_verifier: String,
    /// The frontend's S256 challenge, which `completeOAuth`'s verifier must match.
    pub code_challenge: String,
    pub redirect_uri: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Set when the provider came back with this `state` (spent once).
    pub state_used_at: Option<DateTimeUtc>,
    /// SHA-256 of the one-time code handed to the frontend.
    pub code_hash: Option<String>,
    pub code_expires_at: Option<DateTimeUtc>,
    pub code_used_at: Option<DateTimeUtc>,
    /// What the provider asserted, as the callback checked it: the subject, and the email
    /// only if the provider said it is verified.
    pub subject: Option<String>,
    pub email: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
