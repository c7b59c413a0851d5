//! `doan-api seed --synthetic N`: deterministic, realistic volume for benchmarks — Vietnamese
//! text from the seed page's own sentences, activities spread over units, five years,
//! categories, tags and full cluster rosters. Rows go in large transactions with the
//! secondary indexes dropped, which are rebuilt at the end (STACK.md trap 16).

use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel::SqliteConnection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::activities::dto::{Category, DatePrecision};
use crate::activities::render;
use crate::db::schema::{activities, activity_partners, activity_tags, organizations, tags};
use crate::organizations::dto::{OrgKind, OrganizationFields};
use crate::organizations::repo as orgs;
use crate::{db, demo, text};

diesel::table! {
    /// The FTS5 index, for bulk inserts (contentless: rowid plus the two folded texts).
    activities_fts (rowid) {
        rowid -> BigInt,
        exact -> Text,
        folded -> Text,
    }
}

/// What a run added, and how fast.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    pub units: usize,
    pub clusters: usize,
    pub activities: usize,
    pub seconds: f64,
}

impl Report {
    pub fn rows_per_second(&self) -> f64 {
        self.activities as f64 / self.seconds.max(1e-9)
    }
}

/// Provincial agencies whose youth branches sit directly under the bloc.
const AGENCIES: &[&str] = &[
    "Sở Tài chính",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Kế hoạch và Đầu tư",
    "Sở Tư pháp",
    "Sở Công Thương",
    "Sở Xây dựng",
    "Sở Tài nguyên và Môi trường",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ",
    "Sở Thông tin và Truyền thông",
    "Sở Nội vụ",
    "Sở Ngoại vụ",
    "Thanh tra tỉnh",
    "Ban Dân tộc tỉnh",
    "Kho bạc Nhà nước tỉnh",
    "Cục Thuế tỉnh",
    "Cục Hải quan tỉnh",
    "Bảo hiểm xã hội tỉnh",
    "Ngân hàng Nhà nước chi nhánh tỉnh",
    "Cục Thống kê tỉnh",
    "Văn phòng Đoàn ĐBQH và HĐND tỉnh",
    "Ban Quản lý Khu kinh tế cửa khẩu Đồng Đăng",
    "Trường Chính trị Hoàng Văn Thụ",
    "Báo Lạng Sơn",
    "Liên minh Hợp tác xã tỉnh",
    "Ban Tuyên giáo Tỉnh ủy",
    "Ban Tổ chức Tỉnh ủy",
    "Ủy ban Kiểm tra Tỉnh ủy",
    "Ban Dân vận Tỉnh ủy",
    "Bệnh viện Đa khoa tỉnh",
    "Trung tâm Y tế thành phố",
    "Công ty Điện lực Lạng Sơn",
    "Viễn thông Lạng Sơn",
    "Quỹ Đầu tư phát triển tỉnh",
];

const PLACES: &[&str] = &[
    "xã Mẫu Sơn, huyện Cao Lộc",
    "xã Vũ Lăng, huyện Bắc Sơn",
    "xã Thanh Lòa, huyện Cao Lộc",
    "xã Vân An, huyện Chi Lăng",
    "thành phố Lạng Sơn",
    "huyện Đình Lập",
    "huyện Tràng Định",
    "huyện Văn Quan",
    "huyện Bình Gia",
    "huyện Lộc Bình",
    "huyện Hữu Lũng",
    "huyện Văn Lãng",
    "Trung tâm phục vụ hành chính công tỉnh",
    "Đồn Biên phòng Ba Sơn, huyện Cao Lộc",
];

/// Campaigns and movements of DOMAIN.md.
const CAMPAIGNS: &[&str] = &[
    "Thanh niên tình nguyện",
    "Tuổi trẻ sáng tạo",
    "Tuổi trẻ xung kích bảo vệ Tổ quốc",
    "3 trách nhiệm",
    "Tháng Thanh niên",
    "Tháng Ba biên giới",
    "Mùa hè xanh",
    "Tiếp sức mùa thi",
    "Tình nguyện mùa Đông",
    "Xuân tình nguyện",
    "Chủ nhật xanh",
    "Vì đàn em thân yêu",
    "Bình dân học vụ số",
];

