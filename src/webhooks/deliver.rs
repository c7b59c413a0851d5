//! The delivery worker: claims what is due, sends it signed, records the outcome, sleeps until
//! the next due moment or an enqueue wakes it.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::task::{Id, JoinError, JoinSet};

use crate::db::{self, DbPool};
use crate::error::FieldError;

use super::repo::{self, Attempt, Outcome};
use super::Settings;

/// Attempts in flight at once beyond each subscription's first (which is its own: a
/// subscription with nothing in flight always gets to send, whatever the others do).
const IN_FLIGHT: usize = 32;

/// Attempts in flight at once to one subscription: a receiver that hangs holds this many at
/// most (its first, and one of the [`IN_FLIGHT`] shared places), never another's turn.
const PER_WEBHOOK: usize = 2;

/// Is this address one a webhook must never reach (loopback, private, link-local, shared,
/// multicast, unspecified, reserved — and IPv4 hidden in IPv6)?
pub fn forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared (CGNAT)
                || (a == 192 && b == 0 && v4.octets()[2] == 0) // IETF protocol assignments
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || a >= 240 // reserved
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0]) // NAT64 of anything
                || v6.segments()[..3] == [0x64, 0xff9b, 1] // local-use NAT64
                || first == 0x2002 // 6to4: an IPv4 address inside
                || (v6.segments()[..6] == [0, 0, 0, 0, 0xffff, 0]) // IPv4-translated
                || (v6.segments()[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible
        }
    }
}

/// Name resolution that drops forbidden addresses: what a host name resolves to is checked at
/// the moment of the request (a name may be made to point inside after it was accepted).
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| !forbidden(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "refused: {host} resolves only to loopback, link-local or private addresses"
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// How long subscribing waits for a URL's host name to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

/// Where a subscription's URL (already through [`repo::check_url`]) points, checked when it is
/// subscribed or changed, unless `allow_private`: a host name that resolves only to forbidden
/// addresses is refused on `/url`. A name that does not resolve (now, or within
/// [`RESOLVE_TIMEOUT`]) is accepted: it may be set up later, and every send resolves it again
/// and refuses forbidden addresses then (as it does for a name changed to point inside).
pub async fn check_host(url: &str, allow_private: bool) -> Result<(), FieldError> {
    if allow_private {
        return Ok(());
    }
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(()); // check_url has refused it
    };
    let Some(url::Host::Domain(name)) = parsed.host() else {
        return Ok(()); // a literal address: check_url has judged it
    };
    let port = parsed.port_or_known_default().unwrap_or(80);
    let resolved =
        tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port))).await;
    let found: Vec<IpAddr> = match resolved {
        Ok(Ok(addrs)) => addrs.map(|a| a.ip()).collect(),
        Ok(Err(e)) => {
            tracing::info!(host = name, error = %e, "a webhook's host name does not resolve (accepted)");
            return Ok(());
        }
        Err(_) => {
            tracing::info!(
                host = name,
                "a webhook's host name did not resolve in time (accepted)"
            );
            return Ok(());
        }
    };
    if found.is_empty() || !found.iter().all(|ip| forbidden(*ip)) {
        return Ok(());
    }
    let mut shown: Vec<String> = found.iter().take(3).map(IpAddr::to_string).collect();
    if found.len() > 3 {
        shown.push("…".into());
    }
    Err(FieldError::new(
        "/url",
        format!(
            "must not point to a loopback, link-local or private address: {name} resolves only \
             to such addresses ({})",
            shown.join(", ")
        ),
    ))
}

/// `v1=<hex>`: HMAC-SHA256 keyed with `secret` over `{timestamp}.{body}`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any size");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn client(settings: &Settings) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        // A redirect could lead anywhere, inside too: a receiver answers, it does not send on.
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve the name itself, past the guard below.
        .no_proxy()
        .user_agent(concat!("doan-api-webhooks/", env!("CARGO_PKG_VERSION")));
    if !settings.allow_private {
        builder = builder.dns_resolver(Arc::new(PublicOnly));
    }
    builder.build()
}

/// Send one attempt.
async fn send(client: &reqwest::Client, attempt: &Attempt, settings: &Settings) -> Outcome {
    let started = Instant::now();
    let done = |code: Option<u16>, error: Option<String>| Outcome {
        response_code: code,
        latency_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        error,
    };
    // An address written as such is not resolved: checked here (the URL may predate a change
    // of the setting).
    if !settings.allow_private {
        let literal = url::Url::parse(&attempt.url)
            .ok()
            .and_then(|u| match u.host() {
                Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
                _ => None,
            });
        if literal.is_some_and(forbidden) {
            return done(
                None,
                Some("refused: a loopback, link-local or private address".into()),
            );
        }
    }
    let timestamp = chrono::Utc::now().timestamp();
    let result = client
        .post(&attempt.url)
        .header("Content-Type", "application/json")
        .header("Webhook-Id", attempt.event_id.to_string())
        .header("Webhook-Event", &attempt.event)
        .header("Webhook-Timestamp", timestamp.to_string())
        .header(
            "Webhook-Signature",
            signature(&attempt.secret, timestamp, &attempt.body),
        )
        .body(attempt.body.clone())
        .send()
        .await;
    match result {
        Ok(res) => done(Some(res.status().as_u16()), None),
        Err(e) => {
            // The chain of causes says what went wrong (refused, timed out, TLS…).
            let mut why = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                why.push_str(": ");
                why.push_str(&cause.to_string());
                source = cause.source();
            }
            done(None, Some(why.chars().take(500).collect()))
        }
    }
}

