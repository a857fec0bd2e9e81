//! What an event records: the actions of API.md's `AuditAction`, by their API names.

macro_rules! actions {
    ($($variant:ident => $name:literal,)*) => {
        /// What an event records, named as API.md's `AuditAction`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            pub fn parse(text: &str) -> Option<Action> {
                match text {
                    $($name => Some(Action::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

actions! {
    Registered => "REGISTERED",
    LoginSucceeded => "LOGIN_SUCCEEDED",
    LoginFailed => "LOGIN_FAILED",
    LoginThrottled => "LOGIN_THROTTLED",
    Logout => "LOGOUT",
    RefreshTokenReused => "REFRESH_TOKEN_REUSED",
    SessionRevoked => "SESSION_REVOKED",
    PasswordChanged => "PASSWORD_CHANGED",
    PasswordResetRequested => "PASSWORD_RESET_REQUESTED",
    PasswordReset => "PASSWORD_RESET",
    EmailVerificationSent => "EMAIL_VERIFICATION_SENT",
    EmailVerified => "EMAIL_VERIFIED",
    EmailChanged => "EMAIL_CHANGED",
    ProfileUpdated => "PROFILE_UPDATED",
    AccountDeleted => "ACCOUNT_DELETED",
    UserCreated => "USER_CREATED",
    UserUpdated => "USER_UPDATED",
    RoleChanged => "ROLE_CHANGED",
    UserActivated => "USER_ACTIVATED",
    UserDeactivated => "USER_DEACTIVATED",
    UserDeleted => "USER_DELETED",
    UserRestored => "USER_RESTORED",
    UserGroupsChanged => "USER_GROUPS_CHANGED",
    UserPermissionsChanged => "USER_PERMISSIONS_CHANGED",
    GroupCreated => "GROUP_CREATED",
    GroupUpdated => "GROUP_UPDATED",
    GroupDeleted => "GROUP_DELETED",
    GroupPermissionsChanged => "GROUP_PERMISSIONS_CHANGED",
    PermissionCreated => "PERMISSION_CREATED",
    PermissionDeleted => "PERMISSION_DELETED",
    SuperuserCreated => "SUPERUSER_CREATED",
    LoginThrottleCleared => "LOGIN_THROTTLE_CLEARED",
    SigningKeyAdded => "SIGNING_KEY_ADDED",
    SigningKeyActivated => "SIGNING_KEY_ACTIVATED",
    SigningKeyRetired => "SIGNING_KEY_RETIRED",
    SigningKeyRevoked => "SIGNING_KEY_REVOKED",
    Reauthenticated => "REAUTHENTICATED",
    TotpEnabled => "TOTP_ENABLED",
    TotpRemoved => "TOTP_REMOVED",
    RecoveryCodesGenerated => "RECOVERY_CODES_GENERATED",
    RecoveryCodeUsed => "RECOVERY_CODE_USED",
    MfaReset => "MFA_RESET",
    SecondFactorFailed => "SECOND_FACTOR_FAILED",
    IdentityLinked => "IDENTITY_LINKED",
    IdentityUnlinked => "IDENTITY_UNLINKED",
    PasswordSet => "PASSWORD_SET",
    IdentityProviderCreated => "IDENTITY_PROVIDER_CREATED",
    IdentityProviderUpdated => "IDENTITY_PROVIDER_UPDATED",
    IdentityProviderDeleted => "IDENTITY_PROVIDER_DELETED",
    PasskeyAdded => "PASSKEY_ADDED",
    PasskeyRemoved => "PASSKEY_REMOVED",
    PasskeyRejected => "PASSKEY_REJECTED",
}
