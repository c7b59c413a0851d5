//! Login throttling: at most 5 failed logins per username, and 5 per client address, within
//! 15 minutes; further attempts get 429 until the window passes.
//!
//! An attempt is counted as a failure *before* its password is checked, under the same lock as
//! the limit check ([`LoginThrottle::begin`]), so 16 concurrent guesses cannot all pass the check
//! before any of them is recorded. A success then takes its own entry back and clears the
//! username's count — never the address's other failures: one valid account must not let an
//! address keep guessing other users' passwords.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Most keys kept: past it, the keys whose latest failure is oldest go first. (An attacker
/// able to fill it could make the table forget other failures; at 5 failures per key that
/// takes tens of thousands of addresses.)
const MAX_KEYS: usize = 50_000;

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
    /// Failures and refusals, for `/metrics`.
    counters: crate::metrics::LoginCounters,
}

/// A login attempt already counted as a failure; [`Attempt::succeeded`] un-counts it.
#[must_use = "an attempt stays counted as a failure unless it is marked as succeeded"]
#[derive(Debug)]
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    user_key: String,
    addr_key: String,
    at: Instant,
    succeeded: bool,
}

impl Drop for Attempt<'_> {
    /// An attempt that ends without [`Attempt::succeeded`] is a failed login.
    fn drop(&mut self) {
        if !self.succeeded {
            self.throttle.counters.failed.inc();
        }
    }
}

impl LoginThrottle {
    /// A throttle counting into `counters` (registered with the server's metrics).
    pub fn with_counters(counters: crate::metrics::LoginCounters) -> Self {
        Self {
            counters,
            ..Self::default()
        }
    }

    /// An attempt refused by a limit kept elsewhere (the deployment's, on PostgreSQL): counted
    /// with this node's refusals.
    pub fn refused(&self) {
        self.counters.throttled.inc();
    }

    fn user_key(username: &str) -> String {
        format!("user:{}", username.to_lowercase())
    }

    /// An IPv4 address, or an IPv6 address's /64: one subscriber's network holds 2^64
    /// addresses, each of which would otherwise get its own 5 failures.
    fn addr_key(address: &str) -> String {
        match address.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
                let s = v6.segments();
                format!("addr:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            Ok(std::net::IpAddr::V6(v6)) => format!("addr:{}", v6.to_canonical()),
            _ => format!("addr:{address}"),
        }
    }

    /// Start an attempt: `Err(wait)` when the username or the address is over the limit (and
    /// nothing is recorded), else the attempt, counted as a failure until it succeeds.
    pub fn begin(&self, username: &str, address: &str) -> Result<Attempt<'_>, Duration> {
        let now = Instant::now();
        let user_key = Self::user_key(username);
        let addr_key = Self::addr_key(address);
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Keep the map bounded under a spray of usernames or addresses: drop what the window
        // has passed, then, if still too many, the keys whose latest failure is oldest.
        if map.len() >= MAX_KEYS {
            map.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < WINDOW));
            if map.len() >= MAX_KEYS {
                let mut latest: Vec<(Instant, String)> = map
                    .iter()
                    .map(|(k, times)| (times.iter().max().copied().unwrap_or(now), k.clone()))
                    .collect();
                latest.sort();
                for (_, key) in latest.into_iter().take(MAX_KEYS / 10) {
                    map.remove(&key);
                }
            }
        }
        let mut wait: Option<Duration> = None;
        for key in [&user_key, &addr_key] {
            if let Some(times) = map.get_mut(key) {
                times.retain(|t| now.duration_since(*t) < WINDOW);
                if times.len() >= MAX_FAILURES {
                    let oldest = times[times.len() - MAX_FAILURES];
                    let until = WINDOW.saturating_sub(now.duration_since(oldest));
                    wait = Some(wait.map_or(until, |w| w.max(until)));
                }
            }
        }
        if let Some(wait) = wait {
            self.counters.throttled.inc();
            return Err(wait);
        }
        for key in [&user_key, &addr_key] {
            map.entry(key.clone()).or_default().push(now);
        }
        Ok(Attempt {
            throttle: self,
            user_key,
            addr_key,
            at: now,
            succeeded: false,
        })
    }
}

impl Attempt<'_> {
    /// The password was right: this attempt is no failure, and the username starts afresh. The
    /// address keeps its other failures.
    pub fn succeeded(mut self) {
        self.succeeded = true;
        let mut map = self
            .throttle
            .failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        map.remove(&self.user_key);
        if let Some(times) = map.get_mut(&self.addr_key) {
            if let Some(i) = times.iter().position(|t| *t == self.at) {
                times.remove(i);
            }
            if times.is_empty() {
                map.remove(&self.addr_key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(t: &LoginThrottle, user: &str, addr: &str) {
        let _counted = t.begin(user, addr).expect("not blocked yet");
    }

    #[test]
    fn five_failures_block_the_username_from_any_address() {
        let t = LoginThrottle::default();
        for _ in 0..4 {
            fail(&t, "Admin", "1.2.3.4");
        }
        fail(&t, "admin", "5.6.7.8");
        let wait = t.begin("ADMIN", "9.9.9.9").unwrap_err();
        assert!(wait > Duration::from_secs(14 * 60));
        // The first address has 4 failures: not blocked for another user.
        t.begin("other", "1.2.3.4").unwrap().succeeded();
    }

    #[test]
    fn a_success_clears_the_username_but_not_the_address() {
        let t = LoginThrottle::default();
        for _ in 0..4 {
            fail(&t, "victim", "1.2.3.4");
        }
        t.begin("me", "1.2.3.4").unwrap().succeeded();
        // The address's four failures still count: one more, and it is blocked for everyone.
        fail(&t, "victim2", "1.2.3.4");
        assert!(t.begin("me", "1.2.3.4").is_err());
        // From elsewhere, `me` has no failures.
        t.begin("me", "8.8.8.8").unwrap().succeeded();
    }

    #[test]
    fn an_ipv6_network_is_one_address() {
        let t = LoginThrottle::default();
        for i in 0..5 {
            fail(&t, &format!("user{i}"), &format!("2001:db8:1:2::{i:x}"));
        }
        assert!(t.begin("other", "2001:db8:1:2:ffff::1").is_err());
        t.begin("other", "2001:db8:1:3::1").unwrap().succeeded();
        assert_eq!(LoginThrottle::addr_key("::ffff:1.2.3.4"), "addr:1.2.3.4");
    }

    #[test]
    fn the_table_stays_bounded() {
        let t = LoginThrottle::default();
        for i in 0..(MAX_KEYS + 10) {
            fail(&t, &format!("u{i}"), "10.0.0.1");
            if i % 5 == 4 {
                // Keep the address itself under the limit for this test.
                t.failures.lock().unwrap().remove("addr:10.0.0.1");
            }
        }
        assert!(t.failures.lock().unwrap().len() <= MAX_KEYS);
    }

    #[test]
    fn attempts_in_flight_count_before_they_finish() {
        let t = LoginThrottle::default();
        let in_flight: Vec<_> = (0..5)
            .map(|_| t.begin("admin", "1.1.1.1").unwrap())
            .collect();
        assert!(t.begin("admin", "2.2.2.2").is_err());
        drop(in_flight);
    }
}
