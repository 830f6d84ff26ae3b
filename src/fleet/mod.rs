//! The fleet.
//!
//! The core, `fleet/*.rs`, holds what use cases share: the events, a fix and its readings,
//! vehicles and devices and how to find them, the fleet index, the decision shell. Each folder
//! is one use case (a command or a query) with its decision or query, its server function, its
//! HTTP handler and routes, and its tests. A use case imports the core, `error` and the event
//! store, never another use case (`architecture_tests` checks it).

pub mod access;
pub mod devices;
pub mod fix;
#[cfg(feature = "ssr")]
pub mod fix_body;
#[cfg(feature = "ssr")]
pub mod fix_payload;
pub mod fleet_index;
pub mod groups;
pub mod ids;
pub mod license_plate;
pub mod vehicle;
pub mod vehicle_ref;

#[cfg(feature = "ssr")]
pub mod decision;
#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "ssr")]
pub mod projections;
#[cfg(feature = "ssr")]
pub mod registrations;
#[cfg(feature = "ssr")]
pub mod retention;

pub mod add_user;
pub mod assign_device;
pub mod change_user_access;
pub mod create_group;
pub mod disable_user;
pub mod fleet_activity;
pub mod fleet_at;
pub mod get_vehicle;
pub mod issue_token;
pub mod list_accounts;
pub mod list_groups;
pub mod list_vehicles;
pub mod live_updates;
#[cfg(feature = "ssr")]
pub mod osmand;
pub mod place_in_group;
#[cfg(feature = "ssr")]
pub mod purge_history;
pub mod register_vehicle;
pub mod revoke_token;
pub mod sign_in;
pub mod track_location;
pub mod track_locations;
pub mod unassign_device;
pub mod vehicle_current_location;
pub mod vehicle_events;
pub mod vehicle_trail;

#[cfg(test)]
mod architecture_tests;
