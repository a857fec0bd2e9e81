//! What a caller may grant. A caller that is not an ADMIN can never grant more than it holds
//! itself: not by adding a user (itself included) to a group, nor by giving a group
//! permissions. Nor may it change a group that grants more than it holds (rename, edit or
//! delete it, or take members out of it): that changes who holds what the group grants.

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
        self.holding_all(granted, "you cannot grant a permission you do not hold")
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
        self.check(&granted_by(db, group_ids).await?)
    }

    /// `FORBIDDEN` unless the grantor holds every permission the groups `group_ids` grant now,
    /// so that it may change them: rename, edit or delete them, or take members out of them.
    /// Read in the caller's transaction, which holds the groups locked (`lookup`), so that
    /// what is checked is what the change applies to.
    pub async fn check_may_change_groups(
        &self,
        txn: &impl ConnectionTrait,
        group_ids: &[Uuid],
    ) -> AppResult<()> {
        if matches!(self, Grantor::Admin) || group_ids.is_empty() {
            return Ok(());
        }
        let granted = granted_by(txn, group_ids).await?;
        let refusal = "you cannot change a group that grants a permission you do not hold";
        self.holding_all(&granted, refusal)
    }

    /// `FORBIDDEN` with `refusal` unless the grantor holds every one of `permissions`.
    fn holding_all(
        &self,
        permissions: &[permissions::Model],
        refusal: &'static str,
    ) -> AppResult<()> {
        let holds_all = match self {
            Grantor::Admin => true,
            Grantor::Holding(held) => permissions.iter().all(|p| held.contains(&p.codename)),
        };
        if holds_all {
            Ok(())
        } else {
            Err(AppError::Forbidden(refusal))
        }
    }
}

/// The permissions the groups `group_ids` grant.
async fn granted_by(
    db: &impl ConnectionTrait,
    group_ids: &[Uuid],
) -> AppResult<Vec<permissions::Model>> {
    Ok(group_permissions::Entity::find()
        .filter(group_permissions::Column::GroupId.is_in(group_ids.iter().copied()))
        .find_also_related(permissions::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(_, permission)| permission)
        .collect())
}
