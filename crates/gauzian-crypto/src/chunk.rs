//! Chunk format v1: one 5 MiB slice of a file version, sealed with AES-256-GCM
//! under the version's content key.
//!
//! ```text
//! sealed chunk = version (1) ‖ flags (1) ‖ nonce (12) ‖ ciphertext ‖ tag (16)
//! flags        = 0x01 on the last chunk of the file, 0x00 otherwise
//! AAD          = "gauzian/chunk" ‖ 0x00 ‖ version ‖ file id (16) ‖ version id (16)
//!                ‖ chunk index (u32, big-endian) ‖ flags
//! ```
//!
//! The flags byte is in the clear so a reader knows which chunk should be the
//! last, and in the AAD so that it cannot be changed. Every chunk but the last
//! contains exactly [`CHUNK_SIZE`] plaintext bytes. The last contains 1 to
//! [`CHUNK_SIZE`] bytes, or 0 when the whole file is empty.

use rand_core::CryptoRng;

use crate::CryptoError;
use crate::backend::{self, NONCE_LEN, TAG_LEN};
use crate::envelope::{self, VERSION_1};
use crate::ids::{NodeId, VersionId};
use crate::keys::ContentKey;

/// Plaintext bytes per chunk: 5 MiB.
pub const CHUNK_SIZE: usize = 5 * 1024 * 1024;
/// Bytes before the ciphertext: version, flags and nonce.
pub const CHUNK_HEADER_LEN: usize = 2 + NONCE_LEN;
/// Bytes a sealed chunk adds to its plaintext.
pub const CHUNK_OVERHEAD: usize = CHUNK_HEADER_LEN + TAG_LEN;
/// Largest sealed chunk.
pub const MAX_SEALED_CHUNK_LEN: usize = CHUNK_SIZE + CHUNK_OVERHEAD;

const FLAG_FINAL: u8 = 0x01;
const LABEL: &str = "gauzian/chunk";
const WHAT: &str = "chunk";

/// Position of a chunk in a file version, bound into its associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPosition {
    /// The file.
    pub file_id: NodeId,
    /// The file version.
    pub version_id: VersionId,
    /// Index of the chunk in the version, from 0.
    pub index: u32,
    /// Whether this is the file's last chunk.
    pub is_final: bool,
}

fn chunk_aad(position: &ChunkPosition) -> Vec<u8> {
    let flags = if position.is_final { FLAG_FINAL } else { 0 };
    envelope::associated_data(
        LABEL,
        VERSION_1,
        &[
            position.file_id.as_bytes(),
            position.version_id.as_bytes(),
            &position.index.to_be_bytes(),
            &[flags],
        ],
    )
}

/// Number of chunks of a file of `plaintext_len` bytes (an empty file has one
/// empty chunk).
pub fn chunk_count(plaintext_len: u64) -> u64 {
    plaintext_len.div_ceil(CHUNK_SIZE as u64).max(1)
}

/// Sealed size of each chunk of a file of `plaintext_len` bytes, as the server
/// expects them when an upload starts.
pub fn sealed_chunk_sizes(plaintext_len: u64) -> Vec<u64> {
    let count = chunk_count(plaintext_len);
    let chunk = CHUNK_SIZE as u64;
    (0..count)
        .map(|index| {
            let plaintext = if index + 1 < count {
                chunk
            } else {
                plaintext_len - index * chunk
            };
            plaintext + CHUNK_OVERHEAD as u64
        })
        .collect()
}

/// Plaintext size of a file whose chunks have these sealed sizes, or `None`
/// when the sizes cannot come from one file.
pub fn plaintext_size(sealed_sizes: &[u64]) -> Option<u64> {
    let (last, rest) = sealed_sizes.split_last()?;
    let full = MAX_SEALED_CHUNK_LEN as u64;
    if rest.iter().any(|&size| size != full) || *last > full || *last < CHUNK_OVERHEAD as u64 {
        return None;
    }
    Some(rest.len() as u64 * CHUNK_SIZE as u64 + last - CHUNK_OVERHEAD as u64)
}

