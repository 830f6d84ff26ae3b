//! What the page knows of the fleet, shared by its parts through context.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use uuid::Uuid;

use super::live_list::{apply_update, caught_up, insert};
use super::map_settings::MapSettings;
use super::time_format::{local, utc};
use crate::error::AppError;
use crate::fleet::{
    fleet_at::FleetPosition, live_updates::LiveUpdate, register_vehicle::Registered,
    vehicle::Vehicle,
};

/// The live connection's state, shown in the top bar (changed only in the browser).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    Reconnecting,
    Offline,
}

/// One vehicle as shown on the map and in the list, live or at a past moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub id: Uuid,
    pub plate: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub tracked_at: Option<DateTime<Utc>>,
    /// The current fix's readings (live only), when its device sent them.
    pub speed_mps: Option<f64>,
    pub heading: Option<f64>,
    pub battery_percent: Option<f64>,
}

impl Row {
    pub fn position(&self) -> Option<(f64, f64)> {
        self.latitude.zip(self.longitude)
    }

    /// No fix for longer than `silent_after` before `moment` (or none at all): its tracker has
    /// stopped reporting, or never started.
    pub fn is_silent(&self, moment: DateTime<Utc>, silent_after: chrono::Duration) -> bool {
        self.tracked_at.is_none_or(|at| moment - at > silent_after)
    }
}

/// The order of the vehicle list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    Plate,
    /// Most recently seen first; never-seen last.
    LastSeen,
}

/// The fleet on the map and in the list: at the chosen moment, or live.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shown {
    /// The moment of the fleet shown; `None` for the live fleet (also while the first fleet of a
    /// past moment loads).
    pub moment: Option<DateTime<Utc>>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Copy)]
pub struct FleetState {
    /// The fleet as the server rendered it.
    pub initial: Resource<Result<Vec<Vehicle>, AppError>>,
    /// The live fleet once the browser follows the updates (until then: `initial`).
    pub live: RwSignal<Option<Vec<Vehicle>>>,
    /// The moment shown; `None` in live mode.
    pub at: RwSignal<Option<DateTime<Utc>>>,
    /// The fleet at a past moment, once loaded, with that moment (`at` when it was loaded).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub past: RwSignal<Option<(DateTime<Utc>, Vec<FleetPosition>)>>,
    pub selected: RwSignal<Option<Uuid>>,
    pub connection: RwSignal<Connection>,
    /// A clock for "last seen … ago" and the end of the timeline.
    pub now: RwSignal<DateTime<Utc>>,
    /// Counts live changes, so details can refresh.
    pub changes: RwSignal<u64>,
    /// Set once the browser has taken over the server-rendered page.
    pub hydrated: RwSignal<bool>,
    /// What to show, computed once for the map and the list. A memo: moving the slider changes
    /// `at` at every step, but what is shown only when the fleet of a new moment arrives.
    pub shown: Memo<Shown>,
    /// The plate filter typed by the user: it narrows the list and the map alike.
    pub filter: RwSignal<String>,
    pub sort: RwSignal<SortBy>,
    /// The vehicles the filter lets through, in the list's order.
    pub visible: Memo<Vec<Row>>,
    /// Times in UTC instead of the browser's time zone.
    pub utc: RwSignal<bool>,
    /// The `?at=` of the address when it could not be read as a moment.
    pub bad_moment: RwSignal<Option<String>>,
    /// Why the fleet of the moment chosen could not be loaded (the server is down, say).
    pub replay_error: RwSignal<Option<String>>,
    /// The map keeps the selected vehicle in view while it moves, until the user pans away.
    pub following: RwSignal<bool>,
    pub settings: Resource<Result<MapSettings, AppError>>,
    /// While the whole fleet is loaded again: how many loads are out, and the updates pushed
    /// since the first was asked for (see [`FleetState::reload`]).
    /// Thread-safe: the server renders pages on any of its threads and drops them on another.
    reloading: StoredValue<(u32, Vec<LiveUpdate>)>,
}

impl FleetState {
    pub fn new(
        initial: Resource<Result<Vec<Vehicle>, AppError>>,
        settings: Resource<Result<MapSettings, AppError>>,
    ) -> Self {
        let (live, at, past) = (
            RwSignal::new(None),
            RwSignal::new(None),
            RwSignal::new(None),
        );
        // Only whether a past moment is shown: not every step of the slider.
        let replaying = Memo::new(move |_| at.with(Option::is_some));
        let shown = Memo::new(move |_| shown(initial, live, replaying, past));
        let (filter, sort) = (RwSignal::new(String::new()), RwSignal::new(SortBy::Plate));
        Self {
            initial,
            live,
            at,
            past,
            shown,
            filter,
            sort,
            visible: Memo::new(move |_| visible(shown, filter, sort)),
            utc: RwSignal::new(false),
            bad_moment: RwSignal::new(None),
            replay_error: RwSignal::new(None),
            following: RwSignal::new(false),
            settings,
            selected: RwSignal::new(None),
            connection: RwSignal::new(Connection::Connecting),
            now: RwSignal::new(Utc::now()),
            changes: RwSignal::new(0),
            hydrated: RwSignal::new(false),
            reloading: StoredValue::new((0, Vec::new())),
        }
    }
}

