//! Absolute URLs for `links`, `Link` and `Location`: from the configured public URL, else from
//! the request's scheme and Host. Query parameters keep their order; only named ones change.

use actix_web::{web, HttpRequest};

/// Settings that shape URLs (shared app data).
#[derive(Debug, Clone, Default)]
pub struct PublicUrl(pub Option<String>);

/// Where the portal's page of an activity lives (`{public_url}` and `{slug}` replaced; shared
/// app data): the `url` of activities in representations, as in the feeds.
#[derive(Debug, Clone)]
pub struct ActivityPageTemplate(pub std::sync::Arc<str>);

/// `scheme://host[:port]` of this API as its clients reach it, without a trailing slash: the
/// configured public URL; else, behind a trusted proxy (`--trusted-proxies`), the scheme and
/// host it forwards (`Forwarded`, `X-Forwarded-Proto`/`-Host`); else the request's own `Host`
/// header on this connection's scheme. Never the forwarded headers of any other client: URLs
/// built on it are stored (revisions, webhook payloads) and kept by shared caches (feeds), and
/// every URL of a response (envelope links, activities' `url` and `links.self`, file URLs,
/// feed items) is built on this one base.
pub fn base(req: &HttpRequest) -> String {
    if let Some(configured) = req
        .app_data::<web::Data<PublicUrl>>()
        .and_then(|p| p.0.clone())
    {
        return configured.trim_end_matches('/').to_string();
    }
    if via_trusted_proxy(req) {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let scheme = if req.app_config().secure() {
        "https"
    } else {
        "http"
    };
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .map_or_else(|| req.app_config().host().to_string(), str::to_string);
    format!("{scheme}://{host}")
}

/// Where the URLs of this request's representations point: [`base`] and the portal's page of
/// an activity ([`ActivityPageTemplate`], else the default).
pub fn site(req: &HttpRequest) -> crate::context::Site {
    let template = req
        .app_data::<web::Data<ActivityPageTemplate>>()
        .map_or_else(
            || crate::context::DEFAULT_ACTIVITY_URL_TEMPLATE.into(),
            |t| t.0.clone(),
        );
    crate::context::Site::new(base(req), template)
}

/// Did the request come from one of the trusted proxies (whose forwarded headers are believed)?
fn via_trusted_proxy(req: &HttpRequest) -> bool {
    let Some(peer) = req.peer_addr().map(|a| a.ip().to_canonical()) else {
        return false;
    };
    req.app_data::<web::Data<TrustedProxies>>()
        .is_some_and(|t| t.0.iter().any(|a| a.to_canonical() == peer))
}

/// Reverse proxies whose `X-Forwarded-For` is believed (shared app data).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<std::net::IpAddr>);

/// The client's address: the socket's peer, unless that peer is a trusted proxy — then the
/// nearest address in `X-Forwarded-For` that is not one (what a client writes there itself is
/// further left, and never read).
pub fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    // `::ffff:127.0.0.1` (an IPv4 peer on an IPv6 socket) is 127.0.0.1.
    let peer = req.peer_addr()?.ip().to_canonical();
    let trusted: Vec<std::net::IpAddr> = req
        .app_data::<web::Data<TrustedProxies>>()
        .map(|t| t.0.iter().map(|a| a.to_canonical()).collect())
        .unwrap_or_default();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // From the right: past each trusted proxy to the first address that is not one. An entry
    // that is not an address stops the walk (what lies left of it is not vouched for).
    for entry in entries.into_iter().rev() {
        match entry.parse::<std::net::IpAddr>().map(|a| a.to_canonical()) {
            Ok(a) if trusted.contains(&a) => continue,
            Ok(a) => return Some(a),
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

/// Absolute URL of a path on this API.
pub fn absolute(req: &HttpRequest, path: &str) -> String {
    format!("{}{}", base(req), path)
}

/// The URL of the current request, to derive sibling pages from.
pub struct RequestUrl {
    prefix: String,
    pairs: Vec<(String, String)>,
    raw_query: String,
}

impl RequestUrl {
    pub fn of(req: &HttpRequest) -> Self {
        let pairs = form_urlencoded::parse(req.query_string().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Self {
            prefix: absolute(req, req.path()),
            pairs,
            raw_query: req.query_string().to_string(),
        }
    }

    /// The request's own URL.
    pub fn current(&self) -> String {
        if self.raw_query.is_empty() {
            self.prefix.clone()
        } else {
            format!("{}?{}", self.prefix, self.raw_query)
        }
    }

    /// This URL with `set` parameters replaced in place (or appended) and `remove` ones dropped.
    pub fn with(&self, set: &[(&str, Option<String>)], remove: &[&str]) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        let mut done: Vec<&str> = Vec::new();
        for (k, v) in &self.pairs {
            if remove.contains(&k.as_str()) {
                continue;
            }
            match set.iter().find(|(name, _)| name == k) {
                Some((name, value)) => {
                    if !done.contains(name) {
                        if let Some(value) = value {
                            out.append_pair(k, value);
                        }
                        done.push(name);
                    }
                }
                None => {
                    out.append_pair(k, v);
                }
            }
        }
        for (name, value) in set {
            if !done.contains(name) {
                if let Some(value) = value {
                    out.append_pair(name, value);
                }
            }
        }
        let query = out.finish();
        if query.is_empty() {
            self.prefix.clone()
        } else {
            format!("{}?{query}", self.prefix)
        }
    }
}

/// Links to the feeds of one organization's or cluster's activities.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FeedLinks {
    /// RSS 2.0 feed of the newest published activities (absolute URL): `?organization={slug}`
    /// for a unit (as organizer or partner), `?cluster={slug}` for a cluster.
    #[schema(
        example = "https://api.example.vn/feeds/activities.rss?organization=chi-doan-van-phong-ubnd-tinh"
    )]
    pub rss: String,
    /// The same feed as Atom 1.0 (absolute URL).
    pub atom: String,
    /// The same feed as JSON Feed 1.1 (absolute URL).
    pub json: String,
}

impl FeedLinks {
    /// Links to the three feeds filtered by `param=value`, relative to the API's base URL.
    pub fn filtered(param: &str, value: &str) -> Self {
        let [rss, atom, json] =
            ["rss", "atom", "json"].map(|ext| format!("/feeds/activities.{ext}?{param}={value}"));
        Self { rss, atom, json }
    }

    /// The links made absolute on `base` (`scheme://host`, no trailing slash).
    pub fn on(self, base: &str) -> Self {
        let absolute = |link: String| format!("{base}{link}");
        Self {
            rss: absolute(self.rss),
            atom: absolute(self.atom),
            json: absolute(self.json),
        }
    }
}

/// `301 Moved Permanently` from a resource named by an old slug to its current `slug`: the
/// request's URL with its last path segment replaced (the query kept).
pub fn moved(req: &HttpRequest, slug: &str) -> actix_web::HttpResponse {
    let path = req.path();
    let parent = path.rsplit_once('/').map_or("", |(parent, _)| parent);
    let mut location = absolute(req, &format!("{parent}/{slug}"));
    if !req.query_string().is_empty() {
        location.push('?');
        location.push_str(req.query_string());
    }
    actix_web::HttpResponse::MovedPermanently()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

/// Does `key` (an id or a slug from a path) name the row by an old slug, not `current`?
pub fn is_old_slug(key: &str, current: &str) -> bool {
    matches!(crate::db::Key::parse(key), crate::db::Key::Slug(s) if s != current)
}
