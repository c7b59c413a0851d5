//! Builds the application once, for `main` and for the tests alike.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::{header, Method};
use actix_web::middleware::{from_fn, Compress, Condition};
use actix_web::{web, App, HttpResponse, HttpServer};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::throttle::LoginThrottle;
use crate::auth::TokenKeys;
use crate::cli::ServeArgs;
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::feeds::FeedSettings;
use crate::http::links::PublicUrl;
use crate::http::middleware::{self, RouteTable};
use crate::openapi::{self, ApiDoc};
use crate::{activities, audit, demo, health, media, organizations, webhooks};

/// The OpenAPI document, generated from the routes themselves.
pub fn openapi_spec() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let (_, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::resources::routes)
        .split_for_parts();
    openapi::add_common_responses(&mut spec);
    spec
}

/// The spec as pretty JSON with a trailing newline (what `doan-api openapi` prints and the
/// committed `openapi/openapi.json` holds).
pub fn openapi_json() -> String {
    let mut json = openapi_spec()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

/// A running server and where it listens.
pub struct Application {
    server: Server,
    /// The `--metrics-bind` listener, stopped with the API.
    metrics_server: Option<Server>,
    metrics_port: Option<u16>,
    port: u16,
    pool: DbPool,
    /// Set on SIGTERM/SIGINT: `/health/ready` answers 503.
    draining: health::Draining,
    drain: std::time::Duration,
}

impl Application {
    /// Open the database (migrating it), load the demo data if asked, bind, and build the server.
    pub async fn build(args: ServeArgs) -> anyhow::Result<Self> {
        // `fields` is checked against the schemas of the document the routes generate.
        crate::http::fields::install(openapi_spec);
        let database = args.db.database.clone();
        let pool_size = args.pool_size;
        let (replicas, max_lag) = (
            args.database_replicas.clone(),
            std::time::Duration::from_secs(args.replica_max_lag),
        );
        let pool = web::block(move || {
            db::connect(&database, pool_size, db::WRITE_LANE)?
                .with_replicas(&replicas, pool_size, max_lag)
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))??;
        // Search entries made by an older version of the code are rebuilt before serving.
        let (rebuilt, seconds) = before_serving(&pool, |conn| {
            activities::repo::reindex_if_stale(conn).map_err(|e| anyhow::anyhow!("{e}"))
        })
        .await?;
        if let Some(activities) = rebuilt {
            tracing::info!(
                activities,
                seconds,
                "search index rebuilt (bylines, captions and document titles are searchable)"
            );
        }
        // Totals kept per scope, counted again when due (a database from before them).
        let (tallied, seconds) = before_serving(&pool, |conn| {
            Ok(db::write(conn, db::tallies::rebuild_if_due)?)
        })
        .await?;
        if let Some(rows) = tallied {
            tracing::info!(rows, seconds, "activity tallies counted");
        }
        let keys = TokenKeys::load(
            args.jwt_secret.as_deref(),
            &args.db.database,
            args.token_ttl,
        )?;
        let media_dir = args.media_dir();
        // Off the async worker: a bucket is listed once, from the store's own runtime.
        let media_store: Arc<dyn media::store::MediaStore> = {
            let store_url = args.media_store.clone();
            web::block(move || media::open_store(&media_dir, store_url.as_deref()))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))??
        };
        // Scheduled publications and featured flags that end, done when they fall due.
        // What the clock publishes is sent to subscribers with file URLs on the public URL
        // (paths from the root without one).
        let clock = crate::context::RequestMeta {
            base_url: args
                .public_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_string()),
            activity_url_template: Some(args.activity_url_template.as_str().into()),
            ..Default::default()
        };
        if args.demo {
            let demo_pool = pool.clone();
            let demo_store = media_store.clone();
            let admin_password = args.admin_password.clone();
            let database = args.db.database.clone();
            // As the clock: what the demo publishes reaches subscribers with the configured
            // URLs.
            let meta = clock.clone();
            let loaded = web::block(move || -> anyhow::Result<demo::Loaded> {
                let mut conn = demo_pool.blocking_conn()?;
                crate::context::with(Some(meta), || {
                    demo::load(
                        &mut conn,
                        admin_password.as_deref(),
                        &database,
                        demo_store.as_ref(),
                    )
                })
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))??;
            tracing::info!(
                organizations = loaded.organizations,
                clusters = loaded.clusters,
                activities = loaded.activities,
                activities_updated = loaded.activities_updated,
                "demo data loaded where missing (and brought up to date where unedited)"
            );
        }
        actix_web::rt::spawn(crate::context::scope(
            clock,
            activities::schedule::run(pool.clone()),
        ));
        actix_web::rt::spawn(audit::keep_for(pool.clone(), args.audit_retention_days));
        let webhook_settings = crate::webhooks::Settings::of(&args);
        if webhook_settings.deliver {
            actix_web::rt::spawn(webhooks::deliver::run(
                pool.clone(),
                webhook_settings.clone(),
            ));
        }
        let webhook_settings = web::Data::new(webhook_settings);
        let media_settings = web::Data::new(media::Settings {
            store: media_store,
            public_url: args
                .media_public_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_string()),
            max_bytes: args.media_max_bytes as usize,
            max_pixels: args.media_max_pixels,
            removed_from_activities: activities::repo::media_removed,
        });
        let listener = TcpListener::bind(&args.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.bind))?;
        let port = listener.local_addr()?.port();
        let routes = Arc::new(RouteTable::from_openapi(&openapi_spec()));
        let public_url = PublicUrl(args.public_url.clone());
        let draining = health::Draining::default();
        let trusted_proxies = web::Data::new(crate::http::links::TrustedProxies(
            args.trusted_proxies.clone(),
        ));
        let draining_data = web::Data::new(draining.clone());
        let origins = args.cors_origins();
        let data_pool = web::Data::new(pool.clone());
        let keys = web::Data::new(keys);
        let login_counters = crate::metrics::LoginCounters::default();
        let throttle = web::Data::new(LoginThrottle::with_counters(login_counters.clone()));
        let metrics = web::Data::new(
            crate::metrics::Metrics::new(&pool, &login_counters)
                .map_err(|e| anyhow::anyhow!("cannot set up the metrics: {e}"))?,
        );
        let metrics_data = metrics.clone();
        let metrics_access = args.metrics_token.clone();
        let request_timeout = web::Data::new(middleware::RequestTimeout(
            std::time::Duration::from_secs(args.request_timeout),
        ));
        let rate_limits = web::Data::new(crate::http::limits::RateLimits::new(
            args.rate_limit_reads,
            args.rate_limit_writes,
        ));
        if !rate_limits.is_off() {
            let limits = rate_limits.clone();
            actix_web::rt::spawn(async move {
                let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    limits.forget_idle();
                }
            });
        }
        // WAL checkpoints are SQLite's; PostgreSQL's server makes its own.
        if args.checkpoint_interval > 0 && pool.engine == db::dialect::Dialect::Sqlite {
            let every = std::time::Duration::from_secs(args.checkpoint_interval);
            actix_web::rt::spawn(checkpoints(pool.clone(), every));
        }
        let activity_page = web::Data::new(crate::http::links::ActivityPageTemplate(
            args.activity_url_template.as_str().into(),
        ));
        let feed_settings = web::Data::new(FeedSettings {
            activity_url_template: args.activity_url_template.clone(),
            organization_url_template: args.organization_url_template.clone(),
            sitemap_urls_per_file: args.sitemap_urls_per_file as usize,
        });
        let portal = args.portal || args.demo;
        let mut server = HttpServer::new(move || {
            let (mut app, spec) =
                App::new()
                    .into_utoipa_app()
                    .openapi({
                        use utoipa::OpenApi;
                        ApiDoc::openapi()
                    })
                    .app_data(data_pool.clone())
                    .app_data(keys.clone())
                    .app_data(throttle.clone())
                    .app_data(metrics.clone())
                    .app_data(request_timeout.clone())
                    .app_data(rate_limits.clone())
                    .app_data(web::Data::new(public_url.clone()))
                    .app_data(draining_data.clone())
                    .app_data(trusted_proxies.clone())
                    .app_data(feed_settings.clone())
                    .app_data(activity_page.clone())
                    .app_data(webhook_settings.clone())
                    .app_data(media_settings.clone())
                    .app_data(web::Data::new(organizations::Hooks {
                        // A unit's name is part of its activities' search text.
                        renamed: activities::repo::reindex_organizer,
                        references: crate::resources::references_to_organization,
                    }))
                    .app_data(web::Data::new(routes.clone()))
                    .app_data(web::PathConfig::default().error_handler(|err, _| {
                        AppError::not_found(format!("bad path: {err}")).into()
                    }))
                    .configure(crate::resources::routes)
                    .split_for_parts();
            let mut spec = spec;
            openapi::add_common_responses(&mut spec);
            if let Some(token) = &metrics_access {
                app = app
                    .app_data(web::Data::new(crate::metrics::Access {
                        token: Some(token.clone()),
                    }))
                    .service(web::resource("/metrics").get(crate::metrics::on_api));
            }
            app.service(web::resource("/swagger-ui").get(|| async {
                HttpResponse::MovedPermanently()
                    .insert_header((header::LOCATION, "/swagger-ui/"))
                    .finish()
            }))
            .service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/api-docs/openapi.json", spec))
            .configure(|cfg| {
                if portal {
                    crate::portal::routes(cfg);
                }
            })
            .default_service(web::to(middleware::fallback))
            // The docs' 405 after the caller is known (a revoked token is a 401 there too).
            .wrap(from_fn(middleware::read_only_docs))
            .wrap(from_fn(crate::http::limits::identify))
            .wrap(from_fn(crate::http::limits::rate_limit))
            .wrap(from_fn(middleware::head_as_get))
            .wrap(Condition::new(!origins.is_empty(), cors(&origins)))
            .wrap(from_fn(middleware::problems))
            .wrap(Compress::default())
            .wrap(from_fn(middleware::caching))
            .wrap(from_fn(middleware::request_context))
        })
        .listen(listener)?
        // Signals are ours (see `run_until_stopped`): readiness turns 503 first.
        .disable_signals()
        .shutdown_timeout(args.shutdown_timeout);
        let workers = args.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        // actix-web counts connections per worker.
        let per_worker = usize::try_from(args.max_connections.div_ceil(workers as u64))
            .unwrap_or(usize::MAX)
            .max(1);
        server = server
            .max_connections(per_worker)
            .client_request_timeout(std::time::Duration::from_secs(args.client_header_timeout));
        // Each worker runs Diesel work on blocking threads of its own; the gates admit no more
        // work at once than there are connections (more threads would only wait there, each
        // keeping its allocator's memory: 49 threads and 560 MB at 100k without a cap). A
        // worker may hold every reader's connection and still have threads for the writers'
        // lane: a write never queues behind reads for a thread either.
        server = server
            .workers(workers)
            .worker_max_blocking_threads(pool_size as usize + db::WRITE_LANE as usize);
        let (metrics_server, metrics_port) = match &args.metrics_bind {
            None => (None, None),
            Some(bind) => {
                let listener = TcpListener::bind(bind)
                    .map_err(|e| anyhow::anyhow!("cannot listen on {bind} (metrics): {e}"))?;
                let port = listener.local_addr()?.port();
                let metrics = metrics_data.clone();
                let server = HttpServer::new(move || {
                    App::new().app_data(metrics.clone()).route(
                        "/metrics",
                        web::get().to(crate::metrics::on_metrics_address),
                    )
                })
                .workers(1)
                // Stopped after the API: a scraper's open connection must not hold the exit.
                .shutdown_timeout(1)
                .disable_signals()
                .listen(listener)?
                .run();
                (Some(server), Some(port))
            }
        };
        Ok(Self {
            metrics_server,
            metrics_port,
            server: server.run(),
            port,
            pool,
            draining,
            drain: std::time::Duration::from_secs(args.drain_seconds),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the `--metrics-bind` listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    pub fn pool(&self) -> DbPool {
        self.pool.clone()
    }

    /// Serve until SIGINT/SIGTERM (actix-web then drains in-flight requests).
    /// Serve until SIGTERM or SIGINT: then `/health/ready` turns 503 (for `--drain-seconds`),
    /// the server stops accepting, in-flight requests finish (within `--shutdown-timeout`),
    /// and the WAL is checkpointed into the database file.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let draining = self.draining.clone();
        let drain = self.drain;
        actix_web::rt::spawn(async move {
            if shutdown_signal().await.is_err() {
                return;
            }
            draining.start();
            tracing::info!(drain_seconds = drain.as_secs(), "shutting down: draining");
            actix_web::rt::time::sleep(drain).await;
            handle.stop(true).await;
        });
        let metrics_handle = self.metrics_server.map(|metrics| {
            let handle = metrics.handle();
            actix_web::rt::spawn(metrics);
            handle
        });
        self.server.await?;
        if let Some(metrics) = metrics_handle {
            metrics.stop(true).await;
        }
        let pool = self.pool.clone();
        if pool.engine == db::dialect::Dialect::Sqlite {
            match web::block(move || db::checkpoint(&pool, db::Checkpoint::Truncate)).await {
                Ok(Ok(())) => tracing::info!("the WAL is checkpointed into the database"),
                Ok(Err(e)) => tracing::warn!(error = %e, "the WAL could not be checkpointed"),
                Err(e) => tracing::warn!(error = %e, "the WAL could not be checkpointed"),
            }
        }
        Ok(())
    }
}

