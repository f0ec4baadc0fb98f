//! The other direction of the WebCrypto vectors: Node's WebCrypto imports our
//! keys and opens what the Rust core sealed, rebuilding every label and
//! associated data from the format document.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers may panic.

use std::process::Command;

use gauzian_crypto::chunk::{self, ChunkPosition};
use gauzian_crypto::kdf::{self, KdfParams};
use gauzian_crypto::keys::{NodeKey, RecordKey};
use gauzian_crypto::metadata::{self, Metadata};
use gauzian_crypto::{NodeId, Password, PrivateKey, VersionId, hazmat, keypair, wrap};
use serde_json::json;

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

#[test]
fn webcrypto_opens_rust_output() {
    if !node_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "node is required in CI for the WebCrypto interop test"
        );
        eprintln!("skipped: `node` is not installed, so WebCrypto cannot check the Rust output");
        return;
    }
    let mut rng = rand::rng();
    let h = |bytes: &[u8]| hex::encode(bytes);

    let params = KdfParams::new(100_000, &[0x42; 16]).unwrap();
    let password = "pa\u{301}ssword \u{1F510}";
    let master = kdf::derive_master_key(&Password::from(password), &params).unwrap();

    let private_key = PrivateKey::generate().unwrap();
    let spki = private_key.public_key().to_spki_der().to_vec();
    let record_key = RecordKey::generate(&mut rng);
    let wrapped_record_key =
        keypair::wrap_record_key(private_key.public_key(), &record_key, &mut rng).unwrap();
    let hazmat_ciphertext =
        hazmat::rsa_oaep_sha256_encrypt(&spki, b"no label here", &[], &mut rng).unwrap();

    let (parent_id, node_id) = (NodeId::from_bytes([3; 16]), NodeId::from_bytes([4; 16]));
    let parent_key = NodeKey::generate(&mut rng);
    let node_key = NodeKey::generate(&mut rng);
    let wrapped_node_key =
        wrap::wrap_node_key(&parent_key, &parent_id, &node_id, &node_key, &mut rng).unwrap();

    let name = "re\u{301}sume\u{301} \u{65e5}\u{672c}.txt";
    let sealed_metadata =
        metadata::seal_metadata(&node_key, &node_id, &Metadata::folder(name), &mut rng).unwrap();

    let version_id = VersionId::from_bytes([5; 16]);
    let content_key = node_key.derive_content_key(&node_id, &version_id);
    let first: Vec<u8> = (0..chunk::CHUNK_SIZE).map(|i| (i % 241) as u8).collect();
    let last = b"tail".to_vec();
    let mut sealed_chunks = Vec::new();
    for (index, plaintext) in [&first, &last].into_iter().enumerate() {
        let position = ChunkPosition {
            file_id: node_id,
            version_id,
            index: index as u32,
            is_final: index == 1,
        };
        let sealed = chunk::seal_chunk(&content_key, &position, plaintext, &mut rng).unwrap();
        sealed_chunks.push(json!({ "sealed": h(&sealed), "plaintext": h(plaintext.as_slice()), "final": index == 1 }));
    }

    let cases = json!({
        "kdf": {
            "password": password, "salt": h(params.salt()), "iterations": params.iterations(),
            "master_key": h(master.expose_secret()),
            "auth_key": h(master.derive_auth_key().expose_secret()),
            "key_encryption_key": h(master.derive_key_encryption_key().expose_secret()),
        },
        "rsa": {
            "spki": h(&spki), "pkcs8": h(&private_key.to_pkcs8_der()),
            "record_key": h(record_key.expose_secret()), "wrapped_record_key": h(&wrapped_record_key),
            "hazmat_ciphertext": h(&hazmat_ciphertext), "hazmat_message": h(b"no label here"),
        },
        "wrap": {
            "parent_id": h(parent_id.as_bytes()), "node_id": h(node_id.as_bytes()),
            "parent_key": h(parent_key.expose_secret()), "node_key": h(node_key.expose_secret()),
            "wrapped_node_key": h(&wrapped_node_key),
        },
        "metadata": {
            "node_id": h(node_id.as_bytes()), "node_key": h(node_key.expose_secret()),
            "sealed": h(&sealed_metadata), "name": "r\u{e9}sum\u{e9} \u{65e5}\u{672c}.txt",
        },
        "chunks": {
            "file_id": h(node_id.as_bytes()), "version_id": h(version_id.as_bytes()),
            "file_key": h(node_key.expose_secret()), "content_key": h(content_key.expose_secret()),
            "sealed": sealed_chunks,
        },
    });

    let dir = std::env::temp_dir().join(format!("gauzian-webcrypto-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases_path = dir.join("cases.json");
    std::fs::write(&cases_path, cases.to_string()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/webcrypto/check.mjs");
    let output = Command::new("node")
        .arg(script)
        .arg(&cases_path)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "WebCrypto check failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("webcrypto: all checks passed"), "{stdout}");
    assert_eq!(
        stdout
            .lines()
            .filter(|line| line.starts_with("ok "))
            .count(),
        18,
        "{stdout}"
    );
}
