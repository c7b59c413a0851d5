//! The sitemap (sitemaps.org 0.9) of the public pages: every published activity and every
//! organization, at their canonical URLs, with the time of their last change. Past the
//! protocol's 50,000 URLs a file, `/sitemap.xml` is an index of numbered files.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use diesel::Connection;

use super::render::{escape, rfc3339, utc};
use super::FeedSettings;
use crate::activities::repo as activities;
use crate::db::{self, DbPool};
use crate::error::{ApiResult, AppError, Problem};
use crate::http::query::Qs;
use crate::http::{etag, links};
use crate::organizations::repo as organizations;

/// The protocol's limit of URLs in one file (and the default size of each).
pub const MAX_URLS_PER_FILE: usize = 50_000;

const XML: &str = "application/xml; charset=utf-8";

/// The sitemap takes no parameter: any is a 400 naming it, as everywhere else.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

impl crate::http::query::Params for NoParams {}

/// The two kinds of numbered files of an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Organizations,
    Activities,
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::Organizations => "organizations",
            Part::Activities => "activities",
        }
    }

    /// `activities-3.xml` → (Activities, 3); anything else is not a file of ours.
    fn parse(file: &str) -> Option<(Part, i64)> {
        let stem = file.strip_suffix(".xml")?;
        let (name, number) = stem.rsplit_once('-')?;
        let part = match name {
            "organizations" => Part::Organizations,
            "activities" => Part::Activities,
            _ => return None,
        };
        // Digits without a leading zero: one name for each file.
        if number.is_empty()
            || number.starts_with('0')
            || !number.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let n: i64 = number.parse().ok().filter(|n| *n >= 1)?;
        Some((part, n))
    }

    fn template(self, settings: &FeedSettings) -> &str {
        match self {
            Part::Organizations => &settings.organization_url_template,
            Part::Activities => &settings.activity_url_template,
        }
    }
}

/// One `<url>`: the page of `slug` by `template`, and its last change.
fn url_entry(out: &mut String, template: &str, public: &str, slug: &str, lastmod: &str) {
    let loc = template
        .replace("{public_url}", public)
        .replace("{slug}", slug);
    out.push_str("<url><loc>");
    out.push_str(&escape(&loc));
    out.push_str("</loc><lastmod>");
    out.push_str(lastmod);
    out.push_str("</lastmod></url>\n");
}

type Rows = Vec<(String, chrono::NaiveDateTime)>;

fn urlset(parts: &[(Part, Rows)], settings: &FeedSettings, public: &str) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (part, rows) in parts {
        for (slug, changed) in rows {
            url_entry(
                &mut out,
                part.template(settings),
                public,
                slug,
                &rfc3339(utc(*changed)),
            );
        }
    }
    out.push_str("</urlset>\n");
    out
}

