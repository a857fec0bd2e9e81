//! `row_counts`: counts the database keeps by triggers, so a listing's total reads one row.
//! `live_users` is the number of users whose `deleted_at` is null.

use sea_orm::entity::prelude::*;

/// The row counting the users that are not deleted.
pub const LIVE_USERS: &str = "live_users";

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "row_counts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
