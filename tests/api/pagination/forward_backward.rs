//! Keyset paging forwards and backwards: `first`/`after` and `last`/`before` cover the set once.

use serde_json::json;

use crate::support::TestApp;
use crate::support::pagination::{
    Field, USERS, admin_and_crowd, all_users, expected, fetch, not_deleted, walk_backward,
    walk_forward,
};

/// `first`/`after` and `last`/`before` walk the default order (oldest first) in disjoint pages
/// that cover the filtered set exactly once, with consistent pageInfo and totalCount.
async fn pages_cover_the_set_once_forwards_and_backwards(app: TestApp) {
    let token = admin_and_crowd(&app).await;
    let rows = all_users(&app).await;
    let live = expected(&rows, Field::CreatedAt, false, not_deleted);
    assert_eq!(live.len(), 31);
    let everyone = expected(&rows, Field::CreatedAt, false, |_| true);
    assert_eq!(everyone.len(), 36);

    let none = json!({});
    for size in [1, 7, 10, 31, 100] {
        assert_eq!(
            walk_forward(&app, &token, USERS, &none, size).await,
            live,
            "forward, pages of {size}"
        );
        assert_eq!(
            walk_backward(&app, &token, USERS, &none, size).await,
            live,
            "backward, pages of {size}"
        );
    }
    // 36 rows in pages of 9 and 12: the last page is full and still says there is no next.
    let include = json!({ "filter": { "deleted": "INCLUDE" } });
    for size in [9, 12] {
        assert_eq!(
            walk_forward(&app, &token, USERS, &include, size).await,
            everyone
        );
        assert_eq!(
            walk_backward(&app, &token, USERS, &include, size).await,
            everyone
        );
    }

    // Backward from the middle: the page just before a cursor.
    let page = fetch(&app, &token, USERS, json!({ "last": 4, "before": null })).await;
    assert_eq!(page.ids, live[27..]);
    assert!(!page.has_next && page.has_previous);
    let page = fetch(
        &app,
        &token,
        USERS,
        json!({ "last": 4, "before": page.start }),
    )
    .await;
    assert_eq!(page.ids, live[23..27]);
    assert!(page.has_next && page.has_previous);
}

per_backend!(pages_cover_the_set_once_forwards_and_backwards,);
