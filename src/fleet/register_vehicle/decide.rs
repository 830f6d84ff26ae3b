//! The decision of RegisterVehicle: a plate is registered at most once; a device given with it
//! is assigned in the same append, or neither is stored.

use chrono::{DateTime, Utc};
use event_store::Query;
use uuid::Uuid;

use super::Registered;
use crate::error::{AppError, ErrorCode};
use crate::fleet::decision::{Decided, Decision, FleetEvent};
use crate::fleet::devices::{already_assigned, device_query, DeviceHolder};
use crate::fleet::events::{
    plate_tag, DeviceAssigned, VehiclePlacedInGroup, VehicleRegistered, VehicleScope,
    VEHICLE_REGISTERED,
};
use crate::fleet::license_plate::LicensePlate;

pub struct RegisterVehicle {
    /// Chosen by the client for a safe retry, or new.
    pub vehicle_id: Uuid,
    pub plate: LicensePlate,
    pub device_id: Option<String>,
    /// The group it is placed in at once: a manager limited to groups sees what they register.
    pub group: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// What the boundary holds: who has the plate, and who has the device.
#[derive(Debug, Default)]
pub struct Registrations {
    plate_holder: Option<VehicleRegistered>,
    device_holder: DeviceHolder,
}

impl Decision for RegisterVehicle {
    type State = Registrations;
    type Answer = Registered;

    fn boundary(&self) -> Vec<Query> {
        let mut boundary =
            vec![Query::of_types(&[VEHICLE_REGISTERED]).tagged(plate_tag(self.plate.as_str()))];
        boundary.extend(self.device_id.as_deref().map(device_query));
        boundary
    }

    fn evolve(state: &mut Registrations, event: FleetEvent) {
        // The first of each holds: a second could only come from a store that broke its word.
        state.device_holder.evolve(&event);
        if let FleetEvent::VehicleRegistered(registered) = event {
            state.plate_holder.get_or_insert(registered);
        }
    }

