//! Signing in to an account with an authenticator app: `signIn` asks for the second factor and
//! gives no tokens, `login` refuses with the challenge, `verifySecondFactor` opens an `AAL2`
//! session; which codes are accepted (the previous, current and next step, each once), and that
//! of two concurrent uses of one code exactly one gets through.

use chrono::{DateTime, Utc};
use roster::db::entities::totp_factors;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::{assert_refused, challenge, claims, enrolled, settled_step, sign_in, verify_totp};
use crate::support::auth::{assert_me_is, me, session_rows};
use crate::support::documents::LOGIN;
use crate::support::{PASSWORD, TestApp, Tokens, assert_code, assert_ok, uuid};

per_backend!(
    sign_in_asks_for_the_second_factor_and_gives_no_tokens,
    the_previous_and_next_steps_are_accepted_and_farther_ones_not,
    a_used_code_is_refused_like_a_wrong_one,
    of_two_concurrent_uses_of_one_code_exactly_one_succeeds,
);

fn at(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

/// Asserts `body` opened an `AAL2` session proved by `methods`; returns its tokens.
#[track_caller]
fn assert_aal2(body: &Value, methods: Value) -> Tokens {
    assert_ok(body);
    let payload = &body["data"]["verifySecondFactor"];
    assert_eq!(payload["session"]["assuranceLevel"], "AAL2", "{body}");
    assert_eq!(
        payload["session"]["authenticationMethods"], methods,
        "{body}"
    );
    assert_eq!(payload["session"]["current"], true, "{body}");
    Tokens::from_payload(body, "verifySecondFactor")
}

async fn sign_in_asks_for_the_second_factor_and_gives_no_tokens(app: TestApp) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    let bob = app.register("bob@example.com").await;

    // Without a second factor: tokens, as `login` gives.
    let plain = sign_in(&app, "bob@example.com", PASSWORD).await;
    assert_ok(&plain);
    let result = &plain["data"]["signIn"];
    assert_eq!(result["__typename"], "AuthPayload", "{plain}");
    assert_eq!(result["user"]["id"], bob.user_id.as_str());
    assert_eq!(result["session"]["assuranceLevel"], "AAL1");
    assert_eq!(
        result["session"]["authenticationMethods"],
        json!(["PASSWORD"])
    );
    assert_me_is(
        &me(&app, result["accessToken"].as_str().unwrap()).await,
        &bob.user_id,
    );

    // With one: the second step, and no session yet.
    let sessions_before = session_rows(&app, ada.user_id()).await.len();
    let asked = sign_in(&app, "Ada@Example.com", PASSWORD).await;
    assert_ok(&asked);
    let result = &asked["data"]["signIn"];
    assert_eq!(result["__typename"], "SecondFactorRequired", "{asked}");
    assert!(result.get("accessToken").is_none(), "{asked}");
    let token = result["challengeToken"].as_str().unwrap();
    assert!(token.len() >= 20, "{asked}");
    assert_eq!(result["methods"], json!(["TOTP", "RECOVERY_CODE"]));
    let expires = at(&result["expiresAt"]) - Utc::now();
    assert!(
        expires > chrono::Duration::seconds(290) && expires <= chrono::Duration::seconds(300),
        "{expires}"
    );
    let text = asked.to_string();
    assert!(!text.contains("accessToken") && !text.contains("refreshToken"));
    assert_eq!(
        session_rows(&app, ada.user_id()).await.len(),
        sessions_before
    );

    // A wrong password is the one "invalid credentials", whatever the account holds.
    let wrong = sign_in(&app, "ada@example.com", "not the password at all").await;
    let by_login = app
        .try_login("ada@example.com", "not the password at all")
        .await;
    let nobody = sign_in(&app, "nobody@example.com", "not the password at all").await;
    assert_code(&wrong, "UNAUTHENTICATED");
    assert_eq!(
        wrong["errors"][0]["message"],
        by_login["errors"][0]["message"]
    );
    assert_eq!(
        wrong["errors"][0]["extensions"],
        by_login["errors"][0]["extensions"]
    );
    assert_eq!(wrong["errors"], nobody["errors"]);
    assert_eq!(wrong["data"], Value::Null, "{wrong}");

    // `login` gives an old client no tokens either: FORBIDDEN with the challenge.
    let input = json!({ "input": { "login": "ada@example.com", "password": PASSWORD } });
    let refused = app.gql(LOGIN, input, None).await;
    assert_refused(&refused, "FORBIDDEN", "SECOND_FACTOR_REQUIRED");
    assert_eq!(refused["data"], Value::Null, "{refused}");
    let extensions = &refused["errors"][0]["extensions"];
    assert_eq!(extensions["methods"], json!(["TOTP", "RECOVERY_CODE"]));
    let from_login = extensions["challengeToken"].as_str().unwrap();
    assert_ne!(from_login, token);
    assert!(!refused.to_string().contains("accessToken"));
    assert_eq!(
        session_rows(&app, ada.user_id()).await.len(),
        sessions_before
    );

    // Either challenge ends in an AAL2 session.
    let code = ada.device.next_code().await;
    let via_login = verify_totp(&app, from_login, &code).await;
    let opened = assert_aal2(&via_login, json!(["PASSWORD", "TOTP"]));
    assert_eq!(opened.user_id, ada.user_id());
    assert_me_is(&me(&app, &opened.access).await, ada.user_id());
    let claims = claims(&opened.access);
    assert_eq!(claims["aal"], "aal2", "{claims}");
    let amr = claims["amr"].as_array().unwrap();
    for name in ["pwd", "otp", "mfa"] {
        assert!(amr.contains(&json!(name)), "{claims}");
    }
    let code = ada.device.next_code().await;
    let via_sign_in = verify_totp(&app, token, &code).await;
    let second = assert_aal2(&via_sign_in, json!(["PASSWORD", "TOTP"]));
    assert_ne!(second.access, opened.access);
    assert_eq!(
        session_rows(&app, ada.user_id()).await.len(),
        sessions_before + 2
    );
}

