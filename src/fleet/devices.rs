//! GPS devices: their identifiers, and which vehicle each belongs to. A device belongs to at
//! most one vehicle, enforced by a conditional append on the tag `device:<id>`.

use crate::error::AppError;

/// Longest device identifier accepted (Traccar Client's are a few digits; IMEIs are 15).
pub const MAX_DEVICE_ID_LEN: usize = 64;

/// What is wrong with a device identifier, for its caller to name the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceIdProblem {
    Empty,
    TooLong,
    Spaces,
}

impl DeviceIdProblem {
    /// The rule broken, after the field's name: "`deviceId` must not be empty".
    pub fn rule(self) -> String {
        match self {
            DeviceIdProblem::Empty => "must not be empty".into(),
            DeviceIdProblem::TooLong => format!("must be at most {MAX_DEVICE_ID_LEN} characters"),
            DeviceIdProblem::Spaces => "must not contain spaces or control characters".into(),
        }
    }
}

/// A device identifier as the device sends it: trimmed, 1 to 64 visible characters, no spaces.
/// Case matters (devices send their id verbatim).
pub fn device_id(raw: &str) -> Result<String, DeviceIdProblem> {
    let id = raw.trim();
    if id.is_empty() {
        return Err(DeviceIdProblem::Empty);
    }
    if id.chars().count() > MAX_DEVICE_ID_LEN {
        return Err(DeviceIdProblem::TooLong);
    }
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(DeviceIdProblem::Spaces);
    }
    Ok(id.to_string())
}

/// [`device_id`] for the JSON API and the form: the field is `deviceId`.
pub fn parse_device_id(raw: &str) -> Result<String, AppError> {
    device_id(raw).map_err(|problem| {
        AppError::unprocessable("deviceId", format!("deviceId {}", problem.rule()))
    })
}

#[cfg(feature = "ssr")]
pub use log::{already_assigned, device_query, device_vehicle, DeviceHolder};

#[cfg(feature = "ssr")]
mod log {
    use event_store::{EventStore, Query};
    use uuid::Uuid;

    use crate::error::{AppError, ErrorCode};
    use crate::fleet::decision::FleetEvent;
    use crate::fleet::events::{device_tag, DEVICE_ASSIGNED, DEVICE_UNASSIGNED};

    /// The consistency boundary of a device: its assignments and unassignments.
    pub fn device_query(device_id: &str) -> Query {
        Query::of_types(&[DEVICE_ASSIGNED, DEVICE_UNASSIGNED]).tagged(device_tag(device_id))
    }

    /// Who holds a device: the vehicle it was assigned to, until unassigned from it. An
    /// assignment while held could only come from a store that broke its word: the holder
    /// stays.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct DeviceHolder(pub Option<Uuid>);

    impl DeviceHolder {
        pub fn evolve(&mut self, event: &FleetEvent) {
            match event {
                FleetEvent::DeviceAssigned(assigned) => {
                    self.0.get_or_insert(assigned.scope.vehicle_registered_id);
                }
                FleetEvent::DeviceUnassigned(unassigned)
                    if self.0 == Some(unassigned.scope.vehicle_registered_id) =>
                {
                    self.0 = None
                }
                _ => {}
            }
        }
    }

    /// A device's events are few (an assignment, perhaps a move): read whole.
    const DEVICE_EVENTS: i64 = 1000;

    /// The vehicle a device is assigned to, read from the log itself (so a fix right after the
    /// assignment is accepted before any read model has caught up).
    pub async fn device_vehicle(
        store: &EventStore,
        device_id: &str,
    ) -> Result<Option<Uuid>, AppError> {
        let mut holder = DeviceHolder::default();
        for event in store
            .read(&device_query(device_id), 0, DEVICE_EVENTS)
            .await?
        {
            if let Some(event) = FleetEvent::decode(&event)? {
                holder.evolve(&event);
            }
        }
        Ok(holder.0)
    }

    /// 409 `device_already_assigned`, naming the vehicle that holds the device.
    pub fn already_assigned(device_id: &str, holder: Uuid) -> AppError {
        let mut error = AppError::new(
            ErrorCode::DeviceAlreadyAssigned,
            format!("device {device_id} is already assigned to another vehicle"),
        )
        .on_field("deviceId");
        error.vehicle_registered_id = Some(holder);
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_id_is_trimmed_and_keeps_its_case() {
        assert_eq!(device_id("  AbC-1 "), Ok("AbC-1".into()));
    }

    #[test]
    fn empty_long_and_spaced_ids_are_refused_with_the_rule_broken() {
        assert_eq!(device_id("   "), Err(DeviceIdProblem::Empty));
        assert_eq!(
            device_id(&"7".repeat(MAX_DEVICE_ID_LEN)).map(|id| id.len()),
            Ok(64)
        );
        assert_eq!(
            device_id(&"7".repeat(MAX_DEVICE_ID_LEN + 1)),
            Err(DeviceIdProblem::TooLong)
        );
        assert_eq!(device_id("a b"), Err(DeviceIdProblem::Spaces));
        assert_eq!(device_id("a\u{7}b"), Err(DeviceIdProblem::Spaces));
        let error = parse_device_id("").unwrap_err();
        assert_eq!(error.field.as_deref(), Some("deviceId"));
        assert_eq!(error.message, "deviceId must not be empty");
    }
}
