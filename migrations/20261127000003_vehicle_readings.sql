-- The current fix's readings, when the device sent them (GPS devices: speed, heading, battery).
ALTER TABLE vehicles
    ADD COLUMN speed_mps       double precision,
    ADD COLUMN heading         double precision,
    ADD COLUMN battery_percent double precision;
