//! Command line: `serve`, `migrate`, `openapi`. Every flag has an environment variable.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "doan-api",
    version,
    about = "Public JSON REST API for Youth Union activity news (Đoàn TNCS Hồ Chí Minh)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API.
    Serve(Box<ServeArgs>),
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate(DatabaseArgs),
    /// Print the OpenAPI document to standard output.
    Openapi,
    /// Create a user; the password is read from standard input.
    CreateUser(CreateUserArgs),
    /// Fill the database with synthetic data for benchmarks.
    Seed(SeedArgs),
    /// Write every unit, cluster and activity to an NDJSON file.
    Export(ExportArgs),
    /// Read an NDJSON file (as `export` writes it): every line checked first, then all or
    /// nothing written; lines imported before are updated, not added again.
    Import(ImportArgs),
    /// Look after the media library.
    #[command(subcommand)]
    Media(MediaCommand),
    /// Copy the database (one consistent snapshot, while the server serves writes) to FILE and
    /// its uploaded files to FILE.media/.
    Backup(BackupArgs),
    /// Replace the database with a backup (the server stopped): the file is checked first
    /// (integrity, a schema this version knows), the old database is kept aside.
    Restore(BackupArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Folder of uploaded media files; default: `media` beside the database.
    #[arg(long, env = "DOAN_MEDIA_DIR")]
    pub media_dir: Option<PathBuf>,
    /// The bucket of the media files instead of the folder (`s3://bucket/prefix`), as `serve`
    /// takes it: `backup` copies its files beside the backup, `restore` puts them back in it.
    #[arg(long, env = "DOAN_MEDIA_STORE")]
    pub media_store: Option<String>,
    /// The backup file (a new one for `backup`).
    pub file: PathBuf,
}

