//! Clusters, rosters, ranking and results over HTTP (the stats have their own file and use
//! this file's world).

use doan_api::auth::Role;
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, create_activity, error_fields, header, spawn_app, spawn_demo_app, TestApp,
};
use crate::stats::count_of;

pub(crate) const CLUSTERS: &str = "/api/v1/clusters";
pub(crate) const ACTIVITIES: &str = "/api/v1/activities";
pub(crate) const STATS: &str = "/api/v1/stats/activities";

/// A unit whose name has "Đ", "ư" and a comma: CSV must keep the letters and quote the name.
pub(crate) const COMMA_UNIT: &str = "Chi đoàn Đài Phát thanh, Truyền hình và Bưu điện tỉnh";

// --- helpers --------------------------------------------------------------------------------

pub(crate) fn id_of(value: &Value) -> i64 {
    value["id"].as_i64().expect("id")
}

/// A bloc with five units below it (one of them a branch two levels down), a second bloc
/// with a unit of its own, and a partner body outside the Youth Union.
pub(crate) struct World {
    pub(crate) bloc: i64,
    /// Chi đoàn Trung tâm Kiểm soát bệnh tật tỉnh
    pub(crate) ksbt: i64,
    /// Chi đoàn Sở Giao thông vận tải
    pub(crate) gtvt: i64,
    /// Chi đoàn Văn phòng UBND tỉnh
    pub(crate) ubnd: i64,
    /// `COMMA_UNIT`
    pub(crate) radio: i64,
    /// Chi đoàn Phòng Vận tải, a branch below `gtvt` (still below the bloc).
    pub(crate) branch: i64,
    pub(crate) other_bloc: i64,
    /// A unit of `other_bloc`.
    pub(crate) bank: i64,
    pub(crate) partner: i64,
}

pub(crate) async fn world(app: &TestApp) -> World {
    let org = |name: &'static str, kind: &'static str, parent: Option<i64>| async move {
        id_of(
            &app.create_org(json!({"name": name, "kind": kind, "parent_id": parent}))
                .await,
        )
    };
    let bloc = org("Đoàn khối các cơ quan tỉnh Lạng Sơn", "bloc_union", None).await;
    let ksbt = org(
        "Chi đoàn Trung tâm Kiểm soát bệnh tật tỉnh",
        "grassroots_branch",
        Some(bloc),
    )
    .await;
    let gtvt = org(
        "Chi đoàn Sở Giao thông vận tải",
        "grassroots_branch",
        Some(bloc),
    )
    .await;
    let ubnd = org(
        "Chi đoàn Văn phòng UBND tỉnh",
        "grassroots_branch",
        Some(bloc),
    )
    .await;
    let radio = org(COMMA_UNIT, "grassroots_branch", Some(bloc)).await;
    let branch = org("Chi đoàn Phòng Vận tải", "branch", Some(gtvt)).await;
    let other_bloc = org("Đoàn khối Doanh nghiệp tỉnh", "bloc_union", None).await;
    let bank = org(
        "Chi đoàn Ngân hàng Nông nghiệp tỉnh",
        "grassroots_branch",
        Some(other_bloc),
    )
    .await;
    let partner = org("Công đoàn cơ sở Sở Giao thông vận tải", "partner", None).await;
    World {
        bloc,
        ksbt,
        gtvt,
        ubnd,
        radio,
        branch,
        other_bloc,
        bank,
        partner,
    }
}

/// Create a cluster as admin (asserting 201) and return it.
pub(crate) async fn create_cluster(app: &TestApp, name: &str, number: i64, bloc: i64) -> Value {
    app.create(
        CLUSTERS,
        json!({"name": name, "number": number, "bloc_id": bloc}),
    )
    .await
}

/// "Cụm thi đua số {number}" of `bloc`, with `members` as its roster of `year` (asserting 201,
/// then 200); its id.
pub(crate) async fn cluster_with_roster(
    app: &TestApp,
    bloc: i64,
    number: i64,
    year: i32,
    members: &[(i64, &str)],
) -> i64 {
    let id = id_of(&create_cluster(app, &format!("Cụm thi đua số {number}"), number, bloc).await);
    put_roster_ok(app, id, year, members).await;
    id
}

pub(crate) fn roster_body(members: &[(i64, &str)]) -> Value {
    json!({
        "members": members
            .iter()
            .map(|(id, role)| json!({"organization_id": id, "role": role}))
            .collect::<Vec<_>>()
    })
}

/// PUT a year's roster as admin.
pub(crate) async fn put_roster(
    app: &TestApp,
    cluster: i64,
    year: i32,
    members: &[(i64, &str)],
) -> Response {
    app.as_admin(Method::PUT, &format!("{CLUSTERS}/{cluster}/members/{year}"))
        .json(&roster_body(members))
        .send()
        .await
        .expect("PUT members")
}

/// PUT a year's roster as admin, asserting 200.
pub(crate) async fn put_roster_ok(
    app: &TestApp,
    cluster: i64,
    year: i32,
    members: &[(i64, &str)],
) -> Value {
    let res = put_roster(app, cluster, year, members).await;
    let status = res.status();
    let json: Value = res.json().await.expect("JSON");
    assert_eq!(status, 200, "roster {year}: {json}");
    json
}

/// The (organization id, role) pairs of a roster, in the order served.
pub(crate) fn roster_pairs(roster: &Value) -> Vec<(i64, String)> {
    roster["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                id_of(&m["organization"]),
                m["role"].as_str().expect("role").to_string(),
            )
        })
        .collect()
}

pub(crate) fn pairs(items: &[(i64, &str)]) -> Vec<(i64, String)> {
    items.iter().map(|(i, r)| (*i, r.to_string())).collect()
}

pub(crate) async fn roster_of(app: &TestApp, cluster: i64, year: i32) -> Vec<(i64, String)> {
    roster_pairs(
        &app.get_json(&format!("{CLUSTERS}/{cluster}/members?year={year}"))
            .await,
    )
}

/// A published activity of `organizer` on `day` in `category`.
pub(crate) fn activity(title: &str, organizer: i64, day: &str, category: &str) -> Value {
    json!({
        "title": title,
        "occurred_on": day,
        "category": category,
        "organizer_id": organizer,
        "status": "published",
    })
}

