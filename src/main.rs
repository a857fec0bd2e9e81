//! The `roster` binary: parse the settings, set up logging, run the command.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use migration::{Migrator, MigratorTrait};
use roster::app::{self, StartupError};
use roster::config::{Cli, Command, LogFormat, MigrateAction, Secret, Settings};
use roster::http::shutdown_signal;
use roster::services;
use tracing_subscriber::EnvFilter;

/// mimalloc: the default allocator spent a quarter of a listing's CPU in `malloc` and `free`
/// (a profile of the benchmark's admin page).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A `.env` in the working directory fills in unset variables (see `.env.example`).
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let filter = EnvFilter::try_new(&cli.settings.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.settings.log_format {
        LogFormat::Text => logs.init(),
        // The request's span (method, path, request id) on every line of that request.
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), StartupError> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&settings).await,
        Command::PrintSchema => {
            print!("{}", roster::graphql::sdl());
            Ok(())
        }
        Command::Migrate { action } => {
            let db = app::connect(&settings).await?;
            match action {
                MigrateAction::Up => Migrator::up(&db, None).await,
                MigrateAction::Down => Migrator::down(&db, Some(1)).await,
                MigrateAction::Status => {
                    for migration in Migrator::get_migration_with_status(&db)
                        .await
                        .map_err(StartupError::Migrate)?
                    {
                        println!("{:<8} {}", migration.status().to_string(), migration.name());
                    }
                    Ok(())
                }
            }
            .map_err(StartupError::Migrate)
        }
        Command::CreateSuperuser { email, password } => {
            create_superuser(&settings, &email, password).await
        }
        Command::Keys { action } => app::key_commands::keys(&settings, action).await,
        Command::RotateEncryptionKey => app::key_commands::rotate_encryption_key(&settings).await,
    }
}

async fn serve(settings: &Settings) -> Result<(), StartupError> {
    let state = app::build(settings).await?;
    if services::admin::superuser::count(&state.db).await? == 0 {
        tracing::info!(
            "no accounts yet: create the first administrator with `roster create-superuser --email you@example.com`"
        );
    }
    let listeners = app::bind(settings).await?;
    let address = listeners.public.local_addr().map_err(StartupError::Serve)?;
    if settings.graphiql_enabled() {
        tracing::info!(
            "Roster listening on http://{address} (GraphiQL at http://{address}/graphql)"
        );
    } else {
        tracing::info!(
            "Roster listening on http://{address} (GraphQL at http://{address}/graphql)"
        );
    }
    app::serve(listeners, state, settings, shutdown_signal()).await
}

async fn create_superuser(
    settings: &Settings,
    email: &str,
    password: Option<Secret>,
) -> Result<(), StartupError> {
    let state = app::build(settings).await?;
    let password = match password {
        Some(password) => Some(password),
        None if services::admin::superuser::email_exists(&state.db, email).await? => None,
        None => Some(prompt_password()?),
    };
    let (user, created) = services::admin::superuser::create_superuser(
        &state,
        email,
        password.as_ref().map(Secret::expose),
    )
    .await
    .map_err(|error| match error {
        roster::error::AppError::InvalidInput(fields) => StartupError::Config(
            fields
                .fields()
                .iter()
                .map(|(field, messages)| format!("{field} {}", messages.join(", ")))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => other.into(),
    })?;
    let verb = if created { "created" } else { "updated" };
    println!("{verb} active ADMIN {} (id {})", user.email, user.id);
    Ok(())
}

fn prompt_password() -> Result<Secret, StartupError> {
    if !std::io::stdin().is_terminal() {
        return Err(StartupError::Config(
            "no password given: pass --password, set ROSTER_SUPERUSER_PASSWORD, or run in a terminal to be prompted".into(),
        ));
    }
    let _ = std::io::stderr().flush();
    let first = rpassword::prompt_password("Password: ")
        .map_err(|e| StartupError::Config(e.to_string()))?;
    let second = rpassword::prompt_password("Password (again): ")
        .map_err(|e| StartupError::Config(e.to_string()))?;
    if first != second {
        return Err(StartupError::Config("the passwords do not match".into()));
    }
    Ok(Secret::new(first))
}