impl BackupArgs {
    pub fn media_dir(&self) -> PathBuf {
        media_dir_beside(&self.db.database, self.media_dir.as_deref())
    }
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum MediaCommand {
    /// Remove uploads no activity uses, older than `--older-than`, with their files (and files
    /// no upload lists, e.g. of an upload cut short); `--dry-run` only lists them.
    Gc(MediaGcArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct MediaGcArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Folder of uploaded media files; default: `media` beside the database.
    #[arg(long, env = "DOAN_MEDIA_DIR")]
    pub media_dir: Option<PathBuf>,
    /// The bucket of the media files instead of the folder (`s3://bucket/prefix`), as `serve`
    /// takes it.
    #[arg(long, env = "DOAN_MEDIA_STORE")]
    pub media_store: Option<String>,
    /// Keep anything uploaded more recently than this: hours (`48h`) or days (`7d`).
    #[arg(long, default_value = "24h", value_parser = parse_age)]
    pub older_than: chrono::Duration,
    /// List what would go, remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl MediaGcArgs {
    pub fn media_dir(&self) -> PathBuf {
        media_dir_beside(&self.db.database, self.media_dir.as_deref())
    }
}

fn parse_age(raw: &str) -> Result<chrono::Duration, String> {
    let wrong = || format!("'{raw}' is not an age such as 48h or 7d");
    let (n, hours) = match (raw.strip_suffix('h'), raw.strip_suffix('d')) {
        (Some(n), _) => (n, 1),
        (_, Some(n)) => (n, 24),
        _ => return Err(wrong()),
    };
    let n: i64 = n
        .parse()
        .ok()
        .filter(|n| (0..=36_500 * 24 / hours).contains(n))
        .ok_or_else(wrong)?;
    Ok(chrono::Duration::hours(n * hours))
}

/// Whether `--database` names a PostgreSQL database (a `postgres://` or `postgresql://` URL)
/// rather than a SQLite file.
pub fn is_postgres(database: &std::path::Path) -> bool {
    database.to_str().is_some_and(is_postgres_url)
}

/// The folder of what a node keeps beside its database (the generated JWT key and demo admin
/// password, media by default): the SQLite file's folder; `data/` under the working folder
/// for a PostgreSQL database, which has no folder of its own.
pub fn local_dir(database: &std::path::Path) -> std::path::PathBuf {
    if is_postgres(database) {
        return std::path::PathBuf::from("data");
    }
    database
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."))
        .to_path_buf()
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The media folder: `set`, else `media` beside the database.
pub fn media_dir_beside(database: &std::path::Path, set: Option<&std::path::Path>) -> PathBuf {
    set.map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| local_dir(database).join("media"))
}

#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Include every activity's revisions.
    #[arg(long)]
    pub revisions: bool,
    /// The NDJSON file to write.
    pub file: PathBuf,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Only check the file: print each bad line's number and problem, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The bucket of the media files (`s3://bucket/prefix`), as `serve` takes it: the files
    /// the archive's media lines name are checked in it (default: the `media` folder beside
    /// the database, when there is one).
    #[arg(long, env = "DOAN_MEDIA_STORE")]
    pub media_store: Option<String>,
    /// The NDJSON file to read.
    pub file: PathBuf,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Number of synthetic activities to insert.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=20_000_000))]
    pub synthetic: u64,
    /// Random seed (the same seed on the same starting database gives the same data).
    #[arg(long, default_value_t = 20231025)]
    pub seed: u64,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CreateUserArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Login name (3-50 characters: letters, digits, '.', '_', '-'; case-insensitive).
    #[arg(long)]
    pub username: String,
    /// admin (everything), editor (the activities of one unit and the units below it) or
    /// reviewer (approves or returns the news of one unit and the units below it).
    #[arg(long, value_parser = ["admin", "editor", "reviewer"])]
    pub role: String,
    /// The editor's or reviewer's unit (id or slug).
    #[arg(long)]
    pub organization: Option<String>,
    /// Display name.
    #[arg(long)]
    pub display_name: Option<String>,
    /// Read the password from standard input (the only way; never from the command line).
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// SQLite database file (created, with its directory, when missing), or a PostgreSQL
    /// database URL (`postgres://user:password@host:5432/name`; the database must exist).
    #[arg(long, env = "DOAN_DATABASE", default_value = "data/doan.db")]
    pub database: PathBuf,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DOAN_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    #[command(flatten)]
    pub db: DatabaseArgs,

    /// Public base URL used in links (e.g. https://api.doankhoi.langson.gov.vn); default: from the Host header.
    #[arg(long, env = "DOAN_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Canonical URL of an activity's page, for feeds and the `url` of activities in the JSON:
    /// `{public_url}` and `{slug}` are replaced.
    #[arg(
        long,
        env = "DOAN_ACTIVITY_URL_TEMPLATE",
        default_value = "{public_url}/hoat-dong/{slug}"
    )]
    pub activity_url_template: String,

    /// Canonical URL of an organization's page, for the sitemap: `{public_url}` and `{slug}`
    /// are replaced.
    #[arg(
        long,
        env = "DOAN_ORGANIZATION_URL_TEMPLATE",
        default_value = "{public_url}/to-chuc/{slug}"
    )]
    pub organization_url_template: String,

    /// URLs in one sitemap file, 1 to 50,000 (the protocol's limit); past it `/sitemap.xml`
    /// is an index of numbered files.
    #[arg(long, env = "DOAN_SITEMAP_URLS_PER_FILE", default_value_t = 50_000,
          value_parser = clap::value_parser!(u32).range(1..=50_000))]
    pub sitemap_urls_per_file: u32,

    /// Comma-separated origins allowed by CORS (`*` for any); empty: no CORS headers.
    #[arg(
        long,
        env = "DOAN_CORS_ORIGINS",
        value_delimiter = ',',
        default_value = ""
    )]
    pub cors_origins: Vec<String>,

    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed (comma-separated IPs;
    /// default none: the socket's peer is the client, whatever a request says).
    #[arg(long, env = "DOAN_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Log line format.
    #[arg(long, env = "DOAN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Load the demo data (the seed page) where it is missing. Also serves the portal.
    #[arg(long, env = "DOAN_DEMO")]
    pub demo: bool,

    /// Serve the reference portal (examples/portal: the seed page rebuilt on the API) at `/`,
    /// `/to-chuc/{slug}`, `/hoat-dong/{slug}` and `/portal/`; on with `--demo`, off otherwise.
    #[arg(long, env = "DOAN_PORTAL")]
    pub portal: bool,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "DOAN_WORKERS")]
    pub workers: Option<usize>,

    /// On SIGTERM or SIGINT: seconds `/health/ready` answers 503 before the server stops
    /// accepting (for a load balancer to take it out of rotation; 0 by default).
    #[arg(long, env = "DOAN_DRAIN_SECONDS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=300))]
    pub drain_seconds: u64,

    /// Then: seconds in-flight requests have to finish before they are dropped.
    #[arg(long, env = "DOAN_SHUTDOWN_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub shutdown_timeout: u64,

    /// Serve `/metrics` (Prometheus text) without a token on this separate address, e.g.
    /// `127.0.0.1:9464` (keep it off the public network); default: no such listener.
    #[arg(long, env = "DOAN_METRICS_BIND")]
    pub metrics_bind: Option<String>,

    /// Serve `/metrics` on the API's own address to a scraper sending this bearer token (at
    /// least 16 characters); default: not served there (404).
    #[arg(long, env = "DOAN_METRICS_TOKEN", hide_env_values = true, value_parser = parse_metrics_token)]
    pub metrics_token: Option<String>,

    /// Seconds a read (GET/HEAD) may take to produce its response before a 503 (writes are
    /// never cut short: a change answered 503 must not commit afterwards).
    #[arg(long, env = "DOAN_REQUEST_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,

    /// Most open client connections, all workers together; past it new connections wait in
    /// the listen backlog until one closes.
    #[arg(long, env = "DOAN_MAX_CONNECTIONS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,

    /// Seconds a client has to send a request's headers (a slow client is then answered 408
    /// and disconnected).
    #[arg(long, env = "DOAN_CLIENT_HEADER_TIMEOUT", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub client_header_timeout: u64,

    /// Anonymous reads allowed per client address (an IPv6 /64) per minute, in bursts of as
    /// many; 0 (default): no limit.
    #[arg(long, env = "DOAN_RATE_LIMIT_READS", default_value_t = 0)]
    pub rate_limit_reads: u32,

    /// Writes (POST, PUT, PATCH, DELETE, logins included) allowed per client address per
    /// minute, in bursts of as many; 0 (default): no limit.
    #[arg(long, env = "DOAN_RATE_LIMIT_WRITES", default_value_t = 0)]
    pub rate_limit_writes: u32,

    /// Seconds between passive WAL checkpoints (they never wait for readers or writers; SQLite
    /// also checkpoints after a commit leaves 1,000 pages in the WAL); 0: only SQLite's.
    #[arg(long, env = "DOAN_CHECKPOINT_INTERVAL", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub checkpoint_interval: u64,

    /// Pooled SQLite connections for reads (1 to 64), which run in parallel on them. Writes
    /// have 2 connections of their own beyond these (never queued behind reads) and take
    /// SQLite's one write lock in turn.
    #[arg(long, env = "DOAN_POOL_SIZE", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub pool_size: u32,

    /// A read replica of the PostgreSQL primary (a streaming standby's URL; repeat the flag,
    /// or separate URLs with commas in the variable): anonymous reads go to a replica that is
    /// up, within --replica-max-lag, and has replayed the client's last write; the rest to
    /// the primary.
    #[arg(
        long = "database-replica",
        env = "DOAN_DATABASE_REPLICAS",
        value_delimiter = ','
    )]
    pub database_replicas: Vec<String>,

    /// Seconds a replica may be behind the primary and still serve reads.
    #[arg(long, env = "DOAN_REPLICA_MAX_LAG", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub replica_max_lag: u64,

    /// JWT signing secret, at least 32 bytes; default: a random key kept in `jwt-secret`
    /// beside the database (created with mode 0600 on first run).
    #[arg(long, env = "DOAN_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "DOAN_TOKEN_TTL", default_value_t = 3600, value_parser = clap::value_parser!(i64).range(60..=86400 * 30))]
    pub token_ttl: i64,

    /// Days the audit log keeps an entry (at least 1).
    #[arg(long, env = "DOAN_AUDIT_RETENTION_DAYS", default_value_t = 365,
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub audit_retention_days: u32,

    /// Folder of uploaded media files; default: `media` beside the database (created on start).
    #[arg(long, env = "DOAN_MEDIA_DIR")]
    pub media_dir: Option<PathBuf>,

    /// Media files in an S3-compatible bucket instead of the folder, as several nodes need:
    /// `s3://bucket/prefix`. Endpoint, region and keys from `AWS_ENDPOINT_URL`, `AWS_REGION`,
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`; path-style addressing.
    #[arg(long, env = "DOAN_MEDIA_STORE")]
    pub media_store: Option<String>,

    /// Where the bucket's files are public (a CDN, or the bucket itself), e.g.
    /// `https://cdn.example.org/media`: `/media/{name}` redirects there (307) instead of
    /// reading the file from the bucket.
    #[arg(long, env = "DOAN_MEDIA_PUBLIC_URL", requires = "media_store")]
    pub media_public_url: Option<String>,

    /// Largest upload, in bytes (default 25 MiB).
    #[arg(long, env = "DOAN_MEDIA_MAX_BYTES", default_value_t = 25 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1024..=512 * 1024 * 1024))]
    pub media_max_bytes: u64,

    /// Largest photo, in pixels (width × height; default 50 megapixels): a larger one is
    /// refused before it is decoded.
    #[arg(long, env = "DOAN_MEDIA_MAX_PIXELS", default_value_t = 50_000_000,
          value_parser = clap::value_parser!(u64).range(1..=500_000_000))]
    pub media_max_pixels: u64,

    /// Send webhook deliveries from this process (`false` on all nodes but one, or to hold
    /// them: the outbox keeps them).
    #[arg(long, env = "DOAN_WEBHOOK_DELIVERY", default_value_t = true, action = clap::ArgAction::Set)]
    pub webhook_delivery: bool,

    /// Allow webhook URLs on loopback, link-local and private addresses (off: SSRF guard).
    #[arg(long, env = "DOAN_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,

    /// Seconds a webhook receiver has to answer.
    #[arg(long, env = "DOAN_WEBHOOK_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub webhook_timeout: u64,

    /// Attempts per webhook delivery before it is given up.
    #[arg(long, env = "DOAN_WEBHOOK_MAX_ATTEMPTS", default_value_t = 12,
          value_parser = clap::value_parser!(u32).range(1..=50))]
    pub webhook_max_attempts: u32,

    /// Milliseconds before the first retry; doubled after each failed attempt (at most an hour).
    #[arg(long, env = "DOAN_WEBHOOK_RETRY_BASE_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub webhook_retry_base_ms: u64,

    /// Failed attempts in a row after which a subscription is switched off.
    #[arg(long, env = "DOAN_WEBHOOK_DISABLE_AFTER", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub webhook_disable_after: u32,

    /// With --demo and no user yet: the password of the demo admin `admin`; default: a random
    /// one written to `admin-password` beside the database (mode 0600).
    #[arg(long, env = "DOAN_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
}

