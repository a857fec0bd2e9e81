//! The batch loads, one per relationship (async-graphql's `Loader`), for a loader created
//! fresh for every request (no cache is shared between users); each turns a batch of keys into
//! one SQL statement. `UserBatch` and `GroupBatch` hand a whole list's keys to the loader at
//! once, so a nested list query costs the same number of statements for 5 rows as for 100,
//! deterministically. They call the batch loads directly: a `DataLoader` in between would only
//! collect keys that are already collected, at the price of a spawned task, a timer and a copy
//! of every value per load. `EventAccounts` (`event_accounts`) does the same for the accounts
//! a page of audit events names.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QueryResult, QuerySelect, Related,
};
use uuid::Uuid;

use crate::db::entities::{
    group_permissions, groups, permissions, user_groups, user_permissions, users,
};
use crate::error::AppError;
use crate::services::rows::pages::FrontWindow;

mod batches;
mod event_accounts;

pub use batches::{GroupBatch, MemberPages, UserBatch};
pub use event_accounts::EventAccounts;

/// A relationship through a link table: for an owner id, the `Target` rows that `Table`'s
/// rows link it to, in a fixed order. One generic loader serves them all.
pub trait Link: Copy + Eq + std::hash::Hash + Send + Sync + 'static {
    type Table: EntityTrait + Related<Self::Target>;
    type Target: EntityTrait<Model: Clone + Send + Sync>;
    /// The link table's column holding the owner's id.
    const OWNER: <Self::Table as EntityTrait>::Column;
    fn order(
        a: &<Self::Target as EntityTrait>::Model,
        b: &<Self::Target as EntityTrait>::Model,
    ) -> std::cmp::Ordering;
}

/// The `L`-linked rows of one owner: the key of the link loader.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Linked<L: Link>(pub Uuid, pub L);

/// Declares a `Link`: its marker, link table and owner column, target, and sort field.
macro_rules! link {
    ($(#[$doc:meta])* $name:ident: $table:ident ($column:ident) -> $target:ident by $key:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl Link for $name {
            type Table = $table::Entity;
            type Target = $target::Entity;
            const OWNER: $table::Column = $table::Column::$column;
            fn order(a: &$target::Model, b: &$target::Model) -> std::cmp::Ordering {
                a.$key.cmp(&b.$key)
            }
        }
    };
}

link!(
    /// The groups a user belongs to, by name.
    GroupsOfUser: user_groups (UserId) -> groups by name_key
);
link!(
    /// The permissions a user holds directly, by codename.
    DirectPermissionsOfUser: user_permissions (UserId) -> permissions by codename
);
link!(
    /// The permissions a group grants, by codename.
    PermissionsOfGroup: group_permissions (GroupId) -> permissions by codename
);

/// The name a link's owner column is selected under, beside the target's own columns.
const OWNER_ALIAS: &str = "link_owner";

/// A target row and the id of the owner its link names.
struct Owned<M> {
    owner: Uuid,
    model: M,
}

impl<M: FromQueryResult> FromQueryResult for Owned<M> {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            owner: row.try_get(pre, OWNER_ALIAS)?,
            model: M::from_query_result(row, pre)?,
        })
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

impl DbLoader {
    /// The request's loader.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// A load's error, shared between the resolvers that awaited the same load.
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
        // The targets joined to their links, each row with its owner's id: only the target's
        // columns are decoded, unprefixed (a pair of models, with every column name prefixed
        // per row, was a seventh of an admin page's instructions).
        let rows = L::Target::find()
            .join_rev(JoinType::InnerJoin, <L::Table as Related<L::Target>>::to())
            .column_as(Expr::col((L::Table::default(), L::OWNER)), OWNER_ALIAS)
            .filter(L::OWNER.is_in(uuids(keys, |k| k.0)))
            .into_model::<Owned<<L::Target as EntityTrait>::Model>>()
            .all(&self.db)
            .await
            .map_err(failed)?;
        let mut map: HashMap<_, Vec<_>> = keys.iter().map(|&k| (k, Vec::new())).collect();
        for Owned { owner, model } in rows {
            if let Some(list) = map.get_mut(&Linked(owner, link)) {
                list.push(model);
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

        let ordering = crate::services::admin::listing::ordering(Default::default());
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
