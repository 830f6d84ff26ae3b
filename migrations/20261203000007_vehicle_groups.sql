-- Vehicle groups (#13): accounts may be limited to some groups, and every query filters by them.

-- Projection `vehicles` also keeps the group each vehicle is placed in (none until placed).
ALTER TABLE vehicles ADD COLUMN group_id uuid;
CREATE INDEX vehicles_group_id ON vehicles (group_id) WHERE group_id IS NOT NULL;

-- Projection `vehicle_groups`: the groups, for lists and forms.
CREATE TABLE vehicle_groups (
    group_id    uuid PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL
);
