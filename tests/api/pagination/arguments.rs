//! Paging arguments: `offset` (offset pagination), the limits, forbidden combinations, the
//! default page size, and foreign or garbage cursors.

use chrono::Duration;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::pagination::{
    Field, GROUPS, USERS, admin_and_crowd, all_users, base, expected, fetch, group, insert, merged,
    not_deleted, order_by, request, user,
};
use crate::support::{TestApp, assert_code, error_fields};

/// `offset` pages like page numbers; the documented limits and forbidden combinations answer
/// BAD_USER_INPUT on the right field; the default page is 10; foreign or garbage cursors are
/// refused.
async fn offset_limits_and_bad_arguments(app: TestApp) {
    let token = admin_and_crowd(&app).await;
    let rows = all_users(&app).await;
    let live = expected(&rows, Field::CreatedAt, false, not_deleted);
    let email_order = expected(&rows, Field::Email, false, not_deleted);

    // offset 10 with first 5 is the third page of 5.
    let mut after = None;
    let mut third = None;
    for _ in 0..3 {
        let page = fetch(&app, &token, USERS, json!({ "first": 5, "after": after })).await;
        after = page.end.clone();
        third = Some(page);
    }
    let third = third.unwrap();
    let page = fetch(&app, &token, USERS, json!({ "first": 5, "offset": 10 })).await;
    assert_eq!(page.ids, third.ids);
    assert_eq!(page.ids, live[10..15]);
    assert!(page.has_previous && page.has_next);
    assert_eq!(page.total, 31);
    // Its cursors work like any other.
    let next = fetch(
        &app,
        &token,
        USERS,
        json!({ "first": 5, "after": page.end }),
    )
    .await;
    assert_eq!(next.ids, live[15..20]);
    // offset 0 is the first page; offset with another order; offset alone pages by 10.
    let page = fetch(&app, &token, USERS, json!({ "first": 5, "offset": 0 })).await;
    assert_eq!(page.ids, live[..5]);
    assert!(!page.has_previous);
    let page = fetch(
        &app,
        &token,
        USERS,
        merged(
            &order_by(Field::Email, false),
            json!({ "first": 3, "offset": 7 }),
        ),
    )
    .await;
    assert_eq!(page.ids, email_order[7..10]);
    let page = fetch(&app, &token, USERS, json!({ "offset": 5 })).await;
    assert_eq!(page.ids, live[5..15]);
    // Past the end: empty, no next page, the total still counted.
    let page = fetch(&app, &token, USERS, json!({ "first": 5, "offset": 1000 })).await;
    assert!(page.ids.is_empty() && !page.has_next && page.has_previous);
    assert_eq!((page.start, page.end, page.total), (None, None, 31));

    // Default page size 10; `last` alone is the last N.
    let page = fetch(&app, &token, USERS, json!({})).await;
    assert_eq!(page.ids, live[..10]);
    assert!(page.has_next && !page.has_previous);
    let page = fetch(&app, &token, USERS, json!({ "last": 4 })).await;
    assert_eq!(page.ids, live[27..]);

    // Forbidden combinations and limits, each on its field.
    let first = fetch(&app, &token, USERS, json!({ "first": 2 })).await;
    let bad: Vec<(Value, &[&str])> = vec![
        (
            json!({ "first": 5, "offset": 5, "after": first.end }),
            &["offset"],
        ),
        (
            json!({ "last": 5, "offset": 5, "before": first.end }),
            &["offset"],
        ),
        (json!({ "first": 5, "last": 5 }), &["first", "last"]),
        (json!({ "first": 101 }), &["first"]),
        (json!({ "last": 101 }), &["last"]),
        (json!({ "first": -1 }), &["first"]),
        (json!({ "last": -1 }), &["last"]),
        (json!({ "first": 5, "offset": -1 }), &["offset"]),
        (json!({ "first": 5, "after": "garbage" }), &["after"]),
        (
            json!({ "last": 5, "before": "!!not base64!!" }),
            &["before"],
        ),
        // Valid base64 of JSON that is not a cursor.
        (json!({ "first": 5, "after": "e30" }), &["after"]),
        // Forged: this ordering's tag with a sort value of the wrong kind, or with a NUL.
        (
            json!({ "first": 5, "after": forged_cursor("users:created_at", json!({ "Text": "x" })) }),
            &["after"],
        ),
        (
            json!({ "last": 5, "before": forged_cursor("users:email", json!({ "Time": "2026-01-01T00:00:00Z" })) }),
            &["before"],
        ),
        (
            json!({ "first": 5, "after": forged_cursor("users:email", json!({ "Text": "a\u{0}" })) }),
            &["after"],
        ),
        // Search text PostgreSQL could not compare, or absurdly long.
        (
            json!({ "filter": { "search": "ada\u{0}" } }),
            &["filter.search"],
        ),
        (
            json!({ "filter": { "search": "a".repeat(300) } }),
            &["filter.search"],
        ),
    ];
    for (vars, fields) in bad {
        let body = request(&app, &token, USERS, vars.clone()).await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(
            fields.iter().any(|f| error_fields(&body)[f].is_array()),
            "{vars}: expected fields.{fields:?}; body: {body}"
        );
        assert!(
            body["data"].is_null() || body["data"]["users"].is_null(),
            "{body}"
        );
    }

    let body = request(&app, &token, GROUPS, json!({ "search": "x\u{0}" })).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["search"].is_array(), "{body}");

    // A cursor that does not decode is reported after the other arguments, like one of
    // another list.
    for (list, vars, field) in [
        (USERS, json!({ "first": -1, "after": "garbage" }), "first"),
        (USERS, json!({ "offset": 1, "after": "garbage" }), "offset"),
        (
            USERS,
            json!({ "after": "garbage", "before": "junk" }),
            "after",
        ),
        (
            GROUPS,
            json!({ "search": "x\u{0}", "after": "garbage" }),
            "search",
        ),
    ] {
        let body = request(&app, &token, list, vars.clone()).await;
        let fields = error_fields(&body).as_object().expect("fields");
        assert_eq!(fields.keys().collect::<Vec<_>>(), [field], "{vars}: {body}");
    }

    // A cursor of another ordering or another list is refused, not misread.
    let by_email = fetch(
        &app,
        &token,
        USERS,
        merged(&order_by(Field::Email, false), json!({ "first": 2 })),
    )
    .await;
    let body = request(
        &app,
        &token,
        USERS,
        json!({ "first": 2, "after": by_email.end }),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["after"].is_array(), "{body}");
    let body = request(
        &app,
        &token,
        USERS,
        merged(
            &order_by(Field::CreatedAt, true),
            json!({ "first": 2, "before": by_email.end }),
        ),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");
    let body = request(
        &app,
        &token,
        GROUPS,
        json!({ "first": 2, "after": first.end }),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");
    insert(&app, [group("Ops", base())]).await;
    let groups_page = fetch(&app, &token, GROUPS, json!({ "first": 1 })).await;
    let body = request(
        &app,
        &token,
        USERS,
        json!({ "first": 2, "after": groups_page.end }),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");

    // first: 100 is allowed, and returns 100 of 106.
    let page = fetch(&app, &token, USERS, json!({ "first": 100 })).await;
    assert_eq!(page.ids, live);
    assert!(!page.has_next);
    insert(
        &app,
        (0..75).map(|k| {
            user(
                &format!("extra{k:02}@example.com"),
                base() + Duration::days(3),
            )
        }),
    )
    .await;
    let page = fetch(&app, &token, USERS, json!({ "first": 100 })).await;
    assert_eq!(page.ids.len(), 100);
    assert!(page.has_next);
    assert_eq!(page.total, 106);
    let page = fetch(&app, &token, USERS, json!({ "last": 100 })).await;
    assert_eq!(page.ids.len(), 100);
    assert!(page.has_previous && !page.has_next);
}

per_backend!(offset_limits_and_bad_arguments,);

/// A cursor as a client could forge one: the right shape, any tag and sort value.
fn forged_cursor(tag: &str, key: Value) -> String {
    let json = json!({ "o": tag, "k": key, "id": Uuid::nil() });
    roster::auth::tokens::encode_base64(json.to_string().as_bytes())
}
