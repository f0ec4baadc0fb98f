//! The seam between the formats and the primitives.
//!
//! Two backends implement the same functions: `native` (aws-lc-rs:
//! assembly-backed AES-GCM and PBKDF2, constant-time blinded RSA) for every
//! target but wasm32, and `portable` (RustCrypto, pure Rust) everywhere.
//! The formats call [`default`]; the tests and the vectors example run the
//! same vectors through both.

#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod portable;

#[cfg(not(target_arch = "wasm32"))]
pub use native as default;
#[cfg(target_arch = "wasm32")]
pub use portable as default;

use hkdf::Hkdf;
use sha2::Sha256;

/// Length of an AES-GCM nonce in bytes.
pub const NONCE_LEN: usize = 12;
/// Length of an AES-GCM tag in bytes.
pub const TAG_LEN: usize = 16;

/// Marker error of a primitive: the caller turns it into a typed error that
/// names the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrimitiveError;

/// HKDF-SHA256 (RFC 5869), extract then expand. Both backends use the
/// RustCrypto implementation: it costs microseconds and only ever runs on
/// 32-byte inputs here.
pub fn hkdf_sha256(
    ikm: &[u8],
    salt: Option<&[u8]>,
    info: &[u8],
    okm: &mut [u8],
) -> Result<(), PrimitiveError> {
    Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, okm)
        .map_err(|_| PrimitiveError)
}