/// `body` with the fields of `extra` set (or replaced).
pub(crate) fn with(mut body: Value, extra: Value) -> Value {
    for (key, value) in extra.as_object().expect("extra is an object") {
        body[key] = value.clone();
    }
    body
}

/// The ranking as JSON (asserting 200).
pub(crate) async fn ranking(app: &TestApp, cluster: i64, query: &str) -> Value {
    app.get_json(&format!("{CLUSTERS}/{cluster}/ranking?{query}"))
        .await
}

/// One member's entry of a ranking.
pub(crate) fn entry(ranking: &Value, org: i64) -> Value {
    ranking["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| id_of(&m["organization"]) == org)
        .unwrap_or_else(|| panic!("{org} is not in the ranking {ranking}"))
        .clone()
}

/// (organized, partnered, total) of a member.
pub(crate) fn counts(ranking: &Value, org: i64) -> (i64, i64, i64) {
    let e = entry(ranking, org);
    (
        e["organized"].as_i64().expect("organized"),
        e["partnered"].as_i64().expect("partnered"),
        e["total"].as_i64().expect("total"),
    )
}

/// (organization id, rank) in the order served.
pub(crate) fn ranks(ranking: &Value) -> Vec<(i64, i64)> {
    ranking["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| (id_of(&m["organization"]), m["rank"].as_i64().expect("rank")))
        .collect()
}

/// GET with `Accept: text/csv`: asserts the content type and the BOM, returns the parsed rows.
pub(crate) async fn get_csv(app: &TestApp, path: &str) -> Vec<Vec<String>> {
    let res = app
        .request(Method::GET, path)
        .header("Accept", "text/csv")
        .send()
        .await
        .expect("GET CSV");
    assert_eq!(res.status(), 200, "GET {path}");
    let ct = header(&res, "content-type").unwrap_or_default();
    assert!(ct.starts_with("text/csv"), "content type {ct} of {path}");
    let bytes = res.bytes().await.expect("body");
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "{path} starts with the UTF-8 BOM"
    );
    let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
    parse_csv(text)
}

/// A strict RFC 4180 reader: CRLF (or LF) records, `"`-quoted fields with `""` escapes.
/// Panics on anything malformed (a bare quote inside an unquoted field, text after a closing
/// quote, an unterminated quote).
pub(crate) fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        match c {
            '"' if at_field_start => {
                at_field_start = false;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(other) => field.push(other),
                        None => panic!("unterminated quoted field in {text:?}"),
                    }
                }
                assert!(
                    matches!(chars.peek(), None | Some(',') | Some('\r') | Some('\n')),
                    "text after a closing quote in {text:?}"
                );
            }
            '"' => panic!("a bare quote inside an unquoted field in {text:?}"),
            ',' => {
                record.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' | '\n' => {
                if c == '\r' {
                    assert_eq!(chars.next(), Some('\n'), "CR without LF in {text:?}");
                }
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                at_field_start = true;
            }
            other => {
                at_field_start = false;
                field.push(other);
            }
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

#[test]
fn the_csv_reader_of_these_tests_reads_quotes_commas_and_crlf() {
    let rows = parse_csv("a,b\r\n\"Chi đoàn \"\"X\"\", Đ\",\"\"\r\n3,\r\n");
    assert_eq!(
        rows,
        vec![
            vec!["a".to_string(), "b".to_string()],
            vec!["Chi đoàn \"X\", Đ".to_string(), String::new()],
            vec!["3".to_string(), String::new()],
        ]
    );
}

/// The column `name` of a CSV header row.
pub(crate) fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// Send a request with a token; returns the response.
pub(crate) async fn send_as(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: &Value,
) -> Response {
    let req = app.request(method, path).json(body);
    let req = match token {
        Some(token) => req.bearer_auth(token),
        None => req,
    };
    req.send().await.expect("request")
}

// --- rosters --------------------------------------------------------------------------------

#[actix_web::test]
async fn a_roster_has_at_most_one_head_and_one_standing_deputy_a_year() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let cluster = id_of(&create_cluster(&app, "Cụm thi đua số 1", 1, w.bloc).await);

    let two_heads = put_roster(
        &app,
        cluster,
        2023,
        &[(w.ksbt, "head"), (w.gtvt, "member"), (w.ubnd, "head")],
    )
    .await;
    let problem = assert_problem(two_heads, 422).await;
    assert_eq!(error_fields(&problem), vec!["/members/2/role"]);

    let two_standing = put_roster(
        &app,
        cluster,
        2023,
        &[
            (w.ksbt, "standing_deputy"),
            (w.gtvt, "head"),
            (w.ubnd, "standing_deputy"),
        ],
    )
    .await;
    let problem = assert_problem(two_standing, 422).await;
    assert_eq!(error_fields(&problem), vec!["/members/2/role"]);

    assert!(
        roster_of(&app, cluster, 2023).await.is_empty(),
        "nothing was stored"
    );

    // One of each, with several deputies and members, is fine.
    let ok = put_roster_ok(
        &app,
        cluster,
        2023,
        &[
            (w.ubnd, "member"),
            (w.ksbt, "standing_deputy"),
            (w.gtvt, "head"),
            (w.radio, "deputy"),
            (w.branch, "deputy"),
        ],
    )
    .await;
    assert_eq!(ok["year"], 2023);
    assert_eq!(ok["cluster"]["id"], cluster);
    let got = roster_of(&app, cluster, 2023).await;
    assert_eq!(got, roster_pairs(&ok));
    let roles: Vec<&str> = got.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        roles,
        vec!["head", "standing_deputy", "deputy", "deputy", "member"],
        "listed by role"
    );
}

#[actix_web::test]
async fn roster_members_must_be_units_below_the_bloc() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let cluster = id_of(&create_cluster(&app, "Cụm thi đua số 1", 1, w.bloc).await);

    for outsider in [w.bank, w.bloc, w.partner, w.other_bloc, 999_999] {
        let res = put_roster(
            &app,
            cluster,
            2023,
            &[(w.ksbt, "head"), (outsider, "member")],
        )
        .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(
            error_fields(&problem),
            vec!["/members/1/organization_id"],
            "unit {outsider}: {problem}"
        );
    }
    let twice = put_roster(&app, cluster, 2023, &[(w.ksbt, "head"), (w.ksbt, "member")]).await;
    let problem = assert_problem(twice, 422).await;
    assert_eq!(error_fields(&problem), vec!["/members/1/organization_id"]);
    assert!(roster_of(&app, cluster, 2023).await.is_empty());
    // A branch two levels below the bloc is below it.
    put_roster_ok(&app, cluster, 2023, &[(w.branch, "head")]).await;
}

