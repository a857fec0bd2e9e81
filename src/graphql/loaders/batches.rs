//! Per-list batches: the users (or groups) of one list share their relationship loads. The
//! first `User.groups` of a list loads the groups of every user in it, in one DataLoader
//! call, and the others wait for that result. So the number of statements for a list does not
//! depend on its length, nor on how fast the resolvers happen to run (a DataLoader alone
//! batches only the keys that arrive within its delay).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::OnceCell;
use uuid::Uuid;

use super::{
    AllPermissions, DirectPermissionsOfUser, GroupsOfUser, Linked, Loaders, MemberCountOfGroup,
    MembersPage, PermissionsOfGroup, SharedError,
};
use crate::db::entities::{groups, permissions, users};
use crate::services::pagination::FrontWindow;

/// The users of one list (a page of a connection, or a single user), sharing their loads.
pub struct UserBatch {
    ids: Vec<Uuid>,
    groups: OnceCell<HashMap<Linked<GroupsOfUser>, Vec<groups::Model>>>,
    direct: OnceCell<HashMap<Linked<DirectPermissionsOfUser>, Vec<permissions::Model>>>,
    all_permissions: OnceCell<Vec<permissions::Model>>,
    group_batch: OnceCell<Arc<GroupBatch>>,
}

/// The groups of one list, sharing their loads like `UserBatch`.
pub struct GroupBatch {
    ids: Vec<Uuid>,
    permissions: OnceCell<HashMap<Linked<PermissionsOfGroup>, Vec<permissions::Model>>>,
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

    /// The groups of `user`, loaded for the whole list on first use.
    pub async fn groups_of(
        &self,
        loader: &Loaders,
        user: Uuid,
    ) -> Result<Vec<groups::Model>, SharedError> {
        let all = self
            .groups
            .get_or_try_init(|| {
                loader.load_many(self.ids.iter().map(|&id| Linked(id, GroupsOfUser)))
            })
            .await?;
        Ok(all
            .get(&Linked(user, GroupsOfUser))
            .cloned()
            .unwrap_or_default())
    }

    /// One `GroupBatch` over every group of every user in the list.
    pub async fn group_batch(&self, loader: &Loaders) -> Result<Arc<GroupBatch>, SharedError> {
        self.group_batch
            .get_or_try_init(|| async {
                let all = self
                    .groups
                    .get_or_try_init(|| {
                        loader.load_many(self.ids.iter().map(|&id| Linked(id, GroupsOfUser)))
                    })
                    .await?;
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
        loader: &Loaders,
        user: Uuid,
    ) -> Result<Vec<permissions::Model>, SharedError> {
        let all = self
            .direct
            .get_or_try_init(|| {
                loader.load_many(
                    self.ids
                        .iter()
                        .map(|&id| Linked(id, DirectPermissionsOfUser)),
                )
            })
            .await?;
        Ok(all
            .get(&Linked(user, DirectPermissionsOfUser))
            .cloned()
            .unwrap_or_default())
    }

    /// Every permission (for the ADMINs of the list).
    pub async fn all_permissions(
        &self,
        loader: &Loaders,
    ) -> Result<Vec<permissions::Model>, SharedError> {
        self.all_permissions
            .get_or_try_init(|| async {
                Ok(loader.load_one(AllPermissions).await?.unwrap_or_default())
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
        loader: &Loaders,
        group: Uuid,
    ) -> Result<Vec<permissions::Model>, SharedError> {
        let all = self
            .permissions
            .get_or_try_init(|| {
                loader.load_many(self.ids.iter().map(|&id| Linked(id, PermissionsOfGroup)))
            })
            .await?;
        Ok(all
            .get(&Linked(group, PermissionsOfGroup))
            .cloned()
            .unwrap_or_default())
    }

    /// How many non-deleted users belong to `group`, counted for the whole list on first use.
    pub async fn member_count_of(&self, loader: &Loaders, group: Uuid) -> Result<i64, SharedError> {
        let all = self
            .member_counts
            .get_or_try_init(|| loader.load_many(self.ids.iter().map(|&id| MemberCountOfGroup(id))))
            .await?;
        Ok(all.get(&MemberCountOfGroup(group)).copied().unwrap_or(0))
    }

    /// Up to `limit + 1` members of `group` after skipping `offset` (see `MembersPage`), loaded
    /// for the whole list on first use, with the `UserBatch` they share.
    pub async fn members_of(
        &self,
        loader: &Loaders,
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
                let keys = self.ids.iter().map(|&group| MembersPage {
                    group,
                    limit,
                    offset,
                });
                let pages: HashMap<Uuid, Vec<users::Model>> = loader
                    .load_many(keys)
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
