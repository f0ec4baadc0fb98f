//! Metadata format v1: a node's name, type, size, modification time and
//! content digest, as JSON sealed under the node's metadata subkey.
//!
//! ```text
//! sealed metadata = version (1) ‖ nonce (12) ‖ ciphertext ‖ tag (16)
//! AAD             = "gauzian/metadata" ‖ 0x00 ‖ version ‖ node id (16)
//! plaintext       = UTF-8 JSON object, padded with spaces to a multiple of 64 bytes
//! ```
//!
//! The padding hides a name's exact length from the server.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::CryptoError;
use crate::envelope::{self, VERSION_1};
use crate::ids::NodeId;
use crate::keys::NodeKey;

const LABEL: &str = "gauzian/metadata";
const PADDING_BLOCK: usize = 64;
/// Maximum metadata plaintext length, padding included.
pub const MAX_METADATA_LEN: usize = 64 * 1024;

/// Attributes of a file or folder that the server must not learn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// File or folder name, NFC-normalized when sealed.
    pub name: String,
    /// MIME type of a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Plaintext size of a file in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Modification time, Unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<i64>,
    /// SHA-256 of the plaintext, lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "hex_digest")]
    pub sha256: Option<[u8; 32]>,
}

impl Metadata {
    /// Metadata of a folder: a name only.
    pub fn folder(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            mime_type: None,
            size: None,
            modified_at: None,
            sha256: None,
        }
    }
}

mod hex_digest {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        value: &Option<[u8; 32]>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => {
                let text: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
                serializer.serialize_str(&text)
            }
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<[u8; 32]>, D::Error> {
        let Some(text) = Option::<String>::deserialize(deserializer)? else {
            return Ok(None);
        };
        let invalid = || serde::de::Error::custom("sha256 must be 64 lowercase hexadecimal digits");
        if text.len() != 64
            || !text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(invalid());
        }
        let mut bytes = [0u8; 32];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte =
                u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).map_err(|_| invalid())?;
        }
        Ok(Some(bytes))
    }
}

fn metadata_aad(node_id: &NodeId) -> Vec<u8> {
    envelope::associated_data(LABEL, VERSION_1, &[node_id.as_bytes()])
}

/// Seals a node's metadata under its key. The name is normalized to NFC
/// first, so names compare equal whichever system typed them.
pub fn seal_metadata<R: CryptoRng + ?Sized>(
    node_key: &NodeKey,
    node_id: &NodeId,
    metadata: &Metadata,
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    let mut normalized = metadata.clone();
    normalized.name = metadata.name.nfc().collect();
    let mut plaintext =
        serde_json::to_vec(&normalized).map_err(|error| CryptoError::InvalidMetadata {
            reason: error.to_string(),
        })?;
    let padded_len = plaintext.len().div_ceil(PADDING_BLOCK).max(1) * PADDING_BLOCK;
    if padded_len > MAX_METADATA_LEN {
        return Err(CryptoError::InvalidMetadata {
            reason: format!(
                "{padded_len} bytes once encoded, more than the maximum of {MAX_METADATA_LEN}"
            ),
        });
    }
    plaintext.resize(padded_len, b' ');
    envelope::seal(
        &node_key.derive_metadata_key(),
        &metadata_aad(node_id),
        &plaintext,
        rng,
    )
}

/// Opens a node's sealed metadata.
pub fn open_metadata(
    node_key: &NodeKey,
    node_id: &NodeId,
    sealed: &[u8],
) -> Result<Metadata, CryptoError> {
    if sealed.len() > MAX_METADATA_LEN + envelope::OVERHEAD {
        return Err(CryptoError::InvalidMetadata {
            reason: format!(
                "{} bytes, more than the maximum of {MAX_METADATA_LEN}",
                sealed.len()
            ),
        });
    }
    let plaintext = envelope::open(
        "metadata",
        &node_key.derive_metadata_key(),
        &metadata_aad(node_id),
        sealed,
    )?;
    serde_json::from_slice(&plaintext).map_err(|error| CryptoError::InvalidMetadata {
        reason: error.to_string(),
    })
}
