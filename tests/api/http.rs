//! GraphQL over HTTP: GET queries, malformed requests, the response media type, GraphiQL,
//! error messages without internals, and variable defaults (API.md's conventions).

use serde_json::{Value, json};

use crate::support::auth::{
    assert_me_is, assert_no_internals, gql_with_headers, me, refresh, register_with, user_count,
};
use crate::support::documents::{LOGIN, ME, REGISTER, REVOKE_SESSION, UPDATE_PROFILE, USER};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, error_code};

/// Every error message of a body, joined.
fn messages(body: &Value) -> String {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .unwrap_or_default()
}

/// urql's GET queries, with and without variables; a mutation over GET is 405 and not run.
async fn get_requests_run_queries_only(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let url = format!("{}/graphql", app.address);

    let response = app
        .client
        .get(reqwest::Url::parse_with_params(&url, &[("query", "{me{id}}")]).unwrap())
        .bearer_auth(&tokens.access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_me_is(&body, &tokens.user_id);

    let variables = json!({ "id": tokens.user_id }).to_string();
    let response = app
        .client
        .get(
            reqwest::Url::parse_with_params(
                &url,
                &[("query", USER), ("variables", variables.as_str())],
            )
            .unwrap(),
        )
        .bearer_auth(&tokens.access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_ok(&body);
    assert_eq!(body["data"]["user"]["id"], tokens.user_id.as_str());

    // Anonymous GET: me is null.
    let response = app
        .client
        .get(reqwest::Url::parse_with_params(&url, &[("query", "{me{id}}")]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "data": { "me": null } })
    );

    for mutation in [
        "mutation { logout(allSessions: true) }",
        "mutation Out { logout(allSessions: true) }",
        "query Me { me { id } } mutation Out { logout(allSessions: true) }",
    ] {
        let mut params = vec![("query", mutation)];
        if mutation.starts_with("query") {
            params.push(("operationName", "Out"));
        }
        let response = app
            .client
            .get(reqwest::Url::parse_with_params(&url, &params).unwrap())
            .bearer_auth(&tokens.access)
            .send()
            .await
            .unwrap();
        assert_request_error(response, 405).await;
    }
    // Not run: the session is still live.
    assert_me_is(&me(&app, &tokens.access).await, &tokens.user_id);

    // A document with a mutation in it may still run its query over GET.
    let params = [
        (
            "query",
            "query Me { me { id } } mutation Out { logout(allSessions: true) }",
        ),
        ("operationName", "Me"),
    ];
    let response = app
        .client
        .get(reqwest::Url::parse_with_params(&url, &params).unwrap())
        .bearer_auth(&tokens.access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_me_is(&response.json().await.unwrap(), &tokens.user_id);

    // Variables that are not JSON: 400, said in JSON like every other error.
    let params = [("query", USER), ("variables", "not json")];
    let response = app
        .client
        .get(reqwest::Url::parse_with_params(&url, &params).unwrap())
        .send()
        .await
        .unwrap();
    assert_request_error(response, 400).await;
}

/// A request refused before any GraphQL ran: the status, and a JSON body with a code and a
/// message that is not a debug dump.
async fn assert_request_error(response: reqwest::Response, status: u16) {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("a JSON body");
    assert_code(&body, "BAD_USER_INPUT");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty() && !message.contains("Error("), "{body}");
}

/// Bodies that are not GraphQL requests are 400; broken queries and variables are 200 with
/// errors; none of it is a 500.
async fn malformed_requests_are_client_errors(app: TestApp) {
    let url = format!("{}/graphql", app.address);
    for raw in ["{not json", "", "[1, 2", "\"just a string\""] {
        let response = app
            .client
            .post(&url)
            .header("Content-Type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_request_error(response, 400).await;
    }
    for body in [
        json!({ "foo": 1 }),
        json!({ "query": 123 }),
        json!({ "query": "{me{id}}", "variables": "x" }),
    ] {
        assert_request_error(app.post(body, None).await, 400).await;
    }

    let well_formed_but_wrong = [
        (REGISTER, json!({ "input": 5 })),
        (REGISTER, json!({ "input": { "email": "ada@example.com" } })),
        (REGISTER, json!({})),
        (LOGIN, json!({ "input": { "login": 5, "password": true } })),
        ("{ me { id nonexistentField } }", json!({})),
        ("{ me { id ", json!({})),
        ("mutation { register { accessToken } }", json!({})),
        (USER, json!({ "id": { "nested": [1] } })),
    ];
    for (query, variables) in well_formed_but_wrong {
        let response = app
            .post(json!({ "query": query, "variables": variables }), None)
            .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{query} {variables}: {body}");
        assert!(!messages(&body).is_empty(), "{query} {variables}: {body}");
        assert!(
            body["data"].is_null() || body["data"]["register"].is_null(),
            "{body}"
        );
        assert_no_internals(&body);
    }
    assert_eq!(user_count(&app).await, 0);
}

/// The response's media type follows `Accept`: GraphQL's own JSON type when asked for, plain
/// JSON otherwise (older Apollo and urql versions, curl, most tools).
async fn responses_follow_the_accept_header(app: TestApp) {
    let url = format!("{}/graphql", app.address);
    for (accept, expected) in [
        (None, "application/json"),
        (Some("application/json"), "application/json"),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            "application/graphql-response+json",
        ),
    ] {
        let mut request = app
            .client
            .post(&url)
            .json(&json!({ "query": "{ me { id } }" }));
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with(expected),
            "{accept:?}: {content_type}"
        );
        let vary: Vec<_> = response.headers().get_all("vary").iter().collect();
        assert!(
            vary.iter().any(|v| v.to_str().unwrap().contains("accept")),
            "{vary:?}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({ "data": { "me": null } }));
    }
}

/// A browser's GET without a query gets GraphiQL.
async fn browsers_get_graphiql(app: TestApp) {
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .header(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.text().await.unwrap();
    assert!(html.to_lowercase().contains("graphiql"));

    // Not a browser and no query: a client error, not a 500.
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
}

/// Error messages a client sees never show SQL, driver or panic details.
async fn errors_never_leak_internals(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let bodies = vec![
        register_with(
            &app,
            json!({ "email": "ADA@example.com", "password": PASSWORD }),
        )
        .await,
        app.try_login("ada@example.com", "x").await,
        refresh(&app, "garbage").await,
        refresh(&app, &"A".repeat(64)).await,
        app.gql(
            REVOKE_SESSION,
            json!({ "id": "'; DROP TABLE users; --" }),
            Some(&tokens.access),
        )
        .await,
        app.gql(USER, json!({ "id": "x".repeat(300) }), Some(&tokens.access))
            .await,
        app.gql(
            UPDATE_PROFILE,
            json!({ "input": { "lastName": "a\u{0}b" } }),
            Some(&tokens.access),
        )
        .await,
        gql_with_headers(
            &app,
            ME,
            json!({}),
            &[("Authorization", "Bearer ' OR 1=1 --")],
        )
        .await,
        app.gql(REGISTER, json!({ "input": 5 }), None).await,
    ];
    for body in &bodies {
        assert!(body["errors"].is_array(), "{body}");
        assert!(
            error_code(body).is_some() || body["data"].is_null(),
            "{body}"
        );
        assert_no_internals(body);
    }
    assert_eq!(user_count(&app).await, 1);
}

/// A client that declares `$all: Boolean` and leaves it out gets the argument's default
/// (async-graphql passes an omitted nullable variable as null).
async fn omitted_optional_variables_mean_the_default(app: TestApp) {
    let first = app.register("ada@example.com").await;
    let second = app.login("ada@example.com", PASSWORD).await;
    let body = app
        .gql(
            "mutation($all: Boolean) { logout(allSessions: $all) }",
            json!({}),
            Some(&first.access),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["logout"], json!(true));
    // The default is false: only the bearer's session ended.
    let me = app.gql(ME, json!({}), Some(&second.access)).await;
    assert_eq!(me["data"]["me"]["email"], json!("ada@example.com"), "{me}");
    let me = app.gql(ME, json!({}), Some(&first.access)).await;
    assert_code(&me, "UNAUTHENTICATED");
}

/// A GET whose `query` is empty is not a GraphQL request.
async fn an_empty_get_query_is_a_bad_request(app: TestApp) {
    let response = app
        .client
        .get(format!("{}/graphql?query=", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

per_backend!(
    omitted_optional_variables_mean_the_default,
    an_empty_get_query_is_a_bad_request,
    get_requests_run_queries_only,
    malformed_requests_are_client_errors,
    responses_follow_the_accept_header,
    browsers_get_graphiql,
    errors_never_leak_internals,
);
