//! The web console as the binary serves it: its page for every app path a browser opens, the
//! hashed assets with long caching, the CSP, `--console false`, and the server's own paths
//! keeping their meaning.

use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};

use crate::support::{Backend, TestApp};

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn open(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.address))
        .header(ACCEPT, BROWSER)
        .send()
        .await
        .unwrap()
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The `/assets/…` files a page loads.
fn assets_of(html: &str) -> Vec<String> {
    html.split(['"', '\''])
        .filter(|part| part.starts_with("/assets/"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_app_path_gets_the_console_page_under_its_policy() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let home = open(&app, "/").await;
    assert_eq!(home.status(), 200);
    assert!(header(&home, CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(header(&home, CACHE_CONTROL), "no-cache");
    assert_eq!(header(&home, reqwest::header::VARY), "Accept");
    let policy = header(&home, CONTENT_SECURITY_POLICY);
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let page = home.text().await.unwrap();
    assert!(page.contains(r#"<div id="root"></div>"#));
    assert!(!page.contains("<script>"), "no inline script");
    for path in [
        "/sign-in",
        "/admin/users/0190f0e4-0000-7000-8000-000000000000",
        "/reset-password?token=abc",
        "/verify-email?token=abc",
        "/no/such/page",
    ] {
        let response = open(&app, path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.text().await.unwrap(), page, "{path}");
    }
    // Not a page request: not the console.
    let api = app
        .client
        .get(format!("{}/no/such/page", app.address))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    let post = app
        .client
        .post(format!("{}/sign-in", app.address))
        .header(ACCEPT, BROWSER)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_assets_are_cached_for_a_year_and_missing_ones_are_404() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut assets = assets_of(&open(&app, "/").await.text().await.unwrap());
    assets.extend(assets_of(
        &open(&app, "/graphql").await.text().await.unwrap(),
    ));
    assert!(assets.iter().any(|a| a.ends_with(".js")), "{assets:?}");
    assert!(assets.iter().any(|a| a.ends_with(".css")), "{assets:?}");
    for asset in &assets {
        let response = open(&app, asset).await;
        assert_eq!(response.status(), 200, "{asset}");
        assert_eq!(
            header(&response, CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        let kind = header(&response, CONTENT_TYPE);
        let expected = if asset.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert_eq!(kind, expected, "{asset}");
        assert!(!response.bytes().await.unwrap().is_empty());
    }
    // A browser that accepts gzip gets the large files gzipped.
    let script = assets.iter().find(|a| a.ends_with(".js")).unwrap();
    let plain = open(&app, script).await.bytes().await.unwrap().len();
    // reqwest is built without decompression: the body arrives as the server sent it.
    let response = app
        .client
        .get(format!("{}{script}", app.address))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&response, reqwest::header::CONTENT_ENCODING), "gzip");
    let gzipped = response.bytes().await.unwrap().len();
    assert!(gzipped < plain / 2, "{gzipped} bytes gzipped of {plain}");
    let missing = open(&app, "/assets/console-00000000.js").await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_own_paths_keep_their_meaning() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let health = open(&app, "/health").await;
    assert_eq!(health.status(), 200);
    assert!(!header(&health, CONTENT_TYPE).starts_with("text/html"));
    let schema = open(&app, "/schema.graphql").await.text().await.unwrap();
    assert!(schema.contains("type Query"));
    // Metrics are the management listener's: here 404 even for a browser, not the console.
    assert_eq!(open(&app, "/metrics").await.status(), 404);
    let graphiql = open(&app, "/graphql").await.text().await.unwrap();
    assert!(graphiql.contains("GraphiQL"), "{graphiql}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_false_turns_the_console_off_and_keeps_graphiql() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.console = false).await;
    assert_eq!(open(&app, "/").await.status(), 404);
    assert_eq!(open(&app, "/sign-in").await.status(), 404);
    let graphiql = open(&app, "/graphql").await;
    assert_eq!(graphiql.status(), 200);
    let assets = assets_of(&graphiql.text().await.unwrap());
    assert_eq!(open(&app, &assets[0]).await.status(), 200);
}
