-- History that a retention limit may remove, kept in partitions of a week each, so that removing
-- a month of it drops a few tables instead of deleting tens of millions of rows (a `DELETE` of a
-- month of a 1,000-vehicle fleet's fixes, 86 M rows, runs for many minutes and leaves the table
-- as large as before; dropping a partition takes milliseconds and frees its space at once).
--
-- Which events are history is the writer's choice, by event type (`event_history_types`, filled by
-- `migrate_on` before this migration runs, so the copy below sorts the stored events too). Only
-- events whose id is a UUID v7 can be placed in time: its first 48 bits are the Unix time in
-- milliseconds. History events with other ids are kept like every other event.
--
--   events                 partitioned by LIST (history)
--   ├── events_kept        history = false: everything that is never removed
--   └── events_history     history = true, partitioned by RANGE (event_id)
--       ├── events_history_20261130   ids of the week from Monday 30 November 2026, 00:00 UTC
--       └── …                         created when an append first needs them
--
-- PostgreSQL enforces a unique constraint on a partitioned table only with the partition key in
-- it: ids are unique per (event_id, history). A retry of an event has the same type and id, so
-- the same `history`, and is still stored once.
--
-- The table is rewritten once, holding it locked: on a long log, upgrade in a quiet hour (about a
-- minute per 10 M events on the benchmark machine).

CREATE TABLE IF NOT EXISTS event_history_types (event_type text PRIMARY KEY);

-- The smallest UUID v7 of the millisecond `at`: the lower bound of the ids of events from then on.
CREATE FUNCTION event_log_v7_floor(at timestamptz) RETURNS uuid LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT (lpad(to_hex(floor(extract(epoch FROM at) * 1000)::bigint), 12, '0') || repeat('0', 20))::uuid
$$;

-- The week (from Monday 00:00 UTC) of a UUID v7's time.
CREATE FUNCTION event_log_v7_week(id uuid) RETURNS timestamptz LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT date_trunc('week', to_timestamp(
               ('x' || lpad(substr(replace(id::text, '-', ''), 1, 12), 16, '0'))::bit(64)::bigint / 1000.0
           ) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
$$;

-- Whether an event of this type and id belongs in the history partitions.
CREATE FUNCTION event_log_is_history(event_type text, event_id uuid) RETURNS boolean
LANGUAGE sql STABLE STRICT AS $$
    SELECT substr(event_id::text, 15, 1) = '7'
       AND EXISTS (SELECT 1 FROM event_history_types t WHERE t.event_type = $1)
$$;

ALTER TABLE events RENAME TO events_before_partitions;
ALTER TABLE events_before_partitions DROP CONSTRAINT events_event_id_key;
DROP INDEX events_commit_order;
DROP INDEX events_tags;

CREATE SEQUENCE event_log_positions;
SELECT setval('event_log_positions', coalesce(max(position), 0) + 1, false)
FROM events_before_partitions;

CREATE TABLE events (
    -- Global order in which rows were inserted; unique because only this sequence gives them.
    position       bigint NOT NULL DEFAULT nextval('event_log_positions'),
    transaction_id bigint NOT NULL DEFAULT event_log_transaction_id(),
    event_id       uuid NOT NULL,
    event_type     text NOT NULL,
    tags           text[] NOT NULL DEFAULT '{}',
    payload        json NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    metadata       json,
    history        boolean NOT NULL DEFAULT false
) PARTITION BY LIST (history);
ALTER SEQUENCE event_log_positions OWNED BY events.position;

CREATE TABLE events_kept PARTITION OF events FOR VALUES IN (false);
CREATE TABLE events_history PARTITION OF events FOR VALUES IN (true) PARTITION BY RANGE (event_id);

CREATE TRIGGER events_refuse_changes
    BEFORE UPDATE OR DELETE OR TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();
CREATE TRIGGER events_refuse_changes
    BEFORE UPDATE OR DELETE OR TRUNCATE ON events_kept
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();
CREATE TRIGGER events_refuse_changes
    BEFORE UPDATE OR DELETE OR TRUNCATE ON events_history
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();

-- The partition for the week of `week`, created unless it exists, and returned. Created apart and
-- then attached: attaching locks `events_history` only against other changes of its partitions
-- (SHARE UPDATE EXCLUSIVE), where `CREATE TABLE … PARTITION OF` would lock out every reader and
-- writer of the log until it commits. Statement triggers do not pass from a partitioned table to
-- its partitions, so each refuses changes on its own.
CREATE FUNCTION event_log_history_partition(week timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    starts timestamptz := date_trunc('week', week AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    name text := 'events_history_' || to_char(starts AT TIME ZONE 'UTC', 'YYYYMMDD');
    upper_ms numeric := extract(epoch FROM starts + interval '7 days') * 1000;
BEGIN
    -- Two appends needing the same new week: one creates it, the other finds it. Looked up in
    -- `pg_class` by a query (a snapshot taken after the lock), not by `to_regclass`, whose cache
    -- may not have heard yet of a table the other committed.
    PERFORM pg_advisory_xact_lock(hashtext('event_log_history_partition'));
    IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'events_history'::regclass AND c.relname = name) THEN
        RETURN name;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS)', name);
    EXECUTE format('CREATE TRIGGER events_refuse_changes BEFORE UPDATE OR DELETE OR TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only()', name);
    -- Ids end at 2^48 ms (the year 10889): the last week has no upper bound.
    EXECUTE format('ALTER TABLE events_history ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%s)',
                   name, event_log_v7_floor(starts),
                   CASE WHEN upper_ms >= 2::numeric ^ 48 THEN 'MAXVALUE'
                        ELSE quote_literal(event_log_v7_floor(starts + interval '7 days')) END);
    RETURN name;
END
$$;

SELECT event_log_history_partition(week)
FROM (SELECT DISTINCT event_log_v7_week(event_id) AS week
      FROM events_before_partitions
      WHERE event_log_is_history(event_type, event_id)) AS weeks;

INSERT INTO events (position, transaction_id, event_id, event_type, tags, payload, recorded_at, metadata, history)
SELECT position, transaction_id, event_id, event_type, tags, payload, recorded_at, metadata,
       event_log_is_history(event_type, event_id)
FROM events_before_partitions;

DROP TABLE events_before_partitions;

-- The same indexes as before, built once over the copied rows, on every partition (and on each
-- partition created later). `position` had the primary key; it keeps an index of its own for
-- readers that find events by position (a vehicle's audit trail).
ALTER TABLE events ADD CONSTRAINT events_event_id_key UNIQUE (event_id, history);
CREATE INDEX events_commit_order ON events (transaction_id, position);
CREATE INDEX events_position ON events (position);
CREATE INDEX events_tags ON events USING gin (tags);
