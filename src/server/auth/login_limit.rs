//! Failed logins, counted per account and per address: after 5 within 15 minutes, either one
//! answers 429 with `Retry-After` until the oldest failure is 15 minutes old. An email without
//! an account is counted the same, so the answer does not tell whether it exists.
//!
//! In memory, per instance: a restart forgets, which costs an attacker a restart they cannot
//! cause. 5 in 15 minutes is OWASP's example figure and what Traccar-like trackers allow before
//! a lockout; a person who mistypes does not reach it.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Keys kept at most: beyond, the oldest are forgotten (a flood of invented emails cannot grow
/// memory without end). 100,000 keys of ≤ 5 instants is some 10 MB.
const MAX_KEYS: usize = 100_000;

#[derive(Clone, Default)]
pub struct LoginLimit {
    failures: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
}

/// The keys one login attempt counts against.
pub fn keys(email: &str, address: Option<IpAddr>) -> Vec<String> {
    let mut keys = vec![format!("account:{}", email.trim().to_lowercase())];
    keys.extend(address.map(|ip| format!("address:{ip}")));
    keys
}

impl LoginLimit {
    /// How long until another attempt is allowed, if one is not allowed now.
    pub fn retry_after(&self, keys: &[String], now: Instant) -> Option<Duration> {
        let mut failures = self.failures.lock().expect("login limit lock");
        keys.iter()
            .filter_map(|key| {
                let times = failures.get_mut(key)?;
                forget_old(times, now);
                (times.len() >= MAX_FAILURES).then(|| WINDOW - now.duration_since(times[0]))
            })
            .max()
    }

    pub fn failed(&self, keys: &[String], now: Instant) {
        let mut failures = self.failures.lock().expect("login limit lock");
        if failures.len() >= MAX_KEYS {
            failures.retain(|_, times| {
                forget_old(times, now);
                !times.is_empty()
            });
            if failures.len() >= MAX_KEYS {
                failures.clear();
            }
        }
        for key in keys {
            let times = failures.entry(key.clone()).or_default();
            forget_old(times, now);
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
    fn the_sixth_attempt_within_the_window_waits_for_the_oldest_failure_to_age() {
        let limit = LoginLimit::default();
        let start = Instant::now();
        let keys = keys("Dana@example.com", Some("10.0.0.1".parse().unwrap()));
        for minute in 0..5 {
            assert_eq!(limit.retry_after(&keys, start), None, "attempt {minute}");
            limit.failed(&keys, start + Duration::from_secs(minute * 60));
        }
        let now = start + Duration::from_secs(5 * 60);
        assert_eq!(
            limit.retry_after(&keys, now),
            Some(Duration::from_secs(10 * 60))
        );
        // Another address, same account: still limited. Another account, same address: too.
        let other_address = super::keys("dana@example.com", Some("10.0.0.2".parse().unwrap()));
        assert!(limit.retry_after(&other_address, now).is_some());
        let other_account = super::keys("eve@example.com", Some("10.0.0.1".parse().unwrap()));
        assert!(limit.retry_after(&other_account, now).is_some());
        // 15 minutes after the first failure, one more attempt is allowed.
        assert_eq!(limit.retry_after(&keys, start + WINDOW), None);
    }
}
