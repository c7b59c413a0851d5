//! `/api/v1/stats/activities`: counts under the list's filters (totals equal the list's), by
//! month, category, tag, organization and cluster, as JSON and as CSV.

use serde_json::{json, Value};

use crate::clusters::*;
use crate::helpers::*;

// --- stats ----------------------------------------------------------------------------------

/// In 2023, six published activities over three months and four categories, three tags and two
/// of them run by "Cụm thi đua số 4"; besides, a draft, a trashed one and one of 2024.
async fn stats_world(app: &TestApp) -> World {
    let w = world(app).await;
    let cluster = id_of(&create_cluster(app, "Cụm thi đua số 4", 4, w.bloc).await);
    let tags = |t: &[&str]| json!({"tags": t});
    create_activity(
        app,
        with(
            activity("Tình nguyện Mẫu Sơn", w.gtvt, "2023-09-08", "volunteering"),
            tags(&["Vì đàn em thân yêu", "Thanh niên tình nguyện"]),
        ),
    )
    .await;
    create_activity(
        app,
        with(
            activity("Tình nguyện tháng 9", w.ksbt, "2023-09-01", "volunteering"),
            json!({"date_precision": "month", "cluster_id": cluster,
                   "tags": ["Thanh niên tình nguyện"]}),
        ),
    )
    .await;
    create_activity(
        app,
        with(
            activity("Sơ kết 9 tháng", w.ksbt, "2023-09-07", "conference"),
            json!({"cluster_id": cluster}),
        ),
    )
    .await;
    create_activity(
        app,
        activity("Đêm hội Trăng rằm", w.radio, "2023-09-25", "culture_sports"),
    )
    .await;
    create_activity(
        app,
        activity(
            "Sinh hoạt chuyên đề",
            w.ubnd,
            "2023-08-31",
            "thematic_session",
        ),
    )
    .await;
    create_activity(
        app,
        with(
            activity("Tháng Thanh niên", w.radio, "2023-03-26", "volunteering"),
            tags(&["Tháng Thanh niên"]),
        ),
    )
    .await;
    create_activity(
        app,
        with(
            activity("Bản nháp", w.gtvt, "2023-09-10", "conference"),
            json!({"status": "draft"}),
        ),
    )
    .await;
    let trashed =
        create_activity(app, activity("Bị xóa", w.gtvt, "2023-09-11", "conference")).await;
    assert_eq!(
        app.delete(&format!("{ACTIVITIES}/{}", id_of(&trashed)))
            .await
            .status(),
        204
    );
    create_activity(app, activity("Năm sau", w.gtvt, "2024-02-01", "conference")).await;
    w
}

