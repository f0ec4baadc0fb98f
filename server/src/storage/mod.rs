//! Chunk store: where the encrypted chunks live, on local disk by default or
//! in an S3-compatible bucket when one is configured.
//!
//! Both backends name a chunk `VERSION_ID/INDEX-SHA256HEX`. Naming a chunk
//! after its digest means a re-sent chunk with other bytes (a client that
//! re-encrypted it with a fresh nonce) gets a new name and never overwrites
//! the bytes a database row points at. Every read is checked against the
//! SHA-256 recorded at upload, whatever the backend.

mod local;
mod s3;

use std::time::Duration;

use axum::body::Bytes;
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::config::Config;
pub use local::LocalChunks;
pub use s3::S3Chunks;

/// A chunk read back from the store.
#[derive(Debug)]
pub enum ReadOutcome {
    /// The bytes match the recorded digest.
    Intact(Bytes),
    /// The chunk is missing or its bytes do not match the recorded digest.
    Corrupted,
}

impl ReadOutcome {
    /// Checks `bytes` against the digest recorded at upload.
    fn checked(bytes: Bytes, sha256: &[u8]) -> Self {
        if sha256_of(&bytes).as_slice() == sha256 {
            Self::Intact(bytes)
        } else {
            Self::Corrupted
        }
    }
}

/// A chunk store operation failed: the disk or the object store is
/// unreachable or rejected it. Requests get 503 and may be retried.
#[derive(Debug, thiserror::Error)]
#[error("chunk store {operation} failed")]
pub struct StoreError {
    operation: &'static str,
    #[source]
    cause: anyhow::Error,
}

impl StoreError {
    fn new(operation: &'static str, cause: impl Into<anyhow::Error>) -> Self {
        Self {
            operation,
            cause: cause.into(),
        }
    }
}

/// Result of a chunk store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// The configured chunk store.
#[derive(Debug, Clone)]
pub enum ChunkStore {
    /// Files under the data directory.
    Local(LocalChunks),
    /// Objects in an S3-compatible bucket.
    S3(S3Chunks),
}

impl ChunkStore {
    /// Opens the store the configuration names: the bucket when `S3_BUCKET`
    /// is set, otherwise `chunks/` under the data directory. Checks that the
    /// bucket responds (creating it when allowed) within `timeout`.
    pub async fn open(config: &Config, timeout: Duration) -> anyhow::Result<Self> {
        match &config.s3_bucket {
            Some(bucket) => Ok(Self::S3(S3Chunks::open(config, bucket, timeout).await?)),
            None => {
                let local = LocalChunks::open(&config.data_dir).await.map_err(|error| {
                    anyhow::anyhow!(
                        "failed to open the chunk store in {}: {error}",
                        config.data_dir.display()
                    )
                })?;
                Ok(Self::Local(local))
            }
        }
    }

    /// Name of the backend, for logs and the readiness report.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Local(_) => "local",
            Self::S3(_) => "s3",
        }
    }

    /// Stores a chunk and returns its SHA-256. On local disk the bytes are
    /// not flushed until [`make_durable`](Self::make_durable).
    pub async fn write(&self, version_id: Uuid, index: u32, bytes: Bytes) -> StoreResult<[u8; 32]> {
        match self {
            Self::Local(local) => local
                .write(version_id, index, bytes)
                .await
                .map_err(|error| StoreError::new("write", error)),
            Self::S3(s3) => s3.write(version_id, index, bytes).await,
        }
    }

    /// Reads a chunk and checks it against the digest recorded at upload.
    pub async fn read(
        &self,
        version_id: Uuid,
        index: u32,
        sha256: &[u8],
    ) -> StoreResult<ReadOutcome> {
        match self {
            Self::Local(local) => local
                .read(version_id, index, sha256)
                .await
                .map_err(|error| StoreError::new("read", error)),
            Self::S3(s3) => s3.read(version_id, index, sha256).await,
        }
    }

    /// Makes the given chunks of a version, as (index, size, SHA-256),
    /// durable. Returns the indices that are missing or have another size:
    /// the client must send them again.
    pub async fn make_durable(
        &self,
        version_id: Uuid,
        chunks: &[(u32, u64, Vec<u8>)],
    ) -> StoreResult<Vec<u32>> {
        match self {
            Self::Local(local) => local
                .make_durable(version_id, chunks)
                .await
                .map_err(|error| StoreError::new("flush", error)),
            Self::S3(s3) => s3.make_durable(version_id, chunks).await,
        }
    }

    /// Deletes one chunk; a missing chunk is not an error.
    pub async fn remove(&self, version_id: Uuid, index: u32, sha256: &[u8]) -> StoreResult<()> {
        match self {
            Self::Local(local) => local
                .remove(version_id, index, sha256)
                .await
                .map_err(|error| StoreError::new("delete", error)),
            Self::S3(s3) => s3.remove(version_id, index, sha256).await,
        }
    }

    /// Deletes every chunk of a version; none is not an error.
    pub async fn remove_version(&self, version_id: Uuid) -> StoreResult<()> {
        match self {
            Self::Local(local) => local
                .remove_version(version_id)
                .await
                .map_err(|error| StoreError::new("delete", error)),
            Self::S3(s3) => s3.remove_version(version_id).await,
        }
    }

    /// Checks that the store accepts a write and a delete.
    pub async fn check_writable(&self) -> StoreResult<()> {
        match self {
            Self::Local(local) => local
                .check_writable()
                .await
                .map_err(|error| StoreError::new("probe", error)),
            Self::S3(s3) => s3.check_writable().await,
        }
    }
}

/// Name of a chunk inside its version's directory or prefix.
fn chunk_name(index: u32, sha256: &[u8]) -> String {
    format!("{index}-{}", hex::encode(sha256))
}

fn sha256_of(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}
