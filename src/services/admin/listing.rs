//! Listing users: the `users` query's filter and orderings, and its pages (keyset
//! pagination over `rows::pages`).

use sea_orm::QueryFilter;
use sea_orm::{ColumnTrait, EntityTrait};
use uuid::Uuid;

use crate::db::entities::{row_counts, users};
use crate::error::AppResult;
use crate::services::rows::pages::{self, Page, PageArgs};

pub use users::Role;

/// Which soft-deleted users a listing includes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DeletedFilter {
    #[default]
    Exclude,
    Include,
    Only,
}

/// The `users` query's filter.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// A case-insensitive substring of email, username, first or last name, as the `LIKE`
    /// pattern `validation::search` makes of it.
    pub search_pattern: Option<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    pub email_verified: Option<bool>,
    pub mfa_enabled: Option<bool>,
    pub group_id: Option<Uuid>,
    pub deleted: DeletedFilter,
}

impl UserFilter {
    /// Whether the filter selects every user that is not deleted, and nothing else.
    fn is_everyone_live(&self) -> bool {
        let Self {
            search_pattern,
            role,
            is_active,
            email_verified,
            mfa_enabled,
            group_id,
            deleted,
        } = self;
        search_pattern.is_none()
            && role.is_none()
            && is_active.is_none()
            && email_verified.is_none()
            && mfa_enabled.is_none()
            && group_id.is_none()
            && *deleted == DeletedFilter::Exclude
    }
}

/// What `users` orders by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserOrderField {
    #[default]
    CreatedAt,
    Email,
    Username,
    LastLoginAt,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct UserOrder {
    pub field: UserOrderField,
    pub descending: bool,
}

/// The users `filter` selects.
pub fn select(filter: &UserFilter) -> sea_orm::Select<users::Entity> {
    use crate::db::entities::user_groups;
    use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};

    let mut select = users::Entity::find();
    if let Some(pattern) = filter.search_pattern.clone() {
        select = select.filter(
            Expr::col((users::Entity, users::Column::SearchKey))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    if let Some(role) = filter.role {
        select = select.filter(users::Column::Role.eq(role));
    }
    if let Some(is_active) = filter.is_active {
        select = select.filter(users::Column::IsActive.eq(is_active));
    }
    if let Some(verified) = filter.email_verified {
        select = select.filter(users::Column::EmailVerified.eq(verified));
    }
    if let Some(enabled) = filter.mfa_enabled {
        select = select.filter(users::Column::MfaEnabled.eq(enabled));
    }
    if let Some(group_id) = filter.group_id {
        select = select.filter(
            users::Column::Id.in_subquery(
                Query::select()
                    .column(user_groups::Column::UserId)
                    .from(user_groups::Entity)
                    .and_where(user_groups::Column::GroupId.eq(group_id))
                    .to_owned(),
            ),
        );
    }
    match filter.deleted {
        DeletedFilter::Exclude => select = select.filter(users::Column::DeletedAt.is_null()),
        DeletedFilter::Only => select = select.filter(users::Column::DeletedAt.is_not_null()),
        DeletedFilter::Include => {}
    }
    select
}

/// The keyset ordering for `order`. Nullable keys sort as the empty string / the epoch.
pub fn ordering(order: UserOrder) -> crate::services::rows::pages::Ordering<users::Entity> {
    use crate::services::rows::pages::{Ordering, SortValue, coalesce};
    use sea_orm::sea_query::Expr;

    let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    type KeyOf = fn(&users::Model) -> SortValue;
    let (tag, key, time_key, key_of): (&'static str, _, bool, KeyOf) = match order.field {
        UserOrderField::CreatedAt => (
            "users:created_at",
            Expr::col((users::Entity, users::Column::CreatedAt)),
            true,
            |u| SortValue::Time(u.created_at),
        ),
        UserOrderField::Email => (
            "users:email",
            Expr::col((users::Entity, users::Column::Email)),
            false,
            |u| SortValue::Text(u.email.clone()),
        ),
        UserOrderField::Username => (
            "users:username",
            coalesce((users::Entity, users::Column::UsernameKey), ""),
            false,
            |u| SortValue::Text(u.username_key.clone().unwrap_or_default()),
        ),
        UserOrderField::LastLoginAt => (
            "users:last_login_at",
            coalesce((users::Entity, users::Column::LastLoginAt), epoch),
            true,
            |u| {
                SortValue::Time(
                    u.last_login_at
                        .unwrap_or(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH),
                )
            },
        ),
    };
    Ordering {
        tag,
        key,
        time_key,
        key_of,
        id: users::Column::Id,
        id_of: |u| u.id,
        descending: order.descending,
    }
}

/// One page of the users `filter` selects, in `order`.
pub async fn page(
    db: &impl sea_orm::ConnectionTrait,
    filter: &UserFilter,
    order: UserOrder,
    args: &PageArgs,
) -> AppResult<Page<users::Model>> {
    pages::paginate(db, select(filter), &ordering(order), args).await
}

/// How many users `filter` selects (a connection's `totalCount`). Without a filter, the users
/// that are not deleted: the count the database keeps (`row_counts`), one row read rather
/// than every live user counted on every page.
pub async fn count(db: &impl sea_orm::ConnectionTrait, filter: &UserFilter) -> AppResult<u64> {
    if filter.is_everyone_live() {
        let kept = row_counts::Entity::find_by_id(row_counts::LIVE_USERS)
            .one(db)
            .await?;
        match kept.map(|kept| u64::try_from(kept.count)) {
            Some(Ok(count)) => return Ok(count),
            // Only writes that skipped the triggers can drive it below zero.
            Some(Err(_)) => tracing::warn!(
                "the kept count of live users is negative; counting them instead (docs/lists.md \
                 says how to count again)"
            ),
            None => {}
        }
    }
    pages::count(db, select(filter)).await
}
