//! OpenID Connect (kinds OIDC and GOOGLE), by `openidconnect`: the authorization URL, and the
//! code redeemed for an ID token that is checked before anything in it is believed.
//!
//! The ID token's signature must verify with a key of the issuer's published set, under an
//! asymmetric algorithm the issuer lists: never `none`, never HMAC (whose key, the client
//! secret, Roster shares with the provider). `iss` must be the configured issuer, `aud` this
//! client (and nothing else), `exp` in the future, `nonce` this flow's. A key the cached set
//! lacks makes Roster fetch the set again, once, and try again.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError,
    TokenResponse,
};

use super::Asserted;
use super::ProviderCall;
use crate::db::entities::identity_providers::Kind;
use crate::error::{AppError, AppResult};

/// The algorithms an ID token may be signed with: asymmetric only.
const ASYMMETRIC: [CoreJwsSigningAlgorithm; 10] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EcdsaP521Sha512,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// Where to send the browser: the provider's authorization endpoint with this flow's state,
/// nonce and PKCE challenge.
pub async fn authorization_url(
    call: &ProviderCall<'_>,
    challenge: PkceCodeChallenge,
) -> AppResult<String> {
    let metadata = call.identity.discover(&call.issuer, false).await?;
    let client = configured_client(&metadata, call)?;
    let (state, nonce) = (call.state.to_owned(), call.nonce.to_owned());
    let scopes = call
        .scopes
        .iter()
        // `openid` is always asked for, by the client itself.
        .filter(|scope| scope.as_str() != "openid")
        .map(|scope| Scope::new(scope.clone()));
    let (url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            move || CsrfToken::new(state),
            move || Nonce::new(nonce),
        )
        .add_scopes(scopes)
        .set_pkce_challenge(challenge)
        .url();
    Ok(url.into())
}

/// Redeems `code` (with Roster's PKCE verifier and the client secret) and checks the ID token.
/// An error here is the provider's, and is logged, never shown.
pub async fn redeem(call: &ProviderCall<'_>, code: &str, verifier: String) -> AppResult<Asserted> {
    let metadata = call.identity.discover(&call.issuer, false).await?;
    let client = configured_client(&metadata, call)?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| AppError::internal(format!("the provider has no token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(call.identity.http())
        .await
        .map_err(|e| AppError::internal(format!("redeeming the provider's code failed: {e}")))?;
    let id_token = response
        .id_token()
        .ok_or_else(|| AppError::internal("the provider's token response has no ID token"))?;
    let nonce = Nonce::new(call.nonce.to_owned());
    let allowed = allowed_algorithms(&metadata);
    let verified = {
        let verifier = client.id_token_verifier().set_allowed_algs(allowed.clone());
        id_token.claims(&verifier, &nonce).cloned()
    };
    let claims = match verified {
        Ok(claims) => claims,
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) => {
            // A key rotated in since the set was cached: fetch it again, once.
            let metadata = call.identity.discover(&call.issuer, true).await?;
            let refreshed = configured_client(&metadata, call)?;
            let verifier = refreshed
                .id_token_verifier()
                .set_allowed_algs(allowed_algorithms(&metadata));
            id_token
                .claims(&verifier, &nonce)
                .cloned()
                .map_err(refused)?
        }
        Err(error) => return Err(refused(error)),
    };
    let hosted_domain = match call.kind {
        Kind::Google => hosted_domain(&id_token.to_string()),
        Kind::Oidc | Kind::Github => None,
    };
    Ok(Asserted {
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|email| email.as_str().to_lowercase()),
        email_verified: claims.email_verified().unwrap_or(false),
        hosted_domain,
    })
}

fn refused(error: ClaimsVerificationError) -> AppError {
    AppError::internal(format!("the provider's ID token was refused: {error}"))
}

type Configured = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    openidconnect::core::CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn configured_client(
    metadata: &CoreProviderMetadata,
    call: &ProviderCall<'_>,
) -> AppResult<Configured> {
    let redirect = RedirectUrl::new(call.callback.clone())
        .map_err(|e| AppError::internal(format!("the callback URL is invalid: {e}")))?;
    Ok(CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(call.client_id.clone()),
        call.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect))
}

/// The asymmetric algorithms among those the issuer lists for ID tokens.
fn allowed_algorithms(metadata: &CoreProviderMetadata) -> Vec<CoreJwsSigningAlgorithm> {
    metadata
        .id_token_signing_alg_values_supported()
        .iter()
        .filter(|alg| ASYMMETRIC.contains(alg))
        .cloned()
        .collect()
}

/// Google's `hd` claim, read from an ID token whose signature and claims were verified above:
/// the middle part of the JWT, base64url JSON.
fn hosted_domain(jwt: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims
        .get("hd")
        .and_then(|hd| hd.as_str())
        .map(str::to_lowercase)
}
