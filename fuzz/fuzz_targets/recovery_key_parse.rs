//! `RecoveryKey::parse` on arbitrary text. An accepted key must display as
//! text that parses back to the same key.

#![no_main]

use gauzian_crypto::recovery::RecoveryKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(key) = RecoveryKey::parse(text) else {
        return;
    };
    let displayed = key.to_display_string();
    assert_eq!(
        RecoveryKey::parse(&displayed).expect("own display form parses"),
        key
    );
});
