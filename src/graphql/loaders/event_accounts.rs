//! The accounts a page of audit events names (actors and accounts acted on), shared by the
//! page's events and loaded in one statement when the first of them asks.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::db::entities::users;
use crate::error::{AppError, AppResult};

/// The accounts a page of events names, loaded in one statement when first asked for.
pub struct EventAccounts {
    ids: Vec<Uuid>,
    loaded: OnceCell<HashMap<Uuid, users::Model>>,
}

impl EventAccounts {
    /// For the accounts `named` (repeats allowed), loaded when first asked for.
    pub fn new(named: impl Iterator<Item = Uuid>) -> Arc<Self> {
        let ids = named.collect::<HashSet<_>>().into_iter().collect();
        Arc::new(EventAccounts {
            ids,
            loaded: OnceCell::new(),
        })
    }

    pub async fn get(&self, db: &DatabaseConnection, id: Uuid) -> AppResult<Option<users::Model>> {
        let loaded = self
            .loaded
            .get_or_try_init(|| async {
                let found = users::Entity::find()
                    .filter(users::Column::Id.is_in(self.ids.iter().copied()))
                    .all(db)
                    .await?;
                Ok::<_, AppError>(found.into_iter().map(|user| (user.id, user)).collect())
            })
            .await?;
        Ok(loaded.get(&id).cloned())
    }
}
