//! Writes: create, update, trash, restore and purge, each with its inline children, search
//! entry and revision in one transaction.

use super::*;

pub(super) fn check_references(conn: &mut Conn, f: &ActivityFields) -> ApiResult<()> {
    let mut errors = f.validate();
    let org_exists = |conn: &mut Conn, id: i64| -> QueryResult<bool> {
        match i32::try_from(id) {
            Ok(id) => {
                diesel::select(diesel::dsl::exists(organizations::table.find(id))).get_result(conn)
            }
            Err(_) => Ok(false),
        }
    };
    if !org_exists(conn, f.organizer_id)? {
        errors.push(FieldError::new(
            "/organizer_id",
            format!("there is no organization {}", f.organizer_id),
        ));
    }
    for (i, p) in f.partners.iter().enumerate() {
        if !org_exists(conn, p.organization_id)? {
            errors.push(FieldError::new(
                format!("/partners/{i}/organization_id"),
                format!("there is no organization {}", p.organization_id),
            ));
        }
    }
    if let Some(c) = f.cluster_id {
        let exists = match i32::try_from(c) {
            Ok(c) => {
                diesel::select(diesel::dsl::exists(clusters::table.find(c))).get_result(conn)?
            }
            Err(_) => false,
        };
        if !exists {
            errors.push(FieldError::new(
                "/cluster_id",
                format!("there is no cluster {c}"),
            ));
        }
    }
    errors.extend(media_errors(conn, f)?);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Find or create the tags named, in order.
pub(super) fn tag_ids(conn: &mut Conn, names: &[String]) -> QueryResult<Vec<(i32, String)>> {
    let mut out = Vec::new();
    for name in names {
        let slug = text::slugify(name);
        let found: Option<(i32, String)> = tags::table
            .filter(tags::slug.eq(&slug))
            .select((tags::id, tags::name))
            .first(conn)
            .optional()?;
        let entry = match found {
            Some(t) => t,
            None => {
                let id: i32 = diesel::insert_into(tags::table)
                    .values((
                        tags::slug.eq(&slug),
                        tags::name.eq(name),
                        tags::sort_key.eq(text::sort_key(name)),
                        tags::created_at.eq(db::now()),
                    ))
                    .returning(tags::id)
                    .get_result(conn)?;
                (id, name.clone())
            }
        };
        out.push(entry);
    }
    Ok(out)
}

/// The status `f` is stored with when `user` writes it at `now`, and its publication time:
/// `published` with a time still ahead is `scheduled`; an editor's `published`, `scheduled` or
/// `archived` (each public, or to become so) in a unit that requires review is
/// `pending_review` — unless the row has that state already (a reviewer let it through, and
/// [`guard_reviewed`] kept its content as approved).
fn publication(
    conn: &mut Conn,
    existing: Option<&ActivityRow>,
    f: &ActivityFields,
    user: &AuthUser,
    now: NaiveDateTime,
) -> ApiResult<(Status, Option<NaiveDateTime>)> {
    let asked = f.published_at.map(|t| t.naive_utc());
    let published_at = match f.status {
        // A draft keeps a time only if one was given (or kept): approval or publication sets it.
        Status::Draft | Status::PendingReview => asked,
        _ => asked
            .or(existing.and_then(|e| e.published_at))
            .or(Some(now)),
    };
    let wants_public = f.status.is_public() || f.status == Status::Scheduled;
    let stored = existing.and_then(|e| Status::parse(&e.status));
    let kept = match stored {
        Some(Status::Scheduled) => matches!(f.status, Status::Published | Status::Scheduled),
        Some(s) => s == f.status && existing.is_some_and(|e| e.deleted_at.is_none()),
        None => false,
    };
    if wants_public && !kept && user.role == crate::auth::Role::Editor {
        let organizer = i32::try_from(f.organizer_id).unwrap_or_default();
        if tree::review_required(conn, organizer)? {
            return Ok((Status::PendingReview, asked));
        }
    }
    let ahead = published_at.is_some_and(|t| t > now);
    let status = match f.status {
        Status::Published | Status::Scheduled if ahead => Status::Scheduled,
        Status::Scheduled => {
            return Err(AppError::invalid(
                "/published_at",
                "must be in the future for a scheduled activity (or set status to published)",
            ))
        }
        other => other,
    };
    Ok((status, published_at))
}

/// `featured_until` is a moment ahead, of a featured activity (checked when it changes: a
/// stored one may have passed).
fn check_featured(
    existing: Option<&ActivityRow>,
    f: &ActivityFields,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let until = f.featured_until.map(|t| t.naive_utc());
    if until.is_some() && !f.featured {
        return Err(AppError::invalid(
            "/featured_until",
            "needs featured: true (or null)",
        ));
    }
    let changed = existing.is_none_or(|e| e.featured_until != until);
    if changed && until.is_some_and(|t| t <= now) {
        return Err(AppError::invalid(
            "/featured_until",
            "must be in the future",
        ));
    }
    Ok(())
}

/// Write the row, its children, its search entry and a revision; returns the new detail. The
/// revision and the subscribers' event show the URLs of `site`, the writer's.
pub(super) fn store(
    conn: &mut Conn,
    existing: Option<&ActivityRow>,
    slug: Option<String>,
    f: &ActivityFields,
    user: &AuthUser,
    site: &Site,
    note: Option<&str>,
) -> ApiResult<Activity> {
    let resolved = resolve_media(conn, existing, f, user)?;
    let f = &resolved;
    check_references(conn, f)?;
    let now = db::now();
    let (status, published_at) = publication(conn, existing, f, user, now)?;
    // What subscribers last saw of it: an unpublication tells them that, never the new state
    // (a draft's text is not public).
    let last_public = match existing {
        Some(row) if is_public(row) => Some(detail(conn, row)?),
        _ => None,
    };
    check_featured(existing, f, now)?;
    let values = (
        ActivityColumns::of(f, status, published_at),
        activities::updated_at.eq(now),
        activities::updated_by.eq(Some(user.id)),
    );
    let id: i32 = match existing {
        Some(row) => {
            diesel::update(activities::table.find(row.id))
                .set((values, activities::version.eq(row.version + 1)))
                .execute(conn)?;
            row.id
        }
        None => {
            let slug = crate::db::slugs::choose(conn, "activities", slug, &f.title)?;
            diesel::insert_into(activities::table)
                .values((
                    values,
                    activities::slug.eq(slug),
                    activities::created_at.eq(now),
                    activities::created_by.eq(Some(user.id)),
                    activities::version.eq(1),
                ))
                .returning(activities::id)
                .get_result(conn)?
        }
    };
    write_body_and_children(conn, id, f)?;
    let row = load_row(conn, id)?;
    let activity = detail(conn, &row)?;
    index(conn, &activity)?;
    record_revision(conn, &activity, site, Some(&user.username), now, note)?;
    let was_public = existing.is_some_and(is_public);
    let event = match (was_public, status.is_public()) {
        (false, true) => Some(webhooks::Event::ActivityPublished),
        (true, true) => Some(webhooks::Event::ActivityUpdated),
        (true, false) => Some(webhooks::Event::ActivityUnpublished),
        (false, false) => None,
    };
    if let Some(event) = event {
        let data = match (event, &last_public) {
            (webhooks::Event::ActivityUnpublished, Some(before)) => before,
            _ => &activity,
        };
        webhooks::enqueue(conn, event, activity.id, &data.clone().linked(site))?;
    }
    let action = if existing.is_some() {
        "update"
    } else {
        "create"
    };
    let mut entry = audit::Entry::new(action, "activities", id).versions(
        existing.map(|e| i64::from(e.version)),
        Some(activity.version),
    );
    entry.detail = note.map(str::to_string);
    audit::record(conn, entry)?;
    Ok(activity)
}

/// Is this row public now (published or archived, not in the trash)?
pub(super) fn is_public(row: &ActivityRow) -> bool {
    row.deleted_at.is_none() && Status::parse(&row.status).is_some_and(Status::is_public)
}

/// Keep `activity`'s state as the revision of its version, by `changed_by` (none: the clock),
/// as [`Activity::kept`] for a reader of `site`.
pub(super) fn record_revision(
    conn: &mut Conn,
    activity: &Activity,
    site: &Site,
    changed_by: Option<&str>,
    at: NaiveDateTime,
    note: Option<&str>,
) -> ApiResult<()> {
    let (Ok(id), Ok(version)) = (i32::try_from(activity.id), i32::try_from(activity.version))
    else {
        return Err(AppError::internal("an activity id or version out of range"));
    };
    let activity = &activity.kept(site);
    let revision = StoredRevision {
        version,
        state: serde_json::to_string(activity).map_err(AppError::internal)?,
        changed_by: changed_by.map(str::to_string),
        changed_at: at,
        note: note.map(str::to_string),
    };
    diesel::insert_into(activity_revisions::table)
        .values((activity_revisions::activity_id.eq(id), revision))
        .execute(conn)?;
    Ok(())
}

/// An activity's body (with its rendering) and its inline children, as `f` has them.
pub(super) fn write_body_and_children(
    conn: &mut Conn,
    id: i32,
    f: &ActivityFields,
) -> ApiResult<()> {
    let body_html = f.body.as_deref().map(render::markdown_to_html);
    let body_html = body_html.as_deref();
    crate::on_engine!(conn, |c| diesel::insert_into(activity_bodies::table)
        .values((
            activity_bodies::activity_id.eq(id),
            activity_bodies::body.eq(&f.body),
            activity_bodies::body_html.eq(body_html),
        ))
        .on_conflict(activity_bodies::activity_id)
        .do_update()
        .set((
            activity_bodies::body.eq(&f.body),
            activity_bodies::body_html.eq(body_html),
        ))
        .execute(c))?;
    replace_children(conn, id, f)
}

pub(super) fn replace_children(conn: &mut Conn, id: i32, f: &ActivityFields) -> ApiResult<()> {
    crate::db::sql(conn, "DELETE FROM activity_partners WHERE activity_id = ?")
        .bind::<Integer, _>(id)
        .execute(conn)?;
    crate::db::sql(conn, "DELETE FROM activity_tags WHERE activity_id = ?")
        .bind::<Integer, _>(id)
        .execute(conn)?;
    diesel::delete(activity_documents::table.filter(activity_documents::activity_id.eq(id)))
        .execute(conn)?;
    diesel::delete(activity_photos::table.filter(activity_photos::activity_id.eq(id)))
        .execute(conn)?;
    for (i, p) in f.partners.iter().enumerate() {
        crate::db::sql(conn, "INSERT INTO activity_partners (activity_id, organization_id, role, position) VALUES (?, ?, ?, ?)")
            .bind::<Integer, _>(id)
            .bind::<BigInt, _>(p.organization_id)
            .bind::<Text, _>(p.role.as_str())
            .bind::<Integer, _>(i as i32)
            .execute(conn)?;
    }
    for (i, (tag_id, _)) in tag_ids(conn, &f.tags)?.into_iter().enumerate() {
        crate::db::sql(
            conn,
            "INSERT INTO activity_tags (activity_id, tag_id, position) VALUES (?, ?, ?)",
        )
        .bind::<Integer, _>(id)
        .bind::<Integer, _>(tag_id)
        .bind::<Integer, _>(i as i32)
        .execute(conn)?;
    }
    for (i, d) in f.documents.iter().enumerate() {
        let raw = d.raw.as_deref().unwrap_or_default();
        let parsed = render::parse_document(raw);
        diesel::insert_into(activity_documents::table)
            .values((
                activity_documents::activity_id.eq(id),
                activity_documents::position.eq(i as i32),
                activity_documents::raw.eq(raw),
                activity_documents::number.eq(parsed.number),
                activity_documents::doc_type.eq(parsed.doc_type),
                activity_documents::issuer.eq(parsed.issuer),
                activity_documents::department.eq(parsed.department),
                activity_documents::issued_on.eq(parsed.issued_on),
                activity_documents::media_id.eq(d.media_id.and_then(|m| i32::try_from(m).ok())),
            ))
            .execute(conn)?;
    }
    for (i, p) in f.photos.iter().enumerate() {
        diesel::insert_into(activity_photos::table)
            .values((
                activity_photos::activity_id.eq(id),
                activity_photos::position.eq(i as i32),
                activity_photos::url.eq(&p.url),
                activity_photos::caption.eq(&p.caption),
                activity_photos::credit.eq(&p.credit),
                activity_photos::alt.eq(&p.alt),
                activity_photos::media_id.eq(p.media_id.and_then(|m| i32::try_from(m).ok())),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Create an activity by `user`; `site` is the writer's (see [`store`]).
pub fn create(
    conn: &mut Conn,
    user: &AuthUser,
    slug: Option<String>,
    f: ActivityFields,
    site: &Site,
) -> ApiResult<Activity> {
    if let Some(s) = &slug {
        if !text::is_valid_slug(s) {
            return Err(AppError::invalid("/slug", text::SLUG_RULE));
        }
    }
    crate::db::write(conn, |conn| {
        let viewer = Viewer::of(conn, Some(user))?;
        forbid_unless_may_write_for(&viewer, f.organizer_id)?;
        store(conn, None, slug, &f, user, site, None)
    })
}

/// Apply a merge patch, if the current state as the writer is shown it meets `expected` (its
/// `If-Match`); `site` is the writer's (see [`store`]).
pub fn update(
    conn: &mut Conn,
    user: &AuthUser,
    key: &str,
    patch: UpdateActivity,
    expected: Precondition<Activity>,
    site: &Site,
) -> ApiResult<Activity> {
    crate::db::write(conn, |conn| {
        let viewer = Viewer::of(conn, Some(user))?;
        let row = find_editable(conn, key, &viewer, false)?;
        let current = detail(conn, &row)?;
        expected.check(&current)?;
        let clears_published_at = matches!(patch.published_at, Patch::Null);
        let new_slug = patch.slug.as_value().cloned();
        let before = ActivityFields::from_activity(&current);
        let fields = before.clone().patched(patch);
        forbid_unless_may_write_for(&viewer, fields.organizer_id)?;
        if clears_published_at && fields.status != Status::Draft {
            // Not silently kept (and no empty revision): a public activity has a publication
            // time; unpublishing is `status: draft`.
            return Err(AppError::invalid(
                "/published_at",
                "cannot be cleared while the activity is published or archived; set status to draft to unpublish",
            ));
        }
        if let Some(slug) = new_slug {
            if crate::db::slugs::change(conn, "activities", row.id, &row.slug, &slug)? {
                // A new address alone is a change too: a version and a revision.
                guard_reviewed(conn, user, &row, &before, &fields, true)?;
                let note = format!("slug changed from {}", row.slug);
                return store(conn, Some(&row), None, &fields, user, site, Some(&note));
            }
        }
        store_if_changed(conn, &row, current, &before, &fields, user, site)
    })
}

/// Give an activity every field of `fields` at once, as one revision by `user` (the demo
/// bringing its own rows up to date); nothing is written when they are equal already.
pub fn replace(
    conn: &mut Conn,
    user: &AuthUser,
    key: &str,
    fields: ActivityFields,
    site: &Site,
) -> ApiResult<Activity> {
    crate::db::write(conn, |conn| {
        let viewer = Viewer::of(conn, Some(user))?;
        let row = find_editable(conn, key, &viewer, false)?;
        let current = detail(conn, &row)?;
        forbid_unless_may_write_for(&viewer, fields.organizer_id)?;
        let before = ActivityFields::from_activity(&current);
        store_if_changed(conn, &row, current, &before, &fields, user, site)
    })
}

fn store_if_changed(
    conn: &mut Conn,
    row: &ActivityRow,
    current: Activity,
    before: &ActivityFields,
    fields: &ActivityFields,
    user: &AuthUser,
    site: &Site,
) -> ApiResult<Activity> {
    if fields == before {
        return Ok(current);
    }
    guard_reviewed(conn, user, row, before, fields, false)?;
    store(conn, Some(row), None, fields, user, site, None)
}

/// An editor of a unit that requires review may not change news a reviewer let through
/// (published, scheduled or archived): it may only take it down (`draft`, or `pending_review`
/// to have it reviewed again); changing it — its address (`new_slug`) as much as its text —
/// is for an admin.
pub(super) fn guard_reviewed(
    conn: &mut Conn,
    user: &AuthUser,
    row: &ActivityRow,
    before: &ActivityFields,
    fields: &ActivityFields,
    new_slug: bool,
) -> ApiResult<()> {
    let live = Status::parse(&row.status)
        .is_some_and(|s| matches!(s, Status::Published | Status::Scheduled | Status::Archived));
    if user.role != crate::auth::Role::Editor || !live {
        return Ok(());
    }
    let new_organizer = i32::try_from(fields.organizer_id).unwrap_or(row.organizer_id);
    if !tree::review_required(conn, row.organizer_id)?
        && !tree::review_required(conn, new_organizer)?
    {
        return Ok(());
    }
    let mut content = fields.clone();
    content.status = before.status;
    let takes_down = matches!(fields.status, Status::Draft | Status::PendingReview);
    if !new_slug && content == *before && (takes_down || fields.status == before.status) {
        return Ok(());
    }
    Err(AppError::Forbidden(
        "this unit's news is reviewed: an editor may not change an activity a reviewer let through; \
         set status to draft (or pending_review) to take it down and submit it again, or ask an admin"
            .into(),
    ))
}

/// Move to the trash (subscribers told with the URLs of `site`).
pub fn trash(
    conn: &mut Conn,
    user: &AuthUser,
    key: &str,
    expected: Precondition<Activity>,
    site: &Site,
) -> ApiResult<()> {
    crate::db::write(conn, |conn| {
        let viewer = Viewer::of(conn, Some(user))?;
        let row = find_editable(conn, key, &viewer, false)?;
        let current = detail(conn, &row)?;
        expected.check(&current)?;
        if is_public(&row) {
            let shown = current.linked(site);
            webhooks::enqueue(conn, webhooks::Event::ActivityDeleted, shown.id, &shown)?;
        }
        set_deleted_at(conn, &row, user, Some(db::now()), "delete")
    })
}

/// Put `row` in the trash (`deleted_at`: since when) or take it out (`None`), by `user`, and
/// log `action`; the version stays (the content is the same).
fn set_deleted_at(
    conn: &mut Conn,
    row: &ActivityRow,
    user: &AuthUser,
    deleted_at: Option<NaiveDateTime>,
    action: &str,
) -> ApiResult<()> {
    diesel::update(activities::table.find(row.id))
        .set((
            activities::deleted_at.eq(deleted_at),
            activities::updated_at.eq(db::now()),
            activities::updated_by.eq(Some(user.id)),
        ))
        .execute(conn)?;
    let version = Some(i64::from(row.version));
    audit::record(
        conn,
        audit::Entry::new(action, "activities", row.id).versions(version, version),
    )?;
    Ok(())
}

/// Bring one back from the trash (subscribers told with the URLs of `site`).
pub fn restore(conn: &mut Conn, user: &AuthUser, key: &str, site: &Site) -> ApiResult<Activity> {
    crate::db::write(conn, |conn| {
        let viewer = Viewer::of(conn, Some(user))?;
        let row = find_editable(conn, key, &viewer, true)?;
        set_deleted_at(conn, &row, user, None, "restore")?;
        let row = load_row(conn, row.id)?;
        let restored = detail(conn, &row)?;
        if is_public(&row) {
            webhooks::enqueue(
                conn,
                webhooks::Event::ActivityRestored,
                restored.id,
                &restored.clone().linked(site),
            )?;
        }
        Ok(restored)
    })
}

/// Remove from the trash for good (admins only; checked by the handler's extractor).
pub fn purge(conn: &mut Conn, key: &str) -> ApiResult<()> {
    crate::db::write(conn, |conn| {
        let row = find_row(conn, key)?;
        if row.deleted_at.is_none() {
            return Err(AppError::not_found(format!(
                "there is no activity '{key}' in the trash"
            )));
        }
        search::unindex(conn, SEARCH_TABLE, i64::from(row.id))?;
        diesel::delete(activities::table.find(row.id)).execute(conn)?;
        audit::record(
            conn,
            audit::Entry::new("purge", "activities", row.id)
                .versions(Some(i64::from(row.version)), None),
        )?;
        Ok(())
    })
}
