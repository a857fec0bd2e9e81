//! Identity providers as an ADMIN configures them. A client secret is sealed with the
//! encryption key, bound to its provider's row, and never returned; an update that leaves it
//! out keeps it. `signInProviders` lists the enabled ones for sign-in pages.

use std::net::IpAddr;

use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait,
};
use sea_orm::{QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::viewer::Viewer;
use crate::db::{self, entities::identity_providers, entities::identity_providers::Kind};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::audit::{self, Action, Event};
use crate::services::keys::encryption::EncryptionKeys;
use crate::services::rules::validation::{self, Lines};
use crate::state::AppState;

/// Google's issuer, unless a provider of kind GOOGLE names another.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";
/// GitHub's web host, unless a provider of kind GITHUB names a GitHub Enterprise Server.
pub const GITHUB_BASE: &str = "https://github.com";

const MAX_SLUG: usize = 40;
const MIN_SLUG: usize = 2;
const MAX_DISPLAY_NAME: usize = 100;
const MAX_CLIENT_ID: usize = 255;
const MAX_CLIENT_SECRET: usize = 1000;
const MAX_URL: usize = 2000;
const MAX_SCOPES: usize = 20;
const MAX_SCOPE: usize = 100;
const MAX_DOMAINS: usize = 50;

/// `IdentityProviderInput`, as services take it.
#[derive(Debug, Clone)]
pub struct ProviderInput {
    pub slug: String,
    pub display_name: String,
    pub kind: Kind,
    pub issuer: Option<String>,
    pub client_id: String,
    /// Write-only; `None` on an update keeps the stored one.
    pub client_secret: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub allowed_email_domains: Option<Vec<String>>,
    pub allow_sign_up: bool,
    pub auto_link_verified_email: bool,
    pub enabled: bool,
}

/// The scopes a kind asks for when none are configured.
pub fn default_scopes(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Oidc | Kind::Google => &["openid", "email", "profile"],
        Kind::Github => &["read:user", "user:email"],
    }
}

/// The issuer (OIDC, GOOGLE) or base URL (GITHUB) a provider is reached at.
pub fn issuer(provider: &identity_providers::Model) -> String {
    match (&provider.issuer, provider.kind) {
        (Some(issuer), _) => issuer.clone(),
        (None, Kind::Google) => GOOGLE_ISSUER.to_owned(),
        (None, Kind::Github) => GITHUB_BASE.to_owned(),
        // Refused at creation; kept total for rows written by hand.
        (None, Kind::Oidc) => String::new(),
    }
}

