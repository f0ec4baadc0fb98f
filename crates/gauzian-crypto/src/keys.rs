//! Symmetric keys of the key tree and the subkeys derived from a node key.
//!
//! ```text
//! record key (per user) ─┬─ wraps → root folder key
//!                        └─ wraps → keys of accepted shares
//! folder key ─ wrapping subkey ─ wraps → child folder and file keys
//! node key ─ metadata subkey ─ seals → name, type, size, times, digest
//! file key ─ content subkey (per version) ─ seals → chunks
//! ```

use zeroize::Zeroizing;

use crate::ids::{NodeId, VersionId};
use crate::kdf::expand;
use crate::secret::{random_secret_key, secret_key};

random_secret_key!(
    /// Per-user key that wraps the user's entry points (root folder key,
    /// accepted shares), so daily work needs no RSA operation.
    RecordKey
);
random_secret_key!(
    /// Random key of one file or folder.
    NodeKey
);
secret_key!(
    /// Key that seals the chunks of one file version.
    ContentKey
);

pub(crate) const NODE_WRAP_INFO: &[u8] = b"gauzian/v1/node/wrapping-key";
pub(crate) const NODE_METADATA_INFO: &[u8] = b"gauzian/v1/node/metadata-key";
pub(crate) const NODE_CONTENT_INFO: &[u8] = b"gauzian/v1/node/content-key";

impl NodeKey {
    /// Derives the subkey that wraps this folder's children's keys.
    pub(crate) fn derive_wrapping_key(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(expand(self.expose_secret(), NODE_WRAP_INFO))
    }

    /// Derives the subkey that seals this node's metadata.
    pub(crate) fn derive_metadata_key(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(expand(self.expose_secret(), NODE_METADATA_INFO))
    }

    /// Derives the key of one version's chunks: HKDF-SHA256 with info
    /// `gauzian/v1/node/content-key ‖ file id ‖ version id`, so every version
    /// of every file has its own key.
    pub fn derive_content_key(&self, file_id: &NodeId, version_id: &VersionId) -> ContentKey {
        let mut info = Vec::with_capacity(NODE_CONTENT_INFO.len() + 32);
        info.extend_from_slice(NODE_CONTENT_INFO);
        info.extend_from_slice(file_id.as_bytes());
        info.extend_from_slice(version_id.as_bytes());
        ContentKey::from_bytes(expand(self.expose_secret(), &info))
    }
}