#[actix_web::test]
async fn a_unit_in_another_cluster_of_the_bloc_that_year_is_a_409_naming_it_but_another_year_is_fine(
) {
    let app = spawn_app().await;
    let w = world(&app).await;
    let first = id_of(&create_cluster(&app, "Cụm thi đua số 1", 1, w.bloc).await);
    let second = id_of(&create_cluster(&app, "Cụm thi đua số 2", 2, w.bloc).await);
    put_roster_ok(&app, second, 2023, &[(w.gtvt, "head"), (w.ubnd, "member")]).await;
    put_roster_ok(&app, first, 2023, &[(w.ksbt, "head")]).await;

    let res = put_roster(&app, first, 2023, &[(w.ksbt, "head"), (w.ubnd, "member")]).await;
    let problem = assert_problem(res, 409).await;
    let detail = problem["detail"].as_str().expect("detail");
    assert!(
        detail.contains("Cụm thi đua số 2"),
        "the detail names the other cluster: {detail}"
    );
    // Nothing changed in either cluster.
    assert_eq!(
        roster_of(&app, first, 2023).await,
        pairs(&[(w.ksbt, "head")])
    );
    assert_eq!(
        roster_of(&app, second, 2023).await,
        pairs(&[(w.gtvt, "head"), (w.ubnd, "member")])
    );

    // The same unit in the other cluster in another year is fine.
    put_roster_ok(&app, first, 2024, &[(w.ubnd, "head"), (w.gtvt, "member")]).await;
    assert_eq!(
        roster_of(&app, first, 2024).await,
        pairs(&[(w.ubnd, "head"), (w.gtvt, "member")])
    );
    // Once it has left the second cluster, it may join the first in 2023 too.
    put_roster_ok(&app, second, 2023, &[(w.gtvt, "head")]).await;
    put_roster_ok(&app, first, 2023, &[(w.ksbt, "head"), (w.ubnd, "member")]).await;
}

#[actix_web::test]
async fn roles_rotate_by_year_and_every_year_is_kept() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let cluster = create_cluster(&app, "Cụm thi đua số 4", 4, w.bloc).await;
    let id = id_of(&cluster);
    put_roster_ok(
        &app,
        id,
        2023,
        &[
            (w.ksbt, "standing_deputy"),
            (w.gtvt, "head"),
            (w.ubnd, "member"),
        ],
    )
    .await;
    put_roster_ok(
        &app,
        id,
        2024,
        &[
            (w.ksbt, "head"),
            (w.gtvt, "member"),
            (w.ubnd, "standing_deputy"),
        ],
    )
    .await;

    assert_eq!(
        roster_of(&app, id, 2023).await,
        pairs(&[
            (w.gtvt, "head"),
            (w.ksbt, "standing_deputy"),
            (w.ubnd, "member")
        ])
    );
    assert_eq!(
        roster_of(&app, id, 2024).await,
        pairs(&[
            (w.ksbt, "head"),
            (w.ubnd, "standing_deputy"),
            (w.gtvt, "member")
        ])
    );
    // By slug too; a year without a roster is empty.
    let by_slug = app
        .get_json(&format!("{CLUSTERS}/cum-thi-dua-so-4/members?year=2022"))
        .await;
    assert_eq!(by_slug["year"], 2022);
    assert_eq!(by_slug["members"], json!([]));

    let history = app
        .get_json(&format!("/api/v1/organizations/{}/clusters", w.ksbt))
        .await;
    let got: Vec<(i64, i64, &str)> = history
        .as_array()
        .expect("array")
        .iter()
        .map(|m| {
            (
                m["year"].as_i64().unwrap(),
                id_of(&m["cluster"]),
                m["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(2024, id, "head"), (2023, id, "standing_deputy")],
        "newest first"
    );
    assert_eq!(history[0]["cluster"]["name"], "Cụm thi đua số 4");
    // A unit in no cluster has an empty history.
    assert_eq!(
        app.get_json(&format!("/api/v1/organizations/{}/clusters", w.radio))
            .await,
        json!([])
    );
    // The list filters by the year of a roster.
    let listed = app
        .get_json(&format!("{CLUSTERS}?year=2024&bloc={}", w.bloc))
        .await;
    assert_eq!(listed["meta"]["total"], 1);
    let listed = app.get_json(&format!("{CLUSTERS}?year=2022")).await;
    assert_eq!(listed["meta"]["total"], 0);
}

#[actix_web::test]
async fn putting_a_roster_replaces_that_year_only() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = cluster_with_roster(
        &app,
        w.bloc,
        1,
        2023,
        &[(w.ksbt, "head"), (w.gtvt, "member"), (w.ubnd, "member")],
    )
    .await;
    put_roster_ok(&app, id, 2024, &[(w.gtvt, "head"), (w.ubnd, "member")]).await;

    put_roster_ok(&app, id, 2023, &[(w.ksbt, "head"), (w.ubnd, "deputy")]).await;
    assert_eq!(
        roster_of(&app, id, 2023).await,
        pairs(&[(w.ksbt, "head"), (w.ubnd, "deputy")]),
        "the unit left out is gone from 2023"
    );
    assert_eq!(
        roster_of(&app, id, 2024).await,
        pairs(&[(w.gtvt, "head"), (w.ubnd, "member")]),
        "2024 is untouched"
    );
    let gtvt_years: Vec<i64> = app
        .get_json(&format!("/api/v1/organizations/{}/clusters", w.gtvt))
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["year"].as_i64().unwrap())
        .collect();
    assert_eq!(gtvt_years, vec![2024]);

    // An empty roster empties the year.
    put_roster_ok(&app, id, 2023, &[]).await;
    assert!(roster_of(&app, id, 2023).await.is_empty());
}

// --- ranking --------------------------------------------------------------------------------

