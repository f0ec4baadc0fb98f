//! `keypair::unwrap_record_key` with a fixed RSA-4096 test key.
//!
//! Input: mode (1) ‖ payload. Mode bit 0 clear: the payload is the wrapped
//! record key, untouched. Set: the payload (cut to the 446 bytes that
//! RSA-OAEP-SHA256 can carry under a 4096-bit key) is encrypted to the test
//! key with the record-key label and prefixed with version byte 1; only a
//! 32-byte payload may unwrap, to itself.

#![no_main]

use std::sync::LazyLock;

use gauzian_crypto::hazmat;
use gauzian_crypto::{PrivateKey, keypair};
use gauzian_crypto_fuzz::{TEST_PRIVATE_KEY_PKCS8, associated_data, mode_and_rest};
use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;

static PRIVATE_KEY: LazyLock<PrivateKey> = LazyLock::new(|| {
    PrivateKey::from_pkcs8_der(TEST_PRIVATE_KEY_PKCS8).expect("the test key imports")
});

/// Longest RSA-OAEP-SHA256 message under a 4096-bit key: 512 - 2 * 32 - 2.
const MAX_MESSAGE_LEN: usize = 446;

fuzz_target!(|data: &[u8]| {
    let Some((forged, payload)) = mode_and_rest(data) else {
        return;
    };
    let payload = if forged {
        &payload[..payload.len().min(MAX_MESSAGE_LEN)]
    } else {
        payload
    };
    let wrapped = if forged {
        let spki = PRIVATE_KEY.public_key().to_spki_der();
        let label = associated_data("gauzian/oaep/record-key", &[]);
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let ciphertext = hazmat::rsa_oaep_sha256_encrypt(spki, payload, &label, &mut rng)
            .expect("a message of at most 446 bytes fits RSA-4096 OAEP-SHA256");
        let mut wrapped = vec![1];
        wrapped.extend_from_slice(&ciphertext);
        wrapped
    } else {
        payload.to_vec()
    };

    let result = keypair::unwrap_record_key(&PRIVATE_KEY, &wrapped);

    if forged {
        match result {
            Ok(key) => assert_eq!(&key.expose_secret()[..], payload),
            Err(_) => assert_ne!(payload.len(), 32, "a valid wrapped record key was rejected"),
        }
    }
});
