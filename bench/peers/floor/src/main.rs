//! The floor: the least a server that answers Roster's `me` has to do. One HTTP route, one
//! HS256 bearer-token check, one SQLite read by primary key, one JSON answer.
//!
//!     floor seed            # creates and fills $FLOOR_DB (default floor.db)
//!     floor token USER_ID   # prints an access token for that user id
//!     floor serve           # listens on $FLOOR_BIND (default 127.0.0.1:8090)
//!
//! The secret is $FLOOR_JWT_SECRET. `GET /token?user=N` also hands out a token.

use std::{str::FromStr, time::Duration};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sqlx::{
    Row, SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

const USERS: i64 = 10_000;
/// One hash for every account (logins are not benchmarked on the floor).
const PASSWORD_HASH: &str =
    "pbkdf2_sha256$1000000$benchsalt0123456$xRyPnL/1r1TO3tPd6CHGhMR6kYQTKjdxTq5K6d0Z+ss=";

#[derive(Clone)]
struct AppState {
    pool: SqlitePool,
    decoding: DecodingKey,
    validation: Validation,
    encoding: EncodingKey,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    iat: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Me {
    id: String,
    username: String,
    email: String,
    first_name: String,
    last_name: String,
}

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_owned())
}

fn secret() -> String {
    env_or("FLOOR_JWT_SECRET", "a benchmark secret that is long enough for HS256")
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn token_for(encoding: &EncodingKey, user: i64) -> String {
    let iat = now();
    let claims = Claims { sub: user.to_string(), iat, exp: iat + 3600 };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, encoding).unwrap()
}

async fn pool(create: bool) -> SqlitePool {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", env_or("FLOOR_DB", "floor.db")))
        .unwrap()
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5))
        .pragma("mmap_size", (64u64 << 20).to_string());
    SqlitePoolOptions::new()
        .max_connections(10)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .expect("cannot open the database")
}

async fn seed() {
    let pool = pool(true).await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("DROP TABLE IF EXISTS users").execute(&mut *tx).await.unwrap();
    sqlx::query(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, \
         email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, first_name TEXT NOT NULL, \
         last_name TEXT NOT NULL, is_admin INTEGER NOT NULL)",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    // Users 1..10000 keep their numbers as ids; the admin comes last.
    sqlx::query(
        "INSERT INTO users (id, username, email, password_hash, first_name, last_name, is_admin) \
         WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?2) \
         SELECT i, 'user' || i, 'user' || i || '@bench.local', ?1, 'Bench', 'User' || i, 0 FROM s",
    )
    .bind(PASSWORD_HASH)
    .bind(USERS)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO users (username, email, password_hash, first_name, last_name, is_admin) \
         VALUES ('admin', 'admin@bench.local', ?1, '', '', 1)",
    )
    .bind(PASSWORD_HASH)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    println!("seeded {count} users");
    pool.close().await;
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(serde_json::json!({"errors": [{"message": "not authenticated"}]})),
    )
        .into_response()
}

async fn graphql(State(state): State<AppState>, headers: HeaderMap, _body: Bytes) -> Response {
    let Some(token) = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return unauthorized();
    };
    let Ok(data) = jsonwebtoken::decode::<Claims>(token, &state.decoding, &state.validation) else {
        return unauthorized();
    };
    let Ok(id) = data.claims.sub.parse::<i64>() else {
        return unauthorized();
    };
    let row = sqlx::query("SELECT id, username, email, first_name, last_name FROM users WHERE id = ?")
        .bind(id)
        .fetch_optional(&state.pool)
        .await;
    match row {
        Ok(Some(row)) => {
            let me = Me {
                id: row.get::<i64, _>(0).to_string(),
                username: row.get(1),
                email: row.get(2),
                first_name: row.get(3),
                last_name: row.get(4),
            };
            Json(serde_json::json!({"data": {"me": me}})).into_response()
        }
        Ok(None) => unauthorized(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(serde_json::json!({"errors": [{"message": error.to_string()}]})),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    user: i64,
}

async fn token(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> String {
    token_for(&state.encoding, query.user)
}

async fn serve() {
    let secret = secret();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    let state = AppState {
        pool: pool(false).await,
        decoding: DecodingKey::from_secret(secret.as_bytes()),
        encoding: EncodingKey::from_secret(secret.as_bytes()),
        validation,
    };
    let app = Router::new()
        .route("/graphql", post(graphql))
        .route("/token", get(token))
        .route("/health", get(|| async { "ok" }))
        .with_state(state);
    let bind = env_or("FLOOR_BIND", "127.0.0.1:8090");
    let listener = tokio::net::TcpListener::bind(&bind).await.expect("cannot bind");
    eprintln!("floor listening on {bind}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        })
        .await
        .unwrap();
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("seed") => seed().await,
        Some("token") => {
            let user: i64 = args.get(2).and_then(|n| n.parse().ok()).expect("usage: floor token USER_ID");
            println!("{}", token_for(&EncodingKey::from_secret(secret().as_bytes()), user));
        }
        Some("serve") | None => serve().await,
        Some(other) => {
            eprintln!("unknown command {other}: use seed, token USER_ID or serve");
            std::process::exit(2);
        }
    }
}
