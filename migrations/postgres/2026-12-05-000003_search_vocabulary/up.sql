-- The words of the activities' search index (both columns: folded words, and the words
-- with their marks that rank exact hits first), as SQLite's fts5vocab table lists them
-- (`activities_fts_vocab`, migration 000010 there): a search spells its last word's prefix
-- out as the words it starts (at most 16), so an index reads a few words' lists instead of
-- merging every word under the prefix. PostgreSQL's GIN index answers `nien:*` by itself, but
-- it reads all the entries under the prefix into one bitmap, which goes lossy past
-- `work_mem` on a common word and then rechecks every row of its pages; and a prefix leaves
-- the planner guessing (0.5 % of the rows, whatever the prefix). Spelled out, the words have
-- their own statistics and lists, and a page can probe row by row instead.
--
-- Kept by a trigger, so every way into the index (a write, an import, a rebuild) feeds it.
-- A word is never removed when its last row goes: a word with no rows spelled out matches
-- nothing, so the vocabulary only has to hold at least every indexed word. `C` collation: the
-- prefix is a byte range (`term >= p AND term < p || U+10FFFF`), as in SQLite.
CREATE TABLE activities_fts_vocab (
    term text COLLATE "C" PRIMARY KEY
);

CREATE FUNCTION activities_fts_vocab_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activities_fts_vocab (term)
    SELECT unnest(tsvector_to_array(NEW.folded) || tsvector_to_array(NEW.exact))
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER activities_fts_vocab_add
    AFTER INSERT OR UPDATE OF folded, exact ON activities_fts
    FOR EACH ROW EXECUTE FUNCTION activities_fts_vocab_add();

INSERT INTO activities_fts_vocab (term)
SELECT word FROM ts_stat('SELECT folded FROM activities_fts')
UNION
SELECT word FROM ts_stat('SELECT exact FROM activities_fts')
ON CONFLICT DO NOTHING;
