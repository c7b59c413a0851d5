//! The list contract of API.md, written once: `page`/`per_page`/`cursor`/`sort` parsing, the
//! `{data, meta, links}` envelope with absolute links, `Link` and `X-Total-Count` headers, and
//! opaque keyset cursors bound to the sort and the filters.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::list::{Bind, Dir, Total};
pub use crate::db::list::{KeysetRow, PageSpec, SortKey, Sortable};
use crate::error::AppError;
use crate::http::fields::FieldSet;
use crate::http::links;

pub const DEFAULT_PER_PAGE: i64 = 20;
pub const MAX_PER_PAGE: i64 = 100;

/// Parameters shared by every list, whatever the resource.
#[derive(Debug, Clone, Default)]
pub struct Paging {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub cursor: Option<String>,
    pub sort: Option<String>,
    /// `fields`: the members of each item to send (all when `None`).
    pub fields: Option<Vec<String>>,
}

/// A list request, validated: the page to read ([`PageSpec`], what repositories see, through
/// `Deref`) and what its cursor is bound to.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub spec: PageSpec,
    pub sort_canonical: String,
    filter_hash: String,
    /// `fields`, as asked (checked against the item's schema by [`respond`]).
    pub fields: Option<Vec<String>>,
}

impl std::ops::Deref for ListRequest {
    type Target = PageSpec;

    fn deref(&self) -> &PageSpec {
        &self.spec
    }
}

/// Parse and check `sort` against a resource's whitelist.
pub fn parse_sort(raw: Option<&str>, sortable: &Sortable) -> Result<Vec<SortKey>, AppError> {
    let raw = raw.unwrap_or(sortable.default);
    let mut keys: Vec<SortKey> = Vec::new();
    for part in raw.split(',') {
        let part = part.trim();
        let (name, dir) = match part.strip_prefix('-') {
            Some(rest) => (rest, Dir::Desc),
            None => (part.strip_prefix('+').unwrap_or(part), Dir::Asc),
        };
        let Some((name, sql)) = sortable.fields.iter().find(|(n, _)| *n == name) else {
            return Err(AppError::bad_param(
                "sort",
                format!(
                    "has an unknown field '{part}'; allowed: {} (prefix '-' for descending)",
                    sortable.allowed()
                ),
            ));
        };
        if keys.iter().any(|k| k.name == *name) {
            return Err(AppError::bad_param(
                "sort",
                format!("names '{name}' more than once"),
            ));
        }
        keys.push(SortKey { name, sql, dir });
    }
    Ok(keys)
}

#[derive(Serialize, Deserialize)]
struct CursorBody {
    s: String,
    f: String,
    k: Vec<Bind>,
}

impl ListRequest {
    pub fn new(req: &HttpRequest, paging: &Paging, sortable: &Sortable) -> Result<Self, AppError> {
        let sort = parse_sort(paging.sort.as_deref(), sortable)?;
        let sort_canonical = sort
            .iter()
            .map(|k| match k.dir {
                Dir::Asc => k.name.to_string(),
                Dir::Desc => format!("-{}", k.name),
            })
            .collect::<Vec<_>>()
            .join(",");
        let per_page = paging
            .per_page
            .unwrap_or(DEFAULT_PER_PAGE)
            .min(MAX_PER_PAGE);
        let filter_hash = filter_hash(req.path(), req.query_string());
        let (page, after) = match (&paging.cursor, paging.page) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_param(
                    "cursor",
                    "cannot be combined with `page`; use one or the other",
                ))
            }
            (Some(cursor), None) => {
                let body = decode_cursor(cursor)?;
                if body.s != sort_canonical {
                    return Err(AppError::bad_param(
                        "cursor",
                        format!(
                            "was issued for sort '{}', not '{sort_canonical}'; start again without a cursor",
                            body.s
                        ),
                    ));
                }
                if body.f != filter_hash {
                    return Err(AppError::bad_param(
                        "cursor",
                        "was issued for other filters or search; start again without a cursor",
                    ));
                }
                if body.k.len() != sort.len() + 1 {
                    return Err(AppError::bad_param("cursor", "is malformed"));
                }
                (None, Some(body.k))
            }
            (None, page) => (Some(page.unwrap_or(1)), None),
        };
        Ok(Self {
            spec: PageSpec {
                sort,
                per_page,
                page,
                after,
            },
            sort_canonical,
            filter_hash,
            fields: paging.fields.clone(),
        })
    }

    fn encode_cursor(&self, keys: &[Bind]) -> String {
        let body = CursorBody {
            s: self.sort_canonical.clone(),
            f: self.filter_hash.clone(),
            k: keys.to_vec(),
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }
}

