//! A device id is a GPS device's only credential, so the protocol answers a known and an unknown
//! device alike (200, empty body) and nobody can probe which ids exist. An address that keeps
//! sending unknown ids is slowed down: after 10 within a minute, every request from it — known
//! ids too, so the delay tells nothing either — waits 2 seconds before it is read.
//!
//! 10 a minute: a real tracker sends a fix every 5 s at its fastest setting and is one id, so
//! only a misconfigured fleet behind one NAT or a prober gets there; 2 s turns a scan of a
//! million ids into weeks per connection. In memory, per instance.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const MAX_UNKNOWN_PER_WINDOW: usize = 10;
pub const WINDOW: Duration = Duration::from_secs(60);
pub const DELAY: Duration = Duration::from_secs(2);
/// Addresses remembered at most (a spread-out scan cannot grow memory without end).
const MAX_ADDRESSES: usize = 100_000;

#[derive(Clone, Debug, Default)]
pub struct UnknownDevices {
    seen: Arc<Mutex<HashMap<IpAddr, VecDeque<Instant>>>>,
}

impl UnknownDevices {
    /// How long a request from `address` waits before it is read, if at all.
    pub fn delay_for(&self, address: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let address = address?;
        let mut seen = self.seen.lock().expect("unknown devices lock");
        let times = seen.get_mut(&address)?;
        forget_old(times, now);
        (times.len() >= MAX_UNKNOWN_PER_WINDOW).then_some(DELAY)
    }

    /// `address` sent an unknown device id.
    pub fn seen(&self, address: Option<IpAddr>, now: Instant) {
        let Some(address) = address else { return };
        let mut seen = self.seen.lock().expect("unknown devices lock");
        if seen.len() >= MAX_ADDRESSES && !seen.contains_key(&address) {
            seen.retain(|_, times| {
                forget_old(times, now);
                !times.is_empty()
            });
        }
        let times = seen.entry(address).or_default();
        forget_old(times, now);
        // Enough to decide; more would only cost memory.
        if times.len() < MAX_UNKNOWN_PER_WINDOW {
            times.push_back(now);
        } else {
            times.pop_front();
            times.push_back(now);
        }
    }
}

fn forget_old(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|first| now.duration_since(*first) >= WINDOW)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_unknown_id_within_a_minute_slows_its_address_down_until_the_minute_passes() {
        let devices = UnknownDevices::default();
        let (prober, other) = (
            Some("10.0.0.9".parse().unwrap()),
            Some("10.0.0.7".parse().unwrap()),
        );
        let start = Instant::now();
        for n in 0..10 {
            assert_eq!(devices.delay_for(prober, start), None, "request {n}");
            devices.seen(prober, start + Duration::from_secs(n));
        }
        let now = start + Duration::from_secs(10);
        assert_eq!(devices.delay_for(prober, now), Some(DELAY));
        assert_eq!(
            devices.delay_for(other, now),
            None,
            "other addresses are not slowed"
        );
        assert_eq!(devices.delay_for(None, now), None);
        assert_eq!(
            devices.delay_for(prober, start + WINDOW),
            None,
            "the oldest aged out"
        );
    }
}
