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

/// Reports whether every configured backend works: the database runs a
/// query, the chunk store accepts a write and Redis (when set) responds.
/// Returns 503 naming the failing component; `redis` is absent when unset.
#[utoipa::path(get, path = "/health/ready", tag = "operations", responses((status = 200, description = "Every configured backend is reachable"), (status = 503, description = "A backend is unavailable")))]
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
            tracing::error!(
                error = format!("{error:#}"),
                backend = state.chunks.backend(),
                "readiness check: chunk store write failed"
            );
            "unavailable"
        }
    };
    let redis = match &state.redis {
        None => None,
        Some(redis) => Some(match redis.ping().await {
            Ok(()) => "ok",
            Err(error) => {
                tracing::error!(%error, "readiness check: Redis did not respond");
                "unavailable"
            }
        }),
    };

    let ready = database == "ok" && chunk_store == "ok" && redis.is_none_or(|redis| redis == "ok");
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut body = json!({
        "status": if ready { "ok" } else { "unavailable" },
        "database": database,
        "chunk_store": chunk_store,
        "chunk_store_backend": state.chunks.backend(),
    });
    if let Some(redis) = redis {
        body["redis"] = json!(redis);
    }
    (status, Json(body))
}
