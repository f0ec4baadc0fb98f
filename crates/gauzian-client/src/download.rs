//! The download engine: chunks are fetched in parallel but opened and written
//! in order to a temporary file beside the target, which is renamed into
//! place only after the last chunk verified and the plaintext digest matched
//! the sealed metadata. A failed or tampered download leaves no file behind.

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use gauzian_api::FileManifest;
use gauzian_crypto::metadata::{self, Metadata};
use gauzian_crypto::stream::ChunkDecryptor;
use gauzian_crypto::{NodeId, VersionId, chunk};
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::Progress;
use crate::drive::{Drive, Entry};
use crate::error::{ClientError, Result};
use crate::names;

/// Settings of a download.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// Chunks fetched at the same time.
    pub parallelism: usize,
    /// Replace an existing file at the target.
    pub overwrite: bool,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            parallelism: 4,
            overwrite: false,
        }
    }
}

/// Returns `directory/name` for a remote entry, after checking that the
/// untrusted name is a safe single path component.
pub fn local_target(directory: &Path, entry: &Entry) -> Result<PathBuf> {
    names::check_name(entry.name())?;
    Ok(directory.join(entry.name()))
}

impl Drive {
    /// Downloads a file to `target` and returns its plaintext size. The
    /// target's modification time is set from the metadata.
    pub async fn download_file(
        &self,
        entry: &Entry,
        target: &Path,
        options: &DownloadOptions,
        progress: &dyn Progress,
    ) -> Result<u64> {
        if entry.is_folder() {
            return Err(ClientError::NotAFile {
                path: entry.path.clone(),
            });
        }
        if !options.overwrite && target.symlink_metadata().is_ok() {
            return Err(ClientError::DestinationExists {
                path: target.to_owned(),
            });
        }

        let manifest = self.api.file_manifest(entry.id()).await?;
        let metadata = check_manifest(entry, &manifest)?;
        let directory = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        let temporary = tempfile::Builder::new()
            .prefix(".gauzian-")
            .suffix(".part")
            .tempfile_in(&directory)
            .map_err(|error| ClientError::io(&directory, error))?;

        let file_id = NodeId::from_bytes(*entry.id().as_bytes());
        let version_id = VersionId::from_bytes(*manifest.version_id.as_bytes());
        let content_key = entry.key().derive_content_key(&file_id, &version_id);
        let decryptor = ChunkDecryptor::new(content_key, file_id, version_id);
        let (sender, receiver) = mpsc::channel::<Vec<u8>>(1);
        let remote_path = entry.path.clone();
        let writer = tokio::task::spawn_blocking(move || {
            write_chunks(&remote_path, temporary, decryptor, receiver)
        });

        let fetched = self
            .fetch_chunks(&manifest, options.parallelism, &sender, progress)
            .await;
        drop(sender);
        let written = writer.await.map_err(|error| {
            ClientError::Internal(format!("download writer task failed: {error}"))
        })?;
        // A fetch error usually closes the channel early, which the writer
        // reports as truncation; the fetch error is the one worth reporting.
        fetched?;
        let (temporary, digest, size) = written?;

        if let Some(expected) = metadata.size
            && expected != size
        {
            return Err(ClientError::Integrity {
                path: entry.path.clone(),
                reason: format!("{size} bytes decrypted, but the metadata says {expected}"),
            });
        }
        if let Some(expected) = metadata.sha256
            && expected != digest
        {
            return Err(ClientError::Integrity {
                path: entry.path.clone(),
                reason: "the SHA-256 of the content does not match the metadata".to_owned(),
            });
        }

        if let Some(modified_at) = metadata.modified_at.and_then(|ms| u64::try_from(ms).ok()) {
            let time = UNIX_EPOCH + Duration::from_millis(modified_at);
            if let Err(error) = temporary.as_file().set_modified(time) {
                tracing::warn!(path = %target.display(), %error, "cannot restore the modification time");
            }
        }
        let persisted = if options.overwrite {
            temporary.persist(target)
        } else {
            temporary.persist_noclobber(target)
        };
        persisted.map_err(|error| {
            if error.error.kind() == std::io::ErrorKind::AlreadyExists {
                ClientError::DestinationExists {
                    path: target.to_owned(),
                }
            } else {
                ClientError::io(target, error.error)
            }
        })?;
        Ok(size)
    }

    /// Fetches the chunks with up to `parallelism` requests in flight and
    /// hands them to the writer in order.
    async fn fetch_chunks(
        &self,
        manifest: &FileManifest,
        parallelism: usize,
        sender: &mpsc::Sender<Vec<u8>>,
        progress: &dyn Progress,
    ) -> Result<()> {
        let mut pending: VecDeque<(u64, JoinHandle<Result<Vec<u8>>>)> = VecDeque::new();
        let mut chunks = manifest.chunks.iter();
        loop {
            while pending.len() < parallelism.max(1) {
                let Some(info) = chunks.next() else { break };
                let api = self.api.clone();
                let (file_id, version_id, index) =
                    (manifest.node.id, manifest.version_id, info.index);
                let plaintext_len = info.size.saturating_sub(chunk::CHUNK_OVERHEAD as u64);
                pending.push_back((
                    plaintext_len,
                    tokio::spawn(async move { api.chunk(file_id, version_id, index).await }),
                ));
            }
            let Some((plaintext_len, next)) = pending.pop_front() else {
                return Ok(());
            };
            let fetched = next.await.map_err(|error| {
                ClientError::Internal(format!("chunk download task failed: {error}"))
            });
            let sealed = match fetched.and_then(|result| result) {
                Ok(sealed) => sealed,
                Err(error) => {
                    // Dropping a JoinHandle detaches its task, so the fetches
                    // still in flight are stopped explicitly.
                    for (_, handle) in pending {
                        handle.abort();
                    }
                    return Err(error);
                }
            };
            if sender.send(sealed).await.is_err() {
                // The writer stopped on an error, which it reports.
                for (_, handle) in pending {
                    handle.abort();
                }
                return Ok(());
            }
            progress.advance(plaintext_len);
        }
    }
}

