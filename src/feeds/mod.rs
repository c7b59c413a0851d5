//! Feeds for provincial portals, outside the JSON API: RSS 2.0, Atom 1.0 and JSON Feed 1.1 of
//! the newest published activities, with the list's filters, strong ETags and
//! Last-Modified/304.

use actix_web::http::header::{self, HttpDate};
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::activities::dto::ActivityFilters;
use crate::activities::repo::{self as activities, Viewer};
use crate::db::{self, DbPool};
use crate::error::{ApiResult, AppError, Problem};
use crate::http::query::Split;
use crate::http::{etag, links};

mod render;
mod sitemap;

use render::{atom, build, json_feed, rss, shown, utc};
#[cfg(test)]
use render::{escape, rfc2822, rfc3339};

pub use sitemap::MAX_URLS_PER_FILE;

/// Where the portal's pages live (`{public_url}` and `{slug}` are replaced), for the feeds and
/// the sitemap.
#[derive(Debug, Clone)]
pub struct FeedSettings {
    pub activity_url_template: String,
    pub organization_url_template: String,
    /// URLs in one sitemap file (at most the protocol's 50,000).
    pub sitemap_urls_per_file: usize,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            activity_url_template: "{public_url}/hoat-dong/{slug}".into(),
            organization_url_template: "{public_url}/to-chuc/{slug}".into(),
            sitemap_urls_per_file: MAX_URLS_PER_FILE,
        }
    }
}

/// The feeds' own parameter (their filters are the list's, [`ActivityFilters`]).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedOptions {
    /// Number of entries, 1 to 200 (default 50).
    #[serde(default, deserialize_with = "crate::http::query::de_positive")]
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

impl crate::http::query::Params for FeedOptions {}

/// How long after its second ends a change is taken as settled: a write stamps its time
/// before it commits, so a second is "over" a little after it ends.
const SETTLE: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

/// `Last-Modified` of a feed whose latest change is `latest`, seen at `now`. HTTP dates have
/// whole seconds: handing out "12:00:00" at 12:00:00.3 and then answering 304 to
/// `If-Modified-Since: 12:00:00` would hide a change made at 12:00:00.7 forever. So while the
/// latest change's second may still see another, the date handed out is the second before
/// (a client echoing it gets the whole feed once more); once the second is over, it is the
/// change's own second, and any later change falls in a later one.
///
/// Returns the date to hand out and the change's own second: `If-Modified-Since` is compared
/// with the latter, so an unsettled date handed out earlier never matches.
fn last_modified(
    latest: DateTime<Utc>,
    now: DateTime<Utc>,
) -> (std::time::SystemTime, std::time::SystemTime) {
    use chrono::Timelike;
    let second = shown(latest.with_nanosecond(0).unwrap_or(latest));
    let settled = second + chrono::TimeDelta::seconds(1) + SETTLE <= now;
    let handed_out = if settled {
        second
    } else {
        second - chrono::TimeDelta::seconds(1)
    };
    let system = |t: DateTime<Utc>| {
        std::time::UNIX_EPOCH
            + std::time::Duration::from_secs(u64::try_from(t.timestamp()).unwrap_or(0))
    };
    (system(handed_out), system(second))
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

async fn serve(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<FeedSettings>,
    Split(options, filters): Split<FeedOptions, ActivityFilters>,
    format: Format,
) -> ApiResult<HttpResponse> {
    let limit = options.limit.unwrap_or(50);
    if limit > 200 {
        return Err(AppError::bad_param("limit", "must be at most 200"));
    }
    // Item links (and the home page) as the API's `url` of the same activity.
    let public = links::base(&req);
    let self_url = links::RequestUrl::of(&req).current();
    let template = settings.activity_url_template.clone();
    let (items, parts, last_change) = db::run(&pool, move |conn| {
        // A feed is public: tags of drafts are not there to filter by.
        let filters = filters.resolve(conn, &Viewer::Public, None)?;
        let last_change = activities::last_change(conn)?;
        let items = activities::feed(conn, &filters, limit)?;
        Ok((items, filters.named, last_change))
    })
    .await?;
    // Cover pictures on the same base as the links (the repository gives their paths).
    let items: Vec<activities::FeedItem> = items
        .into_iter()
        .map(|mut item| {
            item.summary.photo = item.summary.photo.map(|p| p.linked(&public));
            item
        })
        .collect();
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
    let (modified, changed) = last_modified(latest, Utc::now());
    let not_modified = if req.headers().contains_key(header::IF_NONE_MATCH) {
        etag::none_match_hits(&req, &tag)
    } else {
        let since = req
            .headers()
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<HttpDate>().ok())
            .map(std::time::SystemTime::from);
        // A date from the future says nothing about what the client saw.
        since.is_some_and(|s| s >= changed && s <= std::time::SystemTime::now())
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
/// The newest published activities (50, `limit` up to 200) with the list's filters
/// (`status=archived` for archived ones; never drafts).
#[utoipa::path(tag = "feeds", operation_id = "feed_rss", params(ActivityFilters, FeedOptions),
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
    q: Split<FeedOptions, ActivityFilters>,
) -> ApiResult<HttpResponse> {
    serve(req, pool, settings, q, Format::Rss).await
}

/// Atom feed of activities
///
/// The newest published activities (50, `limit` up to 200) with the list's filters
/// (`status=archived` for archived ones; never drafts).
#[utoipa::path(tag = "feeds", operation_id = "feed_atom", params(ActivityFilters, FeedOptions),
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
    q: Split<FeedOptions, ActivityFilters>,
) -> ApiResult<HttpResponse> {
    serve(req, pool, settings, q, Format::Atom).await
}