fn title_for(
    category: Category,
    unit: &str,
    campaign: &str,
    place: &str,
    rng: &mut StdRng,
) -> String {
    let options: &[&str] = match category {
        Category::Volunteering => &[
            "{unit} ra quân hưởng ứng {campaign} tại {place}",
            "Hoạt động tình nguyện “{campaign}” tại {place}",
            "{unit} tổ chức chương trình tình nguyện tại {place}",
        ],
        Category::ThematicSession => &[
            "{unit} sinh hoạt chuyên đề về công tác chuyên môn",
            "Sinh hoạt chuyên đề “Nâng cao chất lượng công tác tham mưu, tổng hợp” của {unit}",
        ],
        Category::Conference => &[
            "{unit} sơ kết công tác đoàn và phong trào thanh niên 6 tháng",
            "{unit} tổng kết công tác đoàn và phong trào thanh niên năm",
            "Hội nghị sơ kết 9 tháng của {unit}",
        ],
        Category::EducationOutreach => &[
            "{unit} tuyên truyền kỷ niệm ngày thành lập Đoàn",
            "{unit} tổ chức học tập Nghị quyết Đại hội Đoàn",
        ],
        Category::CultureSports => &[
            "Đêm hội Trăng rằm của {unit}",
            "Giao lưu văn nghệ, thể thao chào mừng {campaign}",
        ],
        Category::SocialWelfare => &[
            "{unit} trao quà cho học sinh có hoàn cảnh khó khăn tại {place}",
            "Trao tặng kinh phí xây dựng công trình thanh niên tại {place}",
        ],
        Category::DigitalTransformation => &[
            "{unit} hỗ trợ người dân sử dụng dịch vụ công trực tuyến",
            "Hưởng ứng phong trào “{campaign}” tại {place}",
        ],
        Category::Innovation => &["{unit} phát động phong trào “{campaign}”"],
        Category::Environment => &[
            "{unit} thu gom rác thải tại {place}",
            "Ngày Chủ nhật xanh của {unit} tại {place}",
        ],
        Category::Other => &["Hoạt động của {unit} tại {place}"],
    };
    options[rng.random_range(0..options.len())]
        .replace("{unit}", unit)
        .replace("{campaign}", campaign)
        .replace("{place}", place)
}

/// Sentences of the seed page, to build bodies from.
fn sentences() -> Vec<String> {
    let mut out = Vec::new();
    for body in demo::SEED_TEXTS {
        for s in body.replace("\n\n", " ").split(". ") {
            let s = s.trim();
            if s.chars().count() > 30 {
                out.push(if s.ends_with('.') || s.ends_with('…') {
                    s.to_string()
                } else {
                    format!("{s}.")
                });
            }
        }
    }
    out
}

#[derive(Insertable)]
#[diesel(table_name = activities)]
#[diesel(treat_none_as_default_value = false)]
struct NewActivity {
    id: i32,
    slug: String,
    title: String,
    title_sort_key: Vec<u8>,
    summary: Option<String>,
    body: Option<String>,
    body_html: Option<String>,
    occurred_on: NaiveDate,
    date_precision: &'static str,
    period_end: NaiveDate,
    part_of_day: Option<&'static str>,
    location: Option<String>,
    category: &'static str,
    organizer_id: i32,
    cluster_id: Option<i32>,
    participants_count: Option<i32>,
    status: &'static str,
    published_at: Option<chrono::NaiveDateTime>,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    version: i32,
}