fn decode_cursor(cursor: &str) -> Result<CursorBody, AppError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .ok()
        .and_then(|bytes| serde_json::from_slice::<CursorBody>(&bytes).ok())
        .ok_or_else(|| {
            AppError::bad_param(
                "cursor",
                "is malformed; use the value of meta.next_cursor unchanged",
            )
        })
}

/// What a cursor binds besides the sort: the path (the resource, the unit or cluster it names)
/// and every parameter except the paging ones, in any order.
fn filter_hash(path: &str, query: &str) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| {
            !matches!(
                k.as_ref(),
                "page" | "per_page" | "cursor" | "sort" | "fields"
            )
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    let mut hasher = Sha256::new();
    hasher.update(path.as_bytes());
    hasher.update([0]);
    for (k, v) in pairs {
        hasher.update(k.as_bytes());
        hasher.update([0]);
        hasher.update(v.as_bytes());
        hasher.update([0]);
    }
    hex::encode(&hasher.finalize()[..8])
}

crate::string_enum! {
    /// How `meta.total` relates to the number of rows.
    pub enum TotalRelation {
        /// Exactly `total` rows.
        Eq = "eq",
        /// At least `total` rows.
        Gte = "gte",
    }
}

/// `meta` of a list response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListMeta {
    /// Current page (page mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 2)]
    pub page: Option<i64>,
    /// Page size actually used (a larger request is lowered to 100).
    #[schema(example = 20)]
    pub per_page: i64,
    /// Number of rows matching the filters: exact, or — a search with more matches than it
    /// counts (see `count`) — at least this many (`total_relation: gte`).
    #[schema(example = 237)]
    pub total: i64,
    /// `eq`: `total` is exact; `gte`: there are at least `total` rows (then `total_pages`
    /// counts the pages of those, `links.last` is absent and `X-Total-Count` is not sent).
    pub total_relation: TotalRelation,
    /// Number of pages (page mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 12)]
    pub total_pages: Option<i64>,
    /// Opaque keyset cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `links` of a list response: absolute URLs; absent where there is no such page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListLinks {
    /// This page: the URL as requested, made absolute.
    #[serde(rename = "self")]
    pub self_: String,
    /// The first page, with the same filters, sort and `per_page` (`page=1`; without `cursor`).
    /// Always present.
    pub first: String,
    /// The page before (page mode only): absent on page 1, on an empty list and in cursor mode
    /// (cursors only go forward). Past the end, the last page there is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    /// The page after: `page + 1` in page mode, `cursor={meta.next_cursor}` in cursor mode;
    /// absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// The last page (page mode only): absent on an empty list and in cursor mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
}

/// The list envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T> {
    /// The items of this page, in the order of `sort` (at most `meta.per_page`; empty past
    /// the end).
    pub data: Vec<T>,
    /// Counts and paging state: `total` and `per_page`; `page` and `total_pages` in page
    /// mode; `next_cursor` whenever there is a next page.
    pub meta: ListMeta,
    /// Absolute URLs of this page and its neighbours (all but `self` also sent in the `Link`
    /// header).
    pub links: ListLinks,
}

