//! Drive tree: folders, nodes and paged folder listings.

use std::str::FromStr;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use gauzian_api::{
    CreateFolderRequest, ErrorBody, MoveNodeRequest, Node, NodeKind, NodePage, PageQuery,
    UpdateNodeRequest,
};
use uuid::Uuid;

use crate::access::{self, Role, StoredNode};
use crate::auth::MAX_METADATA_LEN;
use crate::auth::session::Session;
use crate::db::{self, now_millis};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::node_query;
use crate::state::AppState;

/// Page size when the client names none.
const DEFAULT_PAGE_SIZE: u32 = 100;
/// Largest page size served.
const MAX_PAGE_SIZE: u32 = 1000;
/// Upper bound on a wrapped node key.
pub const MAX_NODE_KEY_LEN: usize = 1024;

/// Routes of folders and nodes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/folders", post(create_folder))
        .route(
            "/api/nodes/{id}",
            get(node).patch(rename).delete(trash_node),
        )
        .route("/api/nodes/{id}/move", post(move_node))
        .route("/api/folders/{id}/children", get(children))
}

/// Checks the sizes of a node's wrapped key and metadata.
pub fn check_node_blobs(wrapped_key: &[u8], encrypted_metadata: &[u8]) -> ApiResult<()> {
    check_wrapped_key(wrapped_key)?;
    check_metadata(encrypted_metadata)
}

/// Checks that a wrapped node key is 1 to [`MAX_NODE_KEY_LEN`] bytes.
pub fn check_wrapped_key(wrapped_key: &[u8]) -> ApiResult<()> {
    if wrapped_key.is_empty() || wrapped_key.len() > MAX_NODE_KEY_LEN {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!(
                "wrapped_key must be 1 to {MAX_NODE_KEY_LEN} bytes, got {}",
                wrapped_key.len()
            ),
        ));
    }
    Ok(())
}

/// Checks that a metadata blob is 1 to [`MAX_METADATA_LEN`] bytes.
pub fn check_metadata(encrypted_metadata: &[u8]) -> ApiResult<()> {
    if encrypted_metadata.is_empty() || encrypted_metadata.len() > MAX_METADATA_LEN {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!(
                "encrypted_metadata must be 1 to {MAX_METADATA_LEN} bytes, got {}",
                encrypted_metadata.len()
            ),
        ));
    }
    Ok(())
}

/// Loads a folder the caller may add to (editor or owner).
pub async fn writable_folder(
    state: &AppState,
    user_id: Uuid,
    folder_id: Uuid,
) -> ApiResult<StoredNode> {
    let (folder, _) = access::require_role(state, user_id, folder_id, Role::Editor).await?;
    if folder.node.kind != NodeKind::Folder {
        return Err(ApiError::bad_request(
            "not_a_folder",
            format!("node {folder_id} is a file; the parent must be a folder"),
        ));
    }
    Ok(folder)
}

#[utoipa::path(post, path = "/api/folders", tag = "drive", security(("bearer" = []), ("cookie" = [])), request_body = CreateFolderRequest, responses((status = 201, body = Node), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_folder(
    State(state): State<AppState>,
    session: Session,
    ApiJson(request): ApiJson<CreateFolderRequest>,
) -> ApiResult<(StatusCode, Json<Node>)> {
    check_node_blobs(
        request.wrapped_key.as_slice(),
        request.encrypted_metadata.as_slice(),
    )?;
    let parent = writable_folder(&state, session.user_id, request.parent_id).await?;

    let now = now_millis();
    let inserted = sqlx::query(
        "INSERT INTO nodes (id, owner_id, parent_id, kind, wrapped_key, encrypted_metadata, \
         current_version_id, created_at, updated_at) \
         VALUES ($1, $2, $3, 'folder', $4, $5, NULL, $6, $6)",
    )
    .bind(request.id.to_string())
    .bind(parent.owner_id.to_string())
    .bind(request.parent_id.to_string())
    .bind(request.wrapped_key.as_slice().to_vec())
    .bind(request.encrypted_metadata.as_slice().to_vec())
    .bind(now)
    .execute(state.db.pool())
    .await;
    match inserted {
        Err(error) if db::is_unique_violation(&error) => {
            return Err(ApiError::conflict(
                "already_exists",
                format!(
                    "node id {} is already in use; generate a new id",
                    request.id
                ),
            ));
        }
        other => other?,
    };
    tracing::info!(node_id = %request.id, parent_id = %request.parent_id, "folder created");

    let node = Node {
        id: request.id,
        parent_id: Some(request.parent_id),
        kind: NodeKind::Folder,
        wrapped_key: request.wrapped_key,
        encrypted_metadata: request.encrypted_metadata,
        created_at: now,
        updated_at: now,
        file: None,
    };
    Ok((StatusCode::CREATED, Json(node)))
}

#[utoipa::path(get, path = "/api/nodes/{id}", tag = "drive", security(("bearer" = []), ("cookie" = [])), params(("id" = Uuid, Path, description = "Node id")), responses((status = 200, body = Node), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn node(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Node>> {
    let (stored, _) = access::load_node(&state, session.user_id, id).await?;
    Ok(Json(stored.node))
}

