//! Rendering feeds: pure functions from activities to RSS 2.0, Atom 1.0 and JSON Feed 1.1
//! text (escaping, dates within the documented range, enclosures).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::activities::repo::FeedItem;

pub(super) struct Feed {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) home: String,
    pub(super) self_url: String,
    pub(super) updated: DateTime<Utc>,
    pub(super) entries: Vec<Entry>,
}

pub(super) struct Entry {
    pub(super) url: String,
    pub(super) title: String,
    pub(super) summary: String,
    pub(super) content_html: String,
    pub(super) published: DateTime<Utc>,
    pub(super) updated: DateTime<Utc>,
    pub(super) author: String,
    pub(super) category_code: &'static str,
    pub(super) category_label: &'static str,
    pub(super) tags: Vec<(String, String)>,
    pub(super) image: Option<Image>,
}

/// An entry's cover picture as feeds carry it.
pub(super) struct Image {
    pub(super) url: String,
    /// Bytes, when known (an uploaded photo's rendition); an external image's is not.
    pub(super) length: Option<i64>,
    pub(super) content_type: String,
    pub(super) width: Option<u32>,
    pub(super) height: Option<u32>,
    pub(super) alt: Option<String>,
    /// (url, width, height)
    pub(super) thumbnail: Option<(String, Option<u32>, Option<u32>)>,
}

impl Image {
    /// The cover: an uploaded photo's largest rendition (1280 px, or the original when it is
    /// narrower), or the external image.
    fn of(p: crate::activities::dto::Photo) -> Option<Self> {
        let largest = p
            .renditions
            .iter()
            .max_by_key(|r| r.width)
            .filter(|r| r.width == Some(1280));
        match (p.media_id, largest) {
            (Some(_), Some(r)) => Some(Self {
                url: r.src.clone(),
                length: Some(r.bytes),
                content_type: r.content_type.clone(),
                width: r.width,
                height: r.height,
                alt: p.alt.clone(),
                thumbnail: p.thumbnail.map(|t| (t.src, t.width, t.height)),
            }),
            (Some(_), None) => {
                let url = p.url?;
                Some(Self {
                    content_type: image_type(&url).to_string(),
                    length: p.bytes,
                    url,
                    width: p.width,
                    height: p.height,
                    alt: p.alt.clone(),
                    thumbnail: p.thumbnail.map(|t| (t.src, t.width, t.height)),
                })
            }
            (None, _) => {
                let url = p.url?;
                Some(Self {
                    content_type: image_type(&url).to_string(),
                    url,
                    length: None,
                    width: None,
                    height: None,
                    alt: None,
                    thumbnail: None,
                })
            }
        }
    }
}

pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids are dropped (input refuses them; a query's `q` shown
            // in the title, or an older row, may still carry one).
            c if crate::text::is_xml_forbidden(c) => {}
            c => out.push(c),
        }
    }
    out
}

pub(super) fn image_type(url: &str) -> &'static str {
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

pub(super) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

pub(super) fn build(
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
                image: s.photo.and_then(Image::of),
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

pub(super) fn rss(feed: &Feed) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:media=\"http://search.yahoo.com/mrss/\">\n<channel>\n",
    );
    out.push_str(&format!(
        "<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n<language>vi</language>\n\
         <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n<lastBuildDate>{}</lastBuildDate>\n",
        escape(&feed.title),
        escape(&feed.home),
        escape(&feed.description),
        escape(&feed.self_url),
        rfc2822(feed.updated)
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
            rfc2822(e.published),
            escape(&e.author),
            escape(e.category_label),
        ));
        for (_, name) in &e.tags {
            out.push_str(&format!("<category>{}</category>\n", escape(name)));
        }
        if let Some(image) = &e.image {
            // RSS wants a length; 0 says "unknown" for an external image.
            out.push_str(&format!(
                "<enclosure url=\"{}\" length=\"{}\" type=\"{}\"/>\n",
                escape(&image.url),
                image.length.unwrap_or(0),
                escape(&image.content_type)
            ));
        }
        // An uploaded photo is described further (an external image's enclosure says all that
        // is known of it).
        if let Some(image) = e.image.as_ref().filter(|i| i.length.is_some()) {
            out.push_str(&format!(
                "<media:content url=\"{}\" medium=\"image\" type=\"{}\"{}{}{}>",
                escape(&image.url),
                escape(&image.content_type),
                image
                    .length
                    .map(|l| format!(" fileSize=\"{l}\""))
                    .unwrap_or_default(),
                image
                    .width
                    .map(|w| format!(" width=\"{w}\""))
                    .unwrap_or_default(),
                image
                    .height
                    .map(|h| format!(" height=\"{h}\""))
                    .unwrap_or_default(),
            ));
            if let Some(alt) = &image.alt {
                out.push_str(&format!(
                    "<media:description type=\"plain\">{}</media:description>",
                    escape(alt)
                ));
            }
            if let Some((url, w, h)) = &image.thumbnail {
                out.push_str(&format!(
                    "<media:thumbnail url=\"{}\"{}{}/>",
                    escape(url),
                    w.map(|w| format!(" width=\"{w}\"")).unwrap_or_default(),
                    h.map(|h| format!(" height=\"{h}\"")).unwrap_or_default(),
                ));
            }
            out.push_str("</media:content>\n");
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

/// A time as a feed can show it: within the documented range (years 1900 to 2100; input
/// outside it is refused, this guards rows written before that rule).
pub(super) fn shown(t: DateTime<Utc>) -> DateTime<Utc> {
    let bound = |y: i32, m: u32, d: u32, hms: (u32, u32, u32)| {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(hms.0, hms.1, hms.2))
            .map(|t| t.and_utc())
            .unwrap_or_default()
    };
    t.clamp(
        bound(crate::http::dates::MIN_YEAR, 1, 1, (0, 0, 0)),
        bound(crate::http::dates::MAX_YEAR, 12, 31, (23, 59, 59)),
    )
}

