-- Metadata stored once: each distinct metadata (who caused an event, how) is a row here, and an
-- event keeps its number in `metadata_id` (4 bytes) instead of the text (33 to about 130 bytes on
-- every fix). Metadata written before, and metadata over 1,000 bytes, stays in `events.metadata`;
-- readers take whichever the event has. Adding a nullable column rewrites no row.
CREATE TABLE event_metadata (
    metadata_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    metadata    text NOT NULL UNIQUE CHECK (metadata::json IS NOT NULL)
);

-- The audit trail must not change after the fact: numbered metadata is as append-only as the log.
CREATE TRIGGER events_refuse_changes
    BEFORE UPDATE OR DELETE OR TRUNCATE ON event_metadata
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();

ALTER TABLE events ADD COLUMN metadata_id integer;
-- No foreign key: its check would cost every appended row a lookup, and only the store writes
-- numbers, each read back from this table before use.
