//! `GET /metrics`: Prometheus text exposition (crate `prometheus`, one registry per server).
//!
//! Requests by route template and status, latency histograms by route, requests in flight,
//! rate-limited requests, login failures and throttled logins, feed answers (304 or whole),
//! the pool (size, idle, waits), SQLite (write-lock retries and waits, checkpoints, database
//! and WAL size), the webhook outbox's errors and the process (CPU, memory, open files).
//!
//! Not public by default: served on the API's own address only with `--metrics-token` (as a
//! bearer token), or without a token on a separate `--metrics-bind` address (loopback or a
//! private network the scraper shares). Neither set: `/metrics` is a 404 like any unknown path.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

use crate::db::DbPool;
use crate::error::AppError;

/// Label of requests that matched no route (their paths are not labels: a scanner would make
/// one series per path it tried).
pub const UNMATCHED: &str = "unmatched";

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The server's figures.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    in_flight: IntGauge,
    feeds: IntCounterVec,
    rate_limited: IntCounterVec,
    timed_out: IntCounter,
    pool_size: IntGauge,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    database_bytes: IntGauge,
    wal_bytes: IntGauge,
    pool: DbPool,
}

/// Counters the login throttle (in `auth`) keeps.
#[derive(Debug, Clone)]
pub struct LoginCounters {
    /// Logins (and password changes) whose password was wrong, or whose account was unknown
    /// or deactivated.
    pub failed: IntCounter,
    /// Attempts refused with 429 before their password was looked at.
    pub throttled: IntCounter,
}

impl Default for LoginCounters {
    fn default() -> Self {
        Self {
            failed: IntCounter::new(
                "auth_login_failures_total",
                "Failed logins and wrong current passwords (unknown user, wrong password, deactivated account)",
            )
            .expect("valid"),
            throttled: IntCounter::new(
                "auth_logins_throttled_total",
                "Login attempts refused with 429 (too many failures for the username or the address)",
            )
            .expect("valid"),
        }
    }
}

/// Kinds of [`webhook_errors`].
pub const WEBHOOK_ERROR_KINDS: [&str; 2] = ["unreadable_events", "resource_id"];

/// Errors of the webhook outbox, by kind: `unreadable_events` (an event a subscription missed
/// because its stored event list cannot be read), `resource_id` (an event about a row whose id
/// does not fit the outbox: the change failed).
///
/// One per process, registered into every server's registry: the outbox is written inside a
/// write transaction (in [`crate::db`]'s blocking closures, reached from many resources),
/// where no server's [`Metrics`] is at hand. Each kind is exposed from 0.
pub fn webhook_errors() -> &'static IntCounterVec {
    static ERRORS: std::sync::LazyLock<IntCounterVec> = std::sync::LazyLock::new(|| {
        let errors = IntCounterVec::new(
            Opts::new(
                "webhook_errors_total",
                "Errors of the webhook outbox, by kind: unreadable_events (a subscription whose stored event list cannot be read missed an event), resource_id (an event about an id that does not fit)",
            ),
            &["kind"],
        )
        .expect("a valid counter");
        for kind in WEBHOOK_ERROR_KINDS {
            errors.with_label_values(&[kind]);
        }
        errors
    });
    &ERRORS
}

fn gauge(name: &str, help: &str) -> IntGauge {
    IntGauge::new(name, help).expect("a valid gauge")
}