pub(super) fn rfc2822(t: DateTime<Utc>) -> String {
    shown(t).to_rfc2822()
}

pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    shown(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(super) fn atom(feed: &Feed) -> String {
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
                "<link rel=\"enclosure\" type=\"{}\" href=\"{}\"{}/>\n",
                escape(&image.content_type),
                escape(&image.url),
                image
                    .length
                    .map(|l| format!(" length=\"{l}\""))
                    .unwrap_or_default(),
            ));
        }
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/), as this API writes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JsonFeed {
    /// The format's version URL: `https://jsonfeed.org/version/1.1`.
    #[schema(example = "https://jsonfeed.org/version/1.1")]
    pub version: &'static str,
    /// The feed's title: the unit, cluster or tag it is filtered to, if any.
    #[schema(example = "Hoạt động của các tổ chức cơ sở Đoàn")]
    pub title: String,
    /// The portal's home page.
    pub home_page_url: String,
    /// This feed's own URL (with its query).
    pub feed_url: String,
    /// What the feed holds.
    pub description: String,
    /// Always `vi`.
    #[schema(example = "vi")]
    pub language: &'static str,
    /// The newest published activities first.
    pub items: Vec<JsonFeedItem>,
}

/// One activity in a JSON Feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JsonFeedItem {
    /// Unique and stable: the activity's page URL.
    pub id: String,
    /// The activity's page on the portal (as its `url` in the API).
    #[schema(example = "https://doankhoi.langson.gov.vn/hoat-dong/dem-hoi-trang-ram")]
    pub url: String,
    /// The headline.
    #[schema(example = "Đêm hội Trăng rằm")]
    pub title: String,
    /// The lead paragraph, plain text (empty when the activity has none).
    pub summary: String,
    /// The article as sanitised HTML (the lead paragraph when there is no body).
    pub content_html: String,
    /// When it was published (RFC 3339, UTC).
    pub date_published: String,
    /// Its last change (RFC 3339, UTC).
    pub date_modified: String,
    /// The byline (or the organizer when there is none).
    pub authors: Vec<JsonFeedAuthor>,
    /// The category's Vietnamese label, then the campaign tags' names.
    pub tags: Vec<String>,
    /// Always `vi`.
    pub language: &'static str,
    /// The first photo, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The first photo as a file, when its size is known (an uploaded photo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<JsonFeedAttachment>>,
}

/// An author of a JSON Feed item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JsonFeedAuthor {
    /// As the page signs it.
    #[schema(example = "Hoàng Bích Liên – Bí thư Chi đoàn Văn phòng Tỉnh uỷ")]
    pub name: String,
}

/// A file of a JSON Feed item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JsonFeedAttachment {
    /// Where the file is.
    pub url: String,
    /// Its media type.
    #[schema(example = "image/jpeg")]
    pub mime_type: String,
    /// Its size in bytes.
    pub size_in_bytes: i64,
    /// The photo's alt text, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

pub(super) fn json_feed(feed: &Feed) -> String {
    let items: Vec<JsonFeedItem> = feed
        .entries
        .iter()
        .map(|e| {
            let mut tags = vec![e.category_label.to_string()];
            tags.extend(e.tags.iter().map(|(_, name)| name.clone()));
            JsonFeedItem {
                id: e.url.clone(),
                url: e.url.clone(),
                title: e.title.clone(),
                summary: e.summary.clone(),
                content_html: e.content_html.clone(),
                date_published: rfc3339(e.published),
                date_modified: rfc3339(e.updated),
                authors: vec![JsonFeedAuthor {
                    name: e.author.clone(),
                }],
                tags,
                language: "vi",
                image: e.image.as_ref().map(|i| i.url.clone()),
                attachments: e.image.as_ref().and_then(|image| {
                    image.length.map(|length| {
                        vec![JsonFeedAttachment {
                            url: image.url.clone(),
                            mime_type: image.content_type.to_string(),
                            size_in_bytes: length,
                            title: image.alt.clone(),
                        }]
                    })
                }),
            }
        })
        .collect();
    let doc = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: feed.title.clone(),
        home_page_url: feed.home.clone(),
        feed_url: feed.self_url.clone(),
        description: feed.description.clone(),
        language: "vi",
        items,
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