#[actix_web::test]
async fn ranking_counts_public_activities_organized_and_partnered_in_the_roster_year() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = cluster_with_roster(
        &app,
        w.bloc,
        4,
        2023,
        &[
            (w.ksbt, "standing_deputy"),
            (w.gtvt, "head"),
            (w.ubnd, "member"),
            (w.radio, "member"),
        ],
    )
    .await;

    // ksbt: organizes two published ones in 2023.
    create_activity(
        &app,
        activity("Sơ kết 9 tháng", w.ksbt, "2023-09-07", "conference"),
    )
    .await;
    create_activity(
        &app,
        with(
            activity("Tình nguyện tháng 9", w.ksbt, "2023-09-01", "volunteering"),
            json!({"date_precision": "month"}),
        ),
    )
    .await;
    // gtvt: organizes one, with ubnd (co-organizer) and the partner body.
    create_activity(
        &app,
        with(
            activity("Tình nguyện Mẫu Sơn", w.gtvt, "2023-09-08", "volunteering"),
            json!({"partners": [{"organization_id": w.ubnd, "role": "co_organizer"},
                                {"organization_id": w.partner, "role": "host"}]}),
        ),
    )
    .await;
    // ubnd: hosts another one of a unit outside the cluster.
    create_activity(
        &app,
        with(
            activity("Giao lưu", w.bank, "2023-05-19", "culture_sports"),
            json!({"partners": [{"organization_id": w.ubnd, "role": "host"}]}),
        ),
    )
    .await;
    // Archived news still happened: it counts (radio, below).
    create_activity(
        &app,
        with(
            activity("Lưu trữ", w.radio, "2023-06-01", "other"),
            json!({"status": "archived"}),
        ),
    )
    .await;
    // None of these count: a draft, a trashed one, one in 2024 and one in 2022.
    create_activity(
        &app,
        with(
            activity("Bản nháp", w.ksbt, "2023-10-01", "conference"),
            json!({"status": "draft"}),
        ),
    )
    .await;
    let trashed = create_activity(&app, activity("Bị xóa", w.gtvt, "2023-10-02", "other")).await;
    assert_eq!(
        app.delete(&format!("{ACTIVITIES}/{}", id_of(&trashed)))
            .await
            .status(),
        204
    );
    create_activity(
        &app,
        with(
            activity("Năm sau", w.ksbt, "2024-01-05", "conference"),
            json!({"partners": [{"organization_id": w.ubnd, "role": "participant"}]}),
        ),
    )
    .await;
    create_activity(
        &app,
        activity("Năm trước", w.gtvt, "2022-12-31", "conference"),
    )
    .await;

    // Open-ended bounds count the same, and are echoed as given.
    let open = ranking(
        &app,
        id,
        "year=2023&occurred_from=0000-01-01&occurred_to=9999-12-31",
    )
    .await;
    assert_eq!(open["occurred_from"], "0000-01-01");
    assert_eq!(open["occurred_to"], "9999-12-31");
    assert_eq!(
        counts(&open, w.ksbt),
        (3, 0, 3),
        "2024's counts too: {open}"
    );

    let r = ranking(&app, id, "year=2023").await;
    assert_eq!(r["year"], 2023);
    assert_eq!(r["cluster"]["id"], id);
    assert_eq!(r["occurred_from"], "2023-01-01");
    assert_eq!(r["occurred_to"], "2023-12-31");
    assert_eq!(counts(&r, w.ksbt), (2, 0, 2));
    assert_eq!(counts(&r, w.gtvt), (1, 0, 1));
    assert_eq!(counts(&r, w.ubnd), (0, 2, 2));
    assert_eq!(counts(&r, w.radio), (1, 0, 1), "archived news counts");
    assert_eq!(r["members"].as_array().unwrap().len(), 4, "only the roster");

    let ksbt = entry(&r, w.ksbt);
    assert_eq!(ksbt["role"], "standing_deputy");
    assert_eq!(ksbt["by_category"]["conference"], 1);
    assert_eq!(ksbt["by_category"]["volunteering"], 1);
    assert_eq!(ksbt["by_category"]["culture_sports"], 0);
    let ubnd = entry(&r, w.ubnd);
    assert_eq!(ubnd["by_category"]["volunteering"], 1);
    assert_eq!(ubnd["by_category"]["culture_sports"], 1);
    let radio = entry(&r, w.radio);
    assert_eq!(radio["by_category"].as_object().unwrap().len(), 10);
    assert_eq!(radio["by_category"]["other"], 1);

    // Order: total, then organized (ksbt 2+0 before ubnd 0+2), and both share rank 1; gtvt
    // and radio share rank 3 (1 + 0 each), by name.
    assert_eq!(
        ranks(&r),
        vec![(w.ksbt, 1), (w.ubnd, 1), (w.radio, 3), (w.gtvt, 3)]
    );

    // The 2024 ranking counts against the 2024 roster (none yet: empty).
    let r2024 = ranking(&app, id, "year=2024").await;
    assert_eq!(r2024["members"], json!([]));
    put_roster_ok(&app, id, 2024, &[(w.ksbt, "head"), (w.ubnd, "member")]).await;
    let r2024 = ranking(&app, id, "year=2024").await;
    assert_eq!(counts(&r2024, w.ksbt), (1, 0, 1));
    assert_eq!(counts(&r2024, w.ubnd), (0, 1, 1));
}

