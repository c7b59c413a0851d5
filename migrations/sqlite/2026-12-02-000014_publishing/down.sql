-- Back to three states and two roles: what is pending or scheduled becomes a draft, a
-- reviewer becomes an editor; featured flags, review comments and old slugs are dropped.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
DROP TABLE slug_history;
ALTER TABLE organizations DROP COLUMN requires_review;
UPDATE activities SET status = 'draft' WHERE status IN ('pending_review', 'scheduled');
UPDATE users SET role = 'editor' WHERE role = 'reviewer';
COMMIT;
PRAGMA foreign_keys = ON;
