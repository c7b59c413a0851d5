//! Entry point: parse the command line, then run the chosen command.

use std::process::ExitCode;

use clap::Parser;
use doan_api::cli::{Cli, Command, LogFormat};
use doan_api::{db, startup, telemetry};

/// mimalloc instead of the system allocator: the seed's text generation and the server's
/// per-request buffers allocate many short-lived strings from several threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) => {
            // One line, not clap's usage block: what is wrong, and where to look.
            let text = err.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("doan-api: error: {first} (see doan-api --help)");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Openapi => {
            print!("{}", startup::openapi_json());
            Ok(())
        }
        Command::CreateUser(args) => {
            let _log = telemetry::init(LogFormat::Text);
            doan_api::users::cli::create_user(&args)
        }
        Command::Seed(args) => {
            let _log = telemetry::init(LogFormat::Text);
            (|| -> anyhow::Result<()> {
                let pool = db::connect(&args.db.database, 1, 0)?;
                let mut conn = pool.blocking_conn()?;
                let report =
                    doan_api::seed::synthetic(&mut conn, args.synthetic as usize, args.seed, true)?;
                println!(
                    "seeded {} activities ({} new units, {} new clusters) in {:.1} s: {:.0} activities/s",
                    report.activities, report.units, report.clusters, report.seconds, report.rows_per_second()
                );
                Ok(())
            })()
        }
        Command::Export(args) => {
            let _log = telemetry::init(LogFormat::Text);
            doan_api::transfer::cli::export(&args)
        }
        Command::Import(args) => {
            let _log = telemetry::init(LogFormat::Text);
            doan_api::transfer::cli::import(&args)
        }
        Command::Media(doan_api::cli::MediaCommand::Gc(args)) => {
            let _log = telemetry::init(LogFormat::Text);
            doan_api::media::gc::run(&args)
        }
        Command::Backup(args) => {
            let _log = telemetry::init(LogFormat::Text);
            doan_api::backup::cli::backup(&args)
        }
        Command::Restore(args) => {
            let _log = telemetry::init(LogFormat::Text);
            doan_api::backup::cli::restore(&args)
        }
        Command::Migrate(args) => {
            let _log = telemetry::init(LogFormat::Text);
            db::connect(&args.database, 1, 0).map(|_| {
                tracing::info!(database = %db::shown(&args.database), "database is migrated");
            })
        }
        Command::Serve(args) => {
            let _log = telemetry::init(args.log_format);
            actix_web::rt::System::new().block_on(async move {
                let app = startup::Application::build((*args).clone()).await?;
                tracing::info!(bind = %args.bind, port = app.port(), database = %db::shown(&args.db.database), "listening");
                app.run_until_stopped().await?;
                tracing::info!("stopped");
                Ok(())
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, whatever the cause wrote (libpq adds its hint on a line of its own).
            let message = format!("{err:#}");
            let message: Vec<&str> = message.split_whitespace().collect();
            eprintln!("doan-api: error: {}", message.join(" "));
            ExitCode::FAILURE
        }
    }
}
