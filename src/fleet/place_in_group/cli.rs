//! `fleetline group place --group G --vehicle PLATE`.

use event_store::EventStore;

use crate::fleet::access::CausedBy;
use crate::fleet::groups::group_named;
use crate::fleet::registrations::resolve_vehicle;
use crate::fleet::vehicle_ref::VehicleRef;

pub async fn run(store: &EventStore, group: &str, plate: &str) -> anyhow::Result<()> {
    let failed = |error: crate::error::AppError| anyhow::anyhow!("{}", error.message);
    let group_id = group_named(store, group).await.map_err(failed)?;
    let vehicle_id = resolve_vehicle(store, &VehicleRef::Plate(plate.into()))
        .await
        .map_err(failed)?;
    let whole_fleet = crate::fleet::access::Scope::WholeFleet;
    super::place(store, vehicle_id, group_id, &whole_fleet, &CausedBy::cli())
        .await
        .map_err(failed)?;
    eprintln!("placed {plate} in group {group:?}");
    Ok(())
}
