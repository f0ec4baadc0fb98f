//! Password → master key (PBKDF2-HMAC-SHA256) → authentication key and
//! key-encryption key (HKDF-SHA256).

use rand_core::CryptoRng;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::backend;
use crate::secret::{Password, secret_key};

/// Default PBKDF2 iteration count (the OWASP 2023 figure for
/// PBKDF2-HMAC-SHA256).
pub const DEFAULT_ITERATIONS: u32 = 310_000;
/// Lowest iteration count accepted, also for parameters sent by a server.
pub const MIN_ITERATIONS: u32 = 100_000;
/// Salt length in bytes.
pub const SALT_LEN: usize = 16;

pub(crate) const AUTH_KEY_INFO: &[u8] = b"gauzian/v1/auth-key";
pub(crate) const KEK_INFO: &[u8] = b"gauzian/v1/key-encryption-key";

/// PBKDF2 parameters of an account. Public: the server stores and returns
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KdfParams {
    iterations: u32,
    salt: [u8; SALT_LEN],
}

impl KdfParams {
    /// Generates parameters with a fresh salt and the default iteration count.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        Self {
            iterations: DEFAULT_ITERATIONS,
            salt,
        }
    }

    /// Checks parameters received from elsewhere: at least
    /// [`MIN_ITERATIONS`] and a 16-byte salt, so that a malicious server
    /// cannot make the client derive a weak key.
    pub fn new(iterations: u32, salt: &[u8]) -> Result<Self, CryptoError> {
        if iterations < MIN_ITERATIONS {
            return Err(CryptoError::IterationsTooLow {
                iterations,
                minimum: MIN_ITERATIONS,
            });
        }
        let salt = salt.try_into().map_err(|_| CryptoError::InvalidLength {
            what: "PBKDF2 salt",
            expected: SALT_LEN,
            actual: salt.len(),
        })?;
        Ok(Self { iterations, salt })
    }

    /// Iteration count.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// Salt.
    pub fn salt(&self) -> &[u8; SALT_LEN] {
        &self.salt
    }
}

secret_key!(
    /// PBKDF2 output; only ever used to derive the two keys below.
    MasterKey
);
secret_key!(
    /// Key the client sends to the server to authenticate. The server keeps
    /// only an Argon2id hash of it, and it cannot decrypt anything.
    AuthKey
);
secret_key!(
    /// Key that wraps the private key. Never leaves the client.
    KeyEncryptionKey
);

/// Returns the bytes PBKDF2 runs on: the password in Unicode NFC, UTF-8. Public for
/// callers that run PBKDF2 elsewhere (WebCrypto) and then build the
/// [`MasterKey`] with [`MasterKey::from_bytes`].
pub fn normalized_password(password: &Password) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(
        password
            .expose_secret()
            .nfc()
            .collect::<String>()
            .into_bytes(),
    )
}

/// Derives the master key from a password: the password is normalized to
/// Unicode NFC, so that the same text typed on any system gives the same key.
pub fn derive_master_key(
    password: &Password,
    params: &KdfParams,
) -> Result<MasterKey, CryptoError> {
    let normalized = normalized_password(password);
    let mut out = [0u8; 32];
    backend::default::pbkdf2_sha256(&normalized, &params.salt, params.iterations, &mut out)
        .map_err(|_| CryptoError::Internal("PBKDF2 failed"))?;
    Ok(MasterKey::from_bytes(out))
}

impl MasterKey {
    /// Derives the authentication key (HKDF-SHA256, info `gauzian/v1/auth-key`).
    pub fn derive_auth_key(&self) -> AuthKey {
        AuthKey::from_bytes(expand(self.expose_secret(), AUTH_KEY_INFO))
    }

    /// Derives the key-encryption key (HKDF-SHA256, info
    /// `gauzian/v1/key-encryption-key`).
    pub fn derive_key_encryption_key(&self) -> KeyEncryptionKey {
        KeyEncryptionKey::from_bytes(expand(self.expose_secret(), KEK_INFO))
    }
}

/// HKDF-SHA256 with no salt to 32 bytes. The input is already a uniformly
/// random 32-byte key, so extract needs no salt (RFC 5869, section 3.1).
pub(crate) fn expand(ikm: &[u8; 32], info: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // 32 bytes is far below HKDF-SHA256's limit of 255 * 32, so this cannot fail.
    #[allow(clippy::expect_used)]
    backend::hkdf_sha256(ikm, None, info, &mut out).expect("32-byte HKDF output is always valid");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_reject_low_iterations() {
        let error = KdfParams::new(99_999, &[0; 16]).unwrap_err();
        assert_eq!(
            error,
            CryptoError::IterationsTooLow {
                iterations: 99_999,
                minimum: 100_000
            }
        );
        assert!(KdfParams::new(100_000, &[0; 16]).is_ok());
    }

    #[test]
    fn params_reject_wrong_salt_length() {
        for length in [0, 15, 17, 32] {
            let error = KdfParams::new(310_000, &vec![0; length]).unwrap_err();
            assert!(matches!(error, CryptoError::InvalidLength { actual, .. } if actual == length));
        }
    }

    #[test]
    fn nfc_and_nfd_passwords_derive_same_key() {
        let params = KdfParams::new(100_000, &[7; 16]).unwrap();
        let nfc = derive_master_key(&Password::from("mot de passe \u{e9}"), &params).unwrap();
        let nfd = derive_master_key(&Password::from("mot de passe e\u{301}"), &params).unwrap();
        assert_eq!(nfc, nfd);
    }

    #[test]
    fn auth_key_and_kek_differ() {
        let master = MasterKey::from_bytes([1; 32]);
        assert_ne!(
            master.derive_auth_key().expose_secret(),
            master.derive_key_encryption_key().expose_secret()
        );
    }

    #[test]
    fn secrets_debug_redacted() {
        let master = MasterKey::from_bytes([0xAB; 32]);
        let text = format!("{master:?} {:?}", Password::from("hunter2"));
        assert!(!text.contains("171"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
}
