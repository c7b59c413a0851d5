ALTER TABLE activity_tallies RESET (autovacuum_vacuum_scale_factor,
                                    autovacuum_vacuum_insert_scale_factor);
ALTER TABLE activity_tallies
    DROP CONSTRAINT activity_tallies_pkey,
    ADD CONSTRAINT activity_tallies_pkey PRIMARY KEY (scope, scope_id, state, category, month, end_month);
