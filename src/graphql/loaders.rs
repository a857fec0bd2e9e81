//! DataLoaders, one per relationship, created fresh for every request (no cache is shared
//! between users); each turns a batch of keys into one SQL statement. `UserBatch` and
//! `GroupBatch` hand a whole list's keys to the loader at once, so a nested list query costs
//! the same number of statements for 5 rows as for 100, deterministically.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Related};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::db::entities::{
    group_permissions, groups, permissions, user_groups, user_permissions, users,
};
use crate::error::AppError;
use crate::services::pagination::FrontWindow;

/// A relationship through a link table: for an owner id, the `Target` rows that `Table`'s
/// rows link it to, in a fixed order. One generic loader serves them all.
pub trait Link: Copy + Eq + std::hash::Hash + Send + Sync + 'static {
    type Table: EntityTrait + Related<Self::Target>;
    type Target: EntityTrait<Model: Clone + Send + Sync>;
    /// The link table's column holding the owner's id.
    const OWNER: <Self::Table as EntityTrait>::Column;
    fn owner(link: &<Self::Table as EntityTrait>::Model) -> Uuid;
    fn order(
        a: &<Self::Target as EntityTrait>::Model,
        b: &<Self::Target as EntityTrait>::Model,
    ) -> std::cmp::Ordering;
}

/// The `L`-linked rows of one owner: the key of the link loader.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Linked<L: Link>(pub Uuid, pub L);

/// The groups a user belongs to, by name.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupsOfUser;
/// The permissions a user holds directly, by codename.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DirectPermissionsOfUser;
/// The permissions a group grants, by codename.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PermissionsOfGroup;

impl Link for GroupsOfUser {
    type Table = user_groups::Entity;
    type Target = groups::Entity;
    const OWNER: user_groups::Column = user_groups::Column::UserId;
    fn owner(link: &user_groups::Model) -> Uuid {
        link.user_id
    }
    fn order(a: &groups::Model, b: &groups::Model) -> std::cmp::Ordering {
        a.name_key.cmp(&b.name_key)
    }
}

impl Link for DirectPermissionsOfUser {
    type Table = user_permissions::Entity;
    type Target = permissions::Entity;
    const OWNER: user_permissions::Column = user_permissions::Column::UserId;
    fn owner(link: &user_permissions::Model) -> Uuid {
        link.user_id
    }
    fn order(a: &permissions::Model, b: &permissions::Model) -> std::cmp::Ordering {
        a.codename.cmp(&b.codename)
    }
}

impl Link for PermissionsOfGroup {
    type Table = group_permissions::Entity;
    type Target = permissions::Entity;
    const OWNER: group_permissions::Column = group_permissions::Column::GroupId;
    fn owner(link: &group_permissions::Model) -> Uuid {
        link.group_id
    }
    fn order(a: &permissions::Model, b: &permissions::Model) -> std::cmp::Ordering {
        a.codename.cmp(&b.codename)
    }
}

/// How many non-deleted users belong to a group.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemberCountOfGroup(pub Uuid);
/// Every permission (what an ADMIN holds).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AllPermissions;
/// The first page of a group's members (oldest account first, deleted users left out): up to
/// `limit + 1` of them after skipping `offset`, the extra one telling whether more follow.
/// The pages of many groups load in one statement (per distinct `limit` and `offset`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MembersPage {
    pub group: Uuid,
    pub limit: u64,
    pub offset: u64,
}

/// Loads every relationship above from the request's database.
pub struct DbLoader {
    db: DatabaseConnection,
}

/// The request's loader.
pub type Loaders = DataLoader<DbLoader>;

pub fn loaders(db: DatabaseConnection) -> Loaders {
    DataLoader::new(DbLoader { db }, tokio::spawn)
}

/// A DataLoader error, shared between the resolvers that awaited the same load.
pub type SharedError = Arc<async_graphql::Error>;

type LoadResult<K, V> = Result<HashMap<K, V>, SharedError>;

fn failed(error: sea_orm::DbErr) -> SharedError {
    Arc::new(AppError::from(error).into())
}

fn uuids<K: Copy>(keys: &[K], id: impl Fn(K) -> Uuid) -> Vec<Uuid> {
    keys.iter().map(|&k| id(k)).collect()
}

impl<L: Link> Loader<Linked<L>> for DbLoader {
    type Value = Vec<<L::Target as EntityTrait>::Model>;
    type Error = SharedError;

    async fn load(&self, keys: &[Linked<L>]) -> LoadResult<Linked<L>, Self::Value> {
        let Some(&Linked(_, link)) = keys.first() else {
            return Ok(HashMap::new());
        };
        let rows = L::Table::find()
            .filter(L::OWNER.is_in(uuids(keys, |k| k.0)))
            .find_also_related(L::Target::default())
            .all(&self.db)
            .await
            .map_err(failed)?;
        let mut map: HashMap<_, Vec<_>> = keys.iter().map(|&k| (k, Vec::new())).collect();
        for (row, target) in rows {
            if let (Some(list), Some(target)) = (map.get_mut(&Linked(L::owner(&row), link)), target)
            {
                list.push(target);
            }
        }
        map.values_mut().for_each(|list| list.sort_by(L::order));
        Ok(map)
    }
}

