//! What a caller may grant. A caller that is not an ADMIN can never grant more than it holds
//! itself: not by adding a user (itself included) to a group, nor by giving a group
//! permissions.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::viewer::Viewer;
use crate::db::entities::{group_permissions, permissions};
use crate::error::{AppError, AppResult};

/// Who is granting access, and so how much they may grant.
pub enum Grantor {
    /// An ADMIN: anything.
    Admin,
    /// Anyone else: only permissions it holds itself (these codenames).
    Holding(HashSet<String>),
}

impl Grantor {
    /// How much `actor` may grant.
    pub async fn of(actor: &Viewer) -> AppResult<Self> {
        Ok(if actor.is_admin() {
            Grantor::Admin
        } else {
            Grantor::Holding(actor.permission_codenames().await?)
        })
    }

    /// `FORBIDDEN` unless the grantor holds every one of `granted`.
    pub fn check(&self, granted: &[permissions::Model]) -> AppResult<()> {
        match self {
            Grantor::Admin => Ok(()),
            Grantor::Holding(held) if granted.iter().all(|p| held.contains(&p.codename)) => Ok(()),
            Grantor::Holding(_) => Err(AppError::Forbidden(
                "you cannot grant a permission you do not hold",
            )),
        }
    }

    /// `FORBIDDEN` unless the grantor holds every permission the groups `group_ids` grant.
    pub async fn check_groups(
        &self,
        db: &impl ConnectionTrait,
        group_ids: &[Uuid],
    ) -> AppResult<()> {
        if matches!(self, Grantor::Admin) || group_ids.is_empty() {
            return Ok(());
        }
        let granted: Vec<permissions::Model> = group_permissions::Entity::find()
            .filter(group_permissions::Column::GroupId.is_in(group_ids.iter().copied()))
            .find_also_related(permissions::Entity)
            .all(db)
            .await?
            .into_iter()
            .filter_map(|(_, permission)| permission)
            .collect();
        self.check(&granted)
    }
}
