//! The GraphQL schema: root types `Query` and `Mutation` merged from one object per domain,
//! the limits that keep a single request cheap, and the per-request data (credentials and
//! fresh DataLoaders).

pub mod account;
pub mod admin;
pub mod connections;
pub mod loaders;
mod nulls;
pub mod types;

use async_graphql::{EmptySubscription, MergedObject, Schema};

use crate::auth::viewer::RequestAuth;
use crate::state::AppState;

#[derive(MergedObject, Default)]
pub struct Query(account::AccountQuery, admin::AdminQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(account::AccountMutation, admin::AdminMutation);

pub type RosterSchema = Schema<Query, Mutation, EmptySubscription>;

/// Deepest selection accepted; the deepest useful query (`users.edges.node.groups.permissions`
/// with a fragment or two) is well below.
const MAX_DEPTH: usize = 16;
/// Most fields one request may select.
const MAX_COMPLEXITY: usize = 2_000;

/// The schema without data: enough to print the SDL.
pub fn schema_builder() -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(32)
        .limit_directives(50)
}

/// The schema the server runs, carrying the shared state.
pub fn build(state: AppState) -> RosterSchema {
    schema_builder().data(state).finish()
}

/// The SDL that `schema.graphql` holds.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}

/// Runs one GraphQL request, answering `null` for failed fields as the spec says (see
/// `nulls`).
pub async fn execute(
    schema: &RosterSchema,
    request: async_graphql::Request,
) -> async_graphql::Response {
    let query = request.query.clone();
    let operation_name = request.operation_name.clone();
    let mut response = schema.execute(request).await;
    nulls::repair(&query, operation_name.as_deref(), &mut response);
    response
}

/// Attaches one request's data: its credentials and its own DataLoaders.
pub fn with_request_data(
    request: async_graphql::Request,
    state: &AppState,
    auth: RequestAuth,
) -> async_graphql::Request {
    request.data(auth).data(loaders::loaders(state.db.clone()))
}
