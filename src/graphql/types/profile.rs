//! `ProfileInput`: the profile fields every account form takes (`RegisterInput`,
//! `CreateUserInput`, `UpdateProfileInput`, `UpdateUserInput` flatten it), with the one
//! conversion to the services' `ProfileChanges`.

use async_graphql::{InputObject, MaybeUndefined};

use crate::services::rules::profile_fields::ProfileChanges;

/// Omitted fields stay as they are (or stay empty on a new account); `null` clears one.
#[derive(InputObject, Default)]
pub struct ProfileInput {
    pub username: MaybeUndefined<String>,
    pub first_name: MaybeUndefined<String>,
    pub last_name: MaybeUndefined<String>,
    pub phone_number: MaybeUndefined<String>,
    pub address: MaybeUndefined<String>,
    pub company: MaybeUndefined<String>,
    pub designation: MaybeUndefined<String>,
}

impl ProfileInput {
    /// The changes these fields ask for, with `email` (`None` keeps it).
    pub fn changes(self, email: Option<String>) -> ProfileChanges {
        fn change<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
            match value {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(value) => Some(Some(value)),
            }
        }
        ProfileChanges {
            email,
            username: change(self.username),
            first_name: change(self.first_name),
            last_name: change(self.last_name),
            phone_number: change(self.phone_number),
            address: change(self.address),
            company: change(self.company),
            designation: change(self.designation),
        }
    }
}
