//! Roles on nodes. Every route that takes a node id resolves the
//! caller's role here. A node the caller has no role on is reported exactly
//! like a node that does not exist.

use gauzian_api::{Bytes, FileVersion, Node, NodeKind};
use sqlx::Row as _;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A caller's role on a node, from least to most powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads the node and its subtree.
    Viewer,
    /// Also adds, renames, moves within the share and deletes to trash.
    Editor,
    /// Owns the tree: everything, including sharing and purging.
    Owner,
}

/// A node as stored, with what access checks need beyond the wire type.
#[derive(Debug, Clone)]
pub struct StoredNode {
    /// The node as clients see it.
    pub node: Node,
    /// Owner of the tree the node belongs to.
    pub owner_id: Uuid,
    /// When the node itself was moved to the trash, Unix milliseconds.
    pub trashed_at: Option<i64>,
}

/// Builds, at compile time, a query selecting the node columns that
/// [`stored_node_from_row`] decodes, followed by the given clauses. Nodes are
/// aliased `n`, their current file version `v`.
#[macro_export]
macro_rules! node_query {
    ($clauses:literal) => {
        concat!(
            "SELECT n.id, n.owner_id, n.parent_id, n.kind, n.wrapped_key, ",
            "n.encrypted_metadata, n.created_at, n.updated_at, n.current_version_id, n.trashed_at, ",
            "v.chunk_count, v.ciphertext_size ",
            "FROM nodes n LEFT JOIN file_versions v ON v.id = n.current_version_id ",
            $clauses
        )
    };
}

/// Decodes a row selected with [`node_query!`].
pub fn stored_node_from_row(row: &AnyRow) -> ApiResult<StoredNode> {
    let kind = match row.try_get::<String, _>("kind")?.as_str() {
        "folder" => NodeKind::Folder,
        "file" => NodeKind::File,
        other => {
            return Err(ApiError::internal(anyhow::anyhow!(
                "nodes.kind contains the invalid value {other:?}"
            )));
        }
    };

    let file = match db::optional_uuid_column(row, "current_version_id")? {
        Some(version_id) => Some(FileVersion {
            version_id,
            chunk_count: db::u32_column(row, "chunk_count")?,
            ciphertext_size: db::u64_column(row, "ciphertext_size")?,
        }),
        None => None,
    };

    Ok(StoredNode {
        node: Node {
            id: db::uuid_column(row, "id")?,
            parent_id: db::optional_uuid_column(row, "parent_id")?,
            kind,
            wrapped_key: Bytes(row.try_get("wrapped_key")?),
            encrypted_metadata: Bytes(row.try_get("encrypted_metadata")?),
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            file,
        },
        owner_id: db::uuid_column(row, "owner_id")?,
        trashed_at: row.try_get("trashed_at")?,
    })
}

/// Loads a node and the caller's role on it, or [`ApiError::NotFound`] when
/// the node does not exist or the caller has no role on it.
pub async fn load_node(
    state: &AppState,
    user_id: Uuid,
    node_id: Uuid,
) -> ApiResult<(StoredNode, Role)> {
    let row = sqlx::query(node_query!("WHERE n.id = $1"))
        .bind(node_id.to_string())
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(ApiError::NotFound)?;
    let stored = stored_node_from_row(&row)?;

    if stored.owner_id == user_id {
        return Ok((stored, Role::Owner));
    }

    // An accepted share of the node or of any ancestor grants its role; with
    // several, the strongest applies.
    let rows = sqlx::query(
        "WITH RECURSIVE ancestors(id, parent_id) AS ( \
             SELECT id, parent_id FROM nodes WHERE id = $1 \
             UNION ALL \
             SELECT n.id, n.parent_id FROM nodes n JOIN ancestors a ON n.id = a.parent_id) \
         SELECT s.role FROM shares s JOIN ancestors a ON s.node_id = a.id \
         WHERE s.recipient_id = $2 AND s.status = 'accepted'",
    )
    .bind(node_id.to_string())
    .bind(user_id.to_string())
    .fetch_all(state.db.pool())
    .await?;
    let mut best = None;
    for row in &rows {
        let role = match row.try_get::<String, _>("role")?.as_str() {
            "editor" => Role::Editor,
            _ => Role::Viewer,
        };
        best = best.max(Some(role));
    }
    best.map(|role| (stored, role)).ok_or(ApiError::NotFound)
}

/// Loads a node on which the caller has at least `required`. A caller who
/// can see the node but lacks the role gets 403; one who cannot see it, 404.
pub async fn require_role(
    state: &AppState,
    user_id: Uuid,
    node_id: Uuid,
    required: Role,
) -> ApiResult<(StoredNode, Role)> {
    let (stored, role) = load_node(state, user_id, node_id).await?;
    if role < required {
        return Err(ApiError::Forbidden(format!(
            "this operation needs the {required:?} role on node {node_id}; you have {role:?}"
        )));
    }
    Ok((stored, role))
}
