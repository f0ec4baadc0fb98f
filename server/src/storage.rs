//! Chunk store: encrypted chunks as files under the data directory.
//!
//! Layout: `chunks/VERSION_ID/INDEX-SHA256HEX`. Naming a file after its
//! digest means a re-sent chunk with other bytes (a client that re-encrypted
//! it with a fresh nonce) lands in a new file and never overwrites the bytes
//! a database row points at. Writes go to `chunks/.tmp` first and are renamed
//! into place, so a crash never leaves a partial chunk under its final name.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;
use uuid::Uuid;

/// A chunk read back from the store.
#[derive(Debug)]
pub enum ReadOutcome {
    /// The bytes match the recorded digest.
    Intact(Vec<u8>),
    /// The file is missing or its bytes do not match the recorded digest.
    Corrupted,
}

/// Directory of chunk files.
#[derive(Debug, Clone)]
pub struct ChunkStore {
    root: PathBuf,
}

impl ChunkStore {
    /// Opens (and creates) the chunk directory under `data_dir`.
    pub async fn open(data_dir: &Path) -> std::io::Result<Self> {
        let root = data_dir.join("chunks");
        tokio::fs::create_dir_all(root.join(".tmp")).await?;
        Ok(Self { root })
    }

    fn version_dir(&self, version_id: Uuid) -> PathBuf {
        self.root.join(version_id.to_string())
    }

    fn chunk_path(&self, version_id: Uuid, index: u32, sha256: &[u8]) -> PathBuf {
        self.version_dir(version_id)
            .join(format!("{index}-{}", hex::encode(sha256)))
    }

    /// Writes a chunk durably and returns its SHA-256.
    pub async fn write(
        &self,
        version_id: Uuid,
        index: u32,
        bytes: &[u8],
    ) -> std::io::Result<[u8; 32]> {
        let sha256: [u8; 32] = Sha256::digest(bytes).into();

        let temp_path = self.root.join(".tmp").join(Uuid::new_v4().to_string());
        let mut file = tokio::fs::File::create(&temp_path).await?;
        let written = async {
            file.write_all(bytes).await?;
            file.sync_all().await
        }
        .await;
        if let Err(error) = written {
            remove_quietly(&temp_path).await;
            return Err(error);
        }
        drop(file);

        tokio::fs::create_dir_all(self.version_dir(version_id)).await?;
        let final_path = self.chunk_path(version_id, index, &sha256);
        if let Err(error) = tokio::fs::rename(&temp_path, &final_path).await {
            remove_quietly(&temp_path).await;
            return Err(error);
        }
        Ok(sha256)
    }

    /// Reads a chunk and checks it against the digest recorded at upload.
    pub async fn read(
        &self,
        version_id: Uuid,
        index: u32,
        sha256: &[u8],
    ) -> std::io::Result<ReadOutcome> {
        let path = self.chunk_path(version_id, index, sha256);
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(ReadOutcome::Corrupted),
            Err(error) => return Err(error),
        };
        if Sha256::digest(&bytes).as_slice() != sha256 {
            return Ok(ReadOutcome::Corrupted);
        }
        Ok(ReadOutcome::Intact(bytes))
    }

    /// Returns true when the chunk file exists.
    pub async fn exists(
        &self,
        version_id: Uuid,
        index: u32,
        sha256: &[u8],
    ) -> std::io::Result<bool> {
        tokio::fs::try_exists(self.chunk_path(version_id, index, sha256)).await
    }

    /// Deletes one chunk file; a missing file is not an error.
    pub async fn remove(&self, version_id: Uuid, index: u32, sha256: &[u8]) -> std::io::Result<()> {
        match tokio::fs::remove_file(self.chunk_path(version_id, index, sha256)).await {
            Err(error) if error.kind() != ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// Deletes every chunk of a version; a missing directory is not an error.
    pub async fn remove_version(&self, version_id: Uuid) -> std::io::Result<()> {
        match tokio::fs::remove_dir_all(self.version_dir(version_id)).await {
            Err(error) if error.kind() != ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// Checks that the store's directory is reachable and writable.
    pub async fn check_writable(&self) -> std::io::Result<()> {
        let probe = self
            .root
            .join(".tmp")
            .join(format!("probe-{}", Uuid::new_v4()));
        tokio::fs::write(&probe, b"").await?;
        tokio::fs::remove_file(&probe).await
    }
}

async fn remove_quietly(path: &Path) {
    if let Err(error) = tokio::fs::remove_file(path).await {
        tracing::warn!(path = %path.display(), %error, "failed to remove temporary chunk file");
    }
}
