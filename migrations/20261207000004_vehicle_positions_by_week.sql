-- The fixes' read model in a partition per week of device time, like their events (the event
-- store's history partitions), so that a purge of old history drops its weeks whole instead of
-- deleting their rows. Rewritten once, holding the table locked (part of the upgrade's quiet hour:
-- docs/operations.md).

-- The partition of `parent` (a table partitioned by RANGE over a timestamptz) for the week, from
-- Monday 00:00 UTC, of `at`: created unless it exists, in the parent's schema (a rebuild's copy
-- gets its own), and returned. Created apart and attached: attaching locks the parent only
-- against other changes of its partitions, where `CREATE TABLE … PARTITION OF` would lock out its
-- readers until the creating transaction commits.
CREATE FUNCTION fleet_week_partition(parent regclass, at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    starts timestamptz := date_trunc('week', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    schema_name text;
    table_name text;
    name text;
BEGIN
    SELECT n.nspname, c.relname INTO schema_name, table_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = parent;
    name := table_name || '_' || to_char(starts AT TIME ZONE 'UTC', 'YYYYMMDD');
    -- One creator per parent at a time; the lookup is a query, whose snapshot (taken after the
    -- lock) sees a partition that another creator has just committed.
    PERFORM pg_advisory_xact_lock(parent::oid::bigint);
    IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = parent AND c.relname = name) THEN
        RETURN name;
    END IF;
    EXECUTE format('CREATE TABLE %I.%I (LIKE %s INCLUDING DEFAULTS)', schema_name, name, parent);
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
                   parent, schema_name, name, starts, starts + interval '7 days');
    RETURN name;
END
$$;

ALTER TABLE vehicle_positions RENAME TO vehicle_positions_before_weeks;
ALTER TABLE vehicle_positions_before_weeks DROP CONSTRAINT vehicle_positions_pkey;
DROP INDEX vehicle_positions_tracked_at;

CREATE TABLE vehicle_positions (
    vehicle_id   uuid NOT NULL,
    tracked_at   timestamptz NOT NULL,
    position     bigint NOT NULL,
    latitude     double precision NOT NULL,
    longitude    double precision NOT NULL,
    recorded_at  timestamptz NOT NULL
) PARTITION BY RANGE (tracked_at);

SELECT fleet_week_partition('vehicle_positions', week)
FROM (SELECT DISTINCT date_trunc('week', tracked_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS week
      FROM vehicle_positions_before_weeks) AS weeks;

INSERT INTO vehicle_positions (vehicle_id, tracked_at, position, latitude, longitude, recorded_at)
SELECT vehicle_id, tracked_at, position, latitude, longitude, recorded_at
FROM vehicle_positions_before_weeks;

DROP TABLE vehicle_positions_before_weeks;

ALTER TABLE vehicle_positions ADD PRIMARY KEY (vehicle_id, tracked_at, position);
CREATE INDEX vehicle_positions_tracked_at ON vehicle_positions (tracked_at);
