//! The server's service functions that tests call directly, past the API (to create an
//! operator's account, to run the housekeeping at a chosen time, to drive the login throttle,
//! to derive what the services derive), named here once so that when `src/services` moves, one
//! file follows.

pub use roster::services::admin::superuser::create_superuser;
pub use roster::services::admin::users::{self as users, UserChanges};
pub use roster::services::audit::{Action as AuditAction, prune as prune_audit_events};
pub use roster::services::rules::profile_fields::search_key;
pub use roster::services::sessions::login_throttle;
pub use roster::services::sessions::prune as prune_sessions;
