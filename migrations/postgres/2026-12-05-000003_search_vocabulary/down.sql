DROP TRIGGER IF EXISTS activities_fts_vocab_add ON activities_fts;
DROP FUNCTION IF EXISTS activities_fts_vocab_add();
DROP TABLE IF EXISTS activities_fts_vocab;
