//! `PublicKey::from_spki_der` and `from_spki_pem` on arbitrary bytes. An
//! accepted key must re-encode to the same bytes and survive a PEM and
//! fingerprint round trip.

#![no_main]

use gauzian_crypto::{Fingerprint, PublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PublicKey::from_spki_pem(text);
    }

    let Ok(key) = PublicKey::from_spki_der(data) else {
        return;
    };
    assert_eq!(key.to_spki_der(), data);
    let from_pem = PublicKey::from_spki_pem(&key.to_spki_pem()).expect("own PEM re-imports");
    assert_eq!(from_pem, key);
    let fingerprint = key.fingerprint();
    assert_eq!(
        Fingerprint::parse(&fingerprint.to_string()).expect("own fingerprint parses"),
        fingerprint
    );
});
