//! `AppState`: what every request shares (the pool, the token keys, the password hasher, the
//! mail queue, the settings). It lives on the GraphQL schema and in the axum router; request
//! data (the viewer, DataLoaders) is built per request in `graphql::request_data`.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::password::Passwords;
use crate::auth::throttle::Throttle;
use crate::auth::tokens::TokenKeys;
use crate::services::delivery::MailQueue;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub keys: TokenKeys,
    pub passwords: Passwords,
    pub throttle: Throttle,
    /// The mailer and the bell of this replica's delivery task.
    pub mail: Arc<MailQueue>,
    /// `--require-verified-email`.
    pub require_verified_email: bool,
}
