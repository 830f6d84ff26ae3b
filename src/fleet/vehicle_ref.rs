//! Which vehicle a command names (found in the log by `registrations`).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Which vehicle a fix belongs to: the old API names it by plate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum VehicleRef {
    Id(Uuid),
    Plate(String),
}
