DROP TABLE IF EXISTS activities_fts_vocab;