/// Send one attempt and record its outcome (a task of its own).
async fn attempt(client: reqwest::Client, pool: DbPool, settings: Arc<Settings>, attempt: Attempt) {
    let outcome = send(&client, &attempt, &settings).await;
    if !outcome.succeeded() {
        tracing::info!(
            delivery = attempt.delivery_id,
            webhook = attempt.webhook_id,
            code = ?outcome.response_code,
            error = ?outcome.error,
            "webhook attempt failed"
        );
    }
    let recorded = db::run(&pool, move |conn| {
        repo::record(conn, &attempt, &outcome, &settings)
    })
    .await;
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "a webhook attempt could not be recorded");
    }
}

/// The attempts in flight: each a task, counted by subscription.
#[derive(Default)]
struct InFlight {
    tasks: JoinSet<()>,
    webhook_of: HashMap<Id, i32>,
    by_webhook: HashMap<i32, usize>,
}

impl InFlight {
    fn start(
        &mut self,
        task: impl std::future::Future<Output = ()> + Send + 'static,
        webhook: i32,
    ) {
        let id = self.tasks.spawn(task).id();
        self.webhook_of.insert(id, webhook);
        *self.by_webhook.entry(webhook).or_default() += 1;
    }

    /// A task ended (panicked too: its subscription's slot is freed all the same; the delivery
    /// is due again when its lease ends).
    fn ended(&mut self, ended: Result<(Id, ()), JoinError>) {
        let id = match ended {
            Ok((id, ())) => id,
            Err(e) => {
                tracing::error!(error = %e, "a webhook attempt's task failed");
                e.id()
            }
        };
        let Some(webhook) = self.webhook_of.remove(&id) else {
            return;
        };
        if let Some(n) = self.by_webhook.get_mut(&webhook) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.by_webhook.remove(&webhook);
            }
        }
    }

    /// Attempts in flight beyond each subscription's first: those holding shared places.
    fn shared(&self) -> usize {
        self.by_webhook.values().map(|n| n.saturating_sub(1)).sum()
    }

    /// Subscriptions that may send nothing more now: those with [`PER_WEBHOOK`] attempts in
    /// flight, and, while every shared place is taken, those with one.
    fn full(&self) -> Vec<i32> {
        let most = if self.shared() >= IN_FLIGHT {
            1
        } else {
            PER_WEBHOOK
        };
        self.by_webhook
            .iter()
            .filter(|(_, n)| **n >= most)
            .map(|(webhook, _)| *webhook)
            .collect()
    }
}

/// Run forever (until the runtime stops; the attempts in flight stop with it, their deliveries
/// due again when their leases end).
///
/// Each attempt is a task of its own: while slow receivers keep theirs in flight, the loop goes
/// on claiming what is due for the other subscriptions — at most [`PER_WEBHOOK`] attempts in
/// flight per subscription: its first always, a further one while one of the [`IN_FLIGHT`]
/// shared places is free.
pub async fn run(pool: DbPool, settings: Settings) {
    let client = match client(&settings) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook deliveries cannot start");
            return;
        }
    };
    let settings = Arc::new(settings);
    let mut in_flight = InFlight::default();
    loop {
        while let Some(ended) = in_flight.tasks.try_join_next_with_id() {
            in_flight.ended(ended);
        }
        let room = IN_FLIGHT.saturating_sub(in_flight.shared());
        // Until the next due moment (at most 5 s), an enqueue, or the end of an attempt.
        let mut wait = Duration::from_secs(5);
        {
            let busy = in_flight.by_webhook.clone();
            let lease = repo::lease_for(settings.timeout);
            let claimed = db::run(&pool, move |conn| {
                repo::claim_due(conn, db::now(), room, PER_WEBHOOK, &busy, lease)
            })
            .await;
            match claimed {
                Ok(attempts) => {
                    for a in attempts {
                        let webhook = a.webhook_id;
                        let task = attempt(client.clone(), pool.clone(), settings.clone(), a);
                        in_flight.start(task, webhook);
                    }
                    {
                        let full = in_flight.full();
                        let next =
                            db::run(&pool, move |conn| Ok(repo::next_due(conn, &full)?)).await;
                        let next = next.unwrap_or_else(|e| {
                            tracing::warn!(error = %e, "the next webhook delivery could not be looked up");
                            None
                        });
                        if let Some(at) = next {
                            wait = (at - db::now())
                                .to_std()
                                .unwrap_or(Duration::ZERO)
                                .min(wait);
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "webhook deliveries could not be claimed");
                }
            }
        }
        tokio::select! {
            Some(ended) = in_flight.tasks.join_next_with_id(), if !in_flight.tasks.is_empty() => {
                in_flight.ended(ended);
            }
            _ = super::WAKE.notified() => {}
            _ = tokio::time::sleep(wait.max(Duration::from_millis(5))) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_addresses_are_refused_and_public_ones_not() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b:1::a00:1",
            "2002:7f00:1::1",
            "::ffff:0:7f00:1",
        ] {
            assert!(forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "203.113.131.1",
            "8.8.8.8",
            "2001:4860:4860::8888",
            "14.225.0.1",
        ] {
            assert!(!forbidden(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // From: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, r#"{"a":1}"#),
            "v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        let base = Duration::from_secs(5);
        let waits: Vec<i64> = (1..=5)
            .map(|n| repo::backoff(base, n).num_seconds())
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 80]);
        assert_eq!(repo::backoff(base, 40).num_seconds(), 3600);
    }
}
