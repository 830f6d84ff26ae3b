//! The fleet's events, with the field names of the system this one replaces.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use event_store::NewEvent;

use crate::fleet::fix::{Fix, FixExtras};

pub const VEHICLE_REGISTERED: &str = "VehicleRegistered";
pub const LOCATION_TRACKED: &str = "LocationTracked";
pub const DEVICE_ASSIGNED: &str = "DeviceAssigned";
pub const DEVICE_UNASSIGNED: &str = "DeviceUnassigned";
pub const GROUP_CREATED: &str = "GroupCreated";
pub const VEHICLE_PLACED_IN_GROUP: &str = "VehiclePlacedInGroup";
pub const HISTORY_PURGED: &str = "HistoryPurged";

/// Every purge of old history carries it: the fleet at an earlier moment reads it.
pub const HISTORY_TAG: &str = "history";

/// Every group's creation carries it: the list of groups reads it.
pub const GROUPS_TAG: &str = "groups";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VehicleRegistered {
    pub vehicle_registered_id: Uuid,
    pub vehicle_license_plate: String,
    pub registered_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationTracked {
    pub location_tracked_id: Uuid,
    pub latitude: f64,
    pub longitude: f64,
    /// When the device took the fix. Events of the old system lack it: their recorded time
    /// stands in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracked_at: Option<DateTime<Utc>>,
    /// Speed, heading, battery… when the device sent them (`speedMps`, `heading`, …), each
    /// absent when unknown.
    #[serde(flatten)]
    pub extras: FixExtras,
    pub scope: VehicleScope,
}

/// A GPS device's fixes are the vehicle's from now on. A device belongs to at most one vehicle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAssigned {
    pub device_id: String,
    pub scope: VehicleScope,
    pub assigned_at: DateTime<Utc>,
}

/// The device no longer reports this vehicle's fixes (wrongly claimed, moved to another vehicle,
/// retired); it may be assigned again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceUnassigned {
    pub device_id: String,
    /// The vehicle it leaves.
    pub scope: VehicleScope,
    pub unassigned_at: DateTime<Utc>,
}

/// A group of vehicles (a fleet, a depot, a customer's): accounts may be limited to some.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCreated {
    pub group_id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// The vehicle is in this group from now on, and in no other (like a depot: one at a time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VehiclePlacedInGroup {
    pub group_id: Uuid,
    pub scope: VehicleScope,
    pub placed_at: DateTime<Utc>,
}

/// Fixes before `before` removed from the log and from the read models, in whole weeks: the
/// fleet at an earlier moment is answered from the keyframes, to the minute (issue #15).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPurged {
    pub history_purged_id: Uuid,
    /// Fixes tracked before it are gone (a Monday, 00:00 UTC: history goes by whole weeks).
    pub before: DateTime<Utc>,
    /// What was asked: `--before`, or now minus the retention setting's days.
    pub requested_before: DateTime<Utc>,
    /// Fix events removed from the log.
    pub fixes: i64,
    /// The weeks removed from the log, by their Mondays.
    pub weeks: Vec<DateTime<Utc>>,
    pub purged_at: DateTime<Utc>,
}

