//! The generated fleet: vehicles registered in the store, each moving along a plausible path, and
//! the fixes they send, loaded into the store in stages.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use event_store::EventStore;
use fleetline::fleet::{
    access::{Actor, CausedBy, Via},
    events::{LocationTracked, VehicleScope},
    register_vehicle::register,
};
use fleetline::random::Lcg;
use uuid::Uuid;

use crate::measures::catch_up;

/// Where a vehicle is, where it is heading (radians) and when its last fix was taken.
struct Vehicle {
    latitude: f64,
    longitude: f64,
    heading: f64,
    at: DateTime<Utc>,
}

/// Vehicles moving along plausible paths (heading drifts, speeds 5–30 m/s), one fix every 1–10 s;
/// one fix in fifty arrives late, up to ten minutes behind the others.
pub struct Fleet {
    pub ids: Vec<Uuid>,
    vehicles: Vec<Vehicle>,
    start: DateTime<Utc>,
    random: Lcg,
    /// Seconds between a vehicle's fixes, the vehicles in turn; `None`: 1–10 s, a vehicle drawn
    /// at random for each fix.
    interval: Option<f64>,
    turn: usize,
}

impl Fleet {
    /// Registers `vehicles` vehicles at `start`, scattered over central Europe. The seed is fixed
    /// so that every run generates the same fleet and the same fixes.
    pub async fn register(
        store: &EventStore,
        vehicles: usize,
        start: DateTime<Utc>,
    ) -> anyhow::Result<Self> {
        let mut fleet = Self {
            ids: Vec::with_capacity(vehicles),
            vehicles: Vec::with_capacity(vehicles),
            start,
            random: Lcg::new(42),
            interval: None,
            turn: 0,
        };
        for n in 0..vehicles {
            let id = register(
                store,
                &format!("BENCH-{n:05}"),
                None,
                None,
                start,
                &fleetline::fleet::access::Scope::WholeFleet,
                &fleetline::fleet::access::CausedBy::cli(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .vehicle_registered_id;
            // Drawn in this order (latitude, longitude, heading): the fixes depend on it.
            let latitude = 48.0 + fleet.random.unit() * 6.0;
            let longitude = 6.0 + fleet.random.unit() * 9.0;
            let heading = fleet.random.unit() * std::f64::consts::TAU;
            fleet.ids.push(id);
            fleet.vehicles.push(Vehicle {
                latitude,
                longitude,
                heading,
                at: start,
            });
        }
        Ok(fleet)
    }

    /// Each vehicle reports every `seconds` (±20 %), the vehicles in turn, so the history comes
    /// in time order but for the late fixes.
    pub fn report_every(&mut self, seconds: f64) {
        self.interval = Some(seconds);
    }

    /// The moment the history starts.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The latest fix taken so far (the start while there is none).
    pub fn latest(&self) -> DateTime<Utc> {
        self.vehicles
            .iter()
            .map(|v| v.at)
            .max()
            .unwrap_or(self.start)
    }

    /// The next `count` fixes, each from a vehicle drawn at random.
    pub fn next_fixes(&mut self, count: usize) -> Vec<LocationTracked> {
        (0..count)
            .map(|_| {
                let (v, step) = match self.interval {
                    None => (
                        (self.random.unit() * self.ids.len() as f64) as usize,
                        1.0 + self.random.unit() * 9.0,
                    ),
                    Some(seconds) => {
                        self.turn += 1;
                        let jitter = 0.8 + self.random.unit() * 0.4;
                        (self.turn % self.ids.len(), seconds * jitter)
                    }
                };
                let Vehicle {
                    latitude,
                    longitude,
                    heading,
                    at,
                } = &mut self.vehicles[v];
                *heading += (self.random.unit() - 0.5) * 0.6;
                let metres = step * (5.0 + self.random.unit() * 25.0);
                *latitude = (*latitude + metres * heading.cos() / 111_000.0).clamp(-85.0, 85.0);
                *longitude = (*longitude
                    + metres * heading.sin() / (111_000.0 * latitude.to_radians().cos()))
                .clamp(-179.0, 179.0);
                *at += chrono::Duration::milliseconds((step * 1000.0) as i64);
                let late = if self.random.unit() < 0.02 {
                    (self.random.unit() * 600.0) as i64
                } else {
                    0
                };
                // Named like a device names its fixes (OsmAnd): a UUID v7 of the device time.
                let tracked_at = *at - chrono::Duration::seconds(late);
                LocationTracked {
                    location_tracked_id: fleetline::fleet::events::v7_at(tracked_at),
                    latitude: *latitude,
                    longitude: *longitude,
                    tracked_at: Some(tracked_at),
                    extras: Default::default(),
                    scope: VehicleScope {
                        vehicle_registered_id: self.ids[v],
                    },
                }
            })
            .collect()
    }
}

/// The fleet's history loaded so far, and the time spent appending it and projecting it: the
/// history is loaded in stages, so these add up over the stages.
#[derive(Default)]
pub struct History {
    pub fixes: usize,
    pub appending: Duration,
    pub projecting: Duration,
}

impl History {
    /// Appends the fleet's next fixes until `size` are stored, 10,000 per call, then catches the
    /// projections up.
    pub async fn grow_to(
        &mut self,
        store: &EventStore,
        fleet: &mut Fleet,
        size: usize,
    ) -> anyhow::Result<()> {
        let began = Instant::now();
        while self.fixes < size {
            let count = (size - self.fixes).min(10_000);
            let mut events: Vec<_> = fleet
                .next_fixes(count)
                .iter()
                .map(LocationTracked::to_event)
                .collect();
            gateway().stamp(&mut events);
            store.append(&events, None).await?;
            self.fixes += count;
        }
        self.appending += began.elapsed();
        let began = Instant::now();
        catch_up(store).await;
        self.projecting += began.elapsed();
        Ok(())
    }
}

/// Who the loaded fixes say caused them, as the HTTP API records it: an API token (the longest
/// metadata a fix carries; a device's is `{"causedBy":{"via":"device"}}`).
fn gateway() -> CausedBy {
    CausedBy {
        actor: Some(Actor::Token {
            token_id: Uuid::from_u128(0x0193_a3b4_1234_7abc_8def_0123_4567_89ab),
            name: "fleet gateway".into(),
        }),
        via: Via::Api,
    }
}
