//! Chunked uploads: start, put each chunk, check status, finalize, abort.
//!
//! A pending upload is a `file_versions` row in state `pending`; finalize
//! turns it into a file node in one transaction. Both chunk writes and
//! finalize begin by updating that row, so on PostgreSQL they lock it and a
//! chunk can never land in a version that finalize is checking or has
//! finished (SQLite serializes write transactions anyway).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{post, put};
use axum::{Json, Router, extract::DefaultBodyLimit};
use gauzian_api::{ErrorBody, FinalizeUploadRequest, Node, StartUploadRequest, UploadStatus};
use sqlx::Row as _;
use std::collections::HashSet;
use std::time::Instant;
use uuid::Uuid;

use crate::access;
use crate::auth::session::Session;
use crate::db::{self, now_millis};
use crate::drive::{check_metadata, check_node_blobs, writable_folder};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ChunkBody, UploadPermit};
use crate::node_query;
use crate::state::AppState;

/// Most chunks one file may have: 100,000 chunks of 5 MiB is about 488 GiB.
const MAX_CHUNKS: usize = 100_000;
/// How many missing chunk indices an `upload_incomplete` message lists.
const MISSING_LISTED: usize = 10;

/// Upload routes.
pub fn router() -> Router<AppState> {
    // The chunk route's body limit is one plaintext chunk plus sealing
    // overhead; axum's default limit (2 MB) would reject whole chunks.
    let chunk_limit = usize::try_from(gauzian_api::MAX_CHUNK_BODY_SIZE).unwrap_or(usize::MAX);
    Router::new()
        .route("/api/uploads", post(start))
        .route(
            "/api/uploads/{version_id}",
            axum::routing::get(status).delete(abort),
        )
        .route(
            "/api/uploads/{version_id}/chunks/{index}",
            put(put_chunk).layer(DefaultBodyLimit::max(chunk_limit)),
        )
        .route("/api/uploads/{version_id}/finalize", post(finalize))
}

/// A pending or finalized upload as stored.
#[derive(Debug)]
struct Upload {
    version_id: Uuid,
    file_id: Uuid,
    owner_id: Uuid,
    parent_id: Uuid,
    wrapped_key: Vec<u8>,
    encrypted_metadata: Vec<u8>,
    chunk_sizes: Vec<u64>,
    pending: bool,
}

/// Loads an upload started by `user_id`; any other caller gets 404.
async fn load_upload(state: &AppState, user_id: Uuid, version_id: Uuid) -> ApiResult<Upload> {
    let row = sqlx::query(
        "SELECT id, file_id, owner_id, parent_id, wrapped_key, encrypted_metadata, chunk_sizes, state \
         FROM file_versions WHERE id = $1 AND uploader_id = $2",
    )
    .bind(version_id.to_string())
    .bind(user_id.to_string())
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(ApiError::NotFound)?;

    let chunk_sizes: String = row.try_get("chunk_sizes")?;
    let state_text: String = row.try_get("state")?;
    Ok(Upload {
        version_id: db::uuid_column(&row, "id")?,
        file_id: db::uuid_column(&row, "file_id")?,
        owner_id: db::uuid_column(&row, "owner_id")?,
        parent_id: db::uuid_column(&row, "parent_id")?,
        wrapped_key: row.try_get("wrapped_key")?,
        encrypted_metadata: row.try_get("encrypted_metadata")?,
        chunk_sizes: serde_json::from_str(&chunk_sizes).map_err(ApiError::internal)?,
        pending: state_text == "pending",
    })
}

/// Lists the stored chunks of a version as (index, size, object name) in
/// index order.
async fn stored_chunks(state: &AppState, version_id: Uuid) -> ApiResult<Vec<(u32, u64, String)>> {
    let rows = sqlx::query(
        "SELECT chunk_index, size, object_name FROM chunks WHERE version_id = $1 ORDER BY chunk_index",
    )
    .bind(version_id.to_string())
    .fetch_all(state.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                db::u32_column(row, "chunk_index")?,
                db::u64_column(row, "size")?,
                row.try_get("object_name")?,
            ))
        })
        .collect()
}