/// Moves the steps the account's apps last accepted `steps` back, as if that use had been
/// `steps` × 30 s earlier: what waiting would do, without the wait.
async fn age_last_use(app: &TestApp, user_id: &str, steps: i64) {
    totp_factors::Entity::update_many()
        .col_expr(
            totp_factors::Column::LastUsedStep,
            Expr::col(totp_factors::Column::LastUsedStep).sub(steps),
        )
        .filter(totp_factors::Column::UserId.eq(uuid(user_id)))
        .exec(app.db())
        .await
        .unwrap();
}

async fn the_previous_and_next_steps_are_accepted_and_farther_ones_not(app: TestApp) {
    let ada = enrolled(&app, "ada@example.com").await;
    // The enrolment a minute ago: the previous step is unused again.
    age_last_use(&app, ada.user_id(), 2).await;
    let device = &ada.device;
    // Two steps away, either way (unless it happens to equal a nearer one: 1 in 10^6).
    for offset in [-2i64, 2] {
        let challenge_token = challenge(&app, &ada.email).await;
        let now = settled_step().await;
        let near: Vec<String> = (now - 1..=now + 1).map(|s| device.code_at(s)).collect();
        let code = device.code_at(now.checked_add_signed(offset).unwrap());
        if near.contains(&code) {
            continue;
        }
        let body = verify_totp(&app, &challenge_token, &code).await;
        assert_refused(&body, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
    }
    // The previous, the current, the next: each on a challenge of its own, oldest first (each
    // step computed when its code is sent, so a step ending between two leaves them in order).
    for offset in [-1i64, 0, 1] {
        let challenge_token = challenge(&app, &ada.email).await;
        let step = settled_step().await.checked_add_signed(offset).unwrap();
        let body = verify_totp(&app, &challenge_token, &device.code_at(step)).await;
        assert_aal2(&body, json!(["PASSWORD", "TOTP"]));
    }
    // Spaces, as an app groups the digits, are ignored.
    let bob = enrolled(&app, "bob@example.com").await;
    let code = bob.device.code_at(settled_step().await);
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let body = verify_totp(&app, &challenge(&app, &bob.email).await, &spaced).await;
    assert_aal2(&body, json!(["PASSWORD", "TOTP"]));
}

async fn a_used_code_is_refused_like_a_wrong_one(app: TestApp) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    let wrong = verify_totp(
        &app,
        &challenge(&app, &ada.email).await,
        &ada.device.wrong_code(),
    )
    .await;
    assert_refused(&wrong, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
    let error = |body: &Value| {
        assert!(body["errors"].is_array(), "refused, not {body}");
        let mut error = body["errors"][0].clone();
        error.as_object_mut().unwrap().remove("locations");
        error
    };

    // The code that confirmed the enrolment was used then.
    let challenge_token = challenge(&app, &ada.email).await;
    let replayed = verify_totp(&app, &challenge_token, &ada.confirming_code).await;
    assert_eq!(error(&replayed), error(&wrong), "{replayed}");
    assert_eq!(replayed["data"], Value::Null);
    // The same challenge takes the next code.
    let code = ada.device.next_code().await;
    assert_ok(&verify_totp(&app, &challenge_token, &code).await);
    // ... once.
    let again = verify_totp(&app, &challenge(&app, &ada.email).await, &code).await;
    assert_eq!(error(&again), error(&wrong), "{again}");
    // An older code than the last one accepted: refused too, though still within the window.
    let older = verify_totp(
        &app,
        &challenge(&app, &ada.email).await,
        &ada.confirming_code,
    )
    .await;
    assert_eq!(error(&older), error(&wrong), "{older}");
}

async fn of_two_concurrent_uses_of_one_code_exactly_one_succeeds(app: TestApp) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    for _ in 0..2 {
        let (first, second) = (
            challenge(&app, &ada.email).await,
            challenge(&app, &ada.email).await,
        );
        let before = session_rows(&app, ada.user_id()).await.len();
        let code = ada.device.next_code().await;
        let (one, other) = tokio::join!(
            verify_totp(&app, &first, &code),
            verify_totp(&app, &second, &code)
        );
        let passed: Vec<&Value> = [&one, &other]
            .into_iter()
            .filter(|body| body.get("errors").is_none())
            .collect();
        assert_eq!(passed.len(), 1, "{one}\n{other}");
        let refused = if one.get("errors").is_some() {
            &one
        } else {
            &other
        };
        assert_refused(refused, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
        assert_eq!(session_rows(&app, ada.user_id()).await.len(), before + 1);
    }
}