#[actix_web::test]
async fn ranking_takes_a_period_and_categories() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = cluster_with_roster(
        &app,
        w.bloc,
        1,
        2023,
        &[(w.ksbt, "head"), (w.gtvt, "member")],
    )
    .await;
    create_activity(&app, activity("Quý 1", w.ksbt, "2023-02-10", "conference")).await;
    create_activity(
        &app,
        activity("Giữa năm", w.ksbt, "2023-06-30", "volunteering"),
    )
    .await;
    create_activity(
        &app,
        activity("Nửa cuối", w.ksbt, "2023-07-01", "volunteering"),
    )
    .await;
    create_activity(
        &app,
        with(
            activity("Cả tháng 6", w.gtvt, "2023-06-01", "volunteering"),
            json!({"date_precision": "month",
                   "partners": [{"organization_id": w.ksbt, "role": "participant"}]}),
        ),
    )
    .await;

    // Six months (sơ kết 6 tháng).
    let half = ranking(
        &app,
        id,
        "year=2023&occurred_from=2023-01-01&occurred_to=2023-06-30",
    )
    .await;
    assert_eq!(half["occurred_from"], "2023-01-01");
    assert_eq!(half["occurred_to"], "2023-06-30");
    assert_eq!(counts(&half, w.ksbt), (2, 1, 3));
    assert_eq!(counts(&half, w.gtvt), (1, 0, 1));
    // A period that cuts the month-precision activity's month leaves it out.
    let mid_june = ranking(
        &app,
        id,
        "year=2023&occurred_from=2023-06-01&occurred_to=2023-06-15",
    )
    .await;
    assert_eq!(counts(&mid_june, w.ksbt), (0, 0, 0));
    assert_eq!(counts(&mid_june, w.gtvt), (0, 0, 0));
    // The second half.
    let second = ranking(&app, id, "year=2023&occurred_from=2023-07-01").await;
    assert_eq!(second["occurred_to"], "2023-12-31");
    assert_eq!(counts(&second, w.ksbt), (1, 0, 1));

    // Categories: one, then a list.
    let volunteering = ranking(&app, id, "year=2023&category=volunteering").await;
    assert_eq!(counts(&volunteering, w.ksbt), (2, 1, 3));
    assert_eq!(
        volunteering["members"][0]["by_category"],
        json!({"volunteering": 3}),
        "only the asked categories"
    );
    let both = ranking(&app, id, "year=2023&category=volunteering,conference").await;
    assert_eq!(counts(&both, w.ksbt), (3, 1, 4));
    let none = ranking(&app, id, "year=2023&category=environment").await;
    assert_eq!(counts(&none, w.ksbt), (0, 0, 0));

    assert_problem(
        app.get(&format!("{CLUSTERS}/cum-khong-co/ranking?year=2023"))
            .await,
        404,
    )
    .await;
    // Bad queries are 400s naming the parameter.
    for (query, field) in [
        ("year=2023&category=sleeping", "category"),
        (
            "year=2023&occurred_from=2023-06-30&occurred_to=2023-01-01",
            "occurred_to",
        ),
        ("year=2023&occurred_from=2023-02-30", "occurred_from"),
        ("year=2023&unknown=1", "unknown"),
    ] {
        let res = app.get(&format!("{CLUSTERS}/{id}/ranking?{query}")).await;
        let problem = assert_problem(res, 400).await;
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
}

#[actix_web::test]
async fn members_with_the_same_total_share_a_rank() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = cluster_with_roster(
        &app,
        w.bloc,
        1,
        2023,
        &[
            (w.ksbt, "head"),
            (w.gtvt, "member"),
            (w.ubnd, "member"),
            (w.radio, "member"),
            (w.branch, "member"),
        ],
    )
    .await;
    for (org, n) in [(w.gtvt, 3), (w.ubnd, 3), (w.ksbt, 1), (w.radio, 1)] {
        for i in 0..n {
            create_activity(
                &app,
                activity(&format!("Hoạt động {org}-{i}"), org, "2023-04-01", "other"),
            )
            .await;
        }
    }
    let r = ranking(&app, id, "year=2023").await;
    let got: Vec<(i64, i64, i64)> = r["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                id_of(&m["organization"]),
                m["total"].as_i64().unwrap(),
                m["rank"].as_i64().unwrap(),
            )
        })
        .collect();
    // Ranks 1, 1, 3, 3, 5; ties are listed by name in Vietnamese order ("Sở" before "Văn",
    // and "Đài" before "Trung": đ comes right after d).
    assert_eq!(
        got,
        vec![
            (w.gtvt, 3, 1),
            (w.ubnd, 3, 1),
            (w.radio, 1, 3),
            (w.ksbt, 1, 3),
            (w.branch, 0, 5),
        ]
    );
}

#[actix_web::test]
async fn ranking_as_csv_keeps_vietnamese_and_quotes_a_name_with_a_comma() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = cluster_with_roster(
        &app,
        w.bloc,
        4,
        2023,
        &[
            (w.radio, "head"),
            (w.ksbt, "standing_deputy"),
            (w.gtvt, "member"),
        ],
    )
    .await;
    create_activity(
        &app,
        activity("Đêm hội Trăng rằm", w.radio, "2023-09-25", "culture_sports"),
    )
    .await;
    create_activity(
        &app,
        activity("Hội thao", w.radio, "2023-03-26", "culture_sports"),
    )
    .await;
    create_activity(
        &app,
        with(
            activity("Sơ kết 9 tháng", w.ksbt, "2023-09-07", "conference"),
            json!({"partners": [{"organization_id": w.radio, "role": "participant"}]}),
        ),
    )
    .await;

    let path = format!("{CLUSTERS}/{id}/ranking?year=2023");
    let res = app
        .request(Method::GET, &path)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    let raw = res.bytes().await.unwrap();
    let raw = std::str::from_utf8(&raw).unwrap();
    assert!(
        raw.contains(&format!("\"{COMMA_UNIT}\"")),
        "the name with a comma is quoted: {raw}"
    );

    let rows = get_csv(&app, &path).await;
    let json = ranking(&app, id, "year=2023").await;
    let head = &rows[0];
    assert_eq!(
        head[..7],
        [
            "rank",
            "organization_id",
            "organization",
            "role",
            "organized",
            "partnered",
            "total"
        ]
    );
    assert!(head.contains(&"culture_sports".to_string()), "{head:?}");
    assert_eq!(rows.len(), 4, "a header and one row per member: {rows:?}");
    assert!(rows.iter().all(|r| r.len() == head.len()), "{rows:?}");

    let first = &rows[1];
    assert_eq!(first[column(head, "organization")], COMMA_UNIT);
    assert_eq!(first[column(head, "organization_id")], w.radio.to_string());
    assert_eq!(first[column(head, "role")], "head");
    assert_eq!(first[column(head, "organized")], "2");
    assert_eq!(first[column(head, "partnered")], "1");
    assert_eq!(first[column(head, "total")], "3");
    assert_eq!(first[column(head, "culture_sports")], "2");
    assert_eq!(first[column(head, "conference")], "1");
    // Every row says what the JSON says.
    for (row, member) in rows[1..].iter().zip(json["members"].as_array().unwrap()) {
        assert_eq!(row[column(head, "rank")], member["rank"].to_string());
        assert_eq!(
            row[column(head, "organization")],
            member["organization"]["name"].as_str().unwrap()
        );
        assert_eq!(row[column(head, "total")], member["total"].to_string());
    }
    assert_eq!(
        rows[2][column(head, "organization")],
        "Chi đoàn Trung tâm Kiểm soát bệnh tật tỉnh"
    );
}

