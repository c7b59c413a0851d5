//! The search text of an activity and its index entry (also re-built when a unit is renamed).

use super::*;

/// The searchable text of an activity. The first [`RANKED_TEXTS`] (title, summary, place,
/// organizer) also rank by exact diacritics; tags and the body only match folded.
pub fn search_texts(a: &Activity) -> Vec<String> {
    texts_of(
        &a.title,
        a.summary.as_deref(),
        a.location.as_deref(),
        &a.organizer.name,
        a.tags.iter().map(|t| t.name.as_str()),
        a.body.as_deref(),
    )
}

pub(super) fn texts_of<'a>(
    title: &str,
    summary: Option<&str>,
    location: Option<&str>,
    organizer: &str,
    tags: impl Iterator<Item = &'a str>,
    body: Option<&str>,
) -> Vec<String> {
    let mut texts = vec![
        title.to_string(),
        summary.unwrap_or_default().to_string(),
        location.unwrap_or_default().to_string(),
        organizer.to_string(),
    ];
    texts.extend(tags.map(str::to_string));
    texts.extend(body.map(str::to_string));
    texts
}

/// How many of [`search_texts`] go into the exact (ranking) column.
pub const RANKED_TEXTS: usize = 4;

/// Re-index the activities a unit organized (its name is part of their searchable text), 500
/// at a time: three queries to read a page, whatever its size (not a detail per activity).
pub fn reindex_organizer(conn: &mut SqliteConnection, organizer_id: i32) -> ApiResult<()> {
    let organizer = orgs::refs(conn, &[organizer_id])?
        .remove(&organizer_id)
        .ok_or_else(|| AppError::internal("organizer missing"))?;
    let mut after = 0;
    loop {
        let rows: Vec<ActivityRow> = activities::table
            .filter(activities::organizer_id.eq(organizer_id))
            .filter(activities::id.gt(after))
            .order(activities::id)
            .limit(500)
            .select(ActivityRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.id;
        let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
        let tags = tags_of(conn, &ids)?;
        let bodies = bodies_of(conn, &ids)?;
        for r in &rows {
            let texts = texts_of(
                &r.title,
                r.summary.as_deref(),
                r.location.as_deref(),
                &organizer.name,
                tags.get(&r.id)
                    .into_iter()
                    .flatten()
                    .map(|t| t.name.as_str()),
                bodies.get(&r.id).and_then(|b| b.body.as_deref()),
            );
            index_texts(conn, r.id, &texts)?;
        }
    }
}

pub(super) fn index(conn: &mut SqliteConnection, a: &Activity) -> QueryResult<()> {
    index_texts(conn, a.id, &search_texts(a))
}

pub(super) fn index_texts(
    conn: &mut SqliteConnection,
    id: impl Into<i64>,
    texts: &[String],
) -> QueryResult<()> {
    let refs: Vec<Option<&str>> = texts.iter().map(|t| Some(t.as_str())).collect();
    search::index(conn, SEARCH_TABLE, id.into(), &refs, RANKED_TEXTS)
}
