-- Fixes per minute of device time and vehicle group (#15): what the timeline draws under its
-- slider, where there was activity. A month of a fleet in 10 groups is 432,000 rows however many
-- fixes it sent, so a month's histogram sums a few hundred thousand small rows (not 86 M fixes).
-- The projection `fleet_activity` keeps it; it starts from the beginning of the log on the first
-- start after this migration (no backfill: a vehicle's group at the time of its fixes is only
-- known by folding the log).
--
-- `group_id` is the vehicle's group when the fix was applied, the nil UUID for none: a user
-- limited to some groups sees the activity of the vehicles that were in them.
CREATE TABLE fleet_activity (
    minute   timestamptz NOT NULL,
    group_id uuid NOT NULL,
    fixes    integer NOT NULL,
    PRIMARY KEY (minute, group_id)
);

-- The projection's own memory of each vehicle's group (a projection reads only its own tables,
-- so that it can be rebuilt alone).
CREATE TABLE fleet_activity_groups (
    vehicle_id uuid PRIMARY KEY,
    group_id   uuid NOT NULL
);
