//! AES-256-GCM key wrapping. The associated data names where a wrapped key
//! belongs, so a wrapped key copied to another place fails to open.
//!
//! | function | wrapping key | associated data label | fields |
//! | --- | --- | --- | --- |
//! | [`wrap_private_key`] | password key-encryption key | `gauzian/wrap/private-key/password` | |
//! | [`wrap_private_key_for_recovery`] | recovery key-encryption key | `gauzian/wrap/private-key/recovery` | |
//! | [`wrap_root_key`] | record key | `gauzian/wrap/root-folder` | root id |
//! | [`wrap_accepted_share_key`] | record key | `gauzian/wrap/accepted-share` | node id |
//! | [`wrap_node_key`] | parent's wrapping subkey | `gauzian/wrap/node` | parent id, node id |

use rand_core::CryptoRng;

use crate::CryptoError;
use crate::envelope::{self, VERSION_1};
use crate::ids::NodeId;
use crate::kdf::KeyEncryptionKey;
use crate::keypair::PrivateKey;
use crate::keys::{NodeKey, RecordKey};
use crate::recovery::RecoveryKeyEncryptionKey;

const PRIVATE_KEY_PASSWORD: &str = "gauzian/wrap/private-key/password";
const PRIVATE_KEY_RECOVERY: &str = "gauzian/wrap/private-key/recovery";
const ROOT_FOLDER: &str = "gauzian/wrap/root-folder";
const ACCEPTED_SHARE: &str = "gauzian/wrap/accepted-share";
const NODE: &str = "gauzian/wrap/node";

fn open_key(
    what: &'static str,
    key: &[u8; 32],
    aad: &[u8],
    wrapped: &[u8],
) -> Result<NodeKey, CryptoError> {
    let plaintext = envelope::open(what, key, aad, wrapped)?;
    NodeKey::try_from_slice(&plaintext)
}

/// Wraps the private key under the password key-encryption key.
pub fn wrap_private_key<R: CryptoRng + ?Sized>(
    kek: &KeyEncryptionKey,
    private_key: &PrivateKey,
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    let aad = envelope::associated_data(PRIVATE_KEY_PASSWORD, VERSION_1, &[]);
    envelope::seal(kek.expose_secret(), &aad, &private_key.to_pkcs8_der(), rng)
}

/// Unwraps the private key with the password key-encryption key. Fails with
/// [`CryptoError::DecryptionFailed`] for a wrong password.
pub fn unwrap_private_key(
    kek: &KeyEncryptionKey,
    wrapped: &[u8],
) -> Result<PrivateKey, CryptoError> {
    let aad = envelope::associated_data(PRIVATE_KEY_PASSWORD, VERSION_1, &[]);
    let der = envelope::open("wrapped private key", kek.expose_secret(), &aad, wrapped)?;
    PrivateKey::from_pkcs8_der(&der)
}

/// Wraps the private key under the recovery key-encryption key.
pub fn wrap_private_key_for_recovery<R: CryptoRng + ?Sized>(
    kek: &RecoveryKeyEncryptionKey,
    private_key: &PrivateKey,
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    let aad = envelope::associated_data(PRIVATE_KEY_RECOVERY, VERSION_1, &[]);
    envelope::seal(kek.expose_secret(), &aad, &private_key.to_pkcs8_der(), rng)
}

/// Unwraps the private key with the recovery key-encryption key.
pub fn unwrap_private_key_with_recovery(
    kek: &RecoveryKeyEncryptionKey,
    wrapped: &[u8],
) -> Result<PrivateKey, CryptoError> {
    let aad = envelope::associated_data(PRIVATE_KEY_RECOVERY, VERSION_1, &[]);
    let der = envelope::open(
        "recovery-wrapped private key",
        kek.expose_secret(),
        &aad,
        wrapped,
    )?;
    PrivateKey::from_pkcs8_der(&der)
}

/// Wraps a root folder's key under the record key.
pub fn wrap_root_key<R: CryptoRng + ?Sized>(
    record_key: &RecordKey,
    root_id: &NodeId,
    root_key: &NodeKey,
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    let aad = envelope::associated_data(ROOT_FOLDER, VERSION_1, &[root_id.as_bytes()]);
    envelope::seal(
        record_key.expose_secret(),
        &aad,
        root_key.expose_secret(),
        rng,
    )
}

/// Unwraps a root folder's key with the record key.
pub fn unwrap_root_key(
    record_key: &RecordKey,
    root_id: &NodeId,
    wrapped: &[u8],
) -> Result<NodeKey, CryptoError> {
    let aad = envelope::associated_data(ROOT_FOLDER, VERSION_1, &[root_id.as_bytes()]);
    open_key(
        "wrapped root folder key",
        record_key.expose_secret(),
        &aad,
        wrapped,
    )
}

/// Wraps the key of a share this user accepted under the record key, so later
/// sessions open the share without an RSA operation.
pub fn wrap_accepted_share_key<R: CryptoRng + ?Sized>(
    record_key: &RecordKey,
    node_id: &NodeId,
    node_key: &NodeKey,
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    let aad = envelope::associated_data(ACCEPTED_SHARE, VERSION_1, &[node_id.as_bytes()]);
    envelope::seal(
        record_key.expose_secret(),
        &aad,
        node_key.expose_secret(),
        rng,
    )
}

/// Unwraps the key of an accepted share with the record key.
pub fn unwrap_accepted_share_key(
    record_key: &RecordKey,
    node_id: &NodeId,
    wrapped: &[u8],
) -> Result<NodeKey, CryptoError> {
    let aad = envelope::associated_data(ACCEPTED_SHARE, VERSION_1, &[node_id.as_bytes()]);
    open_key(
        "wrapped shared key",
        record_key.expose_secret(),
        &aad,
        wrapped,
    )
}

/// Wraps a file or folder key under its parent folder's key. Moving the node
/// means wrapping its key again under the new parent.
pub fn wrap_node_key<R: CryptoRng + ?Sized>(
    parent_key: &NodeKey,
    parent_id: &NodeId,
    node_id: &NodeId,
    node_key: &NodeKey,
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    let aad =
        envelope::associated_data(NODE, VERSION_1, &[parent_id.as_bytes(), node_id.as_bytes()]);
    let wrapping_key = parent_key.derive_wrapping_key();
    envelope::seal(&wrapping_key, &aad, node_key.expose_secret(), rng)
}

/// Unwraps a file or folder key with its parent folder's key.
pub fn unwrap_node_key(
    parent_key: &NodeKey,
    parent_id: &NodeId,
    node_id: &NodeId,
    wrapped: &[u8],
) -> Result<NodeKey, CryptoError> {
    let aad =
        envelope::associated_data(NODE, VERSION_1, &[parent_id.as_bytes(), node_id.as_bytes()]);
    let wrapping_key = parent_key.derive_wrapping_key();
    open_key("wrapped node key", &wrapping_key, &aad, wrapped)
}
