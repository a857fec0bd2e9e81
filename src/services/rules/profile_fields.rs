//! The profile of an account: the fields a user or an administrator edits, checked one way
//! for every entry point (`register`, `createUser`, `updateProfile`, `updateUser`), and the
//! search key `users(filter: {search})` matches. A new account is prepared here too.

use sea_orm::ActiveValue::{self, Set};
use uuid::Uuid;

use crate::auth::password::{self, Passwords};
use crate::db::{self, entities::users};
use crate::error::{AppResult, FieldErrors};
use crate::services::rules::validation::{self, Lines, MAX_LONG_TEXT, MAX_NAME, MAX_PHONE};

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
    /// Whoever makes the account vouches for its address (`createUser(emailVerified: true)`,
    /// `create-superuser`); otherwise a verification mail goes out.
    pub email_verified: bool,
}

/// Validates `changes` onto `model`, recording every problem in `errors`.
pub fn apply(errors: &mut FieldErrors, model: &mut users::ActiveModel, changes: ProfileChanges) {
    if let Some(email) = changes.email {
        model.email = Set(validation::email(errors, "email", &email));
    }
    if let Some(username) = changes.username {
        match username.filter(|u| !u.is_empty()) {
            Some(username) => {
                let (username, key) = validation::username(errors, "username", &username);
                model.username = Set(Some(username));
                model.username_key = Set(Some(key));
            }
            None => {
                model.username = Set(None);
                model.username_key = Set(None);
            }
        }
    }
    // Each optional text field: its input name, its column, its limits.
    macro_rules! texts {
        ($($field:literal => $column:ident, $max:expr, $lines:expr;)*) => {$(
            if let Some(value) = changes.$column {
                model.$column = Set(validation::optional_text(errors, $field, value, $max, $lines));
            }
        )*};
    }
    texts! {
        "firstName" => first_name, MAX_NAME, Lines::Single;
        "lastName" => last_name, MAX_NAME, Lines::Single;
        "phoneNumber" => phone_number, MAX_PHONE, Lines::Single;
        "address" => address, MAX_LONG_TEXT, Lines::Multi;
        "company" => company, MAX_NAME, Lines::Single;
        "designation" => designation, MAX_NAME, Lines::Single;
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

/// The search key of `model` once saved over `existing` (a new row when `None`).
pub fn search_key_of(model: &users::ActiveModel, existing: Option<&users::Model>) -> String {
    fn merged<T: Clone + Into<sea_orm::Value> + Default>(
        field: &ActiveValue<T>,
        existing: Option<&T>,
    ) -> T {
        field.try_as_ref().or(existing).cloned().unwrap_or_default()
    }
    search_key(
        &merged(&model.email, existing.map(|e| &e.email)),
        merged(&model.username, existing.map(|e| &e.username)).as_deref(),
        merged(&model.first_name, existing.map(|e| &e.first_name)).as_deref(),
        merged(&model.last_name, existing.map(|e| &e.last_name)).as_deref(),
    )
}

/// The strings zxcvbn should treat as guessable for this user.
pub fn personal_inputs(user: &users::Model) -> Vec<&str> {
    let mut inputs = vec![user.email.as_str()];
    inputs.extend(
        [&user.username, &user.first_name, &user.last_name]
            .into_iter()
            .flatten()
            .map(String::as_str),
    );
    inputs
}

/// A new account's row with every profile field empty, created now: what `apply` fills in.
fn blank(role: users::Role, is_active: bool, email_verified: bool) -> users::ActiveModel {
    let now = db::now();
    users::ActiveModel {
        id: Set(Uuid::now_v7()),
        role: Set(role),
        is_active: Set(is_active),
        email_verified: Set(email_verified),
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
    }
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
    let mut model = blank(account.role, account.is_active, account.email_verified);
    apply(&mut errors, &mut model, account.profile);
    let personal: Vec<String> = [
        model.email.try_as_ref().cloned(),
        model.username.try_as_ref().cloned().flatten(),
        model.first_name.try_as_ref().cloned().flatten(),
        model.last_name.try_as_ref().cloned().flatten(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
    password::check_policy(&mut errors, "password", &account.password, &personal).await;
    if account
        .password_confirmation
        .as_ref()
        .is_some_and(|c| c != &account.password)
    {
        errors.add("passwordConfirmation", "does not match the password");
    }
    errors.into_result()?;
    model.password_hash = Set(Some(passwords.hash(&account.password).await?));
    model.search_key = Set(search_key_of(&model, None));
    Ok(model)
}

/// A new account for someone a provider vouches for: `email` verified (the provider asserted
/// it), no password, role USER. The row is not written yet.
pub fn provider_account(email: &str) -> AppResult<users::ActiveModel> {
    let mut errors = FieldErrors::default();
    let mut model = blank(users::Role::User, true, true);
    model.password_hash = Set(None);
    model.last_login_at = Set(Some(db::now()));
    let changes = ProfileChanges {
        email: Some(email.to_owned()),
        ..Default::default()
    };
    apply(&mut errors, &mut model, changes);
    errors.into_result()?;
    model.search_key = Set(search_key_of(&model, None));
    Ok(model)
}
