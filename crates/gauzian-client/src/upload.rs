//! The upload engine: a file is read once, sealed chunk by chunk while its
//! digest is computed, and its chunks are sent with bounded parallelism,
//! retries, and resumption from the server's upload status. The metadata
//! given at start has no digest; finalize replaces it with one that has.
//!
//! Memory stays bounded whatever the file size: at most `parallelism` sealed
//! chunks in flight, one waiting in a channel and one in the encryptor, 5 MiB
//! each.

use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use gauzian_api::{Bytes, StartUploadRequest};
use gauzian_crypto::keys::NodeKey;
use gauzian_crypto::metadata::{self, Metadata};
use gauzian_crypto::stream::ChunkEncryptor;
use gauzian_crypto::{NodeId, VersionId, chunk, wrap};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::Progress;
use crate::drive::{Drive, Entry, open_child};
use crate::error::{ClientError, Result};
use crate::names;

/// Settings of an upload.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// Chunks sent at the same time.
    pub parallelism: usize,
    /// Rounds of "read status, send missing chunks" after a round failed on
    /// a transient error.
    pub max_rounds: u32,
    /// List the parent folder first and fail when the name is taken. A
    /// caller that has just listed the folder can skip the second listing.
    pub check_existing: bool,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            parallelism: 4,
            max_rounds: 3,
            check_existing: true,
        }
    }
}

/// What a client must remember to resume an upload in a later process. It
/// contains no secret: the file key is wrapped under the parent folder's key, as
/// the server stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingUpload {
    /// Folder that receives the file.
    pub parent_id: Uuid,
    /// New file's id.
    pub file_id: Uuid,
    /// New version's id.
    pub version_id: Uuid,
    /// File key wrapped under the parent folder's key.
    pub wrapped_key: Bytes,
    /// File name (NFC).
    pub name: String,
    /// Local file being uploaded.
    pub local_path: PathBuf,
    /// Plaintext size in bytes when the upload started.
    pub size: u64,
    /// Local modification time, Unix milliseconds, when the upload started.
    pub modified_at: Option<i64>,
}

/// Receives an upload's milestones, so that a caller can persist
/// [`PendingUpload`] records.
pub trait UploadObserver: Send + Sync {
    /// The server accepted the upload; its chunks are about to be sent.
    fn started(&self, _upload: &PendingUpload) {}
    /// The upload was finalized or cancelled: nothing is left to resume.
    fn ended(&self, _upload: &PendingUpload) {}
}

impl UploadObserver for () {}

/// Size and modification time of a local file.
fn stat(path: &Path) -> Result<(u64, Option<i64>)> {
    let info = std::fs::metadata(path).map_err(|error| ClientError::io(path, error))?;
    if !info.is_file() {
        return Err(ClientError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
        ));
    }
    let modified_at = info
        .modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .and_then(|since| i64::try_from(since.as_millis()).ok());
    Ok((info.len(), modified_at))
}

/// Builds the metadata of an uploaded file. The digest is known only once the
/// file has been read.
fn file_metadata(pending: &PendingUpload, sha256: Option<[u8; 32]>) -> Metadata {
    Metadata {
        name: pending.name.clone(),
        mime_type: Some(
            mime_guess::from_path(&pending.name)
                .first_or_octet_stream()
                .essence_str()
                .to_owned(),
        ),
        size: Some(pending.size),
        modified_at: pending.modified_at,
        sha256,
    }
}

/// Seals an upload's metadata under its file key.
fn seal_file_metadata(
    pending: &PendingUpload,
    file_key: &NodeKey,
    sha256: Option<[u8; 32]>,
) -> Result<Vec<u8>> {
    let node_id = NodeId::from_bytes(*pending.file_id.as_bytes());
    metadata::seal_metadata(
        file_key,
        &node_id,
        &file_metadata(pending, sha256),
        &mut rand::rng(),
    )
    .map_err(|source| {
        ClientError::crypto(
            format!("{}: sealing the file's metadata", pending.name),
            source,
        )
    })
}

