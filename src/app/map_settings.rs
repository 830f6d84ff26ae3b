//! What the server tells the map: where tiles come from and when a vehicle counts as silent.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Where tiles come from (an empty URL draws a plain background, which works offline), and when
/// a vehicle counts as silent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapSettings {
    pub tile_url: String,
    pub attribution: String,
    /// A vehicle with no fix for longer than this is marked silent.
    pub silent_after_seconds: i64,
}

impl Default for MapSettings {
    fn default() -> Self {
        Self {
            tile_url: String::new(),
            attribution: String::new(),
            // The server's default (`--silent-after-minutes 10`).
            silent_after_seconds: 600,
        }
    }
}

#[server(endpoint = "get_map_settings")]
pub async fn get_map_settings() -> Result<MapSettings, AppError> {
    crate::server::auth::require(crate::fleet::access::Access::Read)?;
    Ok(expect_context::<MapSettings>())
}
