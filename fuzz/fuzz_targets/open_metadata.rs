//! `metadata::open_metadata` on a sealed metadata envelope.
//!
//! Input: mode (1) ‖ payload. Mode bit 0 clear: the payload is the envelope,
//! untouched. Set: the payload is plaintext sealed with a valid tag under the
//! node's metadata subkey, and the result must match serde_json's reading of
//! the same bytes.

#![no_main]

use gauzian_crypto::metadata::{self, MAX_METADATA_LEN, Metadata};
use gauzian_crypto_fuzz::{
    NODE_ID, NODE_KEY_BYTES, associated_data, derive_subkey, mode_and_rest, node_key, seal_envelope,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((forged, payload)) = mode_and_rest(data) else {
        return;
    };
    let sealed = if forged {
        let metadata_key = derive_subkey(&NODE_KEY_BYTES, b"gauzian/v1/node/metadata-key");
        let aad = associated_data("gauzian/metadata", &[NODE_ID.as_bytes()]);
        seal_envelope(&metadata_key, &aad, payload)
    } else {
        payload.to_vec()
    };

    let result = metadata::open_metadata(&node_key(), &NODE_ID, &sealed);

    if forged {
        let expected = if payload.len() > MAX_METADATA_LEN {
            None
        } else {
            serde_json::from_slice::<Metadata>(payload).ok()
        };
        assert_eq!(result.ok(), expected);
    }
});