impl Drive {
    /// Uploads the local file `local` into `parent` under `name` and returns
    /// the new file's entry. Fails with [`ClientError::AlreadyExists`] when
    /// the name is taken.
    pub async fn upload_file(
        &self,
        parent: &Entry,
        local: &Path,
        name: &str,
        options: &UploadOptions,
        progress: &dyn Progress,
        observer: &dyn UploadObserver,
    ) -> Result<Entry> {
        names::check_name(name)?;
        let name = names::normalize(name);
        let path = names::join_remote(&parent.path, &name);
        if !parent.is_folder() {
            return Err(ClientError::NotAFolder {
                path: parent.path.clone(),
            });
        }
        if options.check_existing && self.find_child(parent, &name).await?.is_some() {
            return Err(ClientError::AlreadyExists { path });
        }

        let (size, modified_at) = stat(local)?;

        let file_id = Uuid::new_v4();
        let version_id = Uuid::new_v4();
        let node_id = NodeId::from_bytes(*file_id.as_bytes());
        let file_key = NodeKey::generate(&mut rand::rng());
        let sealed = |source| ClientError::crypto(format!("{path}: sealing the new file"), source);
        let wrapped_key = wrap::wrap_node_key(
            parent.key(),
            &parent.node_id(),
            &node_id,
            &file_key,
            &mut rand::rng(),
        )
        .map_err(sealed)?;
        let pending = PendingUpload {
            parent_id: parent.id(),
            file_id,
            version_id,
            wrapped_key: wrapped_key.into(),
            name,
            local_path: local.to_owned(),
            size,
            modified_at,
        };
        let encrypted_metadata = seal_file_metadata(&pending, &file_key, None)?;

        self.api
            .start_upload(&StartUploadRequest {
                file_id,
                version_id,
                parent_id: parent.id(),
                wrapped_key: pending.wrapped_key.clone(),
                encrypted_metadata: encrypted_metadata.into(),
                chunk_sizes: chunk::sealed_chunk_sizes(size),
            })
            .await?;
        observer.started(&pending);
        tracing::info!(file = %file_id, version = %version_id, size, "upload started");

        self.complete_upload(
            parent,
            &pending,
            &file_key,
            HashSet::new(),
            options,
            progress,
            observer,
        )
        .await
    }

    /// Resumes an upload that a previous process started: checks that the
    /// local file is unchanged, reads which chunks the server has, and sends
    /// the rest.
    pub async fn resume_upload(
        &self,
        parent: &Entry,
        pending: &PendingUpload,
        options: &UploadOptions,
        progress: &dyn Progress,
        observer: &dyn UploadObserver,
    ) -> Result<Entry> {
        if parent.id() != pending.parent_id {
            return Err(ClientError::Internal(format!(
                "upload {} belongs to folder {}, not {}",
                pending.version_id,
                pending.parent_id,
                parent.id()
            )));
        }
        let (size, modified_at) = stat(&pending.local_path)?;
        if size != pending.size || modified_at != pending.modified_at {
            return Err(ClientError::FileChanged {
                path: pending.local_path.clone(),
            });
        }
        let node_id = NodeId::from_bytes(*pending.file_id.as_bytes());
        let file_key = wrap::unwrap_node_key(
            parent.key(),
            &parent.node_id(),
            &node_id,
            pending.wrapped_key.as_slice(),
        )
        .map_err(|source| ClientError::crypto("opening the key of the upload to resume", source))?;

        let status = self.api.upload_status(pending.version_id).await?;
        let received: HashSet<u32> = status.received.into_iter().collect();
        tracing::info!(version = %pending.version_id, received = received.len(), "resuming upload");
        self.complete_upload(
            parent, pending, &file_key, received, options, progress, observer,
        )
        .await
    }

