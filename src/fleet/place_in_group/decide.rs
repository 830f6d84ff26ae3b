//! The decision of PlaceInGroup: a registered vehicle, an existing group, one group at a time.

use chrono::{DateTime, Utc};
use event_store::Query;
use uuid::Uuid;

use super::Placement;
use crate::error::AppError;
use crate::fleet::decision::{Decided, Decision, FleetEvent};
use crate::fleet::events::{
    group_tag, vehicle_tag, VehiclePlacedInGroup, VehicleScope, GROUP_CREATED,
    VEHICLE_PLACED_IN_GROUP, VEHICLE_REGISTERED,
};
use crate::fleet::groups::group_not_found;

pub struct PlaceInGroup {
    pub vehicle_id: Uuid,
    pub group_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct Grouping {
    registered: bool,
    group_exists: bool,
    /// The group the vehicle is in: the last placement's.
    current: Option<Uuid>,
}

impl Decision for PlaceInGroup {
    type State = Grouping;
    type Answer = Placement;

    fn boundary(&self) -> Vec<Query> {
        vec![
            Query::of_types(&[VEHICLE_REGISTERED, VEHICLE_PLACED_IN_GROUP])
                .tagged(vehicle_tag(self.vehicle_id)),
            Query::of_types(&[GROUP_CREATED]).tagged(group_tag(self.group_id)),
        ]
    }

    fn evolve(state: &mut Grouping, event: FleetEvent) {
        match event {
            FleetEvent::VehicleRegistered(_) => state.registered = true,
            FleetEvent::GroupCreated(_) => state.group_exists = true,
            FleetEvent::VehiclePlacedInGroup(placed) => state.current = Some(placed.group_id),
            _ => {}
        }
    }

    fn decide(&self, state: &Grouping) -> Result<Decided<Placement>, AppError> {
        if !state.registered {
            return Err(AppError::vehicle_not_found("vehicleRegisteredId"));
        }
        if !state.group_exists {
            return Err(group_not_found("groupId"));
        }
        let answer = Placement {
            vehicle_registered_id: self.vehicle_id,
            group_id: self.group_id,
        };
        if state.current == Some(self.group_id) {
            return Ok(Decided::answer(answer));
        }
        Ok(Decided {
            events: vec![FleetEvent::VehiclePlacedInGroup(VehiclePlacedInGroup {
                group_id: self.group_id,
                scope: VehicleScope {
                    vehicle_registered_id: self.vehicle_id,
                },
                placed_at: self.at,
            })],
            answer,
        })
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

    fn place(vehicle_id: Uuid, group_id: Uuid) -> PlaceInGroup {
        PlaceInGroup {
            vehicle_id,
            group_id,
            at: at(),
        }
    }

    #[test]
    fn given_a_vehicle_and_a_group_when_placed_then_it_is_in_the_group() {
        let (vehicle, north) = (Uuid::now_v7(), Uuid::now_v7());
        let given = PlaceInGroup::given([
            given::registered("B-1", vehicle, at()),
            given::group("North", north, at()),
        ]);
        let decided = place(vehicle, north).decide(&given).unwrap();
        assert_eq!(decided.events, vec![given::placed(vehicle, north, at())]);
    }

    #[test]
    fn given_a_vehicle_in_another_group_when_placed_then_it_moves() {
        let (vehicle, north, south) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let given = PlaceInGroup::given([
            given::registered("B-1", vehicle, at()),
            given::placed(vehicle, north, at()),
            given::group("South", south, at()),
        ]);
        let decided = place(vehicle, south).decide(&given).unwrap();
        assert_eq!(decided.events, vec![given::placed(vehicle, south, at())]);
    }

    #[test]
    fn given_the_vehicle_in_the_group_when_placed_again_then_nothing_is_stored() {
        let (vehicle, north) = (Uuid::now_v7(), Uuid::now_v7());
        let given = PlaceInGroup::given([
            given::registered("B-1", vehicle, at()),
            given::group("North", north, at()),
            given::placed(vehicle, north, at()),
        ]);
        assert!(place(vehicle, north)
            .decide(&given)
            .unwrap()
            .events
            .is_empty());
    }

    #[test]
    fn given_no_such_vehicle_or_group_when_placed_then_it_says_which() {
        let (vehicle, north) = (Uuid::now_v7(), Uuid::now_v7());
        let no_vehicle = PlaceInGroup::given([given::group("North", north, at())]);
        let error = place(vehicle, north).decide(&no_vehicle).unwrap_err();
        assert_eq!(error.code, ErrorCode::VehicleNotFound);
        let no_group = PlaceInGroup::given([given::registered("B-1", vehicle, at())]);
        let error = place(vehicle, north).decide(&no_group).unwrap_err();
        assert_eq!(
            (error.code, error.field.as_deref()),
            (ErrorCode::GroupNotFound, Some("groupId"))
        );
    }
}