impl FleetState {
    /// The moment the fleet shown stands for: the one replayed, or now.
    pub fn moment(&self) -> DateTime<Utc> {
        self.shown
            .with(|shown| shown.moment)
            .unwrap_or_else(|| self.now.get())
    }

    /// How long a vehicle may go without a fix before it counts as silent.
    pub fn silent_after(&self) -> chrono::Duration {
        let seconds = self.settings.with(|settings| {
            settings
                .as_ref()
                .and_then(|s| s.as_ref().ok())
                .map(|s| s.silent_after_seconds)
        });
        chrono::Duration::seconds(seconds.unwrap_or(MapSettings::default().silent_after_seconds))
    }

    /// A time as the page writes it: in the browser's time zone, or UTC when chosen (and on the
    /// server, which does not know the browser's zone, until the page is hydrated).
    pub fn time(&self, time: DateTime<Utc>) -> String {
        if self.hydrated.get() && !self.utc.get() {
            local(time)
        } else {
            utc(time)
        }
    }
}

fn visible(shown: Memo<Shown>, filter: RwSignal<String>, sort: RwSignal<SortBy>) -> Vec<Row> {
    let needle = filter.with(|filter| filter.trim().to_uppercase());
    let mut rows: Vec<Row> = shown.with(|shown| {
        shown
            .rows
            .iter()
            .filter(|row| row.plate.contains(&needle))
            .cloned()
            .collect()
    });
    if sort.get() == SortBy::LastSeen {
        // Stable: vehicles seen at the same moment keep their plate order.
        rows.sort_by_key(|row| std::cmp::Reverse(row.tracked_at));
    }
    rows
}

fn shown(
    initial: Resource<Result<Vec<Vehicle>, AppError>>,
    live: RwSignal<Option<Vec<Vehicle>>>,
    replaying: Memo<bool>,
    past: RwSignal<Option<(DateTime<Utc>, Vec<FleetPosition>)>>,
) -> Shown {
    if replaying.get() {
        let replayed = past.with(|past| {
            past.as_ref().map(|(moment, fleet)| Shown {
                moment: Some(*moment),
                rows: fleet
                    .iter()
                    .map(|p| Row {
                        id: p.vehicle_registered_id,
                        plate: p.vehicle_license_plate.clone(),
                        latitude: p.latitude,
                        longitude: p.longitude,
                        tracked_at: p.tracked_at,
                        speed_mps: None,
                        heading: None,
                        battery_percent: None,
                    })
                    .collect(),
            })
        });
        if let Some(replayed) = replayed {
            return replayed;
        }
    }
    let rows = |vehicles: &Vec<Vehicle>| -> Vec<Row> {
        vehicles
            .iter()
            .map(|v| Row {
                id: v.vehicle_registered_id,
                plate: v.vehicle_license_plate.clone(),
                latitude: v.latitude,
                longitude: v.longitude,
                tracked_at: v.tracked_at,
                speed_mps: v.speed_mps,
                heading: v.heading,
                battery_percent: v.battery_percent,
            })
            .collect()
    };
    Shown {
        moment: None,
        rows: live
            .with(|live| live.as_ref().map(rows))
            .unwrap_or_else(|| {
                initial
                    .with(|initial| initial.as_ref().and_then(|r| r.as_ref().ok()).map(rows))
                    .unwrap_or_default()
            }),
    }
}

/// Live updates reach only the browser.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
impl FleetState {
    /// Applies one pushed change to the live fleet.
    pub fn apply(&self, update: LiveUpdate) {
        self.reloading.update_value(|(loads, pending)| {
            if *loads > 0 {
                pending.push(update.clone());
            }
        });
        let mut known = true;
        self.change_live(|list| known = apply_update(list, update));
        if !known {
            self.reload();
        }
    }

    /// Shows a vehicle just registered through the form, before its live update arrives.
    pub fn registered(&self, registered: Registered) {
        self.change_live(|list| {
            insert(
                list,
                registered.vehicle_registered_id,
                registered.vehicle_license_plate,
                self.now.get_untracked(),
            );
        });
    }

    /// Changes the live fleet (starting from the server-rendered one) and counts the change.
    fn change_live(&self, change: impl FnOnce(&mut Vec<Vehicle>)) {
        self.live.update(|live| {
            change(live.get_or_insert_with(|| {
                self.initial
                    .get_untracked()
                    .and_then(Result::ok)
                    .unwrap_or_default()
            }))
        });
        self.changes.update(|n| *n += 1);
    }

    /// Loads the whole live fleet again (after a reconnection or a missed update). The list is
    /// read from a read model, a few milliseconds behind the stream: the updates pushed while it
    /// loads are applied again on top of it, or it would undo them (a fix arriving just after the
    /// page connected was lost until the vehicle's next one).
    pub fn reload(&self) {
        let state = *self;
        state.reloading.update_value(|(loads, _)| *loads += 1);
        leptos::task::spawn_local(async move {
            let answer = crate::fleet::list_vehicles::list_vehicles().await;
            let pending = state
                .reloading
                .try_update_value(|(loads, pending)| {
                    *loads -= 1;
                    if *loads == 0 {
                        std::mem::take(pending)
                    } else {
                        pending.clone()
                    }
                })
                .unwrap_or_default();
            if let Ok(list) = answer {
                state.live.set(Some(caught_up(list, pending)));
                state.changes.update(|n| *n += 1);
            }
        });
    }
}