    fn decide(&self, state: &Registrations) -> Result<Decided<Registered>, AppError> {
        if let Some(existing) = &state.plate_holder {
            if existing.vehicle_registered_id != self.vehicle_id {
                let mut error = AppError::new(
                    ErrorCode::PlateAlreadyRegistered,
                    format!("{} is already registered", existing.vehicle_license_plate),
                )
                .on_field("vehicleLicensePlate");
                error.vehicle_registered_id = Some(existing.vehicle_registered_id);
                return Err(error);
            }
            // A retry: the device is reported only if this vehicle holds it.
            let device_id = self
                .device_id
                .clone()
                .filter(|_| state.device_holder.0 == Some(self.vehicle_id));
            return Ok(Decided::answer(Registered {
                vehicle_registered_id: existing.vehicle_registered_id,
                vehicle_license_plate: existing.vehicle_license_plate.clone(),
                device_id,
            }));
        }
        if let (Some(device_id), Some(holder)) = (&self.device_id, state.device_holder.0) {
            return Err(already_assigned(device_id, holder));
        }
        let registered = VehicleRegistered {
            vehicle_registered_id: self.vehicle_id,
            vehicle_license_plate: self.plate.to_string(),
            registered_at: self.at,
        };
        let mut events = vec![FleetEvent::VehicleRegistered(registered)];
        if let Some(device_id) = &self.device_id {
            events.push(FleetEvent::DeviceAssigned(DeviceAssigned {
                device_id: device_id.clone(),
                scope: VehicleScope {
                    vehicle_registered_id: self.vehicle_id,
                },
                assigned_at: self.at,
            }));
        }
        if let Some(group_id) = self.group {
            events.push(FleetEvent::VehiclePlacedInGroup(VehiclePlacedInGroup {
                group_id,
                scope: VehicleScope {
                    vehicle_registered_id: self.vehicle_id,
                },
                placed_at: self.at,
            }));
        }
        Ok(Decided {
            events,
            answer: Registered {
                vehicle_registered_id: self.vehicle_id,
                vehicle_license_plate: self.plate.to_string(),
                device_id: self.device_id.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::fleet::decision::given;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap()
    }

    fn register(plate: &str, vehicle_id: Uuid, device_id: Option<&str>) -> RegisterVehicle {
        RegisterVehicle {
            vehicle_id,
            plate: LicensePlate::parse(plate).unwrap(),
            device_id: device_id.map(str::to_string),
            group: None,
            at: at(),
        }
    }

    fn registered(plate: &str, vehicle_id: Uuid) -> FleetEvent {
        given::registered(plate, vehicle_id, at())
    }

    fn assigned(device_id: &str, vehicle_id: Uuid) -> FleetEvent {
        given::assigned(device_id, vehicle_id, at())
    }

    #[test]
    fn given_a_free_plate_when_registered_then_the_vehicle_is() {
        let id = Uuid::now_v7();
        let given = RegisterVehicle::given([]);
        let decided = register("B-AB 1", id, None).decide(&given).unwrap();
        assert_eq!(decided.events, vec![registered("B-AB 1", id)]);
        assert_eq!(decided.answer.vehicle_registered_id, id);
        assert_eq!(decided.answer.device_id, None);
    }

    #[test]
    fn given_a_manager_limited_to_a_group_when_they_register_then_the_vehicle_is_placed_in_it() {
        let (id, north) = (Uuid::now_v7(), Uuid::now_v7());
        let command = RegisterVehicle {
            group: Some(north),
            ..register("B-AB 1", id, None)
        };
        let decided = command.decide(&RegisterVehicle::given([])).unwrap();
        assert_eq!(
            decided.events,
            vec![registered("B-AB 1", id), given::placed(id, north, at())]
        );
    }

    #[test]
    fn given_a_free_plate_and_device_when_registered_with_it_then_both_are_stored_together() {
        let id = Uuid::now_v7();
        let given = RegisterVehicle::given([]);
        let decided = register("B-AB 1", id, Some("4711")).decide(&given).unwrap();
        assert_eq!(
            decided.events,
            vec![registered("B-AB 1", id), assigned("4711", id)]
        );
        assert_eq!(decided.answer.device_id.as_deref(), Some("4711"));
    }

    #[test]
    fn given_the_plate_registered_to_another_vehicle_then_it_is_a_conflict_naming_it() {
        let (holder, id) = (Uuid::now_v7(), Uuid::now_v7());
        let given = RegisterVehicle::given([registered("B-AB 1", holder)]);
        let error = register("B-AB 1", id, None).decide(&given).unwrap_err();
        assert_eq!(error.code, ErrorCode::PlateAlreadyRegistered);
        assert_eq!(error.field.as_deref(), Some("vehicleLicensePlate"));
        assert_eq!(error.vehicle_registered_id, Some(holder));
    }

    #[test]
    fn given_the_same_registration_when_retried_then_nothing_is_stored_and_it_answers_again() {
        let id = Uuid::now_v7();
        let given = RegisterVehicle::given([registered("B-AB 1", id), assigned("4711", id)]);
        let decided = register("B-AB 1", id, Some("4711")).decide(&given).unwrap();
        assert!(decided.events.is_empty());
        assert_eq!(decided.answer.vehicle_registered_id, id);
        assert_eq!(decided.answer.device_id.as_deref(), Some("4711"));
    }

    #[test]
    fn given_a_retry_whose_device_went_to_another_vehicle_then_the_device_is_not_reported() {
        let (id, other) = (Uuid::now_v7(), Uuid::now_v7());
        let given = RegisterVehicle::given([registered("B-AB 1", id), assigned("4711", other)]);
        let decided = register("B-AB 1", id, Some("4711")).decide(&given).unwrap();
        assert!(decided.events.is_empty());
        assert_eq!(decided.answer.device_id, None);
    }

    #[test]
    fn given_the_device_held_by_another_vehicle_then_neither_plate_nor_device_is_stored() {
        let (holder, id) = (Uuid::now_v7(), Uuid::now_v7());
        let given = RegisterVehicle::given([assigned("4711", holder)]);
        let error = register("B-AB 1", id, Some("4711"))
            .decide(&given)
            .unwrap_err();
        assert_eq!(error.code, ErrorCode::DeviceAlreadyAssigned);
        assert_eq!(error.field.as_deref(), Some("deviceId"));
        assert_eq!(error.vehicle_registered_id, Some(holder));
    }

    #[test]
    fn the_boundary_is_the_plate_and_the_device_when_one_is_given() {
        let id = Uuid::now_v7();
        assert_eq!(register("B-AB 1", id, None).boundary().len(), 1);
        let both = register("B-AB 1", id, Some("4711")).boundary();
        assert_eq!(both.len(), 2);
        assert_eq!(both[0].tags, vec!["plate:B-AB 1".to_string()]);
        assert_eq!(both[1].tags, vec!["device:4711".to_string()]);
    }
}
