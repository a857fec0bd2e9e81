//! Relay cursor pagination over any entity, keyset-based: a cursor holds the sort key and id of
//! its row, so a page deep in a large table costs what the first page costs and rows inserted
//! meanwhile do not shift later pages. `offset` serves page-number UIs. Cursors are typed
//! values here; the schema encodes them for clients as opaque strings.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult, FieldErrors};

pub const DEFAULT_PAGE: u64 = 10;
pub const MAX_PAGE: u64 = 100;

/// The connection arguments, as the client sent them (cursors decoded, not yet checked
/// against the ordering).
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<Cursor>,
    pub last: Option<i32>,
    pub before: Option<Cursor>,
    pub offset: Option<i32>,
}

/// The `BAD_USER_INPUT` for a cursor in argument `field` that is not one of this list and
/// ordering.
fn invalid_cursor(field: &str) -> AppError {
    FieldErrors::single(field, "not a valid cursor for this list and ordering")
}

/// A sort key value, as it appears in a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SortValue {
    Time(DateTime<Utc>),
    Text(String),
}

impl SortValue {
    /// A value a database can compare with a key of this ordering: the right kind, and (since
    /// a cursor comes back from the client) text free of control characters, which PostgreSQL
    /// refuses.
    fn fits(&self, time_key: bool) -> bool {
        match self {
            SortValue::Time(_) => time_key,
            SortValue::Text(text) => !time_key && !text.chars().any(char::is_control),
        }
    }
}

impl From<SortValue> for sea_orm::Value {
    fn from(value: SortValue) -> Self {
        match value {
            SortValue::Time(time) => time.into(),
            SortValue::Text(text) => text.into(),
        }
    }
}

/// How rows are ordered: a key expression, then the id as a tie-breaker.
pub struct Ordering<E: EntityTrait> {
    /// Names the ordering inside cursors, so a cursor of one ordering is refused by another.
    pub tag: &'static str,
    pub key: SimpleExpr,
    /// Whether the key is a time (else text); a cursor holding the other kind is refused.
    pub time_key: bool,
    pub key_of: fn(&E::Model) -> SortValue,
    pub id: E::Column,
    pub id_of: fn(&E::Model) -> Uuid,
    pub descending: bool,
}

/// A row's position in an ordering: the ordering's tag, the row's sort key and its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    o: String,
    k: SortValue,
    id: Uuid,
}

impl Cursor {
    /// A cursor that fits no ordering: what a client's cursor that did not even decode
    /// becomes, so that it is refused (after the other arguments are checked) like any
    /// cursor of another list.
    pub fn unreadable() -> Self {
        Self {
            o: String::new(),
            k: SortValue::Text(String::new()),
            id: Uuid::nil(),
        }
    }
}

