//! Frozen vectors of Gauzian's own formats: the checked-in file
//! `tests/data/formats/gauzian_v1.json` must open, its broken cases must fail,
//! and sealing again with the recorded nonces must give the same bytes.
//!
//! Regenerate (only when a format version changes):
//! `cargo test -p gauzian-crypto --test format_vectors -- --ignored regenerate`

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers may panic.

use std::path::PathBuf;

use gauzian_crypto::chunk::{self, ChunkPosition};
use gauzian_crypto::kdf::{self, KdfParams};
use gauzian_crypto::keys::{NodeKey, RecordKey};
use gauzian_crypto::metadata::{self, Metadata};
use gauzian_crypto::recovery::RecoveryKey;
use gauzian_crypto::{CryptoError, NodeId, Password, PrivateKey, VersionId, keypair, wrap};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats/gauzian_v1.json")
}

/// The 4096-bit WebCrypto key pair, reused so the vectors need no key
/// generation.
fn test_private_key() -> PrivateKey {
    use base64::Engine as _;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/webcrypto/webcrypto_rsa_oaep.json");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let key = json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["modulusLength"] == 4096)
        .unwrap();
    let der = base64::engine::general_purpose::STANDARD
        .decode(key["pkcs8Der"].as_str().unwrap())
        .unwrap();
    PrivateKey::from_pkcs8_der(&der).unwrap()
}

/// An RNG that replays recorded bytes, so sealing with a recorded nonce can
/// be checked for byte equality.
struct Replay(Vec<u8>);

impl rand::TryRng for Replay {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unimplemented!("only fill_bytes is used")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unimplemented!("only fill_bytes is used")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let taken: Vec<u8> = self.0.drain(..dst.len()).collect();
        dst.copy_from_slice(&taken);
        Ok(())
    }
}

impl rand::TryCryptoRng for Replay {}

fn h(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn unhex(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap()).unwrap()
}

fn id16(value: &Value) -> [u8; 16] {
    unhex(value).try_into().unwrap()
}

fn key32(value: &Value) -> [u8; 32] {
    unhex(value).try_into().unwrap()
}

fn nonce_of(envelope: &[u8], header: usize) -> Vec<u8> {
    envelope[header - 12..header].to_vec()
}

fn flip(bytes: &[u8], index: usize) -> Vec<u8> {
    let mut copy = bytes.to_vec();
    copy[index] ^= 0x01;
    copy
}

