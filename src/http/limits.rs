//! Limits that protect a small server: an optional rate limit per client address for anonymous
//! reads and for writes (off by default; GCRA from the `governor` crate; 429 with
//! `Retry-After`). The request timeout, the connection cap and the header timeout are set on
//! the server itself (see `startup`).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// The per-address limits in force (each `None` when off).
#[derive(Default)]
pub struct RateLimits {
    /// Anonymous `GET`/`HEAD` requests (a request with a token whose signature holds is not
    /// counted here; the handler then checks the account behind it).
    reads: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// `POST`, `PUT`, `PATCH`, `DELETE` (logins included), whoever sends them.
    writes: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl RateLimits {
    /// Limits of `reads_per_minute` and `writes_per_minute` per address (0: off). A burst of as
    /// many requests as the minute allows passes at once; then one every 60/n seconds.
    pub fn new(reads_per_minute: u32, writes_per_minute: u32) -> Self {
        let limiter =
            |n: u32| NonZeroU32::new(n).map(|n| RateLimiter::dashmap(Quota::per_minute(n)));
        Self {
            reads: limiter(reads_per_minute),
            writes: limiter(writes_per_minute),
        }
    }

    pub fn is_off(&self) -> bool {
        self.reads.is_none() && self.writes.is_none()
    }

    /// Forget addresses whose allowance is whole again (run every minute: the tables stay as
    /// large as the set of recently active addresses).
    pub fn forget_idle(&self) {
        for limiter in [&self.reads, &self.writes].into_iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The key an address is limited under: an IPv6 address's /64 (one subscriber's network holds
/// 2^64 addresses), an IPv4 address itself.
fn network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// Refuse a request over its address's allowance with 429 and `Retry-After`.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limits = req.app_data::<web::Data<RateLimits>>().cloned();
    if let Some(limits) = limits.filter(|l| !l.is_off()) {
        let method = req.method();
        let kind = if req.path().starts_with("/health/") || *method == Method::OPTIONS {
            // A load balancer's probes are never refused, nor preflights.
            None
        } else if matches!(*method, Method::GET | Method::HEAD) {
            // Reads with a token whose signature holds pass here; `auth::identify` then checks
            // the account behind it and charges this allowance if it does not authenticate.
            // Any other header (or a token whose signature fails) counts as anonymous.
            // (Not on the paths that read the header themselves: nothing checks the account
            // there, so any header is anonymous.)
            let signed = !crate::auth::own_authorization(req.path())
                && crate::auth::bearer(req.request()).is_some_and(|token| {
                    req.app_data::<web::Data<crate::auth::TokenKeys>>()
                        .is_some_and(|keys| keys.verify(&token).is_some())
                });
            (!signed).then_some(Kind::Read)
        } else {
            Some(Kind::Write)
        };
        if let Some(refused) = kind.and_then(|kind| limits.charge(req.request(), kind)) {
            return Ok(req.error_response(refused));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Which allowance a request is charged to.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Read,
    Write,
}

impl RateLimits {
    /// Charge one request of `kind` to its address: the 429 to answer when over the allowance.
    fn charge(&self, req: &HttpRequest, kind: Kind) -> Option<AppError> {
        let limiter = match kind {
            Kind::Read => self.reads.as_ref(),
            Kind::Write => self.writes.as_ref(),
        }?;
        let address = crate::http::links::client_ip(req).map(network)?;
        let not_until = limiter.check_key(&address).err()?;
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let (label, reason) = match kind {
            Kind::Read => ("read", "too many requests from this address"),
            Kind::Write => ("write", "too many changes from this address"),
        };
        if let Some(metrics) = req.app_data::<web::Data<crate::metrics::Metrics>>() {
            metrics.rate_limited(label);
        }
        Some(AppError::TooManyRequests {
            retry_after: retry_after(wait),
            reason,
        })
    }
}

/// A read whose token did not authenticate is an anonymous read: charged to its address's
/// allowance (the 429 to answer instead of the 401, when over it). Writes were charged already.
pub fn charge_anonymous_read(req: &HttpRequest) -> Option<AppError> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return None;
    }
    req.app_data::<web::Data<RateLimits>>()?
        .charge(req, Kind::Read)
}

/// Every request's caller, before any handler: a token either authenticates a live account
/// or the request is refused with 401, on every route alike (but the three that read the
/// header themselves: [`crate::auth::own_authorization`]). A refused token whose signature held
/// is charged to the anonymous read allowance of its address first (the outer limiter let it pass on its
/// signature alone, and charged every other refused header already), so a revoked token is no
/// way around the limit and nothing is charged twice.
pub async fn identify(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if crate::auth::own_authorization(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let caller = match crate::auth::Caller::of(req.request()).await {
        Ok(caller) => caller,
        Err(e) => return Ok(req.error_response(e)),
    };
    match &caller {
        crate::auth::Caller::User(user) => {
            // What this request changes is recorded as done by this user.
            crate::context::authenticated(user.actor());
        }
        crate::auth::Caller::Refused { signed } => {
            if *signed {
                if let Some(limited) = charge_anonymous_read(req.request()) {
                    return Ok(req.error_response(limited));
                }
            }
            return Ok(req.error_response(AppError::Unauthorized));
        }
        crate::auth::Caller::Anonymous => {}
    }
    req.extensions_mut().insert(caller);
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Whole seconds to wait, at least 1 (`Retry-After` has no fractions).
fn retry_after(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after(Duration::ZERO), 1);
        assert_eq!(retry_after(Duration::from_millis(1)), 1);
        assert_eq!(retry_after(Duration::from_secs(1)), 1);
        assert_eq!(retry_after(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after(Duration::from_secs(6)), 6);
    }

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network(a), network(b));
        assert_ne!(network(a), network(c));
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().unwrap();
        assert_eq!(network(mapped), "10.0.0.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_burst_of_the_minute_passes_then_the_next_waits() {
        let limits = RateLimits::new(3, 0);
        let reads = limits.reads.as_ref().unwrap();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            assert!(reads.check_key(&ip).is_ok());
        }
        assert!(reads.check_key(&ip).is_err());
        // Another address has its own allowance.
        assert!(reads.check_key(&"192.0.2.2".parse().unwrap()).is_ok());
        assert!(limits.writes.is_none());
    }
}
