//! `gauzian`: the command-line client of the Gauzian end-to-end-encrypted
//! drive. Data goes to stdout, messages and progress to stderr.

mod app;
mod cli;
mod commands;
mod config;
mod output;
mod progress;
mod secrets;

use std::process::ExitCode;

use clap::Parser;
use gauzian_client::ClientError;

use crate::app::App;
use crate::cli::{Cli, Command};
use crate::output::BatchFailed;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.quiet, cli.global.verbose);

    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => exit_code_for(&error),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Completions { shell } = cli.command {
        let mut command = <Cli as clap::CommandFactory>::command();
        clap_complete::generate(shell, &mut command, "gauzian", &mut std::io::stdout());
        return Ok(());
    }

    let app = App::new(cli.global)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(commands::dispatch(&app, cli.command))
}

/// Prints the error (unless it is a broken pipe) and picks the exit status
/// documented in `--help`.
fn exit_code_for(error: &anyhow::Error) -> ExitCode {
    let broken_pipe = error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::SUCCESS;
    }

    if let Some(batch) = error.downcast_ref::<BatchFailed>() {
        // Each failure was reported already; a count helps only for batches.
        if batch.total > 1 {
            eprintln!("error: {batch}");
        }
        return ExitCode::from(if batch.failed < batch.total { 3 } else { 1 });
    }
    eprintln!("error: {}", describe(error));
    let authentication = error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<ClientError>(),
            Some(
                ClientError::Unauthenticated
                    | ClientError::InvalidCredentials
                    | ClientError::WrongPassword
            )
        )
    });
    ExitCode::from(if authentication { 4 } else { 1 })
}

/// Joins an error and its causes with ": ", leaving out a cause whose text
/// the message already contains (the client's errors quote their source).
fn describe(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// Logs go to stderr: warnings by default (the client's retries), errors
/// only with `-q`, more with `-v`. `GAUZIAN_LOG` overrides, in
/// `tracing_subscriber::EnvFilter` syntax.
fn init_logging(quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("GAUZIAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .without_time()
        .init();
}
