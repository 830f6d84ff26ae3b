//! The decision of AssignDevice: a device belongs to at most one vehicle. A manager may move it
//! from the vehicle that holds it (a wrong claim, a tracker moved to another truck): unassigned
//! from the one and assigned to the other in one append.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use event_store::Query;
use uuid::Uuid;

use super::DeviceAssignment;
use crate::error::AppError;
use crate::fleet::decision::{Decided, Decision, FleetEvent};
use crate::fleet::devices::{already_assigned, device_query, DeviceHolder};
use crate::fleet::events::{DeviceAssigned, DeviceUnassigned, VehicleScope};

pub struct AssignDevice {
    /// A registered vehicle (checked before deciding: registrations are never undone).
    pub vehicle_id: Uuid,
    pub device_id: String,
    /// Move the device if another vehicle holds it, rather than refuse.
    pub take_over: bool,
    /// The vehicles the caller sees, whose devices it may take over (`None`: every vehicle).
    pub seen: Option<HashSet<Uuid>>,
    pub at: DateTime<Utc>,
}

impl Decision for AssignDevice {
    type State = DeviceHolder;
    type Answer = DeviceAssignment;

    fn boundary(&self) -> Vec<Query> {
        vec![device_query(&self.device_id)]
    }

    fn evolve(state: &mut DeviceHolder, event: FleetEvent) {
        state.evolve(&event);
    }

    fn decide(&self, state: &DeviceHolder) -> Result<Decided<DeviceAssignment>, AppError> {
        let answer = DeviceAssignment {
            device_id: self.device_id.clone(),
            vehicle_registered_id: self.vehicle_id,
        };
        let vehicle = |id| VehicleScope {
            vehicle_registered_id: id,
        };
        let assigned = FleetEvent::DeviceAssigned(DeviceAssigned {
            device_id: self.device_id.clone(),
            scope: vehicle(self.vehicle_id),
            assigned_at: self.at,
        });
        match state.0 {
            Some(holder) if holder == self.vehicle_id => Ok(Decided::answer(answer)),
            Some(holder) if self.take_over && self.sees(holder) => Ok(Decided {
                events: vec![
                    FleetEvent::DeviceUnassigned(DeviceUnassigned {
                        device_id: self.device_id.clone(),
                        scope: vehicle(holder),
                        unassigned_at: self.at,
                    }),
                    assigned,
                ],
                answer,
            }),
            Some(holder) => Err(already_assigned(&self.device_id, holder)),
            None => Ok(Decided {
                events: vec![assigned],
                answer,
            }),
        }
    }
}

impl AssignDevice {
    fn sees(&self, vehicle_id: Uuid) -> bool {
        self.seen
            .as_ref()
            .is_none_or(|seen| seen.contains(&vehicle_id))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::error::ErrorCode;
    use crate::fleet::decision::given;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap()
    }

    fn assign(device_id: &str, vehicle_id: Uuid) -> AssignDevice {
        AssignDevice {
            vehicle_id,
            device_id: device_id.into(),
            take_over: false,
            seen: None,
            at: at(),
        }
    }

    fn assigned(device_id: &str, vehicle_id: Uuid) -> FleetEvent {
        given::assigned(device_id, vehicle_id, at())
    }

    #[test]
    fn given_a_free_device_when_assigned_then_it_is_the_vehicles() {
        let id = Uuid::now_v7();
        let decided = assign("4711", id).decide(&AssignDevice::given([])).unwrap();
        assert_eq!(decided.events, vec![assigned("4711", id)]);
        assert_eq!(decided.answer.vehicle_registered_id, id);
    }

    #[test]
    fn given_the_device_is_already_the_vehicles_when_assigned_again_then_nothing_is_stored() {
        let id = Uuid::now_v7();
        let decided = assign("4711", id)
            .decide(&AssignDevice::given([assigned("4711", id)]))
            .unwrap();
        assert!(decided.events.is_empty());
        assert_eq!(decided.answer.device_id, "4711");
    }

    #[test]
    fn given_the_device_held_by_another_vehicle_then_it_is_a_conflict_naming_the_holder() {
        let (holder, id) = (Uuid::now_v7(), Uuid::now_v7());
        let error = assign("4711", id)
            .decide(&AssignDevice::given([assigned("4711", holder)]))
            .unwrap_err();
        assert_eq!(error.code, ErrorCode::DeviceAlreadyAssigned);
        assert_eq!(error.field.as_deref(), Some("deviceId"));
        assert_eq!(error.vehicle_registered_id, Some(holder));
    }

    #[test]
    fn the_first_assignment_holds_even_if_a_broken_store_had_a_second() {
        let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
        let given = AssignDevice::given([assigned("4711", first), assigned("4711", second)]);
        let error = assign("4711", second).decide(&given).unwrap_err();
        assert_eq!(error.vehicle_registered_id, Some(first));
    }

    #[test]
    fn given_the_device_held_by_another_vehicle_when_moved_then_it_leaves_that_one_in_the_same_append(
    ) {
        let (holder, id) = (Uuid::now_v7(), Uuid::now_v7());
        let command = AssignDevice {
            take_over: true,
            ..assign("4711", id)
        };
        let decided = command
            .decide(&AssignDevice::given([assigned("4711", holder)]))
            .unwrap();
        assert_eq!(
            decided.events,
            vec![
                given::unassigned("4711", holder, at()),
                assigned("4711", id)
            ]
        );
    }

    #[test]
    fn given_the_device_held_by_a_vehicle_the_caller_does_not_see_when_moved_then_it_is_refused() {
        let (holder, id) = (Uuid::now_v7(), Uuid::now_v7());
        let command = AssignDevice {
            take_over: true,
            seen: Some([id].into()),
            ..assign("4711", id)
        };
        let error = command
            .decide(&AssignDevice::given([assigned("4711", holder)]))
            .unwrap_err();
        assert_eq!(error.code, ErrorCode::DeviceAlreadyAssigned);
    }

    #[test]
    fn given_the_device_unassigned_when_assigned_to_another_then_it_is_that_ones() {
        let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
        let given = AssignDevice::given([
            assigned("4711", first),
            given::unassigned("4711", first, at()),
        ]);
        let decided = assign("4711", second).decide(&given).unwrap();
        assert_eq!(decided.events, vec![assigned("4711", second)]);
    }
}
