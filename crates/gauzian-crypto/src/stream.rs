//! Streaming encryption and decryption of a whole file version.
//!
//! [`ChunkEncryptor`] and [`ChunkDecryptor`] are push-style, for callers that
//! move chunks themselves (HTTP uploads, WebAssembly). [`encrypt`] and
//! [`decrypt`] run them over `std::io::Read` and `Write`, with the sealed
//! chunks concatenated.
//!
//! The decryptor returns a chunk's plaintext only after its tag verified, and
//! rejects chunks out of order, after the final chunk, or of the wrong size.
//! A stream that stops before its final chunk is reported by
//! [`ChunkDecryptor::finish`], so a caller that writes the plaintext to a
//! file must call it before treating the file as complete.

use std::io::{Read, Write};

use rand_core::CryptoRng;

use crate::CryptoError;
use crate::chunk::{self, CHUNK_HEADER_LEN, CHUNK_SIZE, ChunkPosition, MAX_SEALED_CHUNK_LEN};
use crate::ids::{NodeId, VersionId};
use crate::keys::ContentKey;

/// Cuts plaintext into chunks and seals them.
#[derive(Debug)]
pub struct ChunkEncryptor {
    key: ContentKey,
    file_id: NodeId,
    version_id: VersionId,
    next_index: u32,
    /// Header space followed by up to one chunk of plaintext.
    buffer: Vec<u8>,
}

impl ChunkEncryptor {
    /// Starts a version's chunk sequence.
    pub fn new(key: ContentKey, file_id: NodeId, version_id: VersionId) -> Self {
        Self {
            key,
            file_id,
            version_id,
            next_index: 0,
            buffer: new_chunk_buffer(),
        }
    }

    /// Adds plaintext and returns every chunk that is now complete. A full
    /// chunk is held back until more data or [`finish`](Self::finish) shows
    /// whether it is the last one.
    pub fn push<R: CryptoRng + ?Sized>(
        &mut self,
        mut data: &[u8],
        rng: &mut R,
    ) -> Result<Vec<Vec<u8>>, CryptoError> {
        let mut sealed = Vec::new();
        while !data.is_empty() {
            if self.buffered() == CHUNK_SIZE {
                sealed.push(self.seal_buffer(false, rng)?);
            }
            let take = (CHUNK_SIZE - self.buffered()).min(data.len());
            self.buffer.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(sealed)
    }

    /// Seals and returns the final chunk (empty for an empty file).
    pub fn finish<R: CryptoRng + ?Sized>(mut self, rng: &mut R) -> Result<Vec<u8>, CryptoError> {
        self.seal_buffer(true, rng)
    }

    /// Index the next sealed chunk will have.
    pub fn next_index(&self) -> u32 {
        self.next_index
    }

    fn buffered(&self) -> usize {
        self.buffer.len() - CHUNK_HEADER_LEN
    }

    fn seal_buffer<R: CryptoRng + ?Sized>(
        &mut self,
        is_final: bool,
        rng: &mut R,
    ) -> Result<Vec<u8>, CryptoError> {
        let position = ChunkPosition {
            file_id: self.file_id,
            version_id: self.version_id,
            index: self.next_index,
            is_final,
        };
        let mut sealed = std::mem::replace(&mut self.buffer, new_chunk_buffer());
        chunk::seal_chunk_in_place(&self.key, &position, &mut sealed, rng)?;
        self.next_index =
            self.next_index
                .checked_add(1)
                .ok_or_else(|| CryptoError::InvalidChunkSequence {
                    reason: "a file version cannot have more than 2^32 chunks".to_owned(),
                })?;
        Ok(sealed)
    }
}

fn new_chunk_buffer() -> Vec<u8> {
    let mut buffer = Vec::with_capacity(MAX_SEALED_CHUNK_LEN);
    buffer.resize(CHUNK_HEADER_LEN, 0);
    buffer
}

/// Opens a version's chunks in order.
#[derive(Debug)]
pub struct ChunkDecryptor {
    key: ContentKey,
    file_id: NodeId,
    version_id: VersionId,
    next_index: u32,
    finished: bool,
}

impl ChunkDecryptor {
    /// Starts reading a version's chunk sequence.
    pub fn new(key: ContentKey, file_id: NodeId, version_id: VersionId) -> Self {
        Self {
            key,
            file_id,
            version_id,
            next_index: 0,
            finished: false,
        }
    }