/// JSON Feed of activities
///
/// The newest published activities (50, `limit` up to 200) with the list's filters
/// (`status=archived` for archived ones; never drafts).
#[utoipa::path(tag = "feeds", operation_id = "feed_json", params(ActivityFilters, FeedOptions),
    responses(
        (status = 200, description = "JSON Feed 1.1", content_type = "application/feed+json", body = render::JsonFeed,
         headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match / If-Modified-Since)"),
        (status = 404, description = "A filter names an unknown organization, cluster or tag", body = Problem, content_type = "application/problem+json")))]
#[get("/activities.json")]
pub async fn feed_json(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<FeedSettings>,
    q: Split<FeedOptions, ActivityFilters>,
) -> ApiResult<HttpResponse> {
    serve(req, pool, settings, q, Format::Json).await
}

/// The feeds, as the rest of the program sees them.
pub const RESOURCE: crate::http::resource::Resource = crate::http::resource::Resource {
    tags: &[(
        "feeds",
        "RSS, Atom and JSON Feed of the newest published activities, for portals",
    )],
    root: Some(configure),
    ..crate::http::resource::Resource::NONE
};

/// Routes under `/feeds`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/feeds")
            .service(feed_rss)
            .service(feed_atom)
            .service(feed_json),
    );
    cfg.service(sitemap::sitemap).service(sitemap::sitemap_file);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn secs(t: std::time::SystemTime) -> u64 {
        t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
    }

    #[test]
    fn a_last_modified_second_is_handed_out_only_once_it_is_over() {
        let change = at("2023-09-25T12:00:00.300Z");
        let own = u64::try_from(at("2023-09-25T12:00:00Z").timestamp()).unwrap();
        // Within the change's second (and the settling time after it): the second before.
        let (handed, changed) = last_modified(change, at("2023-09-25T12:00:00.400Z"));
        assert_eq!((secs(handed), secs(changed)), (own - 1, own));
        let (handed, _) = last_modified(change, at("2023-09-25T12:00:01.500Z"));
        assert_eq!(secs(handed), own - 1);
        // Settled: the change's own second.
        let (handed, changed) = last_modified(change, at("2023-09-25T12:00:02Z"));
        assert_eq!((secs(handed), secs(changed)), (own, own));
    }

    #[test]
    fn times_outside_the_range_are_shown_at_its_bounds() {
        let far =
            chrono::NaiveDateTime::parse_from_str("+10000-01-01 00:00:00", "%Y-%m-%d %H:%M:%S")
                .unwrap()
                .and_utc();
        assert!(rfc2822(far).contains("2100"));
        assert!(rfc3339(far).starts_with("2100-12-31T23:59:59"));
        assert_eq!(escape("a\u{FFFF}b\u{1}c"), "abc");
    }
}
