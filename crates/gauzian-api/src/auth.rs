//! Accounts: pre-login, registration, login and the account's key material.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Bytes;

/// Password-based key derivation function of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum KdfAlgorithm {
    /// PBKDF2-HMAC-SHA256 over the NFC-normalized password.
    #[serde(rename = "pbkdf2-sha256")]
    Pbkdf2Sha256,
}

/// Parameters a client needs to derive an account's keys from its password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KdfParams {
    /// Derivation function.
    pub algorithm: KdfAlgorithm,
    /// Iteration count; at least 100,000.
    pub iterations: u32,
    /// 16-byte random salt.
    pub salt: Bytes,
}

/// `POST /api/auth/prelogin`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreloginRequest {
    /// Account email.
    pub email: String,
}

/// Derivation parameters for an email. An unknown email gets stable,
/// plausible parameters, so the response does not reveal whether an account
/// exists.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreloginResponse {
    /// Parameters to derive the authentication key with.
    pub kdf: KdfParams,
}

/// The root folder created together with an account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewRootFolder {
    /// Client-generated folder id.
    pub id: Uuid,
    /// Folder key wrapped under the record key.
    pub wrapped_key: Bytes,
    /// Folder metadata sealed under the folder key.
    pub encrypted_metadata: Bytes,
}

/// `POST /api/auth/register`.
///
/// The server stores an Argon2id hash of `auth_key` and of
/// `recovery_auth_key`; every other field is opaque ciphertext or a public key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    /// Account email, unique per server.
    pub email: String,
    /// Parameters the client derived its keys with.
    pub kdf: KdfParams,
    /// Authentication key derived from the password (32 bytes).
    pub auth_key: Bytes,
    /// RSA public key, SPKI DER.
    pub public_key: Bytes,
    /// Private key wrapped under the password key-encryption key.
    pub wrapped_private_key: Bytes,
    /// Private key wrapped under the recovery key-encryption key.
    pub recovery_wrapped_private_key: Bytes,
    /// Authentication key derived from the recovery key (32 bytes).
    pub recovery_auth_key: Bytes,
    /// Record key wrapped to the account's public key (RSA-OAEP).
    pub wrapped_record_key: Bytes,
    /// The account's root folder.
    pub root_folder: NewRootFolder,
}

/// Response to a successful registration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterResponse {
    /// Server-assigned account id.
    pub user_id: Uuid,
}

/// `POST /api/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// Account email.
    pub email: String,
    /// Authentication key derived from the password.
    pub auth_key: Bytes,
}

/// A session token and the account it opens.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Bearer token (an HS256 JWT). Also set as the session cookie.
    pub token: String,
    /// Expiry as Unix seconds.
    pub expires_at: i64,
    /// The account's keys and root folder.
    pub account: Account,
}

/// `GET /api/account`: what a client needs to open the drive.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    /// Account id.
    pub user_id: Uuid,
    /// Account email.
    pub email: String,
    /// Key derivation parameters.
    pub kdf: KdfParams,
    /// RSA public key, SPKI DER.
    pub public_key: Bytes,
    /// Private key wrapped under the password key-encryption key.
    pub wrapped_private_key: Bytes,
    /// Record key wrapped to the public key.
    pub wrapped_record_key: Bytes,
    /// Id of the root folder.
    pub root_folder_id: Uuid,
}

/// `GET /api/account/usage`: storage used by the account's tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Usage {
    /// Ciphertext bytes of every file version the account owns, pending
    /// uploads included.
    pub used_bytes: u64,
    /// Storage quota in bytes; `None` when the server sets no quota.
    pub quota_bytes: Option<u64>,
}

/// `POST /api/account/password`: replaces the password-derived keys. The
/// client proves the current password and re-wraps the private key; no file
/// is re-encrypted. Every session of the account ends, this one included.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    /// Authentication key derived from the current password.
    pub current_auth_key: Bytes,
    /// Authentication key derived from the new password (32 bytes).
    pub new_auth_key: Bytes,
    /// Parameters the new keys were derived with.
    pub kdf: KdfParams,
    /// Private key wrapped under the new password key-encryption key.
    pub wrapped_private_key: Bytes,
}

/// `POST /api/auth/recovery/key`: fetches the recovery wrapping of the
/// private key, for a user who forgot the password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryKeyRequest {
    /// Account email.
    pub email: String,
    /// Authentication key derived from the recovery key.
    pub recovery_auth_key: Bytes,
}

/// The private key wrapped under the recovery key-encryption key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryKeyResponse {
    /// Private key wrapped under the recovery key-encryption key.
    pub recovery_wrapped_private_key: Bytes,
    /// RSA public key, SPKI DER, to check the unwrapped private key against.
    pub public_key: Bytes,
}

/// `POST /api/auth/recovery/reset`: sets a new password with the recovery
/// key. Every session of the account ends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetPasswordRequest {
    /// Account email.
    pub email: String,
    /// Authentication key derived from the recovery key.
    pub recovery_auth_key: Bytes,
    /// Authentication key derived from the new password (32 bytes).
    pub new_auth_key: Bytes,
    /// Parameters the new keys were derived with.
    pub kdf: KdfParams,
    /// Private key wrapped under the new password key-encryption key.
    pub wrapped_private_key: Bytes,
}
