//! Gauzian's protocol client: it talks HTTP to a Gauzian server, and the
//! crypto core (`gauzian-crypto`) does every cryptographic step.
//!
//! | module | what it does |
//! | --- | --- |
//! | [`account`] | registration, login, unlocking a drive with the password |
//! | [`drive`] | the decrypted tree: listing, path resolution, folders |
//! | [`upload`] | the upload engine: bounded parallelism, retries, resumption |
//! | [`download`] | the download engine: parallel fetch, in-order verified writing |
//! | `organize` | rename, move and the trash, as methods of [`Drive`] |
//! | [`shares`] | sharing with another account, and opening what others shared |
//! | [`http`] | one method per API route, with retries on transient errors |
//! | [`names`] | NFC normalization and the checks on untrusted names |
//!
//! ```no_run
//! use gauzian_client::{Api, NoProgress, account, download::DownloadOptions};
//! use gauzian_crypto::Password;
//!
//! # async fn example() -> Result<(), gauzian_client::ClientError> {
//! let api = Api::new("http://127.0.0.1:8080")?;
//! let password = Password::from("correct horse battery staple");
//! let (_session, drive) = account::login(&api, "ada@example.com", &password).await?;
//! let file = drive.resolve("/reports/2026.pdf").await?;
//! drive
//!     .download_file(&file, "2026.pdf".as_ref(), &DownloadOptions::default(), &NoProgress)
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! The library logs retries and swallowed errors through `tracing`, with
//! node and version ids. It never logs a password, key or token. The only
//! file names it logs are local paths, when a step on a local file fails
//! without failing the operation (a modification time not restored).

pub mod account;
pub mod download;
pub mod drive;
mod error;
pub mod http;
pub mod names;
mod organize;
pub mod shares;
pub mod upload;

pub use drive::{Drive, Entry, Listing};
pub use error::{ClientError, Result};
/// Re-exported so callers name the same wire types as the client.
pub use gauzian_api as api;
pub use http::{Api, RetryPolicy, SessionToken};

/// Receives the progress of a transfer, in plaintext bytes.
pub trait Progress: Send + Sync {
    /// Adds `bytes` to the bytes transferred.
    fn advance(&self, bytes: u64);
}

/// A [`Progress`] that ignores every report.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&self, _bytes: u64) {}
}
