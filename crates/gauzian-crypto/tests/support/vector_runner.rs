//! Runs one Wycheproof or WebCrypto vector file through the core; shared by
//! the `vectors` example and the `shared_vectors` test.

#![allow(dead_code)]

use gauzian_crypto::hazmat::{self, Backend};
use serde_json::Value;

/// Outcome of one file.
#[derive(Default)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
    pub failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, ok: bool, case: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            self.failures.push(case());
        }
    }
}

/// Runs every case of the file at `path`.
pub fn run_file(path: &str) -> Result<Tally, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("cannot read: {error}"))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|error| format!("invalid JSON: {error}"))?;
    let algorithm = json["algorithm"].as_str().unwrap_or_default();
    let wycheproof = json.get("testGroups").is_some();
    match (algorithm, wycheproof) {
        ("AES-GCM", true) => Ok(wycheproof_aes_gcm(&json)),
        ("RSAES-OAEP", true) => Ok(wycheproof_rsa_oaep(&json)),
        ("PBKDF2-HMAC-SHA256" | "PBKDF2-HMACSHA256", true) => Ok(wycheproof_pbkdf2(&json)),
        ("HKDF-SHA-256", true) => Ok(wycheproof_hkdf(&json)),
        ("AES-256-GCM", false) => Ok(webcrypto_aes_gcm(&json)),
        ("RSA-OAEP", false) => Ok(webcrypto_rsa_oaep(&json)),
        ("PBKDF2-HMAC-SHA256", false) => Ok(webcrypto_pbkdf2(&json)),
        ("HKDF-SHA256", false) => Ok(webcrypto_hkdf(&json)),
        (other, _) => Err(format!("unsupported algorithm {other:?}")),
    }
}

fn hex_field(value: &Value, field: &str) -> Vec<u8> {
    hex::decode(value[field].as_str().unwrap_or_default()).unwrap_or_default()
}

fn tests_of(json: &Value) -> impl Iterator<Item = (&Value, &Value)> {
    json["testGroups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|group| {
            group["tests"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |test| (group, test))
        })
}

fn case_name(path: &Value, backend: Backend) -> String {
    format!(
        "tcId {} ({}): {}",
        path["tcId"],
        backend.name(),
        path["comment"].as_str().unwrap_or_default()
    )
}

fn wycheproof_aes_gcm(json: &Value) -> Tally {
    let mut tally = Tally::default();
    for (group, test) in tests_of(json) {
        let key = hex_field(test, "key");
        let iv = hex_field(test, "iv");
        let aad = hex_field(test, "aad");
        let msg = hex_field(test, "msg");
        let mut sealed = hex_field(test, "ct");
        sealed.extend(hex_field(test, "tag"));
        let valid = test["result"] == "valid";
        // Only AES-256 with 96-bit nonces and 128-bit tags is supported; the
        // other sizes must be rejected cleanly, which counts as a pass.
        let supported = group["keySize"] == 256 && group["ivSize"] == 96 && group["tagSize"] == 128;
        for &backend in Backend::all() {
            let opened = hazmat::aes_256_gcm_decrypt(backend, &key, &iv, &aad, &sealed);
            let ok = if supported && valid {
                let encrypted = hazmat::aes_256_gcm_encrypt(backend, &key, &iv, &aad, &msg);
                opened.as_deref() == Ok(&msg[..]) && encrypted.as_deref() == Ok(&sealed[..])
            } else {
                opened.is_err()
            };
            tally.record(ok, || case_name(test, backend));
        }
    }
    tally
}

