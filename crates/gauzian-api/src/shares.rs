//! Sharing: public-key lookup, shares of files and folders, and their roles.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Bytes, NodeKind};

/// Query of `GET /api/users/public-key`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicKeyQuery {
    /// Email of the account to share with.
    pub email: String,
}

/// An account's public key, to wrap a node key for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPublicKey {
    /// Account id.
    pub user_id: Uuid,
    /// Account email, normalized.
    pub email: String,
    /// RSA public key, SPKI DER.
    pub public_key: Bytes,
    /// First 128 bits of SHA-256 over the SPKI DER, as eight groups of four
    /// uppercase hex digits. Informational only: a client computes the
    /// fingerprint of the key it actually uses, since the server could lie.
    pub fingerprint: String,
}

/// Role a share grants on a node and its subtree. Ownership is never
/// granted through a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShareRole {
    /// Reads the node and its subtree.
    Viewer,
    /// Also adds, renames, moves within the share and moves to the trash.
    Editor,
}

/// Whether the recipient has accepted a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShareStatus {
    /// Offered; grants no access until accepted.
    Pending,
    /// Accepted; grants its role.
    Accepted,
}

/// `POST /api/shares`: shares a node the caller owns.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateShareRequest {
    /// File or folder to share.
    pub node_id: Uuid,
    /// Account to share with, from [`UserPublicKey::user_id`].
    pub recipient_id: Uuid,
    /// Role granted.
    pub role: ShareRole,
    /// Node key wrapped to the recipient's public key (RSA-OAEP).
    pub wrapped_key: Bytes,
}

/// `PATCH /api/shares/{id}`: changes the role of a share.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateShareRequest {
    /// New role.
    pub role: ShareRole,
}

/// A share as its owner and its recipient see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Share {
    /// Share id.
    pub id: Uuid,
    /// Shared node.
    pub node_id: Uuid,
    /// Kind of the shared node.
    pub node_kind: NodeKind,
    /// Owner of the node.
    pub owner_id: Uuid,
    /// Owner's email.
    pub owner_email: String,
    /// Recipient account.
    pub recipient_id: Uuid,
    /// Recipient's email.
    pub recipient_email: String,
    /// Role granted.
    pub role: ShareRole,
    /// Pending or accepted.
    pub status: ShareStatus,
    /// Node key wrapped to the recipient's public key.
    pub wrapped_key: Bytes,
    /// Creation time, Unix milliseconds.
    pub created_at: i64,
}