/// (keys, count) of every row of a stats answer.
fn stats_rows(stats: &Value) -> Vec<(Value, i64)> {
    stats["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|r| (r["keys"].clone(), r["count"].as_i64().expect("count")))
        .collect()
}

pub(crate) fn count_of(stats: &Value, keys: Value) -> i64 {
    stats_rows(stats)
        .into_iter()
        .find(|(k, _)| *k == keys)
        .map(|(_, n)| n)
        .unwrap_or(0)
}

#[actix_web::test]
async fn stats_totals_equal_the_list_total_for_the_same_filters() {
    let app = spawn_app().await;
    let w = stats_world(&app).await;

    for filters in [
        "occurred_from=2023-09-01&occurred_to=2023-09-30".to_string(),
        "occurred_from=2023-01-01&occurred_to=2023-12-31".to_string(),
        "occurred_from=2023-09-05&occurred_to=2023-09-30".to_string(),
        "occurred_to=2023-08-31".to_string(),
        "category=volunteering,conference".to_string(),
        format!("organization={}&include_descendants=true", w.bloc),
        format!("organizer={}", w.ksbt),
        "cluster=cum-thi-dua-so-4".to_string(),
        "tag=thanh-nien-tinh-nguyen".to_string(),
        "q=tinh nguyen".to_string(),
        String::new(),
    ] {
        let list = app.get_json(&format!("{ACTIVITIES}?{filters}")).await;
        let stats = app
            .get_json(&format!("{STATS}?group_by=category&{filters}"))
            .await;
        assert_eq!(stats["total"], list["meta"]["total"], "{filters}");
        let sum: i64 = stats_rows(&stats).iter().map(|(_, n)| n).sum();
        assert_eq!(Some(sum), stats["total"].as_i64(), "{filters}: {stats}");
        assert_eq!(stats["group_by"], json!(["category"]));
    }

    let september = app
        .get_json(&format!(
            "{STATS}?group_by=category&occurred_from=2023-09-01&occurred_to=2023-09-30"
        ))
        .await;
    assert_eq!(
        september["total"], 4,
        "published only, not the draft nor the trashed"
    );
    assert_eq!(count_of(&september, json!({"category": "volunteering"})), 2);
    assert_eq!(count_of(&september, json!({"category": "conference"})), 1);
    assert_eq!(
        count_of(&september, json!({"category": "culture_sports"})),
        1
    );
    let volunteering = september["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["keys"]["category"] == "volunteering")
        .unwrap();
    assert_eq!(volunteering["labels"]["category"], "Tình nguyện");

    // The admin asking for drafts too gets the draft counted, as in its list.
    let path = "occurred_from=2023-09-01&occurred_to=2023-09-30&status=draft,published";
    let list: Value = app.admin_json(&format!("{ACTIVITIES}?{path}")).await;
    let stats: Value = app
        .admin_json(&format!("{STATS}?group_by=category&{path}"))
        .await;
    assert_eq!(list["meta"]["total"], 5);
    assert_eq!(stats["total"], list["meta"]["total"]);
}

#[actix_web::test]
async fn stats_by_month_and_category_key_months_as_year_dash_month() {
    let app = spawn_app().await;
    stats_world(&app).await;

    let stats = app
        .get_json(&format!(
            "{STATS}?group_by=month,category&occurred_from=2023-01-01&occurred_to=2023-12-31"
        ))
        .await;
    assert_eq!(stats["group_by"], json!(["month", "category"]));
    assert_eq!(stats["total"], 6);
    let mut got = stats_rows(&stats);
    got.sort_by_key(|(k, _)| k.to_string());
    let mut want = vec![
        (json!({"month": "2023-03", "category": "volunteering"}), 1),
        (
            json!({"month": "2023-08", "category": "thematic_session"}),
            1,
        ),
        (json!({"month": "2023-09", "category": "conference"}), 1),
        (json!({"month": "2023-09", "category": "culture_sports"}), 1),
        (json!({"month": "2023-09", "category": "volunteering"}), 2),
    ];
    want.sort_by_key(|(k, _)| k.to_string());
    assert_eq!(got, want);

    // By cluster: activities without one are under a null key.
    let by_cluster = app
        .get_json(&format!(
            "{STATS}?group_by=cluster&occurred_from=2023-01-01&occurred_to=2023-12-31"
        ))
        .await;
    assert_eq!(
        count_of(&by_cluster, json!({"cluster": "cum-thi-dua-so-4"})),
        2
    );
    assert_eq!(count_of(&by_cluster, json!({"cluster": null})), 4);

    // A bad group_by is a 400 naming it.
    for bad in [
        "group_by=week",
        "group_by=month,category,tag",
        "group_by=month,month",
        "group_by=",
        "occurred_from=2023-01-01",
    ] {
        let problem = assert_problem(app.get(&format!("{STATS}?{bad}")).await, 400).await;
        assert_eq!(
            problem["errors"][0]["field"], "group_by",
            "{bad}: {problem}"
        );
    }
}

#[actix_web::test]
async fn stats_by_tag_count_an_activity_under_each_of_its_tags() {
    let app = spawn_app().await;
    stats_world(&app).await;

    let stats = app
        .get_json(&format!(
            "{STATS}?group_by=tag&occurred_from=2023-01-01&occurred_to=2023-12-31"
        ))
        .await;
    let mut got = stats_rows(&stats);
    got.sort_by_key(|(k, _)| k.to_string());
    assert_eq!(
        got,
        vec![
            (json!({"tag": "thang-thanh-nien"}), 1),
            (json!({"tag": "thanh-nien-tinh-nguyen"}), 2),
            (json!({"tag": "vi-dan-em-than-yeu"}), 1),
        ]
    );
    let labels: Vec<&str> = stats["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["labels"]["tag"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"Thanh niên tình nguyện"), "{labels:?}");
    assert_eq!(stats["total"], 6, "the total counts activities, not tags");

    // With a tag filter and a second dimension.
    let stats = app
        .get_json(&format!(
            "{STATS}?group_by=tag,organization&tag=thanh-nien-tinh-nguyen"
        ))
        .await;
    assert_eq!(stats["total"], 2);
    let orgs: Vec<String> = stats["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["keys"]["tag"] == "thanh-nien-tinh-nguyen")
        .map(|r| r["labels"]["organization"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(orgs.len(), 2, "{stats}");
    assert!(orgs.contains(&"Chi đoàn Sở Giao thông vận tải".to_string()));
    // An unknown tag is a 404 naming it.
    let problem = assert_problem(
        app.get(&format!("{STATS}?group_by=tag&tag=khong-co")).await,
        404,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("tag"),
        "{problem}"
    );
    // A parameter of neither `group_by` nor the filters: 400 naming it, listing both.
    let problem = assert_problem(app.get(&format!("{STATS}?group_by=tag&page=2")).await, 400).await;
    assert_eq!(problem["errors"][0]["field"], "page", "{problem}");
    let message = problem["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("group_by") && message.contains("occurred_to"),
        "{problem}"
    );
}

#[actix_web::test]
async fn stats_as_csv_keep_vietnamese_and_quote_a_name_with_a_comma() {
    let app = spawn_app().await;
    let w = stats_world(&app).await;

    let rows = get_csv(
        &app,
        &format!("{STATS}?group_by=organization,category&occurred_from=2023-01-01&occurred_to=2023-12-31"),
    )
    .await;
    assert_eq!(
        rows[0],
        vec![
            "organization",
            "organization_label",
            "category",
            "category_label",
            "count"
        ]
    );
    let radio: Vec<&Vec<String>> = rows[1..].iter().filter(|r| r[1] == COMMA_UNIT).collect();
    assert_eq!(
        radio.len(),
        2,
        "two categories of the unit with a comma: {rows:?}"
    );
    let culture = radio
        .iter()
        .find(|r| r[2] == "culture_sports")
        .expect("culture_sports row");
    assert_eq!(culture[3], "Văn hóa, văn nghệ, thể thao");
    assert_eq!(culture[4], "1");
    let total: i64 = rows[1..].iter().map(|r| r[4].parse::<i64>().unwrap()).sum();
    assert_eq!(total, 6);
    assert!(rows.iter().all(|r| r.len() == 5), "{rows:?}");
    let ksbt_slug = app
        .get_json(&format!("/api/v1/organizations/{}", w.ksbt))
        .await["slug"]
        .clone();
    assert!(rows.iter().any(|r| r[0] == ksbt_slug.as_str().unwrap()
        && r[1] == "Chi đoàn Trung tâm Kiểm soát bệnh tật tỉnh"
        && r[2] == "volunteering"
        && r[3] == "Tình nguyện"));

    // Months have no label column.
    let rows = get_csv(
        &app,
        &format!("{STATS}?group_by=month&occurred_from=2023-09-01&occurred_to=2023-09-30"),
    )
    .await;
    assert_eq!(rows, vec![vec!["month", "count"], vec!["2023-09", "4"]]);
}
