//! The client's error type.

use std::path::PathBuf;

use gauzian_crypto::CryptoError;
use thiserror::Error;

/// What failed in a client operation.
///
/// Messages name the remote path, local file or server involved and tell what
/// to do. They never contain a password, key, token or plaintext.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server could not be reached, or the connection broke, after every
    /// retry.
    #[error(
        "cannot reach the server at {server}: {detail}; check --server and that the server runs"
    )]
    Unreachable {
        /// Base URL of the server.
        server: String,
        /// The transport error and its causes, joined with ": ".
        detail: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },

    /// The server returned an error status.
    #[error("the server rejected {request} with {status} ({code}): {message}")]
    Api {
        /// Method and route, without query or body.
        request: String,
        /// HTTP status code.
        status: u16,
        /// Stable error code from the body, or `http_error` when there is none.
        code: String,
        /// The server's message.
        message: String,
    },

    /// The session token is missing, expired or revoked.
    #[error("not logged in, or the session expired: run `gauzian login EMAIL`")]
    Unauthenticated,

    /// The server refused the email and authentication key.
    #[error("wrong email or password")]
    InvalidCredentials,

    /// The password did not open the account's private key.
    #[error("wrong password: it does not decrypt this account's keys")]
    WrongPassword,

    /// The server sent something that cannot be valid, such as a node under
    /// the wrong parent or a manifest whose sizes do not add up.
    #[error("invalid response from the server: {reason}")]
    InvalidResponse {
        /// The inconsistency found.
        reason: String,
    },

    /// A cryptographic step failed: wrong key, tampered data or a bug.
    #[error("{context}: {source}")]
    Crypto {
        /// The operation that failed, with the path or id involved.
        context: String,
        /// The core's error.
        #[source]
        source: CryptoError,
    },

    /// No node at a remote path.
    #[error("{path}: no such file or folder")]
    NotFound {
        /// The remote path.
        path: String,
    },

    /// A remote path names a file where a folder is needed.
    #[error("{path}: not a folder")]
    NotAFolder {
        /// The remote path.
        path: String,
    },

    /// A remote path names a folder where a file is needed.
    #[error("{path}: is a folder, not a file")]
    NotAFile {
        /// The remote path.
        path: String,
    },

    /// A node with that name already exists in the folder.
    #[error("{path}: already exists")]
    AlreadyExists {
        /// The remote path.
        path: String,
    },

    /// A name that cannot be used as a file name, from the user or the server.
    #[error("unsafe name {name}: {reason}")]
    UnsafeName {
        /// The name, escaped for display.
        name: String,
        /// The rule the name breaks.
        reason: &'static str,
    },

    /// A download target that exists.
    #[error("{}: already exists; pass --force to overwrite it", path.display())]
    DestinationExists {
        /// The local path.
        path: PathBuf,
    },

    /// A downloaded file whose content does not match its sealed metadata.
    #[error("{path}: {reason}; the download was discarded")]
    Integrity {
        /// The remote path.
        path: String,
        /// The mismatch found.
        reason: String,
    },

    /// A local file that changed while it was being uploaded.
    #[error("{}: the file changed during the upload; the upload was cancelled, try again", path.display())]
    FileChanged {
        /// The local path.
        path: PathBuf,
    },

    /// A local file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The local path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A background task of the client panicked or was cancelled.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ClientError {
    /// Wraps a core error with what the client was doing.
    pub(crate) fn crypto(context: impl Into<String>, source: CryptoError) -> Self {
        Self::Crypto {
            context: context.into(),
            source,
        }
    }

    /// Wraps an I/O error with the local path involved.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// Whether the server returned 404 or the path does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Api { status: 404, .. } | Self::NotFound { .. })
    }
}

/// Result type of the client.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;
