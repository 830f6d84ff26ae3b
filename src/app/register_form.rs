//! The registration form: a server action, so it also works as a plain form post before the
//! wasm has loaded.

use leptos::{form::ActionForm, prelude::*};

use super::state::FleetState;
use crate::fleet::license_plate::LicensePlate;
use crate::fleet::register_vehicle::RegisterVehicle;

#[component]
pub fn RegisterForm() -> impl IntoView {
    let state = expect_context::<FleetState>();
    let action = ServerAction::<RegisterVehicle>::new();
    let input = NodeRef::<leptos::html::Input>::new();
    let device = NodeRef::<leptos::html::Input>::new();
    // Each error next to its field.
    let error_on = move |field: &'static str| {
        move || match action.value().get() {
            Some(Err(error))
                if error.field.as_deref() == Some(field)
                    || (field == "vehicleLicensePlate" && error.field.is_none()) =>
            {
                Some(error.message)
            }
            _ => None,
        }
    };
    let error = error_on("vehicleLicensePlate");
    let device_error = error_on("deviceId");
    // A plain form post (before the wasm has loaded) comes back as `/?registered=PLATE`.
    let posted_plainly = leptos_router::hooks::use_query_map()
        .get_untracked()
        .get("registered")
        .and_then(|raw| LicensePlate::parse(&raw).ok());
    let registered = move || match action.value().get() {
        Some(Ok(registered)) => Some(format!("Registered {}", registered.vehicle_license_plate)),
        Some(Err(_)) => None,
        None => posted_plainly
            .as_ref()
            .map(|plate| format!("Registered {}", plate.as_str())),
    };
    Effect::new(move |_| {
        if let Some(Ok(registered)) = action.value().get() {
            state.registered(registered);
            for field in [input.get(), device.get()].into_iter().flatten() {
                field.set_value("");
            }
        }
    });

    view! {
        <section class="panel register" aria-labelledby="register-title">
            <h2 id="register-title">"Register a vehicle"</h2>
            <ActionForm action=action>
                <label for="plate">"Licence plate"</label>
                <div class="field-row">
                    <input
                        id="plate"
                        name="vehicle_license_plate"
                        node_ref=input
                        type="text"
                        autocomplete="off"
                        placeholder="ABC-1234"
                        required
                        aria-invalid=move || if error().is_some() { "true" } else { "false" }
                        aria-describedby="plate-error"
                    />
                    <button type="submit" disabled=move || action.pending().get()>"Register"</button>
                </div>
                <p id="plate-error" class="field-error" role="alert">{error}</p>
                <label for="device">"GPS device identifier (optional)"</label>
                <input
                    id="device"
                    name="device_id"
                    node_ref=device
                    type="text"
                    autocomplete="off"
                    placeholder="e.g. Traccar Client's identifier"
                    aria-invalid=move || if device_error().is_some() { "true" } else { "false" }
                    aria-describedby="device-error"
                />
                <p id="device-error" class="field-error" role="alert">{device_error}</p>
                <p class="field-ok" role="status">{registered}</p>
            </ActionForm>
        </section>
    }
}
