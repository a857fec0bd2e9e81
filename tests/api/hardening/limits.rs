//! Errors of the request itself and the cost limits: a document that does not parse is
//! `GRAPHQL_PARSE_FAILED`, one that does not validate or is over a limit
//! `GRAPHQL_VALIDATION_FAILED`, with no `data` and nothing executed.

use serde_json::{Value, json};

use crate::support::auth::user_count;
use crate::support::documents::REGISTER;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok};

/// POSTs `query` and returns the status and body.
async fn send(app: &TestApp, query: &str, token: Option<&str>) -> (u16, Value) {
    let response = app.post(json!({ "query": query }), token).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

#[track_caller]
fn assert_refused_before_execution(body: &Value, code: &str, words: &str) {
    assert_code(body, code);
    assert!(body.get("data").is_none(), "no `data` at all: {body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(words), "expected {words:?} in {body}");
}

/// `alias: field` `n` times.
fn aliased(n: usize, field: &str) -> String {
    (0..n).map(|i| format!("a{i}: {field} ")).collect()
}

const BENCHMARK: &str = "{ users(first: 100) { nodes { groups { permissions { codename } } \
     permissions { codename } } } }";
const EXPLOSION: &str = "{ groups(first: 100) { nodes { members(first: 100) { nodes { groups { \
     members(first: 100) { nodes { id } } } } } } } }";

async fn parse_and_validation_failures_carry_apollo_codes(app: TestApp) {
    let (status, body) = send(&app, "{ me { id ", None).await;
    assert_eq!(status, 200);
    assert_code(&body, "GRAPHQL_PARSE_FAILED");
    assert!(body.get("data").is_none(), "{body}");

    for (query, variables) in [
        ("{ me { nope } }", json!({})),
        ("{ users(first: \"ten\") { totalCount } }", json!({})),
        ("query { users(first: $n) { totalCount } }", json!({})),
        (
            "query($n: Int!) { users(first: $n) { totalCount } }",
            json!({}),
        ),
        (
            "query($n: Int) { users(first: $n) { totalCount } }",
            json!({ "n": "ten" }),
        ),
    ] {
        let body: Value = app
            .post(json!({ "query": query, "variables": variables }), None)
            .await
            .json()
            .await
            .unwrap();
        assert_code(&body, "GRAPHQL_VALIDATION_FAILED");
        assert!(body.get("data").is_none(), "{query}: {body}");
    }

    // Which operation to run, when it cannot be told, is a validation failure too.
    let two = "query A { me { id } } query B { me { email } }";
    let (_, body) = send(&app, two, None).await;
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "operationName");
    let body: Value = app
        .post(json!({ "query": two, "operationName": "C" }), None)
        .await
        .json()
        .await
        .unwrap();
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "\"C\"");
    for query in ["{ me { id } }", "mutation { logout }"] {
        let body: Value = app
            .post(json!({ "query": query, "operationName": "Named" }), None)
            .await
            .json()
            .await
            .unwrap();
        assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "\"Named\"");
        let body: Value = app
            .post(json!({ "query": query, "operationName": "" }), None)
            .await
            .json()
            .await
            .unwrap();
        // An empty name means the only operation: it runs (`logout` then wants a token).
        let code = &body["errors"][0]["extensions"]["code"];
        assert!(
            body["data"].is_object() || code == "UNAUTHENTICATED",
            "{body}"
        );
    }

    // Under GraphQL's own media type, such a refusal is a 400.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("Accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ me { id " }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_code(&body, "GRAPHQL_PARSE_FAILED");
}

async fn batches_hold_at_most_ten_operations(app: TestApp) {
    let url = format!("{}/graphql", app.address);
    let entry = |n: usize| {
        json!({ "query": REGISTER, "variables": { "input": {
            "email": format!("user{n}@example.com"), "password": PASSWORD } } })
    };
    let eleven: Vec<Value> = (0..11).map(entry).collect();
    let response = app.client.post(&url).json(&eleven).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "at most 10");
    assert_eq!(user_count(&app).await, 0, "nothing of the batch ran");

    let ten: Vec<Value> = (0..10).map(entry).collect();
    let response = app.client.post(&url).json(&ten).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let bodies: Vec<Value> = response.json().await.unwrap();
    assert_eq!(bodies.len(), 10);
    bodies.iter().for_each(assert_ok);
    assert_eq!(user_count(&app).await, 10);
}

