//! Login throttling: after 5 failed logins for one username, or from one address, within 15
//! minutes, further attempts get 429 until the window passes; a success resets both.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginThrottle {
    fn keys(username: &str, address: &str) -> [String; 2] {
        [
            format!("user:{}", username.to_lowercase()),
            format!("addr:{address}"),
        ]
    }

    /// `Some(wait)` when the caller must wait before trying again.
    pub fn blocked_for(&self, username: &str, address: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait: Option<Duration> = None;
        for key in Self::keys(username, address) {
            if let Some(times) = map.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < WINDOW);
                if times.len() >= MAX_FAILURES {
                    let oldest = times[times.len() - MAX_FAILURES];
                    let until = WINDOW.saturating_sub(now.duration_since(oldest));
                    wait = Some(wait.map_or(until, |w| w.max(until)));
                }
            }
        }
        // Keep the map from growing without bound under a spray of usernames.
        if map.len() > 10_000 {
            map.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        wait
    }

    pub fn record_failure(&self, username: &str, address: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in Self::keys(username, address) {
            map.entry(key).or_default().push(now);
        }
    }

    pub fn record_success(&self, username: &str, address: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in Self::keys(username, address) {
            map.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_block_and_success_resets() {
        let t = LoginThrottle::default();
        for _ in 0..4 {
            t.record_failure("Admin", "1.2.3.4");
        }
        assert!(t.blocked_for("admin", "9.9.9.9").is_none());
        t.record_failure("admin", "5.6.7.8");
        let wait = t.blocked_for("ADMIN", "9.9.9.9").unwrap();
        assert!(wait > Duration::from_secs(14 * 60));
        // The first address has 4 failures: not blocked for another user.
        assert!(t.blocked_for("other", "1.2.3.4").is_none());
        t.record_success("admin", "5.6.7.8");
        assert!(t.blocked_for("admin", "9.9.9.9").is_none());
    }
}