#[test]
#[ignore = "writes the vector file; run only when a format version changes"]
fn regenerate() {
    let mut rng = StdRng::seed_from_u64(0x6761_757a_6961_6e00);
    let private_key = test_private_key();

    let params = KdfParams::new(100_000, &[0x5a; 16]).unwrap();
    let password = "mot de passe e\u{301}t\u{e9}";
    let master = kdf::derive_master_key(&Password::from(password), &params).unwrap();

    let recovery = RecoveryKey::generate(&mut rng);

    let parent_id = NodeId::from_bytes([0x11; 16]);
    let node_id = NodeId::from_bytes([0x22; 16]);
    let parent_key = NodeKey::generate(&mut rng);
    let node_key = NodeKey::generate(&mut rng);
    let wrapped_node =
        wrap::wrap_node_key(&parent_key, &parent_id, &node_id, &node_key, &mut rng).unwrap();

    let record_key = RecordKey::generate(&mut rng);
    let wrapped_root = wrap::wrap_root_key(&record_key, &parent_id, &parent_key, &mut rng).unwrap();
    let wrapped_share =
        wrap::wrap_accepted_share_key(&record_key, &node_id, &node_key, &mut rng).unwrap();
    let wrapped_record =
        keypair::wrap_record_key(private_key.public_key(), &record_key, &mut rng).unwrap();
    let shared_for_recipient =
        keypair::wrap_key_for_recipient(private_key.public_key(), &node_id, &node_key, &mut rng)
            .unwrap();

    let kek = master.derive_key_encryption_key();
    let wrapped_private = wrap::wrap_private_key(&kek, &private_key, &mut rng).unwrap();

    let file_metadata = Metadata {
        name: "e\u{301}te\u{301} \u{2013} re\u{301}sume\u{301}.txt".to_owned(),
        mime_type: Some("text/plain".to_owned()),
        size: Some(5_242_881),
        modified_at: Some(1_780_000_000_000),
        sha256: Some([0xab; 32]),
    };
    let sealed_metadata =
        metadata::seal_metadata(&node_key, &node_id, &file_metadata, &mut rng).unwrap();

    let version_id = VersionId::from_bytes([0x33; 16]);
    let content_key = node_key.derive_content_key(&node_id, &version_id);
    let mut chunks = Vec::new();
    for (plaintext, index, is_final) in [(vec![], 0u32, true), (b"bonjour".to_vec(), 0, true)] {
        let position = ChunkPosition {
            file_id: node_id,
            version_id,
            index,
            is_final,
        };
        let sealed = chunk::seal_chunk(&content_key, &position, &plaintext, &mut rng).unwrap();
        chunks.push(json!({
            "index": index, "final": is_final, "plaintext": h(&plaintext), "sealed": h(&sealed),
            "broken": {
                "tag_bit_flipped": h(&flip(&sealed, sealed.len() - 1)),
                "final_flag_cleared": h(&{ let mut b = sealed.clone(); b[1] = 0; b }),
                "version_2": h(&{ let mut b = sealed.clone(); b[0] = 2; b }),
                "truncated": h(&sealed[..sealed.len() - 1]),
            }
        }));
    }
    // A two-chunk file: 5 MiB + 1 byte of `i & 0xff`, given by digests and nonces.
    let big: Vec<u8> = (0..chunk::CHUNK_SIZE + 1)
        .map(|i| (i & 0xff) as u8)
        .collect();
    let mut sealed_digests = Vec::new();
    let mut nonces = Vec::new();
    for (index, part) in big.chunks(chunk::CHUNK_SIZE).enumerate() {
        let position = ChunkPosition {
            file_id: node_id,
            version_id,
            index: index as u32,
            is_final: index == 1,
        };
        let sealed = chunk::seal_chunk(&content_key, &position, part, &mut rng).unwrap();
        nonces.push(h(&nonce_of(&sealed, chunk::CHUNK_HEADER_LEN)));
        sealed_digests.push(h(&<sha2::Sha256 as sha2::Digest>::digest(&sealed)));
    }

    let vectors = json!({
        "comment": "Gauzian format v1 vectors, generated by tests/format_vectors.rs; hex encoding",
        "kdf": {
            "password": password, "iterations": 100_000, "salt": h(params.salt()),
            "master_key": h(master.expose_secret()),
            "auth_key": h(master.derive_auth_key().expose_secret()),
            "key_encryption_key": h(kek.expose_secret()),
        },
        "recovery": {
            "key": h(recovery.expose_secret()),
            "display": recovery.to_display_string().as_str(),
            "key_encryption_key": h(recovery.derive_key_encryption_key().expose_secret()),
            "auth_key": h(recovery.derive_auth_key().expose_secret()),
        },
        "wrap": {
            "parent_id": h(parent_id.as_bytes()), "node_id": h(node_id.as_bytes()),
            "parent_key": h(parent_key.expose_secret()), "node_key": h(node_key.expose_secret()),
            "record_key": h(record_key.expose_secret()),
            "wrapped_node_key": h(&wrapped_node),
            "wrapped_root_key": h(&wrapped_root),
            "wrapped_accepted_share_key": h(&wrapped_share),
            "wrapped_private_key": h(&wrapped_private),
            "rsa_wrapped_record_key": h(&wrapped_record),
            "rsa_wrapped_share_key": h(&shared_for_recipient),
        },
        "metadata": {
            "node_id": h(node_id.as_bytes()), "node_key": h(node_key.expose_secret()),
            "name_nfc": "\u{e9}t\u{e9} \u{2013} r\u{e9}sum\u{e9}.txt",
            "sealed": h(&sealed_metadata),
        },
        "chunks": {
            "file_id": h(node_id.as_bytes()), "version_id": h(version_id.as_bytes()),
            "content_key": h(content_key.expose_secret()),
            "single": chunks,
            "two_chunk_file": { "plaintext": "i & 0xff for i in 0..5242881", "nonces": nonces, "sealed_sha256": sealed_digests },
        },
    });
    std::fs::create_dir_all(vectors_path().parent().unwrap()).unwrap();
    std::fs::write(
        vectors_path(),
        serde_json::to_string_pretty(&vectors).unwrap() + "\n",
    )
    .unwrap();
}

