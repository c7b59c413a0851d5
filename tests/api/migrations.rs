//! Migrations applied to databases that already hold data (not only to empty files).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::MigrationHarness;
use doan_api::db::Conn;
use doan_api::db::MIGRATIONS;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn count(conn: &mut Conn, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

#[test]
fn the_autoincrement_rebuild_keeps_every_row_and_reference() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let mut conn = doan_api::db::open(path.to_str().unwrap()).unwrap();
    conn.batch_execute("PRAGMA foreign_keys = ON;").unwrap();
    // The schema as it was before ids became AUTOINCREMENT (migrations 1-6).
    for _ in 0..6 {
        conn.run_next_migration(MIGRATIONS).unwrap();
    }
    conn.batch_execute(
        "INSERT INTO organizations (id, slug, name, kind, sort_key, created_at, updated_at)
             VALUES (1, 'khoi', 'Đoàn Khối', 'bloc_union', x'01', '2023-01-01', '2023-01-01'),
                    (2, 'chi-doan', 'Chi đoàn', 'branch', x'02', '2023-01-01', '2023-01-01');
         UPDATE organizations SET parent_id = 1 WHERE id = 2;
         INSERT INTO users (id, username, role, organization_id, password_hash, created_at, updated_at)
             VALUES (1, 'admin', 'admin', NULL, 'x', '2023-01-01', '2023-01-01'),
                    (2, 'bientap', 'editor', 2, 'x', '2023-01-01', '2023-01-01');
         INSERT INTO tags (id, slug, name, sort_key, created_at)
             VALUES (1, 'thang-thanh-nien', 'Tháng Thanh niên', x'03', '2023-01-01');
         INSERT INTO activities (id, slug, title, title_sort_key, occurred_on, period_end, category,
                 organizer_id, status, created_at, updated_at, created_by)
             VALUES (1, 'hoi-nghi', 'Hội nghị', x'04', '2023-09-20', '2023-09-20', 'conference', 2,
                 'published', '2023-09-20', '2023-09-20', 2),
                    (2, 'hoi-nghi-2', 'Hội nghị 2', x'05', '2023-09-21', '2023-09-21', 'conference', 2,
                 'draft', '2023-09-21', '2023-09-21', 2);
         INSERT INTO activity_bodies (activity_id, body) VALUES (1, 'Nội dung'), (2, 'Khác');
         INSERT INTO activity_partners (activity_id, organization_id, role, position) VALUES (1, 1, 'chair', 0);
         INSERT INTO activity_tags (activity_id, tag_id, position) VALUES (1, 1, 0);
         INSERT INTO activity_photos (activity_id, position, caption) VALUES (1, 0, 'Toàn cảnh');
         INSERT INTO activity_revisions (activity_id, version, state, changed_at) VALUES (1, 1, '{}', '2023-09-20');
         -- The newest activity and user are gone: their ids were the ones handed out again.
         DELETE FROM activities WHERE id = 2;
         DELETE FROM users WHERE id = 2;",
    )
    .unwrap();

    conn.run_pending_migrations(MIGRATIONS).unwrap();

    for (table, rows) in [
        ("organizations", 2),
        ("users", 1),
        ("tags", 1),
        ("activities", 1),
        ("activity_bodies", 1),
        ("activity_partners", 1),
        ("activity_tags", 1),
        ("activity_photos", 1),
        ("activity_revisions", 1),
    ] {
        assert_eq!(
            count(&mut conn, &format!("SELECT count(*) AS n FROM {table}")),
            rows,
            "{table}"
        );
    }
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM pragma_foreign_key_check"
        ),
        0
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM users WHERE length(token_key) = 32"
        ),
        1
    );
    // Foreign keys are back on for the connection that migrated.
    assert_eq!(
        count(
            &mut conn,
            "SELECT foreign_keys AS n FROM pragma_foreign_keys"
        ),
        1
    );
    // The cascade from activities still works on the rebuilt table.
    conn.batch_execute("DELETE FROM activities WHERE id = 1;")
        .unwrap();
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM activity_bodies"),
        0
    );
    // New rows never take an id given before (2 was the highest before the migration only if it
    // still existed; from now on the sequence remembers every id given).
    conn.batch_execute(
        "INSERT INTO tags (slug, name, sort_key, created_at) VALUES ('b', 'B', x'06', '2023-01-01');
         DELETE FROM tags WHERE slug = 'b';
         INSERT INTO tags (slug, name, sort_key, created_at) VALUES ('c', 'C', x'07', '2023-01-01');",
    )
    .unwrap();
    assert_eq!(count(&mut conn, "SELECT max(id) AS n FROM tags"), 3);
    let tables: Vec<String> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%\\_new' ESCAPE '\\'",
    )
    .load::<Name>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|n| n.name)
    .collect();
    assert!(tables.is_empty(), "{tables:?}");
}
