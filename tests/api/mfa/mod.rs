//! Two-factor authentication over real HTTP (API.md, "Two-factor authentication and step-up"):
//! enrolling an authenticator app, signing in with it, the challenges of the second step,
//! recovery codes, step-up, `--require-mfa` and an ADMIN's reset, and that no flow opens a
//! session on a password (or a reset link) alone.
//!
//! The codes come from `support::totp`, written from RFC 6238 apart from the server's code: what
//! an authenticator app would show for the secret `startTotpEnrollment` returned.
//! `Authenticator` hands out codes the way a user would type them in turn, and keeps to the
//! rule that a factor accepts each 30-second step once and never one older than the last it
//! accepted.

mod admin_reset;
mod challenges;
mod enrolment;
mod recovery_codes;
mod require_mfa;
mod resets;
mod sign_in;
mod step_up;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use roster::db::entities::{recovery_codes as recovery_code_rows, totp_factors};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp, Tokens, assert_code, assert_ok, totp, uuid};

pub const SIGN_IN: &str = "mutation($input: LoginInput!) {
  signIn(input: $input) {
    __typename
    ... on AuthPayload {
      accessToken refreshToken user { id email }
      session { id assuranceLevel authenticationMethods authenticatedAt }
    }
    ... on SecondFactorRequired { challengeToken expiresAt methods }
  }
}";

pub const VERIFY: &str = "mutation($challenge: String!, $input: SecondFactorInput!) {
  verifySecondFactor(challengeToken: $challenge, input: $input) {
    accessToken refreshToken user { id email }
    session { id current assuranceLevel authenticationMethods authenticatedAt }
  }
}";

pub const START: &str =
    "mutation { startTotpEnrollment { enrollmentId secret otpauthUri expiresAt } }";

pub const CONFIRM: &str = "mutation($id: ID!, $code: String!, $label: String) {
  confirmTotpEnrollment(enrollmentId: $id, code: $code, label: $label) {
    factor { id label createdAt lastUsedAt }
    recoveryCodes
  }
}";

pub const REMOVE: &str = "mutation($id: ID!) { removeTotpFactor(id: $id) }";

pub const REGENERATE: &str = "mutation { regenerateRecoveryCodes { codes generatedAt } }";

pub const RESET_USER_MFA: &str =
    "mutation($id: ID!) { resetUserMfa(userId: $id) { id email mfaEnabled } }";

pub const REAUTHENTICATE: &str = "mutation($input: ReauthenticateInput!) {
  reauthenticate(input: $input) { id current assuranceLevel authenticationMethods authenticatedAt }
}";

/// What the viewer sees of its own second factors.
pub const MY_FACTORS: &str = "{ me { id mfaEnabled \
     totpFactors { id label createdAt lastUsedAt } recoveryCodesRemaining } }";

pub const MY_SESSIONS: &str =
    "{ mySessions { id current assuranceLevel authenticationMethods authenticatedAt } }";

/// Seconds since the epoch, by the test's own clock (the server's is the same machine's).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The current 30-second step, waiting first when the next step is less than 3 s away: a code
/// computed now is then checked by the server within the same step.
pub async fn settled_step() -> u64 {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let left = 30_000 - (millis % 30_000) as u64;
    if left < 3_000 {
        tokio::time::sleep(Duration::from_millis(left + 100)).await;
    }
    unix_now() / 30
}

