-- Read models of the fleet. Both are projections: rebuilt from the event log at will.

-- Projection `vehicles`: every registered vehicle and its current position (the fix with the
-- latest device time, not the last to arrive).
CREATE TABLE vehicles (
    vehicle_id         uuid PRIMARY KEY,
    license_plate      text NOT NULL,
    registered_at      timestamptz NOT NULL,
    latitude           double precision,
    longitude          double precision,
    tracked_at         timestamptz,
    recorded_at        timestamptz,
    -- Event position of the current fix: breaks ties between fixes with the same device time.
    fix_position       bigint
);
CREATE INDEX vehicles_license_plate ON vehicles (license_plate);

-- Projection `vehicle_positions`: every fix, for trails and the fleet at any past moment.
CREATE TABLE vehicle_positions (
    vehicle_id   uuid NOT NULL,
    tracked_at   timestamptz NOT NULL,
    position     bigint NOT NULL,
    latitude     double precision NOT NULL,
    longitude    double precision NOT NULL,
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (vehicle_id, tracked_at, position)
);
