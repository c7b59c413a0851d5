-- Full-text search over organizations (name, short name, secretary), kept in step by the
-- application in the same transaction as each write, because the folding (Vietnamese
-- diacritics, đ → d, tone-mark placement) is done in Rust (src/text).
--   exact:  lower case, diacritics kept (canonical tone placement) — ranks exact-diacritic hits first
--   folded: lower case, diacritics stripped, đ → d — what every query matches against
-- Contentless: the text lives in `organizations`; contentless_delete lets rows be replaced.
CREATE VIRTUAL TABLE organizations_fts USING fts5(
    exact, folded,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
