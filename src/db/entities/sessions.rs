//! `sessions`: one row per login, holding the SHA-256 of its current refresh token.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub refresh_token_hash: String,
    pub rotation_count: i32,
    pub rotated_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub last_used_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_reason: Option<String>,
    pub user_agent: Option<String>,
    pub ip_address: Option<String>,
    /// `AAL1`, or `AAL2` once a second factor was used.
    pub assurance_level: AssuranceLevel,
    /// What the sign-in (and any reauthentication) proved, comma-separated: `Method` names.
    pub authentication_methods: String,
    /// The sign-in, or the last reauthentication (`None` only for rows older than the column,
    /// which were filled with their `created_at`).
    pub authenticated_at: Option<DateTimeUtc>,
}

/// How sure Roster is of who holds a session (NIST SP 800-63B's levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum AssuranceLevel {
    /// One factor: a password, a provider, a reset link.
    #[sea_orm(string_value = "AAL1")]
    Aal1,
    /// A second factor as well.
    #[sea_orm(string_value = "AAL2")]
    Aal2,
}

impl AssuranceLevel {
    /// The level `methods` reach: `AAL2` when a second factor is among them.
    pub fn of(methods: &[Method]) -> Self {
        let second = [Method::Totp, Method::RecoveryCode, Method::Passkey];
        if methods.iter().any(|method| second.contains(method)) {
            AssuranceLevel::Aal2
        } else {
            AssuranceLevel::Aal1
        }
    }
}

/// What a sign-in proved, as API.md's `AuthenticationMethod` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Password,
    Totp,
    RecoveryCode,
    Passkey,
    Oidc,
    PasswordReset,
}

impl Method {
    pub const ALL: [Method; 6] = [
        Method::Password,
        Method::Totp,
        Method::RecoveryCode,
        Method::Passkey,
        Method::Oidc,
        Method::PasswordReset,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Method::Password => "PASSWORD",
            Method::Totp => "TOTP",
            Method::RecoveryCode => "RECOVERY_CODE",
            Method::Passkey => "PASSKEY",
            Method::Oidc => "OIDC",
            Method::PasswordReset => "PASSWORD_RESET",
        }
    }

    /// `methods` as the column keeps them.
    pub fn join(methods: &[Method]) -> String {
        methods
            .iter()
            .map(|method| method.name())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl Model {
    /// The methods this session's sign-in proved, in the order they were used (names the
    /// column holds and this version does not know are skipped).
    pub fn methods(&self) -> Vec<Method> {
        self.authentication_methods
            .split(',')
            .filter_map(|name| Method::ALL.into_iter().find(|m| m.name() == name))
            .collect()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
