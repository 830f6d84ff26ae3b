-- Who caused an event and how (the writer's JSON, e.g. {"actor":…,"via":"web"}), kept apart from
-- the payload: what happened is the payload, the circumstances are metadata. Nullable, so adding
-- the column rewrites no row, and events written before it have none.
ALTER TABLE events ADD COLUMN metadata json;
