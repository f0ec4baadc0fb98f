//! `gauzian-server`: parses the configuration, serves until Ctrl-C or
//! SIGTERM, and exits non-zero when start-up fails.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;
use gauzian_server::config::DEFAULT_WEB_DIR;
use gauzian_server::{Config, Server};

#[tokio::main]
async fn main() -> ExitCode {
    let mut config = Config::parse();
    config.apply_default_web_dir();
    gauzian_server::telemetry::init(config.log_format);

    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "server stopped");
            eprintln!("gauzian-server: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let server = Server::bind(&config).await?;
    let address = server.local_addr()?;

    // Scripts and tests read the port from this exact line on stdout.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{address}")?;
    stdout.flush()?;
    drop(stdout);
    tracing::info!(%address, data_dir = %config.data_dir.display(), "server started");
    match &config.web_dir {
        Some(dir) => tracing::info!(web_dir = %dir.display(), "serving the web app at /"),
        None => tracing::info!(
            "serving the API only: {DEFAULT_WEB_DIR} does not exist; build the web app \
             with web/build.sh, or set WEB_DIR"
        ),
    }

    server.run(shutdown_signal()).await?;
    tracing::info!("server stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "failed to listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "failed to listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}
