//! Credentials stay with their owner: the takeover paths of an outside review (an email moved
//! by someone who may not, a stolen access token, a locked-out owner), each reproduced the way
//! a client would and now refused; a login refused only for a reason; a request that sees its
//! own changes; and the housekeeping that keeps old secrets from piling up.

mod housekeeping;
mod lockout;
mod own_changes;
mod takeover;

use crate::support::TestApp;
use crate::support::outbox::wait_settled;
use crate::support::smtp::MailServer;

/// The subjects of the mails `mail` received for `recipient`, once every queued mail went out.
async fn subjects_to(app: &TestApp, mail: &MailServer, recipient: &str) -> Vec<String> {
    wait_settled(app).await;
    mail.to(recipient).iter().map(|m| m.subject()).collect()
}
