//! RustCrypto backend: pure Rust, the only one on wasm32.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use rand_core::CryptoRng;
use rsa::Oaep;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{NONCE_LEN, PrimitiveError, TAG_LEN};

/// Encrypts `buffer[start..]` in place with AES-256-GCM and appends the tag.
pub fn aes256gcm_seal_in_place(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buffer: &mut Vec<u8>,
    start: usize,
) -> Result<(), PrimitiveError> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| PrimitiveError)?;
    let body = buffer.get_mut(start..).ok_or(PrimitiveError)?;
    let tag = cipher
        .encrypt_inout_detached(&Nonce::from(*nonce), aad, body.into())
        .map_err(|_| PrimitiveError)?;
    buffer.extend_from_slice(&tag);
    Ok(())
}

/// Decrypts `buffer[start..]` (ciphertext then tag) in place and returns the
/// plaintext's length; the plaintext then starts at `buffer[0]`.
pub fn aes256gcm_open_in_place(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buffer: &mut [u8],
    start: usize,
) -> Result<usize, PrimitiveError> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| PrimitiveError)?;
    let sealed_len = buffer.len().checked_sub(start).ok_or(PrimitiveError)?;
    let body_len = sealed_len.checked_sub(TAG_LEN).ok_or(PrimitiveError)?;
    let (head, tag) = buffer.split_at_mut(start + body_len);
    let tag = Tag::try_from(&*tag).map_err(|_| PrimitiveError)?;
    let body = head.get_mut(start..).ok_or(PrimitiveError)?;
    cipher
        .decrypt_inout_detached(&Nonce::from(*nonce), aad, body.into(), &tag)
        .map_err(|_| PrimitiveError)?;
    buffer.copy_within(start..start + body_len, 0);
    Ok(body_len)
}

/// PBKDF2-HMAC-SHA256.
pub fn pbkdf2_sha256(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) -> Result<(), PrimitiveError> {
    if iterations == 0 || out.is_empty() || out.len() > 1 << 20 {
        return Err(PrimitiveError);
    }
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, out);
    Ok(())
}

/// An RSA private key held by the `rsa` crate (0.10, constant-time
/// arithmetic from crypto-bigint).
pub struct RsaPrivateKey(rsa::PrivateKey);

impl RsaPrivateKey {
    /// Parses a PKCS#8 DER private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, PrimitiveError> {
        rsa::PrivateKey::from_pkcs8_der(der)
            .map(Self)
            .map_err(|_| PrimitiveError)
    }

    /// RSA-OAEP-SHA256 with MGF1-SHA256 decryption.
    pub fn oaep_sha256_decrypt(
        &self,
        ciphertext: &[u8],
        label: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, PrimitiveError> {
        let padding = Oaep::<Sha256>::new_with_label(label.to_vec());
        self.0
            .decrypt(padding, ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| PrimitiveError)
    }
}

/// Generates an RSA-4096 key pair with the `rsa` crate and returns it as
/// PKCS#8 DER.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn rsa4096_generate_pkcs8<R: CryptoRng + ?Sized>(
    rng: &mut R,
) -> Result<Zeroizing<Vec<u8>>, PrimitiveError> {
    let key = rsa::PrivateKey::new(rng, 4096).map_err(|_| PrimitiveError)?;
    let der = key.to_pkcs8_der().map_err(|_| PrimitiveError)?;
    Ok(Zeroizing::new(der.as_bytes().to_vec()))
}

/// RSA-OAEP-SHA256 with MGF1-SHA256 encryption to an SPKI DER public key.
///
/// Both backends encrypt with the `rsa` crate: encryption handles only public
/// values, so it needs no constant-time care, and it takes the caller's RNG.
pub fn oaep_sha256_encrypt<R: CryptoRng + ?Sized>(
    public_key: &rsa::PublicKey,
    message: &[u8],
    label: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, PrimitiveError> {
    let padding = Oaep::<Sha256>::new_with_label(label.to_vec());
    public_key
        .encrypt(rng, padding, message)
        .map_err(|_| PrimitiveError)
}
