//! Gauzian's zero-knowledge core: every cryptographic step of the drive, and
//! the byte formats they produce.
//!
//! The core does no I/O beyond the `Read`/`Write` adapters in [`stream`],
//! reads no clock and logs nothing. Randomness comes from the caller's
//! [`rand_core::CryptoRng`], except RSA key generation (see
//! [`PrivateKey::generate`]). It builds unchanged for `wasm32-unknown-unknown`.
//!
//! | module | what it does |
//! | --- | --- |
//! | [`kdf`] | password → master key (PBKDF2) → authentication key and key-encryption key (HKDF) |
//! | [`recovery`] | the recovery key, its typed form, and the keys derived from it |
//! | [`keypair`] | RSA-4096 key pairs, fingerprints, RSA-OAEP key wrapping |
//! | [`keys`] | record key, node keys and their derived subkeys |
//! | [`wrap`] | AES-GCM key wrapping bound to where the key belongs |
//! | [`chunk`], [`stream`] | 5 MiB chunk sealing and whole-file streaming |
//! | [`metadata`] | sealed names, types, sizes, times and digests |
//!
//! The formats are specified in `docs/crypto-format.md`.
//!
//! ```
//! use gauzian_crypto::{chunk, keys::NodeKey, stream, NodeId, VersionId};
//!
//! let mut rng = rand::rng();
//! let file_key = NodeKey::generate(&mut rng);
//! let (file_id, version_id) = (NodeId::from_bytes([1; 16]), VersionId::from_bytes([2; 16]));
//!
//! let mut sealed = Vec::new();
//! let content_key = file_key.derive_content_key(&file_id, &version_id);
//! stream::encrypt(content_key, file_id, version_id, &b"bonjour"[..], &mut sealed, &mut rng)?;
//! assert_eq!(sealed.len(), 7 + chunk::CHUNK_OVERHEAD);
//!
//! let mut plaintext = Vec::new();
//! let content_key = file_key.derive_content_key(&file_id, &version_id);
//! stream::decrypt(content_key, file_id, version_id, &sealed[..], &mut plaintext)?;
//! assert_eq!(plaintext, b"bonjour");
//! # Ok::<(), gauzian_crypto::CryptoError>(())
//! ```

mod backend;
pub mod chunk;
mod envelope;
mod error;
#[cfg(feature = "hazmat")]
pub mod hazmat;
mod ids;
pub mod kdf;
pub mod keypair;
pub mod keys;
pub mod metadata;
pub mod recovery;
mod secret;
pub mod stream;
pub mod wrap;

pub use error::CryptoError;
pub use ids::{NodeId, VersionId};
pub use keypair::{Fingerprint, PrivateKey, PublicKey};
pub use secret::Password;

/// Re-exported so callers name the same RNG traits as the core.
pub use rand_core;