// --- results --------------------------------------------------------------------------------

#[actix_web::test]
async fn results_allow_one_emulation_flag_for_members_of_that_years_roster() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = cluster_with_roster(
        &app,
        w.bloc,
        4,
        2023,
        &[(w.ksbt, "head"), (w.gtvt, "member"), (w.ubnd, "member")],
    )
    .await;
    put_roster_ok(&app, id, 2024, &[(w.ksbt, "member"), (w.radio, "head")]).await;
    let put = |year: i32, results: Value| {
        let app = &app;
        async move {
            app.as_admin(Method::PUT, &format!("{CLUSTERS}/{id}/results/{year}"))
                .json(&json!({"results": results}))
                .send()
                .await
                .unwrap()
        }
    };

    let two_flags = put(
        2023,
        json!([
            {"organization_id": w.ksbt, "award": "emulation_flag"},
            {"organization_id": w.gtvt, "award": "emulation_flag"},
        ]),
    )
    .await;
    let problem = assert_problem(two_flags, 422).await;
    assert_eq!(error_fields(&problem), vec!["/results/1/award"]);

    // radio is in the 2024 roster, not in 2023's.
    let outsider = put(
        2023,
        json!([
            {"organization_id": w.ksbt, "award": "emulation_flag"},
            {"organization_id": w.radio, "grade": "good"},
        ]),
    )
    .await;
    let problem = assert_problem(outsider, 422).await;
    assert_eq!(error_fields(&problem), vec!["/results/1/organization_id"]);
    let bad_score = put(
        2023,
        json!([{"organization_id": w.ksbt, "self_score": 1000.5}]),
    )
    .await;
    let problem = assert_problem(bad_score, 422).await;
    assert_eq!(error_fields(&problem), vec!["/results/0/self_score"]);
    assert_eq!(
        app.get_json(&format!("{CLUSTERS}/{id}/results?year=2023"))
            .await,
        json!([]),
        "nothing was stored"
    );

    let res = put(
        2023,
        json!([
            {"organization_id": w.gtvt, "self_score": 90.0, "agreed_score": 88.5,
             "grade": "good", "award": "commendation"},
            {"organization_id": w.ksbt, "self_score": 98.0, "agreed_score": 96.5,
             "grade": "excellent", "award": "emulation_flag", "note": "Dẫn đầu Cụm"},
        ]),
    )
    .await;
    assert_eq!(res.status(), 200);
    let stored = app
        .get_json(&format!("{CLUSTERS}/{id}/results?year=2023"))
        .await;
    let orgs: Vec<i64> = stored
        .as_array()
        .unwrap()
        .iter()
        .map(|r| id_of(&r["organization"]))
        .collect();
    assert_eq!(orgs, vec![w.ksbt, w.gtvt], "best agreed score first");
    assert_eq!(stored[0]["award"], "emulation_flag");
    assert_eq!(stored[0]["grade"], "excellent");
    assert_eq!(stored[0]["agreed_score"], 96.5);
    assert_eq!(stored[0]["note"], "Dẫn đầu Cụm");
    assert_eq!(stored[0]["year"], 2023);
    assert_eq!(stored[1]["award"], "commendation");

    let res = put(
        2024,
        json!([{"organization_id": w.ksbt, "agreed_score": 91.0, "grade": "good",
                "award": "merit_certificate"}]),
    )
    .await;
    assert_eq!(res.status(), 200);

    let history = app
        .get_json(&format!("/api/v1/organizations/{}/results", w.ksbt))
        .await;
    let got: Vec<(i64, i64, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["year"].as_i64().unwrap(),
                id_of(&r["cluster"]),
                r["award"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (2024, id, "merit_certificate"),
            (2023, id, "emulation_flag")
        ],
        "newest first"
    );

    // Putting again replaces the year's results.
    let res = put(
        2023,
        json!([{"organization_id": w.ubnd, "grade": "average"}]),
    )
    .await;
    assert_eq!(res.status(), 200);
    let stored = app
        .get_json(&format!("{CLUSTERS}/{id}/results?year=2023"))
        .await;
    assert_eq!(stored.as_array().unwrap().len(), 1);
    assert_eq!(stored[0]["organization"]["id"], w.ubnd);
    assert_eq!(stored[0]["award"], Value::Null);
}

// --- the cluster resource -------------------------------------------------------------------

