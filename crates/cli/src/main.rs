//! `aaiti`: the command-line front end of the aaiti libraries.
//!
//! Run `aaiti --help` for the list of commands.

mod cmd_data;
mod cmd_drift;
mod cmd_features;
mod cmd_registry;
mod cmd_train;
mod cmd_walkforward;
mod registry_url;

use clap::{Parser, Subcommand};

/// Legitimate ML trading strategies: leakage-free data, walk-forward validation, registry, drift.
#[derive(Debug, Parser)]
#[command(name = "aaiti", version, about, long_about = None)]
struct Cli {
    /// Log level filter for diagnostics on stderr (e.g. `info`, `aaiti=debug`).
    #[arg(long, global = true, default_value = "warn", env = "AAITI_LOG")]
    log: String,
    #[command(subcommand)]
    command: Commands,
}

#[derive(Debug, Subcommand)]
enum Commands {
    /// Inspect and validate market-data files.
    #[command(subcommand)]
    Data(cmd_data::Command),
    /// Compute TA-Lib-compatible indicators and feature sets.
    Features(cmd_features::Command),
    /// Train a model from a TOML config (features, labels, splits, model, evaluation).
    Train(cmd_train::Command),
    /// Query and verify the model registry.
    Registry(cmd_registry::Command),
    /// Plan and run walk-forward validation.
    Walkforward(cmd_walkforward::Command),
    /// Detect drift in feature and prediction streams.
    Drift(cmd_drift::Command),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&cli.log))
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Commands::Data(cmd) => cmd_data::run(cmd),
        Commands::Features(cmd) => cmd_features::run(cmd).map(|()| std::process::ExitCode::SUCCESS),
        Commands::Train(cmd) => cmd_train::run(cmd).map(|()| std::process::ExitCode::SUCCESS),
        Commands::Registry(cmd) => cmd_registry::run(cmd).map(|()| std::process::ExitCode::SUCCESS),
        Commands::Walkforward(cmd) => {
            cmd_walkforward::run(cmd).map(|()| std::process::ExitCode::SUCCESS)
        }
        Commands::Drift(cmd) => cmd_drift::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            #[allow(clippy::print_stderr, reason = "the binary's error report")]
            {
                eprintln!("error: {e:#}");
            }
            std::process::ExitCode::from(2)
        }
    }
}
