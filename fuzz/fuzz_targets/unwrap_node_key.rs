//! `wrap::unwrap_node_key` on a wrapped node key.
//!
//! Input: mode (1) ‖ payload. Mode bit 0 clear: the payload is the wrapped
//! key, untouched. Set: the payload is plaintext wrapped with a valid tag
//! under the parent's wrapping subkey; only a 32-byte plaintext may unwrap.

#![no_main]

use gauzian_crypto::wrap;
use gauzian_crypto_fuzz::{
    NODE_ID, NODE_KEY_BYTES, PARENT_ID, associated_data, derive_subkey, mode_and_rest, node_key,
    seal_envelope,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((forged, payload)) = mode_and_rest(data) else {
        return;
    };
    let wrapped = if forged {
        let wrapping_key = derive_subkey(&NODE_KEY_BYTES, b"gauzian/v1/node/wrapping-key");
        let aad = associated_data(
            "gauzian/wrap/node",
            &[PARENT_ID.as_bytes(), NODE_ID.as_bytes()],
        );
        seal_envelope(&wrapping_key, &aad, payload)
    } else {
        payload.to_vec()
    };

    let result = wrap::unwrap_node_key(&node_key(), &PARENT_ID, &NODE_ID, &wrapped);

    if forged {
        match result {
            Ok(key) => assert_eq!(&key.expose_secret()[..], payload),
            Err(_) => assert_ne!(payload.len(), 32, "a valid wrapped key was rejected"),
        }
    }
});
