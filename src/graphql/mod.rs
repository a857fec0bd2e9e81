//! The GraphQL schema: root types `Query` and `Mutation` merged from one object per domain,
//! and `Api::execute`, which checks one request against the limits and runs it with its own
//! data (credentials, a fresh loader, the record of where failed fields' nulls go).
//!
//! - Domains (resolvers, thin): `account` (the viewer's own account and sessions), `mfa`,
//!   `identity` (sign-in with identity providers), `users`, `groups`, `permissions`, `audit`.
//! - `types`: the output types, written by hand (never entities).
//! - `loaders`: the batch loads every relationship goes through, fresh per request.
//! - `context`: what resolvers read from the context (`ctx.viewer()`), and `ViewedBy`.
//! - `guards`: authorization declared on fields (`AdminOr::permission(codenames::...)`).
//! - `arguments`: arguments parsed as services take them (lists of ids).
//! - `limits`: what a request must pass before it executes (parsing, depth, aliases, cost).
//! - `errors`: how errors become what clients see (`extensions.code` and the rest).
//! - `failed_field_nulls`: spec-conforming nulls for failed fields, which the pinned engine
//!   does not write itself.
//! - `account_gate`: `--require-verified-email` and `--require-mfa`, the schema extension that
//!   keeps an unverified account's token, or that of an account yet to set up its required
//!   second factor, to the root fields API.md lists.

pub mod account;
mod account_gate;
mod arguments;
pub mod audit;
pub mod context;
pub mod errors;
mod failed_field_nulls;
pub mod groups;
pub mod guards;
pub mod identity;
pub mod limits;
pub mod loaders;
pub mod mfa;
pub mod passkeys;
pub mod permissions;
pub mod types;
pub mod users;

use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{EmptySubscription, MergedObject, Schema};

use crate::config::RequireMfa;

use crate::auth::viewer::Credentials;
use crate::state::AppState;

#[derive(MergedObject, Default)]
pub struct Query(
    account::AccountQuery,
    users::UsersQuery,
    groups::GroupsQuery,
    permissions::PermissionsQuery,
    audit::AuditQuery,
    identity::IdentityQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    account::AccountMutation,
    mfa::MfaMutation,
    users::UsersMutation,
    groups::GroupsMutation,
    permissions::PermissionsMutation,
    identity::IdentityMutation,
    passkeys::PasskeyMutation,
);

pub type RosterSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema without data: enough to print the SDL.
pub fn schema_builder() -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        // The cost budget (`limits`), and the engine's own guards against documents built to
        // exhaust it.
        .limit_complexity(limits::MAX_COST)
        .limit_recursive_depth(32)
        .limit_directives(50)
}

/// What the schema serves besides the API itself.
#[derive(Debug, Clone, Copy)]
pub struct SchemaOptions {
    /// Introspection and "did you mean" suggestions (off in production).
    pub introspection: bool,
}

impl SchemaOptions {
    fn checks(self) -> limits::Checks {
        limits::Checks::new(self.introspection)
    }
}

/// The API the server runs: the schema, carrying the shared state, and the checks a request
/// passes before it.
#[derive(Clone)]
pub struct Api {
    pub schema: RosterSchema,
    checks: limits::Checks,
    state: AppState,
}

impl Api {
    pub fn build(state: AppState, options: SchemaOptions) -> Self {
        let mut builder = schema_builder().data(state.clone());
        if state.require_verified_email || state.require_mfa != RequireMfa::Off {
            builder = builder.extension(account_gate::AccountGate);
        }
        let schema = if options.introspection {
            builder.finish()
        } else {
            builder
                .disable_introspection()
                .disable_suggestions()
                .finish()
        };
        Self {
            schema,
            checks: options.checks(),
            state,
        }
    }

    /// The state the schema carries.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Checks `request` against the limits (`limits`), parsing its document once for all
    /// that follows; or the error that refuses it.
    pub fn check(
        &self,
        request: async_graphql::Request,
    ) -> Result<async_graphql::Request, async_graphql::ServerError> {
        self.checks.check(request).map_err(Into::into)
    }

    /// Checks and runs one GraphQL request (`check`, then `run`).
    pub async fn execute(
        &self,
        request: async_graphql::Request,
        credentials: Credentials,
    ) -> async_graphql::Response {
        match self.check(request) {
            Ok(request) => self.run(request, credentials).await,
            Err(refusal) => Self::refused(refusal),
        }
    }

    /// The answer to a request that `check` refused, counted as an operation.
    pub fn refused(refusal: async_graphql::ServerError) -> async_graphql::Response {
        let response = async_graphql::Response::from_errors(vec![refusal]);
        crate::metrics::graphql_operation(&response);
        response
    }

    /// Runs a request that passed `check` with its own data: `credentials`, a loader that
    /// no other request shares, and the record that puts the nulls of failed fields where
    /// GraphQL says. Every operation is counted here or in `refused`, however it came (POST
    /// or GET).
    pub async fn run(
        &self,
        request: async_graphql::Request,
        credentials: Credentials,
    ) -> async_graphql::Response {
        let nulls = Arc::new(failed_field_nulls::FailedFieldNulls::default());
        let mut request = request;
        let mutation = is_mutation(&mut request);
        let credentials = credentials.per_root_field(mutation);
        let mut request = request
            .data(credentials)
            .data(loaders::DbLoader::new(self.state.db.clone()))
            .data(nulls.clone());
        if !mutation {
            // A query changes nothing while it runs, so an object resolved once stays right for
            // the whole response; a mutation's root fields each change what the next one sees.
            request = request.data(types::reused::Resolved::default());
        }
        let mut response = self.schema.execute(request).await;
        errors::code_engine_errors(&mut response);
        nulls.apply(&mut response);
        crate::metrics::graphql_operation(&response);
        response
    }
}

/// Whether the operation a checked request runs is a mutation (its document parsed, and the
/// operation it names exists: `Api::check` saw to both).
pub fn is_mutation(request: &mut async_graphql::Request) -> bool {
    let name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return false;
    };
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name.as_str()),
        (DocumentOperations::Multiple(operations), None) => operations.values().next(),
    };
    operation.is_some_and(|operation| operation.node.ty == OperationType::Mutation)
}

/// The SDL that `schema.graphql` holds.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}
