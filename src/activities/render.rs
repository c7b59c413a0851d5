//! Text work for activities: Markdown to sanitised HTML, parsing referenced documents, and
//! search highlights built on the original text (so diacritics survive).

use std::sync::OnceLock;

use chrono::NaiveDate;
use regex::Regex;

use crate::text;

/// Render Markdown and sanitise the HTML: no scripts, no event-handler attributes, no
/// `javascript:` (or other non-web) URLs; links get `rel="noopener noreferrer"`.
pub fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{html, Options, Parser};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut raw = String::new();
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .clean(&raw)
        .to_string()
}

/// What [`markdown_to_html`] gives for plain paragraphs (text without Markdown or HTML
/// syntax, separated by blank lines), without the parser and sanitiser: the synthetic seed's
/// bodies, in bulk. A unit test checks both agree on such text.
pub fn paragraphs_html(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        // As the sanitiser serialises text: only &, < and > are escaped.
        .map(|p| {
            format!(
                "<p>{}</p>\n",
                p.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            )
        })
        .collect()
}

/// The parsed parts of a referenced document ("Chương trình số 28-CT/ĐTN ngày 21/02/2023").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedDocument {
    pub number: Option<String>,
    pub doc_type: Option<String>,
    pub issuer: Option<String>,
    pub department: Option<String>,
    pub issued_on: Option<NaiveDate>,
}

/// Parse what can be parsed of `n-TYPE/ISSUER[-DEPT]` and a `ngày d/m/yyyy` date.
pub fn parse_document(raw: &str) -> ParsedDocument {
    static CODE: OnceLock<Regex> = OnceLock::new();
    static DATE: OnceLock<Regex> = OnceLock::new();
    let code = CODE.get_or_init(|| {
        Regex::new(r"(\d+[a-z]?)\s*-\s*([\p{Lu}Đ]{1,10})\s*/\s*([\p{Lu}Đ]{1,15})(?:\s*-\s*([\p{Lu}Đ]{1,15}))?")
            .expect("valid regex")
    });
    let date = DATE.get_or_init(|| {
        Regex::new(r"(?i)ngày\s+(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
            .expect("valid regex")
    });
    let raw = text::clean(raw);
    let mut parsed = ParsedDocument::default();
    if let Some(c) = code.captures(&raw) {
        parsed.number = c.get(1).map(|m| m.as_str().to_string());
        parsed.doc_type = c.get(2).map(|m| m.as_str().to_string());
        parsed.issuer = c.get(3).map(|m| m.as_str().to_string());
        parsed.department = c.get(4).map(|m| m.as_str().to_string());
    }
    if let Some(c) = date.captures(&raw) {
        let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        if let (Some(d), Some(m), Some(y)) = (n(1), n(2), n(3)) {
            // A year outside the documented range is left unparsed (the raw text is kept).
            parsed.issued_on = i32::try_from(y)
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
                .filter(|day| crate::http::dates::day_problem(*day).is_none());
        }
    }
    parsed
}

/// Escape text for HTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Words of a text with their byte ranges (letters and digits; marks stay with their letter).
fn word_spans(s: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        let part_of_word = c.is_alphanumeric() || unicode_is_mark(c);
        match (part_of_word, start) {
            (true, None) => start = Some(i),
            (false, Some(st)) => {
                spans.push((st, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(st) = start {
        spans.push((st, s.len()));
    }
    spans
}

fn unicode_is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F)
}

/// A short snippet of the first text that matches the query terms, with the matching words
/// wrapped in `<mark>` and everything else HTML-escaped. `terms` are folded; the last one
/// also matches as a prefix.
pub fn highlight(texts: &[Option<&str>], terms: &[String]) -> Option<String> {
    const BEFORE: usize = 8;
    const WORDS: usize = 30;
    let matches = |word: &str| {
        let folded = text::fold(word);
        terms
            .iter()
            .enumerate()
            .any(|(i, t)| folded == *t || (i + 1 == terms.len() && folded.starts_with(t.as_str())))
    };
    // The text that matches the most distinct terms wins (the first such, on a tie).
    let distinct = |original: &str| {
        let spans = word_spans(original);
        let folded: Vec<String> = spans
            .iter()
            .map(|(a, b)| text::fold(&original[*a..*b]))
            .collect();
        terms
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                folded
                    .iter()
                    .any(|w| w == *t || (i + 1 == terms.len() && w.starts_with(t.as_str())))
            })
            .count()
    };
    let best = texts
        .iter()
        .flatten()
        .map(|t| (distinct(t), *t))
        .filter(|(n, _)| *n > 0)
        .fold(None::<(usize, &str)>, |best, (n, t)| match best {
            Some((m, _)) if m >= n => best,
            _ => Some((n, t)),
        });
    if let Some((_, original)) = best {
        let spans = word_spans(original);
        let first = spans.iter().position(|(a, b)| matches(&original[*a..*b]))?;
        let from = first.saturating_sub(BEFORE);
        let to = (from + WORDS).min(spans.len());
        let mut out = String::new();
        if from > 0 {
            out.push('…');
        }
        let mut cursor = spans[from].0;
        for &(a, b) in &spans[from..to] {
            out.push_str(&escape(&original[cursor..a]));
            let word = &original[a..b];
            if matches(word) {
                out.push_str("<mark>");
                out.push_str(&escape(word));
                out.push_str("</mark>");
            } else {
                out.push_str(&escape(word));
            }
            cursor = b;
        }
        if to < spans.len() {
            out.push('…');
        } else {
            out.push_str(&escape(&original[cursor..]));
        }
        return Some(out.trim().to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_of_the_seed_page_parse() {
        let d = parse_document("Chương trình số 28-CT/ĐTN ngày 21/02/2023");
        assert_eq!(d.number.as_deref(), Some("28"));
        assert_eq!(d.doc_type.as_deref(), Some("CT"));
        assert_eq!(d.issuer.as_deref(), Some("ĐTN"));
        assert_eq!(d.department, None);
        assert_eq!(d.issued_on, NaiveDate::from_ymd_opt(2023, 2, 21));
        let d = parse_document("Kế hoạch số 15-KH/ĐTN-BTG ngày 3/3/2024");
        assert_eq!(d.department.as_deref(), Some("BTG"));
        assert_eq!(
            parse_document("một văn bản không số"),
            ParsedDocument::default()
        );
    }

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        let html = markdown_to_html("**Đêm hội** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(html.contains("<strong>Đêm hội</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }

    #[test]
    fn plain_paragraphs_render_like_markdown() {
        for body in crate::demo::SEED_TEXTS {
            let plain = body.replace('*', "");
            assert_eq!(paragraphs_html(&plain), markdown_to_html(&plain), "{plain}");
        }
    }

    #[test]
    fn highlights_keep_diacritics_and_escape() {
        let terms = vec!["thanh".to_string(), "nien".to_string()];
        let h = highlight(
            &[None, Some("Các phong trào <thanh niên> tình nguyện")],
            &terms,
        )
        .unwrap();
        assert_eq!(
            h,
            "Các phong trào &lt;<mark>thanh</mark> <mark>niên</mark>&gt; tình nguyện"
        );
        assert!(highlight(&[Some("không khớp")], &terms).is_none());
    }
}
