//! Registered vehicles found in the log itself, not in a read model: a command that names a
//! vehicle right after its registration must find it before any projection has caught up.

use event_store::{EventStore, Query};
use uuid::Uuid;

use crate::error::AppError;
use crate::fleet::events::{plate_tag, VehicleRegistered, VEHICLE_REGISTERED};
use crate::fleet::license_plate::LicensePlate;
use crate::fleet::vehicle_ref::VehicleRef;

/// Finds a vehicle in the log itself, so a fix right after its registration is accepted even
/// before the read models have caught up.
pub async fn resolve_vehicle(store: &EventStore, vehicle: &VehicleRef) -> Result<Uuid, AppError> {
    let (found, field) = match vehicle {
        // A registration's event id is the vehicle's id: one index probe, however long
        // the vehicle's history.
        VehicleRef::Id(id) => (
            store.read_by_ids(VEHICLE_REGISTERED, &[*id]).await?,
            "vehicleRegisteredId",
        ),
        VehicleRef::Plate(raw) => {
            let plate = LicensePlate::parse(raw)
                .map_err(|message| AppError::unprocessable("vehicleLicensePlate", message))?;
            let query = Query::of_types(&[VEHICLE_REGISTERED]).tagged(plate_tag(plate.as_str()));
            (store.read(&query, 0, 1).await?, "vehicleLicensePlate")
        }
    };
    let registered: VehicleRegistered = found
        .first()
        .ok_or_else(|| AppError::vehicle_not_found(field))?
        .decode()?;
    Ok(registered.vehicle_registered_id)
}