/// Seals one chunk whose plaintext starts at `buffer[CHUNK_HEADER_LEN]`; the
/// header bytes before it are overwritten. The buffer becomes the sealed chunk,
/// so a 5 MiB chunk is encrypted without a copy.
pub fn seal_chunk_in_place<R: CryptoRng + ?Sized>(
    key: &ContentKey,
    position: &ChunkPosition,
    buffer: &mut Vec<u8>,
    rng: &mut R,
) -> Result<(), CryptoError> {
    let plaintext_len =
        buffer
            .len()
            .checked_sub(CHUNK_HEADER_LEN)
            .ok_or(CryptoError::Truncated {
                what: "chunk buffer",
                actual: buffer.len(),
                minimum: CHUNK_HEADER_LEN,
            })?;
    check_plaintext_len(position, plaintext_len)?;

    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    buffer[0] = VERSION_1;
    buffer[1] = if position.is_final { FLAG_FINAL } else { 0 };
    buffer[2..CHUNK_HEADER_LEN].copy_from_slice(&nonce);

    buffer.reserve_exact(TAG_LEN);
    backend::default::aes256gcm_seal_in_place(
        key.expose_secret(),
        &nonce,
        &chunk_aad(position),
        buffer,
        CHUNK_HEADER_LEN,
    )
    .map_err(|_| CryptoError::Internal("AES-GCM encryption failed"))
}

/// Seals one chunk.
pub fn seal_chunk<R: CryptoRng + ?Sized>(
    key: &ContentKey,
    position: &ChunkPosition,
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    let mut buffer = Vec::with_capacity(CHUNK_OVERHEAD + plaintext.len());
    buffer.resize(CHUNK_HEADER_LEN, 0);
    buffer.extend_from_slice(plaintext);
    seal_chunk_in_place(key, position, &mut buffer, rng)?;
    Ok(buffer)
}

fn check_plaintext_len(position: &ChunkPosition, plaintext_len: usize) -> Result<(), CryptoError> {
    let valid = if position.is_final {
        plaintext_len <= CHUNK_SIZE && (plaintext_len > 0 || position.index == 0)
    } else {
        plaintext_len == CHUNK_SIZE
    };
    if valid {
        return Ok(());
    }
    Err(CryptoError::InvalidChunkSequence {
        reason: format!(
            "chunk {} has {plaintext_len} plaintext bytes; a chunk other than the last must have {CHUNK_SIZE}, and the last 1 to {CHUNK_SIZE} (0 only for an empty file)",
            position.index
        ),
    })
}

/// Reads the final flag of a sealed chunk, after checking its version.
pub fn is_final_chunk(sealed: &[u8]) -> Result<bool, CryptoError> {
    if sealed.len() < CHUNK_OVERHEAD {
        return Err(CryptoError::Truncated {
            what: WHAT,
            actual: sealed.len(),
            minimum: CHUNK_OVERHEAD,
        });
    }
    if sealed[0] != VERSION_1 {
        return Err(CryptoError::UnsupportedVersion {
            what: WHAT,
            version: sealed[0],
        });
    }
    match sealed[1] {
        0 => Ok(false),
        FLAG_FINAL => Ok(true),
        other => Err(CryptoError::InvalidChunkSequence {
            reason: format!("unknown chunk flags 0x{other:02x}"),
        }),
    }
}

/// Opens a sealed chunk in place: on success the buffer contains the plaintext
/// and the return value is whether it was the last chunk. The plaintext is
/// only exposed after its tag has been verified; on failure the buffer is
/// cleared.
pub fn open_chunk_in_place(
    key: &ContentKey,
    file_id: &NodeId,
    version_id: &VersionId,
    index: u32,
    buffer: &mut Vec<u8>,
) -> Result<bool, CryptoError> {
    let plan = match ChunkOpenPlan::new(file_id, version_id, index, buffer) {
        Ok(plan) => plan,
        Err(error) => {
            buffer.clear();
            return Err(error);
        }
    };

    let opened = backend::default::aes256gcm_open_in_place(
        key.expose_secret(),
        &plan.nonce,
        &plan.aad,
        buffer,
        CHUNK_HEADER_LEN,
    );
    let length = match opened {
        Ok(length) => length,
        Err(_) => {
            buffer.clear();
            return Err(CryptoError::DecryptionFailed { what: WHAT });
        }
    };
    buffer.truncate(length);
    if let Err(error) = plan.check_plaintext(buffer) {
        buffer.clear();
        return Err(error);
    }
    Ok(plan.is_final())
}

/// Opens a sealed chunk and returns its plaintext and final flag.
pub fn open_chunk(
    key: &ContentKey,
    file_id: &NodeId,
    version_id: &VersionId,
    index: u32,
    sealed: &[u8],
) -> Result<(Vec<u8>, bool), CryptoError> {
    let mut buffer = sealed.to_vec();
    let is_final = open_chunk_in_place(key, file_id, version_id, index, &mut buffer)?;
    Ok((buffer, is_final))
}