    /// Opens the next chunk and returns its verified plaintext.
    pub fn push(&mut self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.push_owned(sealed.to_vec())
    }

    /// Opens the next chunk in the buffer that contains it, without a copy.
    pub fn push_owned(&mut self, mut sealed: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
        if self.finished {
            return Err(CryptoError::InvalidChunkSequence {
                reason: format!(
                    "chunk {} follows the final chunk: data was appended",
                    self.next_index
                ),
            });
        }
        let is_final = chunk::open_chunk_in_place(
            &self.key,
            &self.file_id,
            &self.version_id,
            self.next_index,
            &mut sealed,
        )?;
        self.finished = is_final;
        self.next_index = self.next_index.saturating_add(1);
        Ok(sealed)
    }

    /// Whether the final chunk has been opened.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Index of the chunk expected next.
    pub fn next_index(&self) -> u32 {
        self.next_index
    }

    /// Ends the stream: fails with [`CryptoError::Truncation`] unless the
    /// final chunk was opened.
    pub fn finish(self) -> Result<(), CryptoError> {
        if self.finished {
            Ok(())
        } else {
            Err(CryptoError::Truncation {
                chunks: u64::from(self.next_index),
            })
        }
    }
}

fn io_error(error: std::io::Error) -> CryptoError {
    CryptoError::Io(error.to_string())
}

/// Reads until `buffer` is full or the reader ends; returns the bytes read.
fn read_full<Re: Read>(reader: &mut Re, buffer: &mut [u8]) -> Result<usize, CryptoError> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(count) => filled += count,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(io_error(error)),
        }
    }
    Ok(filled)
}

/// Encrypts everything `reader` yields and writes the sealed chunks,
/// concatenated, to `writer`. Returns the number of plaintext bytes.
pub fn encrypt<Re: Read, W: Write, R: CryptoRng + ?Sized>(
    key: ContentKey,
    file_id: NodeId,
    version_id: VersionId,
    mut reader: Re,
    mut writer: W,
    rng: &mut R,
) -> Result<u64, CryptoError> {
    let mut encryptor = ChunkEncryptor::new(key, file_id, version_id);
    let mut block = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let count = read_full(&mut reader, &mut block)?;
        if count == 0 {
            break;
        }
        total += count as u64;
        for sealed in encryptor.push(&block[..count], rng)? {
            writer.write_all(&sealed).map_err(io_error)?;
        }
    }
    writer
        .write_all(&encryptor.finish(rng)?)
        .map_err(io_error)?;
    writer.flush().map_err(io_error)?;
    Ok(total)
}

/// Decrypts concatenated sealed chunks from `reader` and writes the verified
/// plaintext to `writer`, one chunk at a time. Fails on truncation, extra
/// data, reordering or any modified byte. The plaintext of chunks before the
/// failure has already been written by then, so write to a temporary file and
/// keep it only when this returns `Ok`. Returns the number of plaintext bytes.
pub fn decrypt<Re: Read, W: Write>(
    key: ContentKey,
    file_id: NodeId,
    version_id: VersionId,
    mut reader: Re,
    mut writer: W,
) -> Result<u64, CryptoError> {
    let mut decryptor = ChunkDecryptor::new(key, file_id, version_id);
    let mut total = 0u64;
    loop {
        let mut sealed = vec![0u8; MAX_SEALED_CHUNK_LEN];
        let count = read_full(&mut reader, &mut sealed)?;
        if count == 0 {
            break;
        }
        sealed.truncate(count);
        let plaintext = decryptor.push_owned(sealed)?;
        total += plaintext.len() as u64;
        writer.write_all(&plaintext).map_err(io_error)?;
    }
    decryptor.finish()?;
    writer.flush().map_err(io_error)?;
    Ok(total)
}
