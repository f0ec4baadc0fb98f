//! aws-lc-rs backend: used natively for speed and for constant-time RSA.

use std::num::NonZeroU32;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{
    KeySize, OAEP_SHA256_MGF1SHA256, OaepPrivateDecryptingKey, PrivateDecryptingKey,
};
use zeroize::Zeroizing;

use super::{NONCE_LEN, PrimitiveError};

/// Longest PBKDF2 output either backend is asked for.
const MAX_PBKDF2_OUTPUT: usize = 1 << 20;

fn aes_key(key: &[u8; 32]) -> Result<LessSafeKey, PrimitiveError> {
    let unbound = UnboundKey::new(&AES_256_GCM, key).map_err(|_| PrimitiveError)?;
    Ok(LessSafeKey::new(unbound))
}

/// Encrypts `buffer[start..]` in place with AES-256-GCM and appends the tag.
pub fn aes256gcm_seal_in_place(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buffer: &mut Vec<u8>,
    start: usize,
) -> Result<(), PrimitiveError> {
    let key = aes_key(key)?;
    let body = buffer.get_mut(start..).ok_or(PrimitiveError)?;
    let tag = key
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(*nonce), Aad::from(aad), body)
        .map_err(|_| PrimitiveError)?;
    buffer.extend_from_slice(tag.as_ref());
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
    let key = aes_key(key)?;
    let plaintext = key
        .open_within(
            Nonce::assume_unique_for_key(*nonce),
            Aad::from(aad),
            buffer,
            start..,
        )
        .map_err(|_| PrimitiveError)?;
    Ok(plaintext.len())
}

/// PBKDF2-HMAC-SHA256.
pub fn pbkdf2_sha256(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) -> Result<(), PrimitiveError> {
    let iterations = NonZeroU32::new(iterations).ok_or(PrimitiveError)?;
    // aws-lc-rs panics on an output longer than (2^32 - 1) * 32 bytes or on
    // an internal failure; this bound keeps the first case unreachable.
    if out.is_empty() || out.len() > MAX_PBKDF2_OUTPUT {
        return Err(PrimitiveError);
    }
    aws_lc_rs::pbkdf2::derive(
        aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        salt,
        password,
        out,
    );
    Ok(())
}

/// An RSA private key held by AWS-LC, whose decryption is constant-time and
/// blinded.
pub struct RsaPrivateKey(OaepPrivateDecryptingKey);

impl RsaPrivateKey {
    /// Parses a PKCS#8 DER private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, PrimitiveError> {
        let key = PrivateDecryptingKey::from_pkcs8(der).map_err(|_| PrimitiveError)?;
        OaepPrivateDecryptingKey::new(key)
            .map(Self)
            .map_err(|_| PrimitiveError)
    }

    /// RSA-OAEP-SHA256 with MGF1-SHA256 decryption.
    pub fn oaep_sha256_decrypt(
        &self,
        ciphertext: &[u8],
        label: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, PrimitiveError> {
        let mut out = Zeroizing::new(vec![0u8; self.0.min_output_size()]);
        let label = if label.is_empty() { None } else { Some(label) };
        let length = self
            .0
            .decrypt(&OAEP_SHA256_MGF1SHA256, ciphertext, &mut out, label)
            .map_err(|_| PrimitiveError)?
            .len();
        out.truncate(length);
        Ok(out)
    }
}

/// Generates an RSA-4096 key pair with AWS-LC (randomness from the operating
/// system) and returns it as PKCS#8 DER.
pub fn rsa4096_generate_pkcs8() -> Result<Zeroizing<Vec<u8>>, PrimitiveError> {
    let key = PrivateDecryptingKey::generate(KeySize::Rsa4096).map_err(|_| PrimitiveError)?;
    let der: Pkcs8V1Der<'static> = key.as_der().map_err(|_| PrimitiveError)?;
    Ok(Zeroizing::new(der.as_ref().to_vec()))
}
