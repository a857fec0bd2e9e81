//! Hardening: the limits a request must pass before it runs, hostile input, the HTTP layer's
//! own defences and production mode, and races between a login and a credential change.

mod hostile;
mod limits;
mod races;
mod transport;
