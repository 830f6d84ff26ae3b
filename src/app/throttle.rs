//! At most one run every so often, the last call always answered: for work that follows a value
//! changing many times a second (the timeline's slider), where only the latest value matters.

use std::{cell::Cell, rc::Rc, time::Duration};

use leptos::prelude::set_timeout;

#[derive(Clone)]
pub struct Throttle {
    every: Duration,
    /// When the action last ran (ms since the epoch).
    ran_at: Rc<Cell<f64>>,
    /// A run is put off until `every` has passed; calls meanwhile join it.
    scheduled: Rc<Cell<bool>>,
    action: Rc<dyn Fn()>,
}

impl Throttle {
    pub fn new(every: Duration, action: impl Fn() + 'static) -> Self {
        Self {
            every,
            ran_at: Rc::new(Cell::new(f64::MIN)),
            scheduled: Rc::default(),
            action: Rc::new(action),
        }
    }

    /// Runs the action now if it has not run for `every`, or else once `every` has passed.
    pub fn call(&self) {
        if self.scheduled.get() {
            return;
        }
        let wait = self.ran_at.get() + self.every.as_millis() as f64 - js_sys::Date::now();
        if wait <= 0.0 {
            self.run();
            return;
        }
        self.scheduled.set(true);
        let this = self.clone();
        set_timeout(
            move || {
                this.scheduled.set(false);
                this.run();
            },
            Duration::from_millis(wait.ceil() as u64),
        );
    }

    fn run(&self) {
        self.ran_at.set(js_sys::Date::now());
        (self.action)();
    }
}
