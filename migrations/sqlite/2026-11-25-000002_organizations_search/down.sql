DROP TABLE organizations_fts;
