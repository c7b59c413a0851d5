//! Vocabulary counts: categories and tags with their number of published activities.

use super::*;

pub fn category_counts(conn: &mut Conn) -> QueryResult<Vec<CategoryCount>> {
    let rows: Vec<(String, i64)> = activities::table
        .filter(activities::state.eq("published"))
        .group_by(activities::category)
        .select((activities::category, diesel::dsl::count_star()))
        .load(conn)?;
    let counts: HashMap<String, i64> = rows.into_iter().collect();
    Ok(Category::ALL
        .iter()
        .map(|c| CategoryCount {
            code: *c,
            label: c.label(),
            count: counts.get(c.as_str()).copied().unwrap_or(0),
        })
        .collect())
}

/// The tag with this slug, if the viewer may know of it (see [`Viewer::tag_condition`]):
/// its id and name.
pub fn visible_tag(
    conn: &mut Conn,
    slug: &str,
    viewer: &Viewer,
) -> QueryResult<Option<(i32, String)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        id: i32,
        #[diesel(sql_type = Text)]
        name: String,
    }
    let query = crate::db::sql(
        conn,
        format!(
            "SELECT t.id, t.name FROM tags t WHERE t.slug = ? AND {}",
            viewer.tag_condition()
        ),
    )
    .bind::<Text, _>(slug);
    // The public's and an admin's texts are fixed: prepared (planning the probe's join cost
    // more than running it). An editor's names its units: run as it is.
    let fixed = matches!(viewer, Viewer::Admin) || viewer.private_scope().is_none();
    let row: Option<Row> = if fixed {
        crate::db::prepared(query).get_result(conn).optional()?
    } else {
        query.get_result(conn).optional()?
    };
    Ok(row.map(|r| (r.id, r.name)))
}

pub fn tag_counts(
    conn: &mut Conn,
    q: Option<&str>,
    by_name: bool,
    viewer: &Viewer,
) -> ApiResult<Vec<TagCount>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        slug: String,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    let order = if by_name {
        "t.sort_key, t.id"
    } else {
        "count DESC, t.sort_key, t.id"
    };
    let rows: Vec<Row> = crate::db::sql(conn, format!(
        "SELECT t.slug, t.name, (SELECT count(*) FROM activity_tags at JOIN activities a ON a.id = at.activity_id \
             WHERE at.tag_id = t.id AND a.state = 'published') AS count \
         FROM tags t WHERE {visible} ORDER BY {order}",
        visible = viewer.tag_condition()
    ))
    .load(conn)?;
    let terms: Vec<String> = q
        .map(|q| {
            text::words(&text::fold(q))
                .into_iter()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(rows
        .into_iter()
        .filter(|r| {
            let words = text::fold(&r.name);
            let words: Vec<&str> = text::words(&words);
            terms
                .iter()
                .all(|t| words.iter().any(|w| w.starts_with(t.as_str())))
        })
        .map(|r| TagCount {
            slug: r.slug,
            name: r.name,
            count: r.count,
        })
        .collect())
}