    /// Sends the chunks the server lacks, in rounds, then finalizes with the
    /// metadata that carries the digest. A round reads the whole file, so the
    /// last one computes the digest. On a permanent failure the upload is
    /// cancelled on the server.
    #[allow(clippy::too_many_arguments)]
    async fn complete_upload(
        &self,
        parent: &Entry,
        pending: &PendingUpload,
        file_key: &NodeKey,
        mut received: HashSet<u32>,
        options: &UploadOptions,
        progress: &dyn Progress,
        observer: &dyn UploadObserver,
    ) -> Result<Entry> {
        let sizes = chunk::sealed_chunk_sizes(pending.size);
        let plaintext_len = |index: u32| sizes[index as usize] - chunk::CHUNK_OVERHEAD as u64;
        for &index in &received {
            if (index as usize) < sizes.len() {
                progress.advance(plaintext_len(index));
            }
        }

        let mut round = 1;
        let node = loop {
            let outcome = match self
                .send_chunks(pending, file_key, &received, options.parallelism, progress)
                .await
            {
                Ok(sha256) => {
                    let encrypted_metadata = seal_file_metadata(pending, file_key, Some(sha256))?;
                    self.api
                        .finalize_upload(pending.version_id, Some(encrypted_metadata))
                        .await
                }
                Err(error) => Err(error),
            };
            let error = match outcome {
                Ok(node) => break node,
                Err(error) => error,
            };
            // Chunks lost by a server crash, or re-sent while finalizing,
            // are sent again in the next round like a network failure.
            let transient = matches!(
                &error,
                ClientError::Unreachable { .. }
                    | ClientError::Api {
                        status: 500..=599,
                        ..
                    }
            ) || matches!(&error, ClientError::Api { status: 409, code, .. }
                if code == "upload_incomplete" || code == "upload_changed");
            if !transient || round >= options.max_rounds {
                if !matches!(error, ClientError::Unreachable { .. }) {
                    self.cancel(pending, observer).await;
                }
                return Err(error);
            }
            tracing::warn!(version = %pending.version_id, round, %error, "upload round failed, resuming from the server's status");
            let status = self.api.upload_status(pending.version_id).await?;
            received = status.received.into_iter().collect();
            round += 1;
        };

        observer.ended(pending);
        tracing::info!(file = %pending.file_id, version = %pending.version_id, "upload finalized");
        open_child(parent, node)
    }

    /// Cancels an upload on the server, logging a failure instead of
    /// returning it: the caller is already reporting the error that caused it.
    async fn cancel(&self, pending: &PendingUpload, observer: &dyn UploadObserver) {
        match self.api.cancel_upload(pending.version_id).await {
            Ok(()) => observer.ended(pending),
            Err(error) => {
                tracing::warn!(version = %pending.version_id, %error, "cancelling the upload failed")
            }
        }
    }

    /// One round: reads and seals the whole file on a blocking thread and
    /// sends every chunk not in `received`, `parallelism` at a time. Returns
    /// the SHA-256 of the plaintext read.
    async fn send_chunks(
        &self,
        pending: &PendingUpload,
        file_key: &NodeKey,
        received: &HashSet<u32>,
        parallelism: usize,
        progress: &dyn Progress,
    ) -> Result<[u8; 32]> {
        let (sender, mut receiver) = mpsc::channel::<(u32, bytes::Bytes, u64)>(1);
        let reader = {
            let pending = pending.clone();
            let received = received.clone();
            let file_id = NodeId::from_bytes(*pending.file_id.as_bytes());
            let version_id = VersionId::from_bytes(*pending.version_id.as_bytes());
            let content_key = file_key.derive_content_key(&file_id, &version_id);
            let encryptor = ChunkEncryptor::new(content_key, file_id, version_id);
            tokio::task::spawn_blocking(move || seal_file(&pending, encryptor, &received, &sender))
        };

        let mut in_flight = JoinSet::new();
        let mut failure = None;
        while let Some((index, sealed, plaintext_len)) = receiver.recv().await {
            while in_flight.len() >= parallelism.max(1) {
                if let Some(done) = in_flight.join_next().await {
                    record(done, progress, &mut failure);
                }
            }
            if failure.is_some() {
                break;
            }
            let api = self.api.clone();
            let version_id = pending.version_id;
            in_flight.spawn(async move {
                api.put_chunk(version_id, index, sealed).await?;
                Ok(plaintext_len)
            });
        }
        drop(receiver);
        while let Some(done) = in_flight.join_next().await {
            record(done, progress, &mut failure);
        }

        let read = reader.await.map_err(|error| {
            ClientError::Internal(format!("upload reader task failed: {error}"))
        })?;
        match (failure, read) {
            (Some(error), _) => Err(error),
            (None, read) => read,
        }
    }
}

/// Folds one finished chunk request into the round's progress or failure.
fn record(
    done: std::result::Result<Result<u64>, tokio::task::JoinError>,
    progress: &dyn Progress,
    failure: &mut Option<ClientError>,
) {
    match done {
        Ok(Ok(bytes)) => progress.advance(bytes),
        Ok(Err(error)) => {
            failure.get_or_insert(error);
        }
        Err(error) => {
            failure.get_or_insert(ClientError::Internal(format!(
                "chunk upload task failed: {error}"
            )));
        }
    }
}

/// Plaintext read per `read` call, and handed to the hashing thread.
const BLOCK_LEN: usize = 1 << 20;