/// Work done once before the server starts, on a blocking thread with a pooled connection:
/// what it did (`None`: nothing was due) and how many seconds it took.
async fn before_serving(
    pool: &DbPool,
    work: impl FnOnce(&mut db::Conn) -> anyhow::Result<Option<usize>> + Send + 'static,
) -> anyhow::Result<(Option<usize>, f64)> {
    let pool = pool.clone();
    let started = std::time::Instant::now();
    let done = web::block(move || {
        let mut conn = pool.blocking_conn()?;
        work(&mut conn)
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))??;
    Ok((done, started.elapsed().as_secs_f64()))
}

/// A passive checkpoint every `every` (counted in the metrics; a failure is logged and the
/// next one tried as planned).
async fn checkpoints(pool: DbPool, every: std::time::Duration) {
    let mut tick = actix_web::rt::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        let pool = pool.clone();
        match web::block(move || db::checkpoint(&pool, db::Checkpoint::Passive)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "a periodic checkpoint failed"),
            Err(e) => tracing::warn!(error = %e, "a periodic checkpoint failed"),
        }
    }
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        // What browser code may send beyond the safelisted headers: a client's own request
        // id and a compressed body included.
        .allowed_headers([
            header::AUTHORIZATION,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            header::CONTENT_TYPE,
            header::CONTENT_ENCODING,
            header::HeaderName::from_static("x-request-id"),
        ])
        // What browser code may read beyond the safelisted response headers.
        .expose_headers([
            header::LINK,
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::ALLOW,
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static("x-total-count"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    if origins.iter().any(|o| o == "*") {
        cors = cors.allow_any_origin();
    } else {
        for origin in origins {
            cors = cors.allowed_origin(origin);
        }
    }
    cors
}

/// SIGTERM or SIGINT.
async fn shutdown_signal() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {}
        r = tokio::signal::ctrl_c() => r?,
    }
    Ok(())
}
