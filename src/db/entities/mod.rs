//! One sea-orm entity per table. These are storage shapes only: GraphQL output types are
//! written by hand in `graphql/`, so a column such as `password_hash` can never leak.

pub mod account_links;
pub mod account_tokens;
pub mod audit_events;
pub mod group_permissions;
pub mod groups;
pub mod identity_providers;
pub mod login_address_failures;
pub mod login_failures;
pub mod login_known_addresses;
pub mod mail_outbox;
pub mod oauth_flows;
pub mod passkey_ceremonies;
pub mod passkey_user_handles;
pub mod passkeys;
pub mod permissions;
pub mod recovery_code_sets;
pub mod recovery_codes;
pub mod rotated_refresh_tokens;
pub mod row_counts;
pub mod sessions;
pub mod settings;
pub mod sign_in_challenges;
pub mod signing_keys;
pub mod totp_enrollments;
pub mod totp_factors;
pub mod user_groups;
pub mod user_identities;
pub mod user_permissions;
pub mod users;
