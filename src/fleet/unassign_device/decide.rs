//! The decision of UnassignDevice: only the vehicle that holds a device gives it up.

use chrono::{DateTime, Utc};
use event_store::Query;
use uuid::Uuid;

use super::DeviceUnassignment;
use crate::error::AppError;
use crate::fleet::decision::{Decided, Decision, FleetEvent};
use crate::fleet::devices::{already_assigned, device_query, DeviceHolder};
use crate::fleet::events::{DeviceUnassigned, VehicleScope};

pub struct UnassignDevice {
    pub vehicle_id: Uuid,
    pub device_id: String,
    pub at: DateTime<Utc>,
}

impl Decision for UnassignDevice {
    type State = DeviceHolder;
    type Answer = DeviceUnassignment;

    fn boundary(&self) -> Vec<Query> {
        vec![device_query(&self.device_id)]
    }

    fn evolve(state: &mut DeviceHolder, event: FleetEvent) {
        state.evolve(&event);
    }

    fn decide(&self, state: &DeviceHolder) -> Result<Decided<DeviceUnassignment>, AppError> {
        let answer = DeviceUnassignment {
            device_id: self.device_id.clone(),
            vehicle_registered_id: self.vehicle_id,
        };
        match state.0 {
            Some(holder) if holder == self.vehicle_id => Ok(Decided {
                events: vec![FleetEvent::DeviceUnassigned(DeviceUnassigned {
                    device_id: self.device_id.clone(),
                    scope: VehicleScope {
                        vehicle_registered_id: self.vehicle_id,
                    },
                    unassigned_at: self.at,
                })],
                answer,
            }),
            Some(holder) => Err(already_assigned(&self.device_id, holder)),
            None => Ok(Decided::answer(answer)),
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

    fn unassign(vehicle_id: Uuid) -> UnassignDevice {
        UnassignDevice {
            vehicle_id,
            device_id: "4711".into(),
            at: at(),
        }
    }

    #[test]
    fn given_the_vehicle_holds_the_device_when_unassigned_then_it_is_free() {
        let id = Uuid::now_v7();
        let given = UnassignDevice::given([given::assigned("4711", id, at())]);
        let decided = unassign(id).decide(&given).unwrap();
        assert_eq!(decided.events, vec![given::unassigned("4711", id, at())]);
    }

    #[test]
    fn given_the_device_free_when_unassigned_again_then_nothing_is_stored() {
        let id = Uuid::now_v7();
        let given = UnassignDevice::given([
            given::assigned("4711", id, at()),
            given::unassigned("4711", id, at()),
        ]);
        assert!(unassign(id).decide(&given).unwrap().events.is_empty());
    }

    #[test]
    fn given_another_vehicle_holds_the_device_when_unassigned_then_it_is_refused() {
        let (holder, id) = (Uuid::now_v7(), Uuid::now_v7());
        let given = UnassignDevice::given([given::assigned("4711", holder, at())]);
        let error = unassign(id).decide(&given).unwrap_err();
        assert_eq!(error.code, ErrorCode::DeviceAlreadyAssigned);
    }
}