impl ServeArgs {
    /// Settings for a test server: an ephemeral port on loopback and the given database.
    pub fn for_tests(database: PathBuf) -> Self {
        Self {
            bind: "127.0.0.1:0".into(),
            db: DatabaseArgs { database },
            public_url: None,
            activity_url_template: "{public_url}/hoat-dong/{slug}".into(),
            organization_url_template: "{public_url}/to-chuc/{slug}".into(),
            sitemap_urls_per_file: 50_000,
            cors_origins: vec![],
            trusted_proxies: vec![],
            log_format: LogFormat::Text,
            demo: false,
            portal: false,
            workers: Some(2),
            drain_seconds: 0,
            shutdown_timeout: 10,
            pool_size: 8,
            database_replicas: Vec::new(),
            replica_max_lag: 5,
            jwt_secret: Some("test-secret-test-secret-test-secret-0123".into()),
            token_ttl: 3600,
            admin_password: None,
            audit_retention_days: 365,
            webhook_delivery: true,
            webhook_allow_private: false,
            webhook_timeout: 10,
            webhook_max_attempts: 12,
            webhook_retry_base_ms: 10_000,
            webhook_disable_after: 50,
            media_dir: None,
            media_store: None,
            media_public_url: None,
            media_max_bytes: 25 * 1024 * 1024,
            media_max_pixels: 50_000_000,
            metrics_bind: None,
            metrics_token: None,
            request_timeout: 30,
            max_connections: 10_000,
            client_header_timeout: 5,
            rate_limit_reads: 0,
            rate_limit_writes: 0,
            checkpoint_interval: 300,
        }
    }

    /// The media folder: as set, else `media` beside the database.
    pub fn media_dir(&self) -> PathBuf {
        media_dir_beside(&self.db.database, self.media_dir.as_deref())
    }

    pub fn cors_origins(&self) -> Vec<String> {
        self.cors_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

fn parse_public_url(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("must be an http(s) URL with a host".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    Ok(raw.trim_end_matches('/').to_string())
}

fn parse_metrics_token(raw: &str) -> Result<String, String> {
    if raw.chars().count() < 16 {
        return Err("must be at least 16 characters".into());
    }
    if !raw.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("must be printable ASCII without spaces".into());
    }
    Ok(raw.to_string())
}
