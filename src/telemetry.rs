//! Logging: one line per request (with its request id) as text or JSON, filtered by `RUST_LOG`.
//!
//! Lines go to standard error through a background writer (tracing-appender): a request never
//! waits for the terminal or the disk. Under a flood the writer's buffer (128k lines) may fill,
//! and then lines are dropped rather than requests slowed. The access log is the target
//! `doan_api::http::middleware` at `info`: `RUST_LOG=info,doan_api::http::middleware=warn`
//! keeps every other line and only the failed requests.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// Install the global subscriber (once; later calls are ignored, as tests call it per app).
/// Keep the guard for the life of the process: dropping it flushes the lines still buffered.
#[must_use = "dropping the guard stops the log writer"]
pub fn init(format: LogFormat) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
    installed.ok().map(|()| guard)
}
