//! Per-list batches: the users (or groups) of one list share their relationship loads. The
//! first `User.groups` of a list loads the groups of every user in it, in one batch
//! load, and the others wait for that result. So the number of statements for a list does not
//! depend on its length, nor on how fast the resolvers happen to run (a DataLoader would
//! batch only the keys that arrive within its delay).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::OnceCell;
use uuid::Uuid;

use async_graphql::dataloader::Loader;
use sea_orm::EntityTrait;

use super::{
    AllPermissions, DbLoader, DirectPermissionsOfUser, GroupsOfUser, Link, Linked,
    MemberCountOfGroup, MembersPage, PermissionsOfGroup, SharedError,
};
use crate::db::entities::{groups, permissions, users};
use crate::services::rows::pages::FrontWindow;

/// The `L`-linked rows of every owner of a list.
type LinkedRows<L> = HashMap<Linked<L>, Vec<<<L as Link>::Target as EntityTrait>::Model>>;

/// The `L`-linked rows of every id in `ids`, loaded into `cell` in one batch load on
/// first use.
async fn load_linked<'a, L: Link + Default>(
    cell: &'a OnceCell<LinkedRows<L>>,
    loader: &DbLoader,
    ids: &[Uuid],
) -> Result<&'a LinkedRows<L>, SharedError> {
    cell.get_or_try_init(|| async {
        let keys: Vec<Linked<L>> = ids.iter().map(|&id| Linked(id, L::default())).collect();
        loader.load(&keys).await
    })
    .await
}

/// `owner`'s rows of `load_linked`.
async fn linked_of<L: Link + Default>(
    cell: &OnceCell<LinkedRows<L>>,
    loader: &DbLoader,
    ids: &[Uuid],
    owner: Uuid,
) -> Result<Vec<<L::Target as EntityTrait>::Model>, SharedError> {
    let all = load_linked(cell, loader, ids).await?;
    Ok(all
        .get(&Linked(owner, L::default()))
        .cloned()
        .unwrap_or_default())
}

/// The users of one list (a page of a connection, or a single user), sharing their loads.
pub struct UserBatch {
    ids: Vec<Uuid>,
    groups: OnceCell<LinkedRows<GroupsOfUser>>,
    direct: OnceCell<LinkedRows<DirectPermissionsOfUser>>,
    all_permissions: OnceCell<Vec<permissions::Model>>,
    group_batch: OnceCell<Arc<GroupBatch>>,
}

/// The groups of one list, sharing their loads like `UserBatch`.
pub struct GroupBatch {
    ids: Vec<Uuid>,
    permissions: OnceCell<LinkedRows<PermissionsOfGroup>>,
    member_counts: OnceCell<HashMap<MemberCountOfGroup, i64>>,
    /// First pages of members, by (limit, offset): usually one entry, as every group of a list
    /// is asked for the same page.
    member_pages: std::sync::Mutex<HashMap<FrontWindow, Arc<OnceCell<MemberPages>>>>,
}

/// The same first page of members of every group of a list, and one `UserBatch` for all of
/// those members, so their own relationships load once for the whole list.
pub struct MemberPages {
    pages: HashMap<Uuid, Vec<users::Model>>,
    users: Arc<UserBatch>,
}

impl UserBatch {
    pub fn new(ids: Vec<Uuid>) -> Arc<Self> {
        Arc::new(Self {
            ids,
            groups: OnceCell::new(),
            direct: OnceCell::new(),
            all_permissions: OnceCell::new(),
            group_batch: OnceCell::new(),
        })
    }

    /// Whether the list holds more than one user.
    pub fn is_shared(&self) -> bool {
        self.ids.len() > 1
    }

    /// The groups of `user`, loaded for the whole list on first use.
    pub async fn groups_of(
        &self,
        loader: &DbLoader,
        user: Uuid,
    ) -> Result<Vec<groups::Model>, SharedError> {
        linked_of(&self.groups, loader, &self.ids, user).await
    }