/// The body with a strong ETag, 304 when the client has it.
fn respond(req: &HttpRequest, body: String) -> HttpResponse {
    let tag = etag::of_bytes(body.as_bytes());
    let hit = etag::none_match_hits(req, &tag);
    let mut res = if hit {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"));
    if hit {
        res.finish()
    } else {
        res.content_type(XML).body(body)
    }
}

/// Files of `per_file` URLs that `count` entries fill.
fn files(count: i64, per_file: i64) -> i64 {
    (count + per_file - 1) / per_file
}

/// Sitemap of the public pages
///
/// Every published activity (at the activity URL template) and every organization (at the
/// organization URL template), each with `lastmod`, the time of its last change. Up to the
/// protocol's 50,000 URLs a `urlset`; past them a `sitemapindex` of
/// `/sitemaps/organizations-N.xml` and `/sitemaps/activities-N.xml`.
#[utoipa::path(tag = "feeds", operation_id = "sitemap",
    responses(
        (status = 200, description = "A sitemaps.org 0.9 `urlset`, or a `sitemapindex` past 50,000 URLs", content_type = "application/xml", body = String,
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)")))]
#[get("/sitemap.xml")]
pub async fn sitemap(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<FeedSettings>,
    _none: Qs<NoParams>,
) -> ApiResult<HttpResponse> {
    let public = links::base(&req);
    let per_file = settings.sitemap_urls_per_file as i64;
    let body = db::run(&pool, move |conn| {
        conn.transaction(|conn| {
            let orgs = organizations::count_all(conn)?;
            let acts = activities::published_count(conn)?;
            if orgs + acts <= per_file {
                let parts = [
                    (Part::Organizations, organizations::slugs(conn, 0, orgs)?),
                    (
                        Part::Activities,
                        activities::published_slugs(conn, 0, acts)?,
                    ),
                ];
                return Ok(Sitemap::Urls(parts));
            }
            Ok(Sitemap::Index {
                organizations: files(orgs, per_file),
                activities: files(acts, per_file),
            })
        })
    })
    .await?;
    let body = match body {
        Sitemap::Urls(parts) => urlset(&parts, &settings, &public),
        Sitemap::Index {
            organizations,
            activities,
        } => {
            let mut out = String::from(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
            );
            for (part, n) in [
                (Part::Organizations, organizations),
                (Part::Activities, activities),
            ] {
                for k in 1..=n {
                    out.push_str(&format!(
                        "<sitemap><loc>{}</loc></sitemap>\n",
                        escape(&format!("{public}/sitemaps/{}-{k}.xml", part.name()))
                    ));
                }
            }
            out.push_str("</sitemapindex>\n");
            out
        }
    };
    Ok(respond(&req, body))
}

enum Sitemap {
    Urls([(Part, Rows); 2]),
    Index { organizations: i64, activities: i64 },
}

/// One file of the sitemap index
///
/// `organizations-N.xml` or `activities-N.xml` (N from 1), as `/sitemap.xml` lists them when
/// there are more than 50,000 URLs: the N-th run of URLs, oldest first.
#[utoipa::path(tag = "feeds", operation_id = "sitemap_file",
    params(("file" = String, Path, description = "`organizations-N.xml` or `activities-N.xml`, N from 1", example = "activities-1.xml")),
    responses(
        (status = 200, description = "A sitemaps.org 0.9 `urlset`", content_type = "application/xml", body = String,
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such file", body = Problem, content_type = "application/problem+json")))]
#[get("/sitemaps/{file}")]
pub async fn sitemap_file(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<FeedSettings>,
    file: web::Path<String>,
    _none: Qs<NoParams>,
) -> ApiResult<HttpResponse> {
    let missing = || AppError::NotFound(format!("no sitemap file {}", file.as_str()));
    let (part, n) = Part::parse(&file).ok_or_else(missing)?;
    let public = links::base(&req);
    let per_file = settings.sitemap_urls_per_file as i64;
    let offset = (n - 1).checked_mul(per_file).ok_or_else(missing)?;
    let rows = db::run(&pool, move |conn| {
        Ok(match part {
            Part::Organizations => organizations::slugs(conn, offset, per_file)?,
            Part::Activities => activities::published_slugs(conn, offset, per_file)?,
        })
    })
    .await?;
    // The first file exists even when empty; later ones only while they hold something.
    if rows.is_empty() && n > 1 {
        return Err(missing());
    }
    Ok(respond(&req, urlset(&[(part, rows)], &settings, &public)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_file_names_parse() {
        assert_eq!(Part::parse("activities-3.xml"), Some((Part::Activities, 3)));
        assert_eq!(
            Part::parse("organizations-1.xml"),
            Some((Part::Organizations, 1))
        );
        for bad in [
            "activities-0.xml",
            "activities-01.xml",
            "activities-.xml",
            "activities-+1.xml",
            "activities-1",
            "users-1.xml",
            "activities-99999999999999999999.xml",
        ] {
            assert_eq!(Part::parse(bad), None, "{bad}");
        }
        assert_eq!(files(0, 5), 0);
        assert_eq!(files(5, 5), 1);
        assert_eq!(files(6, 5), 2);
    }
}
