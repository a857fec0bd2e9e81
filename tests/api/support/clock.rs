//! Time passing without waiting: the server reads the times that decide a wait from its
//! database, so a test moves those times back instead of sleeping through the wait.

use chrono::Duration;
use roster::db::entities::{
    login_address_failures, login_failures, login_known_addresses, rotated_refresh_tokens,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::TestApp;

/// Dates every refresh token rotation `ago` before now, as time passing would: past the 10 s
/// grace in which a rotated token answers `CONFLICT` instead of counting as reuse, or past
/// the lifetime for which rotations are remembered.
pub async fn age_refresh_rotations(app: &TestApp, ago: Duration) {
    rotated_refresh_tokens::Entity::update_many()
        .col_expr(
            rotated_refresh_tokens::Column::RotatedAt,
            Expr::value(roster::db::now() - ago),
        )
        .exec(app.db())
        .await
        .unwrap();
}

/// Lets `elapsed` pass for the login throttle: every time its rows hold (failures, runs of
/// failures and their waits, known addresses) moves that much into the past, as if the test
/// had slept.
pub async fn pass_for_login_throttle(app: &TestApp, elapsed: Duration) {
    let db = app.db();
    for run in login_address_failures::Entity::find()
        .all(db)
        .await
        .unwrap()
    {
        login_address_failures::Entity::update_many()
            .col_expr(
                login_address_failures::Column::BlockedUntil,
                Expr::value(run.blocked_until.map(|until| until - elapsed)),
            )
            .col_expr(
                login_address_failures::Column::UpdatedAt,
                Expr::value(run.updated_at - elapsed),
            )
            .filter(login_address_failures::Column::AccountKey.eq(&run.account_key))
            .filter(login_address_failures::Column::AddressKey.eq(&run.address_key))
            .exec(db)
            .await
            .unwrap();
    }
    for failure in login_failures::Entity::find().all(db).await.unwrap() {
        login_failures::Entity::update_many()
            .col_expr(
                login_failures::Column::FailedAt,
                Expr::value(failure.failed_at - elapsed),
            )
            .filter(login_failures::Column::Id.eq(failure.id))
            .exec(db)
            .await
            .unwrap();
    }
    for known in login_known_addresses::Entity::find().all(db).await.unwrap() {
        login_known_addresses::Entity::update_many()
            .col_expr(
                login_known_addresses::Column::LastSuccessAt,
                Expr::value(known.last_success_at - elapsed),
            )
            .filter(login_known_addresses::Column::UserId.eq(known.user_id))
            .filter(login_known_addresses::Column::AddressKey.eq(&known.address_key))
            .exec(db)
            .await
            .unwrap();
    }
}
