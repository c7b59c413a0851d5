DROP TABLE external_ids;
