//! The ranking as a CSV table: fixed columns, then one count column per category (those asked
//! for, else all of them, so that every year's file has the same columns).

use crate::vocab::Category;

use super::dto::Ranking;

/// The header row and the rows.
pub fn ranking_table(
    ranking: &Ranking,
    wanted: Option<&[Category]>,
) -> (Vec<String>, Vec<Vec<String>>) {
    let mut categories: Vec<&str> = wanted
        .unwrap_or(Category::ALL)
        .iter()
        .map(|c| c.as_str())
        .collect();
    categories.sort();
    let mut headers: Vec<String> = [
        "rank",
        "organization_id",
        "organization",
        "role",
        "organized",
        "partnered",
        "total",
    ]
    .map(String::from)
    .to_vec();
    headers.extend(categories.iter().map(|c| c.to_string()));
    let rows = ranking
        .members
        .iter()
        .map(|m| {
            let mut row = vec![
                m.rank.to_string(),
                m.organization.id.to_string(),
                m.organization.name.clone(),
                m.role.as_str().to_string(),
                m.organized.to_string(),
                m.partnered.to_string(),
                m.total.to_string(),
            ];
            row.extend(
                categories
                    .iter()
                    .map(|c| m.by_category.get(*c).copied().unwrap_or(0).to_string()),
            );
            row
        })
        .collect();
    (headers, rows)
}
