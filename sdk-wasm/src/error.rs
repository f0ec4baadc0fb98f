//! Errors as they cross into JavaScript: an object with a stable `code` and
//! an English `message`. Messages name the value at fault and never carry a
//! secret.

use gauzian_crypto::CryptoError;
use wasm_bindgen::JsValue;

/// An SDK failure.
#[derive(Debug, Clone)]
pub struct SdkError {
    /// Stable snake_case code that the web app translates.
    pub code: &'static str,
    /// English sentence for logs and as a fallback.
    pub message: String,
}

impl SdkError {
    /// Creates an error with `code` and `message`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Creates the error for a value the SDK cannot use.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("invalid_argument", message)
    }

    /// Creates the error of a cryptographic step that failed while doing
    /// `what`. A failed decryption means tampered or foreign ciphertext, any
    /// other failure a malformed value.
    pub fn crypto(what: &str, error: CryptoError) -> Self {
        let code = match error {
            CryptoError::DecryptionFailed { .. } => "decryption_failed",
            _ => "tampered",
        };
        Self::new(code, format!("{what}: {error}"))
    }

    /// Creates the error of a failed WebCrypto call.
    pub fn webcrypto(what: &str, error: &JsValue) -> Self {
        let detail = js_sys::Reflect::get(error, &JsValue::from_str("message"))
            .ok()
            .and_then(|message| message.as_string())
            .unwrap_or_else(|| "unknown error".to_owned());
        let name = js_sys::Reflect::get(error, &JsValue::from_str("name"))
            .ok()
            .and_then(|name| name.as_string())
            .unwrap_or_default();
        // WebCrypto reports a failed tag or OAEP check as OperationError.
        let code = if name == "OperationError" {
            "decryption_failed"
        } else {
            "internal"
        };
        Self::new(code, format!("{what}: WebCrypto failed ({name}: {detail})"))
    }
}

impl From<SdkError> for JsValue {
    fn from(error: SdkError) -> Self {
        let object = js_sys::Object::new();
        let set = |key: &str, value: &str| {
            // Setting a property on a fresh plain object cannot fail.
            let _ = js_sys::Reflect::set(&object, &key.into(), &value.into());
        };
        set("code", error.code);
        set("message", &error.message);
        object.into()
    }
}

impl From<serde_wasm_bindgen::Error> for SdkError {
    fn from(error: serde_wasm_bindgen::Error) -> Self {
        Self::invalid(format!("unexpected value shape: {error}"))
    }
}

/// Result of an SDK operation.
pub type SdkResult<T> = Result<T, SdkError>;
