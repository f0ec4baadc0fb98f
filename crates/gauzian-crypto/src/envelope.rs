//! The AES-256-GCM envelope shared by every symmetric format:
//! `version (1) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`.
//!
//! Each format passes its own associated data, which always starts with a
//! label naming the format and the version byte, so an envelope of one kind
//! never opens as another.

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::backend::{self, NONCE_LEN, TAG_LEN};

/// Version byte of every v1 envelope.
pub const VERSION_1: u8 = 1;
/// Bytes before the ciphertext: version and nonce.
pub const HEADER_LEN: usize = 1 + NONCE_LEN;
/// Bytes an envelope adds to its plaintext.
pub const OVERHEAD: usize = HEADER_LEN + TAG_LEN;

/// Builds associated data: `label ‖ 0x00 ‖ version ‖ fields…`. Labels are
/// ASCII without NUL and each label's fields have fixed lengths, so two
/// different contexts never produce the same bytes.
pub fn associated_data(label: &str, version: u8, fields: &[&[u8]]) -> Vec<u8> {
    let length = label.len() + 2 + fields.iter().map(|field| field.len()).sum::<usize>();
    let mut aad = Vec::with_capacity(length);
    aad.extend_from_slice(label.as_bytes());
    aad.push(0);
    aad.push(version);
    for field in fields {
        aad.extend_from_slice(field);
    }
    aad
}

/// Seals `plaintext` into a new v1 envelope.
pub fn seal<R: CryptoRng + ?Sized>(
    key: &[u8; 32],
    aad: &[u8],
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let mut envelope = Vec::with_capacity(OVERHEAD + plaintext.len());
    envelope.push(VERSION_1);
    envelope.extend_from_slice(&nonce);
    envelope.extend_from_slice(plaintext);
    backend::default::aes256gcm_seal_in_place(key, &nonce, aad, &mut envelope, HEADER_LEN)
        .map_err(|_| CryptoError::Internal("AES-GCM encryption failed"))?;
    Ok(envelope)
}

/// Checks the length and version of an envelope and returns its nonce.
pub fn parse_header(what: &'static str, envelope: &[u8]) -> Result<[u8; NONCE_LEN], CryptoError> {
    if envelope.len() < OVERHEAD {
        return Err(CryptoError::Truncated {
            what,
            actual: envelope.len(),
            minimum: OVERHEAD,
        });
    }
    if envelope[0] != VERSION_1 {
        return Err(CryptoError::UnsupportedVersion {
            what,
            version: envelope[0],
        });
    }
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&envelope[1..HEADER_LEN]);
    Ok(nonce)
}

/// Opens a v1 envelope and returns its plaintext, wiped on drop.
pub fn open(
    what: &'static str,
    key: &[u8; 32],
    aad: &[u8],
    envelope: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let nonce = parse_header(what, envelope)?;
    let mut buffer = Zeroizing::new(envelope.to_vec());
    let length =
        backend::default::aes256gcm_open_in_place(key, &nonce, aad, &mut buffer, HEADER_LEN)
            .map_err(|_| CryptoError::DecryptionFailed { what })?;
    buffer.truncate(length);
    Ok(buffer)
}