impl Loader<MemberCountOfGroup> for DbLoader {
    type Value = i64;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[MemberCountOfGroup],
    ) -> LoadResult<MemberCountOfGroup, Self::Value> {
        let counts: Vec<(Uuid, i64)> = user_groups::Entity::find()
            .select_only()
            .column(user_groups::Column::GroupId)
            .column_as(
                Expr::col((user_groups::Entity, user_groups::Column::UserId)).count(),
                "members",
            )
            .inner_join(users::Entity)
            .filter(user_groups::Column::GroupId.is_in(uuids(keys, |k| k.0)))
            .filter(users::Column::DeletedAt.is_null())
            .group_by(user_groups::Column::GroupId)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(failed)?;
        let mut map: HashMap<_, i64> = keys.iter().map(|&k| (k, 0)).collect();
        for (group_id, count) in counts {
            map.insert(MemberCountOfGroup(group_id), count);
        }
        Ok(map)
    }
}

impl Loader<MembersPage> for DbLoader {
    type Value = Vec<users::Model>;
    type Error = SharedError;

    async fn load(&self, keys: &[MembersPage]) -> LoadResult<MembersPage, Self::Value> {
        let mut windows: HashMap<FrontWindow, Vec<Uuid>> = HashMap::new();
        for key in keys {
            windows
                .entry((key.limit, key.offset))
                .or_default()
                .push(key.group);
        }
        let mut pages: HashMap<MembersPage, Vec<users::Model>> =
            keys.iter().map(|&key| (key, Vec::new())).collect();
        for ((limit, offset), groups) in windows {
            for (group, member) in self.members_window(&groups, limit, offset).await? {
                pages
                    .entry(MembersPage {
                        group,
                        limit,
                        offset,
                    })
                    .or_default()
                    .push(member);
            }
        }
        Ok(pages)
    }
}

impl DbLoader {
    /// Rows `offset + 1 ..= offset + limit + 1` of each group's members in the members order
    /// (the `users` default: creation time, then id), numbered per group by `ROW_NUMBER()`.
    async fn members_window(
        &self,
        groups: &[Uuid],
        limit: u64,
        offset: u64,
    ) -> Result<Vec<(Uuid, users::Model)>, SharedError> {
        use sea_orm::sea_query::{Alias, Asterisk, Order, Query, WindowStatement};
        use sea_orm::{ConnectionTrait, FromQueryResult};

        let ordering = crate::services::user_listing::ordering(Default::default());
        let (group_column, rank) = (Alias::new("member_group_id"), Alias::new("member_rank"));
        let window =
            WindowStatement::partition_by((user_groups::Entity, user_groups::Column::GroupId))
                .order_by_expr(ordering.key.clone(), Order::Asc)
                .order_by((users::Entity, users::Column::Id), Order::Asc)
                .to_owned();
        let ranked = Query::select()
            .column((users::Entity, Asterisk))
            .expr_as(
                Expr::col((user_groups::Entity, user_groups::Column::GroupId)),
                group_column.clone(),
            )
            .expr_window_as(Expr::cust("ROW_NUMBER()"), window, rank.clone())
            .from(users::Entity)
            .inner_join(
                user_groups::Entity,
                Expr::col((user_groups::Entity, user_groups::Column::UserId))
                    .equals((users::Entity, users::Column::Id)),
            )
            .and_where(
                Expr::col((user_groups::Entity, user_groups::Column::GroupId))
                    .is_in(groups.iter().copied()),
            )
            .and_where(Expr::col((users::Entity, users::Column::DeletedAt)).is_null())
            .to_owned();
        let page = Query::select()
            .column(Asterisk)
            .from_subquery(ranked, Alias::new("ranked"))
            .and_where(Expr::col(rank.clone()).gt(offset))
            .and_where(Expr::col(rank.clone()).lte(offset + limit + 1))
            .order_by(group_column, Order::Asc)
            .order_by(rank, Order::Asc)
            .to_owned();
        let rows = self.db.query_all(&page).await.map_err(failed)?;
        rows.iter()
            .map(|row| {
                let group: Uuid = row.try_get("", "member_group_id")?;
                Ok((group, users::Model::from_query_result(row, "")?))
            })
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(failed)
    }
}

impl Loader<AllPermissions> for DbLoader {
    type Value = Vec<permissions::Model>;
    type Error = SharedError;

    async fn load(&self, _: &[AllPermissions]) -> LoadResult<AllPermissions, Self::Value> {
        let mut all = permissions::Entity::find()
            .all(&self.db)
            .await
            .map_err(failed)?;
        all.sort_by(|a, b| a.codename.cmp(&b.codename));
        Ok(HashMap::from([(AllPermissions, all)]))
    }
}

/// The users of one list (a page of a connection, or a single user), sharing their loads: the
/// first `User.groups` of the list loads the groups of every user in it, in one DataLoader
/// call, and the others wait for that result. So the number of statements for a list does not
/// depend on its length, nor on how fast the resolvers happen to run (a DataLoader alone
/// batches only the keys that arrive within its delay).
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