/// Formats the first [`MISSING_LISTED`] indices, comma-separated, with an
/// ellipsis when there are more.
fn listed_indices(indices: impl Iterator<Item = usize>) -> String {
    let mut indices = indices.peekable();
    let mut listed: Vec<String> = indices
        .by_ref()
        .take(MISSING_LISTED)
        .map(|index| index.to_string())
        .collect();
    if indices.peek().is_some() {
        listed.push("…".to_owned());
    }
    listed.join(", ")
}

fn upload_status(upload: &Upload, received: Vec<u32>) -> UploadStatus {
    UploadStatus {
        file_id: upload.file_id,
        version_id: upload.version_id,
        chunk_sizes: upload.chunk_sizes.clone(),
        received,
    }
}

/// Sum of the ciphertext sizes of every version an account owns, pending
/// uploads included, since their chunks occupy disk too.
pub async fn usage_bytes(state: &AppState, owner_id: Uuid) -> ApiResult<u64> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(ciphertext_size), 0) AS BIGINT) AS used \
         FROM file_versions WHERE owner_id = $1",
    )
    .bind(owner_id.to_string())
    .fetch_one(state.db.pool())
    .await?;
    db::u64_column(&row, "used")
}

#[utoipa::path(post, path = "/api/uploads", tag = "uploads", security(("bearer" = []), ("cookie" = [])), request_body = StartUploadRequest, responses((status = 201, body = UploadStatus), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, description = "Quota exceeded", body = ErrorBody)))]
async fn start(
    State(state): State<AppState>,
    session: Session,
    ApiJson(request): ApiJson<StartUploadRequest>,
) -> ApiResult<(StatusCode, Json<UploadStatus>)> {
    check_node_blobs(
        request.wrapped_key.as_slice(),
        request.encrypted_metadata.as_slice(),
    )?;
    if request.chunk_sizes.is_empty() || request.chunk_sizes.len() > MAX_CHUNKS {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!(
                "chunk_sizes must list 1 to {MAX_CHUNKS} chunks, got {}",
                request.chunk_sizes.len()
            ),
        ));
    }
    if let Some(index) = request
        .chunk_sizes
        .iter()
        .position(|&size| size > gauzian_api::MAX_CHUNK_BODY_SIZE)
    {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!(
                "chunk {index} is declared larger than the maximum chunk size of {} bytes",
                gauzian_api::MAX_CHUNK_BODY_SIZE
            ),
        ));
    }
    let ciphertext_size: u64 = request.chunk_sizes.iter().sum();
    let parent = writable_folder(&state, session.user_id, request.parent_id).await?;

    let quota = state.settings.quota_bytes;
    if quota > 0 {
        let used = usage_bytes(&state, parent.owner_id).await?;
        if used.saturating_add(ciphertext_size) > quota {
            return Err(ApiError::QuotaExceeded {
                used,
                quota,
                requested: ciphertext_size,
            });
        }
    }

    let existing = sqlx::query("SELECT id FROM nodes WHERE id = $1")
        .bind(request.file_id.to_string())
        .fetch_optional(state.db.pool())
        .await?;
    if existing.is_some() {
        return Err(ApiError::conflict(
            "already_exists",
            format!(
                "node id {} is already in use; generate a new file id",
                request.file_id
            ),
        ));
    }

    let chunk_sizes = serde_json::to_string(&request.chunk_sizes).map_err(ApiError::internal)?;
    let inserted = sqlx::query(
        "INSERT INTO file_versions (id, file_id, owner_id, uploader_id, parent_id, wrapped_key, \
         encrypted_metadata, chunk_sizes, chunk_count, ciphertext_size, state, created_at, finalized_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, NULL)",
    )
    .bind(request.version_id.to_string())
    .bind(request.file_id.to_string())
    .bind(parent.owner_id.to_string())
    .bind(session.user_id.to_string())
    .bind(request.parent_id.to_string())
    .bind(request.wrapped_key.as_slice().to_vec())
    .bind(request.encrypted_metadata.as_slice().to_vec())
    .bind(chunk_sizes)
    .bind(i64::try_from(request.chunk_sizes.len()).map_err(ApiError::internal)?)
    .bind(i64::try_from(ciphertext_size).map_err(ApiError::internal)?)
    .bind(now_millis())
    .execute(state.db.pool())
    .await;
    match inserted {
        Err(error) if db::is_unique_violation(&error) => {
            return Err(ApiError::conflict(
                "already_exists",
                format!(
                    "version id {} is already in use; generate a new one",
                    request.version_id
                ),
            ));
        }
        other => other?,
    };
    tracing::info!(
        version_id = %request.version_id,
        file_id = %request.file_id,
        chunks = request.chunk_sizes.len(),
        ciphertext_size,
        "upload started"
    );

    let status = UploadStatus {
        file_id: request.file_id,
        version_id: request.version_id,
        chunk_sizes: request.chunk_sizes,
        received: Vec::new(),
    };
    Ok((StatusCode::CREATED, Json(status)))
}

