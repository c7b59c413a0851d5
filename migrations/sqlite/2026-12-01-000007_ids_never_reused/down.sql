-- Tokens go back to naming an account by id and version only. AUTOINCREMENT stays on the
-- rebuilt tables: it only stops ids from being reused, which the earlier code is fine with.
ALTER TABLE users DROP COLUMN token_key;
