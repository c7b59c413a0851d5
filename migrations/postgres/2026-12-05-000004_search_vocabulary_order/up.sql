-- A row's words go into the vocabulary in one order (each once, byte order): two writers
-- bringing the same new words wait for each other word by word in the same order, never in a
-- circle (a deadlock, 40P01, if one added `a` then `b` and the other `b` then `a`). The folded
-- and the exact words were two sorted runs, one after the other.
CREATE OR REPLACE FUNCTION activities_fts_vocab_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activities_fts_vocab (term)
    SELECT DISTINCT w.term COLLATE "C"
    FROM unnest(tsvector_to_array(NEW.folded) || tsvector_to_array(NEW.exact)) AS w(term)
    ORDER BY 1
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
