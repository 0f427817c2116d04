//! `wifi-densepose-sensing-server`: ESP32 CSI over UDP in; WebSocket and REST out.

mod activity;
mod app;
mod cli;
mod conn;
mod engine;
mod field;
mod grid;
mod messages;
mod mock;
#[cfg(feature = "mqtt")]
mod mqtt;
mod node;
mod privacy;
mod replay;
mod rest;
mod ring;
mod room;
mod security;
mod server;
mod tickets;
mod udp;
mod vitals;
mod ws;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

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
    match runtime.block_on(server::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("cannot start: {error}");
            ExitCode::from(1)
        }
    }
}
