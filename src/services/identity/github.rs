//! GitHub (kind GITHUB): OAuth 2, by the `oauth2` crate, then the REST API for who signed in.
//! The subject is the numeric user id (a login can be renamed and reused); the email is the
//! primary address if GitHub says it is verified, else the first verified one, else none.
//! With `issuer` set to a base URL `B` (GitHub Enterprise Server), the endpoints are under
//! `B/login/oauth/` and the API under `B/api/v3`.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use serde::Deserialize;

use super::Asserted;
use super::ProviderCall;
use super::providers::GITHUB_BASE;
use crate::error::{AppError, AppResult};

/// Where to send the browser: GitHub's authorization page with this flow's state and PKCE
/// challenge.
pub fn authorization_url(
    call: &ProviderCall<'_>,
    challenge: PkceCodeChallenge,
) -> AppResult<String> {
    let client = client(call)?;
    let state = call.state.to_owned();
    let (url, _) = client
        .authorize_url(move || CsrfToken::new(state))
        .add_scopes(call.scopes.iter().map(|scope| Scope::new(scope.clone())))
        .set_pkce_challenge(challenge)
        .url();
    Ok(url.into())
}

/// Redeems `code` for an access token and reads `/user` and `/user/emails` with it.
pub async fn redeem(call: &ProviderCall<'_>, code: &str, verifier: String) -> AppResult<Asserted> {
    let client = client(call)?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(call.identity.http())
        .await
        .map_err(|e| AppError::internal(format!("redeeming GitHub's code failed: {e}")))?;
    let token = response.access_token().secret();
    let api = api_base(&call.issuer);
    let user: GithubUser = get(call, &format!("{api}/user"), token).await?;
    let emails: Vec<GithubEmail> = get(call, &format!("{api}/user/emails"), token).await?;
    let email = chosen_email(&emails);
    Ok(Asserted {
        subject: user.id.to_string(),
        email_verified: email.is_some(),
        email,
        hosted_domain: None,
    })
}

/// The primary address if verified, else the first verified one.
fn chosen_email(emails: &[GithubEmail]) -> Option<String> {
    emails
        .iter()
        .find(|email| email.primary && email.verified)
        .or_else(|| emails.iter().find(|email| email.verified))
        .map(|email| email.email.to_lowercase())
}

#[derive(Deserialize)]
struct GithubUser {
    id: u64,
}

#[derive(Deserialize)]
struct GithubEmail {
    email: String,
    #[serde(default)]
    primary: bool,
    #[serde(default)]
    verified: bool,
}

async fn get<T: serde::de::DeserializeOwned>(
    call: &ProviderCall<'_>,
    url: &str,
    token: &str,
) -> AppResult<T> {
    let response = call
        .identity
        .http()
        .get(url)
        .bearer_auth(token)
        .header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28")
        .send()
        .await
        .map_err(|e| AppError::internal(format!("calling GitHub's API failed: {e}")))?;
    if !response.status().is_success() {
        return Err(AppError::internal(format!(
            "GitHub's API answered {} at {url}",
            response.status()
        )));
    }
    response
        .json()
        .await
        .map_err(|e| AppError::internal(format!("GitHub's API answered unreadable JSON: {e}")))
}

/// `https://api.github.com` for github.com, `B/api/v3` for a GitHub Enterprise Server at `B`.
fn api_base(base: &str) -> String {
    if base == GITHUB_BASE {
        "https://api.github.com".to_owned()
    } else {
        format!("{base}/api/v3")
    }
}

type Configured = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn client(call: &ProviderCall<'_>) -> AppResult<Configured> {
    let invalid = |e: oauth2::url::ParseError| {
        AppError::internal(format!("a GitHub endpoint URL is invalid: {e}"))
    };
    let base = &call.issuer;
    let mut client = BasicClient::new(ClientId::new(call.client_id.clone()))
        .set_auth_uri(AuthUrl::new(format!("{base}/login/oauth/authorize")).map_err(invalid)?)
        .set_token_uri(TokenUrl::new(format!("{base}/login/oauth/access_token")).map_err(invalid)?)
        .set_redirect_uri(RedirectUrl::new(call.callback.clone()).map_err(invalid)?);
    if let Some(secret) = &call.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.clone()));
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(email: &str, primary: bool, verified: bool) -> GithubEmail {
        GithubEmail {
            email: email.to_owned(),
            primary,
            verified,
        }
    }

    #[test]
    fn the_primary_verified_address_wins_then_the_first_verified_one() {
        let emails = [
            email("a@example.com", false, true),
            email("Primary@Example.com", true, true),
        ];
        assert_eq!(
            chosen_email(&emails).as_deref(),
            Some("primary@example.com")
        );
        let emails = [
            email("primary@example.com", true, false),
            email("b@example.com", false, false),
            email("c@example.com", false, true),
        ];
        assert_eq!(chosen_email(&emails).as_deref(), Some("c@example.com"));
        let emails = [email("primary@example.com", true, false)];
        assert_eq!(chosen_email(&emails), None);
    }

    #[test]
    fn enterprise_servers_serve_the_api_under_api_v3() {
        assert_eq!(api_base("https://github.com"), "https://api.github.com");
        assert_eq!(
            api_base("https://ghe.example.com"),
            "https://ghe.example.com/api/v3"
        );
    }
}
