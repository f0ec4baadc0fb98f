//! Writes the seed corpus of every fuzz target: valid inputs made by the
//! core's own sealing functions, plus forged-mode inputs (see the crate docs)
//! that open and that fail after decryption.
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --example make_seeds -- fuzz/seeds
//! ```
//!
//! Sealed seeds carry random nonces, so each run writes different bytes.

use std::path::Path;

use gauzian_crypto::chunk::{self, ChunkPosition};
use gauzian_crypto::kdf::KeyEncryptionKey;
use gauzian_crypto::keys::{NodeKey, RecordKey};
use gauzian_crypto::metadata::{self, Metadata};
use gauzian_crypto::recovery::RecoveryKey;
use gauzian_crypto::{PrivateKey, keypair, wrap};
use gauzian_crypto_fuzz::{
    FILE_ID, KEK_BYTES, NODE_ID, PARENT_ID, TEST_PRIVATE_KEY_PKCS8, VERSION_ID, node_key,
};

/// Mode bytes of the targets that take one.
const RAW: u8 = 0;
const FORGED: u8 = 1;

fn prefixed(mode: u8, payload: &[u8]) -> Vec<u8> {
    let mut input = vec![mode];
    input.extend_from_slice(payload);
    input
}

/// Encodes one record of the `chunk_decryptor` input format.
fn chunk_record(mode: u8, index: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let length = u16::try_from(payload.len()).expect("seed payloads are short");
    let mut record = vec![mode];
    record.extend_from_slice(&index.to_be_bytes());
    record.push(flags);
    record.extend_from_slice(&length.to_be_bytes());
    record.extend_from_slice(payload);
    record
}

fn write_seeds(root: &Path, target: &str, seeds: &[Vec<u8>]) -> std::io::Result<()> {
    let directory = root.join(target);
    std::fs::create_dir_all(&directory)?;
    for (number, seed) in seeds.iter().enumerate() {
        std::fs::write(directory.join(format!("seed-{number:02}")), seed)?;
    }
    eprintln!("{target}: {} seeds", seeds.len());
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::args()
        .nth(1)
        .ok_or("usage: make_seeds OUTPUT_DIRECTORY")?;
    let root = Path::new(&root);
    let mut rng = rand::rng();
    let private_key = PrivateKey::from_pkcs8_der(TEST_PRIVATE_KEY_PKCS8)?;

    let content_key = node_key().derive_content_key(&FILE_ID, &VERSION_ID);
    let final_chunk = chunk::seal_chunk(
        &content_key,
        &ChunkPosition {
            file_id: FILE_ID,
            version_id: VERSION_ID,
            index: 0,
            is_final: true,
        },
        b"bonjour",
        &mut rng,
    )?;
    // Index 0, flags 0x01 (final).
    let header: &[u8] = &[0, 0, 0, 0, 1];
    write_seeds(
        root,
        "open_chunk",
        &[
            [&[RAW], header, &final_chunk].concat(),
            [&[FORGED], header, b"bonjour"].concat(),
            [&[FORGED][..], &[0, 0, 0, 0, 0], b"not a full chunk"].concat(),
            [&[FORGED][..], &[0, 0, 0, 3, 2], b"unknown flags"].concat(),
        ],
    )?;

    write_seeds(
        root,
        "chunk_decryptor",
        &[
            chunk_record(RAW, 0, 1, &final_chunk),
            chunk_record(FORGED, 0, 1, b"only chunk"),
            [
                chunk_record(FORGED, 0, 1, b"final"),
                chunk_record(FORGED, 1, 1, b"appended"),
            ]
            .concat(),
            [
                chunk_record(FORGED, 1, 1, b"out of order"),
                chunk_record(FORGED, 0, 0, b"short middle chunk"),
            ]
            .concat(),
        ],
    )?;

    let mut file_metadata = Metadata::folder("Caf\u{e9} \u{1F600}.txt");
    file_metadata.mime_type = Some("text/plain".to_owned());
    file_metadata.size = Some(5 * 1024 * 1024 + 1);
    file_metadata.modified_at = Some(1_764_806_400_000);
    file_metadata.sha256 = Some([0xAB; 32]);
    let sealed_metadata = metadata::seal_metadata(&node_key(), &NODE_ID, &file_metadata, &mut rng)?;
    let json = serde_json::to_vec(&file_metadata)?;
    write_seeds(
        root,
        "open_metadata",
        &[
            prefixed(RAW, &sealed_metadata),
            prefixed(FORGED, &json),
            prefixed(FORGED, br#"{"name":"x","sha256":"AB"}"#),
            prefixed(FORGED, br#"{"name":"x","size":-1}        "#),
        ],
    )?;

    let child_key = NodeKey::generate(&mut rng);
    let wrapped_node =
        wrap::wrap_node_key(&node_key(), &PARENT_ID, &NODE_ID, &child_key, &mut rng)?;
    write_seeds(
        root,
        "unwrap_node_key",
        &[
            prefixed(RAW, &wrapped_node),
            prefixed(FORGED, &[7; 32]),
            prefixed(FORGED, &[7; 31]),
        ],
    )?;

    let kek = KeyEncryptionKey::from_bytes(KEK_BYTES);
    let wrapped_private = wrap::wrap_private_key(&kek, &private_key, &mut rng)?;
    write_seeds(
        root,
        "unwrap_private_key",
        &[
            prefixed(RAW, &wrapped_private),
            prefixed(FORGED, TEST_PRIVATE_KEY_PKCS8),
        ],
    )?;

    let public_key = private_key.public_key();
    write_seeds(
        root,
        "public_key_spki",
        &[
            public_key.to_spki_der().to_vec(),
            public_key.to_spki_pem().into_bytes(),
        ],
    )?;
    write_seeds(
        root,
        "private_key_pkcs8",
        &[
            TEST_PRIVATE_KEY_PKCS8.to_vec(),
            private_key.to_pkcs8_pem().as_bytes().to_vec(),
        ],
    )?;

    let recovery_key = RecoveryKey::generate(&mut rng);
    let displayed = recovery_key.to_display_string();
    let sloppy = displayed.to_lowercase().replace('-', " ");
    write_seeds(
        root,
        "recovery_key_parse",
        &[displayed.as_bytes().to_vec(), sloppy.into_bytes()],
    )?;

    let record_key = RecordKey::generate(&mut rng);
    let wrapped_record = keypair::wrap_record_key(public_key, &record_key, &mut rng)?;
    write_seeds(
        root,
        "unwrap_record_key",
        &[
            prefixed(RAW, &wrapped_record),
            prefixed(FORGED, &[3; 32]),
            prefixed(FORGED, &[3; 33]),
        ],
    )?;
    Ok(())
}
