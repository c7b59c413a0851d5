//! `doan-api seed --synthetic N`: deterministic, realistic volume for benchmarks — Vietnamese
//! text from the seed page's own sentences, activities spread over units, five years,
//! categories, tags and full cluster rosters. Rows go in large transactions; the one secondary
//! index whose keys arrive in random order is rebuilt at the end (STACK.md trap 16); the
//! search index is written in large segments.

use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel::SqliteConnection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::activities::dto::{Category, DatePrecision};
use crate::activities::render;
use crate::db::schema::{
    activities, activity_bodies, activity_partners, activity_tags, organizations, tags,
};
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

/// A row of `activities` as the bulk load binds it. Dates and times are pre-formatted text
/// (as Diesel would format them) so that the writing thread only binds strings.
#[derive(Insertable)]
#[diesel(table_name = activities)]
#[diesel(treat_none_as_default_value = false)]
struct NewActivity<'w> {
    id: i32,
    slug: String,
    title: String,
    title_sort_key: Vec<u8>,
    summary: Option<String>,
    occurred_on: String,
    date_precision: &'static str,
    period_end: String,
    part_of_day: Option<&'static str>,
    location: Option<&'w str>,
    category: &'static str,
    organizer_id: i32,
    cluster_id: Option<i32>,
    participants_count: Option<i32>,
    status: &'static str,
    published_at: Option<String>,
    created_at: &'w str,
    updated_at: &'w str,
    version: i32,
}

#[derive(Insertable)]
#[diesel(table_name = activity_bodies)]
struct NewBody {
    activity_id: i32,
    body: Option<String>,
    body_html: Option<String>,
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

/// Tables the seed fills.
const SEEDED_TABLES: &str = "'activities', 'activity_tags', 'activity_partners'";

/// Indexes dropped before the load and rebuilt after it: those whose keys arrive in random
/// order. The others stay: the generator gives dates in id order, so every index keyed by
/// (something, state, date, id), by publication time, by update time or by id grows at a few
/// hot spots, which costs less than rebuilding it (one more scan and sort of the table).
const REBUILT_INDEXES: &[&str] = &["activities_title"];

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
    let dropped: Vec<Index> = indexes
        .into_iter()
        .filter(|i| REBUILT_INDEXES.contains(&i.name.as_str()))
        .collect();
    for index in &dropped {
        diesel::sql_query(format!("DROP INDEX \"{}\"", index.name)).execute(conn)?;
    }
    Ok(dropped.into_iter().map(|i| i.sql).collect())
}

/// A sentence of the seed page, with its folded (search) and HTML forms computed once: a body is
/// a few of them, so its search text and `body_html` are joins of these.
struct Sentence {
    text: String,
    folded: String,
    html: String,
}

/// A name the generator reuses (unit, tag, place), with its folded form.
struct Named<T> {
    key: T,
    name: String,
    folded: String,
}

impl<T> Named<T> {
    fn new(key: T, name: impl Into<String>) -> Self {
        let name = name.into();
        Named {
            key,
            folded: text::fold(&name),
            name,
        }
    }
}

/// What the generator needs, fixed for the run.
struct World {
    units: Vec<Named<i32>>,
    partner_ids: Vec<i32>,
    tags: Vec<Named<i32>>,
    places: Vec<Named<()>>,
    cluster_rows: Vec<i32>,
    pool: Vec<Sentence>,
    start_day: NaiveDate,
    days: i64,
    first_id: i32,
    /// Rows in the run.
    total: usize,
    now: String,
}

/// A batch of generated rows, ready to insert.
struct Chunk<'w> {
    rows: Vec<NewActivity<'w>>,
    bodies: Vec<NewBody>,
    fts: Vec<(i64, String, String)>,
    tag_links: Vec<(i32, i32, i32)>,
    partner_links: Vec<(i32, i32, &'static str)>,
}

/// The folded search column from already folded parts: `search::entry` folds the parts joined by
/// separators, and folding turns any separator into one space.
fn join_folded<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

impl World {
    /// Days from `start_day` of the `i`-th of the run's rows: spread evenly, in order.
    fn days_for(&self, i: usize) -> i64 {
        (i as i64 * (self.days + 1)) / self.total.max(1) as i64
    }

