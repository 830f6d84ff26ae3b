-- Keyframes (#15): the whole fleet's positions at every minute boundary that had fixes, so the
-- fleet at an old moment is one keyframe plus at most a minute of fixes, and the server needs to
-- hold only recent fixes in memory. Part of the projection `vehicle_positions` (same
-- transaction, same checkpoint, rebuilt with it).
--
-- One row per keyframe, one array per field in vehicle id order: 1,000 vehicles make a row of
-- 48 KB (stored out of line), against 1,000 rows of ~90 bytes plus an index entry each.
CREATE TABLE fleet_keyframes (
    at           timestamptz PRIMARY KEY,
    vehicle_ids  uuid[] NOT NULL,
    tracked_at   timestamptz[] NOT NULL,
    positions    bigint[] NOT NULL,
    latitudes    double precision[] NOT NULL,
    longitudes   double precision[] NOT NULL
);

-- The fixes after a keyframe, by device time. A B-tree, not BRIN: one fix in fifty arriving up to
-- ten minutes late widens every BRIN range by ten minutes (a minute's 1,224 fixes read 443,000
-- rows at 2.9 M fixes), and without statistics (a restored database) the planner scans the table.
CREATE INDEX vehicle_positions_tracked_at ON vehicle_positions (tracked_at);

-- The keyframes of the fixes already stored, as the projection would have written them: at each
-- minute boundary after a fix (a fix on a boundary belongs to it), every vehicle at its latest
-- fix then. One index seek per vehicle and keyframe (docs/operations.md: how long it takes).
INSERT INTO fleet_keyframes (at, vehicle_ids, tracked_at, positions, latitudes, longitudes)
SELECT b.at,
       array_agg(l.vehicle_id ORDER BY l.vehicle_id),
       array_agg(l.tracked_at ORDER BY l.vehicle_id),
       array_agg(l.position ORDER BY l.vehicle_id),
       array_agg(l.latitude ORDER BY l.vehicle_id),
       array_agg(l.longitude ORDER BY l.vehicle_id)
FROM (SELECT DISTINCT date_bin('1 minute', tracked_at - interval '1 microsecond',
                               timestamptz '1970-01-01 00:00:00+00') + interval '1 minute' AS at
      FROM vehicle_positions) b
CROSS JOIN (SELECT DISTINCT vehicle_id FROM vehicle_positions) v
CROSS JOIN LATERAL (
    SELECT p.vehicle_id, p.tracked_at, p.position, p.latitude, p.longitude
    FROM vehicle_positions p
    WHERE p.vehicle_id = v.vehicle_id AND p.tracked_at <= b.at
    ORDER BY p.tracked_at DESC, p.position DESC
    LIMIT 1
) l
GROUP BY b.at;
