//! The primitives that run in WebCrypto: AES-256-GCM on chunks, PBKDF2 and
//! RSA-4096 key generation and decryption. Native code in the browser runs
//! them from several times to an order of magnitude faster than pure Rust
//! compiled to WebAssembly (docs/benchmarks.md). Only the primitive runs
//! there: nonces, associated data, labels, formats and checks stay in
//! `gauzian-crypto`.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use crate::error::{SdkError, SdkResult};

/// `crypto.subtle` of the current global: window, worker or Node.
fn subtle() -> SdkResult<SubtleCrypto> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .ok()
        .filter(|crypto| !crypto.is_undefined())
        .ok_or_else(|| SdkError::new("internal", "this JavaScript runtime has no WebCrypto"))?;
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle"))
        .ok()
        .filter(|subtle| !subtle.is_undefined())
        .ok_or_else(|| {
            SdkError::new(
                "internal",
                "crypto.subtle is missing: the page must be served over HTTPS or from localhost",
            )
        })?;
    Ok(subtle.unchecked_into())
}

/// Builds a plain object with the given properties.
fn object(properties: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (key, value) in properties {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object
}

fn bytes(data: &[u8]) -> JsValue {
    Uint8Array::from(data).into()
}

fn usages(names: &[&str]) -> Array {
    names.iter().map(|name| JsValue::from_str(name)).collect()
}

async fn call(what: &str, promise: Result<js_sys::Promise, JsValue>) -> SdkResult<JsValue> {
    let promise = promise.map_err(|error| SdkError::webcrypto(what, &error))?;
    JsFuture::from(promise)
        .await
        .map_err(|error| SdkError::webcrypto(what, &error))
}

/// Copies an ArrayBuffer result into a Vec.
fn to_vec(buffer: &JsValue) -> Vec<u8> {
    Uint8Array::new(buffer).to_vec()
}

/// Imports a 32-byte AES-GCM key, non-extractable.
pub async fn import_aes_key(raw: &[u8; 32], usage: &str) -> SdkResult<CryptoKey> {
    let key = call(
        "importing an AES key",
        subtle()?.import_key_with_object(
            "raw",
            &Uint8Array::from(&raw[..]),
            &object(&[("name", "AES-GCM".into())]),
            false,
            &usages(&[usage]),
        ),
    )
    .await?;
    Ok(key.unchecked_into())
}

fn aes_params(nonce: &[u8], aad: &[u8]) -> Object {
    object(&[
        ("name", "AES-GCM".into()),
        ("iv", bytes(nonce)),
        ("additionalData", bytes(aad)),
        ("tagLength", 128.into()),
    ])
}

/// Starts an AES-256-GCM encryption and returns the future of its result,
/// the ciphertext followed by the tag. WebCrypto copies the plaintext and
/// runs on its own thread as soon as this returns, so the caller can work
/// (hash the same plaintext) while it runs.
pub fn aes_gcm_encrypt(
    key: &CryptoKey,
    nonce: &[u8],
    aad: &[u8],
    plaintext: &Uint8Array,
) -> SdkResult<impl std::future::Future<Output = SdkResult<Vec<u8>>> + use<>> {
    let promise = subtle()?
        .encrypt_with_object_and_buffer_source(&aes_params(nonce, aad), key, plaintext)
        .map_err(|error| SdkError::webcrypto("sealing a chunk", &error))?;
    Ok(async move {
        let sealed = JsFuture::from(promise)
            .await
            .map_err(|error| SdkError::webcrypto("sealing a chunk", &error))?;
        Ok(to_vec(&sealed))
    })
}

/// AES-256-GCM decryption of ciphertext followed by its tag.
pub async fn aes_gcm_decrypt(
    key: &CryptoKey,
    nonce: &[u8],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> SdkResult<Vec<u8>> {
    let opened = call(
        "opening a chunk",
        subtle()?.decrypt_with_object_and_buffer_source(
            &aes_params(nonce, aad),
            key,
            &Uint8Array::from(ciphertext_and_tag),
        ),
    )
    .await?;
    Ok(to_vec(&opened))
}

/// PBKDF2-HMAC-SHA256 to 32 bytes.
pub async fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> SdkResult<[u8; 32]> {
    let subtle = subtle()?;
    let base = call(
        "importing the password",
        subtle.import_key_with_str(
            "raw",
            &Uint8Array::from(password),
            "PBKDF2",
            false,
            &usages(&["deriveBits"]),
        ),
    )
    .await?;
    let params = object(&[
        ("name", "PBKDF2".into()),
        ("hash", "SHA-256".into()),
        ("salt", bytes(salt)),
        ("iterations", iterations.into()),
    ]);
    let bits = call(
        "deriving keys from the password",
        subtle.derive_bits_with_object(&params, &base.unchecked_into(), 256),
    )
    .await?;
    let derived = zeroize::Zeroizing::new(to_vec(&bits));
    let mut out = [0u8; 32];
    if derived.len() != out.len() {
        return Err(SdkError::new("internal", "PBKDF2 returned a short key"));
    }
    out.copy_from_slice(&derived);
    Ok(out)
}

fn rsa_oaep_algorithm() -> Object {
    object(&[("name", "RSA-OAEP".into()), ("hash", "SHA-256".into())])
}

/// Generates an RSA-4096 key pair (e = 65537) and returns the private key as
/// PKCS#8 DER. The key is extractable only for this export, which the core
/// then parses, checks and wraps.
pub async fn rsa4096_generate_pkcs8() -> SdkResult<zeroize::Zeroizing<Vec<u8>>> {
    let subtle = subtle()?;
    let params = object(&[
        ("name", "RSA-OAEP".into()),
        ("modulusLength", 4096.into()),
        ("publicExponent", bytes(&[1, 0, 1])),
        ("hash", "SHA-256".into()),
    ]);
    let pair = call(
        "generating the RSA key pair",
        subtle.generate_key_with_object(&params, true, &usages(&["encrypt", "decrypt"])),
    )
    .await?;
    let private_key: CryptoKey = Reflect::get(&pair, &JsValue::from_str("privateKey"))
        .map_err(|error| SdkError::webcrypto("reading the generated key", &error))?
        .unchecked_into();
    let der = call(
        "exporting the generated key",
        subtle.export_key("pkcs8", &private_key),
    )
    .await?;
    Ok(zeroize::Zeroizing::new(to_vec(&der)))
}

/// Imports a PKCS#8 RSA private key for OAEP-SHA256 decryption,
/// non-extractable.
pub async fn import_rsa_private_key(pkcs8: &[u8]) -> SdkResult<CryptoKey> {
    let key = call(
        "importing the private key",
        subtle()?.import_key_with_object(
            "pkcs8",
            &Uint8Array::from(pkcs8),
            &rsa_oaep_algorithm(),
            false,
            &usages(&["decrypt"]),
        ),
    )
    .await?;
    Ok(key.unchecked_into())
}

/// RSA-OAEP-SHA256 decryption with a label.
pub async fn rsa_oaep_decrypt(
    key: &CryptoKey,
    label: &[u8],
    ciphertext: &[u8],
) -> SdkResult<zeroize::Zeroizing<Vec<u8>>> {
    let params = object(&[("name", "RSA-OAEP".into()), ("label", bytes(label))]);
    let plaintext = call(
        "unwrapping a key with the private key",
        subtle()?.decrypt_with_object_and_buffer_source(
            &params,
            key,
            &Uint8Array::from(ciphertext),
        ),
    )
    .await?;
    Ok(zeroize::Zeroizing::new(to_vec(&plaintext)))
}
