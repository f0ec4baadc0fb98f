//! The recovery key: 256 random bits shown to the user once, typed back to
//! reset a forgotten password.
//!
//! Display form: the 32 key bytes followed by a 3-byte checksum (the first
//! bytes of SHA-256 over `gauzian/recovery-key/v1 ‖ key`), 35 bytes in all,
//! encoded in Crockford base32 as 56 characters in 14 groups of 4. Parsing
//! ignores case, spaces and dashes, reads `O` as `0` and `I`/`L` as `1`, and
//! rejects a mistyped key through the checksum before anything is sent.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::kdf::expand;
use crate::secret::{random_secret_key, secret_key};

const CHECKSUM_DOMAIN: &[u8] = b"gauzian/recovery-key/v1";
const CHECKSUM_LEN: usize = 3;
const ENCODED_LEN: usize = 56;
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub(crate) const RECOVERY_KEK_INFO: &[u8] = b"gauzian/v1/recovery/key-encryption-key";
pub(crate) const RECOVERY_AUTH_INFO: &[u8] = b"gauzian/v1/recovery/auth-key";

random_secret_key!(
    /// The recovery key itself.
    RecoveryKey
);
secret_key!(
    /// Key that wraps the second copy of the private key.
    RecoveryKeyEncryptionKey
);
secret_key!(
    /// Key the client sends to prove knowledge of the recovery key; the
    /// server stores only its Argon2id hash.
    RecoveryAuthKey
);

fn checksum(key: &[u8; 32]) -> [u8; CHECKSUM_LEN] {
    let digest = Sha256::new()
        .chain_update(CHECKSUM_DOMAIN)
        .chain_update(key)
        .finalize();
    let mut out = [0u8; CHECKSUM_LEN];
    out.copy_from_slice(&digest[..CHECKSUM_LEN]);
    out
}

impl RecoveryKey {
    /// Encodes the key for display: `XXXX-XXXX-…` (14 groups of 4).
    pub fn to_display_string(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new([0u8; 35]);
        bytes[..32].copy_from_slice(self.expose_secret());
        bytes[32..].copy_from_slice(&checksum(self.expose_secret()));

        let mut text = Zeroizing::new(String::with_capacity(ENCODED_LEN + 13));
        // 35 bytes are 280 bits: exactly 56 five-bit groups.
        for index in 0..ENCODED_LEN {
            if index > 0 && index % 4 == 0 {
                text.push('-');
            }
            let bit = index * 5;
            let mut value = 0u16;
            for offset in 0..5 {
                let position = bit + offset;
                let set = (bytes[position / 8] >> (7 - position % 8)) & 1;
                value = (value << 1) | u16::from(set);
            }
            text.push(char::from(ALPHABET[usize::from(value)]));
        }
        text
    }

    /// Parses a typed recovery key and checks its checksum.
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        let invalid = |reason: String| CryptoError::InvalidRecoveryKey { reason };
        let mut values = Zeroizing::new(Vec::with_capacity(ENCODED_LEN));
        for (position, character) in text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\t' | '\n' | '\r'))
            .enumerate()
        {
            let normalized = match character.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            };
            let value = ALPHABET
                .iter()
                .position(|&symbol| char::from(symbol) == normalized)
                .ok_or_else(|| {
                    invalid(format!(
                        "character {} is not a recovery key character",
                        position + 1
                    ))
                })?;
            values.push(value as u8);
        }
        if values.len() != ENCODED_LEN {
            return Err(invalid(format!(
                "it has {} characters, expected {ENCODED_LEN}",
                values.len()
            )));
        }

        let mut bytes = Zeroizing::new([0u8; 35]);
        for (index, value) in values.iter().enumerate() {
            for offset in 0..5 {
                let position = index * 5 + offset;
                let set = (value >> (4 - offset)) & 1;
                bytes[position / 8] |= set << (7 - position % 8);
            }
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes[..32]);
        let key = Self::from_bytes(key);
        if checksum(key.expose_secret()) != bytes[32..] {
            return Err(invalid(
                "its checksum does not match, so at least one character is mistyped".to_owned(),
            ));
        }
        Ok(key)
    }

    /// Derives the key that wraps the recovery copy of the private key.
    pub fn derive_key_encryption_key(&self) -> RecoveryKeyEncryptionKey {
        RecoveryKeyEncryptionKey::from_bytes(expand(self.expose_secret(), RECOVERY_KEK_INFO))
    }

    /// Derives the key that proves knowledge of the recovery key to the server.
    pub fn derive_auth_key(&self) -> RecoveryAuthKey {
        RecoveryAuthKey::from_bytes(expand(self.expose_secret(), RECOVERY_AUTH_INFO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RecoveryKey {
        RecoveryKey::from_bytes(core::array::from_fn(|i| (i * 37 + 11) as u8))
    }

    #[test]
    fn recovery_key_round_trips() {
        let key = sample();
        let text = key.to_display_string();
        assert_eq!(text.len(), 56 + 13);
        assert_eq!(RecoveryKey::parse(&text).unwrap(), key);
    }

    #[test]
    fn recovery_key_accepts_sloppy_typing() {
        let key = sample();
        let text = key
            .to_display_string()
            .to_lowercase()
            .replace('-', " ")
            .replace('0', "o")
            .replace('1', "l");
        assert_eq!(RecoveryKey::parse(&text).unwrap(), key);
    }

    #[test]
    fn recovery_key_detects_every_single_typo() {
        let key = sample();
        let text: Vec<char> = key.to_display_string().chars().collect();
        for position in 0..text.len() {
            if text[position] == '-' {
                continue;
            }
            for &symbol in ALPHABET {
                let replacement = char::from(symbol);
                if replacement == text[position] {
                    continue;
                }
                let mut typo = text.clone();
                typo[position] = replacement;
                let typo: String = typo.into_iter().collect();
                assert!(
                    RecoveryKey::parse(&typo).is_err(),
                    "typo at {position} accepted"
                );
            }
        }
    }

    #[test]
    fn recovery_key_rejects_wrong_length_and_characters() {
        let error = RecoveryKey::parse("ABCD").unwrap_err().to_string();
        assert!(error.contains("4 characters, expected 56"), "{error}");
        let error = RecoveryKey::parse("U").unwrap_err().to_string();
        assert!(error.contains("character 1"), "{error}");
    }

    #[test]
    fn recovery_error_does_not_echo_key() {
        let text = sample().to_display_string();
        let mut typo = text.to_string();
        typo.replace_range(0..1, if typo.starts_with('Z') { "Y" } else { "Z" });
        let message = RecoveryKey::parse(&typo).unwrap_err().to_string();
        assert!(!message.contains(&typo[5..9]), "{message}");
    }
}
