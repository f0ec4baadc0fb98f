//! The configuration directory: the session file and pending uploads, per
//! profile. Every file here is written with mode 0600 and the directories
//! with 0700, because the session token is a credential. No key material is
//! stored: commands that need keys derive them from the password again.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use gauzian_client::SessionToken;
use gauzian_client::upload::{PendingUpload, UploadObserver};
use serde::{Deserialize, Serialize};

/// Server used when neither `--server`, `GAUZIAN_SERVER` nor a session names one.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// One profile's directory.
#[derive(Debug, Clone)]
pub struct Profile {
    directory: PathBuf,
}

/// Content of `session.json`.
#[derive(Serialize, Deserialize)]
pub struct SessionFile {
    /// Server base URL.
    pub server: String,
    /// Account email.
    pub email: String,
    /// Bearer token.
    pub token: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for SessionFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionFile")
            .field("server", &self.server)
            .field("email", &self.email)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Drop for SessionFile {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.token);
    }
}

impl SessionFile {
    /// The token as a secret value.
    pub fn token(&self) -> SessionToken {
        SessionToken::new(self.token.clone())
    }
}

impl Profile {
    /// Finds the directory of `profile`: `$GAUZIAN_CONFIG_DIR`, else the
    /// user's configuration directory plus `gauzian`; profiles other than
    /// `default` live in `profiles/NAME` below it.
    pub fn locate(profile: &str) -> Result<Self> {
        let base = match std::env::var_os("GAUZIAN_CONFIG_DIR") {
            Some(directory) if !directory.is_empty() => PathBuf::from(directory),
            _ => dirs::config_dir()
                .context("cannot find the configuration directory: set GAUZIAN_CONFIG_DIR")?
                .join("gauzian"),
        };
        if profile.is_empty()
            || !profile
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            || profile.starts_with('.')
        {
            bail!("invalid profile name {profile:?}: use letters, digits, '-', '_' and '.'");
        }
        let directory = if profile == "default" {
            base
        } else {
            base.join("profiles").join(profile)
        };
        Ok(Self { directory })
    }

    fn session_path(&self) -> PathBuf {
        self.directory.join("session.json")
    }

    fn uploads_directory(&self) -> PathBuf {
        self.directory.join("uploads")
    }

    /// Reads the session, or `None` when not logged in.
    pub fn load_session(&self) -> Result<Option<SessionFile>> {
        let path = self.session_path();
        let text = match fs::read(&path) {
            Ok(text) => zeroize::Zeroizing::new(text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", path.display()));
            }
        };
        let session = serde_json::from_slice(&text).with_context(|| {
            format!(
                "{} is not a valid session file; delete it and log in again",
                path.display()
            )
        })?;
        Ok(Some(session))
    }

    /// Writes the session atomically with mode 0600.
    pub fn save_session(&self, session: &SessionFile) -> Result<()> {
        let text = zeroize::Zeroizing::new(serde_json::to_vec_pretty(session)?);
        write_private(&self.session_path(), &text)
    }

    /// Deletes the session file; succeeds when there is none.
    pub fn delete_session(&self) -> Result<()> {
        let path = self.session_path();
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error).with_context(|| format!("cannot delete {}", path.display())),
        }
    }

    /// Finds a pending upload of `local` as `name` into folder `parent_id`.
    pub fn find_pending_upload(
        &self,
        parent_id: uuid::Uuid,
        local: &Path,
        name: &str,
    ) -> Option<PendingUpload> {
        let entries = fs::read_dir(self.uploads_directory()).ok()?;
        for entry in entries.flatten() {
            let Ok(text) = fs::read(entry.path()) else {
                continue;
            };
            let Ok(pending) = serde_json::from_slice::<PendingUpload>(&text) else {
                tracing::warn!(path = %entry.path().display(), "ignoring an unreadable pending upload record");
                continue;
            };
            if pending.parent_id == parent_id && pending.local_path == local && pending.name == name
            {
                return Some(pending);
            }
        }
        None
    }

    fn pending_path(&self, pending: &PendingUpload) -> PathBuf {
        self.uploads_directory()
            .join(format!("{}.json", pending.version_id))
    }
}

/// Records pending uploads in the profile, so that an interrupted upload
/// resumes on the next `gauzian upload` of the same file.
impl UploadObserver for Profile {
    fn started(&self, upload: &PendingUpload) {
        let written = serde_json::to_vec_pretty(upload)
            .map_err(anyhow::Error::from)
            .and_then(|text| write_private(&self.pending_path(upload), &text));
        if let Err(error) = written {
            tracing::warn!(version = %upload.version_id, error = %format!("{error:#}"), "cannot record the pending upload; it will not resume");
        }
    }

    fn ended(&self, upload: &PendingUpload) {
        let path = self.pending_path(upload);
        if let Err(error) = fs::remove_file(&path)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), %error, "cannot delete the pending upload record");
        }
    }
}

/// Writes `contents` to `path` through a temporary file with mode 0600 and a
/// rename, creating the parent directories with mode 0700.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    let directory = path
        .parent()
        .with_context(|| format!("{} has no parent directory", path.display()))?;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;

    let temporary = directory.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("file"),
        std::process::id()
    ));
    let written = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(contents)?;
            file.sync_all()
        });
    if let Err(error) = written.and_then(|()| fs::rename(&temporary, path)) {
        let _ = fs::remove_file(&temporary);
        return Err(error).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// Creates `path` with mode 0600 and writes `contents`; fails if it exists, so
/// that a recovery key never replaces another file.
pub fn create_private(path: &Path, contents: &[u8]) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
