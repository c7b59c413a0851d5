//! The stats as a CSV table: a key column per dimension, a label column beside each but the
//! month, then the count.

use super::{Dimension, Stats};

/// The header row and the rows.
pub fn csv_table(stats: &Stats) -> (Vec<String>, Vec<Vec<String>>) {
    let dims = &stats.group_by;
    let mut headers: Vec<String> = Vec::new();
    for d in dims {
        headers.push(d.name().to_string());
        if *d != Dimension::Month {
            headers.push(format!("{}_label", d.name()));
        }
    }
    headers.push("count".into());
    let rows = stats
        .data
        .iter()
        .map(|r| {
            let mut row = Vec::new();
            for d in dims {
                row.push(r.keys.get(*d).unwrap_or_default().to_string());
                if *d != Dimension::Month {
                    row.push(r.labels.get(*d).unwrap_or_default().to_string());
                }
            }
            row.push(r.count.to_string());
            row
        })
        .collect();
    (headers, rows)
}
