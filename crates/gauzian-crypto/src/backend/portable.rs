//! RustCrypto backend: pure Rust, the only one on wasm32.

// Natively this backend serves only the hazmat functions and the tests.
#![cfg_attr(not(any(target_arch = "wasm32", feature = "hazmat")), allow(dead_code))]

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use rand_core::CryptoRng;
use rsa::BoxedUint;
use rsa::Oaep;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
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

    /// RSA-OAEP-SHA256 with MGF1-SHA256 decryption (RFC 8017, section
    /// 7.1.2), blinded, with every padding check done in constant time.
    ///
    /// The `rsa` crate's own OAEP decoder is not used because it skips the
    /// check that the encoded message starts with a zero byte (step 3g).
    pub fn oaep_sha256_decrypt(
        &self,
        ciphertext: &[u8],
        label: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, PrimitiveError> {
        let k = self.0.size();
        let hash_len = 32;
        if ciphertext.len() != k || k < 2 * hash_len + 2 {
            return Err(PrimitiveError);
        }
        let c = BoxedUint::from_be_slice(ciphertext, self.0.n_bits_precision())
            .map_err(|_| PrimitiveError)?;
        let m = rsa::hazmat::rsa_decrypt_and_check(&self.0, Some(&mut getrandom::SysRng), &c)
            .map_err(|_| PrimitiveError)?;

        // I2OSP: the integer's bytes are at least k long; anything before
        // the last k bytes is zero because m < n.
        let bytes = Zeroizing::new(m.to_be_bytes().to_vec());
        let mut em = Zeroizing::new(
            bytes
                .get(bytes.len().checked_sub(k).ok_or(PrimitiveError)?..)
                .ok_or(PrimitiveError)?
                .to_vec(),
        );

        let (y, rest) = em.split_at_mut(1);
        let (masked_seed, masked_db) = rest.split_at_mut(hash_len);
        // seed = maskedSeed ⊕ MGF1(maskedDB), then DB = maskedDB ⊕ MGF1(seed).
        mgf1_sha256_xor(masked_seed, masked_db);
        mgf1_sha256_xor(masked_db, masked_seed);
        let (db_hash, tail) = masked_db.split_at(hash_len);

        let expected_hash = Sha256::digest(label);
        let mut valid = y[0].ct_eq(&0) & db_hash.ct_eq(expected_hash.as_slice());

        // After the label hash: zero or more 0x00, one 0x01, then the message.
        let mut looking = Choice::from(1);
        let mut separator = 0u32;
        let mut nonzero_before_one = Choice::from(0);
        for (position, byte) in tail.iter().enumerate() {
            let is_one = byte.ct_eq(&1);
            let is_zero = byte.ct_eq(&0);
            separator.conditional_assign(&(position as u32), looking & is_one);
            nonzero_before_one |= looking & !is_zero & !is_one;
            looking &= !is_one;
        }
        valid &= !looking & !nonzero_before_one;
        if !bool::from(valid) {
            return Err(PrimitiveError);
        }
        Ok(Zeroizing::new(tail[separator as usize + 1..].to_vec()))
    }
}

/// XORs MGF1-SHA256(`seed`) into `target` (RFC 8017, appendix B.2.1).
fn mgf1_sha256_xor(target: &mut [u8], seed: &[u8]) {
    for (counter, block) in target.chunks_mut(32).enumerate() {
        let mask = Sha256::new()
            .chain_update(seed)
            .chain_update((counter as u32).to_be_bytes())
            .finalize();
        for (byte, mask_byte) in block.iter_mut().zip(mask.iter()) {
            *byte ^= mask_byte;
        }
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
