//! The viewer's own account over real HTTP: register, login, token refresh and reuse detection,
//! the `Authorization` header rules, logout, sessions, profile, password, deletion and
//! `user(id)`. Each test asserts what a client sees and, where it matters, what the database
//! holds.

mod assurance;
mod bearer;
mod deletion;
mod login;
mod logout;
mod password;
mod profile;
mod refresh;
mod registration;
mod sessions;
mod user_by_id;
