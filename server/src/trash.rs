//! Trash: listing, restoring, and deleting nodes for good.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, post};
use axum::{Json, Router};
use gauzian_api::{ErrorBody, Node, NodePage, PageQuery};
use uuid::Uuid;

use crate::access::{self, Role};
use crate::auth::session::Session;
use crate::db::{self, Tx};
use crate::drive::{node_page, page_bounds};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, ApiQuery};
use crate::node_query;
use crate::state::AppState;

/// Trash routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/trash", axum::routing::get(list).delete(empty))
        .route("/api/trash/{id}", delete(purge))
        .route("/api/trash/{id}/restore", post(restore))
}

/// Lists the nodes of the caller's own tree that were moved to the trash
/// (not their descendants, which are in the trash with them).
#[utoipa::path(get, path = "/api/trash", tag = "trash", security(("bearer" = []), ("cookie" = [])), params(("cursor" = Option<String>, Query, description = "Cursor from the previous page"), ("limit" = Option<u32>, Query, description = "Page size, 1 to 1000")), responses((status = 200, body = NodePage), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<NodePage>> {
    let (after, limit) = page_bounds(&query)?;
    let rows = sqlx::query(node_query!(
        "WHERE n.owner_id = $1 AND n.trashed_at IS NOT NULL AND n.id > $2 ORDER BY n.id LIMIT $3"
    ))
    .bind(session.user_id.to_string())
    .bind(after)
    .bind(i64::from(limit) + 1)
    .fetch_all(state.db.pool())
    .await?;
    Ok(Json(node_page(&rows, limit)?))
}

/// Loads a node that is itself in the trash and on which the caller has at
/// least `required`; any other node is not found here.
async fn trashed_node(
    state: &AppState,
    user_id: Uuid,
    id: Uuid,
    required: Role,
) -> ApiResult<access::StoredNode> {
    let (node, _) = access::require_role(state, user_id, id, required).await?;
    if node.trashed_at.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(node)
}

#[utoipa::path(post, path = "/api/trash/{id}/restore", tag = "trash", security(("bearer" = []), ("cookie" = [])), params(("id" = Uuid, Path, description = "Node id")), responses((status = 200, body = Node), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn restore(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Node>> {
    trashed_node(&state, session.user_id, id, Role::Editor).await?;
    sqlx::query("UPDATE nodes SET trashed_at = NULL WHERE id = $1")
        .bind(id.to_string())
        .execute(state.db.pool())
        .await?;
    tracing::info!(node_id = %id, "node restored from the trash");

    let (stored, _) = access::load_node(&state, session.user_id, id).await?;
    Ok(Json(stored.node))
}

#[utoipa::path(delete, path = "/api/trash/{id}", tag = "trash", security(("bearer" = []), ("cookie" = [])), params(("id" = Uuid, Path, description = "Node id")), responses((status = 204, description = "Deleted for good with its subtree"), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn purge(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    trashed_node(&state, session.user_id, id, Role::Owner).await?;

    let mut tx = state.db.begin_write().await?;
    let versions = delete_subtree(&mut tx, id).await?;
    tx.commit().await?;
    remove_chunks(&state, &versions).await;
    tracing::info!(node_id = %id, versions = versions.len(), "node deleted for good");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/trash", tag = "trash", security(("bearer" = []), ("cookie" = [])), responses((status = 204, description = "Trash emptied"), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody)))]
async fn empty(State(state): State<AppState>, session: Session) -> ApiResult<StatusCode> {
    let rows = sqlx::query("SELECT id FROM nodes WHERE owner_id = $1 AND trashed_at IS NOT NULL")
        .bind(session.user_id.to_string())
        .fetch_all(state.db.pool())
        .await?;

    let mut tx = state.db.begin_write().await?;
    let mut versions = Vec::new();
    for row in &rows {
        let id = db::uuid_column(row, "id")?;
        versions.extend(delete_subtree(&mut tx, id).await?);
    }
    tx.commit().await?;
    remove_chunks(&state, &versions).await;
    tracing::info!(user_id = %session.user_id, nodes = rows.len(), versions = versions.len(), "trash emptied");
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a node, its subtree, their file versions (pending uploads into
/// the subtree too) and their chunk rows. Returns the deleted version ids,
/// whose chunk files the caller removes after the commit.
async fn delete_subtree(tx: &mut Tx, id: Uuid) -> ApiResult<Vec<Uuid>> {
    let rows = sqlx::query(
        "WITH RECURSIVE subtree(id) AS ( \
             SELECT id FROM nodes WHERE id = $1 \
             UNION ALL \
             SELECT n.id FROM nodes n JOIN subtree s ON n.parent_id = s.id) \
         SELECT v.id FROM file_versions v \
         WHERE v.file_id IN (SELECT id FROM subtree) OR v.parent_id IN (SELECT id FROM subtree)",
    )
    .bind(id.to_string())
    .fetch_all(&mut **tx)
    .await?;
    let versions = rows
        .iter()
        .map(|row| db::uuid_column(row, "id"))
        .collect::<ApiResult<Vec<_>>>()?;

    for version_id in &versions {
        sqlx::query("DELETE FROM chunks WHERE version_id = $1")
            .bind(version_id.to_string())
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM file_versions WHERE id = $1")
            .bind(version_id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "WITH RECURSIVE subtree(id) AS ( \
             SELECT id FROM nodes WHERE id = $1 \
             UNION ALL \
             SELECT n.id FROM nodes n JOIN subtree s ON n.parent_id = s.id) \
         DELETE FROM nodes WHERE id IN (SELECT id FROM subtree)",
    )
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(versions)
}

/// Removes the chunk files of deleted versions. A failure leaves orphaned
/// files but no dangling database row, so it is logged, not returned.
async fn remove_chunks(state: &AppState, versions: &[Uuid]) {
    for version_id in versions {
        if let Err(error) = state.chunks.remove_version(*version_id).await {
            tracing::error!(%version_id, %error, "failed to remove the chunk files of a deleted version");
        }
    }
}
