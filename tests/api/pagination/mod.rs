//! Relay connections: `users`, `groups` and `Group.members` page by page, forwards and
//! backwards, in every ordering and with filters; cursors that keep their place when rows are
//! inserted; the argument rules; and nested list queries whose statement count does not grow
//! with the page size (no N+1).

mod arguments;
mod filters;
mod forward_backward;
mod groups_and_members;
mod ordering;
mod stable_cursors;
mod statement_counts;
mod total_count;
