-- When each API token was last used (written at most once a minute per token). Not an event:
-- a use changes nothing, and an event per request would bloat the log.
CREATE TABLE api_token_uses (
    token_id     uuid PRIMARY KEY,
    last_used_at timestamptz NOT NULL
);