#[utoipa::path(get, path = "/api/uploads/{version_id}", tag = "uploads", security(("bearer" = []), ("cookie" = [])), params(("version_id" = Uuid, Path, description = "Version id")), responses((status = 200, body = UploadStatus), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn status(
    State(state): State<AppState>,
    session: Session,
    ApiPath(version_id): ApiPath<Uuid>,
) -> ApiResult<Json<UploadStatus>> {
    let upload = load_upload(&state, session.user_id, version_id).await?;
    let received = stored_chunks(&state, version_id)
        .await?
        .into_iter()
        .map(|(index, _, _)| index)
        .collect();
    Ok(Json(upload_status(&upload, received)))
}

fn not_pending(version_id: Uuid) -> ApiError {
    ApiError::conflict(
        "upload_not_pending",
        format!("upload {version_id} is already finalized or aborted"),
    )
}

#[utoipa::path(put, path = "/api/uploads/{version_id}/chunks/{index}", tag = "uploads", security(("bearer" = []), ("cookie" = [])), params(("version_id" = Uuid, Path, description = "Version id"), ("index" = u32, Path, description = "Chunk index from 0")), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "Sealed chunk, at most MAX_CHUNK_BODY_SIZE bytes"), responses((status = 204, description = "Received; re-sending is idempotent. Chunks are flushed to disk at finalize"), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 503, description = "Too many uploads in flight; see Retry-After", body = ErrorBody)))]
async fn put_chunk(
    State(state): State<AppState>,
    session: Session,
    ApiPath((version_id, index)): ApiPath<(Uuid, u32)>,
    _permit: UploadPermit,
    ChunkBody(body): ChunkBody,
) -> ApiResult<StatusCode> {
    let started = Instant::now();
    let upload = load_upload(&state, session.user_id, version_id).await?;
    if !upload.pending {
        return Err(not_pending(version_id));
    }
    let Some(&declared) = upload.chunk_sizes.get(index as usize) else {
        return Err(ApiError::bad_request(
            "chunk_index_out_of_range",
            format!(
                "chunk index {index} is out of range: the upload has {} chunks",
                upload.chunk_sizes.len()
            ),
        ));
    };
    if body.len() as u64 != declared {
        return Err(ApiError::bad_request(
            "chunk_size_mismatch",
            format!(
                "chunk {index} has {} bytes but was declared with {declared}",
                body.len()
            ),
        ));
    }
    // An editor uploading into another owner's tree must still hold the
    // role: revoking the share stops the upload at the next chunk.
    if upload.owner_id != session.user_id {
        writable_folder(&state, session.user_id, upload.parent_id).await?;
    }

    let write_started = Instant::now();
    let size = body.len();
    let stored = state.chunks.write(version_id, index, body).await?;
    state
        .metrics
        .storage_operation("write", write_started.elapsed());

    let mut tx = state.db.begin_write().await?;
    let locked =
        sqlx::query("UPDATE file_versions SET state = state WHERE id = $1 AND state = 'pending'")
            .bind(version_id.to_string())
            .execute(&mut *tx)
            .await?;
    if locked.rows_affected() == 0 {
        drop(tx);
        // The object is this write's own: no row names it.
        state.chunks.remove(version_id, &stored.name).await?;
        return Err(not_pending(version_id));
    }
    let previous: Option<String> =
        sqlx::query("SELECT object_name FROM chunks WHERE version_id = $1 AND chunk_index = $2")
            .bind(version_id.to_string())
            .bind(i64::from(index))
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get("object_name"))
            .transpose()?;
    sqlx::query(
        "INSERT INTO chunks (version_id, chunk_index, size, digest, digest_algorithm, object_name) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (version_id, chunk_index) DO UPDATE SET size = excluded.size, digest = excluded.digest, \
         digest_algorithm = excluded.digest_algorithm, object_name = excluded.object_name",
    )
    .bind(version_id.to_string())
    .bind(i64::from(index))
    .bind(i64::try_from(size).map_err(ApiError::internal)?)
    .bind(stored.digest.bytes.clone())
    .bind(stored.digest.algorithm.as_str())
    .bind(stored.name.clone())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;

    // A re-sent chunk replaces the earlier one, whose object no row names
    // any more: every write has its own object, so removing it cannot touch
    // the bytes of a concurrent or later send of the same index. A failed
    // removal leaves an orphan object but loses nothing.
    if let Some(previous) = previous
        && let Err(error) = state.chunks.remove(version_id, &previous).await
    {
        tracing::warn!(%version_id, index, error = %error, "removing a replaced chunk failed; its object is left behind");
    }
    tracing::debug!(%version_id, index, size = size, "chunk stored");
    state.metrics.chunk_uploaded(size, started);
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/uploads/{version_id}/finalize", tag = "uploads", security(("bearer" = []), ("cookie" = [])), params(("version_id" = Uuid, Path, description = "Version id")), request_body(content = Option<FinalizeUploadRequest>, description = "Optional; replaces the metadata given at start"), responses((status = 200, body = Node), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody), (status = 409, description = "Chunks missing or of the wrong size", body = ErrorBody)))]
async fn finalize(
    State(state): State<AppState>,
    session: Session,
    ApiPath(version_id): ApiPath<Uuid>,
    request: Option<ApiJson<FinalizeUploadRequest>>,
) -> ApiResult<Json<Node>> {
    let upload = load_upload(&state, session.user_id, version_id).await?;
    if !upload.pending {
        // A retried finalize whose first response was lost gets the node.
        let (stored, _) = access::load_node(&state, session.user_id, upload.file_id).await?;
        return Ok(Json(stored.node));
    }
    // The parent may have been removed, or the caller's role on it
    // revoked, since the upload started.
    writable_folder(&state, session.user_id, upload.parent_id).await?;
    let encrypted_metadata = match request.and_then(|ApiJson(request)| request.encrypted_metadata) {
        Some(replacement) => {
            check_metadata(replacement.as_slice())?;
            replacement.0
        }
        None => upload.encrypted_metadata,
    };

    // Chunk writes are not flushed one by one; nothing is reported stored
    // until every chunk of the version is on disk.
    let flushed = stored_chunks(&state, version_id).await?;
    let lost = state.chunks.make_durable(version_id, &flushed).await?;
    if !lost.is_empty() {
        for (index, _, name) in flushed.iter().filter(|(index, ..)| lost.contains(index)) {
            sqlx::query(
                "DELETE FROM chunks WHERE version_id = $1 AND chunk_index = $2 AND object_name = $3",
            )
            .bind(version_id.to_string())
            .bind(i64::from(*index))
            .bind(name.clone())
            .execute(state.db.pool())
            .await?;
        }
        tracing::warn!(%version_id, lost = lost.len(), "chunks lost before they were flushed");
        return Err(ApiError::conflict(
            "upload_incomplete",
            format!(
                "{} chunks never reached the disk (indices {}); upload them and finalize again",
                lost.len(),
                listed_indices(lost.iter().map(|index| *index as usize))
            ),
        ));
    }

    let now = now_millis();
    let mut tx = state.db.begin_write().await?;
    let locked = sqlx::query(
        "UPDATE file_versions SET state = 'final', finalized_at = $2 WHERE id = $1 AND state = 'pending'",
    )
    .bind(version_id.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if locked.rows_affected() == 0 {
        return Err(not_pending(version_id));
    }

    let rows =
        sqlx::query("SELECT chunk_index, size, object_name FROM chunks WHERE version_id = $1")
            .bind(version_id.to_string())
            .fetch_all(&mut *tx)
            .await?;
    let mut stored: Vec<Option<(u64, String)>> = vec![None; upload.chunk_sizes.len()];
    for row in &rows {
        let index = db::u32_column(row, "chunk_index")? as usize;
        if let Some(slot) = stored.get_mut(index) {
            *slot = Some((db::u64_column(row, "size")?, row.try_get("object_name")?));
        }
    }
    let missing: Vec<usize> = stored
        .iter()
        .enumerate()
        .filter(|(index, chunk)| {
            chunk
                .as_ref()
                .is_none_or(|(size, _)| *size != upload.chunk_sizes[*index])
        })
        .map(|(index, _)| index)
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::conflict(
            "upload_incomplete",
            format!(
                "{} of {} chunks are missing or have the wrong size (indices {}); upload them and finalize again",
                missing.len(),
                upload.chunk_sizes.len(),
                listed_indices(missing.iter().copied())
            ),
        ));
    }
    // A chunk re-sent while the others were flushed is in a file that was
    // not flushed: the client finalizes again.
    let replaced = stored.iter().enumerate().find(|(index, chunk)| {
        !flushed.iter().any(|(flushed_index, _, name)| {
            *flushed_index as usize == *index
                && chunk.as_ref().is_some_and(|(_, stored)| stored == name)
        })
    });
    if let Some((index, _)) = replaced {
        return Err(ApiError::conflict(
            "upload_changed",
            format!(
                "chunk {index} was sent again while the upload was being finalized; finalize again"
            ),
        ));
    }

    let inserted = sqlx::query(
        "INSERT INTO nodes (id, owner_id, parent_id, kind, wrapped_key, encrypted_metadata, \
         current_version_id, created_at, updated_at) \
         VALUES ($1, $2, $3, 'file', $4, $5, $6, $7, $7)",
    )
    .bind(upload.file_id.to_string())
    .bind(upload.owner_id.to_string())
    .bind(upload.parent_id.to_string())
    .bind(upload.wrapped_key)
    .bind(encrypted_metadata)
    .bind(version_id.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(error) if db::is_unique_violation(&error) => {
            return Err(ApiError::conflict(
                "already_exists",
                format!(
                    "node id {} is already in use; abort this upload and start again with a new file id",
                    upload.file_id
                ),
            ));
        }
        other => other?,
    };

    let row = sqlx::query(node_query!("WHERE n.id = $1"))
        .bind(upload.file_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    let node = access::stored_node_from_row(&row)?.node;
    tx.commit().await?;
    tracing::info!(%version_id, file_id = %upload.file_id, "upload finalized");

    // The rows are final now: any other object of the version is garbage,
    // including one that a late re-send is still writing.
    let named: HashSet<String> = stored.into_iter().flatten().map(|(_, name)| name).collect();
    match state.chunks.remove_unnamed(version_id, &named).await {
        Ok(0) => {}
        Ok(removed) => {
            tracing::info!(%version_id, removed, "removed chunk objects that no row names")
        }
        Err(error) => {
            tracing::warn!(%version_id, %error, "removing chunk objects that no row names failed; they are left behind")
        }
    }
    state.metrics.upload_finalized();
    Ok(Json(node))
}

#[utoipa::path(delete, path = "/api/uploads/{version_id}", tag = "uploads", security(("bearer" = []), ("cookie" = [])), params(("version_id" = Uuid, Path, description = "Version id")), responses((status = 204, description = "Upload and its chunks deleted"), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn abort(
    State(state): State<AppState>,
    session: Session,
    ApiPath(version_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let upload = load_upload(&state, session.user_id, version_id).await?;
    if !upload.pending {
        return Err(not_pending(version_id));
    }

    let mut tx = state.db.begin_write().await?;
    let deleted = sqlx::query("DELETE FROM file_versions WHERE id = $1 AND state = 'pending'")
        .bind(version_id.to_string())
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(not_pending(version_id));
    }
    sqlx::query("DELETE FROM chunks WHERE version_id = $1")
        .bind(version_id.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;

    state.chunks.remove_version(version_id).await?;
    tracing::info!(%version_id, "upload aborted");
    Ok(StatusCode::NO_CONTENT)
}
