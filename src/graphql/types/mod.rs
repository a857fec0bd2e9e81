//! GraphQL output types, written by hand over the entities so that nothing the schema does not
//! name (a password hash, a token hash) can ever be serialized; and the input shapes more than
//! one domain takes. Relationships resolve through the request's batch loads.
//!
//! `user`, `group`, `connection` and `audit_event` import each other because the schema's
//! types refer to each other (`User.groups` -> `Group`, `Group.members` -> `UserConnection` ->
//! `User`, `AuditEvent.user` -> `User`, `AuditEventConnection` -> `AuditEvent`), as the
//! entities of a two-way relation do.

pub(crate) mod audit_event;
mod connection;
mod group;
pub(crate) mod identity;
mod mfa;
mod passkey;
mod profile;
pub(crate) mod reused;
mod session;
mod user;

pub use audit_event::{AuditAction, AuditEvent, AuditEventFilter};
pub use connection::{
    AuditEventConnection, GroupConnection, Total, UserConnection, audit_connection,
    group_connection, page_args, user_connection,
};
pub use group::{Group, Permission};
pub use identity::{
    AccountLinkRequired, IdentityLinked, IdentityProvider, IdentityProviderInput, LinkedIdentity,
    OAuthResult, OAuthStart, SignInProvider, StartOAuthInput,
};
pub use mfa::{
    RecoveryCodes, SecondFactorInput, SecondFactorRequired, SignInResult, TotpEnrollment,
    TotpEnrollmentResult, TotpFactor,
};
pub use passkey::{Passkey, PasskeyAssertionInput, PasskeyCeremony};
pub use profile::ProfileInput;
pub use session::{AuthPayload, Session};
pub use user::{Role, User};