/// RFC 4648 base32 (upper or lower case, no padding), as an authenticator app reads a secret
/// typed in by hand.
pub fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut held, mut bytes) = (0u32, 0u32, Vec::new());
    for c in text.bytes() {
        let value = ALPHABET
            .iter()
            .position(|a| *a == c.to_ascii_uppercase())
            .unwrap_or_else(|| panic!("{text:?} is not base32"));
        bits = (bits << 5) | value as u32;
        held += 5;
        if held >= 8 {
            held -= 8;
            bytes.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    bytes
}

/// An authenticator app holding one secret: the codes it shows, handed out in the order a user
/// would type them.
#[derive(Clone)]
pub struct Authenticator {
    pub secret: Vec<u8>,
    /// The last step whose code was handed out (and so, the test assumes, used).
    last_step: Option<u64>,
}

impl Authenticator {
    /// The app after the secret `base32` was typed into it.
    pub fn new(base32: &str) -> Self {
        Self {
            secret: base32_decode(base32),
            last_step: None,
        }
    }

    /// The code of 30-second step `step`.
    pub fn code_at(&self, step: u64) -> String {
        totp::code(&self.secret, step * 30)
    }

    /// The code of the earliest step the server can still accept of this app: the previous
    /// step, or the one after the last code handed out. Marks it handed out.
    pub async fn next_code(&mut self) -> String {
        let current = settled_step().await;
        let step = self
            .last_step
            .map_or(current - 1, |last| (last + 1).max(current - 1));
        assert!(
            step <= current + 1,
            "BUG in the test: more than three codes of one app within one step"
        );
        self.last_step = Some(step);
        self.code_at(step)
    }

    /// Six digits that are no code of this app anywhere near now.
    pub fn wrong_code(&self) -> String {
        let current = unix_now() / 30;
        let near: Vec<String> = (current - 3..=current + 3)
            .map(|s| self.code_at(s))
            .collect();
        (1000..)
            .map(|far| self.code_at(current + far))
            .find(|code| !near.contains(code))
            .unwrap()
    }
}

/// An account with one authenticator app, as enrolment left it.
pub struct Enrolled {
    pub email: String,
    /// The session that enrolled (now `AAL2`).
    pub tokens: Tokens,
    pub device: Authenticator,
    /// The secret as `startTotpEnrollment` showed it.
    pub secret: String,
    pub factor_id: String,
    pub recovery_codes: Vec<String>,
    /// The code that confirmed the enrolment.
    pub confirming_code: String,
}

impl Enrolled {
    pub fn user_id(&self) -> &str {
        &self.tokens.user_id
    }
}

/// Registers `email` (password `PASSWORD`) and enrols an authenticator app in that session.
pub async fn enrolled(app: &TestApp, email: &str) -> Enrolled {
    let tokens = app.register(email).await;
    enrol(app, email, tokens).await
}

/// Enrols the first authenticator app of the account of `tokens`, in that session, after
/// confirming its password there (`reauthenticate`), as a client asked for it would.
pub async fn enrol(app: &TestApp, email: &str, tokens: Tokens) -> Enrolled {
    let proof = reauthenticate(app, &tokens.access, json!({ "password": PASSWORD })).await;
    assert_ok(&proof);
    let (enrollment_id, secret, mut device) = start(app, &tokens.access).await;
    let code = device.next_code().await;
    let body = confirm(app, &tokens.access, &enrollment_id, &code, None).await;
    assert_ok(&body);
    let result = &body["data"]["confirmTotpEnrollment"];
    let recovery_codes = result["recoveryCodes"]
        .as_array()
        .unwrap_or_else(|| panic!("the first factor brings recovery codes: {body}"))
        .iter()
        .map(|code| code.as_str().unwrap().to_owned())
        .collect();
    Enrolled {
        email: email.to_owned(),
        tokens,
        device,
        secret,
        factor_id: result["factor"]["id"].as_str().unwrap().to_owned(),
        recovery_codes,
        confirming_code: code,
    }
}

/// Starts an enrolment: its id, its secret and an app holding it.
pub async fn start(app: &TestApp, token: &str) -> (String, String, Authenticator) {
    let body = app.gql(START, json!({}), Some(token)).await;
    assert_ok(&body);
    let started = &body["data"]["startTotpEnrollment"];
    let secret = started["secret"].as_str().unwrap().to_owned();
    let id = started["enrollmentId"].as_str().unwrap().to_owned();
    let device = Authenticator::new(&secret);
    (id, secret, device)
}

pub async fn confirm(
    app: &TestApp,
    token: &str,
    enrollment_id: &str,
    code: &str,
    label: Option<&str>,
) -> Value {
    let variables = json!({ "id": enrollment_id, "code": code, "label": label });
    app.gql(CONFIRM, variables, Some(token)).await
}

pub async fn sign_in(app: &TestApp, login: &str, password: &str) -> Value {
    let input = json!({ "input": { "login": login, "password": password } });
    app.gql(SIGN_IN, input, None).await
}

/// Signs `email` in with `PASSWORD`; asserts the second factor is asked for and returns the
/// challenge token.
pub async fn challenge(app: &TestApp, email: &str) -> String {
    let body = sign_in(app, email, PASSWORD).await;
    assert_ok(&body);
    let result = &body["data"]["signIn"];
    assert_eq!(result["__typename"], "SecondFactorRequired", "{body}");
    result["challengeToken"].as_str().unwrap().to_owned()
}

pub async fn verify(app: &TestApp, challenge: &str, input: Value) -> Value {
    let variables = json!({ "challenge": challenge, "input": input });
    app.gql(VERIFY, variables, None).await
}

pub async fn verify_totp(app: &TestApp, challenge: &str, code: &str) -> Value {
    verify(app, challenge, json!({ "totpCode": code })).await
}

/// Signs the account in with its password and its app's next code: a new `AAL2` session.
pub async fn sign_in_with_totp(app: &TestApp, account: &mut Enrolled) -> Tokens {
    let challenge = challenge(app, &account.email).await;
    let code = account.device.next_code().await;
    let body = verify_totp(app, &challenge, &code).await;
    assert_ok(&body);
    Tokens::from_payload(&body, "verifySecondFactor")
}

pub async fn reauthenticate(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(REAUTHENTICATE, json!({ "input": input }), Some(token))
        .await
}

/// `me` with its second factors, asserting it answered.
pub async fn my_factors(app: &TestApp, token: &str) -> Value {
    let body = app.gql(MY_FACTORS, json!({}), Some(token)).await;
    assert_ok(&body);
    body["data"]["me"].clone()
}

/// The session `token` belongs to, as `mySessions` shows it.
pub async fn current_session(app: &TestApp, token: &str) -> Value {
    let body = app.gql(MY_SESSIONS, json!({}), Some(token)).await;
    assert_ok(&body);
    let sessions = body["data"]["mySessions"].as_array().unwrap();
    let current: Vec<&Value> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "{body}");
    current[0].clone()
}

/// `extensions.reason` of the first error.
pub fn reason(body: &Value) -> &Value {
    &body["errors"][0]["extensions"]["reason"]
}

/// Asserts the first error's code and reason.
#[track_caller]
pub fn assert_refused(body: &Value, code: &str, expected_reason: &str) {
    assert_code(body, code);
    assert_eq!(reason(body), expected_reason, "{body}");
}

/// The claims of an access token.
pub fn claims(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

pub async fn factor_rows(app: &TestApp, user_id: &str) -> Vec<totp_factors::Model> {
    totp_factors::Entity::find()
        .filter(totp_factors::Column::UserId.eq(uuid(user_id)))
        .all(app.db())
        .await
        .unwrap()
}

pub async fn recovery_code_rows_of(app: &TestApp, user_id: &str) -> Vec<recovery_code_rows::Model> {
    recovery_code_rows::Entity::find()
        .filter(recovery_code_rows::Column::UserId.eq(uuid(user_id)))
        .all(app.db())
        .await
        .unwrap()
}
