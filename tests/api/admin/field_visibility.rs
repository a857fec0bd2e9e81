//! What a refused field answers: admin-only fields are null beside the rest of their object,
//! a refused non-null field nulls its nearest nullable parent (or `data`), and everything
//! under a login payload is judged for who just logged in.

use serde_json::{Value, json};

use crate::support::admin::{Actor, Admin, BUILT_IN};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok};

/// The admin-only fields of a user the caller may see answer null plus FORBIDDEN, and the rest
/// of the user still answers.
async fn admin_only_fields_are_null_for_others(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let viewer = admin.user_holding("viewer@example.com", &BUILT_IN).await;
    let target = Actor::register(&app, "target@example.com").await;

    for (field, selection) in [
        ("deletedAt", "deletedAt"),
        ("directPermissions", "directPermissions { id }"),
    ] {
        let query = format!("query($id: ID!) {{ user(id: $id) {{ id email {selection} }} }}");
        // Another user's account, and its own.
        for user in [&target, &viewer] {
            let body = viewer.call(&query, json!({ "id": user.id() })).await;
            assert_code(&body, "FORBIDDEN");
            assert_eq!(body["errors"][0]["path"], json!(["user", field]), "{body}");
            assert_eq!(body["data"]["user"]["id"], user.id(), "{body}");
            assert!(body["data"]["user"]["email"].is_string(), "{body}");
            // Null, not left out: generated clients expect every key they selected.
            assert_eq!(
                body["data"]["user"].get(field),
                Some(&Value::Null),
                "{body}"
            );
        }
        // Selected alone, the field is still null inside an object that is there (async-graphql
        // would answer null for an object whose every field failed).
        let query = format!("query($id: ID!) {{ user(id: $id) {{ {selection} }} }}");
        let body = viewer.call(&query, json!({ "id": target.id() })).await;
        assert_eq!(body["data"], json!({ "user": { field: null } }), "{body}");
        let body = viewer
            .call(&format!("{{ me {{ {selection} }} }}"), json!({}))
            .await;
        assert_eq!(body["data"], json!({ "me": { field: null } }), "{body}");
        let body = viewer
            .call(
                &format!("{{ users(first: 3) {{ nodes {{ {selection} }} }} }}"),
                json!({}),
            )
            .await;
        let nodes = body["data"]["users"]["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), 3, "{body}");
        assert!(
            nodes.iter().all(|node| *node == json!({ field: null })),
            "{body}"
        );
        assert_eq!(body["errors"].as_array().unwrap().len(), 3, "{body}");

        // The null is in its place, in the order the document selects (as raw text: serde_json
        // here sorts keys).
        let query = format!("query($id: ID!) {{ user(id: $id) {{ id {selection} email }} }}");
        let text = app
            .post(
                json!({ "query": query, "variables": { "id": target.id() } }),
                Some(&viewer.tokens.access),
            )
            .await
            .text()
            .await
            .unwrap();
        let at = |key: &str| text.find(&format!("\"{key}\"")).expect(key);
        assert!(at("id") < at(field) && at(field) < at("email"), "{text}");
    }
}

/// A failed non-null field makes its nearest nullable parent null (or all of `data`), as the
/// GraphQL spec says, instead of leaving a key out.
async fn failed_non_null_fields_null_their_nearest_nullable_parent(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    // In a group that grants nothing: it may not list the group's members.
    let plain = admin.user_holding("plain@example.com", &[]).await;

    let body = plain
        .call(
            "{ me { id groups { name members { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
    assert_eq!(
        body["errors"][0]["path"],
        json!(["me", "groups", 0, "members"]),
        "{body}"
    );
    assert_eq!(body["data"], json!({ "me": null }), "{body}");

    // The same through an alias, a fragment and an inline fragment.
    let body = plain
        .call(
            "query { mine: me { ...F } } \
             fragment F on User { id groups { ... on Group { members { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
    assert_eq!(body["data"], json!({ "mine": null }), "{body}");

    // A non-null root field: `data` itself is null, whatever else succeeded.
    let body = plain
        .call("{ me { id } users { totalCount } }", json!({}))
        .await;
    assert_code(&body, "FORBIDDEN");
    assert_eq!(body["data"], Value::Null, "{body}");
    let body = app
        .gql("{ me { id } mySessions { id } }", json!({}), None)
        .await;
    assert_code(&body, "UNAUTHENTICATED");
    assert_eq!(body["data"], Value::Null, "{body}");

    // Allowed, the same query answers in full.
    let body = admin
        .call(
            "{ me { id groups { name members { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
}

/// The user in a login payload is judged for who just logged in, not for the (absent or stale)
/// token of the request: an ADMIN sees its admin-only fields, anyone else gets `FORBIDDEN`
/// on them, never `UNAUTHENTICATED` (which tells a client to log out).
async fn login_payloads_are_judged_for_the_new_session(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let plain = Actor::register(&app, "plain@example.com").await;
    let query = "mutation($input: LoginInput!) { first: login(input: $input) { accessToken \
         user { id deletedAt directPermissions { codename } groups { members { totalCount } } } } }";
    for token in [
        None,
        Some("not-a-token"),
        Some(plain.tokens.access.as_str()),
    ] {
        let body = app
            .gql(
                query,
                json!({ "input": { "login": "admin@example.com", "password": PASSWORD } }),
                token,
            )
            .await;
        assert_ok(&body);
        assert_eq!(body["data"]["first"]["user"]["id"], admin.id(), "{body}");
        assert!(
            body["data"]["first"]["user"]["directPermissions"].is_array(),
            "{body}"
        );

        let body = app
            .gql(
                query,
                json!({ "input": { "login": "plain@example.com", "password": PASSWORD } }),
                token,
            )
            .await;
        assert!(body["data"]["first"]["accessToken"].is_string(), "{body}");
        let errors = body["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 2, "{body}");
        for error in errors {
            assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{body}");
        }
    }
}

/// The new session's user is the judge all the way down: a holder of `users.view` logging in
/// without a token lists its group's members, whose admin-only fields answer `FORBIDDEN`,
/// never `UNAUTHENTICATED`.
async fn login_payloads_judge_nested_objects_for_the_new_session(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    admin
        .user_holding("viewer@example.com", &["users.view"])
        .await;
    let query = "mutation($input: LoginInput!) { login(input: $input) { accessToken \
         user { groups { members { nodes { email deletedAt } } } } } }";
    let input = json!({ "input": { "login": "viewer@example.com", "password": PASSWORD } });
    for token in [None, Some("not-a-token")] {
        let body = app.gql(query, input.clone(), token).await;
        assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
        let nodes = &body["data"]["login"]["user"]["groups"][0]["members"]["nodes"];
        assert_eq!(
            nodes,
            &json!([{ "email": "viewer@example.com", "deletedAt": null }]),
            "{body}"
        );
        let errors = body["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{body}");
        assert_eq!(errors[0]["extensions"]["code"], "FORBIDDEN", "{body}");
        assert_eq!(
            errors[0]["path"],
            json!([
                "login",
                "user",
                "groups",
                0,
                "members",
                "nodes",
                0,
                "deletedAt"
            ]),
            "{body}"
        );
    }
}

per_backend!(
    admin_only_fields_are_null_for_others,
    failed_non_null_fields_null_their_nearest_nullable_parent,
    login_payloads_are_judged_for_the_new_session,
    login_payloads_judge_nested_objects_for_the_new_session,
);
