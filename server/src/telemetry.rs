//! Log output: `tracing` events as human-readable or JSON lines on stderr.

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::config::LogFormat;
use crate::metrics::DatabaseTimingLayer;

/// Installs the global subscriber. `RUST_LOG` overrides the default filter,
/// which logs the server at `info` and its libraries at `warn`. Beside the
/// log output, sqlx's statement events feed the database latency metric;
/// they are printed only when `RUST_LOG` enables `sqlx::query`.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let output = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let output = match format {
        LogFormat::Human => output.with_filter(filter).boxed(),
        LogFormat::Json => output.json().with_filter(filter).boxed(),
    };
    let timing =
        DatabaseTimingLayer.with_filter(Targets::new().with_target("sqlx::query", Level::DEBUG));
    tracing_subscriber::registry()
        .with(output)
        .with(timing)
        .init();
}
