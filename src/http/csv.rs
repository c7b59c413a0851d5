//! CSV answers (`Accept: text/csv`): UTF-8 with a BOM so Excel shows Vietnamese correctly.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::error::AppError;

/// What an endpoint offering JSON and CSV answers, by the `Accept` header's q-values (RFC
/// 9110 §12.5.1): the offer with the higher quality, JSON on a tie or without the header; a
/// 406 problem when the header refuses both.
pub fn wanted(req: &HttpRequest) -> Result<bool, AppError> {
    let ranges: Vec<(String, f32)> = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let range = parts.next().filter(|r| !r.is_empty())?.to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .map_or(1.0, |q| {
                    if q.is_finite() {
                        q.clamp(0.0, 1.0)
                    } else {
                        0.0
                    }
                });
            Some((range, q))
        })
        .collect();
    if ranges.is_empty() {
        return Ok(false);
    }
    // The quality of an offer is that of the most specific range matching it.
    let quality = |offer: &str| -> f32 {
        let (kind, _) = offer.split_once('/').unwrap_or((offer, ""));
        let specificity = |range: &str| -> Option<u8> {
            if range == offer {
                Some(3)
            } else if range == format!("{kind}/*") {
                Some(2)
            } else if range == "*/*" {
                Some(1)
            } else {
                None
            }
        };
        ranges
            .iter()
            .filter_map(|(range, q)| specificity(range).map(|s| (s, *q)))
            .max_by(|a, b| a.0.cmp(&b.0))
            .map_or(0.0, |(_, q)| q)
    };
    let (json, csv) = (quality("application/json"), quality("text/csv"));
    if json <= 0.0 && csv <= 0.0 {
        return Err(AppError::NotAcceptable(
            "this resource is available as application/json or text/csv".into(),
        ));
    }
    Ok(csv > json)
}

fn field(value: &str) -> String {
    // A cell starting like a formula is run by spreadsheets (CSV injection): shown as text.
    let formula =
        value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err();
    let value = if formula {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// A CSV document: a header row, then the rows (CRLF line ends, RFC 4180).
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(
        &headers
            .iter()
            .map(|h| field(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&row.iter().map(|v| field(v)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// The CSV response, offered as a download named `filename`.
pub fn response(filename: &str, headers: &[&str], rows: &[Vec<String>]) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::VARY, "Accept"))
        .body(render(headers, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_needs_quoting_and_starts_with_a_bom() {
        let csv = render(
            &["tên", "số"],
            &[vec!["Chi đoàn \"A\", B".into(), "3".into()]],
        );
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("\"Chi đoàn \"\"A\"\", B\",3\r\n"));
    }

    #[test]
    fn formulas_are_shown_as_text_and_numbers_stay_numbers() {
        let csv = render(
            &["a", "b", "c"],
            &[vec!["=1+1".into(), "-3.5".into(), "@x".into()]],
        );
        assert!(csv.ends_with("'=1+1,-3.5,'@x\r\n"), "{csv}");
    }
}
