//! The decision of AssignDevice: a device belongs to at most one vehicle.

use chrono::{DateTime, Utc};
use event_store::Query;
use uuid::Uuid;

use super::DeviceAssignment;
use crate::error::AppError;
use crate::fleet::decision::{Decided, Decision, FleetEvent};
use crate::fleet::devices::{already_assigned, device_query};
use crate::fleet::events::{DeviceAssigned, VehicleScope};

pub struct AssignDevice {
    /// A registered vehicle (checked before deciding: registrations are never undone).
    pub vehicle_id: Uuid,
    pub device_id: String,
    pub at: DateTime<Utc>,
}

/// Who holds the device, if anyone does.
#[derive(Debug, Default)]
pub struct DeviceHolder(Option<Uuid>);

impl Decision for AssignDevice {
    type State = DeviceHolder;
    type Answer = DeviceAssignment;

    fn boundary(&self) -> Vec<Query> {
        vec![device_query(&self.device_id)]
    }

    fn evolve(state: &mut DeviceHolder, event: FleetEvent) {
        if let FleetEvent::DeviceAssigned(assigned) = event {
            state.0.get_or_insert(assigned.scope.vehicle_registered_id);
        }
    }

    fn decide(&self, state: &DeviceHolder) -> Result<Decided<DeviceAssignment>, AppError> {
        let answer = DeviceAssignment {
            device_id: self.device_id.clone(),
            vehicle_registered_id: self.vehicle_id,
        };
        match state.0 {
            Some(holder) if holder == self.vehicle_id => Ok(Decided::answer(answer)),
            Some(holder) => Err(already_assigned(&self.device_id, holder)),
            None => Ok(Decided {
                events: vec![FleetEvent::DeviceAssigned(DeviceAssigned {
                    device_id: self.device_id.clone(),
                    scope: VehicleScope {
                        vehicle_registered_id: self.vehicle_id,
                    },
                    assigned_at: self.at,
                })],
                answer,
            }),
        }
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
}
