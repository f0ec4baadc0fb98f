//! Chunk store: where the encrypted chunks live, on local disk by default or
//! in an S3-compatible bucket when one is configured.
//!
//! Both backends keep a chunk under `VERSION_ID/NAME`, where every write gets
//! a new name, `INDEX-RANDOM`, recorded in the chunk's database row. A write
//! therefore never overwrites or deletes bytes that another row points at,
//! whatever the order in which concurrent or late re-sends of one chunk
//! arrive: the write that loses only ever removes its own object. Chunks
//! stored before migration 0006 keep their earlier name, `INDEX-SHA256HEX`.
//! Every read is checked against the digest recorded at upload, whatever the
//! backend.
//!
//! The digest is BLAKE3, which runs about four times faster than SHA-256 on
//! the machines measured in docs/benchmarks.md. Hashing every received chunk
//! with SHA-256 was half of the server's CPU time in an upload. Chunks stored before the
//! switch keep their SHA-256, and the database names each chunk's algorithm.
//! The clients do not depend on either: they check every chunk's AES-GCM tag.

mod local;
mod s3;

use std::collections::HashSet;
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
    fn checked(bytes: Bytes, digest: &ChunkDigest) -> Self {
        if digest.algorithm.digest(&bytes).as_slice() == digest.bytes.as_slice() {
            Self::Intact(bytes)
        } else {
            Self::Corrupted
        }
    }
}

/// Hash function of a recorded chunk digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// Every chunk stored since migration 0006.
    Blake3,
    /// Chunks stored before migration 0006.
    Sha256,
}

impl DigestAlgorithm {
    /// Name stored in the `chunks.digest_algorithm` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Blake3 => "blake3",
            Self::Sha256 => "sha256",
        }
    }

    /// Reads the `chunks.digest_algorithm` column.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "blake3" => Some(Self::Blake3),
            "sha256" => Some(Self::Sha256),
            _ => None,
        }
    }

    fn digest(self, bytes: &[u8]) -> [u8; 32] {
        match self {
            Self::Blake3 => *blake3::hash(bytes).as_bytes(),
            Self::Sha256 => Sha256::digest(bytes).into(),
        }
    }
}

/// Digest of a chunk's stored bytes, as recorded in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkDigest {
    /// Hash function that produced `bytes`.
    pub algorithm: DigestAlgorithm,
    /// The digest.
    pub bytes: Vec<u8>,
}

impl ChunkDigest {
    /// Digest of newly received bytes, with the current algorithm.
    fn of(bytes: &[u8]) -> Self {
        let algorithm = DigestAlgorithm::Blake3;
        Self {
            algorithm,
            bytes: algorithm.digest(bytes).to_vec(),
        }
    }
}

/// A chunk just written: where it is and what it hashes to.
#[derive(Debug, Clone)]
pub struct StoredChunk {
    /// Object name inside the version, unique to this write.
    pub name: String,
    /// Digest of the bytes written.
    pub digest: ChunkDigest,
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

    /// Stores a chunk under a new name and returns the name and digest. On
    /// local disk the bytes are not flushed until
    /// [`make_durable`](Self::make_durable).
    pub async fn write(
        &self,
        version_id: Uuid,
        index: u32,
        bytes: Bytes,
    ) -> StoreResult<StoredChunk> {
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
        name: &str,
        digest: &ChunkDigest,
    ) -> StoreResult<ReadOutcome> {
        match self {
            Self::Local(local) => local
                .read(version_id, name, digest)
                .await
                .map_err(|error| StoreError::new("read", error)),
            Self::S3(s3) => s3.read(version_id, name, digest).await,
        }
    }

    /// Makes the given chunks of a version, as (index, size, name),
    /// durable. Returns the indices that are missing or have another size:
    /// the client must send them again.
    pub async fn make_durable(
        &self,
        version_id: Uuid,
        chunks: &[(u32, u64, String)],
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
    pub async fn remove(&self, version_id: Uuid, name: &str) -> StoreResult<()> {
        match self {
            Self::Local(local) => local
                .remove(version_id, name)
                .await
                .map_err(|error| StoreError::new("delete", error)),
            Self::S3(s3) => s3.remove(version_id, name).await,
        }
    }

    /// Deletes the objects of a version that `keep` does not name: a chunk
    /// replaced by a re-send whose removal failed, or one written by a
    /// request whose database update failed. Returns how many it deleted.
    pub async fn remove_unnamed(
        &self,
        version_id: Uuid,
        keep: &HashSet<String>,
    ) -> StoreResult<usize> {
        match self {
            Self::Local(local) => local
                .remove_unnamed(version_id, keep.clone())
                .await
                .map_err(|error| StoreError::new("delete", error)),
            Self::S3(s3) => s3.remove_unnamed(version_id, keep).await,
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
/// Returns a new name for a write of chunk `index`.
fn new_chunk_name(index: u32) -> String {
    format!("{index}-{}", Uuid::new_v4().simple())
}
