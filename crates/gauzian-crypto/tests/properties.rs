//! Property tests: every format round-trips, and every way of altering a
//! sealed file is detected.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers may panic.

use std::sync::OnceLock;

use gauzian_crypto::chunk::{self, CHUNK_SIZE, MAX_SEALED_CHUNK_LEN};
use gauzian_crypto::keys::{NodeKey, RecordKey};
use gauzian_crypto::metadata::{self, Metadata};
use gauzian_crypto::recovery::RecoveryKey;
use gauzian_crypto::stream::{self, ChunkDecryptor, ChunkEncryptor};
use gauzian_crypto::{CryptoError, NodeId, VersionId, wrap};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

const FILE_A: NodeId = NodeId::from_bytes([0xa1; 16]);
const FILE_B: NodeId = NodeId::from_bytes([0xb2; 16]);
const VERSION: VersionId = VersionId::from_bytes([0x01; 16]);

/// A file key, and two three-chunk files (10 MiB + 100 bytes) sealed under
/// it, built once: the chunk size is fixed at 5 MiB, so multi-chunk cases are
/// costly to build per case.
struct Fixture {
    key: NodeKey,
    plaintext: Vec<u8>,
    file_a: Vec<Vec<u8>>,
    file_b: Vec<Vec<u8>>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = rng(7);
        let key = NodeKey::generate(&mut rng);
        let plaintext: Vec<u8> = (0..2 * CHUNK_SIZE + 100)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let seal = |file_id: NodeId, rng: &mut StdRng| {
            let mut encryptor =
                ChunkEncryptor::new(key.derive_content_key(&file_id, &VERSION), file_id, VERSION);
            let mut chunks = encryptor.push(&plaintext, rng).unwrap();
            chunks.push(encryptor.finish(rng).unwrap());
            chunks
        };
        let file_a = seal(FILE_A, &mut rng);
        let file_b = seal(FILE_B, &mut rng);
        Fixture {
            key,
            plaintext,
            file_a,
            file_b,
        }
    })
}

/// Opens a chunk sequence as file A; returns the plaintext or the first error.
fn open_as_a(chunks: &[Vec<u8>]) -> Result<Vec<u8>, CryptoError> {
    let fixture = fixture();
    let mut decryptor = ChunkDecryptor::new(
        fixture.key.derive_content_key(&FILE_A, &VERSION),
        FILE_A,
        VERSION,
    );
    let mut out = Vec::new();
    for sealed in chunks {
        out.extend(decryptor.push(sealed)?);
    }
    decryptor.finish()?;
    Ok(out)
}

#[test]
fn fixture_opens_unaltered() {
    let fixture = fixture();
    assert_eq!(fixture.file_a.len(), 3);
    assert_eq!(fixture.file_a[0].len(), MAX_SEALED_CHUNK_LEN);
    assert_eq!(open_as_a(&fixture.file_a).unwrap(), fixture.plaintext);
}

#[test]
fn truncation_after_any_chunk_detected() {
    let fixture = fixture();
    for kept in 0..fixture.file_a.len() {
        let error = open_as_a(&fixture.file_a[..kept]).unwrap_err();
        assert_eq!(
            error,
            CryptoError::Truncation {
                chunks: kept as u64
            },
            "kept {kept} chunks"
        );
    }
}

#[test]
fn appended_chunk_detected() {
    let fixture = fixture();
    let mut chunks = fixture.file_a.clone();
    chunks.push(fixture.file_a[2].clone());
    assert!(matches!(
        open_as_a(&chunks),
        Err(CryptoError::InvalidChunkSequence { .. })
    ));
}

#[test]
fn duplicated_chunk_detected() {
    let fixture = fixture();
    let chunks = vec![
        fixture.file_a[0].clone(),
        fixture.file_a[0].clone(),
        fixture.file_a[2].clone(),
    ];
    assert!(matches!(
        open_as_a(&chunks),
        Err(CryptoError::DecryptionFailed { .. })
    ));
}

#[test]
fn reordered_chunks_detected() {
    let fixture = fixture();
    let chunks = vec![
        fixture.file_a[1].clone(),
        fixture.file_a[0].clone(),
        fixture.file_a[2].clone(),
    ];
    assert!(matches!(
        open_as_a(&chunks),
        Err(CryptoError::DecryptionFailed { .. })
    ));
}

#[test]
fn dropped_middle_chunk_detected() {
    let fixture = fixture();
    let chunks = vec![fixture.file_a[0].clone(), fixture.file_a[2].clone()];
    assert!(matches!(
        open_as_a(&chunks),
        Err(CryptoError::DecryptionFailed { .. })
    ));
}

#[test]
fn chunk_swapped_between_files_detected() {
    let fixture = fixture();
    for index in 0..3 {
        let mut chunks = fixture.file_a.clone();
        chunks[index] = fixture.file_b[index].clone();
        assert!(
            matches!(
                open_as_a(&chunks),
                Err(CryptoError::DecryptionFailed { .. })
            ),
            "chunk {index}"
        );
    }
}