    /// One `GroupBatch` over every group of every user in the list.
    pub async fn group_batch(&self, loader: &DbLoader) -> Result<Arc<GroupBatch>, SharedError> {
        self.group_batch
            .get_or_try_init(|| async {
                let all = load_linked(&self.groups, loader, &self.ids).await?;
                let mut ids: Vec<Uuid> = all.values().flatten().map(|g| g.id).collect();
                ids.sort_unstable();
                ids.dedup();
                Ok::<_, SharedError>(GroupBatch::new(ids))
            })
            .await
            .cloned()
    }

    /// The permissions `user` holds directly, loaded for the whole list on first use.
    pub async fn direct_of(
        &self,
        loader: &DbLoader,
        user: Uuid,
    ) -> Result<Vec<permissions::Model>, SharedError> {
        linked_of(&self.direct, loader, &self.ids, user).await
    }

    /// Every permission (for the ADMINs of the list).
    pub async fn all_permissions(
        &self,
        loader: &DbLoader,
    ) -> Result<Vec<permissions::Model>, SharedError> {
        self.all_permissions
            .get_or_try_init(|| async {
                let mut all = loader.load(&[AllPermissions]).await?;
                Ok(all.remove(&AllPermissions).unwrap_or_default())
            })
            .await
            .cloned()
    }
}

impl GroupBatch {
    pub fn new(ids: Vec<Uuid>) -> Arc<Self> {
        Arc::new(Self {
            ids,
            permissions: OnceCell::new(),
            member_counts: OnceCell::new(),
            member_pages: Default::default(),
        })
    }

    /// The permissions `group` grants, loaded for the whole list on first use.
    pub async fn permissions_of(
        &self,
        loader: &DbLoader,
        group: Uuid,
    ) -> Result<Vec<permissions::Model>, SharedError> {
        linked_of(&self.permissions, loader, &self.ids, group).await
    }

    /// How many non-deleted users belong to `group`, counted for the whole list on first use.
    pub async fn member_count_of(
        &self,
        loader: &DbLoader,
        group: Uuid,
    ) -> Result<i64, SharedError> {
        let all = self
            .member_counts
            .get_or_try_init(|| async {
                let keys: Vec<_> = self.ids.iter().map(|&id| MemberCountOfGroup(id)).collect();
                loader.load(&keys).await
            })
            .await?;
        Ok(all.get(&MemberCountOfGroup(group)).copied().unwrap_or(0))
    }

    /// Up to `limit + 1` members of `group` after skipping `offset` (see `MembersPage`), loaded
    /// for the whole list on first use, with the `UserBatch` they share.
    pub async fn members_of(
        &self,
        loader: &DbLoader,
        group: Uuid,
        (limit, offset): FrontWindow,
    ) -> Result<(Vec<users::Model>, Arc<UserBatch>), SharedError> {
        let cell = self
            .member_pages
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry((limit, offset))
            .or_default()
            .clone();
        let loaded = cell
            .get_or_try_init(|| async {
                let keys: Vec<_> = self
                    .ids
                    .iter()
                    .map(|&group| MembersPage {
                        group,
                        limit,
                        offset,
                    })
                    .collect();
                let pages: HashMap<Uuid, Vec<users::Model>> = loader
                    .load(&keys)
                    .await?
                    .into_iter()
                    .map(|(key, members)| (key.group, members))
                    .collect();
                let mut ids: Vec<Uuid> = pages.values().flatten().map(|user| user.id).collect();
                ids.sort_unstable();
                ids.dedup();
                Ok::<_, SharedError>(MemberPages {
                    pages,
                    users: UserBatch::new(ids),
                })
            })
            .await?;
        Ok((
            loaded.pages.get(&group).cloned().unwrap_or_default(),
            loaded.users.clone(),
        ))
    }
}
