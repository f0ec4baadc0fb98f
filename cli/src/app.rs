//! What every command shares: the global options, the profile, and opening
//! the drive from the stored session and the password.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use gauzian_client::{Api, ClientError, Drive, account};

use crate::cli::GlobalArgs;
use crate::config::{DEFAULT_SERVER, Profile, SessionFile};
use crate::progress::Reporter;
use crate::secrets;

/// Seconds before expiry at which a token is treated as expired.
const TOKEN_MARGIN_SECONDS: i64 = 60;

#[derive(Debug)]
pub struct App {
    pub global: GlobalArgs,
    pub profile: Profile,
}

impl App {
    pub fn new(global: GlobalArgs) -> Result<Self> {
        let profile = Profile::locate(&global.profile)?;
        Ok(Self { global, profile })
    }

    /// The server to talk to: `--server`, else the session's, else the default.
    pub fn server(&self, session: Option<&SessionFile>) -> String {
        self.global
            .server
            .clone()
            .or_else(|| session.map(|session| session.server.clone()))
            .unwrap_or_else(|| DEFAULT_SERVER.to_owned())
    }

    /// Reads the session, failing with [`ClientError::Unauthenticated`] when
    /// there is none or it is for another server.
    pub fn session(&self) -> Result<SessionFile> {
        let session = self
            .profile
            .load_session()?
            .ok_or(ClientError::Unauthenticated)?;
        if let Some(server) = &self.global.server
            && server.trim_end_matches('/') != session.server
        {
            return Err(ClientError::Unauthenticated).context(format!(
                "the session is for {}, not {server}",
                session.server
            ));
        }
        Ok(session)
    }

    /// Opens the drive: reads the password and unlocks the account's keys
    /// with the stored session. An expired session is renewed with the same
    /// password, so unattended runs keep working.
    pub async fn open_drive(&self) -> Result<Drive> {
        let session = self.session()?;
        let api = Api::new(&session.server)?;
        let password =
            secrets::read_password(self.global.password_file.as_deref(), &session.email)?;

        if session.expires_at > unix_now() + TOKEN_MARGIN_SECONDS {
            match account::unlock(&api.clone().with_token(session.token()), &password).await {
                Ok(drive) => return Ok(drive),
                Err(ClientError::Unauthenticated) => {
                    tracing::info!("session rejected by the server, logging in again");
                }
                Err(error) => return Err(error.into()),
            }
        }

        let (renewed, drive) = account::login(&api, &session.email, &password).await?;
        self.profile.save_session(&SessionFile {
            server: session.server.clone(),
            email: session.email.clone(),
            token: renewed.token.expose_secret().to_owned(),
            expires_at: renewed.expires_at,
        })?;
        Ok(drive)
    }

    /// Starts the progress reporter of a transfer.
    pub fn reporter(&self, total_bytes: u64, files: usize) -> Reporter {
        Reporter::new(!self.global.json, self.global.quiet, total_bytes, files)
    }

    /// Prints a people-facing line on stderr, unless `-q`.
    pub fn message(&self, text: &str) {
        if !self.global.quiet {
            eprintln!("{text}");
        }
    }
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs() as i64)
        .unwrap_or(0)
}
