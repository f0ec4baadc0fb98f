//! Liveness and readiness probes for orchestrators and load balancers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::state::AppState;

/// Probe routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
}

/// Succeeds while the process serves requests.
#[utoipa::path(get, path = "/health/live", tag = "operations", responses((status = 200, description = "The process serves requests")))]
async fn live() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Succeeds when the database runs a query and the chunk store accepts a
/// write; otherwise 503 with the failing component named.
#[utoipa::path(get, path = "/health/ready", tag = "operations", responses((status = 200, description = "Database and chunk store reachable"), (status = 503, description = "A component is unavailable")))]
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = match sqlx::query("SELECT 1").execute(state.db.pool()).await {
        Ok(_) => "ok",
        Err(error) => {
            tracing::error!(%error, "readiness check: database query failed");
            "unavailable"
        }
    };
    let chunk_store = match state.chunks.check_writable().await {
        Ok(()) => "ok",
        Err(error) => {
            tracing::error!(%error, "readiness check: chunk store write failed");
            "unavailable"
        }
    };

    let ready = database == "ok" && chunk_store == "ok";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if ready { "ok" } else { "unavailable" },
        "database": database,
        "chunk_store": chunk_store,
    });
    (status, Json(body))
}