#[utoipa::path(patch, path = "/api/nodes/{id}", tag = "drive", security(("bearer" = []), ("cookie" = [])), params(("id" = Uuid, Path, description = "Node id")), request_body = UpdateNodeRequest, responses((status = 200, body = Node), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn rename(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<UpdateNodeRequest>,
) -> ApiResult<Json<Node>> {
    check_metadata(request.encrypted_metadata.as_slice())?;
    access::require_role(&state, session.user_id, id, Role::Editor).await?;

    sqlx::query("UPDATE nodes SET encrypted_metadata = $2, updated_at = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(request.encrypted_metadata.into_vec())
        .bind(now_millis())
        .execute(state.db.pool())
        .await?;
    tracing::info!(node_id = %id, "node metadata replaced");

    let (stored, _) = access::load_node(&state, session.user_id, id).await?;
    Ok(Json(stored.node))
}

#[utoipa::path(post, path = "/api/nodes/{id}/move", tag = "drive", security(("bearer" = []), ("cookie" = [])), params(("id" = Uuid, Path, description = "Node id")), request_body = MoveNodeRequest, responses((status = 200, body = Node), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn move_node(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<MoveNodeRequest>,
) -> ApiResult<Json<Node>> {
    check_wrapped_key(request.wrapped_key.as_slice())?;
    let (node, _) = access::require_role(&state, session.user_id, id, Role::Editor).await?;
    if node.node.parent_id.is_none() {
        return Err(ApiError::bad_request(
            "invalid_move",
            "a root folder cannot be moved",
        ));
    }
    let parent = writable_folder(&state, session.user_id, request.parent_id).await?;
    if parent.owner_id != node.owner_id {
        return Err(ApiError::bad_request(
            "invalid_move",
            "a node can only move within the tree of its owner",
        ));
    }

    // A folder cannot move into itself or below itself: that would cut the
    // subtree off from the root.
    let mut tx = state.db.begin_write().await?;
    let cycle = sqlx::query(
        "WITH RECURSIVE ancestors(id, parent_id) AS ( \
             SELECT id, parent_id FROM nodes WHERE id = $1 \
             UNION ALL \
             SELECT n.id, n.parent_id FROM nodes n JOIN ancestors a ON n.id = a.parent_id) \
         SELECT id FROM ancestors WHERE id = $2",
    )
    .bind(request.parent_id.to_string())
    .bind(id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    if cycle.is_some() {
        return Err(ApiError::bad_request(
            "invalid_move",
            format!("folder {id} cannot move into itself or one of its subfolders"),
        ));
    }
    sqlx::query("UPDATE nodes SET parent_id = $2, wrapped_key = $3, updated_at = $4 WHERE id = $1")
        .bind(id.to_string())
        .bind(request.parent_id.to_string())
        .bind(request.wrapped_key.into_vec())
        .bind(now_millis())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(node_id = %id, parent_id = %request.parent_id, "node moved");

    let (stored, _) = access::load_node(&state, session.user_id, id).await?;
    Ok(Json(stored.node))
}

#[utoipa::path(delete, path = "/api/nodes/{id}", tag = "drive", security(("bearer" = []), ("cookie" = [])), params(("id" = Uuid, Path, description = "Node id")), responses((status = 204, description = "Moved to the trash"), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn trash_node(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let (node, _) = access::require_role(&state, session.user_id, id, Role::Editor).await?;
    if node.node.parent_id.is_none() {
        return Err(ApiError::bad_request(
            "invalid_request",
            "a root folder cannot be trashed",
        ));
    }
    sqlx::query("UPDATE nodes SET trashed_at = $2 WHERE id = $1 AND trashed_at IS NULL")
        .bind(id.to_string())
        .bind(now_millis())
        .execute(state.db.pool())
        .await?;
    tracing::info!(node_id = %id, "node moved to the trash");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/folders/{id}/children", tag = "drive", security(("bearer" = []), ("cookie" = [])), params(("id" = Uuid, Path, description = "Folder id"), ("cursor" = Option<String>, Query, description = "Cursor from the previous page"), ("limit" = Option<u32>, Query, description = "Page size, 1 to 1000")), responses((status = 200, body = NodePage), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn children(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<NodePage>> {
    let (folder, _) = access::load_node(&state, session.user_id, id).await?;
    if folder.node.kind != NodeKind::Folder {
        return Err(ApiError::bad_request(
            "not_a_folder",
            format!("node {id} is a file and has no children"),
        ));
    }

    let (after, limit) = page_bounds(&query)?;

    // One row more than the page is fetched, which shows whether another
    // page follows.
    let rows = sqlx::query(node_query!(
        "WHERE n.parent_id = $1 AND n.trashed_at IS NULL AND n.id > $2 ORDER BY n.id LIMIT $3"
    ))
    .bind(id.to_string())
    .bind(after)
    .bind(i64::from(limit) + 1)
    .fetch_all(state.db.pool())
    .await?;

    Ok(Json(node_page(&rows, limit)?))
}

/// Reads the cursor and page size of a paged listing, returning the id to
/// list after and the page size.
pub fn page_bounds(query: &PageQuery) -> ApiResult<(String, u32)> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if limit == 0 || limit > MAX_PAGE_SIZE {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!("limit must be 1 to {MAX_PAGE_SIZE}, got {limit}"),
        ));
    }
    // Listings are in id order, and the cursor is the id of the last item of
    // the previous page, so the next page starts after it.
    let after = match query.cursor.as_deref() {
        None | Some("") => String::new(),
        Some(cursor) => Uuid::from_str(cursor)
            .map_err(|_| {
                ApiError::bad_request("invalid_cursor", "cursor is not one this server issued")
            })?
            .to_string(),
    };

    Ok((after, limit))
}

/// Builds a page from rows fetched with one row more than `limit`, which
/// shows whether another page follows.
pub fn node_page(rows: &[sqlx::any::AnyRow], limit: u32) -> ApiResult<NodePage> {
    let mut items = rows
        .iter()
        .map(|row| access::stored_node_from_row(row).map(|stored| stored.node))
        .collect::<ApiResult<Vec<_>>>()?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|node| node.id.to_string())
    } else {
        None
    };
    Ok(NodePage { items, next_cursor })
}