    fn generate(&self, rng: &mut StdRng, done: usize, end: usize) -> Chunk<'_> {
        let categories = Category::ALL;
        let mut rows = Vec::with_capacity(end - done);
        let mut bodies = Vec::with_capacity(end - done);
        let mut fts = Vec::with_capacity(end - done);
        let mut tag_links = Vec::new();
        let mut partner_links = Vec::new();
        for i in done..end {
            let id = self.first_id + i as i32;
            let unit = &self.units[rng.random_range(0..self.units.len())];
            let category = categories[rng.random_range(0..categories.len())];
            let tag_a = &self.tags[rng.random_range(0..self.tags.len())];
            let place = &self.places[rng.random_range(0..self.places.len())];
            // Dates follow the ids, as they do when a site publishes over the years: the
            // indexes keyed by date then grow at their ends during the load.
            let mut day = self.start_day + Duration::days(self.days_for(i));
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
            let title = title_for(category, &unit.name, &tag_a.name, &place.name, rng);
            let summary = format!(
                "Ngày {}/{}/{}, {} {} tại {}.",
                day.day(),
                day.month(),
                day.year(),
                unit.name,
                [
                    "tổ chức hoạt động",
                    "phối hợp tổ chức chương trình",
                    "triển khai kế hoạch"
                ][rng.random_range(0..3)],
                place.name,
            );
            // Body: 1-3 paragraphs of 1-3 sentences of the seed page.
            let (mut body, mut body_html, mut body_folded) =
                (String::new(), String::new(), String::new());
            for paragraph in 0..rng.random_range(1..4) {
                if paragraph > 0 {
                    body.push_str("\n\n");
                }
                body_html.push_str("<p>");
                for n in 0..rng.random_range(1..4) {
                    let sentence = &self.pool[rng.random_range(0..self.pool.len())];
                    if n > 0 {
                        body.push(' ');
                        body_html.push(' ');
                    }
                    body.push_str(&sentence.text);
                    body_html.push_str(&sentence.html);
                    if !body_folded.is_empty() {
                        body_folded.push(' ');
                    }
                    body_folded.push_str(&sentence.folded);
                }
                body_html.push_str("</p>\n");
            }
            let status = match rng.random_range(0..100) {
                0..=3 => "draft",
                4 => "archived",
                _ => "published",
            };
            let published_at = (status != "draft")
                .then(|| day.and_hms_opt(8 + rng.random_range(0..10), rng.random_range(0..60), 0))
                .flatten()
                .map(db::ts_text);
            let mut row_tags = Vec::new();
            if rng.random_ratio(2, 5) {
                tag_links.push((id, tag_a.key, 0));
                row_tags.push(tag_a);
                let tag_b = &self.tags[rng.random_range(0..self.tags.len())];
                if tag_b.key != tag_a.key && rng.random_bool(0.3) {
                    tag_links.push((id, tag_b.key, 1));
                    row_tags.push(tag_b);
                }
            }
            if rng.random_ratio(3, 10) {
                let partner = self.partner_ids[rng.random_range(0..self.partner_ids.len())];
                if partner != unit.key {
                    let role =
                        ["co_organizer", "chair", "host", "participant"][rng.random_range(0..4)];
                    partner_links.push((id, partner, role));
                }
            }
            let cluster_id = (category == Category::Conference
                && rng.random_ratio(1, 4)
                && !self.cluster_rows.is_empty())
            .then(|| self.cluster_rows[rng.random_range(0..self.cluster_rows.len())]);
            // The search entry, as `search::entry` makes it from `search_texts` (title, summary,
            // place, organizer, tags, body; the first four also with their diacritics).
            let exact = text::fold_keep_marks(
                &[
                    title.as_str(),
                    summary.as_str(),
                    place.name.as_str(),
                    unit.name.as_str(),
                ]
                .join(" \n "),
            );
            let (title_folded, summary_folded) = (text::fold(&title), text::fold(&summary));
            let folded = join_folded(
                [
                    title_folded.as_str(),
                    summary_folded.as_str(),
                    place.folded.as_str(),
                    unit.folded.as_str(),
                ]
                .into_iter()
                .chain(row_tags.iter().map(|t| t.folded.as_str()))
                .chain([body_folded.as_str()]),
            );
            fts.push((i64::from(id), exact, folded));
            bodies.push(NewBody {
                activity_id: id,
                body: Some(body),
                body_html: Some(body_html),
            });
            let slug = text::slugify(&title);
            rows.push(NewActivity {
                id,
                slug: format!(
                    "{}-{id}",
                    slug.get(..80).unwrap_or(&slug).trim_end_matches('-')
                ),
                title_sort_key: text::sort_key(&title),
                title,
                summary: Some(summary),
                occurred_on: day.format("%F").to_string(),
                date_precision: precision.as_str(),
                period_end: period_end.format("%F").to_string(),
                part_of_day: [None, Some("morning"), Some("afternoon"), Some("evening")]
                    [rng.random_range(0..4)],
                location: Some(place.name.as_str()),
                category: category.as_str(),
                organizer_id: unit.key,
                cluster_id,
                participants_count: rng.random_bool(0.5).then(|| rng.random_range(10..300)),
                status,
                published_at,
                created_at: &self.now,
                updated_at: &self.now,
                version: 1,
            });
        }
        Chunk {
            rows,
            bodies,
            fts,
            tag_links,
            partner_links,
        }
    }
}

