//! `wifi-densepose-sensing-server`: parses the command line and runs the server library.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use wifi_densepose_sensing_server::{app, config::cli};

fn main() -> ExitCode {
    let args = cli::Args::parse();
    let config = match args.into_config(std::env::var("RUVIEW_API_TOKEN").ok()) {
        Ok(config) => config,
        Err(usage) => usage.exit(),
    };
    // Logs go to stderr so `--print-frames` output on stdout stays clean JSON lines.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    if let Err(error) = config.check_exposure() {
        tracing::error!("refusing to start: {error}");
        return ExitCode::from(1);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(app::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("cannot start: {error}");
            ExitCode::from(1)
        }
    }
}
