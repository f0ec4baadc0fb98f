//! Downloads: a file's manifest, then each of its chunks.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use gauzian_api::{ChunkInfo, ErrorBody, FileManifest, NodeKind};
use sqlx::Row as _;
use std::time::Instant;
use uuid::Uuid;

use crate::access;
use crate::auth::session::Session;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiPath;
use crate::state::AppState;
use crate::storage::{ChunkDigest, DigestAlgorithm, ReadOutcome};

/// Download routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/files/{id}", get(manifest)).route(
        "/api/files/{id}/versions/{version_id}/chunks/{index}",
        get(chunk),
    )
}

#[utoipa::path(get, path = "/api/files/{id}", tag = "files", security(("bearer" = []), ("cookie" = [])), params(("id" = Uuid, Path, description = "File id")), responses((status = 200, body = FileManifest), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn manifest(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<FileManifest>> {
    let (stored, _) = access::load_node(&state, session.user_id, id).await?;
    if stored.node.kind != NodeKind::File {
        return Err(ApiError::bad_request(
            "not_a_file",
            format!("node {id} is a folder; list its children instead"),
        ));
    }
    let Some(version) = stored.node.file.clone() else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "file node {id} has no current version"
        )));
    };

    let rows = sqlx::query(
        "SELECT chunk_index, size FROM chunks WHERE version_id = $1 ORDER BY chunk_index",
    )
    .bind(version.version_id.to_string())
    .fetch_all(state.db.pool())
    .await?;
    let chunks = rows
        .iter()
        .map(|row| {
            Ok(ChunkInfo {
                index: db::u32_column(row, "chunk_index")?,
                size: db::u64_column(row, "size")?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;

    Ok(Json(FileManifest {
        node: stored.node,
        version_id: version.version_id,
        chunks,
    }))
}

#[utoipa::path(get, path = "/api/files/{id}/versions/{version_id}/chunks/{index}", tag = "files", security(("bearer" = []), ("cookie" = [])), params(("id" = Uuid, Path, description = "File id"), ("version_id" = Uuid, Path, description = "Version id"), ("index" = u32, Path, description = "Chunk index from 0")), responses((status = 200, description = "Sealed chunk bytes", content_type = "application/octet-stream", body = Vec<u8>), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody), (status = 500, description = "Stored chunk corrupted", body = ErrorBody)))]
async fn chunk(
    State(state): State<AppState>,
    session: Session,
    ApiPath((id, version_id, index)): ApiPath<(Uuid, Uuid, u32)>,
) -> ApiResult<impl IntoResponse> {
    let started = Instant::now();
    access::load_node(&state, session.user_id, id).await?;

    let row = sqlx::query(
        "SELECT c.digest, c.digest_algorithm, c.object_name FROM chunks c \
         JOIN file_versions v ON v.id = c.version_id \
         WHERE v.id = $1 AND v.file_id = $2 AND v.state = 'final' AND c.chunk_index = $3",
    )
    .bind(version_id.to_string())
    .bind(id.to_string())
    .bind(i64::from(index))
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(ApiError::NotFound)?;
    let algorithm: String = row.try_get("digest_algorithm")?;
    let digest = ChunkDigest {
        algorithm: DigestAlgorithm::parse(&algorithm).ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "chunk {index} of version {version_id} has an unknown digest algorithm {algorithm:?}"
            ))
        })?,
        bytes: row.try_get("digest")?,
    };

    let read_started = Instant::now();
    let name: String = row.try_get("object_name")?;
    let outcome = state.chunks.read(version_id, &name, &digest).await?;
    state
        .metrics
        .storage_operation("read", read_started.elapsed());
    match outcome {
        ReadOutcome::Intact(bytes) => {
            state.metrics.chunk_downloaded(started);
            Ok(([(CONTENT_TYPE, "application/octet-stream")], bytes))
        }
        ReadOutcome::Corrupted => Err(ApiError::ChunkCorrupted { version_id, index }),
    }
}
