//! Local backend: chunks as files under the data directory.
//!
//! Layout: `chunks/VERSION_ID/NAME` (see the parent module for names). Writes go to `chunks/.tmp`
//! first and are renamed into place, so a crash never leaves a partial chunk
//! under its final name.
//!
//! A chunk write returns once the bytes are in the page cache, and starts a
//! flush of the file in the background, off the request's path. Finalizing an
//! upload calls [`LocalChunks::make_durable`], which flushes every chunk of
//! the version and its directory before the file is reported stored. By then
//! most chunks are already on disk, so finalize waits for the last few only
//! (see docs/benchmarks.md). This is why the local store is not
//! `object_store`'s `LocalFileSystem`, which never calls `fsync`.

use std::collections::HashSet;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::{ChunkDigest, ReadOutcome, StoredChunk, new_chunk_name};

/// Directory of chunk files.
#[derive(Debug, Clone)]
pub struct LocalChunks {
    root: PathBuf,
    /// Bounds the background flushes started by [`write`](Self::write).
    early_flushes: Arc<Semaphore>,
}

impl LocalChunks {
    /// Opens (and creates) the chunk directory under `data_dir`.
    pub async fn open(data_dir: &Path) -> std::io::Result<Self> {
        let root = data_dir.join("chunks");
        tokio::fs::create_dir_all(root.join(".tmp")).await?;
        Ok(Self {
            root,
            early_flushes: Arc::new(Semaphore::new(EARLY_FLUSHES)),
        })
    }

    fn version_dir(&self, version_id: Uuid) -> PathBuf {
        self.root.join(version_id.to_string())
    }

    fn chunk_path(&self, version_id: Uuid, name: &str) -> PathBuf {
        self.version_dir(version_id).join(name)
    }

    /// Writes a chunk under a new name and returns the name and digest. The bytes are not yet flushed
    /// to disk: see [`make_durable`](Self::make_durable). Hashing and writing
    /// run on one blocking thread, so the request's buffer is written as is
    /// and no async worker is held for the hash.
    pub async fn write(
        &self,
        version_id: Uuid,
        index: u32,
        bytes: Bytes,
    ) -> std::io::Result<StoredChunk> {
        let temp_path = self.root.join(".tmp").join(Uuid::new_v4().to_string());
        let version_dir = self.version_dir(version_id);
        let name = new_chunk_name(index);
        let final_path = self.chunk_path(version_id, &name);
        let flushed_path = final_path.clone();
        let digest = tokio::task::spawn_blocking(move || {
            let digest = ChunkDigest::of(&bytes);
            if let Err(error) = std::fs::write(&temp_path, &bytes) {
                remove_quietly(&temp_path);
                return Err(error);
            }
            std::fs::create_dir_all(&version_dir)?;
            if let Err(error) = std::fs::rename(&temp_path, &final_path) {
                remove_quietly(&temp_path);
                return Err(error);
            }
            Ok(digest)
        })
        .await
        .map_err(std::io::Error::other)??;
        self.flush_early(flushed_path);
        Ok(StoredChunk { name, digest })
    }

