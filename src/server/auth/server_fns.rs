//! What each server function needs. The gate refuses any call to `/api/…` not in this table
//! (closed by default: a server function added without a line here answers 403 to everyone),
//! and `route_access_tests` checks the table against the registered functions.

use crate::fleet::access::Access;

/// Where Leptos mounts server functions.
pub const PREFIX: &str = "/api/";

pub const SERVER_FNS: &[(&str, Access)] = &[
    // Signing in, and the first-run page.
    ("who_am_i", Access::Anyone),
    ("log_in", Access::Anyone),
    ("log_out", Access::Anyone),
    ("create_first_admin", Access::Anyone),
    // The fleet.
    ("list_vehicles", Access::Read),
    ("get_vehicle", Access::Read),
    ("get_map_settings", Access::Read),
    ("get_fleet_at", Access::Read),
    ("get_timeline_start", Access::Read),
    ("get_fleet_activity", Access::Read),
    ("vehicle_current_location", Access::Read),
    ("vehicle_events", Access::Read),
    ("vehicle_history", Access::Read),
    ("get_vehicle_trail", Access::Read),
    ("track_location", Access::Ingest),
    ("register_vehicle", Access::Manage),
    ("assign_device", Access::Manage),
    ("unassign_device", Access::Manage),
    ("list_groups", Access::Read),
    ("create_group", Access::Administer),
    ("place_in_group", Access::Manage),
    // Accounts.
    ("list_accounts", Access::Administer),
    ("add_user", Access::Administer),
    ("disable_user", Access::Administer),
    ("change_user_access", Access::Administer),
    ("issue_token", Access::Administer),
    ("revoke_token", Access::Administer),
];

/// What a call to `path` needs: `None` when it is not a server function's path at all,
/// `Some(None)` for an unknown server function (refused).
pub fn required(path: &str) -> Option<Option<Access>> {
    let name = path.strip_prefix(PREFIX)?;
    Some(
        SERVER_FNS
            .iter()
            .find(|(endpoint, _)| *endpoint == name)
            .map(|(_, access)| *access),
    )
}