async fn documents_hold_at_most_fifteen_aliases(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let (_, body) = send(
        &app,
        &format!("{{ {} }}", aliased(15, "me { id }")),
        Some(&tokens.access),
    )
    .await;
    assert_ok(&body);
    assert_eq!(body["data"]["a14"]["id"], tokens.user_id.as_str());

    let (_, body) = send(
        &app,
        &format!("{{ {} }}", aliased(16, "me { id }")),
        Some(&tokens.access),
    )
    .await;
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "16 aliases");

    // Nothing of a refused document runs, mutations included; aliases in fragments count.
    let register = |n: usize| {
        format!(
            "r{n}: register(input: {{ email: \"u{n}@example.com\", password: \"{PASSWORD}\" }}) {{ accessToken }} "
        )
    };
    let registrations: String = (0..16).map(register).collect();
    let (_, body) = send(&app, &format!("mutation {{ {registrations} }}"), None).await;
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "aliases");
    assert_eq!(user_count(&app).await, 1);
    let split = format!(
        "query {{ ...F {} }} fragment F on Query {{ {} }}",
        aliased(8, "me { id }"),
        aliased(8, "me { email }")
    );
    let (_, body) = send(&app, &split, Some(&tokens.access)).await;
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "aliases");
}

async fn selections_go_at_most_ten_levels_deep(app: TestApp) {
    let admin = app.admin("root@example.com").await;
    // Ten levels, at a small cost: fine.
    let ten = "{ me { groups { members(first: 1) { nodes { groups { members(first: 1) { \
               nodes { groups { id } } } } } } } } }";
    let (_, body) = send(&app, ten, Some(&admin.access)).await;
    assert_ok(&body);
    let eleven = "{ me { groups { members(first: 1) { nodes { groups { members(first: 1) { \
                  nodes { groups { members(first: 1) { nodes { id } } } } } } } } } } }";
    let (_, body) = send(&app, eleven, Some(&admin.access)).await;
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "11 levels deep");
    // Depth through fragments counts where they are spread.
    let via_fragments = "{ me { ...G } } fragment G on User { groups { members(first: 1) { \
                         nodes { ...H } } } } fragment H on User { groups { members(first: 1) { \
                         nodes { groups { members(first: 1) { nodes { id } } } } } } }";
    let (_, body) = send(&app, via_fragments, Some(&admin.access)).await;
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "levels deep");
}

async fn lists_multiply_the_cost_of_what_they_select(app: TestApp) {
    let admin = app.admin("root@example.com").await;
    let (_, body) = send(&app, BENCHMARK, Some(&admin.access)).await;
    assert_ok(&body);
    let (_, body) = send(&app, EXPLOSION, Some(&admin.access)).await;
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "budget");
    // The cost is checked before the guards run: an anonymous caller is refused the same way.
    let (_, body) = send(&app, EXPLOSION, None).await;
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "budget");
    // Smaller pages make the same shape affordable.
    let small = EXPLOSION.replace("first: 100", "first: 5");
    let (_, body) = send(&app, &small, Some(&admin.access)).await;
    assert_ok(&body);

    // A fragment spread twice in each of many fragments cannot make validation itself work
    // exponentially: refused by its size.
    let mut bomb = String::from("{ me { ...F0 } }");
    for n in 0..20 {
        bomb.push_str(&format!(
            " fragment F{n} on User {{ ...F{next} ...F{next} }}",
            next = n + 1
        ));
    }
    bomb.push_str(" fragment F20 on User { id }");
    let (_, body) = send(&app, &bomb, Some(&admin.access)).await;
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "fields");
    // Thirty levels (2^30 spreads) are refused as fast: nothing walks them spread out.
    let mut bomb = String::from("{ me { ...F0 } }");
    for n in 0..30 {
        bomb.push_str(&format!(
            " fragment F{n} on User {{ ...F{next} ...F{next} }}",
            next = n + 1
        ));
    }
    bomb.push_str(" fragment F30 on User { id }");
    let answer = tokio::time::timeout(std::time::Duration::from_secs(5), send(&app, &bomb, None))
        .await
        .expect("answered within 5 s");
    assert_refused_before_execution(&answer.1, "GRAPHQL_VALIDATION_FAILED", "fields");
    // A fragment that spreads itself, through another, is refused by name.
    let (_, body) = send(
        &app,
        "{ me { ...A } } fragment A on User { ...B } fragment B on User { id ...A }",
        None,
    )
    .await;
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "spreads itself");
    // A chain of fragments deeper than any real query.
    let mut chain = String::from("{ me { ...C0 } }");
    for n in 0..200 {
        chain.push_str(&format!(" fragment C{n} on User {{ ...C{} }}", n + 1));
    }
    chain.push_str(" fragment C200 on User { id }");
    let (_, body) = send(&app, &chain, None).await;
    assert_refused_before_execution(&body, "GRAPHQL_VALIDATION_FAILED", "levels deep");
}

