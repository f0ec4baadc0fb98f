//! `PrivateKey::from_pkcs8_der` and `from_pkcs8_pem` on arbitrary bytes. An
//! accepted key must export the same bytes, and its public key must import.

#![no_main]

use gauzian_crypto::{PrivateKey, PublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PrivateKey::from_pkcs8_pem(text);
    }

    let Ok(key) = PrivateKey::from_pkcs8_der(data) else {
        return;
    };
    assert_eq!(&key.to_pkcs8_der()[..], data);
    let public = PublicKey::from_spki_der(key.public_key().to_spki_der())
        .expect("the public key of an accepted private key imports");
    assert_eq!(&public, key.public_key());
});
