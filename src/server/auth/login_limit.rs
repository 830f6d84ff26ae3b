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
/// Keys kept at most: beyond, new keys are not tracked (a flood of invented emails cannot grow
/// memory without end, nor push out the lockouts already in force). A key is at most 263 bytes
/// (an email is cut at 254) with ≤ 5 instants: 100,000 keys are some 40 MB.
const MAX_KEYS: usize = 100_000;
/// The longest email address (RFC 5321's path limit).
const MAX_EMAIL_LEN: usize = 254;

#[derive(Clone, Default)]
pub struct LoginLimit {
    failures: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
}

/// The keys one login attempt counts against: the account, and the address (an IPv6 address by
/// its /64, which one subscriber usually holds whole).
pub fn keys(email: &str, address: Option<IpAddr>) -> Vec<String> {
    let email: String = email
        .trim()
        .to_lowercase()
        .chars()
        .take(MAX_EMAIL_LEN)
        .collect();
    let mut keys = vec![format!("account:{email}")];
    keys.extend(address.map(|ip| match ip {
        IpAddr::V4(v4) => format!("address:{v4}"),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("address:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }));
    keys
}

impl LoginLimit {
    /// Counts an attempt at `now` against every key before the password is checked, so attempts
    /// sent in parallel count too; refused with the wait when a key has reached the limit.
    pub fn attempt(&self, keys: &[String], now: Instant) -> Result<(), Duration> {
        let mut failures = self.failures.lock().expect("login limit lock");
        let wait = keys
            .iter()
            .filter_map(|key| {
                let times = failures.get_mut(key)?;
                forget_old(times, now);
                (times.len() >= MAX_FAILURES).then(|| WINDOW - now.duration_since(times[0]))
            })
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        if failures.len() + keys.len() > MAX_KEYS {
            failures.retain(|_, times| {
                forget_old(times, now);
                !times.is_empty()
            });
        }
        for key in keys {
            if let Some(times) = failures.get_mut(key) {
                times.push_back(now);
            } else if failures.len() < MAX_KEYS {
                failures.insert(key.clone(), VecDeque::from([now]));
            }
        }
        Ok(())
    }

    /// The attempt counted at `at` succeeded: it was no failure.
    pub fn succeeded(&self, keys: &[String], at: Instant) {
        let mut failures = self.failures.lock().expect("login limit lock");
        for key in keys {
            if let Some(times) = failures.get_mut(key) {
                if let Some(index) = times.iter().rposition(|t| *t == at) {
                    times.remove(index);
                }
            }
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
            let at = start + Duration::from_secs(minute * 60);
            assert_eq!(limit.attempt(&keys, at), Ok(()), "attempt {minute}");
        }
        let now = start + Duration::from_secs(5 * 60);
        assert_eq!(limit.attempt(&keys, now), Err(Duration::from_secs(10 * 60)));
        // Another address, same account: still limited. Another account, same address: too.
        let other_address = super::keys("dana@example.com", Some("10.0.0.2".parse().unwrap()));
        assert!(limit.attempt(&other_address, now).is_err());
        let other_account = super::keys("eve@example.com", Some("10.0.0.1".parse().unwrap()));
        assert!(limit.attempt(&other_account, now).is_err());
        // 15 minutes after the first failure, one more attempt is allowed.
        assert_eq!(limit.attempt(&keys, start + WINDOW), Ok(()));
    }

    #[test]
    fn a_successful_attempt_is_no_failure() {
        let limit = LoginLimit::default();
        let keys = keys("dana@example.com", None);
        let start = Instant::now();
        for n in 0..20 {
            let at = start + Duration::from_secs(n);
            assert_eq!(limit.attempt(&keys, at), Ok(()), "attempt {n}");
            limit.succeeded(&keys, at);
        }
    }

    #[test]
    fn an_ipv6_address_counts_by_its_64_and_a_long_email_is_cut() {
        let a = keys("x", Some("2001:db8:1:2:aaaa::1".parse().unwrap()));
        let b = keys("x", Some("2001:db8:1:2:bbbb::9".parse().unwrap()));
        assert_eq!(a[1], b[1]);
        assert_eq!(a[1], "address:2001:db8:1:2::/64");
        let long = keys(&"a".repeat(70_000), None);
        assert!(long[0].len() <= 8 + MAX_EMAIL_LEN);
    }
}