/// GraphiQL's and code generators' introspection query is deeper than ten levels: exempt.
async fn introspection_is_exempt_from_the_depth_limit(app: TestApp) {
    let (_, body) = send(&app, INTROSPECTION, None).await;
    assert_ok(&body);
    let types = body["data"]["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "User"), "{body}");
}

/// Every GraphQL example in the README and `docs/` passes the limits (it may still need
/// variables or a token: only limit refusals are looked for).
async fn readme_examples_fit_the_limits(app: TestApp) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("README.md")];
    let docs = std::fs::read_dir(root.join("docs")).expect("docs/");
    pages.extend(docs.map(|entry| entry.expect("docs/ entry").path()));
    let text: String = pages
        .iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| std::fs::read_to_string(path).expect("a page"))
        .collect();
    let blocks: Vec<&str> = text
        .split("```graphql")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect();
    assert!(blocks.len() >= 12, "examples found: {}", blocks.len());
    let admin = app.admin("root@example.com").await;
    for block in blocks {
        // A block may hold several operations, for the reader to run one at a time.
        let names: Vec<Option<&str>> = {
            let names: Vec<Option<&str>> = block
                .split_whitespace()
                .collect::<Vec<_>>()
                .windows(2)
                .filter(|pair| pair[0] == "query" || pair[0] == "mutation")
                .map(|pair| Some(pair[1].trim_end_matches(|c: char| !c.is_alphanumeric())))
                .filter(|name| name.is_some_and(|name| !name.is_empty()))
                .collect();
            if names.len() > 1 { names } else { vec![None] }
        };
        for name in names {
            let mut request = json!({ "query": block });
            if let Some(name) = name {
                request["operationName"] = json!(name);
            }
            let body: Value = app
                .post(request, Some(&admin.access))
                .await
                .json()
                .await
                .unwrap();
            let messages = body["errors"].to_string();
            for limit in ["budget", "aliases", "levels deep", "several operations"] {
                assert!(
                    !messages.contains(limit),
                    "README example refused by a limit:\n{block}\n{body}"
                );
            }
            assert!(
                body["errors"][0]["extensions"]["code"] != "GRAPHQL_PARSE_FAILED",
                "README example does not parse:\n{block}\n{body}"
            );
        }
    }
}

const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}"#;

/// A document that does not parse is quoted in the error by 200 characters at most, however
/// long its line (the parser's own message quotes the whole line), by POST and by GET.
async fn a_parse_error_quotes_at_most_200_characters(app: TestApp) {
    // 100 KB on one line by POST; a URL holds less, so 40 KB by GET.
    let broken = |pairs: usize| {
        let padding = "a ".repeat(pairs);
        format!("{{ me {{ {padding} ] {padding} }} }}")
    };
    let query = broken(25_000);
    assert!(query.len() > 100_000 && !query.contains('\n'));
    let (status, posted) = send(&app, &query, None).await;
    assert_eq!(status, 200);
    let url = format!("{}/graphql", app.address);
    let got: Value = app
        .client
        .get(reqwest::Url::parse_with_params(&url, &[("query", broken(10_000))]).unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (body, column) in [(posted, 50_009), (got, 20_009)] {
        assert_code(&body, "GRAPHQL_PARSE_FAILED");
        assert!(body.get("data").is_none(), "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        // 200 characters of the document and the words around them.
        assert!(message.chars().count() < 400, "{message}");
        assert!(message.contains(']'), "the quote shows where: {message}");
        assert_eq!(body["errors"][0]["locations"][0]["line"], 1, "{body}");
        assert_eq!(
            body["errors"][0]["locations"][0]["column"], column,
            "{body}"
        );
    }
}

per_backend!(
    a_parse_error_quotes_at_most_200_characters,
    parse_and_validation_failures_carry_apollo_codes,
    batches_hold_at_most_ten_operations,
    documents_hold_at_most_fifteen_aliases,
    selections_go_at_most_ten_levels_deep,
    lists_multiply_the_cost_of_what_they_select,
    introspection_is_exempt_from_the_depth_limit,
    readme_examples_fit_the_limits,
);
