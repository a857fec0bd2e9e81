//! Accounts: registration, login, profile, password, deletion, and the administrator's
//! operations on other accounts. Includes the rule that the system always keeps one active,
//! non-deleted ADMIN, checked inside the transaction that could break it.

use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::auth::password::{self, Passwords};
use crate::auth::viewer::{ClientInfo, Viewer};
use crate::db::{self, entities::users};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::input::{self, Lines, MAX_LONG_TEXT, MAX_NAME, MAX_PHONE};
use crate::services::sessions::{self, IssuedTokens, RevokeReason};
use crate::state::AppState;

pub use users::Role;

/// Changes to a profile. For each optional field: `None` keeps it, `Some(None)` clears it,
/// `Some(Some(v))` sets it. `email` cannot be cleared.
#[derive(Debug, Default, Clone)]
pub struct ProfileChanges {
    pub email: Option<String>,
    pub username: Option<Option<String>>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub phone_number: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub company: Option<Option<String>>,
    pub designation: Option<Option<String>>,
}

/// A new account, from `register`, `createUser` or `create-superuser`.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub profile: ProfileChanges,
    pub password: String,
    pub password_confirmation: Option<String>,
    pub role: Role,
    pub is_active: bool,
}

/// Validates `changes` onto `model`, recording every problem in `errors`.
fn apply_profile(
    errors: &mut FieldErrors,
    model: &mut users::ActiveModel,
    changes: ProfileChanges,
) {
    if let Some(email) = changes.email {
        model.email = Set(input::email(errors, "email", &email));
    }
    if let Some(username) = changes.username {
        match username.filter(|u| !u.is_empty()) {
            Some(username) => {
                let (username, key) = input::username(errors, "username", &username);
                model.username = Set(Some(username));
                model.username_key = Set(Some(key));
            }
            None => {
                model.username = Set(None);
                model.username_key = Set(None);
            }
        }
    }
    let fields = [
        ("firstName", changes.first_name, MAX_NAME, Lines::Single),
        ("lastName", changes.last_name, MAX_NAME, Lines::Single),
        (
            "phoneNumber",
            changes.phone_number,
            MAX_PHONE,
            Lines::Single,
        ),
        ("address", changes.address, MAX_LONG_TEXT, Lines::Multi),
        ("company", changes.company, MAX_NAME, Lines::Single),
        ("designation", changes.designation, MAX_NAME, Lines::Single),
    ];
    for (field, change, max, lines) in fields {
        let Some(value) = change else { continue };
        let value = Set(input::optional_text(errors, field, value, max, lines));
        match field {
            "firstName" => model.first_name = value,
            "lastName" => model.last_name = value,
            "phoneNumber" => model.phone_number = value,
            "address" => model.address = value,
            "company" => model.company = value,
            _ => model.designation = value,
        }
    }
}

/// What `users` searches: email, username and "first last", lower-cased here rather than in
/// SQL (SQLite's `lower()` folds ASCII only), one per line.
pub fn search_key(
    email: &str,
    username: Option<&str>,
    first_name: Option<&str>,
    last_name: Option<&str>,
) -> String {
    let name = [first_name, last_name]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    format!("{email}\n{}\n{name}", username.unwrap_or_default()).to_lowercase()
}

/// The value `field` will have once `model` is saved over `existing`.
fn merged<T: Clone + Into<sea_orm::Value>>(field: &sea_orm::ActiveValue<T>, existing: &T) -> T {
    field
        .try_as_ref()
        .cloned()
        .unwrap_or_else(|| existing.clone())
}

/// The strings zxcvbn should treat as guessable for this user.
fn personal_inputs(model: &users::ActiveModel) -> Vec<String> {
    let mut inputs = Vec::new();
    if let Some(email) = model.email.try_as_ref() {
        inputs.push(email.clone());
    }
    for value in [&model.username, &model.first_name, &model.last_name] {
        if let Some(Some(value)) = value.try_as_ref() {
            inputs.push(value.clone());
        }
    }
    inputs
}

