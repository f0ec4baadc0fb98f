//! Shared fixtures of the fuzz targets: fixed keys and ids, and envelopes
//! sealed with a valid tag around fuzzer-chosen plaintext.
//!
//! Random bytes almost never pass an AES-GCM tag, so a target fed only raw
//! bytes would exercise the header checks and nothing behind them. Most
//! targets therefore read a mode byte first. When it is even, the rest of the
//! input is passed on unchanged. When it is odd, the rest is sealed here under
//! the right key and context, following `docs/crypto-format.md`, so that the
//! code after decryption (length checks, JSON, PKCS#8) receives fuzzer-chosen
//! plaintext.

use gauzian_crypto::hazmat::{self, Backend};
use gauzian_crypto::keys::NodeKey;
use gauzian_crypto::{NodeId, VersionId};

/// A fixed RSA-4096 test key in PKCS#8 DER, made with `openssl genpkey
/// -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -outform DER` and converted
/// by `openssl pkcs8 -topk8 -nocrypt`. It protects nothing.
pub const TEST_PRIVATE_KEY_PKCS8: &[u8] = include_bytes!("test-key-rsa4096.pk8");

pub const PARENT_ID: NodeId = NodeId::from_bytes([0x11; 16]);
pub const NODE_ID: NodeId = NodeId::from_bytes([0x22; 16]);
pub const FILE_ID: NodeId = NodeId::from_bytes([0x33; 16]);
pub const VERSION_ID: VersionId = VersionId::from_bytes([0x44; 16]);
pub const NODE_KEY_BYTES: [u8; 32] = [0x55; 32];
pub const KEK_BYTES: [u8; 32] = [0x66; 32];

/// Nonce of every envelope sealed here. Reusing it is harmless because the
/// key protects nothing, and it keeps a failing input reproducible.
const NONCE: [u8; 12] = [0x77; 12];

/// Returns the node key of the fixtures.
pub fn node_key() -> NodeKey {
    NodeKey::from_bytes(NODE_KEY_BYTES)
}

/// Splits an input into its mode byte and the rest; `None` when empty.
pub fn mode_and_rest(data: &[u8]) -> Option<(bool, &[u8])> {
    let (&mode, rest) = data.split_first()?;
    Some((mode & 1 == 1, rest))
}

/// Builds the associated data of the v1 formats: `label ‖ 0x00 ‖ 0x01 ‖ fields…`.
pub fn associated_data(label: &str, fields: &[&[u8]]) -> Vec<u8> {
    let mut aad = label.as_bytes().to_vec();
    aad.extend_from_slice(&[0, 1]);
    for field in fields {
        aad.extend_from_slice(field);
    }
    aad
}

/// Derives a 32-byte subkey with HKDF-SHA256 and no salt, as the core does.
pub fn derive_subkey(key: &[u8; 32], info: &[u8]) -> [u8; 32] {
    let okm = hazmat::hkdf_sha256(key, b"", info, 32).expect("32 bytes is a valid HKDF length");
    okm.try_into().expect("HKDF returned 32 bytes")
}

/// Encrypts with AES-256-GCM under the fixed nonce; returns ciphertext ‖ tag.
pub fn encrypt(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    hazmat::aes_256_gcm_encrypt(Backend::Native, key, &NONCE, aad, plaintext)
        .expect("AES-GCM encryption of a short input cannot fail")
}

/// Seals `plaintext` in a v1 envelope, `0x01 ‖ nonce ‖ ciphertext ‖ tag`.
pub fn seal_envelope(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let mut envelope = vec![1];
    envelope.extend_from_slice(&NONCE);
    envelope.extend_from_slice(&encrypt(key, aad, plaintext));
    envelope
}

