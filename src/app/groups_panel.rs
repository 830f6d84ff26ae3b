//! The administrator's vehicle groups: the groups with how many vehicles each holds, creating
//! one, and placing a vehicle in one (which takes it out of the group it was in).

use leptos::{form::ActionForm, prelude::*};

use crate::error::AppError;
use crate::fleet::create_group::CreateGroup;
use crate::fleet::list_groups::GroupSummary;
use crate::fleet::place_in_group::PlaceInGroup;

pub type GroupsResource = Resource<Result<Vec<GroupSummary>, AppError>>;

#[component]
pub fn GroupsPanel(
    groups: GroupsResource,
    create_group: ServerAction<CreateGroup>,
    place_in_group: ServerAction<PlaceInGroup>,
) -> impl IntoView {
    let error_of = |message: Option<String>| {
        message.map(|m| view! { <p class="field-error" role="alert">{m}</p> })
    };
    let rows = move || {
        Suspend::new(async move {
            groups
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|group| {
                    view! {
                        <tr data-group=group.name.clone()>
                            <td>{group.name.clone()}</td>
                            <td>{group.vehicle_count}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <section class="panel" aria-labelledby="groups-title">
            <h2 id="groups-title">"Vehicle groups"</h2>
            <p class="muted">"Users and tokens limited to a group see only its vehicles."</p>
            <table class="accounts-table">
                <thead><tr><th>"Group"</th><th>"Vehicles"</th></tr></thead>
                <tbody><Suspense>{rows}</Suspense></tbody>
            </table>
            <ActionForm action=create_group>
                <label for="group-name">"New group"</label>
                <input id="group-name" name="name" type="text" required maxlength="60" placeholder="Depot North"/>
                {move || error_of(create_group.value().get().and_then(Result::err).map(|e| e.message))}
                <button type="submit">"Create group"</button>
            </ActionForm>
            <ActionForm action=place_in_group>
                <label for="place-vehicle">"Vehicle (plate)"</label>
                <input id="place-vehicle" name="vehicle_license_plate" type="text" required placeholder="ABC-1234"/>
                <label for="place-group">"Into group (name)"</label>
                <input id="place-group" name="group" type="text" required placeholder="Depot North"/>
                {move || error_of(place_in_group.value().get().and_then(Result::err).map(|e| e.message))}
                {move || place_in_group.value().get().and_then(Result::ok).map(|_| view! {
                    <p class="muted" role="status">"Placed."</p>
                })}
                <button type="submit">"Place in group"</button>
            </ActionForm>
        </section>
    }
}
