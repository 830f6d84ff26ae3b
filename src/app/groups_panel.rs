//! The administrator's vehicle groups: the groups with how many vehicles each holds, creating
//! one, and placing a vehicle in one (which takes it out of the group it was in).

use leptos::{form::ActionForm, prelude::*};

use crate::error::AppError;
use crate::fleet::create_group::CreateGroup;
use crate::fleet::list_groups::GroupSummary;
use crate::fleet::list_vehicles::list_vehicles;
use crate::fleet::place_in_group::PlaceInGroup;

pub type GroupsResource = Resource<Result<Vec<GroupSummary>, AppError>>;

/// A select of the groups (whole rendered once they are loaded: no suspense inside a select).
/// With `whole_fleet`, an empty first option means no group: the whole fleet.
#[component]
pub fn GroupSelect(
    id: &'static str,
    name: &'static str,
    groups: GroupsResource,
    whole_fleet: bool,
) -> impl IntoView {
    view! {
        <Suspense fallback=move || view! { <select id=id name=name disabled></select> }>
            {move || Suspend::new(async move {
                let options = groups.await.unwrap_or_default().into_iter().map(|group| view! {
                    <option value=group.group_id.to_string()>{group.name}</option>
                }).collect_view();
                view! {
                    <select id=id name=name required=!whole_fleet>
                        {whole_fleet.then(|| view! { <option value="">"Whole fleet"</option> })}
                        {options}
                    </select>
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn GroupsPanel(
    groups: GroupsResource,
    create_group: ServerAction<CreateGroup>,
    place_in_group: ServerAction<PlaceInGroup>,
) -> impl IntoView {
    let vehicles = Resource::new(move || place_in_group.version().get(), |_| list_vehicles());
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
    let vehicle_options = move || {
        Suspend::new(async move {
            vehicles
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|vehicle| {
                    view! {
                        <option value=vehicle.vehicle_registered_id.to_string()>
                            {vehicle.vehicle_license_plate}
                        </option>
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
                <label for="place-vehicle">"Vehicle"</label>
                <Suspense fallback=|| view! { <select id="place-vehicle" disabled></select> }>
                    {vehicle_options}
                </Suspense>
                <label for="place-group">"Into group"</label>
                <GroupSelect id="place-group" name="group_id" groups whole_fleet=false/>
                {move || error_of(place_in_group.value().get().and_then(Result::err).map(|e| e.message))}
                {move || place_in_group.value().get().and_then(Result::ok).map(|_| view! {
                    <p class="muted" role="status">"Placed."</p>
                })}
                <button type="submit">"Place in group"</button>
            </ActionForm>
        </section>
    }
}
