//! Commands as decisions: a pure `decide(state) -> events + answer` over the events of the
//! command's consistency boundary, and the one async shell that reads, decides and appends with
//! the condition that nothing new matched the boundary in between (after `disintegrate`).
//!
//! On a conflict the shell reads and decides again: the second decision sees what raced it and
//! answers as a retry or refuses, so no command ever appends over a decision it did not see.

use event_store::{AppendCondition, AppendError, EventStore, Query, StoredEvent};

use crate::error::AppError;
use crate::fleet::access::events::{
    TokenIssued, TokenRevoked, UserAccessChanged, UserAdded, UserDisabled, TOKEN_ISSUED,
    TOKEN_REVOKED, USER_ACCESS_CHANGED, USER_ADDED, USER_DISABLED,
};
use crate::fleet::access::CausedBy;
use crate::fleet::events::{
    DeviceAssigned, DeviceUnassigned, GroupCreated, VehiclePlacedInGroup, VehicleRegistered,
    DEVICE_ASSIGNED, DEVICE_UNASSIGNED, GROUP_CREATED, VEHICLE_PLACED_IN_GROUP, VEHICLE_REGISTERED,
};

/// The events decisions are taken on, decoded.
#[derive(Clone, Debug, PartialEq)]
pub enum FleetEvent {
    VehicleRegistered(VehicleRegistered),
    DeviceAssigned(DeviceAssigned),
    DeviceUnassigned(DeviceUnassigned),
    GroupCreated(GroupCreated),
    VehiclePlacedInGroup(VehiclePlacedInGroup),
    UserAdded(UserAdded),
    UserDisabled(UserDisabled),
    UserAccessChanged(UserAccessChanged),
    TokenIssued(TokenIssued),
    TokenRevoked(TokenRevoked),
}

impl FleetEvent {
    /// `None` for the events no decision looks at (fixes).
    pub fn decode(event: &StoredEvent) -> Result<Option<Self>, AppError> {
        Ok(match event.event_type.as_str() {
            VEHICLE_REGISTERED => Some(Self::VehicleRegistered(event.decode()?)),
            DEVICE_ASSIGNED => Some(Self::DeviceAssigned(event.decode()?)),
            DEVICE_UNASSIGNED => Some(Self::DeviceUnassigned(event.decode()?)),
            GROUP_CREATED => Some(Self::GroupCreated(event.decode()?)),
            VEHICLE_PLACED_IN_GROUP => Some(Self::VehiclePlacedInGroup(event.decode()?)),
            USER_ADDED => Some(Self::UserAdded(event.decode()?)),
            USER_DISABLED => Some(Self::UserDisabled(event.decode()?)),
            USER_ACCESS_CHANGED => Some(Self::UserAccessChanged(event.decode()?)),
            TOKEN_ISSUED => Some(Self::TokenIssued(event.decode()?)),
            TOKEN_REVOKED => Some(Self::TokenRevoked(event.decode()?)),
            _ => None,
        })
    }

    fn to_event(&self) -> event_store::NewEvent {
        match self {
            Self::VehicleRegistered(registered) => registered.to_event(),
            Self::DeviceAssigned(assigned) => assigned.to_event(uuid::Uuid::now_v7()),
            Self::DeviceUnassigned(unassigned) => unassigned.to_event(uuid::Uuid::now_v7()),
            Self::GroupCreated(created) => created.to_event(),
            Self::VehiclePlacedInGroup(placed) => placed.to_event(uuid::Uuid::now_v7()),
            Self::UserAdded(added) => added.to_event(),
            Self::UserDisabled(disabled) => disabled.to_event(),
            Self::UserAccessChanged(changed) => changed.to_event(),
            Self::TokenIssued(issued) => issued.to_event(),
            Self::TokenRevoked(revoked) => revoked.to_event(),
        }
    }
}

/// What a decision stores, and what the command answers.
#[derive(Clone, Debug, PartialEq)]
pub struct Decided<A> {
    pub events: Vec<FleetEvent>,
    pub answer: A,
}

impl<A> Decided<A> {
    /// Nothing to store (a retry, or a state that already holds): just the answer.
    pub fn answer(answer: A) -> Self {
        Self {
            events: Vec::new(),
            answer,
        }
    }
}

/// A command over a consistency boundary.
pub trait Decision {
    type State: Default;
    type Answer;

    /// The events the decision depends on: read before deciding, and appended only if none new
    /// matched since.
    fn boundary(&self) -> Vec<Query>;

    /// Folds one event of the boundary into the state.
    fn evolve(state: &mut Self::State, event: FleetEvent);

