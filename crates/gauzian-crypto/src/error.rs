//! The one error type of the core.

use thiserror::Error;

/// Error of a cryptographic operation.
///
/// Messages name the value that failed and never contain key material,
/// plaintext or passwords. Authentication failures deliberately do not say
/// which of the wrong key, the wrong context or tampering caused them: AES-GCM
/// cannot tell them apart, and guessing would mislead.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A PBKDF2 iteration count below the accepted minimum.
    #[error(
        "PBKDF2 iteration count {iterations} is too low: use at least {minimum} (310000 is the default)"
    )]
    IterationsTooLow {
        /// The rejected count.
        iterations: u32,
        /// The minimum accepted.
        minimum: u32,
    },

    /// A value of the wrong length, such as a salt, key or id.
    #[error("invalid {what}: expected {expected} bytes, got {actual}")]
    InvalidLength {
        /// The value's name.
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length received.
        actual: usize,
    },

    /// An envelope shorter than its fixed header and tag.
    #[error("{what} is truncated: {actual} bytes, at least {minimum} needed")]
    Truncated {
        /// The envelope's name.
        what: &'static str,
        /// Its length.
        actual: usize,
        /// The shortest valid length.
        minimum: usize,
    },

    /// An envelope whose version byte this build does not know.
    #[error(
        "{what} has format version {version}, which this version of Gauzian does not support; upgrade the client"
    )]
    UnsupportedVersion {
        /// The envelope's name.
        what: &'static str,
        /// The version byte found.
        version: u8,
    },

    /// AES-GCM tag or RSA-OAEP padding check failed: wrong key, envelope
    /// moved to another context, or modified bytes.
    #[error(
        "{what} failed to decrypt: wrong key, data moved from another file or folder, or modified data"
    )]
    DecryptionFailed {
        /// The envelope's name.
        what: &'static str,
    },

    /// A recovery key that does not parse.
    #[error("invalid recovery key: {reason}; check it against the copy you saved")]
    InvalidRecoveryKey {
        /// Reason for the rejection (never the key's characters).
        reason: String,
    },

    /// A public or private key that does not parse or has the wrong size.
    #[error("invalid {what}: {reason}")]
    InvalidKey {
        /// `public key` or `private key`.
        what: &'static str,
        /// Reason for the rejection.
        reason: String,
    },

    /// Decrypted metadata that is not a valid metadata document.
    #[error("decrypted metadata is invalid: {reason}")]
    InvalidMetadata {
        /// Reason for the rejection.
        reason: String,
    },

    /// A chunk sequence that is out of order, too long, or has a chunk of the
    /// wrong size for its position.
    #[error("invalid chunk sequence: {reason}")]
    InvalidChunkSequence {
        /// Problem found in the sequence.
        reason: String,
    },

    /// The stream ended before its final chunk: the file is truncated.
    #[error("file is truncated: the stream ended after {chunks} chunks without a final chunk")]
    Truncation {
        /// Chunks received before the end.
        chunks: u64,
    },

    /// A primitive failed for a reason other than bad input.
    #[error("{0}")]
    Internal(&'static str),

    /// Reading the plaintext or writing the output failed.
    #[error("I/O error: {0}")]
    Io(String),
}
