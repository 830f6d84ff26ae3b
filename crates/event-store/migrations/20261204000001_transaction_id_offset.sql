-- Restores into a new PostgreSQL cluster. The commit order compares the writers' transaction ids,
-- and a `pg_dump` restored into a fresh cluster (a new server, an upgrade by dump) starts counting
-- them afresh: below the stored ones. New events would sort before the projections' checkpoints and
-- be skipped for ever, and the stored ones would sit above the read horizon. So the log's
-- transaction ids are the cluster's plus an offset, raised at start-up whenever the stored ids have
-- got ahead of the cluster's (`EventStore::migrate`). It is 0 until a restore needs it.
CREATE TABLE event_log_clock (
    only_row              boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    transaction_id_offset bigint NOT NULL DEFAULT 0,
    raised_at             timestamptz
);
INSERT INTO event_log_clock DEFAULT VALUES;

-- The writing transaction's id on the log's clock.
CREATE FUNCTION event_log_transaction_id() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT pg_current_xact_id()::text::bigint + transaction_id_offset FROM event_log_clock
$$;

-- The read horizon on the log's clock: every transaction below it has ended.
CREATE FUNCTION event_log_horizon() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint + transaction_id_offset
    FROM event_log_clock
$$;

ALTER TABLE events ALTER COLUMN transaction_id SET DEFAULT event_log_transaction_id();
