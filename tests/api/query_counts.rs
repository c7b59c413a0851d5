//! No N+1: a list page costs a fixed number of queries, whatever `per_page` is.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::test::TestRequest;
use diesel::connection::{Connection, InstrumentationEvent};
use doan_api::activities::dto::{ActivityFilters, ActivityPaging};
use doan_api::activities::repo as acts;
use doan_api::http::list::ListRequest;
use doan_api::http::query::{parse_split, Split};
use serde_json::json;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn an_activity_page_costs_the_same_queries_for_5_or_50_rows() {
    let app = spawn_app().await;
    let organizer = app
        .create_org(json!({"name": "Chi đoàn Đếm", "kind": "branch"}))
        .await;
    let partner = app
        .create_org(json!({"name": "Đồn Biên phòng", "kind": "partner"}))
        .await;
    for i in 0..60 {
        let body = json!({
            "title": format!("Hoạt động số {i}"),
            "occurred_on": format!("2023-{:02}-{:02}", i % 12 + 1, i % 28 + 1),
            "category": "volunteering",
            "organizer_id": organizer["id"],
            "partners": [{"organization_id": partner["id"], "role": "host"}],
            "tags": ["Tháng Thanh niên", format!("Chiến dịch {}", i % 5)],
            "photos": [{"url": "https://example.vn/a.jpg", "caption": "Ảnh một"},
                       {"url": "https://example.vn/b.jpg", "caption": "Ảnh hai"}],
            "status": "published"
        });
        assert_eq!(
            app.post_json("/api/v1/activities", &body).await.status(),
            201
        );
    }
    let mut counts = Vec::new();
    for (per_page, q) in [
        (5, ""),
        (50, ""),
        (5, "&q=hoat%20dong"),
        (50, "&q=hoat%20dong"),
    ] {
        let uri = format!("/api/v1/activities?per_page={per_page}{q}");
        let req = TestRequest::with_uri(&uri).to_http_request();
        let Split(paging, filters) =
            parse_split::<ActivityPaging, ActivityFilters>(req.query_string()).unwrap();
        let list = ListRequest::new(&req, &paging.paging(), &acts::SORTS).unwrap();
        let mut conn = app.pool.blocking_conn().unwrap();
        let filters = filters
            .resolve(&mut conn, &acts::Viewer::Public, None)
            .unwrap();
        // Once first: the total is then remembered for this data version, so every measured
        // call does the same work whatever its page size.
        acts::list(&mut conn, &filters, &list, &acts::Viewer::Public, false).unwrap();
        let queries = Arc::new(AtomicUsize::new(0));
        let counter = queries.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if matches!(event, InstrumentationEvent::StartQuery { .. }) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        let (data, total, _) =
            acts::list(&mut conn, &filters, &list, &acts::Viewer::Public, false).unwrap();
        conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
        assert_eq!(data.len(), per_page);
        assert_eq!(total.n, 60);
        assert!(data.iter().all(|a| a.tags.len() == 2 && a.photo.is_some()));
        counts.push(queries.load(Ordering::SeqCst));
    }
    println!("queries per page: {counts:?}");
    assert_eq!(counts[0], counts[1], "5 rows vs 50 rows");
    assert_eq!(counts[2], counts[3], "with search: 5 rows vs 50 rows");
    // The page, the data version (the total is remembered), the related rows of the page,
    // and the BEGIN/COMMIT of the read transaction that gives page and total one snapshot.
    assert!(counts[0] <= 8, "{counts:?}");
}
