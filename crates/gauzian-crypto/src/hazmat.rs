//! Raw primitives for test vectors. Not for applications: nothing here binds
//! context, checks key sizes against Gauzian's policy or wipes its output.
//!
//! Each function takes the backend to run, so the same vectors check both the
//! native (aws-lc-rs) and the portable (RustCrypto) implementation.

use rand_core::CryptoRng;
use rsa::pkcs8::DecodePublicKey;

use crate::CryptoError;
use crate::backend::{self, NONCE_LEN, portable};

/// Implementation that runs a primitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// aws-lc-rs (not on wasm32).
    #[cfg(not(target_arch = "wasm32"))]
    Native,
    /// RustCrypto, pure Rust.
    Portable,
}

impl Backend {
    /// Every backend built for this target.
    pub fn all() -> &'static [Backend] {
        #[cfg(not(target_arch = "wasm32"))]
        return &[Backend::Native, Backend::Portable];
        #[cfg(target_arch = "wasm32")]
        return &[Backend::Portable];
    }

    /// Short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Backend::Native => "native",
            Backend::Portable => "portable",
        }
    }
}

fn aes_inputs<'a>(
    key: &'a [u8],
    nonce: &'a [u8],
) -> Result<(&'a [u8; 32], &'a [u8; NONCE_LEN]), CryptoError> {
    let key = key.try_into().map_err(|_| CryptoError::InvalidLength {
        what: "AES-256 key",
        expected: 32,
        actual: key.len(),
    })?;
    let nonce = nonce.try_into().map_err(|_| CryptoError::InvalidLength {
        what: "AES-GCM nonce",
        expected: NONCE_LEN,
        actual: nonce.len(),
    })?;
    Ok((key, nonce))
}

/// AES-256-GCM encryption with a 96-bit nonce; returns ciphertext ‖ tag.
pub fn aes_256_gcm_encrypt(
    backend: Backend,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let (key, nonce) = aes_inputs(key, nonce)?;
    let mut buffer = plaintext.to_vec();
    let result = match backend {
        #[cfg(not(target_arch = "wasm32"))]
        Backend::Native => {
            backend::native::aes256gcm_seal_in_place(key, nonce, aad, &mut buffer, 0)
        }
        Backend::Portable => portable::aes256gcm_seal_in_place(key, nonce, aad, &mut buffer, 0),
    };
    result.map_err(|_| CryptoError::Internal("AES-GCM encryption failed"))?;
    Ok(buffer)
}

/// AES-256-GCM decryption of ciphertext ‖ tag with a 96-bit nonce.
pub fn aes_256_gcm_decrypt(
    backend: Backend,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let (key, nonce) = aes_inputs(key, nonce)?;
    let mut buffer = ciphertext_and_tag.to_vec();
    let result = match backend {
        #[cfg(not(target_arch = "wasm32"))]
        Backend::Native => {
            backend::native::aes256gcm_open_in_place(key, nonce, aad, &mut buffer, 0)
        }
        Backend::Portable => portable::aes256gcm_open_in_place(key, nonce, aad, &mut buffer, 0),
    };
    let length = result.map_err(|_| CryptoError::DecryptionFailed {
        what: "AES-GCM ciphertext",
    })?;
    buffer.truncate(length);
    Ok(buffer)
}

/// PBKDF2-HMAC-SHA256 with any iteration count of at least 1.
pub fn pbkdf2_hmac_sha256(
    backend: Backend,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    length: usize,
) -> Result<Vec<u8>, CryptoError> {
    let mut out = vec![0u8; length];
    let result = match backend {
        #[cfg(not(target_arch = "wasm32"))]
        Backend::Native => backend::native::pbkdf2_sha256(password, salt, iterations, &mut out),
        Backend::Portable => portable::pbkdf2_sha256(password, salt, iterations, &mut out),
    };
    result.map_err(|_| CryptoError::Internal("PBKDF2 rejected its parameters"))?;
    Ok(out)
}

/// HKDF-SHA256 (RFC 5869). An empty salt is the same as no salt.
pub fn hkdf_sha256(
    ikm: &[u8],
    salt: &[u8],
    info: &[u8],
    length: usize,
) -> Result<Vec<u8>, CryptoError> {
    let mut out = vec![0u8; length];
    backend::hkdf_sha256(ikm, Some(salt), info, &mut out).map_err(|_| {
        CryptoError::InvalidLength {
            what: "HKDF-SHA256 output",
            expected: 255 * 32,
            actual: length,
        }
    })?;
    Ok(out)
}

/// RSA-OAEP (SHA-256, MGF1-SHA-256) decryption with a PKCS#8 DER private key
/// of any size the backend supports.
pub fn rsa_oaep_sha256_decrypt(
    backend: Backend,
    pkcs8_der: &[u8],
    ciphertext: &[u8],
    label: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let invalid_key = || CryptoError::InvalidKey {
        what: "private key",
        reason: "rejected by the backend".to_owned(),
    };
    let plaintext = match backend {
        #[cfg(not(target_arch = "wasm32"))]
        Backend::Native => backend::native::RsaPrivateKey::from_pkcs8_der(pkcs8_der)
            .map_err(|_| invalid_key())?
            .oaep_sha256_decrypt(ciphertext, label),
        Backend::Portable => portable::RsaPrivateKey::from_pkcs8_der(pkcs8_der)
            .map_err(|_| invalid_key())?
            .oaep_sha256_decrypt(ciphertext, label),
    };
    plaintext
        .map(|plaintext| plaintext.to_vec())
        .map_err(|_| CryptoError::DecryptionFailed {
            what: "RSA-OAEP ciphertext",
        })
}

/// RSA-OAEP (SHA-256, MGF1-SHA-256) encryption to an SPKI DER public key of
/// any size.
pub fn rsa_oaep_sha256_encrypt<R: CryptoRng + ?Sized>(
    spki_der: &[u8],
    message: &[u8],
    label: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    let key =
        rsa::PublicKey::from_public_key_der(spki_der).map_err(|_| CryptoError::InvalidKey {
            what: "public key",
            reason: "not an RSA public key in SPKI DER".to_owned(),
        })?;
    portable::oaep_sha256_encrypt(&key, message, label, rng).map_err(|_| {
        CryptoError::Internal("RSA-OAEP encryption failed (message too long for the key?)")
    })
}
