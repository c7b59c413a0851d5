DROP TABLE index_versions;
