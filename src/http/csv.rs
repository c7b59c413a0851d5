//! CSV answers (`Accept: text/csv`): UTF-8 with a BOM so Excel shows Vietnamese correctly.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// Does the client prefer CSV?
pub fn wanted(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let is_csv = parts
                .next()
                .is_some_and(|m| m.eq_ignore_ascii_case("text/csv"));
            // `q=0` means "not acceptable".
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            is_csv && !refused
        })
}

fn field(value: &str) -> String {
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
}
