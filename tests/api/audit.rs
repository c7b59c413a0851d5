//! The audit log: every write and login, who, from where, under which request, versions;
//! admins only; filters and cursor paging; append-only.

use diesel::RunQueryDsl;
use doan_api::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

async fn audit(app: &TestApp, query: &str) -> Value {
    let res = app
        .as_admin(Method::GET, &format!("/api/v1/audit{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{query}");
    res.json().await.unwrap()
}

fn entries(list: &Value) -> Vec<Value> {
    list["data"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn every_write_and_login_is_recorded_with_who_where_and_versions() {
    let app = spawn_app().await;
    let org = app
        .create_org(json!({"name": "Chi đoàn Sở Y tế", "kind": "branch"}))
        .await;
    let org_id = org["id"].as_i64().unwrap();
    let (editor_id, editor) = app
        .user_with_token("bientap", Role::Editor, Some(org_id))
        .await;
    // What the set-up did (the test users are made and logged in): left out below.
    let before = audit(&app, "").await["meta"]["total"].as_u64().unwrap() as usize;
    let created: Value = app
        .request(Method::POST, "/api/v1/activities")
        .bearer_auth(&editor)
        .header("X-Request-Id", "tao-hoat-dong-1")
        .json(&json!({"title": "Hiến máu", "occurred_on": "2023-09-20",
            "category": "volunteering", "organizer_id": org_id, "status": "published"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let res = app
        .request(Method::PATCH, &format!("/api/v1/activities/{id}"))
        .bearer_auth(&editor)
        .header("Content-Type", "application/merge-patch+json")
        .header("X-Request-Id", "sua-hoat-dong-1")
        .body(json!({"summary": "Ngày hội hiến máu"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.delete(&format!("/api/v1/activities/{id}"))
            .await
            .status(),
        204
    );
    // A wrong password, then the right one.
    let res = app
        .post_anon(
            "/api/v1/auth/token",
            &json!({"username": "BienTap", "password": "sai mật khẩu"}),
        )
        .await;
    assert_eq!(res.status(), 401);
    app.login("bientap", TEST_PASSWORD).await;

    let all = audit(&app, "").await;
    let total = all["meta"]["total"].as_u64().unwrap() as usize;
    let got: Vec<(String, String, Value)> = entries(&all)[..total - before]
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["resource"].as_str().unwrap().to_string(),
                e["actor"].clone(),
            )
        })
        .collect();
    // Newest first. (Test users are inserted directly, not through the API: no entry.)
    assert_eq!(
        got,
        vec![
            ("login".into(), "auth".into(), json!("bientap")),
            ("login_failed".into(), "auth".into(), json!("bientap")),
            ("delete".into(), "activities".into(), json!("admin")),
            ("update".into(), "activities".into(), json!("bientap")),
            ("create".into(), "activities".into(), json!("bientap")),
        ]
    );
    assert_eq!(total - before, 5);
    let update = &entries(&all)[3];
    assert_eq!(update["actor_id"], editor_id);
    assert_eq!(update["role"], "editor");
    assert_eq!(update["resource_id"], id.to_string());
    assert_eq!(update["request_id"], "sua-hoat-dong-1");
    assert_eq!(update["client_addr"], "127.0.0.1");
    assert_eq!(update["version_before"], 1);
    assert_eq!(update["version_after"], 2);
    let create = &entries(&all)[4];
    assert_eq!(create["request_id"], "tao-hoat-dong-1");
    assert_eq!(create["version_before"], Value::Null);
    assert_eq!(create["version_after"], 1);
    let failed = &entries(&all)[1];
    assert_eq!(failed["actor_id"], Value::Null);
    assert_eq!(failed["role"], Value::Null);

    // Filters.
    let of_activity = audit(&app, &format!("?resource=activities&resource_id={id}")).await;
    assert_eq!(of_activity["meta"]["total"], 3);
    // Its set-up login, the two changes, the failed and the good login.
    assert_eq!(audit(&app, "?actor=BIENTAP").await["meta"]["total"], 5);
    assert_eq!(
        audit(&app, "?action=login_failed").await["meta"]["total"],
        1
    );
    assert_eq!(
        audit(&app, "?from=2099-01-01T00:00:00Z").await["meta"]["total"],
        0
    );
    // Open-ended bounds are any valid instant, far outside the stored years.
    assert_eq!(
        audit(&app, "?from=0000-01-01T00:00:00Z&to=9999-12-31T23:59:59Z").await["meta"]["total"],
        all["meta"]["total"]
    );
    let oldest_first = audit(&app, "?sort=at").await;
    assert_eq!(
        entries(&oldest_first)[0]["id"],
        entries(&all).last().unwrap()["id"]
    );
    // Cursor paging walks the same entries.
    let mut walked = Vec::new();
    let mut page = audit(&app, "?per_page=4").await;
    loop {
        walked.extend(entries(&page).iter().map(|e| e["id"].clone()));
        match page["meta"]["next_cursor"].as_str() {
            Some(cursor) => page = audit(&app, &format!("?per_page=4&cursor={cursor}")).await,
            None => break,
        }
    }
    let ids: Vec<Value> = entries(&all).iter().map(|e| e["id"].clone()).collect();
    assert_eq!(walked, ids);

    // Admins only; bad parameters are 400s.
    assert_problem(app.get("/api/v1/audit").await, 401).await;
    let res = app
        .request(Method::GET, "/api/v1/audit")
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403).await;
    for bad in ["?from=hôm-qua", "?to=10000-01-01T00:00:00Z", "?colour=red"] {
        let res = app
            .as_admin(Method::GET, &format!("/api/v1/audit{bad}"))
            .send()
            .await
            .unwrap();
        assert_problem(res, 400).await;
    }
}

#[actix_web::test]
async fn a_refused_change_leaves_no_entry_and_entries_cannot_be_altered() {
    let app = spawn_app().await;
    let before = audit(&app, "").await["meta"]["total"].clone();
    // The last admin cannot be deactivated: 409, and nothing recorded.
    let res = app
        .patch_json("/api/v1/users/admin", &json!({"active": false}))
        .await;
    assert_problem(res, 409).await;
    let res = app
        .post_json(
            "/api/v1/organizations",
            &json!({"name": "", "kind": "branch"}),
        )
        .await;
    assert_problem(res, 422).await;
    assert_eq!(audit(&app, "").await["meta"]["total"], before);

    app.create_org(json!({"name": "Chi đoàn C", "kind": "branch"}))
        .await;
    let mut conn = app.pool.blocking_conn().unwrap();
    for sql in [
        "UPDATE audit_log SET actor = 'ai-do'",
        "DELETE FROM audit_log",
    ] {
        let err = diesel::sql_query(sql).execute(&mut *conn).unwrap_err();
        assert!(
            err.to_string().contains("append-only") || err.to_string().contains("at least a day"),
            "{sql}: {err}"
        );
    }
    assert_eq!(
        audit(&app, "").await["meta"]["total"],
        before.as_i64().unwrap() + 1
    );
}