/// Blocks in use at once: being read, sealed or hashed. Bounds the memory of
/// the hashing thread's queue to this many blocks.
const BLOCKS: usize = 4;

/// Reads the local file, seals it chunk by chunk and hands the chunks not yet
/// received to the sender; returns the plaintext's SHA-256. Checks the size
/// and modification time against those at the start of the upload, after
/// reading too, so a file that changed between or during rounds is not
/// finalized from a mix of its versions.
///
/// The SHA-256 runs on a second thread: it costs several times what AES-GCM
/// does, so hashing beside reading and sealing shortens an upload by about
/// the time of the hash (docs/benchmarks.md).
fn seal_file(
    pending: &PendingUpload,
    encryptor: ChunkEncryptor,
    received: &HashSet<u32>,
    sender: &mpsc::Sender<(u32, bytes::Bytes, u64)>,
) -> Result<[u8; 32]> {
    let (to_hash, hash_queue) = std::sync::mpsc::sync_channel::<(Vec<u8>, usize)>(BLOCKS);
    let (hashed, free_blocks) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let hashing = scope.spawn(move || {
            let mut hasher = Sha256::new();
            for (block, count) in hash_queue {
                hasher.update(&block[..count]);
                // The reader may have stopped; the block is then dropped.
                let _ = hashed.send(block);
            }
            <[u8; 32]>::from(hasher.finalize())
        });
        let sealed = read_and_seal(pending, encryptor, received, sender, &to_hash, &free_blocks);
        drop(to_hash);
        let digest = hashing
            .join()
            .map_err(|_| ClientError::Internal("the hashing thread panicked".to_owned()))?;
        sealed.map(|()| digest)
    })
}

/// Reads and seals the file for [`seal_file`]. Every block read goes to
/// `to_hash` after it is sealed, and comes back through `free_blocks`.
fn read_and_seal(
    pending: &PendingUpload,
    mut encryptor: ChunkEncryptor,
    received: &HashSet<u32>,
    sender: &mpsc::Sender<(u32, bytes::Bytes, u64)>,
    to_hash: &std::sync::mpsc::SyncSender<(Vec<u8>, usize)>,
    free_blocks: &std::sync::mpsc::Receiver<Vec<u8>>,
) -> Result<()> {
    let path = &pending.local_path;
    let mut file = File::open(path).map_err(|error| ClientError::io(path, error))?;
    let mut total = 0u64;
    let mut allocated = 0usize;
    let mut next_index = 0u32;
    let hashing_stopped = || ClientError::Internal("the hashing thread stopped".to_owned());

    // Returns false when the receiver is gone: the round failed elsewhere.
    let mut send = |sealed: Vec<u8>| -> Result<bool> {
        let index = next_index;
        next_index += 1;
        if received.contains(&index) {
            return Ok(true);
        }
        let plaintext_len = (sealed.len() - chunk::CHUNK_OVERHEAD) as u64;
        Ok(sender
            .blocking_send((index, bytes::Bytes::from(sealed), plaintext_len))
            .is_ok())
    };

    loop {
        let mut block = match free_blocks.try_recv() {
            Ok(block) => block,
            Err(_) if allocated < BLOCKS => {
                allocated += 1;
                vec![0u8; BLOCK_LEN]
            }
            Err(_) => free_blocks.recv().map_err(|_| hashing_stopped())?,
        };
        let count = loop {
            match file.read(&mut block) {
                Ok(count) => break count,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(ClientError::io(path, error)),
            }
        };
        if count == 0 {
            break;
        }
        total += count as u64;
        if total > pending.size {
            return Err(ClientError::FileChanged { path: path.clone() });
        }
        let sealed = encryptor
            .push(&block[..count], &mut rand::rng())
            .map_err(|source| {
                ClientError::crypto(format!("{}: sealing a chunk", path.display()), source)
            })?;
        to_hash
            .send((block, count))
            .map_err(|_| hashing_stopped())?;
        for chunk in sealed {
            if !send(chunk)? {
                return Err(ClientError::Internal(
                    "the upload round stopped before the file was read".to_owned(),
                ));
            }
        }
    }

    if total != pending.size || stat(path)? != (pending.size, pending.modified_at) {
        return Err(ClientError::FileChanged { path: path.clone() });
    }
    let last = encryptor.finish(&mut rand::rng()).map_err(|source| {
        ClientError::crypto(
            format!("{}: sealing the last chunk", path.display()),
            source,
        )
    })?;
    send(last)?;
    Ok(())
}