/// The parts of a chunk seal that need AES-GCM, for callers that run the
/// primitive elsewhere (WebCrypto in a browser): the core still chooses the
/// nonce, builds the header and associated data, and checks the result.
#[derive(Debug, Clone)]
pub struct ChunkSealPlan {
    position: ChunkPosition,
    header: [u8; CHUNK_HEADER_LEN],
    aad: Vec<u8>,
    plaintext_len: usize,
}

impl ChunkSealPlan {
    /// Plans the sealing of `plaintext_len` bytes at `position`, with a fresh
    /// nonce from `rng`.
    pub fn new<R: CryptoRng + ?Sized>(
        position: ChunkPosition,
        plaintext_len: usize,
        rng: &mut R,
    ) -> Result<Self, CryptoError> {
        check_plaintext_len(&position, plaintext_len)?;
        let mut header = [0u8; CHUNK_HEADER_LEN];
        header[0] = VERSION_1;
        header[1] = if position.is_final { FLAG_FINAL } else { 0 };
        rng.fill_bytes(&mut header[2..]);
        Ok(Self {
            position,
            header,
            aad: chunk_aad(&position),
            plaintext_len,
        })
    }

    /// The 96-bit nonce to encrypt with.
    pub fn nonce(&self) -> &[u8] {
        &self.header[2..]
    }

    /// The associated data to encrypt with.
    pub fn aad(&self) -> &[u8] {
        &self.aad
    }

    /// Builds the sealed chunk from the AES-256-GCM output (ciphertext then
    /// the 16-byte tag, as WebCrypto returns it).
    pub fn assemble(&self, ciphertext_and_tag: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let expected = self.plaintext_len + TAG_LEN;
        if ciphertext_and_tag.len() != expected {
            return Err(CryptoError::InvalidLength {
                what: "AES-GCM output for a chunk",
                expected,
                actual: ciphertext_and_tag.len(),
            });
        }
        let mut sealed = Vec::with_capacity(CHUNK_HEADER_LEN + expected);
        sealed.extend_from_slice(&self.header);
        sealed.extend_from_slice(ciphertext_and_tag);
        Ok(sealed)
    }

    /// Where the chunk belongs.
    pub fn position(&self) -> &ChunkPosition {
        &self.position
    }
}

/// The parts of a chunk open that need AES-GCM: nonce, associated data and
/// the ciphertext with its tag, taken from a sealed chunk whose header has
/// been checked.
#[derive(Debug, Clone)]
pub struct ChunkOpenPlan {
    position: ChunkPosition,
    nonce: [u8; NONCE_LEN],
    aad: Vec<u8>,
}

impl ChunkOpenPlan {
    /// Reads the header of the sealed chunk expected at `index` of a version.
    pub fn new(
        file_id: &NodeId,
        version_id: &VersionId,
        index: u32,
        sealed: &[u8],
    ) -> Result<Self, CryptoError> {
        let is_final = is_final_chunk(sealed)?;
        let position = ChunkPosition {
            file_id: *file_id,
            version_id: *version_id,
            index,
            is_final,
        };
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&sealed[2..CHUNK_HEADER_LEN]);
        Ok(Self {
            position,
            nonce,
            aad: chunk_aad(&position),
        })
    }

    /// The nonce to decrypt with.
    pub fn nonce(&self) -> &[u8] {
        &self.nonce
    }

    /// The associated data to decrypt with.
    pub fn aad(&self) -> &[u8] {
        &self.aad
    }

    /// The ciphertext and tag part of `sealed`, to hand to AES-GCM.
    pub fn ciphertext_and_tag<'a>(&self, sealed: &'a [u8]) -> &'a [u8] {
        sealed.get(CHUNK_HEADER_LEN..).unwrap_or_default()
    }

    /// Whether the chunk is marked as the last one. Trust it only after the
    /// tag verified.
    pub fn is_final(&self) -> bool {
        self.position.is_final
    }

    /// Checks the verified plaintext's length against the chunk's position.
    /// Call it after AES-GCM succeeded and before using the plaintext.
    pub fn check_plaintext(&self, plaintext: &[u8]) -> Result<(), CryptoError> {
        check_plaintext_len(&self.position, plaintext.len())
    }
}