/// Checks that a manifest belongs to `entry` and is consistent, and opens the
/// metadata of the version it describes.
fn check_manifest(entry: &Entry, manifest: &FileManifest) -> Result<Metadata> {
    let invalid = |reason: String| ClientError::InvalidResponse {
        reason: format!("manifest of {}: {reason}", entry.path),
    };
    if manifest.node.id != entry.id() || manifest.node.parent_id != entry.node.parent_id {
        return Err(invalid("it describes another node".to_owned()));
    }
    match &manifest.node.file {
        Some(file)
            if file.version_id == manifest.version_id
                && file.chunk_count as usize == manifest.chunks.len() => {}
        _ => {
            return Err(invalid(
                "its version or chunk count disagrees with the node".to_owned(),
            ));
        }
    }
    if manifest
        .chunks
        .iter()
        .enumerate()
        .any(|(position, info)| info.index as usize != position)
    {
        return Err(invalid("its chunks are not numbered 0, 1, 2, …".to_owned()));
    }
    let sizes: Vec<u64> = manifest.chunks.iter().map(|info| info.size).collect();
    let Some(plaintext_size) = chunk::plaintext_size(&sizes) else {
        return Err(invalid(
            "its chunk sizes cannot come from one file".to_owned(),
        ));
    };

    // The manifest's node may be newer than the listing: its metadata
    // describes the version being downloaded. The node key never changes.
    let node_id = NodeId::from_bytes(*entry.id().as_bytes());
    let metadata = metadata::open_metadata(
        entry.key(),
        &node_id,
        manifest.node.encrypted_metadata.as_slice(),
    )
    .map_err(|source| {
        ClientError::crypto(format!("{}: opening the metadata", entry.path), source)
    })?;
    if metadata.size.is_some_and(|size| size != plaintext_size) {
        return Err(ClientError::Integrity {
            path: entry.path.clone(),
            reason: "the chunk sizes do not match the size in the metadata".to_owned(),
        });
    }
    Ok(metadata)
}

/// Opens the chunks in order and writes their plaintext to the temporary
/// file. Returns the file, the plaintext SHA-256 and its size; on any error
/// the temporary file is dropped, which deletes it.
///
/// Two helper threads keep the writer from waiting. One hashes each chunk's
/// plaintext once it is written. The other flushes the file every
/// [`FLUSH_EVERY`] bytes, so the flush before the rename has little left.
fn write_chunks(
    remote_path: &str,
    mut temporary: NamedTempFile,
    mut decryptor: ChunkDecryptor,
    mut receiver: mpsc::Receiver<Vec<u8>>,
) -> Result<(NamedTempFile, [u8; 32], u64)> {
    let temporary_path = temporary.path().to_owned();
    let io_error = |error| ClientError::io(&temporary_path, error);
    let flusher_file = temporary.as_file().try_clone().map_err(io_error)?;
    // A rendezvous channel: a queue of 5 MiB chunks here raised the peak
    // resident memory of a 1 GiB download from 75 to 95 MB.
    let (to_hash, hash_queue) = std::sync::mpsc::sync_channel::<Vec<u8>>(0);
    let (to_flush, flush_queue) = std::sync::mpsc::sync_channel::<()>(1);
    let failed = |source| ClientError::crypto(format!("{remote_path}: download failed"), source);
    std::thread::scope(|scope| {
        let hashing = scope.spawn(move || {
            let mut hasher = Sha256::new();
            for plaintext in hash_queue {
                hasher.update(&plaintext);
            }
            <[u8; 32]>::from(hasher.finalize())
        });
        // An early flush is only a head start: its errors surface again in
        // the final `sync_all`, which the download depends on.
        scope.spawn(move || {
            for () in flush_queue {
                let _ = flusher_file.sync_data();
            }
        });

        let mut size = 0u64;
        let mut unflushed = 0u64;
        let written = (|| {
            while let Some(sealed) = receiver.blocking_recv() {
                let plaintext = decryptor.push_owned(sealed).map_err(failed)?;
                temporary.write_all(&plaintext).map_err(io_error)?;
                size += plaintext.len() as u64;
                unflushed += plaintext.len() as u64;
                if unflushed >= FLUSH_EVERY {
                    // Skipped while a flush is still running.
                    if to_flush.try_send(()).is_ok() {
                        unflushed = 0;
                    }
                }
                to_hash
                    .send(plaintext)
                    .map_err(|_| ClientError::Internal("the hashing thread stopped".to_owned()))?;
            }
            decryptor.finish().map_err(failed)
        })();
        drop((to_hash, to_flush));
        let digest = hashing
            .join()
            .map_err(|_| ClientError::Internal("the hashing thread panicked".to_owned()))?;
        written?;
        temporary
            .flush()
            .and_then(|()| temporary.as_file().sync_all())
            .map_err(io_error)?;
        Ok((temporary, digest, size))
    })
}

/// Plaintext written between two background flushes of a download.
const FLUSH_EVERY: u64 = 64 << 20;
