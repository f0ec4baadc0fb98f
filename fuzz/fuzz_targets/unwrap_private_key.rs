//! `wrap::unwrap_private_key` on a wrapped private key.
//!
//! Input: mode (1) ‖ payload. Mode bit 0 clear: the payload is the wrapped
//! key, untouched. Set: the payload is plaintext wrapped with a valid tag
//! under the key-encryption key, so it reaches the PKCS#8 import, whose
//! verdict must match a direct import of the same bytes.

#![no_main]

use gauzian_crypto::kdf::KeyEncryptionKey;
use gauzian_crypto::{PrivateKey, wrap};
use gauzian_crypto_fuzz::{KEK_BYTES, associated_data, mode_and_rest, seal_envelope};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((forged, payload)) = mode_and_rest(data) else {
        return;
    };
    let wrapped = if forged {
        let aad = associated_data("gauzian/wrap/private-key/password", &[]);
        seal_envelope(&KEK_BYTES, &aad, payload)
    } else {
        payload.to_vec()
    };

    let kek = KeyEncryptionKey::from_bytes(KEK_BYTES);
    let result = wrap::unwrap_private_key(&kek, &wrapped);

    if forged {
        assert_eq!(result.is_ok(), PrivateKey::from_pkcs8_der(payload).is_ok());
        if let Ok(key) = result {
            assert_eq!(&key.to_pkcs8_der()[..], payload);
        }
    }
});