fn wycheproof_rsa_oaep(json: &Value) -> Tally {
    let mut tally = Tally::default();
    for (group, test) in tests_of(json) {
        let key = hex_field(group, "privateKeyPkcs8");
        let ct = hex_field(test, "ct");
        let label = hex_field(test, "label");
        let msg = hex_field(test, "msg");
        // Our parameters are SHA-256 with MGF1-SHA-256; a ciphertext made
        // with any other MGF hash must not decrypt, whatever its result field.
        let ours =
            group["sha"] == "SHA-256" && group["mgf"] == "MGF1" && group["mgfSha"] == "SHA-256";
        let valid = ours && test["result"] == "valid";
        for &backend in Backend::all() {
            let result = hazmat::rsa_oaep_sha256_decrypt(backend, &key, &ct, &label);
            let ok = if valid {
                result.as_deref() == Ok(&msg[..])
            } else {
                result.is_err()
            };
            tally.record(ok, || case_name(test, backend));
        }
    }
    tally
}

fn wycheproof_pbkdf2(json: &Value) -> Tally {
    let mut tally = Tally::default();
    for (_, test) in tests_of(json) {
        let password = hex_field(test, "password");
        let salt = hex_field(test, "salt");
        let iterations = test["iterationCount"].as_u64().unwrap_or(0) as u32;
        let length = test["dkLen"].as_u64().unwrap_or(0) as usize;
        let expected = hex_field(test, "dk");
        let valid = test["result"] == "valid";
        for &backend in Backend::all() {
            let result = hazmat::pbkdf2_hmac_sha256(backend, &password, &salt, iterations, length);
            let ok = if valid {
                result.as_deref() == Ok(&expected[..])
            } else {
                result.is_err()
            };
            tally.record(ok, || case_name(test, backend));
        }
    }
    tally
}

fn wycheproof_hkdf(json: &Value) -> Tally {
    let mut tally = Tally::default();
    for (_, test) in tests_of(json) {
        let result = hazmat::hkdf_sha256(
            &hex_field(test, "ikm"),
            &hex_field(test, "salt"),
            &hex_field(test, "info"),
            test["size"].as_u64().unwrap_or(0) as usize,
        );
        let ok = if test["result"] == "valid" {
            result.as_deref() == Ok(&hex_field(test, "okm")[..])
        } else {
            result.is_err()
        };
        tally.record(ok, || format!("tcId {}: {}", test["tcId"], test["comment"]));
    }
    tally
}

fn webcrypto_aes_gcm(json: &Value) -> Tally {
    let mut tally = Tally::default();
    for test in json["tests"].as_array().into_iter().flatten() {
        let key = hex_field(test, "key");
        let iv = hex_field(test, "iv");
        let aad = hex_field(test, "aad");
        let comment = test["comment"].as_str().unwrap_or_default().to_owned();
        for &backend in Backend::all() {
            let ok = if let Some(length) = test["len"].as_u64() {
                // The 5 MiB case gives the plaintext as a rule and the
                // ciphertext by its SHA-256.
                let plaintext: Vec<u8> = (0..length).map(|i| (i & 0xff) as u8).collect();
                let sealed = hazmat::aes_256_gcm_encrypt(backend, &key, &iv, &aad, &plaintext)
                    .unwrap_or_default();
                let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&sealed));
                let opened = hazmat::aes_256_gcm_decrypt(backend, &key, &iv, &aad, &sealed);
                Some(digest.as_str()) == test["ctSha256"].as_str()
                    && Some(sealed.len() as u64) == test["ctLen"].as_u64()
                    && opened.as_deref() == Ok(&plaintext[..])
            } else {
                let plaintext = hex_field(test, "pt");
                let sealed = hex_field(test, "ctAndTag");
                hazmat::aes_256_gcm_encrypt(backend, &key, &iv, &aad, &plaintext).as_deref()
                    == Ok(&sealed[..])
                    && hazmat::aes_256_gcm_decrypt(backend, &key, &iv, &aad, &sealed).as_deref()
                        == Ok(&plaintext[..])
            };
            tally.record(ok, || format!("{comment} ({})", backend.name()));
        }
    }
    tally
}

