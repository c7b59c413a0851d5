//! Feeds for provincial portals, outside the JSON API: RSS 2.0, Atom 1.0 and JSON Feed 1.1 of
//! the newest published activities, with the list's filters, strong ETags and
//! Last-Modified/304.

use actix_web::http::header::{self, HttpDate};
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use crate::activities::dto::{Category, ListActivitiesQuery};
use crate::activities::repo::{self as activities, FeedItem, Viewer};
use crate::db::schema::{clusters, organizations};
use crate::db::{self, tree, DbPool};
use crate::error::{ApiResult, AppError, Problem};
use crate::http::query::{de_bool, de_list, de_nonempty, Qs};
use crate::http::{etag, links};

/// Where an activity's page lives on the portal: `{public_url}` and `{slug}` are replaced.
#[derive(Debug, Clone)]
pub struct FeedSettings {
    pub activity_url_template: String,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            activity_url_template: "{public_url}/hoat-dong/{slug}".into(),
        }
    }
}

/// Query of the feeds.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// A unit (id or slug), as organizer or partner.
    #[serde(default, deserialize_with = "de_nonempty")]
    #[param(min_length = 1, example = "chi-doan-van-phong-ubnd-tinh")]
    pub organization: Option<String>,
    /// With `organization`: the units below it too.
    #[serde(default, deserialize_with = "de_bool")]
    #[param(value_type = Option<bool>)]
    pub include_descendants: Option<bool>,
    /// A cluster (id or slug).
    #[serde(default, deserialize_with = "de_nonempty")]
    #[param(min_length = 1)]
    pub cluster: Option<String>,
    #[serde(default, deserialize_with = "de_list")]
    #[param(value_type = Option<Vec<Category>>, style = Form, explode = false)]
    pub category: Option<Vec<Category>>,
    /// Tag slugs (all required).
    #[serde(default, deserialize_with = "de_list")]
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    pub tag: Option<Vec<String>>,
    /// Full-text search, as in the list.
    #[serde(default)]
    pub q: Option<String>,
    /// Number of entries, 1 to 200 (default 50).
    #[serde(default, deserialize_with = "crate::http::query::de_positive")]
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

struct Feed {
    title: String,
    description: String,
    home: String,
    self_url: String,
    updated: DateTime<Utc>,
    entries: Vec<Entry>,
}