/// One page of rows with their cursors.
pub struct Page<M> {
    pub rows: Vec<(Cursor, M)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

enum Direction {
    Forward,
    Backward,
}

struct Plan {
    direction: Direction,
    limit: u64,
    offset: u64,
}

fn plan(args: &PageArgs) -> AppResult<Plan> {
    let mut errors = FieldErrors::default();
    let count = |errors: &mut FieldErrors, field: &str, value: Option<i32>| match value {
        Some(n) if n < 0 => {
            errors.add(field, "must not be negative");
            None
        }
        Some(n) if n as u64 > MAX_PAGE => {
            errors.add(field, format!("must be at most {MAX_PAGE}"));
            None
        }
        other => other.map(|n| n as u64),
    };
    let first = count(&mut errors, "first", args.first);
    let last = count(&mut errors, "last", args.last);
    if args.first.is_some() && args.last.is_some() {
        errors.add("last", "cannot be combined with first");
    }
    let offset = match args.offset {
        Some(n) if n < 0 => {
            errors.add("offset", "must not be negative");
            0
        }
        Some(n) => {
            if args.after.is_some() || args.before.is_some() {
                errors.add("offset", "cannot be combined with after or before");
            }
            n as u64
        }
        None => 0,
    };
    errors.into_result()?;
    Ok(match (first, last) {
        (None, Some(last)) => Plan {
            direction: Direction::Backward,
            limit: last,
            offset,
        },
        (first, _) => Plan {
            direction: Direction::Forward,
            limit: first.unwrap_or(DEFAULT_PAGE),
            offset,
        },
    })
}

/// The key and id of `cursor`, if it belongs to `ordering`; else `BAD_USER_INPUT` on `field`.
fn position<E: EntityTrait>(
    field: &str,
    ordering: &Ordering<E>,
    cursor: &Cursor,
) -> AppResult<(SortValue, Uuid)> {
    if cursor.o != ordering.tag || !cursor.k.fits(ordering.time_key) {
        return Err(invalid_cursor(field));
    }
    Ok((cursor.k.clone(), cursor.id))
}

/// Rows strictly after (`greater`) or before the cursor position in the ordering's own
/// direction.
fn beyond<E: EntityTrait>(
    ordering: &Ordering<E>,
    key: SortValue,
    id: Uuid,
    greater: bool,
) -> sea_orm::Condition {
    let ascending_greater = greater != ordering.descending;
    let key_value: sea_orm::Value = key.into();
    // A row-value comparison, `(key, id) > (k, i)`: both databases seek an index on
    // (key, id) with it, where the spelled-out `key > k OR (key = k AND id > i)` scans.
    let row = Expr::tuple([ordering.key.clone(), ordering.id.into_expr()]);
    let position = Expr::tuple([Expr::val(key_value), Expr::val(id)]);
    let comparison = if ascending_greater {
        row.gt(position)
    } else {
        row.lt(position)
    };
    sea_orm::Condition::all().add(comparison)
}

/// Fetches one page of `select` in `ordering`.
pub async fn paginate<E: EntityTrait>(
    db: &impl ConnectionTrait,
    mut select: Select<E>,
    ordering: &Ordering<E>,
    args: &PageArgs,
) -> AppResult<Page<E::Model>> {
    let plan = plan(args)?;
    if let Some(after) = &args.after {
        let (key, id) = position("after", ordering, after)?;
        select = select.filter(beyond(ordering, key, id, true));
    }
    if let Some(before) = &args.before {
        let (key, id) = position("before", ordering, before)?;
        select = select.filter(beyond(ordering, key, id, false));
    }
    let backward = matches!(plan.direction, Direction::Backward);
    let (mut key_order, mut id_order) = if ordering.descending {
        (Order::Desc, Order::Desc)
    } else {
        (Order::Asc, Order::Asc)
    };
    if backward {
        (key_order, id_order) = (reverse(key_order), reverse(id_order));
    }
    let in_order = |select: Select<E>| {
        select
            .order_by(ordering.key.clone(), key_order.clone())
            .order_by(ordering.id, id_order.clone())
    };
    let window = in_order(select).offset(plan.offset).limit(plan.limit + 1);
    let mut rows = if plan.offset > 0 && crate::db::is_postgres(db) {
        // PostgreSQL would read every skipped row from the table: the rows skipped are walked
        // by their ids alone (from the ordering's index, where it has one), and only the
        // page's rows are read whole. SQLite reads a skipped row's columns only when asked,
        // and this form costs it 5% more on the admin page.
        let ids = window.select_only().column(ordering.id).into_query();
        in_order(E::find().filter(ordering.id.in_subquery(ids)))
            .all(db)
            .await?
    } else {
        window.all(db).await?
    };
    let has_more = rows.len() as u64 > plan.limit;
    rows.truncate(plan.limit as usize);
    if backward {
        rows.reverse();
    }
    let moved = plan.offset > 0;
    let (has_next_page, has_previous_page) = if backward {
        (args.before.is_some() || moved, has_more)
    } else {
        (has_more, args.after.is_some() || moved)
    };
    Ok(with_cursors(
        rows,
        ordering,
        has_next_page,
        has_previous_page,
    ))
}

/// A page counted from the front (no cursor, not `last`): its size, and how many rows precede
/// it.
pub type FrontWindow = (u64, u64);

/// The `FrontWindow` of `args`, if its page is counted from the front: such pages of many
/// lists can be loaded together (`Group.members`). `None` for any other page. Invalid
/// arguments are `BAD_USER_INPUT`, as for `paginate`.
pub fn front_window(args: &PageArgs) -> AppResult<Option<FrontWindow>> {
    let plan = plan(args)?;
    let from_front = matches!(plan.direction, Direction::Forward)
        && args.after.is_none()
        && args.before.is_none();
    Ok(from_front.then_some((plan.limit, plan.offset)))
}

/// The page of a `front_window`, from up to `limit + 1` rows fetched in `ordering` after
/// skipping `offset`.
pub fn front_page<E: EntityTrait>(
    mut rows: Vec<E::Model>,
    ordering: &Ordering<E>,
    (limit, offset): FrontWindow,
) -> Page<E::Model> {
    let has_more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    with_cursors(rows, ordering, has_more, offset > 0)
}

fn with_cursors<E: EntityTrait>(
    rows: Vec<E::Model>,
    ordering: &Ordering<E>,
    has_next_page: bool,
    has_previous_page: bool,
) -> Page<E::Model> {
    Page {
        rows: rows
            .into_iter()
            .map(|row| {
                let cursor = Cursor {
                    o: ordering.tag.to_owned(),
                    k: (ordering.key_of)(&row),
                    id: (ordering.id_of)(&row),
                };
                (cursor, row)
            })
            .collect(),
        has_next_page,
        has_previous_page,
    }
}

fn reverse(order: Order) -> Order {
    match order {
        Order::Asc => Order::Desc,
        _ => Order::Asc,
    }
}

/// `COALESCE(column, fallback)`: nullable sort keys sort as `fallback`, identically on both
/// databases (they disagree on where NULLs go).
pub fn coalesce(
    column: impl sea_orm::sea_query::IntoColumnRef,
    fallback: impl Into<sea_orm::Value>,
) -> SimpleExpr {
    sea_orm::sea_query::Func::coalesce([Expr::col(column), Expr::val(fallback)]).into()
}

/// Counts the rows of `select` (the connection's `totalCount`).
pub async fn count<E: EntityTrait>(db: &impl ConnectionTrait, select: Select<E>) -> AppResult<u64>
where
    E::Model: Sync,
{
    use sea_orm::PaginatorTrait;
    Ok(select.count(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_combinations_are_checked() {
        assert!(
            plan(&PageArgs {
                first: Some(101),
                ..Default::default()
            })
            .is_err()
        );
        assert!(
            plan(&PageArgs {
                first: Some(-1),
                ..Default::default()
            })
            .is_err()
        );
        assert!(
            plan(&PageArgs {
                first: Some(1),
                last: Some(1),
                ..Default::default()
            })
            .is_err()
        );
        assert!(
            plan(&PageArgs {
                offset: Some(1),
                after: Some(Cursor {
                    o: "users:email".into(),
                    k: SortValue::Text("x".into()),
                    id: Uuid::nil(),
                }),
                ..Default::default()
            })
            .is_err()
        );
        assert_eq!(plan(&PageArgs::default()).unwrap().limit, DEFAULT_PAGE);
    }

    #[test]
    fn cursors_are_tied_to_their_ordering() {
        use crate::db::entities::users;
        use sea_orm::sea_query::Expr;
        let by_email = Ordering::<users::Entity> {
            tag: "users:email",
            key: Expr::col((users::Entity, users::Column::Email)),
            time_key: false,
            key_of: |u| SortValue::Text(u.email.clone()),
            id: users::Column::Id,
            id_of: |u| u.id,
            descending: false,
        };
        let by_creation = Ordering::<users::Entity> {
            tag: "users:created_at",
            key: Expr::col((users::Entity, users::Column::CreatedAt)),
            time_key: true,
            key_of: |u| SortValue::Time(u.created_at),
            id: users::Column::Id,
            id_of: |u| u.id,
            descending: false,
        };
        let id = Uuid::new_v4();
        let cursor = |o: &str, k: SortValue| Cursor {
            o: o.to_owned(),
            k,
            id,
        };
        let email = cursor("users:email", SortValue::Text("a@example.com".into()));
        assert_eq!(
            position("after", &by_email, &email).unwrap(),
            (SortValue::Text("a@example.com".into()), id)
        );
        assert!(position("after", &by_creation, &email).is_err());

        // Forged: the right tag with a value of the wrong kind, or text PostgreSQL refuses.
        let forged = cursor("users:created_at", SortValue::Text("x".into()));
        assert!(position("after", &by_creation, &forged).is_err());
        let forged = cursor("users:email", SortValue::Text("a\0b".into()));
        assert!(position("after", &by_email, &forged).is_err());
    }
}
