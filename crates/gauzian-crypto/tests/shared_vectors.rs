//! Every Wycheproof and WebCrypto vector file passes through both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers may panic.

#[path = "support/vector_runner.rs"]
mod vector_runner;

use std::path::PathBuf;

fn data_files(folder: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

fn assert_all_pass(folder: &str, expected_files: usize) {
    let files = data_files(folder);
    assert_eq!(files.len(), expected_files, "vector files in {folder}");
    for path in files {
        let tally = vector_runner::run_file(path.to_str().unwrap()).unwrap();
        assert!(tally.passed > 0, "{}: no case ran", path.display());
        assert_eq!(tally.failed, 0, "{}: {:?}", path.display(), tally.failures);
    }
}

#[test]
fn wycheproof_files_pass() {
    assert_all_pass("wycheproof", 7);
}

#[test]
fn webcrypto_files_pass() {
    assert_all_pass("webcrypto", 4);
}

#[test]
fn mgf1_sha1_ciphertexts_all_rejected() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/wycheproof/rsa_oaep_4096_sha256_mgf1sha1_test.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for group in json["testGroups"].as_array().unwrap() {
        let key = hex::decode(group["privateKeyPkcs8"].as_str().unwrap()).unwrap();
        for test in group["tests"].as_array().unwrap() {
            let ct = hex::decode(test["ct"].as_str().unwrap()).unwrap();
            let label = hex::decode(test["label"].as_str().unwrap()).unwrap();
            for &backend in gauzian_crypto::hazmat::Backend::all() {
                let result =
                    gauzian_crypto::hazmat::rsa_oaep_sha256_decrypt(backend, &key, &ct, &label);
                assert!(
                    result.is_err(),
                    "tcId {} decrypted with {}",
                    test["tcId"],
                    backend.name()
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 64);
}