fn webcrypto_rsa_oaep(json: &Value) -> Tally {
    use base64::Engine as _;
    let base64 = base64::engine::general_purpose::STANDARD;
    let mut tally = Tally::default();
    let mut rng = rand::rng();
    for key in json["keys"].as_array().into_iter().flatten() {
        let pkcs8 = base64
            .decode(key["pkcs8Der"].as_str().unwrap_or_default())
            .unwrap_or_default();
        let spki = base64
            .decode(key["spkiDer"].as_str().unwrap_or_default())
            .unwrap_or_default();
        let bits = key["modulusLength"].as_u64().unwrap_or(0);

        // The 4096-bit key is a user key: the public API must import it.
        if bits == 4096 {
            let imported = gauzian_crypto::PrivateKey::from_pkcs8_der(&pkcs8)
                .map(|private| private.public_key().to_spki_der() == &spki[..]);
            tally.record(imported == Ok(true), || {
                "4096-bit key import through the public API".to_owned()
            });
        }

        for test in key["tests"].as_array().into_iter().flatten() {
            let ct = hex_field(test, "ct");
            let msg = hex_field(test, "msg");
            let label = hex_field(test, "label");
            let valid = test["result"] == "valid";
            for &backend in Backend::all() {
                let result = hazmat::rsa_oaep_sha256_decrypt(backend, &pkcs8, &ct, &label);
                let ok = if valid {
                    result.as_deref() == Ok(&msg[..])
                } else {
                    result.is_err()
                };
                tally.record(ok, || {
                    format!("{bits}-bit {} ({})", test["comment"], backend.name())
                });
            }
            // Our encryption must decrypt with the same key, and WebCrypto's
            // longest message must fit while one byte more must not.
            if valid {
                let encrypted = hazmat::rsa_oaep_sha256_encrypt(&spki, &msg, &label, &mut rng)
                    .and_then(|ct| {
                        hazmat::rsa_oaep_sha256_decrypt(Backend::all()[0], &pkcs8, &ct, &label)
                    });
                tally.record(encrypted.as_deref() == Ok(&msg[..]), || {
                    format!("{bits}-bit re-encrypt {}", test["comment"])
                });
            }
        }
        if let Some(max) = key["maxMessageLength"].as_u64() {
            let too_long = vec![0u8; max as usize + 1];
            let refused = hazmat::rsa_oaep_sha256_encrypt(&spki, &too_long, &[], &mut rng).is_err();
            tally.record(refused, || {
                format!("{bits}-bit message of {} bytes must be refused", max + 1)
            });
        }
    }
    tally
}

fn webcrypto_pbkdf2(json: &Value) -> Tally {
    let mut tally = Tally::default();
    for test in json["tests"].as_array().into_iter().flatten() {
        let password = hex_field(test, "passwordUtf8");
        let salt = hex_field(test, "salt");
        let iterations = test["iterations"].as_u64().unwrap_or(0) as u32;
        let length = test["dkLen"].as_u64().unwrap_or(0) as usize;
        let expected = hex_field(test, "dk");
        for &backend in Backend::all() {
            let result = hazmat::pbkdf2_hmac_sha256(backend, &password, &salt, iterations, length);
            tally.record(result.as_deref() == Ok(&expected[..]), || {
                format!(
                    "{} at {iterations} iterations ({})",
                    test["comment"],
                    backend.name()
                )
            });
        }
    }
    tally
}

fn webcrypto_hkdf(json: &Value) -> Tally {
    let mut tally = Tally::default();
    for test in json["tests"].as_array().into_iter().flatten() {
        let result = hazmat::hkdf_sha256(
            &hex_field(test, "ikm"),
            &hex_field(test, "salt"),
            &hex_field(test, "info"),
            test["len"].as_u64().unwrap_or(0) as usize,
        );
        tally.record(result.as_deref() == Ok(&hex_field(test, "okm")[..]), || {
            test["comment"].to_string()
        });
    }
    tally
}