impl Chunk<'_> {
    /// Insert the rows; the search entries are only queued in `pending_fts` (see
    /// [`insert_fts`]).
    fn insert(
        self,
        conn: &mut SqliteConnection,
        pending_fts: &mut Vec<(i64, String, String)>,
    ) -> anyhow::Result<()> {
        let Chunk {
            rows,
            bodies,
            fts,
            tag_links,
            partner_links,
        } = self;
        diesel::insert_into(activities::table)
            .values(&rows)
            .execute(conn)?;
        diesel::insert_into(activity_bodies::table)
            .values(&bodies)
            .execute(conn)?;
        pending_fts.extend(fts);
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

/// Write queued search entries, one single-row statement each. FTS5 flushes its in-memory
/// terms to a new on-disk segment whenever a statement opens a savepoint, which every
/// multi-row INSERT does; single-row inserts, written after the transaction's multi-row
/// statements, leave the terms in memory until the hash is full or the transaction commits, so
/// the index is built from a few large segments instead of one per batch.
fn insert_fts(
    conn: &mut SqliteConnection,
    pending: &mut Vec<(i64, String, String)>,
) -> anyhow::Result<()> {
    for (rowid, exact, folded) in pending.drain(..) {
        diesel::insert_into(activities_fts::table)
            .values((
                activities_fts::rowid.eq(rowid),
                activities_fts::exact.eq(exact),
                activities_fts::folded.eq(folded),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Rows per batch the generator hands over (one multi-row INSERT per table; 1,500 rows stay under
/// SQLite's limit of 32,766 bound values).
const CHUNK: usize = 1500;
/// Rows per transaction. FTS5 writes one segment of the index per transaction; 250,000 rows
/// keep a 1,000,000-row load at four segments. There is no final 'optimize' (one segment): it
/// took 6 s at 1,000,000 rows and searches measured no faster after it (`bench/`); FTS5's own
/// automerge merges segments as later writes come.
const TX_ROWS: usize = 250_000;
/// FTS5 keeps up to this many bytes of new terms in memory before it writes a segment (its
/// default, restored at the end, is 1 MiB); a transaction's terms fit.
const FTS_HASH_BYTES: usize = 512 << 20;

/// The generator's fixed inputs, read from the database once.
fn world(conn: &mut SqliteConnection, total: usize) -> anyhow::Result<World> {
    let bloc = orgs::lookup(conn, &demo::slug_of(demo::BLOC))?.unwrap_or_default();
    let units: Vec<(i32, String)> = organizations::table
        .filter(organizations::kind.ne("partner"))
        .filter(organizations::id.ne(bloc))
        .order(organizations::id)
        .select((organizations::id, organizations::name))
        .load(conn)?;
    let partner_ids: Vec<i32> = organizations::table
        .order(organizations::id)
        .select(organizations::id)
        .load(conn)?;
    let tags: Vec<(i32, String)> = tags::table
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
    let start_day = NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date");
    let days = (NaiveDate::from_ymd_opt(2024, 12, 31).expect("valid date") - start_day).num_days();
    Ok(World {
        units: units
            .into_iter()
            .map(|(id, name)| Named::new(id, name))
            .collect(),
        partner_ids,
        tags: tags
            .into_iter()
            .map(|(id, name)| Named::new(id, name))
            .collect(),
        places: PLACES.iter().map(|p| Named::new((), *p)).collect(),
        cluster_rows,
        pool: sentences()
            .into_iter()
            .map(|s| Sentence {
                folded: text::fold(&s),
                html: render::paragraphs_html(&s)
                    .trim_start_matches("<p>")
                    .trim_end_matches("</p>\n")
                    .to_string(),
                text: s,
            })
            .collect(),
        start_day,
        days,
        first_id,
        total,
        now: db::ts_text(db::now()),
    })
}

/// Insert `n` synthetic activities (deterministic for a given `seed` and starting state).
///
/// This thread writes to SQLite while a second one makes the rows (text, folding, sort keys,
/// HTML). The load is tuned for one writer and nothing else: no journal (a failed seed leaves a
/// database to throw away), no foreign-key checks (every reference comes from the database
/// itself), a 1 GiB page cache, the secondary index that would grow out of order dropped and
/// rebuilt at the end, and FTS5 writing one large segment per transaction. Memory: about 2 GB
/// at 1,000,000 rows (page cache, one transaction's search entries, FTS5's pending terms).
pub fn synthetic(
    conn: &mut SqliteConnection,
    n: usize,
    seed: u64,
    progress: bool,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let (units, clusters) = ensure_world(conn)?;
    let world = world(conn, n)?;
    let mut rng = StdRng::seed_from_u64(seed);
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
    conn.batch_execute(&format!(
        "PRAGMA foreign_keys = OFF;
         PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;
         PRAGMA cache_size = -1048576;
         PRAGMA threads = 2;
         INSERT INTO activities_fts (activities_fts, rank) VALUES ('automerge', 0);
         INSERT INTO activities_fts (activities_fts, rank) VALUES ('hashsize', {FTS_HASH_BYTES});"
    ))?;
    let loaded = load(conn, &world, &mut rng, n, &bar);
    // Whatever happened, the connection goes back to the settings every other one uses.
    let restored = conn.batch_execute(
        "INSERT INTO activities_fts (activities_fts, rank) VALUES ('hashsize', 1048576);
         INSERT INTO activities_fts (activities_fts, rank) VALUES ('automerge', 4);
         PRAGMA cache_size = -16000;
         PRAGMA synchronous = NORMAL;
         PRAGMA journal_mode = WAL;
         PRAGMA foreign_keys = ON;",
    );
    loaded?;
    restored?;
    bar.finish_and_clear();
    Ok(Report {
        units,
        clusters,
        activities: n,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The load itself: rows and search entries, then the dropped indexes.
fn load(
    conn: &mut SqliteConnection,
    world: &World,
    rng: &mut StdRng,
    n: usize,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let recreate = drop_indexes(conn)?;
    std::thread::scope(|scope| -> anyhow::Result<()> {
        // The receiver is dropped as soon as this thread stops reading (even on an error), so
        // that the generator's blocked send returns instead of holding the scope open.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(8);
        scope.spawn(move || {
            let mut start = 0;
            while start < n {
                let end = (start + CHUNK).min(n);
                if tx.send(world.generate(rng, start, end)).is_err() {
                    return;
                }
                start = end;
            }
        });
        let mut done = 0usize;
        let mut pending_fts = Vec::with_capacity(TX_ROWS.min(n));
        while done < n {
            let tx_end = (done + TX_ROWS).min(n);
            conn.immediate_transaction(|conn| -> anyhow::Result<()> {
                while done < tx_end {
                    let chunk = rx
                        .recv()
                        .map_err(|_| anyhow::anyhow!("the generator stopped"))?;
                    let count = chunk.rows.len();
                    chunk.insert(conn, &mut pending_fts)?;
                    bar.inc(count as u64);
                    done += count;
                }
                insert_fts(conn, &mut pending_fts)
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generator composes search entries and HTML from pre-folded, pre-escaped parts; they
    /// must be exactly what the application's own helpers make of the same activity.
    #[test]
    fn composed_entries_match_the_search_and_render_helpers() {
        let mut conn = SqliteConnection::establish(":memory:").expect("database");
        db::migrate(&mut conn).expect("migrations");
        ensure_world(&mut conn).expect("world");
        let world = world(&mut conn, 300).expect("world");
        let mut rng = StdRng::seed_from_u64(7);
        let chunk = world.generate(&mut rng, 0, 300);
        let tags: std::collections::HashMap<i32, &str> = world
            .tags
            .iter()
            .map(|t| (t.key, t.name.as_str()))
            .collect();
        let units: std::collections::HashMap<i32, &str> = world
            .units
            .iter()
            .map(|u| (u.key, u.name.as_str()))
            .collect();
        for ((row, body), (rowid, exact, folded)) in
            chunk.rows.iter().zip(&chunk.bodies).zip(&chunk.fts)
        {
            assert_eq!(i64::from(row.id), *rowid);
            let body_text = body.body.as_deref().unwrap_or_default();
            assert_eq!(
                body.body_html.as_deref(),
                Some(render::paragraphs_html(body_text).as_str())
            );
            let tag_text = chunk
                .tag_links
                .iter()
                .filter(|(a, _, _)| *a == row.id)
                .map(|(_, t, _)| tags[t])
                .collect::<Vec<_>>()
                .join(" \n ");
            let expected = crate::db::search::entry(
                &[
                    Some(row.title.as_str()),
                    row.summary.as_deref(),
                    row.location,
                    Some(units[&row.organizer_id]),
                    Some(tag_text.as_str()),
                    Some(body_text),
                ],
                crate::activities::repo::RANKED_TEXTS,
            );
            assert_eq!((exact, folded), (&expected.0, &expected.1), "{}", row.title);
        }
    }
}