impl HistoryPurged {
    pub fn to_event(&self) -> NewEvent {
        NewEvent {
            event_id: self.history_purged_id,
            event_type: HISTORY_PURGED.into(),
            tags: vec![HISTORY_TAG.into()],
            payload: serde_json::value::to_raw_value(self).expect("plain struct serialises"),
            metadata: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VehicleScope {
    pub vehicle_registered_id: Uuid,
}

/// A UUID v7 of the moment `at` (random in its other 74 bits).
pub fn v7_at(at: DateTime<Utc>) -> Uuid {
    let random: [u8; 10] = *Uuid::new_v4().as_bytes().first_chunk().expect("16 bytes");
    uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().max(0) as u64, &random)
        .into_uuid()
}

/// What a vehicle's tag starts with; its id follows.
pub const VEHICLE_TAG_PREFIX: &str = "vehicle:";

pub fn vehicle_tag(vehicle_id: Uuid) -> String {
    format!("{VEHICLE_TAG_PREFIX}{vehicle_id}")
}

pub fn plate_tag(plate: &str) -> String {
    format!("plate:{plate}")
}

pub fn group_tag(group_id: Uuid) -> String {
    format!("group:{group_id}")
}

/// Group names are unique however they are typed: the tag holds the name in lower case.
pub fn group_name_tag(name: &str) -> String {
    format!("group-name:{}", name.to_lowercase())
}

pub fn device_tag(device_id: &str) -> String {
    format!("device:{device_id}")
}

impl VehicleRegistered {
    pub fn to_event(&self) -> NewEvent {
        NewEvent {
            event_id: self.vehicle_registered_id,
            event_type: VEHICLE_REGISTERED.into(),
            tags: vec![
                vehicle_tag(self.vehicle_registered_id),
                plate_tag(&self.vehicle_license_plate),
            ],
            payload: serde_json::value::to_raw_value(self).expect("plain struct serialises"),
            metadata: None,
        }
    }
}

/// Stored as `fix_payload` says (`LocationTracked::to_event`).
impl LocationTracked {
    /// The event of a checked fix of the vehicle `vehicle_id`, received at `now`: the fix's own
    /// id and time when it has them. A fix sent without an id gets a UUID v7 of its device
    /// time, as devices name theirs: the log keeps it in the week it was tracked, so a purge
    /// removes it with that week's positions.
    pub fn of_fix(fix: &Fix, vehicle_id: Uuid, now: DateTime<Utc>) -> Self {
        let tracked_at = fix.tracked_at.unwrap_or(now);
        Self {
            location_tracked_id: fix.location_tracked_id.unwrap_or_else(|| v7_at(tracked_at)),
            latitude: fix.latitude,
            longitude: fix.longitude,
            tracked_at: Some(tracked_at),
            extras: fix.extras.clone(),
            scope: VehicleScope {
                vehicle_registered_id: vehicle_id,
            },
        }
    }
}

impl DeviceAssigned {
    pub fn to_event(&self, event_id: Uuid) -> NewEvent {
        NewEvent {
            event_id,
            event_type: DEVICE_ASSIGNED.into(),
            tags: vec![
                vehicle_tag(self.scope.vehicle_registered_id),
                device_tag(&self.device_id),
            ],
            payload: serde_json::value::to_raw_value(self).expect("plain struct serialises"),
            metadata: None,
        }
    }
}

impl DeviceUnassigned {
    pub fn to_event(&self, event_id: Uuid) -> NewEvent {
        NewEvent {
            event_id,
            event_type: DEVICE_UNASSIGNED.into(),
            tags: vec![
                vehicle_tag(self.scope.vehicle_registered_id),
                device_tag(&self.device_id),
            ],
            payload: serde_json::value::to_raw_value(self).expect("plain struct serialises"),
            metadata: None,
        }
    }
}

impl GroupCreated {
    pub fn to_event(&self) -> NewEvent {
        NewEvent {
            event_id: self.group_id,
            event_type: GROUP_CREATED.into(),
            tags: vec![
                group_tag(self.group_id),
                group_name_tag(&self.name),
                GROUPS_TAG.into(),
            ],
            payload: serde_json::value::to_raw_value(self).expect("plain struct serialises"),
            metadata: None,
        }
    }
}

impl VehiclePlacedInGroup {
    pub fn to_event(&self, event_id: Uuid) -> NewEvent {
        NewEvent {
            event_id,
            event_type: VEHICLE_PLACED_IN_GROUP.into(),
            tags: vec![
                vehicle_tag(self.scope.vehicle_registered_id),
                group_tag(self.group_id),
            ],
            payload: serde_json::value::to_raw_value(self).expect("plain struct serialises"),
            metadata: None,
        }
    }
}