fn load() -> Value {
    let text = std::fs::read_to_string(vectors_path())
        .expect("format vectors missing: run the ignored `regenerate` test");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn kdf_vectors_match() {
    let v = &load()["kdf"];
    let params =
        KdfParams::new(v["iterations"].as_u64().unwrap() as u32, &unhex(&v["salt"])).unwrap();
    let master =
        kdf::derive_master_key(&Password::from(v["password"].as_str().unwrap()), &params).unwrap();
    assert_eq!(h(master.expose_secret()), v["master_key"]);
    assert_eq!(h(master.derive_auth_key().expose_secret()), v["auth_key"]);
    assert_eq!(
        h(master.derive_key_encryption_key().expose_secret()),
        v["key_encryption_key"]
    );
}

#[test]
fn recovery_vectors_match() {
    let v = &load()["recovery"];
    let key = RecoveryKey::parse(v["display"].as_str().unwrap()).unwrap();
    assert_eq!(h(key.expose_secret()), v["key"]);
    assert_eq!(key.to_display_string().as_str(), v["display"]);
    assert_eq!(
        h(key.derive_key_encryption_key().expose_secret()),
        v["key_encryption_key"]
    );
    assert_eq!(h(key.derive_auth_key().expose_secret()), v["auth_key"]);
}

#[test]
fn wrap_vectors_open_only_in_place() {
    let v = &load()["wrap"];
    let parent_id = NodeId::from_bytes(id16(&v["parent_id"]));
    let node_id = NodeId::from_bytes(id16(&v["node_id"]));
    let parent_key = NodeKey::from_bytes(key32(&v["parent_key"]));
    let node_key = NodeKey::from_bytes(key32(&v["node_key"]));
    let record_key = RecordKey::from_bytes(key32(&v["record_key"]));
    let wrapped_node = unhex(&v["wrapped_node_key"]);

    assert_eq!(
        wrap::unwrap_node_key(&parent_key, &parent_id, &node_id, &wrapped_node).unwrap(),
        node_key
    );
    // Moved to another place in the tree, or presented as another kind of key: rejected.
    let moved = wrap::unwrap_node_key(&parent_key, &node_id, &parent_id, &wrapped_node);
    assert!(matches!(moved, Err(CryptoError::DecryptionFailed { .. })));
    let as_share = wrap::unwrap_accepted_share_key(&record_key, &node_id, &wrapped_node);
    assert!(matches!(
        as_share,
        Err(CryptoError::DecryptionFailed { .. })
    ));
    let flipped =
        wrap::unwrap_node_key(&parent_key, &parent_id, &node_id, &flip(&wrapped_node, 20));
    assert!(matches!(flipped, Err(CryptoError::DecryptionFailed { .. })));
    let version_2 = wrap::unwrap_node_key(&parent_key, &parent_id, &node_id, &{
        let mut b = wrapped_node.clone();
        b[0] = 2;
        b
    });
    assert!(matches!(
        version_2,
        Err(CryptoError::UnsupportedVersion { version: 2, .. })
    ));

    assert_eq!(
        wrap::unwrap_root_key(&record_key, &parent_id, &unhex(&v["wrapped_root_key"])).unwrap(),
        parent_key
    );
    assert!(wrap::unwrap_root_key(&record_key, &node_id, &unhex(&v["wrapped_root_key"])).is_err());
    assert_eq!(
        wrap::unwrap_accepted_share_key(
            &record_key,
            &node_id,
            &unhex(&v["wrapped_accepted_share_key"])
        )
        .unwrap(),
        node_key
    );

    let private_key = test_private_key();
    let record =
        keypair::unwrap_record_key(&private_key, &unhex(&v["rsa_wrapped_record_key"])).unwrap();
    assert_eq!(record, record_key);
    let shared = unhex(&v["rsa_wrapped_share_key"]);
    assert_eq!(
        keypair::unwrap_shared_key(&private_key, &node_id, &shared).unwrap(),
        node_key
    );
    // The OAEP label binds the node id and the purpose.
    assert!(keypair::unwrap_shared_key(&private_key, &parent_id, &shared).is_err());
    assert!(keypair::unwrap_record_key(&private_key, &shared).is_err());
}

#[test]
fn wrapped_private_key_vector_opens() {
    let vectors = load();
    let kdf_v = &vectors["kdf"];
    let kek =
        gauzian_crypto::kdf::KeyEncryptionKey::from_bytes(key32(&kdf_v["key_encryption_key"]));
    let wrapped = unhex(&vectors["wrap"]["wrapped_private_key"]);
    let opened = wrap::unwrap_private_key(&kek, &wrapped).unwrap();
    assert_eq!(opened.public_key(), test_private_key().public_key());
    let wrong = gauzian_crypto::kdf::KeyEncryptionKey::from_bytes([0; 32]);
    assert!(matches!(
        wrap::unwrap_private_key(&wrong, &wrapped),
        Err(CryptoError::DecryptionFailed { .. })
    ));
}

#[test]
fn metadata_vector_opens_with_nfc_name() {
    let v = &load()["metadata"];
    let node_id = NodeId::from_bytes(id16(&v["node_id"]));
    let node_key = NodeKey::from_bytes(key32(&v["node_key"]));
    let sealed = unhex(&v["sealed"]);
    let opened = metadata::open_metadata(&node_key, &node_id, &sealed).unwrap();
    assert_eq!(opened.name, v["name_nfc"].as_str().unwrap());
    assert_eq!(opened.size, Some(5_242_881));
    assert_eq!(opened.sha256, Some([0xab; 32]));
    assert_eq!(
        (sealed.len() - 29) % 64,
        0,
        "metadata plaintext is padded to 64 bytes"
    );
    let other_node = NodeId::from_bytes([0x99; 16]);
    assert!(metadata::open_metadata(&node_key, &other_node, &sealed).is_err());
}

#[test]
fn chunk_vectors_open_and_reseal() {
    let v = &load()["chunks"];
    let file_id = NodeId::from_bytes(id16(&v["file_id"]));
    let version_id = VersionId::from_bytes(id16(&v["version_id"]));
    let content_key = gauzian_crypto::keys::ContentKey::from_bytes(key32(&v["content_key"]));

    for case in v["single"].as_array().unwrap() {
        let sealed = unhex(&case["sealed"]);
        let plaintext = unhex(&case["plaintext"]);
        let (opened, is_final) =
            chunk::open_chunk(&content_key, &file_id, &version_id, 0, &sealed).unwrap();
        assert_eq!(opened, plaintext);
        assert!(is_final);

        let position = ChunkPosition {
            file_id,
            version_id,
            index: 0,
            is_final: true,
        };
        let mut replay = Replay(nonce_of(&sealed, chunk::CHUNK_HEADER_LEN));
        assert_eq!(
            chunk::seal_chunk(&content_key, &position, &plaintext, &mut replay).unwrap(),
            sealed
        );

        for (name, broken) in case["broken"].as_object().unwrap() {
            let result = chunk::open_chunk(&content_key, &file_id, &version_id, 0, &unhex(broken));
            assert!(result.is_err(), "broken case {name} opened");
        }
        let wrong_index = chunk::open_chunk(&content_key, &file_id, &version_id, 1, &sealed);
        assert!(matches!(
            wrong_index,
            Err(CryptoError::DecryptionFailed { .. })
        ));
    }

    let two = &v["two_chunk_file"];
    let big: Vec<u8> = (0..chunk::CHUNK_SIZE + 1)
        .map(|i| (i & 0xff) as u8)
        .collect();
    for (index, part) in big.chunks(chunk::CHUNK_SIZE).enumerate() {
        let position = ChunkPosition {
            file_id,
            version_id,
            index: index as u32,
            is_final: index == 1,
        };
        let mut replay = Replay(unhex(&two["nonces"][index]));
        let sealed = chunk::seal_chunk(&content_key, &position, part, &mut replay).unwrap();
        assert_eq!(
            h(&<sha2::Sha256 as sha2::Digest>::digest(&sealed)),
            two["sealed_sha256"][index]
        );
    }
}