    /// Starts writing a chunk file back to disk without waiting, so that the
    /// flush at finalize has little left to do. Skipped when
    /// [`EARLY_FLUSHES`] are already running, because finalize flushes every
    /// chunk anyway. A failed flush deletes the file, because Linux may report a
    /// write-back error to one `fsync` only. Finalize then finds the chunk
    /// missing and the client sends it again.
    fn flush_early(&self, path: PathBuf) {
        let Ok(permit) = Arc::clone(&self.early_flushes).try_acquire_owned() else {
            return;
        };
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let flushed = std::fs::File::open(&path).and_then(|file| file.sync_data());
            match flushed {
                Err(error) if error.kind() != ErrorKind::NotFound => {
                    tracing::warn!(path = %path.display(), %error, "flushing a chunk failed, so it was deleted and will be requested again");
                    remove_quietly(&path);
                }
                _ => {}
            }
        });
    }

    /// Reads a chunk and checks it against the digest recorded at upload.
    pub async fn read(
        &self,
        version_id: Uuid,
        name: &str,
        digest: &ChunkDigest,
    ) -> std::io::Result<ReadOutcome> {
        let path = self.chunk_path(version_id, name);
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(ReadOutcome::Corrupted),
            Err(error) => return Err(error),
        };
        let digest = digest.clone();
        tokio::task::spawn_blocking(move || ReadOutcome::checked(Bytes::from(bytes), &digest))
            .await
            .map_err(std::io::Error::other)
    }

    /// Flushes the given chunks of a version, as (index, size, name), and
    /// the directories that name them, to disk. Returns the indices whose file
    /// is missing or has another size: lost in a crash before this call, so
    /// the client must send them again.
    pub async fn make_durable(
        &self,
        version_id: Uuid,
        chunks: &[(u32, u64, String)],
    ) -> std::io::Result<Vec<u32>> {
        let mut pending = chunks.iter();
        let mut running = tokio::task::JoinSet::new();
        let mut lost = Vec::new();
        loop {
            while running.len() < DURABLE_PARALLELISM {
                let Some((index, size, name)) = pending.next() else {
                    break;
                };
                let (index, size) = (*index, *size);
                let path = self.chunk_path(version_id, name);
                running.spawn_blocking(move || sync_chunk(&path, size).map(|kept| (index, kept)));
            }
            let Some(done) = running.join_next().await else {
                break;
            };
            let (index, kept) = done.map_err(std::io::Error::other)??;
            if !kept {
                lost.push(index);
            }
        }
        lost.sort_unstable();
        if lost.is_empty() {
            let directories = [self.version_dir(version_id), self.root.clone()];
            tokio::task::spawn_blocking(move || {
                directories
                    .iter()
                    .try_for_each(|directory| std::fs::File::open(directory)?.sync_all())
            })
            .await
            .map_err(std::io::Error::other)??;
        }
        Ok(lost)
    }

    /// Deletes one chunk file; a missing file is not an error.
    pub async fn remove(&self, version_id: Uuid, name: &str) -> std::io::Result<()> {
        match tokio::fs::remove_file(self.chunk_path(version_id, name)).await {
            Err(error) if error.kind() != ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// Deletes the files of a version's directory that `keep` does not name,
    /// and returns how many it deleted.
    pub async fn remove_unnamed(
        &self,
        version_id: Uuid,
        keep: HashSet<String>,
    ) -> std::io::Result<usize> {
        let directory = self.version_dir(version_id);
        tokio::task::spawn_blocking(move || {
            let entries = match std::fs::read_dir(&directory) {
                Ok(entries) => entries,
                Err(error) if error.kind() == ErrorKind::NotFound => return Ok(0),
                Err(error) => return Err(error),
            };
            let mut removed = 0;
            for entry in entries {
                let entry = entry?;
                if entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| keep.contains(name))
                {
                    continue;
                }
                match std::fs::remove_file(entry.path()) {
                    Ok(()) => removed += 1,
                    Err(error) if error.kind() == ErrorKind::NotFound => {}
                    Err(error) => return Err(error),
                }
            }
            Ok(removed)
        })
        .await
        .map_err(std::io::Error::other)?
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

/// Chunk files flushed at the same time by [`ChunkStore::make_durable`].
const DURABLE_PARALLELISM: usize = 8;

/// Background flushes of newly written chunks running at the same time.
const EARLY_FLUSHES: usize = 4;

/// Flushes one chunk file; false when it is missing or has another size.
fn sync_chunk(path: &Path, size: u64) -> std::io::Result<bool> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(error),
    };
    if file.metadata()?.len() != size {
        return Ok(false);
    }
    file.sync_all()?;
    Ok(true)
}

fn remove_quietly(path: &Path) {
    if let Err(error) = std::fs::remove_file(path) {
        tracing::warn!(path = %path.display(), %error, "failed to remove temporary chunk file");
    }
}