/// Validates and hashes a new account; the row is not written yet.
pub async fn prepare_account(
    passwords: &Passwords,
    account: NewAccount,
) -> AppResult<users::ActiveModel> {
    let mut errors = FieldErrors::default();
    if account.profile.email.is_none() {
        errors.add("email", "is required");
    }
    let now = db::now();
    let mut model = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        role: Set(account.role),
        is_active: Set(account.is_active),
        deleted_at: Set(None),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        username: Set(None),
        username_key: Set(None),
        first_name: Set(None),
        last_name: Set(None),
        phone_number: Set(None),
        address: Set(None),
        company: Set(None),
        designation: Set(None),
        ..Default::default()
    };
    apply_profile(&mut errors, &mut model, account.profile);
    let personal = personal_inputs(&model);
    let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
    password::check_policy(&mut errors, "password", &account.password, &personal);
    if account
        .password_confirmation
        .as_ref()
        .is_some_and(|c| c != &account.password)
    {
        errors.add("passwordConfirmation", "does not match the password");
    }
    errors.into_result()?;
    model.password_hash = Set(passwords.hash(&account.password).await?);
    let key = search_key(
        model
            .email
            .try_as_ref()
            .map(String::as_str)
            .unwrap_or_default(),
        model.username.try_as_ref().cloned().flatten().as_deref(),
        model.first_name.try_as_ref().cloned().flatten().as_deref(),
        model.last_name.try_as_ref().cloned().flatten().as_deref(),
    );
    model.search_key = Set(key);
    Ok(model)
}

/// `register`: a new USER account and its first session, in one transaction.
pub async fn register(
    state: &AppState,
    account: NewAccount,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    state.throttle.address(client.ip)?;
    let mut model = prepare_account(
        &state.passwords,
        NewAccount {
            role: Role::User,
            is_active: true,
            ..account
        },
    )
    .await?;
    let now = db::now();
    model.last_login_at = Set(Some(now));
    let txn = db::begin_write(&state.db).await?;
    let user = model.insert(&txn).await?;
    let tokens = sessions::start(&txn, &state.keys, user.id, client, now).await?;
    txn.commit().await?;
    Ok((user, tokens))
}

/// `login`: by email (contains `@`) or username. Unknown user, wrong password, deactivated
/// and deleted accounts all answer the same error after the same amount of hashing work.
pub async fn login(
    state: &AppState,
    login: &str,
    password: &str,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    let invalid = AppError::Unauthenticated("invalid credentials");
    state.throttle.address(client.ip)?;
    state.throttle.account(login)?;
    let login = login.trim();
    // Nothing stored is empty, longer than an email or holds control characters (which
    // PostgreSQL would refuse to compare): such a login names nobody.
    let candidate = if login.is_empty()
        || login.chars().count() > input::MAX_EMAIL
        || login.chars().any(char::is_control)
    {
        None
    } else if login.contains('@') {
        users::Entity::find()
            .filter(users::Column::Email.eq(login.to_lowercase()))
            .one(&state.db)
            .await?
    } else {
        users::Entity::find()
            .filter(users::Column::UsernameKey.eq(login.to_lowercase()))
            .one(&state.db)
            .await?
    };
    let Some(user) = candidate else {
        state.passwords.verify_dummy(password).await?;
        return Err(invalid);
    };
    // Passwords longer than the policy allows can never match; still spend the time.
    let password_ok = state
        .passwords
        .verify(password, &user.password_hash)
        .await?;
    if !password_ok || !user.is_active || user.deleted_at.is_some() {
        return Err(invalid);
    }
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    let mut active = user.into_active_model();
    active.last_login_at = Set(Some(now));
    let user = active.update(&txn).await?;
    let tokens = sessions::start(&txn, &state.keys, user.id, client, now).await?;
    txn.commit().await?;
    Ok((user, tokens))
}

