//! Authentication and authorization: tokens, passwords, the request's viewer and the guards
//! that fields declare.

pub mod guards;
pub mod password;
pub mod throttle;
pub mod tokens;
pub mod viewer;
