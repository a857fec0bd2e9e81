//! Roster's schema, one file per step. Steps that have shipped are never edited: a change is a
//! new step. This crate never imports the application; entities live in `src/db/entities`.
//! `permissions` names the built-in permissions (codenames and seeded rows), which the
//! application's guards share.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_users;
mod m20261124_000002_create_sessions;
mod m20261124_000003_create_settings;
mod m20261124_000004_create_groups_and_permissions;
mod m20261124_000005_seed_builtin_permissions;
mod m20261124_000006_add_users_search_key;
mod m20261201_000007_create_rotated_refresh_tokens;
mod m20261201_000008_refill_users_search_key;
mod m20261202_000009_create_login_throttle;
mod m20261202_000010_index_live_users;
mod m20261203_000011_create_account_recovery;
mod m20261203_000012_create_audit_events;
mod m20261206_000013_keep_credentials_with_their_owner;
mod m20261206_000014_create_signing_keys;
mod m20261206_000015_signing_key_lifecycle;
mod m20261206_000016_add_session_assurance;
mod m20261206_000017_create_second_factors;
mod m20261207_000018_create_identity_providers;
mod m20261208_000019_create_passkeys;
mod m20261209_000020_count_live_users;
pub mod permissions;

/// Applies Roster's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_users::Migration),
            Box::new(m20261124_000002_create_sessions::Migration),
            Box::new(m20261124_000003_create_settings::Migration),
            Box::new(m20261124_000004_create_groups_and_permissions::Migration),
            Box::new(m20261124_000005_seed_builtin_permissions::Migration),
            Box::new(m20261124_000006_add_users_search_key::Migration),
            Box::new(m20261201_000007_create_rotated_refresh_tokens::Migration),
            Box::new(m20261201_000008_refill_users_search_key::Migration),
            Box::new(m20261202_000009_create_login_throttle::Migration),
            Box::new(m20261202_000010_index_live_users::Migration),
            Box::new(m20261203_000011_create_account_recovery::Migration),
            Box::new(m20261203_000012_create_audit_events::Migration),
            Box::new(m20261206_000013_keep_credentials_with_their_owner::Migration),
            Box::new(m20261206_000014_create_signing_keys::Migration),
            Box::new(m20261206_000015_signing_key_lifecycle::Migration),
            Box::new(m20261206_000016_add_session_assurance::Migration),
            Box::new(m20261206_000017_create_second_factors::Migration),
            Box::new(m20261207_000018_create_identity_providers::Migration),
            Box::new(m20261208_000019_create_passkeys::Migration),
            Box::new(m20261209_000020_count_live_users::Migration),
        ]
    }
}
