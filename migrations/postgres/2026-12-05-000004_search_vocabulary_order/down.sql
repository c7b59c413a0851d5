CREATE OR REPLACE FUNCTION activities_fts_vocab_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activities_fts_vocab (term)
    SELECT unnest(tsvector_to_array(NEW.folded) || tsvector_to_array(NEW.exact))
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
