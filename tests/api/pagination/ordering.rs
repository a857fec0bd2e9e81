//! Every ordering: each order field, ascending and descending, pages in the documented order.

use std::collections::HashSet;

use serde_json::json;

use crate::support::TestApp;
use crate::support::pagination::{
    Field, USERS, admin_and_crowd, all_users, expected, merged, not_deleted, order_by,
    walk_backward, walk_forward,
};

/// Each order field, ascending and descending, paged by 7 in both directions, is exactly the
/// order computed from the rows (NULL username as "", NULL lastLoginAt as the epoch, ties by id
/// in the same direction).
async fn every_ordering_pages_in_the_documented_order(app: TestApp) {
    let token = admin_and_crowd(&app).await;
    let rows = all_users(&app).await;

    // The fixtures make the test meaningful: ties and NULLs exist, and the orders differ.
    let created: HashSet<_> = rows.iter().map(|u| u.created_at).collect();
    assert!(created.len() < rows.len(), "created_at has ties");
    assert!(rows.iter().any(|u| u.username.is_none()));
    assert!(rows.iter().any(|u| u.last_login_at.is_none()));
    let logins: Vec<_> = rows.iter().filter_map(|u| u.last_login_at).collect();
    assert!(
        logins.len() > logins.iter().collect::<HashSet<_>>().len(),
        "logins tie"
    );
    let orders: Vec<Vec<String>> = Field::ALL
        .iter()
        .map(|&f| expected(&rows, f, false, not_deleted))
        .collect();
    for (i, a) in orders.iter().enumerate() {
        for b in &orders[i + 1..] {
            assert_ne!(
                a, b,
                "two order fields give the same order; the test would prove little"
            );
        }
    }

    for field in Field::ALL {
        for descending in [false, true] {
            let want = expected(&rows, field, descending, not_deleted);
            let vars = order_by(field, descending);
            assert_eq!(
                walk_forward(&app, &token, USERS, &vars, 7).await,
                want,
                "{field:?} descending={descending}, forwards"
            );
            assert_eq!(
                walk_backward(&app, &token, USERS, &vars, 7).await,
                want,
                "{field:?} descending={descending}, backwards"
            );
            // Deleted rows included: the same rule over more rows.
            let want = expected(&rows, field, descending, |_| true);
            let vars = merged(&vars, json!({ "filter": { "deleted": "INCLUDE" } }));
            assert_eq!(
                walk_forward(&app, &token, USERS, &vars, 7).await,
                want,
                "{field:?} descending={descending}, deleted included"
            );
        }
    }
}

per_backend!(every_ordering_pages_in_the_documented_order,);
