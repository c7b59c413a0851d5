//! The generator's side of the seed: the vocabulary of synthetic text (agencies, places,
//! campaigns, the seed page's sentences), and the rows it makes, folded and rendered, in chunks
//! for the writer.

use super::*;

/// Provincial agencies whose youth branches sit directly under the bloc.
pub(super) const AGENCIES: &[&str] = &[
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

pub(super) const PLACES: &[&str] = &[
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
pub(super) const CAMPAIGNS: &[&str] = &[
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

pub(super) fn title_for(
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
pub(super) fn sentences() -> Vec<String> {
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
pub(super) struct NewActivity<'w> {
    pub(super) id: i32,
    pub(super) slug: String,
    pub(super) title: String,
    pub(super) title_sort_key: Vec<u8>,
    pub(super) summary: Option<String>,
    pub(super) occurred_on: String,
    pub(super) date_precision: &'static str,
    pub(super) period_end: String,
    pub(super) part_of_day: Option<&'static str>,
    pub(super) location: Option<&'w str>,
    pub(super) category: &'static str,
    pub(super) organizer_id: i32,
    pub(super) cluster_id: Option<i32>,
    pub(super) participants_count: Option<i32>,
    pub(super) status: &'static str,
    pub(super) published_at: Option<String>,
    pub(super) created_at: &'w str,
    pub(super) updated_at: &'w str,
    pub(super) version: i32,
}

/// [`NewActivity`] with typed dates, for PostgreSQL (which takes no text for a date).
#[derive(Insertable)]
#[diesel(table_name = activities)]
#[diesel(treat_none_as_default_value = false)]
pub(super) struct TypedActivity<'a> {
    id: i32,
    slug: &'a str,
    title: &'a str,
    title_sort_key: &'a [u8],
    summary: Option<&'a str>,
    occurred_on: chrono::NaiveDate,
    date_precision: &'static str,
    period_end: chrono::NaiveDate,
    part_of_day: Option<&'static str>,
    location: Option<&'a str>,
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

impl<'a> TryFrom<&'a NewActivity<'a>> for TypedActivity<'a> {
    type Error = anyhow::Error;

    fn try_from(r: &'a NewActivity<'a>) -> anyhow::Result<Self> {
        let day = |t: &str| chrono::NaiveDate::parse_from_str(t, "%F");
        let at = |t: &str| chrono::NaiveDateTime::parse_from_str(t, "%F %T%.f");
        Ok(Self {
            id: r.id,
            slug: &r.slug,
            title: &r.title,
            title_sort_key: &r.title_sort_key,
            summary: r.summary.as_deref(),
            occurred_on: day(&r.occurred_on)?,
            date_precision: r.date_precision,
            period_end: day(&r.period_end)?,
            part_of_day: r.part_of_day,
            location: r.location,
            category: r.category,
            organizer_id: r.organizer_id,
            cluster_id: r.cluster_id,
            participants_count: r.participants_count,
            status: r.status,
            published_at: r.published_at.as_deref().map(at).transpose()?,
            created_at: at(r.created_at)?,
            updated_at: at(r.updated_at)?,
            version: r.version,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = activity_bodies)]
pub(super) struct NewBody {
    pub(super) activity_id: i32,
    pub(super) body: Option<String>,
    pub(super) body_html: Option<String>,
}

/// A sentence of the seed page, with its folded (search) and HTML forms computed once: a body is
/// a few of them, so its search text and `body_html` are joins of these.
pub(super) struct Sentence {
    pub(super) text: String,
    pub(super) folded: String,
    pub(super) html: String,
}

/// A name the generator reuses (unit, tag, place), with its folded form.
pub(super) struct Named<T> {
    pub(super) key: T,
    pub(super) name: String,
    pub(super) folded: String,
}

impl<T> Named<T> {
    pub(super) fn new(key: T, name: impl Into<String>) -> Self {
        let name = name.into();
        Named {
            key,
            folded: text::fold(&name),
            name,
        }
    }
}

/// What the generator needs, fixed for the run.
pub(super) struct World {
    pub(super) units: Vec<Named<i32>>,
    pub(super) partner_ids: Vec<i32>,
    pub(super) tags: Vec<Named<i32>>,
    pub(super) places: Vec<Named<()>>,
    pub(super) cluster_rows: Vec<i32>,
    pub(super) pool: Vec<Sentence>,
    pub(super) start_day: NaiveDate,
    pub(super) days: i64,
    pub(super) first_id: i32,
    /// Rows in the run.
    pub(super) total: usize,
    pub(super) now: String,
}

/// A batch of generated rows, ready to insert.
pub(super) struct Chunk<'w> {
    pub(super) rows: Vec<NewActivity<'w>>,
    pub(super) bodies: Vec<NewBody>,
    pub(super) fts: Vec<(i64, String, String)>,
    pub(super) tag_links: Vec<(i32, i32, i32)>,
    pub(super) partner_links: Vec<(i32, i32, &'static str)>,
}

/// The folded search column from already folded parts: `search::entry` folds the parts joined by
/// separators, and folding turns any separator into one space.
pub(super) fn join_folded<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
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
    pub(super) fn days_for(&self, i: usize) -> i64 {
        (i as i64 * (self.days + 1)) / self.total.max(1) as i64
    }

    pub(super) fn generate(&self, rng: &mut StdRng, done: usize, end: usize) -> Chunk<'_> {
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
    pub(super) fn insert(
        self,
        conn: &mut Conn,
        pending_fts: &mut Vec<(i64, String, String)>,
    ) -> anyhow::Result<()> {
        let Chunk {
            rows,
            bodies,
            fts,
            tag_links,
            partner_links,
        } = self;
        // Rows go in batches, which a connection over several engines does not express; dates
        // travel as SQLite's text, or typed for PostgreSQL.
        match conn {
            Conn::Sqlite(c) => {
                diesel::insert_into(activities::table)
                    .values(&rows)
                    .execute(c)?;
            }
            Conn::Pg(c) => {
                let typed = rows
                    .iter()
                    .map(TypedActivity::try_from)
                    .collect::<anyhow::Result<Vec<_>>>()?;
                diesel::insert_into(activities::table)
                    .values(&typed)
                    .execute(c)?;
            }
        }
        crate::on_engine!(&mut *conn, |c| diesel::insert_into(activity_bodies::table)
            .values(&bodies)
            .execute(c))?;
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
            crate::on_engine!(&mut *conn, |c| diesel::insert_into(activity_tags::table)
                .values(&values)
                .execute(c))?;
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
            crate::on_engine!(&mut *conn, |c| diesel::insert_into(
                activity_partners::table
            )
            .values(&values)
            .execute(c))?;
        }
        Ok(())
    }
}
