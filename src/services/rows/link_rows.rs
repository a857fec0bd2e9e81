//! Link rows (`user_groups`, `user_permissions`, `group_permissions`): the one way services
//! write them.

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query};

use crate::error::AppResult;

/// Inserts `rows` (callers ensure none of them exists yet).
pub async fn insert<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> AppResult<()>
where
    A: ActiveModelTrait + Send,
{
    if !rows.is_empty() {
        A::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

/// Replaces the links of one owner, those `owned` selects, with `rows`.
pub async fn replace<A>(
    db: &impl ConnectionTrait,
    owned: impl sea_query::IntoCondition,
    rows: Vec<A>,
) -> AppResult<()>
where
    A: ActiveModelTrait + Send,
{
    A::Entity::delete_many().filter(owned).exec(db).await?;
    insert(db, rows).await
}