struct Entry {
    url: String,
    title: String,
    summary: String,
    content_html: String,
    published: DateTime<Utc>,
    updated: DateTime<Utc>,
    author: String,
    category_code: &'static str,
    category_label: &'static str,
    tags: Vec<(String, String)>,
    image: Option<String>,
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn image_type(url: &str) -> &'static str {
    let lower = url.to_ascii_lowercase();
    let path = lower.split(['?', '#']).next().unwrap_or("");
    if path.ends_with(".png") {
        "image/png"
    } else if path.ends_with(".gif") {
        "image/gif"
    } else if path.ends_with(".webp") {
        "image/webp"
    } else {
        "image/jpeg"
    }
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

fn build(
    items: Vec<FeedItem>,
    title: String,
    description: String,
    home: String,
    self_url: String,
    template: &str,
    public: &str,
) -> Feed {
    let entries: Vec<Entry> = items
        .into_iter()
        .map(|item| {
            let s = item.summary;
            let url = template
                .replace("{public_url}", public)
                .replace("{slug}", &s.slug);
            let summary = s.summary.clone().unwrap_or_default();
            let content_html = item
                .body_html
                .clone()
                .unwrap_or_else(|| format!("<p>{}</p>", escape(&summary)));
            Entry {
                url,
                title: s.title,
                summary,
                content_html,
                published: item
                    .row
                    .published_at
                    .map(utc)
                    .unwrap_or_else(|| utc(item.row.created_at)),
                updated: utc(item.row.updated_at),
                author: item
                    .row
                    .byline
                    .clone()
                    .unwrap_or_else(|| s.organizer.name.clone()),
                category_code: s.category.as_str(),
                category_label: s.category.label(),
                tags: s.tags.into_iter().map(|t| (t.slug, t.name)).collect(),
                image: s.photo.and_then(|p| p.url),
            }
        })
        .collect();
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    Feed {
        title,
        description,
        home,
        self_url,
        updated,
        entries,
    }
}

fn rss(feed: &Feed) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n",
    );
    out.push_str(&format!(
        "<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n<language>vi</language>\n\
         <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n<lastBuildDate>{}</lastBuildDate>\n",
        escape(&feed.title),
        escape(&feed.home),
        escape(&feed.description),
        escape(&feed.self_url),
        feed.updated.to_rfc2822()
    ));
    for e in &feed.entries {
        out.push_str(&format!(
            "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"true\">{}</guid>\n<description>{}</description>\n\
             <content:encoded>{}</content:encoded>\n<pubDate>{}</pubDate>\n<dc:creator>{}</dc:creator>\n<category>{}</category>\n",
            escape(&e.title),
            escape(&e.url),
            escape(&e.url),
            escape(&e.summary),
            escape(&e.content_html),
            e.published.to_rfc2822(),
            escape(&e.author),
            escape(e.category_label),
        ));
        for (_, name) in &e.tags {
            out.push_str(&format!("<category>{}</category>\n", escape(name)));
        }
        if let Some(image) = &e.image {
            out.push_str(&format!(
                "<enclosure url=\"{}\" length=\"0\" type=\"{}\"/>\n",
                escape(image),
                image_type(image)
            ));
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn atom(feed: &Feed) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"vi\">\n");
    out.push_str(&format!(
        "<id>{}</id>\n<title>{}</title>\n<subtitle>{}</subtitle>\n<updated>{}</updated>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
         <author><name>{}</name></author>\n",
        escape(&feed.self_url),
        escape(&feed.title),
        escape(&feed.description),
        rfc3339(feed.updated),
        escape(&feed.self_url),
        escape(&feed.home),
        escape("Đoàn TNCS Hồ Chí Minh"),
    ));
    for e in &feed.entries {
        out.push_str(&format!(
            "<entry>\n<id>{}</id>\n<title>{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
             <published>{}</published>\n<updated>{}</updated>\n<author><name>{}</name></author>\n<summary>{}</summary>\n\
             <content type=\"html\">{}</content>\n<category term=\"{}\" label=\"{}\"/>\n",
            escape(&e.url),
            escape(&e.title),
            escape(&e.url),
            rfc3339(e.published),
            rfc3339(e.updated),
            escape(&e.author),
            escape(&e.summary),
            escape(&e.content_html),
            e.category_code,
            escape(e.category_label),
        ));
        for (slug, name) in &e.tags {
            out.push_str(&format!(
                "<category term=\"{}\" label=\"{}\"/>\n",
                escape(slug),
                escape(name)
            ));
        }
        if let Some(image) = &e.image {
            out.push_str(&format!(
                "<link rel=\"enclosure\" type=\"{}\" href=\"{}\"/>\n",
                image_type(image),
                escape(image)
            ));
        }
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

fn json_feed(feed: &Feed) -> String {
    let items: Vec<serde_json::Value> = feed
        .entries
        .iter()
        .map(|e| {
            let mut tags = vec![e.category_label.to_string()];
            tags.extend(e.tags.iter().map(|(_, name)| name.clone()));
            let mut item = json!({
                "id": e.url,
                "url": e.url,
                "title": e.title,
                "summary": e.summary,
                "content_html": e.content_html,
                "date_published": rfc3339(e.published),
                "date_modified": rfc3339(e.updated),
                "authors": [{"name": e.author}],
                "tags": tags,
                "language": "vi",
            });
            if let Some(image) = &e.image {
                item["image"] = json!(image);
            }
            item
        })
        .collect();
    let doc = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.home,
        "feed_url": feed.self_url,
        "description": feed.description,
        "language": "vi",
        "items": items,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// The title's part naming the filters, looked up (404 when unknown).
fn describe(conn: &mut SqliteConnection, q: &FeedQuery) -> ApiResult<Vec<String>> {
    let mut parts = Vec::new();
    if let Some(org) = &q.organization {
        let id = tree::lookup_organization(conn, org)?.ok_or_else(|| {
            AppError::NotFound(format!(
                "query parameter `organization`: there is no organization '{org}'"
            ))
        })?;
        let name: String = organizations::table
            .find(id)
            .select(organizations::name)
            .first(conn)?;
        parts.push(name);
    }
    if let Some(cluster) = &q.cluster {
        let id = tree::lookup_cluster(conn, cluster)?.ok_or_else(|| {
            AppError::NotFound(format!(
                "query parameter `cluster`: there is no cluster '{cluster}'"
            ))
        })?;
        let name: String = clusters::table
            .find(id)
            .select(clusters::name)
            .first(conn)?;
        parts.push(name);
    }
    if let Some(categories) = &q.category {
        parts.push(
            categories
                .iter()
                .map(|c| c.label())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    for slug in q.tag.iter().flatten() {
        let name = activities::visible_tag(conn, slug, &Viewer::Public)?.map(|(_, name)| name);
        parts.push(name.ok_or_else(|| {
            AppError::NotFound(format!("query parameter `tag`: there is no tag '{slug}'"))
        })?);
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        parts.push(format!("tìm “{text}”"));
    }
    Ok(parts)
}

async fn serve(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<FeedSettings>,
    q: FeedQuery,
    format: Format,
) -> ApiResult<HttpResponse> {
    let limit = q.limit.unwrap_or(50);
    if limit > 200 {
        return Err(AppError::bad_param("limit", "must be at most 200"));
    }
    if q.include_descendants.is_some() && q.organization.is_none() {
        return Err(AppError::bad_param(
            "include_descendants",
            "needs `organization`",
        ));
    }
    let base = links::base(&req);
    let public = base.clone();
    let self_url = links::RequestUrl::of(&req).current();
    let template = settings.activity_url_template.clone();
    let (items, parts, last_change) = db::run(&pool, move |conn| {
        let parts = describe(conn, &q)?;
        let filters = ListActivitiesQuery {
            q: q.q,
            organization: q.organization,
            include_descendants: q.include_descendants,
            cluster: q.cluster,
            category: q.category,
            tag: q.tag,
            ..Default::default()
        };
        let last_change = activities::last_change(conn)?;
        Ok((activities::feed(conn, &filters, limit)?, parts, last_change))
    })
    .await?;
    let title = if parts.is_empty() {
        "Hoạt động của các tổ chức cơ sở Đoàn".to_string()
    } else {
        format!("Hoạt động — {}", parts.join(" · "))
    };
    let description = if parts.is_empty() {
        "Tin hoạt động mới nhất của các tổ chức cơ sở Đoàn".to_string()
    } else {
        format!("Tin hoạt động mới nhất: {}", parts.join(" · "))
    };
    let feed = build(
        items,
        title,
        description,
        format!("{public}/"),
        self_url,
        &template,
        &public,
    );
    let body = match format {
        Format::Rss => rss(&feed),
        Format::Atom => atom(&feed),
        Format::Json => json_feed(&feed),
    };
    let tag = etag::of_bytes(body.as_bytes());
    // Last-Modified must not go back when an entry leaves the feed or a shown name changes:
    // the latest change anywhere, not only among the entries. HTTP dates have whole seconds.
    let latest = last_change
        .map(utc)
        .unwrap_or(feed.updated)
        .max(feed.updated);
    let modified =
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(latest.timestamp().max(0) as u64);
    let not_modified = if req.headers().contains_key(header::IF_NONE_MATCH) {
        etag::none_match_hits(&req, &tag)
    } else {
        req.headers()
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<HttpDate>().ok())
            .is_some_and(|since| std::time::SystemTime::from(since) >= modified)
    };
    let mut res = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, tag))
        .insert_header((header::LAST_MODIFIED, HttpDate::from(modified)))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"));
    if not_modified {
        return Ok(res.finish());
    }
    Ok(res.content_type(format.content_type()).body(body))
}

/// RSS 2.0 feed of activities
///
/// The newest published activities (50, `limit` up to 200) with the list's filters.
#[utoipa::path(tag = "feeds", operation_id = "feed_rss", params(FeedQuery),
    responses(
        (status = 200, description = "RSS 2.0", content_type = "application/rss+xml", body = String,
         headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match / If-Modified-Since)"),
        (status = 404, description = "A filter names an unknown organization, cluster or tag", body = Problem, content_type = "application/problem+json")))]