/// Loads a user by id, deleted or not.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<users::Model>> {
    Ok(users::Entity::find_by_id(id).one(db).await?)
}

/// Loads a user a mutation names, or `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> AppResult<users::Model> {
    find(db, id)
        .await?
        .ok_or(AppError::NotFound("no such user"))
}

/// `get`, holding the row until `txn` ends on PostgreSQL (`FOR UPDATE`), so that changes to one
/// user's links (groups, permissions) run one after the other instead of interleaving their
/// delete and insert. SQLite needs nothing: `begin_write` already holds its write lock.
pub async fn get_locked(txn: &impl ConnectionTrait, id: Uuid) -> AppResult<users::Model> {
    db::locking(users::Entity::find_by_id(id), txn, LockType::Update)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("no such user"))
}

/// `updateProfile`: the viewer edits their own profile. Unique violations answer `CONFLICT`
/// on the field.
pub async fn update_profile(
    state: &AppState,
    viewer: &Viewer,
    changes: ProfileChanges,
) -> AppResult<users::Model> {
    let current = &viewer.user;
    let new_email = changes
        .email
        .as_deref()
        .is_some_and(|email| email.trim().to_lowercase() != current.email);
    let new_username = match &changes.username {
        Some(Some(username)) => current.username_key.as_ref() != Some(&username.to_lowercase()),
        _ => false,
    };
    if new_email || new_username {
        // Each change tells whether the value is taken: bounded like `register`.
        state.throttle.user(current.id)?;
    }
    update_fields(state, viewer.id(), changes, None, None, false).await
}

/// Applies profile changes (and, for administrators, role and active flag) to user `id`.
/// Role and active changes run under the last-admin rule; deactivation ends every session.
/// With `protect_admins` (a caller that is not an ADMIN), an ADMIN target is `FORBIDDEN`,
/// checked on the row locked inside the transaction, so a promotion that commits meanwhile
/// cannot be overtaken.
pub async fn update_fields(
    state: &AppState,
    id: Uuid,
    changes: ProfileChanges,
    role: Option<Role>,
    is_active: Option<bool>,
    protect_admins: bool,
) -> AppResult<users::Model> {
    let mut errors = FieldErrors::default();
    let mut model = users::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(id),
        ..Default::default()
    };
    apply_profile(&mut errors, &mut model, changes);
    errors.into_result()?;
    let may_demote = role == Some(Role::User) || is_active == Some(false);
    if let Some(role) = role {
        model.role = Set(role);
    }
    if let Some(is_active) = is_active {
        model.is_active = Set(is_active);
    }
    model.updated_at = Set(db::now());

    let txn = db::begin_write(&state.db).await?;
    if may_demote {
        lock_active_admins(&txn).await?;
    }
    let existing = get_locked(&txn, id).await?;
    refuse_admin_target(protect_admins, &existing)?;
    model.search_key = Set(search_key(
        &merged(&model.email, &existing.email),
        merged(&model.username, &existing.username).as_deref(),
        merged(&model.first_name, &existing.first_name).as_deref(),
        merged(&model.last_name, &existing.last_name).as_deref(),
    ));
    let user = model.update(&txn).await?;
    if is_active_admin(&existing) && !is_active_admin(&user) {
        ensure_active_admin_remains(&txn).await?;
    }
    if existing.is_active && !user.is_active {
        sessions::revoke_all(&txn, id, RevokeReason::Deactivated).await?;
    }
    txn.commit().await?;
    Ok(user)
}

