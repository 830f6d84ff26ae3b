-- The event store: one append-only table, knowing nothing of vehicles.

CREATE TABLE events (
    -- Global order in which rows were inserted (not committed: see transaction_id).
    position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Readers order by (transaction_id, position) and only read below the oldest running
    -- transaction, so an event whose transaction commits late is never skipped. The xid8 is kept
    -- as a bigint: the planner has statistics for it, so "after this cursor" reads use the index.
    transaction_id bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    -- Chosen by the writer: appending the same id twice stores it once.
    event_id       uuid NOT NULL UNIQUE,
    event_type     text NOT NULL,
    -- Keys that conditional appends and readers select on, e.g. 'vehicle:<id>'.
    tags           text[] NOT NULL DEFAULT '{}',
    payload        jsonb NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_commit_order ON events (transaction_id, position);
CREATE INDEX events_tags ON events USING gin (tags);
CREATE INDEX events_type ON events (event_type, position);

-- Append-only, enforced by the database for every role and every statement (statement-level
-- triggers fire even when no row matches, and TRUNCATE has no row triggers at all).
CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the events table is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_refuse_changes
    BEFORE UPDATE OR DELETE OR TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();

-- Subscribers are woken by NOTIFY on channel `events_appended`, sent by the app after its appends
-- commit (coalesced), not by a trigger: a NOTIFY inside the writer's transaction holds PostgreSQL's
-- notification lock through the commit and so serialises every writer.

-- Where each projection has got to; written in the same transaction as its read model.
CREATE TABLE projection_checkpoints (
    projection     text PRIMARY KEY,
    transaction_id bigint NOT NULL DEFAULT 0,
    position       bigint NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
