//! Second factors the viewer manages (TOTP enrolment and removal, recovery codes) and an
//! ADMIN's reset of another account's. The sign-in side (`signIn`, `verifySecondFactor`) and
//! `reauthenticate` live with the rest of the account's mutations.

use async_graphql::{Context, ID, Object, Result};

use crate::graphql::context::ContextExt;
use crate::graphql::guards::{Admin, Authenticated};
use crate::graphql::types::{RecoveryCodes, TotpEnrollment, TotpEnrollmentResult, User};
use crate::services::mfa::{factors, management};
use crate::services::rules::validation;

#[derive(Default)]
pub struct MfaMutation;

#[Object]
impl MfaMutation {
    /// A new TOTP secret to add to an authenticator app, valid 10 minutes; confirm it with
    /// `confirmTotpEnrollment`. Needs a sign-in or `reauthenticate` within
    /// `--reauthentication-window` (else `FORBIDDEN`, reason `REAUTHENTICATION_REQUIRED`).
    #[graphql(guard = "Authenticated")]
    async fn start_totp_enrollment(&self, ctx: &Context<'_>) -> Result<TotpEnrollment> {
        let viewer = ctx.viewer().await?;
        let enrollment = factors::start_enrollment(ctx.state(), &viewer).await?;
        Ok(TotpEnrollment {
            enrollment_id: ID(enrollment.id.to_string()),
            secret: enrollment.secret.base32(),
            otpauth_uri: enrollment.otpauth_uri,
            expires_at: enrollment.expires_at,
        })
    }

    /// Turns an enrolment into a factor with the app's current code. A code that is not 6
    /// digits or is wrong: `BAD_USER_INPUT` on `code`; an unknown or expired enrolment: on
    /// `enrollmentId`; a sixth factor: `CONFLICT`, reason `LIMIT_REACHED`. The account's first
    /// second factor ends every other session, makes this one `AAL2` and returns 10 recovery
    /// codes.
    #[graphql(guard = "Authenticated")]
    async fn confirm_totp_enrollment(
        &self,
        ctx: &Context<'_>,
        enrollment_id: ID,
        code: String,
        #[graphql(desc = "1 to 100 characters; \"Authenticator\" when omitted")] label: Option<
            String,
        >,
    ) -> Result<TotpEnrollmentResult> {
        let viewer = ctx.viewer().await?;
        let confirmed = factors::confirm_enrollment(
            ctx.state(),
            &viewer,
            &enrollment_id,
            &code,
            label.as_deref(),
        )
        .await?;
        Ok(TotpEnrollmentResult {
            factor: confirmed.factor.into(),
            recovery_codes: confirmed.recovery_codes,
        })
    }

    /// Removes one of the viewer's authenticator apps (after a recent reauthentication). The
    /// last second factor takes the recovery codes with it; for an account `--require-mfa`
    /// covers it is refused with `FORBIDDEN`, reason `MFA_ENROLLMENT_REQUIRED`.
    #[graphql(guard = "Authenticated")]
    async fn remove_totp_factor(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        factors::remove(ctx.state(), &viewer, &id).await?;
        Ok(true)
    }

    /// 10 new recovery codes (after a recent reauthentication); the previous ones stop working.
    #[graphql(guard = "Authenticated")]
    async fn regenerate_recovery_codes(&self, ctx: &Context<'_>) -> Result<RecoveryCodes> {
        let viewer = ctx.viewer().await?;
        let (codes, generated_at) =
            management::regenerate_recovery_codes(ctx.state(), &viewer).await?;
        Ok(RecoveryCodes {
            codes,
            generated_at,
        })
    }

    /// Removes another account's authenticator apps and recovery codes, ends its sessions and
    /// mails its owner. ADMIN only; never on oneself (`FORBIDDEN`).
    #[graphql(guard = "Admin")]
    async fn reset_user_mfa(&self, ctx: &Context<'_>, user_id: ID) -> Result<User> {
        let viewer = ctx.viewer().await?;
        let id = validation::id("userId", &user_id)?;
        Ok(User::from(
            management::reset_user_mfa(ctx.state(), &viewer, id).await?,
        ))
    }
}