/// `changePassword`: checks the current password, ends every session of the user and opens a
/// new one.
pub async fn change_password(
    state: &AppState,
    viewer: &Viewer,
    current_password: &str,
    new_password: &str,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    let user = &viewer.user;
    let mut errors = FieldErrors::default();
    let mut personal = vec![user.email.as_str()];
    personal.extend(
        [&user.username, &user.first_name, &user.last_name]
            .into_iter()
            .flatten()
            .map(String::as_str),
    );
    state.throttle.user(user.id)?;
    password::check_policy(&mut errors, "newPassword", new_password, &personal);
    if current_password == new_password {
        errors.add("newPassword", "must differ from the current password");
    }
    if !state
        .passwords
        .verify(current_password, &user.password_hash)
        .await?
    {
        // Not UNAUTHENTICATED: that would tell the client its token is bad.
        errors.add("currentPassword", "is incorrect");
    }
    errors.into_result()?;
    let hash = state.passwords.hash(new_password).await?;
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    let mut active = users::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(user.id),
        ..Default::default()
    };
    active.password_hash = Set(hash);
    active.updated_at = Set(now);
    let user = active.update(&txn).await?;
    sessions::revoke_all(&txn, user.id, RevokeReason::PasswordChanged).await?;
    let tokens = sessions::start(&txn, &state.keys, user.id, client, now).await?;
    txn.commit().await?;
    Ok((user, tokens))
}

/// `deleteAccount`: soft-deletes the viewer after checking their password. The email stays
/// reserved; an administrator can restore the account.
pub async fn delete_account(state: &AppState, viewer: &Viewer, password: &str) -> AppResult<()> {
    state.throttle.user(viewer.id())?;
    if !state
        .passwords
        .verify(password, &viewer.user.password_hash)
        .await?
    {
        return Err(FieldErrors::single("password", "is incorrect"));
    }
    soft_delete(state, viewer.id(), false).await
}

/// For a caller that is not an ADMIN (`protect_admins`): an ADMIN target is `FORBIDDEN`.
/// Callers pass the row they locked inside their transaction, so a promotion that commits
/// meanwhile cannot be overtaken.
fn refuse_admin_target(protect_admins: bool, target: &users::Model) -> AppResult<()> {
    if protect_admins && target.role == Role::Admin {
        return Err(AppError::Forbidden(
            "only an ADMIN may change an ADMIN's account",
        ));
    }
    Ok(())
}

