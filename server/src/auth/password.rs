//! Argon2id hashing of the authentication keys that clients derive from a
//! password or a recovery key. The work runs on tokio's blocking pool so that
//! it does not stall other requests.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

use crate::error::ApiError;

/// Hashes an authentication key into an Argon2id PHC string with a random
/// salt and the crate's default parameters (19 MiB, 2 passes, 1 lane, the
/// OWASP baseline).
pub async fn hash_key(key: Vec<u8>) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_key_blocking(&key))
        .await
        .map_err(ApiError::internal)?
}

/// Blocking form of [`hash_key`].
pub fn hash_key_blocking(key: &[u8]) -> Result<String, ApiError> {
    let hash: PasswordHash = Argon2::default()
        .hash_password(key)
        .map_err(|error| ApiError::internal(anyhow::anyhow!("Argon2id hashing failed: {error}")))?;
    Ok(hash.to_string())
}

/// Checks an authentication key against a stored PHC string. Takes the same
/// time whether or not the key matches.
pub async fn verify_key(key: Vec<u8>, stored_hash: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored_hash).map_err(|error| {
            ApiError::internal(anyhow::anyhow!(
                "stored Argon2id hash is malformed: {error}"
            ))
        })?;
        Ok(Argon2::default().verify_password(&key, &parsed).is_ok())
    })
    .await
    .map_err(ApiError::internal)?
}