/// Build the 200 response of a list: envelope, `Link`, `X-Total-Count`; each item with the
/// members `fields` keeps (a 400 when it names one the item's schema lacks).
pub fn respond<T: Serialize + utoipa::ToSchema>(
    req: &HttpRequest,
    list: &ListRequest,
    data: Vec<T>,
    total: impl Into<Total>,
    next_keys: Option<Vec<Bind>>,
) -> Result<HttpResponse, AppError> {
    let set = FieldSet::of::<T>(list.fields.as_deref())?;
    let data = data
        .into_iter()
        .map(|item| FieldSet::show(set.as_ref(), item))
        .collect::<Result<Vec<_>, AppError>>()?;
    let url = links::RequestUrl::of(req);
    let next_cursor = next_keys.map(|k| list.encode_cursor(&k));
    let Total { n: total, exact } = total.into();
    let total_relation = if exact {
        TotalRelation::Eq
    } else {
        TotalRelation::Gte
    };
    let per_page = list.per_page;
    let (meta, links) = match list.page {
        Some(page) => {
            let total_pages = (total + per_page - 1) / per_page;
            let page_url = |n: i64| url.with(&[("page", Some(n.to_string()))], &["cursor"]);
            let links = ListLinks {
                self_: url.current(),
                first: page_url(1),
                // Past the end, the page before is the last one there is.
                prev: (page > 1 && total_pages > 0).then(|| page_url((page - 1).min(total_pages))),
                // A lower bound counts at least one row past this page (a search counts up to
                // beyond the page it reads): there is a next page, and no known last one.
                next: (page < total_pages || (!exact && next_cursor.is_some()))
                    .then(|| page_url(page + 1)),
                last: (exact && total_pages > 0).then(|| page_url(total_pages)),
            };
            let meta = ListMeta {
                page: Some(page),
                per_page: list.per_page,
                total,
                total_relation,
                total_pages: Some(total_pages),
                next_cursor,
            };
            (meta, links)
        }
        None => {
            let links = ListLinks {
                self_: url.current(),
                first: url.with(&[], &["cursor", "page"]),
                prev: None,
                next: next_cursor
                    .as_ref()
                    .map(|c| url.with(&[("cursor", Some(c.clone()))], &["page"])),
                last: None,
            };
            let meta = ListMeta {
                page: None,
                per_page: list.per_page,
                total,
                total_relation,
                total_pages: None,
                next_cursor,
            };
            (meta, links)
        }
    };
    let mut link_header = vec![format!("<{}>; rel=\"first\"", links.first)];
    for (rel, href) in [
        ("prev", &links.prev),
        ("next", &links.next),
        ("last", &links.last),
    ] {
        if let Some(href) = href {
            link_header.push(format!("<{href}>; rel=\"{rel}\""));
        }
    }
    // A strong validator of the bytes sent (the page, its total and its links): a client or
    // a cache revalidating a page that did not change gets a 304 without the body. Nothing is
    // counted for it: the total is the one the page was read with.
    let body =
        serde_json::to_vec(&ListResponse { data, meta, links }).map_err(AppError::internal)?;
    let tag = crate::http::etag::of_bytes(&body);
    if crate::http::etag::none_match_hits(req, &tag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish());
    }
    let mut res = HttpResponse::Ok();
    res.insert_header((header::LINK, link_header.join(", ")))
        .insert_header((header::ETAG, tag))
        .content_type("application/json");
    if exact {
        // A number a client reads as the count: not sent when it is only a lower bound.
        res.insert_header(("X-Total-Count", total.to_string()));
    }
    Ok(res.body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SORTS: Sortable = Sortable {
        fields: &[("name", "sort_key"), ("created_at", "created_at")],
        default: "name",
    };

    #[test]
    fn sort_parsing_checks_the_whitelist() {
        let keys = parse_sort(Some("-created_at,name"), &SORTS).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].dir, Dir::Desc);
        assert!(parse_sort(Some("secret"), &SORTS).is_err());
        assert!(parse_sort(Some("name,-name"), &SORTS).is_err());
        assert!(parse_sort(Some(""), &SORTS).is_err());
        assert_eq!(parse_sort(None, &SORTS).unwrap()[0].name, "name");
    }

    #[test]
    fn filter_hash_ignores_order_and_paging() {
        assert_eq!(
            filter_hash("/o", "kind=a&parent=1&page=2&cursor=x"),
            filter_hash("/o", "parent=1&kind=a&per_page=5&fields=id")
        );
        assert_ne!(filter_hash("/o", "kind=a"), filter_hash("/o", "kind=b"));
        assert_ne!(filter_hash("/o/1/a", ""), filter_hash("/o/2/a", ""));
    }
}