/// Marks user `id` deleted and ends their sessions, under the last-admin rule (and, with
/// `protect_admins`, not for an ADMIN).
pub async fn soft_delete(state: &AppState, id: Uuid, protect_admins: bool) -> AppResult<()> {
    let txn = db::begin_write(&state.db).await?;
    lock_active_admins(&txn).await?;
    let user = get_locked(&txn, id).await?;
    refuse_admin_target(protect_admins, &user)?;
    if user.deleted_at.is_none() {
        // Only removing an active ADMIN can break the rule; a plain user may leave even
        // before any ADMIN exists.
        let was_active_admin = is_active_admin(&user);
        let now = db::now();
        let mut active = user.into_active_model();
        active.deleted_at = Set(Some(now));
        active.updated_at = Set(now);
        active.update(&txn).await?;
        if was_active_admin {
            ensure_active_admin_remains(&txn).await?;
        }
        sessions::revoke_all(&txn, id, RevokeReason::Deleted).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// `deleteUser(permanent: true)`: removes the row; links and sessions cascade.
pub async fn delete_permanently(state: &AppState, id: Uuid, protect_admins: bool) -> AppResult<()> {
    let txn = db::begin_write(&state.db).await?;
    lock_active_admins(&txn).await?;
    let user = get_locked(&txn, id).await?;
    refuse_admin_target(protect_admins, &user)?;
    users::Entity::delete_by_id(id).exec(&txn).await?;
    if is_active_admin(&user) {
        ensure_active_admin_remains(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// `restoreUser`: undoes a soft delete.
pub async fn restore(state: &AppState, id: Uuid, protect_admins: bool) -> AppResult<users::Model> {
    let txn = db::begin_write(&state.db).await?;
    let user = get_locked(&txn, id).await?;
    refuse_admin_target(protect_admins, &user)?;
    let user = if user.deleted_at.is_some() {
        let mut active = user.into_active_model();
        active.deleted_at = Set(None);
        active.updated_at = Set(db::now());
        active.update(&txn).await?
    } else {
        user
    };
    txn.commit().await?;
    Ok(user)
}

/// `create-superuser`: creates an active ADMIN, or promotes, activates and undeletes the
/// existing account with that email (setting the password when one is given).
pub async fn create_superuser(
    state: &AppState,
    email: &str,
    password: Option<&str>,
) -> AppResult<(users::Model, bool)> {
    let mut errors = FieldErrors::default();
    let email = input::email(&mut errors, "email", email);
    errors.into_result()?;
    let txn = db::begin_write(&state.db).await?;
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(&txn)
        .await?;
    if let Some(user) = existing {
        let mut active = user.into_active_model();
        if let Some(password) = password {
            let mut errors = FieldErrors::default();
            password::check_policy(&mut errors, "password", password, &[&email]);
            errors.into_result()?;
            active.password_hash = Set(state.passwords.hash(password).await?);
        }
        active.role = Set(Role::Admin);
        active.is_active = Set(true);
        active.deleted_at = Set(None);
        active.updated_at = Set(db::now());
        let user = active.update(&txn).await?;
        txn.commit().await?;
        return Ok((user, false));
    }
    let Some(password) = password else {
        return Err(FieldErrors::single(
            "password",
            "is required to create a new account",
        ));
    };
    let account = NewAccount {
        profile: ProfileChanges {
            email: Some(email),
            ..Default::default()
        },
        password: password.to_owned(),
        password_confirmation: None,
        role: Role::Admin,
        is_active: true,
    };
    let user = prepare_account(&state.passwords, account)
        .await?
        .insert(&txn)
        .await?;
    txn.commit().await?;
    Ok((user, true))
}

/// Whether an account with this email exists (for `create-superuser`'s prompt).
pub async fn email_exists(db: &impl ConnectionTrait, email: &str) -> AppResult<bool> {
    let count = users::Entity::find()
        .filter(users::Column::Email.eq(email.trim().to_lowercase()))
        .count(db)
        .await?;
    Ok(count > 0)
}

/// Whether `user` counts toward "at least one active, non-deleted ADMIN".
fn is_active_admin(user: &users::Model) -> bool {
    user.role == Role::Admin && user.is_active && user.deleted_at.is_none()
}

fn active_admins() -> sea_orm::Select<users::Entity> {
    users::Entity::find()
        .filter(users::Column::Role.eq(Role::Admin))
        .filter(users::Column::IsActive.eq(true))
        .filter(users::Column::DeletedAt.is_null())
}

/// On PostgreSQL, locks the rows of every active admin until the transaction ends, so two
/// transactions that could each remove an admin run one after the other. SQLite needs
/// nothing: `begin_write` already holds its single write lock.
pub async fn lock_active_admins(txn: &impl ConnectionTrait) -> AppResult<()> {
    if db::is_postgres(txn) {
        active_admins()
            .select_only()
            .column(users::Column::Id)
            .lock(LockType::Update)
            .into_tuple::<Uuid>()
            .all(txn)
            .await?;
    }
    Ok(())
}

/// `CONFLICT` when the transaction's changes left no active, non-deleted ADMIN.
pub async fn ensure_active_admin_remains(txn: &impl ConnectionTrait) -> AppResult<()> {
    if active_admins().count(txn).await? == 0 {
        return Err(AppError::Conflict {
            message: "the system must keep at least one active ADMIN".to_owned(),
            field: None,
        });
    }
    Ok(())
}

/// Counts users (for the first-run hint in the log).
pub async fn count(db: &impl ConnectionTrait) -> AppResult<u64> {
    Ok(users::Entity::find().count(db).await?)
}

/// Which soft-deleted users a listing includes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DeletedFilter {
    #[default]
    Exclude,
    Include,
    Only,
}

/// The `users` query's filter.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// A case-insensitive substring of email, username, first or last name, as the `LIKE`
    /// pattern `input::search` makes of it.
    pub search_pattern: Option<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    pub group_id: Option<Uuid>,
    pub deleted: DeletedFilter,
}

/// What `users` orders by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserOrderField {
    #[default]
    CreatedAt,
    Email,
    Username,
    LastLoginAt,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct UserOrder {
    pub field: UserOrderField,
    pub descending: bool,
}

/// The users `filter` selects.
pub fn select(filter: &UserFilter) -> sea_orm::Select<users::Entity> {
    use crate::db::entities::user_groups;
    use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};

    let mut select = users::Entity::find();
    if let Some(pattern) = filter.search_pattern.clone() {
        select = select.filter(
            Expr::col((users::Entity, users::Column::SearchKey))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    if let Some(role) = filter.role {
        select = select.filter(users::Column::Role.eq(role));
    }
    if let Some(is_active) = filter.is_active {
        select = select.filter(users::Column::IsActive.eq(is_active));
    }
    if let Some(group_id) = filter.group_id {
        select = select.filter(
            users::Column::Id.in_subquery(
                Query::select()
                    .column(user_groups::Column::UserId)
                    .from(user_groups::Entity)
                    .and_where(user_groups::Column::GroupId.eq(group_id))
                    .to_owned(),
            ),
        );
    }
    match filter.deleted {
        DeletedFilter::Exclude => select = select.filter(users::Column::DeletedAt.is_null()),
        DeletedFilter::Only => select = select.filter(users::Column::DeletedAt.is_not_null()),
        DeletedFilter::Include => {}
    }
    select
}

/// The keyset ordering for `order`. Nullable keys sort as the empty string / the epoch.
pub fn ordering(order: UserOrder) -> crate::services::pagination::Ordering<users::Entity> {
    use crate::services::pagination::{Ordering, SortValue, coalesce};
    use sea_orm::sea_query::Expr;

    let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    type KeyOf = fn(&users::Model) -> SortValue;
    let (tag, key, time_key, key_of): (&'static str, _, bool, KeyOf) = match order.field {
        UserOrderField::CreatedAt => (
            "users:created_at",
            Expr::col((users::Entity, users::Column::CreatedAt)),
            true,
            |u| SortValue::Time(u.created_at),
        ),
        UserOrderField::Email => (
            "users:email",
            Expr::col((users::Entity, users::Column::Email)),
            false,
            |u| SortValue::Text(u.email.clone()),
        ),
        UserOrderField::Username => (
            "users:username",
            coalesce((users::Entity, users::Column::UsernameKey), ""),
            false,
            |u| SortValue::Text(u.username_key.clone().unwrap_or_default()),
        ),
        UserOrderField::LastLoginAt => (
            "users:last_login_at",
            coalesce((users::Entity, users::Column::LastLoginAt), epoch),
            true,
            |u| {
                SortValue::Time(
                    u.last_login_at
                        .unwrap_or(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH),
                )
            },
        ),
    };
    Ordering {
        tag,
        key,
        time_key,
        key_of,
        id: users::Column::Id,
        id_of: |u| u.id,
        descending: order.descending,
    }
}

/// `createUser`: a new account and its groups, in one transaction. The grantor must hold what
/// the groups grant.
pub async fn create_with_groups(
    state: &AppState,
    account: NewAccount,
    grantor: &crate::services::groups::Grantor,
    group_ids: &[Uuid],
) -> AppResult<users::Model> {
    let model = prepare_account(&state.passwords, account).await?;
    let txn = db::begin_write(&state.db).await?;
    crate::services::groups::ensure_exist(&txn, group_ids).await?;
    grantor.check_groups(&txn, group_ids).await?;
    let user = model.insert(&txn).await?;
    crate::services::groups::add_links(&txn, user.id, group_ids).await?;
    txn.commit().await?;
    Ok(user)
}
