//! The pages of a visitor who is not signed in: the first-run page (while no user exists) and
//! the login page. Both are server actions, so they also work before the wasm has loaded.

use leptos::{form::ActionForm, prelude::*};

use crate::fleet::add_user::CreateFirstAdmin;
use crate::fleet::sign_in::LogIn;

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(()))) {
            super::load_home();
        }
    });
    let error = move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.message)
    };
    view! {
        <main class="sign-in">
            <h1>"Fleetline"</h1>
            <section class="panel" aria-labelledby="login-title">
                <h2 id="login-title">"Sign in"</h2>
                <ActionForm action=action>
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required/>
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required/>
                    <p id="login-error" class="field-error" role="alert">{error}</p>
                    <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
                </ActionForm>
            </section>
        </main>
    }
}

#[component]
pub fn FirstRunPage() -> impl IntoView {
    let action = ServerAction::<CreateFirstAdmin>::new();
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            super::load_home();
        }
    });
    let error = move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.message)
    };
    view! {
        <main class="sign-in">
            <h1>"Fleetline"</h1>
            <section class="panel" aria-labelledby="first-run-title">
                <h2 id="first-run-title">"Create the first administrator"</h2>
                <p class="muted">
                    "No one can use Fleetline yet. The administrator you create here adds the other "
                    "users and the API tokens; this page is gone once they exist."
                </p>
                <ActionForm action=action>
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required/>
                    <label for="password">"Password (at least 8 characters)"</label>
                    <input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required/>
                    <p id="first-run-error" class="field-error" role="alert">{error}</p>
                    <button type="submit" disabled=move || action.pending().get()>"Create administrator"</button>
                </ActionForm>
            </section>
        </main>
    }
}