/// The configured scopes, one by one.
pub fn scopes(provider: &identity_providers::Model) -> Vec<String> {
    provider
        .scopes
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// The configured email domains (empty: any).
pub fn allowed_email_domains(provider: &identity_providers::Model) -> Vec<String> {
    provider
        .allowed_email_domains
        .split(',')
        .filter(|domain| !domain.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What the client secret is sealed for: this provider's row.
pub fn sealing_context(id: Uuid) -> String {
    format!("identity_providers.client_secret:{id}")
}

/// The provider's client secret, opened.
pub fn client_secret(
    keys: &EncryptionKeys,
    provider: &identity_providers::Model,
) -> AppResult<Option<String>> {
    provider
        .client_secret
        .as_deref()
        .map(|sealed| {
            let plain = keys.open(sealed, &sealing_context(provider.id))?;
            String::from_utf8(plain).map_err(|_| AppError::internal("a client secret is not text"))
        })
        .transpose()
}

/// Every provider, by slug (`identityProviders`).
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<identity_providers::Model>> {
    Ok(identity_providers::Entity::find()
        .order_by_asc(identity_providers::Column::Slug)
        .all(db)
        .await?)
}

/// The enabled providers, by display name (`signInProviders`).
pub async fn enabled(db: &impl ConnectionTrait) -> AppResult<Vec<identity_providers::Model>> {
    Ok(identity_providers::Entity::find()
        .filter(identity_providers::Column::Enabled.eq(true))
        .order_by_asc(identity_providers::Column::DisplayName)
        .order_by_asc(identity_providers::Column::Slug)
        .all(db)
        .await?)
}

/// The enabled provider with this slug.
pub async fn enabled_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> AppResult<Option<identity_providers::Model>> {
    Ok(identity_providers::Entity::find()
        .filter(identity_providers::Column::Slug.eq(slug))
        .filter(identity_providers::Column::Enabled.eq(true))
        .one(db)
        .await?)
}

/// `createIdentityProvider` (ADMIN).
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: ProviderInput,
) -> AppResult<identity_providers::Model> {
    viewer.require_admin("only an ADMIN can configure identity providers")?;
    let valid = validate(state, input)?;
    let now = db::now();
    let id = Uuid::new_v4();
    let client_secret = match &valid.client_secret {
        Some(secret) => Some(
            state
                .encryption
                .seal(secret.as_bytes(), &sealing_context(id))?,
        ),
        None => None,
    };
    let txn = db::begin_write(&state.db).await?;
    let model = identity_providers::ActiveModel {
        id: Set(id),
        slug: Set(valid.slug.clone()),
        display_name: Set(valid.display_name),
        kind: Set(valid.kind),
        issuer: Set(valid.issuer),
        client_id: Set(valid.client_id),
        client_secret: Set(client_secret),
        scopes: Set(valid.scopes),
        allowed_email_domains: Set(valid.allowed_email_domains),
        allow_sign_up: Set(valid.allow_sign_up),
        auto_link_verified_email: Set(valid.auto_link_verified_email),
        enabled: Set(valid.enabled),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let event = Event::new(Action::IdentityProviderCreated)
        .by(viewer)
        .details(described(&model));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(model)
}

/// `updateIdentityProvider` (ADMIN): every field as given, the client secret only when given.
/// The kind and issuer cannot change while identities are linked through the provider
/// (`CONFLICT` on `issuer`): a subject means a person only at the issuer that issued it.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    input: ProviderInput,
) -> AppResult<identity_providers::Model> {
    viewer.require_admin("only an ADMIN can configure identity providers")?;
    let valid = validate(state, input)?;
    let txn = db::begin_write(&state.db).await?;
    let current = identity_providers::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("no such identity provider"))?;
    let effective = |kind: Kind, configured: &Option<String>| {
        issuer(&identity_providers::Model {
            kind,
            issuer: configured.clone(),
            ..current.clone()
        })
    };
    let moved = current.kind != valid.kind
        || effective(current.kind, &current.issuer) != effective(valid.kind, &valid.issuer);
    if moved && super::links::any_through(&txn, id).await? {
        // The same subject at another issuer is another person: identities linked through
        // this provider would sign whoever holds it there in to their accounts.
        return Err(AppError::conflict(
            "issuer",
            "identities are linked through this provider: its kind and issuer stay as they are \
             (add another provider for the new issuer)",
        ));
    }
    let before = described(&current);
    let mut active: identity_providers::ActiveModel = current.into();
    active.slug = Set(valid.slug);
    active.display_name = Set(valid.display_name);
    active.kind = Set(valid.kind);
    active.issuer = Set(valid.issuer);
    active.client_id = Set(valid.client_id);
    if let Some(secret) = &valid.client_secret {
        active.client_secret = Set(Some(
            state
                .encryption
                .seal(secret.as_bytes(), &sealing_context(id))?,
        ));
    }
    active.scopes = Set(valid.scopes);
    active.allowed_email_domains = Set(valid.allowed_email_domains);
    active.allow_sign_up = Set(valid.allow_sign_up);
    active.auto_link_verified_email = Set(valid.auto_link_verified_email);
    active.enabled = Set(valid.enabled);
    active.updated_at = Set(db::now());
    let model = active.update(&txn).await?;
    let mut details = serde_json::json!({ "from": before, "to": described(&model) });
    if valid.client_secret.is_some() {
        details["clientSecretReplaced"] = serde_json::Value::Bool(true);
    }
    let event = Event::new(Action::IdentityProviderUpdated)
        .by(viewer)
        .details(details);
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(model)
}

/// `deleteIdentityProvider` (ADMIN): the provider, its pending sign-ins and the identities
/// linked through it (an unknown id: `NOT_FOUND`). Refused with `CONFLICT` `LAST_SIGN_IN_METHOD` while an account has no
/// other way in (disable the provider instead, or let those accounts set a password first).
pub async fn delete(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<bool> {
    viewer.require_admin("only an ADMIN can configure identity providers")?;
    let txn = db::begin_write(&state.db).await?;
    let provider = identity_providers::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("no such identity provider"))?;
    let stranded = super::links::accounts_only_reached_through(&txn, id).await?;
    if stranded > 0 {
        return Err(crate::services::account::ways_in::last_sign_in_method(
            &format!(
                "{stranded} account(s) sign in only through this provider: disable it instead, or \
             have them set a password or link another provider first"
            ),
        ));
    }
    identity_providers::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    let event = Event::new(Action::IdentityProviderDeleted)
        .by(viewer)
        .details(described(&provider));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(true)
}

/// What the audit log records of a provider: its settings, never its secret.
fn described(provider: &identity_providers::Model) -> serde_json::Value {
    serde_json::json!({
        "id": provider.id,
        "slug": provider.slug,
        "displayName": provider.display_name,
        "kind": provider.kind.to_value(),
        "issuer": provider.issuer,
        "clientId": provider.client_id,
        "scopes": scopes(provider),
        "allowedEmailDomains": allowed_email_domains(provider),
        "allowSignUp": provider.allow_sign_up,
        "autoLinkVerifiedEmail": provider.auto_link_verified_email,
        "enabled": provider.enabled,
    })
}

/// A checked input, in the shape the columns keep.
struct Valid {
    slug: String,
    display_name: String,
    kind: Kind,
    issuer: Option<String>,
    client_id: String,
    client_secret: Option<String>,
    scopes: String,
    allowed_email_domains: String,
    allow_sign_up: bool,
    auto_link_verified_email: bool,
    enabled: bool,
}

fn validate(state: &AppState, input: ProviderInput) -> AppResult<Valid> {
    let mut errors = FieldErrors::default();
    let slug = input.slug.trim().to_owned();
    let slug_chars = slug.chars().count();
    if !(MIN_SLUG..=MAX_SLUG).contains(&slug_chars)
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        errors.add(
            "slug",
            format!("must be {MIN_SLUG} to {MAX_SLUG} characters of a-z, 0-9 and -"),
        );
    }
    let display_name = input.display_name.trim().to_owned();
    if display_name.is_empty() {
        errors.add("displayName", "must not be empty");
    }
    validation::text(
        &mut errors,
        "displayName",
        &display_name,
        MAX_DISPLAY_NAME,
        Lines::Single,
    );
    let issuer = input
        .issuer
        .map(|issuer| issuer.trim().to_owned())
        .filter(|issuer| !issuer.is_empty());
    match &issuer {
        Some(issuer) => check_issuer(&mut errors, issuer, state.identity.allow_loopback_http),
        None if input.kind == Kind::Oidc => {
            errors.add("issuer", "is required for an OIDC provider")
        }
        None => {}
    }
    // A GitHub base URL is joined with paths: kept without a trailing slash. An OpenID Connect
    // issuer is compared exactly with what the provider says: kept as typed.
    let issuer = match input.kind {
        Kind::Github => issuer.map(|issuer| issuer.trim_end_matches('/').to_owned()),
        Kind::Oidc | Kind::Google => issuer,
    };
    let client_id = input.client_id.trim().to_owned();
    if client_id.is_empty() {
        errors.add("clientId", "must not be empty");
    }
    validation::text(
        &mut errors,
        "clientId",
        &client_id,
        MAX_CLIENT_ID,
        Lines::Single,
    );
    let client_secret = input.client_secret.filter(|secret| !secret.is_empty());
    if let Some(secret) = &client_secret {
        // Never echoed: the messages say what is wrong, not what was given.
        validation::text(
            &mut errors,
            "clientSecret",
            secret,
            MAX_CLIENT_SECRET,
            Lines::Single,
        );
    }
    let scopes = match input.scopes {
        Some(scopes) if !scopes.is_empty() => {
            if scopes.len() > MAX_SCOPES {
                errors.add("scopes", format!("at most {MAX_SCOPES} scopes"));
            }
            let bad = scopes.iter().any(|scope| {
                scope.is_empty()
                    || scope.chars().count() > MAX_SCOPE
                    || !scope
                        .chars()
                        .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
            });
            if bad {
                errors.add(
                    "scopes",
                    "each scope is 1 to 100 visible ASCII characters without spaces",
                );
            }
            scopes.join(" ")
        }
        _ => default_scopes(input.kind).join(" "),
    };
    let domains: Vec<String> = input
        .allowed_email_domains
        .unwrap_or_default()
        .into_iter()
        .map(|domain| domain.trim().trim_start_matches('@').to_lowercase())
        .collect();
    if domains.len() > MAX_DOMAINS {
        errors.add(
            "allowedEmailDomains",
            format!("at most {MAX_DOMAINS} domains"),
        );
    }
    let bad_domain = domains.iter().any(|domain| {
        domain.is_empty()
            || domain.len() > 253
            || !domain.contains('.')
            || !domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    });
    if bad_domain {
        errors.add(
            "allowedEmailDomains",
            "each entry is a domain name such as example.com",
        );
    }
    errors.into_result()?;
    Ok(Valid {
        slug,
        display_name,
        kind: input.kind,
        issuer,
        client_id,
        client_secret,
        scopes,
        allowed_email_domains: domains.join(","),
        allow_sign_up: input.allow_sign_up,
        auto_link_verified_email: input.auto_link_verified_email,
        enabled: input.enabled,
    })
}

