//! `chunk::open_chunk_in_place` on one sealed chunk.
//!
//! Input: mode (1) ‖ index (u32, big-endian) ‖ flags (1) ‖ payload. Mode
//! bit 0 clear: the payload is the sealed chunk, untouched. Set: the payload
//! is plaintext sealed with a valid tag under `index` and `flags`, and bit 1
//! opens it at the next index instead, where it must fail.

#![no_main]

use gauzian_crypto::chunk;
use gauzian_crypto_fuzz::{FILE_ID, VERSION_ID, chunk_is_valid, node_key, seal_chunk};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some((index, rest)) = rest.split_first_chunk::<4>() else {
        return;
    };
    let Some((&flags, payload)) = rest.split_first() else {
        return;
    };
    let index = u32::from_be_bytes(*index);
    let forged = mode & 1 == 1;
    let open_index = if mode & 2 == 2 {
        index.wrapping_add(1)
    } else {
        index
    };
    let mut buffer = if forged {
        seal_chunk(index, flags, payload)
    } else {
        payload.to_vec()
    };

    let _ = chunk::is_final_chunk(&buffer);
    let key = node_key().derive_content_key(&FILE_ID, &VERSION_ID);
    let result = chunk::open_chunk_in_place(&key, &FILE_ID, &VERSION_ID, open_index, &mut buffer);

    // A raw input opens only if it is a real sealed chunk (the seeds contain
    // one), so its outcome has nothing to check beyond the buffer rule.
    match result {
        Ok(is_final) if forged => {
            assert_eq!(open_index, index, "a chunk opened at another index");
            assert!(chunk_is_valid(index, flags, payload.len()));
            assert_eq!(is_final, flags == 1);
            assert_eq!(buffer, payload);
        }
        Ok(_) => {}
        Err(_) => {
            assert!(buffer.is_empty(), "a failed open left bytes in the buffer");
            if forged && open_index == index {
                assert!(
                    !chunk_is_valid(index, flags, payload.len()),
                    "a valid chunk was rejected"
                );
            }
        }
    }
});
