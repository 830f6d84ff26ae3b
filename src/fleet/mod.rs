//! The fleet: one folder per use case (command or query), each with its use-case function, its
//! server function, its HTTP handler and its tests.

pub mod license_plate;
pub mod vehicle;

#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "ssr")]
pub mod osmand;
#[cfg(feature = "ssr")]
pub mod projections;

pub mod assign_device;
pub mod fleet_at;
pub mod get_vehicle;
pub mod list_vehicles;
pub mod live_updates;
pub mod register_vehicle;
pub mod track_location;
pub mod track_locations;
pub mod vehicle_current_location;
pub mod vehicle_events;
pub mod vehicle_trail;
