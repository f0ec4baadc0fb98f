//! Request and response types of the Gauzian HTTP API.
//!
//! The server and every client share these types, so a change to the wire
//! format is a change to this crate. Every key, wrapped key, metadata blob and
//! chunk is opaque here, because this crate, like the server, contains none of
//! the cryptography that produced them.
//!
//! | method | path | body | response |
//! | --- | --- | --- | --- |
//! | POST | `/api/auth/prelogin` | [`PreloginRequest`] | [`PreloginResponse`] |
//! | POST | `/api/auth/register` | [`RegisterRequest`] | 201 [`RegisterResponse`] |
//! | POST | `/api/auth/login` | [`LoginRequest`] | [`LoginResponse`] |
//! | POST | `/api/auth/logout` | | 204 |
//! | GET | `/api/account` | | [`Account`] |
//! | GET | `/api/account/usage` | | [`Usage`] |
//! | POST | `/api/account/password` | [`ChangePasswordRequest`] | 204 |
//! | POST | `/api/auth/recovery/key` | [`RecoveryKeyRequest`] | [`RecoveryKeyResponse`] |
//! | POST | `/api/auth/recovery/reset` | [`ResetPasswordRequest`] | 204 |
//! | POST | `/api/folders` | [`CreateFolderRequest`] | 201 [`Node`] |
//! | GET | `/api/nodes/{id}` | | [`Node`] |
//! | PATCH | `/api/nodes/{id}` | [`UpdateNodeRequest`] | [`Node`] |
//! | POST | `/api/nodes/{id}/move` | [`MoveNodeRequest`] | [`Node`] |
//! | DELETE | `/api/nodes/{id}` (moves it to the trash) | | 204 |
//! | GET | `/api/trash?cursor=&limit=` | | [`NodePage`] |
//! | POST | `/api/trash/{id}/restore` | | [`Node`] |
//! | DELETE | `/api/trash/{id}` (deletes it for good) | | 204 |
//! | DELETE | `/api/trash` (empties the trash) | | 204 |
//! | GET | `/api/users/public-key?email=` | | [`UserPublicKey`] |
//! | POST | `/api/shares` | [`CreateShareRequest`] | 201 [`Share`] |
//! | GET | `/api/shares/incoming` | | `Vec<`[`Share`]`>` |
//! | GET | `/api/shares/outgoing` | | `Vec<`[`Share`]`>` |
//! | POST | `/api/shares/{id}/accept` | | [`Share`] |
//! | PATCH | `/api/shares/{id}` | [`UpdateShareRequest`] | [`Share`] |
//! | DELETE | `/api/shares/{id}` (owner revokes, recipient declines) | | 204 |
//! | GET | `/api/folders/{id}/children?cursor=&limit=` | | [`NodePage`] |
//! | POST | `/api/uploads` | [`StartUploadRequest`] | 201 [`UploadStatus`] |
//! | GET | `/api/uploads/{version_id}` | | [`UploadStatus`] |
//! | PUT | `/api/uploads/{version_id}/chunks/{index}` | raw chunk bytes | 204 |
//! | POST | `/api/uploads/{version_id}/finalize` | optional [`FinalizeUploadRequest`] | [`Node`] |
//! | DELETE | `/api/uploads/{version_id}` | | 204 |
//! | GET | `/api/files/{id}` | | [`FileManifest`] |
//! | GET | `/api/files/{id}/versions/{version_id}/chunks/{index}` | | raw chunk bytes |
//!
//! Operations routes, outside `/api`: `GET /health/live` (200 while the
//! process serves), `GET /health/ready` (200 when the database and the chunk
//! store answer, 503 otherwise) and `GET /metrics` (Prometheus text format).
//!
//! Authenticated routes take `Authorization: Bearer TOKEN` or the session
//! cookie. Every failure has the body [`ErrorBody`].

mod auth;
mod bytes;
mod drive;
mod error;
mod shares;

pub use auth::*;
pub use bytes::Bytes;
pub use drive::*;
pub use error::*;
pub use shares::*;

/// Size of one plaintext chunk: 5 MiB.
pub const CHUNK_PLAINTEXT_SIZE: u64 = 5 * 1024 * 1024;

/// Largest chunk body the server accepts: one plaintext chunk plus a bound on
/// the sealing overhead (version byte, nonce and tag take 29 bytes today).
pub const MAX_CHUNK_BODY_SIZE: u64 = CHUNK_PLAINTEXT_SIZE + 1024;

/// Name of the cookie that carries the session token for browsers.
pub const SESSION_COOKIE: &str = "gauzian_session";
