//! Live updates: every app instance tails the event log (woken by LISTEN/NOTIFY) and pushes
//! what changed to its browsers as server-sent events — so it works behind a load balancer too.

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One change of the fleet, as the browser receives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum LiveUpdate {
    VehicleRegistered {
        vehicle_registered_id: Uuid,
        vehicle_license_plate: String,
        registered_at: DateTime<Utc>,
    },
    LocationTracked {
        vehicle_registered_id: Uuid,
        latitude: f64,
        longitude: f64,
        tracked_at: DateTime<Utc>,
        recorded_at: DateTime<Utc>,
        #[serde(default)]
        speed_mps: Option<f64>,
        #[serde(default)]
        heading: Option<f64>,
        #[serde(default)]
        battery_percent: Option<f64>,
    },
    /// Not sent to browsers: a stream limited to some groups learns from it that the vehicles
    /// it may show changed.
    VehiclePlacedInGroup {
        vehicle_registered_id: Uuid,
        group_id: Uuid,
    },
}

impl LiveUpdate {
    pub fn vehicle_id(&self) -> Uuid {
        match self {
            LiveUpdate::VehicleRegistered {
                vehicle_registered_id,
                ..
            }
            | LiveUpdate::LocationTracked {
                vehicle_registered_id,
                ..
            }
            | LiveUpdate::VehiclePlacedInGroup {
                vehicle_registered_id,
                ..
            } => *vehicle_registered_id,
        }
    }
}

#[cfg(feature = "ssr")]
pub use feed::{LiveFeed, LiveStreams, Positioned};

#[cfg(feature = "ssr")]
mod feed {
    use tokio::sync::broadcast;

    use super::LiveUpdate;
    use crate::fleet::events::{
        VehiclePlacedInGroup, VehicleRegistered, LOCATION_TRACKED, VEHICLE_PLACED_IN_GROUP,
        VEHICLE_REGISTERED,
    };
    use crate::fleet::fix_payload::TrackedPosition;
    use event_store::{follow, Cursor, EventStore, StoredEvent, Wakeups};

    /// An update with its event's place in the log: the id of its server-sent event, from which
    /// a reconnecting browser resumes (`Last-Event-ID`).
    #[derive(Clone, Debug, PartialEq)]
    pub struct Positioned {
        pub cursor: Cursor,
        pub update: LiveUpdate,
    }

    /// Fans the log's new events out to every connected browser of this instance.
    #[derive(Clone)]
    pub struct LiveFeed {
        sender: broadcast::Sender<Positioned>,
    }

    impl Default for LiveFeed {
        fn default() -> Self {
            Self {
                sender: broadcast::channel(4096).0,
            }
        }
    }

    impl LiveFeed {
        /// Follows the log from its current end, in a background task.
        pub async fn start(store: EventStore, wakeups: Wakeups) -> sqlx::Result<Self> {
            let feed = Self::default();
            let from = store.head().await?;
            let following = feed.clone();
            tokio::spawn(async move { following.follow_from(store, from, wakeups).await });
            Ok(feed)
        }

        /// Follows the log from its current end; returns only if that end cannot be read (the
        /// server runs it under supervision; following retries by itself).
        pub async fn follow(&self, store: EventStore, wakeups: Wakeups) -> sqlx::Result<()> {
            let from = store.head().await?;
            self.follow_from(store, from, wakeups).await;
            Ok(())
        }

        async fn follow_from(&self, store: EventStore, from: Cursor, wakeups: Wakeups) {
            let sender = self.sender.clone();
            follow(store.pool().clone(), from, wakeups, move |events| {
                // No receiver is fine: nobody is watching right now.
                for update in events.iter().filter_map(positioned) {
                    let _ = sender.send(update);
                }
            })
            .await
        }

        pub fn subscribe(&self) -> broadcast::Receiver<Positioned> {
            self.sender.subscribe()
        }
    }

    /// The cap on concurrent live streams of this instance; cheap to clone.
    #[derive(Clone)]
    pub struct LiveStreams(std::sync::Arc<tokio::sync::Semaphore>);

    impl LiveStreams {
        /// Each open stream holds a connection, a task and a subscription (some 10 KB): 1,000
        /// is ten times the dispatchers of a large fleet's control room, and 10 MB.
        pub const DEFAULT: usize = 1000;

        pub fn new(most: usize) -> Self {
            Self(std::sync::Arc::new(tokio::sync::Semaphore::new(most)))
        }

        /// A place for one more stream, held until the stream ends; `None` at the cap.
        pub fn open(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
            self.0.clone().try_acquire_owned().ok()
        }
    }

    impl Default for LiveStreams {
        fn default() -> Self {
            Self::new(Self::DEFAULT)
        }
    }

    /// The update an event makes, with its place in the log; `None` for events browsers do
    /// not see.
    pub fn positioned(event: &StoredEvent) -> Option<Positioned> {
        Some(Positioned {
            cursor: event.cursor(),
            update: to_update(event)?,
        })
    }

    fn to_update(event: &StoredEvent) -> Option<LiveUpdate> {
        match event.event_type.as_str() {
            VEHICLE_REGISTERED => {
                let registered: VehicleRegistered = event.decode().ok()?;
                Some(LiveUpdate::VehicleRegistered {
                    vehicle_registered_id: registered.vehicle_registered_id,
                    vehicle_license_plate: registered.vehicle_license_plate,
                    registered_at: registered.registered_at,
                })
            }
            LOCATION_TRACKED => {
                let fix = TrackedPosition::of(event).ok()?;
                Some(LiveUpdate::LocationTracked {
                    vehicle_registered_id: fix.vehicle_id,
                    latitude: fix.latitude,
                    longitude: fix.longitude,
                    tracked_at: fix.tracked_at,
                    recorded_at: event.recorded_at,
                    speed_mps: fix.speed_mps,
                    heading: fix.heading,
                    battery_percent: fix.battery_percent,
                })
            }
            VEHICLE_PLACED_IN_GROUP => {
                let placed: VehiclePlacedInGroup = event.decode().ok()?;
                Some(LiveUpdate::VehiclePlacedInGroup {
                    vehicle_registered_id: placed.scope.vehicle_registered_id,
                    group_id: placed.group_id,
                })
            }
            _ => None,
        }
    }
}