#[get("/activities.rss")]
pub async fn feed_rss(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<FeedSettings>,
    q: Qs<FeedQuery>,
) -> ApiResult<HttpResponse> {
    serve(req, pool, settings, q.into_inner(), Format::Rss).await
}

/// Atom feed of activities
///
/// The newest published activities (50, `limit` up to 200) with the list's filters.
#[utoipa::path(tag = "feeds", operation_id = "feed_atom", params(FeedQuery),
    responses(
        (status = 200, description = "Atom 1.0 (RFC 4287)", content_type = "application/atom+xml", body = String,
         headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match / If-Modified-Since)"),
        (status = 404, description = "A filter names an unknown organization, cluster or tag", body = Problem, content_type = "application/problem+json")))]
#[get("/activities.atom")]
pub async fn feed_atom(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<FeedSettings>,
    q: Qs<FeedQuery>,
) -> ApiResult<HttpResponse> {
    serve(req, pool, settings, q.into_inner(), Format::Atom).await
}

/// JSON Feed of activities
///
/// The newest published activities (50, `limit` up to 200) with the list's filters.
#[utoipa::path(tag = "feeds", operation_id = "feed_json", params(FeedQuery),
    responses(
        (status = 200, description = "JSON Feed 1.1", content_type = "application/feed+json", body = Object,
         headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match / If-Modified-Since)"),
        (status = 404, description = "A filter names an unknown organization, cluster or tag", body = Problem, content_type = "application/problem+json")))]
#[get("/activities.json")]
pub async fn feed_json(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<FeedSettings>,
    q: Qs<FeedQuery>,
) -> ApiResult<HttpResponse> {
    serve(req, pool, settings, q.into_inner(), Format::Json).await
}

/// The `/feeds` scope.
pub fn scope() -> utoipa_actix_web::scope::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    utoipa_actix_web::scope("/feeds")
        .service(feed_rss)
        .service(feed_atom)
        .service(feed_json)
}

/// Links to the feeds of one organization's or cluster's activities.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FeedLinks {
    #[schema(
        example = "https://api.example.vn/feeds/activities.rss?organization=chi-doan-van-phong-ubnd-tinh"
    )]
    pub rss: String,
    pub atom: String,
    pub json: String,
}

impl FeedLinks {
    /// Absolute links to the three feeds filtered by `param=value`.
    pub fn filtered(base: &str, param: &str, value: &str) -> Self {
        let [rss, atom, json] = ["rss", "atom", "json"]
            .map(|ext| format!("{base}/feeds/activities.{ext}?{param}={value}"));
        Self { rss, atom, json }
    }
}
