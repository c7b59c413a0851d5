-- The words of the activities' search index, to expand a prefix (`nien*`) into the words it
-- stands for: a page that walks the sort index probes the index once per row, and a probe
-- for a prefix would merge every matching word's list each time.
CREATE VIRTUAL TABLE activities_fts_vocab USING fts5vocab(activities_fts, row);
