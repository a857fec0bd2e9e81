//! Sessions: one per login. Opening one issues a token pair; `refresh` rotates the refresh
//! token with a conditional update (two concurrent uses of one token: exactly one wins), and a
//! token that was already rotated, presented again, revokes its whole session, unless it comes
//! within `ROTATION_GRACE` of its rotation (two tabs, a retry), which answers `CONFLICT`. No
//! refresh extends a session past its maximum age. Rotated tokens'
//! hashes are kept (`rotated_refresh_tokens`) so that only a token that was really issued
//! counts as reuse.
//!
//! Every way to sign in proves who the person is and then opens the session through `start`.
//!
//! - `open`: `start`, the token pair, why sessions end, the live sessions of a user
//! - `sign_in`: `login`, the password proof; `login_throttle`: failures counted in the database
//! - `refresh`: `refreshToken`, rotation and reuse detection
//! - `revoke`: `logout`, `revokeSession`, ending every session of an account, pruning

pub mod login_throttle;
mod open;
mod refresh;
mod revoke;
mod sign_in;

pub use open::{
    IssuedTokens, ROTATION_GRACE, RevokeReason, admit, carry_authenticated_at, find, list_live,
    lock_live, record_proof, signed_in, start,
};
pub use refresh::refresh;
pub use revoke::{logout, prune, revoke_all, revoke_others, revoke_own};
pub use sign_in::{SignIn, account_named, login};