/// An issuer is an `https://` URL without query or fragment; `http://` only to a loopback
/// address, and only outside production (a provider on this machine, in development).
fn check_issuer(errors: &mut FieldErrors, issuer: &str, allow_loopback_http: bool) {
    if issuer.chars().count() > MAX_URL {
        errors.add("issuer", format!("must be at most {MAX_URL} characters"));
        return;
    }
    let Ok(url) = url::Url::parse(issuer) else {
        errors.add("issuer", "must be an https:// URL");
        return;
    };
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        errors.add("issuer", "must have no query, fragment or user name");
        return;
    }
    match url.scheme() {
        "https" if url.host().is_some() => {}
        "http" if allow_loopback_http && is_loopback(&url) => {}
        "http" if is_loopback(&url) => errors.add(
            "issuer",
            "must be an https:// URL (http:// to this machine is for development only)",
        ),
        _ => errors.add(
            "issuer",
            "must be an https:// URL (http:// only to a loopback address, in development)",
        ),
    }
}

/// Whether Roster may call `url`: `https://`, or `http://` to a loopback address outside
/// production. For the endpoints a discovery document names as much as for the issuer.
pub fn is_callable(url: &url::Url, allow_loopback_http: bool) -> bool {
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => allow_loopback_http && is_loopback(url),
        _ => false,
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}
