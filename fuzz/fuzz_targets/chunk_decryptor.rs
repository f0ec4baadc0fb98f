//! `stream::ChunkDecryptor::push` over a sequence of chunks, checked against
//! a model of the sequence rules: chunks in index order, nothing after the
//! final chunk, every chunk's size valid for its position, and a failed push
//! leaves the decryptor's state unchanged.
//!
//! Input: records of mode (1) ‖ index (u32, big-endian) ‖ flags (1) ‖
//! length (u16, big-endian) ‖ payload (length bytes, or what is left). Mode
//! bit 0 clear: the payload is pushed as a sealed chunk, untouched. Set: the
//! payload is plaintext sealed with a valid tag under `index` and `flags`.

#![no_main]

use gauzian_crypto::chunk;
use gauzian_crypto::stream::ChunkDecryptor;
use gauzian_crypto_fuzz::{FILE_ID, VERSION_ID, chunk_is_valid, node_key, seal_chunk};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = node_key().derive_content_key(&FILE_ID, &VERSION_ID);
    let mut decryptor = ChunkDecryptor::new(key, FILE_ID, VERSION_ID);
    let mut expected_index = 0u32;
    let mut finished = false;

    let mut input = data;
    while let Some((header, rest)) = input.split_first_chunk::<8>() {
        let forged = header[0] & 1 == 1;
        let index = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
        let flags = header[5];
        let length = usize::from(u16::from_be_bytes([header[6], header[7]])).min(rest.len());
        let (payload, rest) = rest.split_at(length);
        input = rest;

        let sealed = if forged {
            seal_chunk(index, flags, payload)
        } else {
            payload.to_vec()
        };
        let should_open = forged
            && !finished
            && index == expected_index
            && chunk_is_valid(index, flags, payload.len());

        match decryptor.push(&sealed) {
            Ok(plaintext) if forged => {
                assert!(should_open, "chunk {index} (flags {flags}) was accepted");
                assert_eq!(plaintext, payload);
                expected_index += 1;
                finished = flags == 1;
            }
            // A raw record opens only if it is a real sealed chunk (the seeds
            // contain one), which must then have come in order.
            Ok(_) => {
                assert!(!finished, "a chunk was accepted after the final chunk");
                expected_index += 1;
                finished = chunk::is_final_chunk(&sealed).expect("an opened chunk has valid flags");
            }
            Err(_) => assert!(!should_open, "valid chunk {index} was rejected"),
        }
        assert_eq!(decryptor.next_index(), expected_index);
        assert_eq!(decryptor.is_finished(), finished);
    }

    assert_eq!(decryptor.finish().is_ok(), finished);
});
