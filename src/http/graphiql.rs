//! GraphiQL's page, served to browsers at `GET /graphql`, with the Content-Security-Policy
//! that allows exactly the scripts it runs.

use async_graphql::http::GraphiQLSource;
use axum::http::HeaderValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// GraphiQL's page, and a CSP that allows exactly its scripts: the files it loads, by full
/// URL, and its one inline block, by hash.
pub fn page() -> (String, HeaderValue) {
    let html = GraphiQLSource::build()
        .endpoint("/graphql")
        .title("Roster")
        .finish();
    let mut sources = String::new();
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<script") {
        let tag_end = rest[start..].find('>').map_or(rest.len(), |i| start + i);
        let tag = &rest[start..tag_end];
        let after = &rest[(tag_end + 1).min(rest.len())..];
        let Some(end) = after.find("</script>") else {
            break;
        };
        match tag
            .split_once("src=\"")
            .and_then(|(_, src)| src.split_once('"'))
        {
            Some((src, _)) => sources.push_str(&format!(" {src}")),
            None => {
                let digest = Sha256::digest(&after.as_bytes()[..end]);
                sources.push_str(&format!(" 'sha256-{}'", STANDARD.encode(digest)));
            }
        }
        rest = &after[end..];
    }
    let policy = format!(
        "default-src 'none'; script-src{sources}; \
         style-src https://unpkg.com 'unsafe-inline'; img-src 'self' data: https://graphql.org; \
         font-src https://unpkg.com data:; connect-src 'self'; worker-src 'self' blob:; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    let policy = HeaderValue::from_str(&policy).expect("BUG: the policy is ASCII");
    (html, policy)
}