#[test]
fn stream_adapters_reject_truncated_input() {
    let fixture = fixture();
    let concatenated: Vec<u8> = fixture.file_a.concat();
    let key = || fixture.key.derive_content_key(&FILE_A, &VERSION);
    let mut out = Vec::new();
    stream::decrypt(key(), FILE_A, VERSION, &concatenated[..], &mut out).unwrap();
    assert_eq!(out, fixture.plaintext);

    let cut = 2 * MAX_SEALED_CHUNK_LEN;
    let error = stream::decrypt(
        key(),
        FILE_A,
        VERSION,
        &concatenated[..cut],
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(error, CryptoError::Truncation { chunks: 2 });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_flipped_bit_detected(chunk in 0usize..3, offset in any::<prop::sample::Index>(), bit in 0u8..8) {
        let fixture = fixture();
        let mut chunks = fixture.file_a.clone();
        let position = offset.index(chunks[chunk].len());
        chunks[chunk][position] ^= 1 << bit;
        prop_assert!(open_as_a(&chunks).is_err());
    }

    #[test]
    fn stream_round_trips_small_files(data in prop::collection::vec(any::<u8>(), 0..4096), split in any::<prop::sample::Index>(), seed in any::<u64>()) {
        let mut rng = rng(seed);
        let key = NodeKey::generate(&mut rng);
        let mut encryptor = ChunkEncryptor::new(key.derive_content_key(&FILE_A, &VERSION), FILE_A, VERSION);
        // Push in two pieces to exercise buffering.
        let cut = if data.is_empty() { 0 } else { split.index(data.len()) };
        let mut chunks = encryptor.push(&data[..cut], &mut rng).unwrap();
        chunks.extend(encryptor.push(&data[cut..], &mut rng).unwrap());
        chunks.push(encryptor.finish(&mut rng).unwrap());
        prop_assert_eq!(chunks.len(), 1);

        let mut decryptor = ChunkDecryptor::new(key.derive_content_key(&FILE_A, &VERSION), FILE_A, VERSION);
        let opened = decryptor.push(&chunks[0]).unwrap();
        decryptor.finish().unwrap();
        prop_assert_eq!(opened, data);
    }

    #[test]
    fn metadata_round_trips(name in "\\PC{1,200}", mime in proptest::option::of("[a-z]+/[a-z0-9.+-]+"), size in proptest::option::of(any::<u64>()), modified in proptest::option::of(any::<i64>()), digest in proptest::option::of(any::<[u8; 32]>()), seed in any::<u64>()) {
        use unicode_normalization::UnicodeNormalization;
        let mut rng = rng(seed);
        let key = NodeKey::generate(&mut rng);
        let value = Metadata { name: name.clone(), mime_type: mime, size, modified_at: modified, sha256: digest };
        let sealed = metadata::seal_metadata(&key, &FILE_A, &value, &mut rng).unwrap();
        let opened = metadata::open_metadata(&key, &FILE_A, &sealed).unwrap();
        prop_assert_eq!(&opened.name, &name.nfc().collect::<String>());
        prop_assert_eq!(opened.size, value.size);
        prop_assert_eq!(opened.sha256, value.sha256);
        prop_assert_eq!(opened.modified_at, value.modified_at);
        prop_assert!(metadata::open_metadata(&key, &FILE_B, &sealed).is_err());
    }

    #[test]
    fn node_key_wrap_round_trips(parent in any::<[u8; 16]>(), node in any::<[u8; 16]>(), seed in any::<u64>()) {
        prop_assume!(parent != node);
        let mut rng = rng(seed);
        let (parent_id, node_id) = (NodeId::from_bytes(parent), NodeId::from_bytes(node));
        let parent_key = NodeKey::generate(&mut rng);
        let node_key = NodeKey::generate(&mut rng);
        let wrapped = wrap::wrap_node_key(&parent_key, &parent_id, &node_id, &node_key, &mut rng).unwrap();
        prop_assert_eq!(wrap::unwrap_node_key(&parent_key, &parent_id, &node_id, &wrapped).unwrap(), node_key);
        prop_assert!(wrap::unwrap_node_key(&parent_key, &node_id, &parent_id, &wrapped).is_err());

        let record_key = RecordKey::generate(&mut rng);
        let root = wrap::wrap_root_key(&record_key, &node_id, &parent_key, &mut rng).unwrap();
        prop_assert_eq!(wrap::unwrap_root_key(&record_key, &node_id, &root).unwrap(), parent_key);
    }

    #[test]
    fn recovery_key_round_trips(bytes in any::<[u8; 32]>()) {
        let key = RecoveryKey::from_bytes(bytes);
        prop_assert_eq!(RecoveryKey::parse(&key.to_display_string()).unwrap(), key);
    }

    #[test]
    fn malformed_input_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048), seed in any::<u64>()) {
        let mut rng = rng(seed);
        let key = NodeKey::generate(&mut rng);
        let record_key = RecordKey::generate(&mut rng);
        let content_key = key.derive_content_key(&FILE_A, &VERSION);
        prop_assert!(chunk::open_chunk(&content_key, &FILE_A, &VERSION, 0, &bytes).is_err());
        prop_assert!(metadata::open_metadata(&key, &FILE_A, &bytes).is_err());
        prop_assert!(wrap::unwrap_node_key(&key, &FILE_A, &FILE_B, &bytes).is_err());
        prop_assert!(wrap::unwrap_root_key(&record_key, &FILE_A, &bytes).is_err());
        prop_assert!(gauzian_crypto::PublicKey::from_spki_der(&bytes).is_err());
        prop_assert!(gauzian_crypto::PrivateKey::from_pkcs8_der(&bytes).is_err());
        let _ = RecoveryKey::parse(&String::from_utf8_lossy(&bytes));
        let _ = gauzian_crypto::Fingerprint::parse(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn file_sizes_at_chunk_boundaries_round_trip() {
    let mut rng = rng(3);
    let key = NodeKey::generate(&mut rng);
    for size in [
        0,
        1,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        2 * CHUNK_SIZE,
    ] {
        let data: Vec<u8> = (0..size).map(|i| (i % 253) as u8).collect();
        let mut sealed = Vec::new();
        stream::encrypt(
            key.derive_content_key(&FILE_A, &VERSION),
            FILE_A,
            VERSION,
            &data[..],
            &mut sealed,
            &mut rng,
        )
        .unwrap();
        let expected: u64 = chunk::sealed_chunk_sizes(size as u64).iter().sum();
        assert_eq!(
            sealed.len() as u64,
            expected,
            "sealed size of a {size}-byte file"
        );
        assert_eq!(
            chunk::plaintext_size(&chunk::sealed_chunk_sizes(size as u64)),
            Some(size as u64)
        );
        let mut out = Vec::new();
        stream::decrypt(
            key.derive_content_key(&FILE_A, &VERSION),
            FILE_A,
            VERSION,
            &sealed[..],
            &mut out,
        )
        .unwrap();
        assert_eq!(out.len(), size);
        assert!(out == data, "{size}-byte file differs after the round trip");
    }
}

#[test]
fn content_keys_differ_per_version() {
    let key = NodeKey::generate(&mut rng(5));
    let first = key.derive_content_key(&FILE_A, &VERSION);
    let second = key.derive_content_key(&FILE_A, &VersionId::from_bytes([2; 16]));
    assert_ne!(first, second);
}

#[test]
fn split_seal_matches_core_format() {
    use gauzian_crypto::chunk::{ChunkOpenPlan, ChunkPosition, ChunkSealPlan};
    use gauzian_crypto::hazmat::{self, Backend};

    let mut rng = rng(11);
    let key = NodeKey::generate(&mut rng);
    let content_key = key.derive_content_key(&FILE_A, &VERSION);
    let position = ChunkPosition {
        file_id: FILE_A,
        version_id: VERSION,
        index: 0,
        is_final: true,
    };
    let plaintext = b"sealed by another AES-GCM implementation";

    // The AES-GCM step runs outside the format code, as WebCrypto would run it.
    let plan = ChunkSealPlan::new(position, plaintext.len(), &mut rng).unwrap();
    let output = hazmat::aes_256_gcm_encrypt(
        Backend::Portable,
        content_key.expose_secret(),
        plan.nonce(),
        plan.aad(),
        plaintext,
    )
    .unwrap();
    let sealed = plan.assemble(&output).unwrap();
    let (opened, is_final) =
        chunk::open_chunk(&content_key, &FILE_A, &VERSION, 0, &sealed).unwrap();
    assert_eq!(opened, plaintext);
    assert!(is_final);
    assert!(plan.assemble(&output[1..]).is_err());

    let open = ChunkOpenPlan::new(&FILE_A, &VERSION, 0, &sealed).unwrap();
    let decrypted = hazmat::aes_256_gcm_decrypt(
        Backend::Portable,
        content_key.expose_secret(),
        open.nonce(),
        open.aad(),
        open.ciphertext_and_tag(&sealed),
    )
    .unwrap();
    open.check_plaintext(&decrypted).unwrap();
    assert_eq!(decrypted, plaintext);
    assert!(open.is_final());

    let wrong_index = ChunkOpenPlan::new(&FILE_A, &VERSION, 1, &sealed).unwrap();
    assert!(
        hazmat::aes_256_gcm_decrypt(
            Backend::Portable,
            content_key.expose_secret(),
            wrong_index.nonce(),
            wrong_index.aad(),
            wrong_index.ciphertext_and_tag(&sealed)
        )
        .is_err()
    );
    assert!(
        ChunkSealPlan::new(
            ChunkPosition {
                is_final: false,
                ..position
            },
            10,
            &mut rng
        )
        .is_err()
    );
}