#[actix_web::test]
async fn clusters_get_slugs_and_a_number_is_unique_within_a_bloc() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let res = app
        .post_json(
            CLUSTERS,
            &json!({"name": "  Cụm thi đua số 5 ", "number": 5, "bloc_id": w.bloc,
                    "description": "Các cơ quan khối Văn hóa – Xã hội"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let location = header(&res, "location").expect("Location");
    let five: Value = res.json().await.unwrap();
    assert_eq!(five["slug"], "cum-thi-dua-so-5");
    assert_eq!(five["name"], "Cụm thi đua số 5");
    assert_eq!(five["number"], 5);
    assert_eq!(five["bloc"]["id"], w.bloc);
    assert_eq!(five["active"], true);
    assert_eq!(
        location,
        format!("{}{CLUSTERS}/{}", app.address, five["id"])
    );
    assert_eq!(
        app.get_json(&format!("{CLUSTERS}/cum-thi-dua-so-5")).await,
        five
    );

    // The same number in the same bloc is a 409; in another bloc it is fine.
    let res = app
        .post_json(
            CLUSTERS,
            &json!({"name": "Cụm số năm", "number": 5, "bloc_id": w.bloc}),
        )
        .await;
    let problem = assert_problem(res, 409).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Cụm thi đua số 5"),
        "{problem}"
    );
    let other = create_cluster(&app, "Cụm thi đua số 5", 5, w.other_bloc).await;
    assert_eq!(
        other["slug"], "cum-thi-dua-so-5-2",
        "a taken slug is numbered"
    );
    // Renumbering onto a taken number is a 409 too.
    let six = create_cluster(&app, "Cụm thi đua số 6", 6, w.bloc).await;
    let res = app
        .patch_json(
            &format!("{CLUSTERS}/{}", id_of(&six)),
            &json!({"number": 5}),
        )
        .await;
    assert_problem(res, 409).await;
    // A rename keeps the slug.
    let res = app
        .patch_json(
            &format!("{CLUSTERS}/{}", id_of(&six)),
            &json!({"name": "Cụm thi đua số Sáu"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let renamed: Value = res.json().await.unwrap();
    assert_eq!(renamed["slug"], "cum-thi-dua-so-6");
    assert_eq!(renamed["version"], 2);

    // The list filters by bloc and sorts by number.
    let listed = app.get_json(&format!("{CLUSTERS}?bloc={}", w.bloc)).await;
    let numbers: Vec<i64> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![5, 6]);
}

#[actix_web::test]
async fn deleting_a_cluster_that_activities_name_is_a_409() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let cluster = create_cluster(&app, "Cụm thi đua số 4", 4, w.bloc).await;
    let path = format!("{CLUSTERS}/{}", id_of(&cluster));
    put_roster_ok(&app, id_of(&cluster), 2023, &[(w.ksbt, "head")]).await;
    let act = create_activity(
        &app,
        with(
            activity("Sơ kết 9 tháng", w.ksbt, "2023-09-07", "conference"),
            json!({"cluster_id": cluster["id"]}),
        ),
    )
    .await;

    let problem = assert_problem(app.delete(&path).await, 409).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Cụm thi đua số 4"),
        "{problem}"
    );
    assert_eq!(app.get(&path).await.status(), 200, "still there");

    // Even from the trash an activity still names it.
    let act_path = format!("{ACTIVITIES}/{}", id_of(&act));
    assert_eq!(app.delete(&act_path).await.status(), 204);
    assert_problem(app.delete(&path).await, 409).await;

    // Once no activity names it, it goes, with its rosters.
    let res = app
        .as_admin(Method::POST, &format!("{act_path}/restore"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .patch_json(&act_path, &json!({"cluster_id": null}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.delete(&path).await.status(), 204);
    assert_problem(app.get(&path).await, 404).await;
    assert_eq!(
        app.get_json(&format!("/api/v1/organizations/{}/clusters", w.ksbt))
            .await,
        json!([])
    );
}

#[actix_web::test]
async fn cluster_writes_need_an_admin() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let cluster = create_cluster(&app, "Cụm thi đua số 4", 4, w.bloc).await;
    let id = id_of(&cluster);
    put_roster_ok(&app, id, 2023, &[(w.ksbt, "head")]).await;
    let (_, editor) = app
        .user_with_token("bt.ksbt", Role::Editor, Some(w.ksbt))
        .await;
    let writes = [
        (
            Method::POST,
            CLUSTERS.to_string(),
            json!({"name": "Cụm thi đua số 7", "number": 7, "bloc_id": w.bloc}),
        ),
        (
            Method::PATCH,
            format!("{CLUSTERS}/{id}"),
            json!({"name": "Cụm mới"}),
        ),
        (Method::DELETE, format!("{CLUSTERS}/{id}"), json!(null)),
        (
            Method::PUT,
            format!("{CLUSTERS}/{id}/members/2023"),
            roster_body(&[(w.ksbt, "head"), (w.gtvt, "member")]),
        ),
        (
            Method::PUT,
            format!("{CLUSTERS}/{id}/results/2023"),
            json!({"results": [{"organization_id": w.ksbt, "award": "emulation_flag"}]}),
        ),
    ];
    for (method, path, body) in &writes {
        let anonymous = send_as(&app, None, method.clone(), path, body).await;
        assert_eq!(
            header(&anonymous, "www-authenticate")
                .as_deref()
                .map(|h| h.starts_with("Bearer")),
            Some(true),
            "{method} {path}"
        );
        assert_problem(anonymous, 401).await;
        let as_editor = send_as(&app, Some(&editor), method.clone(), path, body).await;
        assert_problem(as_editor, 403).await;
    }
    // Nothing changed.
    assert_eq!(app.get_json(&format!("{CLUSTERS}/{id}")).await, cluster);
    assert_eq!(roster_of(&app, id, 2023).await, pairs(&[(w.ksbt, "head")]));
    assert_eq!(
        app.get_json(&format!("{CLUSTERS}/{id}/results?year=2023"))
            .await,
        json!([])
    );
    assert_eq!(app.get_json(CLUSTERS).await["meta"]["total"], 1);
}

// --- demo and OpenAPI -----------------------------------------------------------------------

#[actix_web::test]
async fn demo_cluster_4_has_its_standing_deputy_credited_for_chairing_its_meeting() {
    let app = spawn_demo_app().await;
    let roster = app
        .get_json(&format!("{CLUSTERS}/cum-thi-dua-so-4/members?year=2023"))
        .await;
    assert_eq!(roster["cluster"]["name"], "Cụm thi đua số 4");
    let members = roster["members"].as_array().unwrap();
    assert_eq!(members.len(), 1, "only what the page states: {roster}");
    assert_eq!(
        members[0]["organization"]["name"],
        "Chi đoàn Trung tâm Kiểm soát bệnh tật tỉnh"
    );
    assert_eq!(members[0]["role"], "standing_deputy");
    let ksbt = id_of(&members[0]["organization"]);

    let r = app
        .get_json(&format!("{CLUSTERS}/cum-thi-dua-so-4/ranking?year=2023"))
        .await;
    // The bloc stands as organizer of the cluster's own activities; the standing deputy
    // chaired the 9-month review (a partner role), and organized nothing on the page.
    assert_eq!(counts(&r, ksbt), (0, 1, 1));
    let e = entry(&r, ksbt);
    assert_eq!(e["rank"], 1);
    assert_eq!(e["by_category"]["conference"], 1, "the 9-month review");
    // The six months before the review hold neither.
    let r = app
        .get_json(&format!(
            "{CLUSTERS}/cum-thi-dua-so-4/ranking?year=2023&occurred_to=2023-06-30"
        ))
        .await;
    assert_eq!(counts(&r, ksbt), (0, 0, 0));

    let memberships = app
        .get_json(&format!("/api/v1/organizations/{ksbt}/clusters"))
        .await;
    assert_eq!(memberships[0]["year"], 2023);
    assert_eq!(memberships[0]["cluster"]["slug"], "cum-thi-dua-so-4");
    assert_eq!(memberships[0]["role"], "standing_deputy");

    // The demo stats: seven published activities, all in September 2023 or its end of August.
    let stats = app.get_json(&format!("{STATS}?group_by=month")).await;
    assert_eq!(stats["total"], 7);
    assert_eq!(count_of(&stats, json!({"month": "2023-09"})), 6);
    assert_eq!(count_of(&stats, json!({"month": "2023-08"})), 1);
}

#[actix_web::test]
async fn stats_and_ranking_document_their_csv_in_the_openapi_document() {
    let app = spawn_app().await;
    let spec = app.get_json("/api-docs/openapi.json").await;
    for path in ["/api/v1/clusters/{id}/ranking", "/api/v1/stats/activities"] {
        let op = &spec["paths"][path]["get"];
        let content = op["responses"]["200"]["content"]
            .as_object()
            .unwrap_or_else(|| panic!("{path} documents its 200 content"));
        assert!(content.contains_key("application/json"), "{path}");
        let csv = content
            .get("text/csv")
            .unwrap_or_else(|| panic!("{path} documents text/csv"));
        let example = csv["example"].as_str().unwrap_or_default();
        assert!(!example.is_empty(), "{path}: a CSV example");
        assert!(
            parse_csv(example).len() >= 2,
            "{path}: the example is a header and a row"
        );
    }
    let params: Vec<&str> = spec["paths"]["/api/v1/stats/activities"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "group_by",
        "occurred_from",
        "occurred_to",
        "organization",
        "organizer",
        "include_descendants",
        "cluster",
        "category",
        "tag",
        "status",
        "q",
    ] {
        assert!(params.contains(&name), "stats documents {name}: {params:?}");
    }
    let ranking_params: Vec<&str> = spec["paths"]["/api/v1/clusters/{id}/ranking"]["get"]
        ["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in ["id", "year", "occurred_from", "occurred_to", "category"] {
        assert!(ranking_params.contains(&name), "ranking documents {name}");
    }
}

#[actix_web::test]
async fn if_match_guards_a_clusters_patch_and_delete_with_the_etag_a_get_sent() {
    let app = spawn_app().await;
    let bloc = id_of(
        &app.create_org(json!({"name": "Đoàn khối các cơ quan tỉnh", "kind": "bloc_union"}))
            .await,
    );
    let res = app
        .post_json(
            CLUSTERS,
            &json!({"name": "Cụm thi đua số 3", "number": 3, "bloc_id": bloc}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.expect("cluster");
    let path = format!("{CLUSTERS}/{}", id_of(&created));
    // The links a client reads are absolute, and the ETag covers them as sent.
    let res = app.get(&path).await;
    let etag = header(&res, "etag").expect("ETag");
    let shown: Value = res.json().await.expect("cluster");
    assert!(
        shown["feeds"]["rss"]
            .as_str()
            .is_some_and(|l| l.starts_with("http") && l.ends_with("?cluster=cum-thi-dua-so-3")),
        "{shown}"
    );
    let send = |method: Method, tag: &str| {
        app.as_admin(method, &path)
            .header("If-Match", tag.to_string())
            .header("Content-Type", "application/merge-patch+json")
    };
    let stale = "\"000000000000000000000000\"";
    let res = send(Method::PATCH, stale)
        .body(r#"{"description": "Cụm các sở ngành"}"#)
        .send()
        .await
        .expect("PATCH");
    assert_problem(res, 412).await;
    let res = send(Method::PATCH, &etag)
        .body(r#"{"description": "Cụm các sở ngành"}"#)
        .send()
        .await
        .expect("PATCH");
    assert_eq!(res.status(), 200);
    let new_etag = header(&res, "etag").expect("ETag");
    assert_ne!(new_etag, etag);
    // The old ETag no longer deletes it; the new one does.
    assert_problem(
        send(Method::DELETE, &etag).send().await.expect("DELETE"),
        412,
    )
    .await;
    let res = send(Method::DELETE, &new_etag)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(res.status(), 204);
    assert_eq!(app.get(&path).await.status(), 404);
}

#[actix_web::test]
async fn a_patch_that_changes_nothing_writes_no_new_version() {
    let app = spawn_app().await;
    let bloc = id_of(
        &app.create_org(json!({"name": "Đoàn khối các cơ quan tỉnh", "kind": "bloc_union"}))
            .await,
    );
    let created = create_cluster(&app, "Cụm thi đua số 3", 3, bloc).await;
    let path = format!("{CLUSTERS}/{}", id_of(&created));
    let res = app.get(&path).await;
    let etag = header(&res, "etag").expect("ETag");
    let before: Value = res.json().await.unwrap();
    let res = app
        .patch_json(
            &path,
            &json!({"name": before["name"], "number": before["number"], "active": before["active"]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "etag").as_ref(), Some(&etag));
    let after: Value = res.json().await.unwrap();
    assert_eq!(after["version"], before["version"]);
    assert_eq!(after["updated_at"], before["updated_at"]);
    let audit = app.admin_json("/api/v1/audit?resource=clusters").await;
    let updates = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "update")
        .count();
    assert_eq!(updates, 0, "{audit}");

    // The same for a year's roster and results put twice: one audit entry each.
    let unit = id_of(
        &app.create_org(json!({"name": "Chi đoàn thử", "kind": "branch", "parent_id": bloc}))
            .await,
    );
    let roster = json!({"members": [{"organization_id": unit, "role": "head"}]});
    let results = json!({"results": [{"organization_id": unit, "self_score": 95.5,
        "grade": "excellent", "note": "Hoàn thành tốt"}]});
    for _ in 0..2 {
        let res = app
            .request(Method::PUT, &format!("{path}/members/2023"))
            .bearer_auth(&app.admin_token)
            .json(&roster)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let res = app
            .request(Method::PUT, &format!("{path}/results/2023"))
            .bearer_auth(&app.admin_token)
            .json(&results)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    let audit = app.admin_json("/api/v1/audit?resource=clusters").await;
    for what in ["members of 2023", "results of 2023"] {
        let n = audit["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["detail"] == what)
            .count();
        assert_eq!(n, 1, "{what}: {audit}");
    }
}
