//! Drive: folders, files, chunked uploads and downloads.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Bytes;

/// Kind of a node in the drive tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A folder.
    Folder,
    /// A file.
    File,
}

/// The finalized content of a file node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileVersion {
    /// Client-generated version id, bound into every chunk.
    pub version_id: Uuid,
    /// Number of chunks.
    pub chunk_count: u32,
    /// Sum of the chunk ciphertext sizes in bytes.
    pub ciphertext_size: u64,
}

/// A folder or file as the server stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Node {
    /// Client-generated node id.
    pub id: Uuid,
    /// Parent folder; `None` only for a root folder.
    pub parent_id: Option<Uuid>,
    /// Folder or file.
    pub kind: NodeKind,
    /// Node key wrapped under the parent folder's key (under the record key
    /// for a root folder).
    pub wrapped_key: Bytes,
    /// Metadata sealed under the node key.
    pub encrypted_metadata: Bytes,
    /// Creation time, Unix milliseconds.
    pub created_at: i64,
    /// Last change time, Unix milliseconds.
    pub updated_at: i64,
    /// Current content of a file; `None` for folders.
    pub file: Option<FileVersion>,
}

/// `POST /api/folders`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateFolderRequest {
    /// Client-generated folder id.
    pub id: Uuid,
    /// Parent folder.
    pub parent_id: Uuid,
    /// Folder key wrapped under the parent folder's key.
    pub wrapped_key: Bytes,
    /// Metadata sealed under the folder key.
    pub encrypted_metadata: Bytes,
}

/// Query of `GET /api/folders/{id}/children`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageQuery {
    /// Opaque cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size; the server caps it.
    pub limit: Option<u32>,
}

/// One page of a folder's children.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NodePage {
    /// Children on this page.
    pub items: Vec<Node>,
    /// Cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// `POST /api/uploads`: starts the upload of a new file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartUploadRequest {
    /// Client-generated file id.
    pub file_id: Uuid,
    /// Client-generated version id.
    pub version_id: Uuid,
    /// Folder that receives the file.
    pub parent_id: Uuid,
    /// File key wrapped under the parent folder's key.
    pub wrapped_key: Bytes,
    /// Metadata sealed under the file key.
    pub encrypted_metadata: Bytes,
    /// Ciphertext size of each chunk, in order. At least one chunk.
    pub chunk_sizes: Vec<u64>,
}

/// `POST /api/uploads/{version_id}/finalize`, optional body: metadata that
/// replaces the one given at start. A client that streams a file once seals
/// its digest here, after the last chunk, instead of reading it twice.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FinalizeUploadRequest {
    /// New metadata sealed under the file key, or none to keep the one
    /// given at start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted_metadata: Option<Bytes>,
}

/// State of an upload, so that a client can resume it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadStatus {
    /// File being uploaded.
    pub file_id: Uuid,
    /// Version being uploaded.
    pub version_id: Uuid,
    /// Declared ciphertext size of each chunk.
    pub chunk_sizes: Vec<u64>,
    /// Indices of the chunks the server has stored, ascending.
    pub received: Vec<u32>,
}

/// One stored chunk of a file version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChunkInfo {
    /// Position in the file, from 0.
    pub index: u32,
    /// Ciphertext size in bytes.
    pub size: u64,
}

/// `GET /api/files/{id}`: what a client needs to download a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileManifest {
    /// The file node.
    pub node: Node,
    /// Version the chunks belong to.
    pub version_id: Uuid,
    /// Chunks in order.
    pub chunks: Vec<ChunkInfo>,
}

/// `PATCH /api/nodes/{id}`: renames a node by replacing its metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateNodeRequest {
    /// New metadata sealed under the node key.
    pub encrypted_metadata: Bytes,
}

/// `POST /api/nodes/{id}/move`: moves a node under another folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoveNodeRequest {
    /// New parent folder.
    pub parent_id: Uuid,
    /// Node key re-wrapped under the new parent folder's key.
    pub wrapped_key: Bytes,
}
