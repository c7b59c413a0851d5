DROP TABLE clusters_fts;
DROP TABLE cluster_results;
DROP TABLE cluster_members;