/// Derives the content key of [`FILE_ID`] and [`VERSION_ID`] under [`node_key`].
pub fn content_key_bytes() -> [u8; 32] {
    let mut info = b"gauzian/v1/node/content-key".to_vec();
    info.extend_from_slice(FILE_ID.as_bytes());
    info.extend_from_slice(VERSION_ID.as_bytes());
    derive_subkey(&NODE_KEY_BYTES, &info)
}

/// Seals a chunk with a valid tag for any flags byte, index and plaintext
/// length, including the combinations the core must reject after decryption.
pub fn seal_chunk(index: u32, flags: u8, plaintext: &[u8]) -> Vec<u8> {
    let aad = associated_data(
        "gauzian/chunk",
        &[
            FILE_ID.as_bytes(),
            VERSION_ID.as_bytes(),
            &index.to_be_bytes(),
            &[flags],
        ],
    );
    let mut chunk = vec![1, flags];
    chunk.extend_from_slice(&NONCE);
    chunk.extend_from_slice(&encrypt(&content_key_bytes(), &aad, plaintext));
    chunk
}

/// Returns whether the core must accept a chunk whose tag verified: flags 0
/// or 1, and a plaintext length that fits its position.
pub fn chunk_is_valid(index: u32, flags: u8, plaintext_len: usize) -> bool {
    let size = gauzian_crypto::chunk::CHUNK_SIZE;
    match flags {
        0 => plaintext_len == size,
        1 => plaintext_len <= size && (plaintext_len > 0 || index == 0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    //! The fixtures must seal exactly as the core does, or the forged inputs
    //! would all fail at the tag and the fuzz targets would test nothing.

    use gauzian_crypto::kdf::KeyEncryptionKey;
    use gauzian_crypto::{PrivateKey, chunk, metadata, wrap};

    use super::*;

    #[test]
    fn forged_chunk_opens() {
        let key = node_key().derive_content_key(&FILE_ID, &VERSION_ID);
        let sealed = seal_chunk(0, 1, b"bonjour");
        let (plaintext, is_final) =
            chunk::open_chunk(&key, &FILE_ID, &VERSION_ID, 0, &sealed).unwrap();
        assert_eq!(plaintext, b"bonjour");
        assert!(is_final);
    }

    #[test]
    fn forged_metadata_opens() {
        let metadata_key = derive_subkey(&NODE_KEY_BYTES, b"gauzian/v1/node/metadata-key");
        let aad = associated_data("gauzian/metadata", &[NODE_ID.as_bytes()]);
        let sealed = seal_envelope(&metadata_key, &aad, br#"{"name":"a.txt"}"#);
        let opened = metadata::open_metadata(&node_key(), &NODE_ID, &sealed).unwrap();
        assert_eq!(opened.name, "a.txt");
    }

    #[test]
    fn forged_node_key_opens() {
        let wrapping_key = derive_subkey(&NODE_KEY_BYTES, b"gauzian/v1/node/wrapping-key");
        let aad = associated_data(
            "gauzian/wrap/node",
            &[PARENT_ID.as_bytes(), NODE_ID.as_bytes()],
        );
        let sealed = seal_envelope(&wrapping_key, &aad, &[9; 32]);
        let key = wrap::unwrap_node_key(&node_key(), &PARENT_ID, &NODE_ID, &sealed).unwrap();
        assert_eq!(key.expose_secret(), &[9; 32]);
    }

    #[test]
    fn forged_private_key_opens() {
        let aad = associated_data("gauzian/wrap/private-key/password", &[]);
        let sealed = seal_envelope(&KEK_BYTES, &aad, TEST_PRIVATE_KEY_PKCS8);
        let kek = KeyEncryptionKey::from_bytes(KEK_BYTES);
        let key = wrap::unwrap_private_key(&kek, &sealed).unwrap();
        assert_eq!(&key.to_pkcs8_der()[..], TEST_PRIVATE_KEY_PKCS8);
    }

    #[test]
    fn test_key_imports() {
        PrivateKey::from_pkcs8_der(TEST_PRIVATE_KEY_PKCS8).unwrap();
    }
}