    fn decide(&self, state: &Self::State) -> Result<Decided<Self::Answer>, AppError>;

    /// The state after `events`: the shell's fold, and the "given" of a decision's tests.
    fn given(events: impl IntoIterator<Item = FleetEvent>) -> Self::State {
        let mut state = Self::State::default();
        for event in events {
            Self::evolve(&mut state, event);
        }
        state
    }
}

/// A boundary holds a handful of events (one registration per plate, one assignment per
/// device), so a page this size reads it whole in one round trip.
const BOUNDARY_PAGE: i64 = 100;

/// Attempts before a conflict becomes an error. A second attempt sees the racing event, and
/// a boundary only grows: a third conflict means the store misbehaves.
const MAX_ATTEMPTS: usize = 3;

/// The events of one query of a boundary, decoded, and the condition that none is appended after
/// the last of them.
async fn read_boundary(
    store: &EventStore,
    query: Query,
) -> Result<(Vec<FleetEvent>, AppendCondition), AppError> {
    let (mut events, mut after) = (Vec::new(), None);
    loop {
        let page = store
            .read(&query, after.unwrap_or(0), BOUNDARY_PAGE)
            .await?;
        for event in &page {
            after = Some(event.position);
            events.extend(FleetEvent::decode(event)?);
        }
        if (page.len() as i64) < BOUNDARY_PAGE {
            return Ok((events, AppendCondition { query, after }));
        }
    }
}

/// Reads the boundary, decides, appends if the boundary is unchanged; decides again on a
/// conflict.
/// Every event appended records `caused_by` as its metadata.
pub async fn execute<D: Decision>(
    store: &EventStore,
    decision: &D,
    caused_by: &CausedBy,
) -> Result<D::Answer, AppError> {
    for _ in 0..MAX_ATTEMPTS {
        let mut seen = Vec::new();
        let mut conditions = Vec::new();
        for query in decision.boundary() {
            let (events, condition) = read_boundary(store, query).await?;
            seen.extend(events);
            conditions.push(condition);
        }
        let state = D::given(seen);
        let decided = decision.decide(&state)?;
        if decided.events.is_empty() {
            return Ok(decided.answer);
        }
        let mut events: Vec<_> = decided.events.iter().map(FleetEvent::to_event).collect();
        caused_by.stamp(&mut events);
        let conditions: Vec<&AppendCondition> = conditions.iter().collect();
        match store.append_if_all(&events, &conditions).await {
            Ok(_) => return Ok(decided.answer),
            // Someone appended to the boundary between our read and our append: decide again.
            Err(AppendError::Conflict { .. }) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(AppError::internal(format_args!(
        "the boundary changed under each of {MAX_ATTEMPTS} attempts"
    )))
}

/// The events of decisions' given / when / then tests.
#[cfg(test)]
pub mod given {
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    use super::FleetEvent;
    use crate::fleet::events::{
        DeviceAssigned, GroupCreated, VehiclePlacedInGroup, VehicleRegistered, VehicleScope,
    };

    pub fn registered(plate: &str, vehicle_id: Uuid, at: DateTime<Utc>) -> FleetEvent {
        FleetEvent::VehicleRegistered(VehicleRegistered {
            vehicle_registered_id: vehicle_id,
            vehicle_license_plate: plate.into(),
            registered_at: at,
        })
    }

    pub fn assigned(device_id: &str, vehicle_id: Uuid, at: DateTime<Utc>) -> FleetEvent {
        FleetEvent::DeviceAssigned(DeviceAssigned {
            device_id: device_id.into(),
            scope: VehicleScope {
                vehicle_registered_id: vehicle_id,
            },
            assigned_at: at,
        })
    }

    pub fn group(name: &str, group_id: Uuid, at: DateTime<Utc>) -> FleetEvent {
        FleetEvent::GroupCreated(GroupCreated {
            group_id,
            name: name.into(),
            created_at: at,
        })
    }

    pub fn placed(vehicle_id: Uuid, group_id: Uuid, at: DateTime<Utc>) -> FleetEvent {
        FleetEvent::VehiclePlacedInGroup(VehiclePlacedInGroup {
            group_id,
            scope: VehicleScope {
                vehicle_registered_id: vehicle_id,
            },
            placed_at: at,
        })
    }

    pub fn unassigned(device_id: &str, vehicle_id: Uuid, at: DateTime<Utc>) -> FleetEvent {
        FleetEvent::DeviceUnassigned(crate::fleet::events::DeviceUnassigned {
            device_id: device_id.into(),
            scope: VehicleScope {
                vehicle_registered_id: vehicle_id,
            },
            unassigned_at: at,
        })
    }
}
