//! The media an activity's photos and documents name: checked (a photo for `photos`, a PDF for
//! `documents`, one the writer may see), filled in (captions, titles), and new versions when an
//! admin deletes a medium they used.

use super::*;

/// The media `f`'s photos and documents name (ids beyond i32 name none).
fn media_ids(f: &ActivityFields) -> Vec<i32> {
    f.photos
        .iter()
        .filter_map(|p| p.media_id)
        .chain(f.documents.iter().filter_map(|d| d.media_id))
        .filter_map(|id| i32::try_from(id).ok())
        .collect()
}

/// Each `media_id` names a medium of the right kind: a photo for `photos`, a PDF for
/// `documents`.
pub(super) fn media_errors(conn: &mut Conn, f: &ActivityFields) -> QueryResult<Vec<FieldError>> {
    let ids = media_ids(f);
    let found = crate::media::repo::by_ids(conn, &ids)?;
    let mut errors = Vec::new();
    let wanted = [
        (
            "photos",
            "image",
            "a photo",
            f.photos.iter().map(|p| p.media_id).collect::<Vec<_>>(),
        ),
        (
            "documents",
            "document",
            "a document",
            f.documents.iter().map(|d| d.media_id).collect(),
        ),
    ];
    for (list, kind, what, ids) in wanted {
        for (i, id) in ids.into_iter().enumerate() {
            let Some(id) = id else { continue };
            let row = i32::try_from(id).ok().and_then(|id| found.get(&id));
            let why = match row {
                None => format!("there is no medium {id}"),
                Some(m) if m.kind != kind => format!("medium {id} is not {what}"),
                Some(_) => continue,
            };
            errors.push(FieldError::new(format!("/{list}/{i}/media_id"), why));
        }
    }
    Ok(errors)
}

/// `f` with what its media supply: a photo's caption and credit, a document's title, when the
/// writer gave none. A medium the activity does not use yet must be one the writer may see
/// (its unit's library, or below); one outside is "no such medium", as for a GET.
pub(super) fn resolve_media(
    conn: &mut Conn,
    existing: Option<&ActivityRow>,
    f: &ActivityFields,
    user: &AuthUser,
) -> ApiResult<ActivityFields> {
    let mut f = f.clone();
    let ids = media_ids(&f);
    if ids.is_empty() {
        return Ok(f);
    }
    let found = crate::media::repo::by_ids(conn, &ids)?;
    let in_use: std::collections::HashSet<i32> = match existing {
        Some(row) => media_of(conn, row.id)?.into_iter().collect(),
        None => Default::default(),
    };
    let scope = crate::media::repo::scope(conn, user)?;
    let visible = |id: i32, owner: i32| {
        in_use.contains(&id) || scope.as_ref().is_none_or(|units| units.contains(&owner))
    };
    let mut errors = Vec::new();
    let mut media_of_index = |list: &str, i: usize, id: Option<i64>| {
        let id = id?;
        let row = i32::try_from(id).ok().and_then(|id| found.get(&id));
        match row {
            Some(m) if visible(m.id, m.organization_id) => Some(m.clone()),
            _ => {
                errors.push(FieldError::new(
                    format!("/{list}/{i}/media_id"),
                    format!("there is no medium {id}"),
                ));
                None
            }
        }
    };
    for (i, p) in f.photos.iter_mut().enumerate() {
        if let Some(m) = media_of_index("photos", i, p.media_id) {
            p.alt = p.alt.take().or(m.alt.clone());
            p.caption = p.caption.take().or(m.caption.clone());
            p.credit = p.credit.take().or(m.credit.clone());
        }
    }
    for (i, d) in f.documents.iter_mut().enumerate() {
        if let Some(m) = media_of_index("documents", i, d.media_id) {
            let title = m.caption.clone().or(m.file_name.clone());
            d.raw = d
                .raw
                .take()
                .or(title.map(|t| t.chars().take(300).collect()))
                .or(Some(format!("Tài liệu {}", m.id)));
        }
    }
    if errors.is_empty() {
        Ok(f)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The media an activity's photos and documents use now.
pub(super) fn media_of(conn: &mut Conn, id: i32) -> QueryResult<Vec<i32>> {
    let mut ids: Vec<i32> = activity_photos::table
        .filter(activity_photos::activity_id.eq(id))
        .select(activity_photos::media_id)
        .load::<Option<i32>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    ids.extend(
        activity_documents::table
            .filter(activity_documents::activity_id.eq(id))
            .select(activity_documents::media_id)
            .load::<Option<i32>>(conn)?
            .into_iter()
            .flatten(),
    );
    Ok(ids)
}

/// An admin deleted a medium these activities used (their rows already changed): each gets a
/// new version (updated_at, search entry, revision with `note`; subscribers hear of a public
/// one), written for a reader of `site`.
pub fn media_removed(
    conn: &mut Conn,
    ids: &[i32],
    user: &AuthUser,
    site: &Site,
    note: &str,
) -> ApiResult<()> {
    let now = db::now();
    for id in ids {
        let row = load_row(conn, *id)?;
        diesel::update(activities::table.find(row.id))
            .set((
                activities::version.eq(row.version + 1),
                activities::updated_at.eq(now),
                activities::updated_by.eq(Some(user.id)),
            ))
            .execute(conn)?;
        let row = load_row(conn, *id)?;
        let activity = detail(conn, &row)?;
        index(conn, &activity)?;
        record_revision(conn, &activity, site, Some(&user.username), now, Some(note))?;
        if is_public(&row) {
            webhooks::enqueue(
                conn,
                webhooks::Event::ActivityUpdated,
                activity.id,
                &activity.clone().linked(site),
            )?;
        }
        let mut entry = audit::Entry::new("update", "activities", row.id)
            .versions(Some(i64::from(row.version) - 1), Some(activity.version));
        entry.detail = Some(note.to_string());
        audit::record(conn, entry)?;
    }
    Ok(())
}