/// Create (where missing) the bloc's synthetic units, six clusters with rosters for five
/// years, and the campaign tags.
fn ensure_world(conn: &mut SqliteConnection) -> anyhow::Result<(usize, usize)> {
    demo::load_organizations(conn)?;
    let bloc = orgs::lookup(conn, &demo::slug_of(demo::BLOC))?
        .ok_or_else(|| anyhow::anyhow!("the bloc is missing"))?;
    let mut units = 0;
    for agency in AGENCIES {
        let name = format!("Chi đoàn {agency}");
        let slug = text::slugify(&name);
        if orgs::lookup(conn, &slug)?.is_some() {
            continue;
        }
        let fields = OrganizationFields {
            name,
            short_name: None,
            kind: OrgKind::GrassrootsBranch,
            parent_id: Some(i64::from(bloc)),
            secretary_name: None,
            address: None,
            phone: None,
            email: None,
            website: None,
            established_on: None,
            dissolved_on: None,
            successor_id: None,
        };
        orgs::create(conn, Some(slug), fields, "").map_err(|e| anyhow::anyhow!("{e}"))?;
        units += 1;
    }
    let members: Vec<i32> = organizations::table
        .filter(organizations::parent_id.eq(bloc))
        .order(organizations::sort_key)
        .select(organizations::id)
        .load(conn)?;
    let now = db::now();
    let mut clusters = 0;
    for number in 1..=6 {
        let name = format!("Cụm thi đua số {number}");
        let slug = text::slugify(&name);
        let id = match crate::db::tree::lookup_cluster(conn, &slug)? {
            Some(id) => id,
            None => {
                clusters += 1;
                let input = crate::clusters::dto::CreateCluster {
                    slug: Some(slug.clone()),
                    name: name.clone(),
                    number: i64::from(number),
                    bloc_id: i64::from(bloc),
                    description: None,
                    active: true,
                };
                crate::clusters::repo::create(conn, &input)
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .id
            }
        };
        // Every sixth unit of the bloc, roles rotating each year.
        let roster: Vec<i32> = members
            .iter()
            .copied()
            .skip(number as usize - 1)
            .step_by(6)
            .collect();
        for year in 2020..=2024 {
            let n = roster.len();
            for (pos, unit) in roster.iter().enumerate() {
                let turn = (pos + n - (year as usize % n.max(1))) % n.max(1);
                let role = match turn {
                    0 => "head",
                    1 => "standing_deputy",
                    2 | 3 => "deputy",
                    _ => "member",
                };
                diesel::sql_query(
                    "INSERT OR IGNORE INTO cluster_members (cluster_id, year, organization_id, bloc_id, role, position) \
                     VALUES (?, ?, ?, ?, ?, ?)",
                )
                .bind::<Integer, _>(id)
                .bind::<Integer, _>(year)
                .bind::<Integer, _>(*unit)
                .bind::<Integer, _>(bloc)
                .bind::<Text, _>(role)
                .bind::<Integer, _>(pos as i32)
                .execute(conn)?;
            }
        }
    }
    for campaign in CAMPAIGNS {
        let slug = text::slugify(campaign);
        diesel::insert_or_ignore_into(tags::table)
            .values((
                tags::slug.eq(&slug),
                tags::name.eq(*campaign),
                tags::sort_key.eq(text::sort_key(campaign)),
                tags::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok((units, clusters))
}

/// Indexes of the tables the seed fills: dropped before, rebuilt after.
const SEEDED_TABLES: &str = "'activities', 'activity_tags', 'activity_partners'";

fn drop_indexes(conn: &mut SqliteConnection) -> anyhow::Result<Vec<String>> {
    #[derive(QueryableByName)]
    struct Index {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        sql: String,
    }
    let indexes: Vec<Index> = diesel::sql_query(format!(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ({SEEDED_TABLES})"
    ))
    .load(conn)?;
    for index in &indexes {
        diesel::sql_query(format!("DROP INDEX \"{}\"", index.name)).execute(conn)?;
    }
    Ok(indexes.into_iter().map(|i| i.sql).collect())
}

/// What the generator needs, fixed for the run.
struct World {
    unit_rows: Vec<(i32, String)>,
    partner_ids: Vec<i32>,
    tag_rows: Vec<(i32, String)>,
    cluster_rows: Vec<i32>,
    pool: Vec<String>,
    start_day: NaiveDate,
    days: i64,
    first_id: i32,
    now: chrono::NaiveDateTime,
}

/// A batch of generated rows, ready to insert.
struct Chunk {
    rows: Vec<NewActivity>,
    fts: Vec<(i64, String, String)>,
    tag_links: Vec<(i32, i32, i32)>,
    partner_links: Vec<(i32, i32, &'static str)>,
}

impl World {
    fn generate(&self, rng: &mut StdRng, done: usize, end: usize) -> Chunk {
        let World {
            unit_rows,
            partner_ids,
            tag_rows,
            cluster_rows,
            pool,
            start_day,
            days,
            first_id,
            now,
        } = self;
        let (start_day, days, first_id, now) = (*start_day, *days, *first_id, *now);
        let categories = Category::ALL;
        let mut rows = Vec::with_capacity(end - done);
        let mut fts = Vec::with_capacity(end - done);
        let mut tag_links = Vec::new();
        let mut partner_links = Vec::new();
        for i in done..end {
            let id = first_id + i as i32;
            let (organizer, unit_name) = &unit_rows[rng.random_range(0..unit_rows.len())];
            let category = categories[rng.random_range(0..categories.len())];
            let (tag_a, campaign) = &tag_rows[rng.random_range(0..tag_rows.len())];
            let place = PLACES[rng.random_range(0..PLACES.len())];
            let mut day = start_day + Duration::days(rng.random_range(0..=days));
            let precision = if rng.random_ratio(1, 20) {
                day = day.with_day(1).unwrap_or(day);
                DatePrecision::Month
            } else {
                DatePrecision::Day
            };
            let period_end = match precision {
                DatePrecision::Month => {
                    let next = if day.month() == 12 {
                        NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
                    } else {
                        NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
                    };
                    next.and_then(|d| d.pred_opt()).unwrap_or(day)
                }
                _ => day,
            };
            let title = title_for(category, unit_name, campaign, place, rng);
            let summary = format!(
                "Ngày {}/{}/{}, {unit_name} {} tại {place}.",
                day.day(),
                day.month(),
                day.year(),
                [
                    "tổ chức hoạt động",
                    "phối hợp tổ chức chương trình",
                    "triển khai kế hoạch"
                ][rng.random_range(0..3)],
            );
            let paragraphs: Vec<String> = (0..rng.random_range(1..4))
                .map(|_| {
                    (0..rng.random_range(1..4))
                        .map(|_| pool[rng.random_range(0..pool.len())].as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            let body = paragraphs.join("\n\n");
            let status = match rng.random_range(0..100) {
                0..=3 => "draft",
                4 => "archived",
                _ => "published",
            };
            let published_at = (status != "draft")
                .then(|| day.and_hms_opt(8 + rng.random_range(0..10), rng.random_range(0..60), 0))
                .flatten();
            let with_tags = rng.random_ratio(2, 5);
            let mut tag_names = Vec::new();
            if with_tags {
                tag_links.push((id, *tag_a, 0));
                tag_names.push(campaign.clone());
                let (tag_b, name_b) = &tag_rows[rng.random_range(0..tag_rows.len())];
                if tag_b != tag_a && rng.random_bool(0.3) {
                    tag_links.push((id, *tag_b, 1));
                    tag_names.push(name_b.clone());
                }
            }
            if rng.random_ratio(3, 10) {
                let partner = partner_ids[rng.random_range(0..partner_ids.len())];
                if partner != *organizer {
                    let role =
                        ["co_organizer", "chair", "host", "participant"][rng.random_range(0..4)];
                    partner_links.push((id, partner, role));
                }
            }
            let cluster_id = (category == Category::Conference
                && rng.random_ratio(1, 4)
                && !cluster_rows.is_empty())
            .then(|| cluster_rows[rng.random_range(0..cluster_rows.len())]);
            let tag_text = tag_names.join(" \n ");
            let (exact, folded) = crate::db::search::entry(
                &[
                    Some(title.as_str()),
                    Some(summary.as_str()),
                    Some(place),
                    Some(unit_name.as_str()),
                    Some(tag_text.as_str()),
                    Some(body.as_str()),
                ],
                crate::activities::repo::RANKED_TEXTS,
            );
            fts.push((i64::from(id), exact, folded));
            rows.push(NewActivity {
                id,
                slug: format!(
                    "{}-{id}",
                    text::slugify(&title)
                        .chars()
                        .take(80)
                        .collect::<String>()
                        .trim_end_matches('-')
                ),
                title_sort_key: text::sort_key(&title),
                body_html: Some(render::paragraphs_html(&body)),
                title,
                summary: Some(summary),
                body: Some(body),
                occurred_on: day,
                date_precision: precision.as_str(),
                period_end,
                part_of_day: [None, Some("morning"), Some("afternoon"), Some("evening")]
                    [rng.random_range(0..4)],
                location: Some(place.to_string()),
                category: category.as_str(),
                organizer_id: *organizer,
                cluster_id,
                participants_count: rng.random_bool(0.5).then(|| rng.random_range(10..300)),
                status,
                published_at,
                created_at: now,
                updated_at: now,
                version: 1,
            });
        }

        Chunk {
            rows,
            fts,
            tag_links,
            partner_links,
        }
    }
}

impl Chunk {
    fn insert(self, conn: &mut SqliteConnection) -> anyhow::Result<()> {
        let Chunk {
            rows,
            fts,
            tag_links,
            partner_links,
        } = self;
        diesel::insert_into(activities::table)
            .values(&rows)
            .execute(conn)?;
        let fts_rows: Vec<_> = fts
            .iter()
            .map(|(rowid, exact, folded)| {
                (
                    activities_fts::rowid.eq(*rowid),
                    activities_fts::exact.eq(exact),
                    activities_fts::folded.eq(folded),
                )
            })
            .collect();
        diesel::insert_into(activities_fts::table)
            .values(&fts_rows)
            .execute(conn)?;
        if !tag_links.is_empty() {
            let values: Vec<_> = tag_links
                .iter()
                .map(|(a, t, p)| {
                    (
                        activity_tags::activity_id.eq(*a),
                        activity_tags::tag_id.eq(*t),
                        activity_tags::position.eq(*p),
                    )
                })
                .collect();
            diesel::insert_into(activity_tags::table)
                .values(&values)
                .execute(conn)?;
        }
        if !partner_links.is_empty() {
            let values: Vec<_> = partner_links
                .iter()
                .map(|(a, o, r)| {
                    (
                        activity_partners::activity_id.eq(*a),
                        activity_partners::organization_id.eq(*o),
                        activity_partners::role.eq(*r),
                        activity_partners::position.eq(0),
                    )
                })
                .collect();
            diesel::insert_into(activity_partners::table)
                .values(&values)
                .execute(conn)?;
        }
        Ok(())
    }
}

/// Insert `n` synthetic activities (deterministic for a given `seed` and starting state).
pub fn synthetic(
    conn: &mut SqliteConnection,
    n: usize,
    seed: u64,
    progress: bool,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let (units, clusters) = ensure_world(conn)?;
    let bloc = orgs::lookup(conn, &demo::slug_of(demo::BLOC))?.unwrap_or_default();
    let unit_rows: Vec<(i32, String)> = organizations::table
        .filter(organizations::kind.ne("partner"))
        .filter(organizations::id.ne(bloc))
        .order(organizations::id)
        .select((organizations::id, organizations::name))
        .load(conn)?;
    let partner_ids: Vec<i32> = organizations::table
        .order(organizations::id)
        .select(organizations::id)
        .load(conn)?;
    let tag_rows: Vec<(i32, String)> = tags::table
        .order(tags::id)
        .select((tags::id, tags::name))
        .load(conn)?;
    let cluster_rows: Vec<i32> = crate::db::schema::clusters::table
        .order(crate::db::schema::clusters::id)
        .select(crate::db::schema::clusters::id)
        .load(conn)?;
    let first_id: i32 = activities::table
        .select(diesel::dsl::max(activities::id))
        .first::<Option<i32>>(conn)?
        .unwrap_or(0)
        + 1;
    let pool = sentences();
    let mut rng = StdRng::seed_from_u64(seed);
    let start_day = NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date");
    let days = (NaiveDate::from_ymd_opt(2024, 12, 31).expect("valid date") - start_day).num_days();
    let bar = if progress {
        let bar = indicatif::ProgressBar::new(n as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} activities, {per_sec}, {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    // Bulk-load settings, for this connection only while the seed runs: no journal (a failed
    // seed leaves a database to throw away, never a half-written one that is kept), a large page
    // cache, and FTS segment merging deferred to the final 'optimize'.
    diesel::sql_query("PRAGMA journal_mode = OFF").execute(conn)?;
    diesel::sql_query("PRAGMA synchronous = OFF").execute(conn)?;
    diesel::sql_query("PRAGMA cache_size = -262144").execute(conn)?;
    // Sorting for the index rebuild may use a helper thread.
    diesel::sql_query("PRAGMA threads = 2").execute(conn)?;
    diesel::sql_query("INSERT INTO activities_fts (activities_fts, rank) VALUES ('automerge', 0)")
        .execute(conn)?;
    let recreate = drop_indexes(conn)?;
    const CHUNK: usize = 1000;
    const TX_ROWS: usize = 50_000;
    let now = db::now();
    let world = World {
        unit_rows,
        partner_ids,
        tag_rows,
        cluster_rows,
        pool,
        start_day,
        days,
        first_id,
        now,
    };
    // Text generation, folding and rendering run on a second thread while this one inserts.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(4);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let world = &world;
        scope.spawn(move || {
            let mut start = 0;
            while start < n {
                let end = (start + CHUNK).min(n);
                if tx.send(world.generate(&mut rng, start, end)).is_err() {
                    return;
                }
                start = end;
            }
        });
        let mut done = 0usize;
        while done < n {
            let tx_end = (done + TX_ROWS).min(n);
            conn.immediate_transaction(|conn| -> anyhow::Result<()> {
                while done < tx_end {
                    let chunk = rx
                        .recv()
                        .map_err(|_| anyhow::anyhow!("the generator stopped"))?;
                    let count = chunk.rows.len();
                    chunk.insert(conn)?;
                    bar.inc(count as u64);
                    done += count;
                }
                Ok(())
            })?;
        }
        Ok(())
    })?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "rows inserted");
    bar.set_message("rebuilding indexes");
    for sql in recreate {
        diesel::sql_query(sql).execute(conn)?;
    }
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "indexes rebuilt");
    diesel::sql_query("INSERT INTO activities_fts (activities_fts) VALUES ('optimize')")
        .execute(conn)?;
    diesel::sql_query("INSERT INTO activities_fts (activities_fts, rank) VALUES ('automerge', 4)")
        .execute(conn)?;
    diesel::sql_query("PRAGMA cache_size = -16000").execute(conn)?;
    diesel::sql_query("PRAGMA synchronous = NORMAL").execute(conn)?;
    diesel::sql_query("PRAGMA journal_mode = WAL").execute(conn)?;
    bar.finish_and_clear();
    Ok(Report {
        units,
        clusters,
        activities: n,
        seconds: started.elapsed().as_secs_f64(),
    })
}