impl Metrics {
    /// The figures of a server on `pool`, with the login throttle's counters.
    pub fn new(pool: &DbPool, logins: &LoginCounters) -> prometheus::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by method, route template and status",
            ),
            &["method", "route", "status"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from a request's arrival to its response head, by method and route template",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route"],
        )?;
        let feeds = IntCounterVec::new(
            Opts::new(
                "feed_responses_total",
                "Feed and sitemap answers: not_modified (304, the reader's copy is current) or sent",
            ),
            &["feed", "outcome"],
        )?;
        let rate_limited = IntCounterVec::new(
            Opts::new(
                "http_rate_limited_total",
                "Requests refused with 429 by the per-address rate limit, by kind",
            ),
            &["kind"],
        )?;
        let metrics = Self {
            in_flight: gauge("http_requests_in_flight", "Requests being handled now"),
            timed_out: IntCounter::new(
                "http_request_timeouts_total",
                "Reads answered 503 because they took longer than --request-timeout",
            )?,
            pool_size: gauge(
                "db_pool_max_connections",
                "Most pooled SQLite connections (--pool-size)",
            ),
            pool_connections: gauge("db_pool_connections", "Pooled SQLite connections open"),
            pool_idle: gauge(
                "db_pool_idle_connections",
                "Pooled SQLite connections open and not in use",
            ),
            database_bytes: gauge("sqlite_database_bytes", "Size of the database file"),
            wal_bytes: gauge(
                "sqlite_wal_bytes",
                "Size of the write-ahead log (-wal file)",
            ),
            registry,
            requests,
            duration,
            feeds,
            rate_limited,
            pool: pool.clone(),
        };
        let r = &metrics.registry;
        r.register(Box::new(metrics.requests.clone()))?;
        r.register(Box::new(metrics.duration.clone()))?;
        r.register(Box::new(metrics.in_flight.clone()))?;
        r.register(Box::new(metrics.feeds.clone()))?;
        r.register(Box::new(metrics.rate_limited.clone()))?;
        r.register(Box::new(metrics.timed_out.clone()))?;
        r.register(Box::new(metrics.pool_size.clone()))?;
        r.register(Box::new(metrics.pool_connections.clone()))?;
        r.register(Box::new(metrics.pool_idle.clone()))?;
        r.register(Box::new(metrics.database_bytes.clone()))?;
        r.register(Box::new(metrics.wal_bytes.clone()))?;
        r.register(Box::new(logins.failed.clone()))?;
        r.register(Box::new(logins.throttled.clone()))?;
        r.register(Box::new(webhook_errors().clone()))?;
        pool.stats.register(r)?;
        if let Some(replicas) = &pool.replicas {
            replicas.register(r)?;
        }
        r.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(metrics)
    }

    /// A request starts: counted in flight until the guard drops.
    pub fn started(&self) -> InFlight {
        self.in_flight.inc();
        InFlight(self.in_flight.clone())
    }

    /// A request is answered.
    pub fn answered(&self, method: &str, route: Option<&str>, status: u16, took: Duration) {
        let method = match method {
            "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
            _ => "OTHER",
        };
        let route = route.unwrap_or(UNMATCHED);
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.duration
            .with_label_values(&[method, route])
            .observe(took.as_secs_f64());
        let feed = match route {
            "/feeds/activities.rss" => Some("rss"),
            "/feeds/activities.atom" => Some("atom"),
            "/feeds/activities.json" => Some("json"),
            "/sitemap.xml" | "/sitemaps/{file}" => Some("sitemap"),
            _ => None,
        };
        if let Some(feed) = feed {
            let outcome = match status {
                304 => Some("not_modified"),
                200 => Some("sent"),
                _ => None,
            };
            if let Some(outcome) = outcome {
                self.feeds.with_label_values(&[feed, outcome]).inc();
            }
        }
    }

    /// A request was refused by the rate limit of `kind` (`read` or `write`).
    pub fn rate_limited(&self, kind: &str) {
        self.rate_limited.with_label_values(&[kind]).inc();
    }

    /// A read ran past the request timeout.
    pub fn timed_out(&self) {
        self.timed_out.inc();
    }

    /// The exposition text, with the figures read at scrape time brought up to date first.
    pub fn render(&self) -> String {
        let state = self.pool.state();
        self.pool_size.set(i64::from(self.pool.max_size()));
        self.pool_connections.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle_connections));
        let size = |suffix: &str| {
            let mut path = self.pool.path.clone().into_os_string();
            path.push(suffix);
            std::fs::metadata(path).map_or(0, |m| i64::try_from(m.len()).unwrap_or(i64::MAX))
        };
        self.database_bytes.set(size(""));
        self.wal_bytes.set(size("-wal"));
        let mut out = Vec::new();
        let encoded = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        if let Err(e) = encoded {
            tracing::warn!(error = %e, "metrics could not be encoded");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Counts a request in flight while it lives.
pub struct InFlight(IntGauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Who may read `/metrics` on the API's own address.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// `--metrics-token`: the bearer token a scraper sends; `None`: not served there.
    pub token: Option<String>,
}

fn exposition(metrics: &Metrics) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, prometheus::TEXT_FORMAT))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(metrics.render())
}

/// `/metrics` on the API's address: with `--metrics-token`, for a caller sending it; else as
/// unknown as any other path.
pub async fn on_api(
    req: HttpRequest,
    metrics: web::Data<Metrics>,
    access: web::Data<Access>,
) -> Result<HttpResponse, AppError> {
    let Some(token) = access.token.as_deref() else {
        return Err(AppError::not_found(format!("no route for {}", req.path())));
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::text::constant_time_eq(given.as_bytes(), token.as_bytes()) {
        return Err(AppError::Unauthorized);
    }
    Ok(exposition(&metrics))
}

/// `/metrics` on the `--metrics-bind` address: open to whoever reaches that address.
pub async fn on_metrics_address(metrics: web::Data<Metrics>) -> HttpResponse {
    exposition(&metrics)
}
