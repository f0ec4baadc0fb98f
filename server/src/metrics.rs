//! Prometheus metrics: HTTP traffic, uploads, chunk transfers, storage,
//! authentication and the database pool, served at `/metrics`.

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::error::ApiError;
use crate::state::AppState;

/// Media type of the OpenMetrics text format, which Prometheus scrapes.
const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// Durations from 1 ms to about 16 s, doubling.
fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// Database statement latency by operation, for the whole process.
///
/// sqlx reports each statement's duration as a `sqlx::query` tracing event,
/// which [`DatabaseTimingLayer`] records here. Events carry no server
/// identity, so every server of a process (several only in tests) shares
/// this family.
fn database_durations() -> &'static HistogramFamily<OperationLabels> {
    static DURATIONS: OnceLock<HistogramFamily<OperationLabels>> = OnceLock::new();
    DURATIONS.get_or_init(|| Family::new_with_constructor(duration_histogram))
}

/// A `tracing` layer that turns sqlx's per-statement events into
/// `gauzian_db_operation_duration_seconds` observations. It needs the
/// `sqlx::query` target enabled at `debug` for itself, which
/// [`crate::telemetry::init`] does without printing those events.
#[derive(Debug, Default, Clone, Copy)]
pub struct DatabaseTimingLayer;

/// The two fields of a sqlx statement event that the layer reads.
#[derive(Default)]
struct StatementFields {
    operation: Option<&'static str>,
    elapsed_seconds: Option<f64>,
}

impl tracing::field::Visit for StatementFields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            self.operation = Some(statement_operation(value));
        }
    }

    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed_seconds = Some(value);
        }
    }

    fn record_debug(&mut self, _field: &tracing::field::Field, _value: &dyn fmt::Debug) {}
}

/// Names a statement by its first keyword: select, insert, update, delete,
/// or other (transactions, migrations, recursive queries).
fn statement_operation(summary: &str) -> &'static str {
    let keyword = summary.split_whitespace().next().unwrap_or_default();
    ["select", "insert", "update", "delete"]
        .into_iter()
        .find(|candidate| keyword.eq_ignore_ascii_case(candidate))
        .unwrap_or("other")
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for DatabaseTimingLayer {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _context: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut fields = StatementFields::default();
        event.record(&mut fields);
        if let (Some(operation), Some(seconds)) = (fields.operation, fields.elapsed_seconds) {
            database_durations()
                .get_or_create(&OperationLabels { operation })
                .observe(seconds);
        }
    }
}

/// Every metric of one server, in a registry of its own (database statement
/// durations excepted, see [`database_durations`]).
pub struct Metrics {
    registry: Registry,
    http_requests: Family<RequestLabels, Counter>,
    http_duration: HistogramFamily<RouteLabels>,
    http_in_flight: Gauge,
    uploads_finalized: Counter,
    uploaded_bytes: Counter,
    chunk_upload_duration: Histogram,
    chunk_download_duration: Histogram,
    storage_duration: HistogramFamily<OperationLabels>,
    auth_attempts: Family<OutcomeLabels, Counter>,
    db_pool_connections: Gauge,
    db_pool_idle: Gauge,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("gauzian");
        let metrics = Self {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(duration_histogram),
            http_in_flight: Gauge::default(),
            uploads_finalized: Counter::default(),
            uploaded_bytes: Counter::default(),
            chunk_upload_duration: duration_histogram(),
            chunk_download_duration: duration_histogram(),
            storage_duration: Family::new_with_constructor(duration_histogram),
            auth_attempts: Family::default(),
            db_pool_connections: Gauge::default(),
            db_pool_idle: Gauge::default(),
            registry: Registry::default(),
        };

        registry.register(
            "http_requests",
            "HTTP requests by method, route template and status",
            metrics.http_requests.clone(),
        );

        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by method and route template",
            metrics.http_duration.clone(),
        );

        registry.register(
            "http_requests_in_flight",
            "HTTP requests being processed",
            metrics.http_in_flight.clone(),
        );

        registry.register(
            "uploads_finalized",
            "File uploads finalized",
            metrics.uploads_finalized.clone(),
        );

        registry.register(
            "uploaded_bytes",
            "Chunk bytes received and stored",
            metrics.uploaded_bytes.clone(),
        );

        registry.register(
            "chunk_upload_duration_seconds",
            "Time to receive, store and record one chunk",
            metrics.chunk_upload_duration.clone(),
        );

        registry.register(
            "chunk_download_duration_seconds",
            "Time to read, verify and send one chunk",
            metrics.chunk_download_duration.clone(),
        );

        registry.register(
            "storage_operation_duration_seconds",
            "Chunk store operation latency by operation",
            metrics.storage_duration.clone(),
        );

        registry.register(
            "auth_attempts",
            "Login attempts by outcome",
            metrics.auth_attempts.clone(),
        );

        registry.register(
            "db_operation_duration_seconds",
            "Database statement latency by operation (select, insert, update, delete, other)",
            database_durations().clone(),
        );

        registry.register(
            "db_pool_connections",
            "Open database connections",
            metrics.db_pool_connections.clone(),
        );

        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            metrics.db_pool_idle.clone(),
        );
        Self {
            registry,
            ..metrics
        }
    }

    /// Counts a login attempt with its outcome.
    pub fn auth_attempt(&self, outcome: &'static str) {
        self.auth_attempts
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Records a stored chunk and the time its request took so far.
    pub fn chunk_uploaded(&self, bytes: usize, started: Instant) {
        self.uploaded_bytes.inc_by(bytes as u64);
        self.chunk_upload_duration
            .observe(started.elapsed().as_secs_f64());
    }

    /// Records a served chunk and the time its request took.
    pub fn chunk_downloaded(&self, started: Instant) {
        self.chunk_download_duration
            .observe(started.elapsed().as_secs_f64());
    }

    /// Counts a finalized upload.
    pub fn upload_finalized(&self) {
        self.uploads_finalized.inc();
    }

    /// Records how long a chunk store operation took.
    pub fn storage_operation(&self, operation: &'static str, elapsed: Duration) {
        self.storage_duration
            .get_or_create(&OperationLabels { operation })
            .observe(elapsed.as_secs_f64());
    }
}

/// Middleware that counts and times every request by its route template,
/// never by its raw path, so ids do not become label values.
pub async fn track_requests(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let metrics = &state.metrics;

    metrics.http_in_flight.inc();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.http_in_flight.dec();

    metrics
        .http_duration
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .http_requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// `GET /metrics`.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Metrics in the OpenMetrics text format", content_type = "application/openmetrics-text")))]
pub async fn render(State(state): State<AppState>) -> Result<Response, ApiError> {
    let metrics = &state.metrics;
    let pool = state.db.pool();
    metrics.db_pool_connections.set(i64::from(pool.size()));
    metrics
        .db_pool_idle
        .set(i64::try_from(pool.num_idle()).unwrap_or(i64::MAX));

    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &metrics.registry)
        .map_err(ApiError::internal)?;
    Ok(([(CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE)], body).into_response())
}
