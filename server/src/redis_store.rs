//! State that replicas share through Redis when `REDIS_URL` is set: revoked
//! session tokens and the per-IP request windows.
//!
//! Every call has a short timeout, and a failed call is an error, never a
//! default: a token whose revocation cannot be checked is rejected (503), and
//! so is a login whose window cannot be counted. The server fails closed.

use std::net::IpAddr;
use std::time::Duration;

use anyhow::Context as _;
use redis::AsyncTypedCommands as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use uuid::Uuid;

use crate::error::ApiError;

/// Timeout of a connection attempt and of each command's response.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection to Redis, shared by the handlers; it reconnects by itself.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` and checks that Redis responds. Keys start with
    /// `prefix` and a colon.
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        // The URL may hold a password: errors name Redis, not the URL.
        let client = redis::Client::open(url).context("REDIS_URL is not a valid Redis URL")?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(1));
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .context("failed to connect to Redis at REDIS_URL; check that it is running")?;
        let store = Self {
            connection,
            prefix: prefix.to_owned(),
        };
        store
            .ping()
            .await
            .context("Redis at REDIS_URL did not respond to PING")?;
        Ok(store)
    }

    fn key(&self, kind: &str, id: impl std::fmt::Display) -> String {
        format!("{}:{kind}:{id}", self.prefix)
    }

    /// Checks that Redis responds.
    pub async fn ping(&self) -> redis::RedisResult<()> {
        self.connection.clone().ping().await.map(|_| ())
    }

    /// Records a token as revoked until it expires anyway.
    pub async fn revoke(&self, token_id: Uuid, expires_at: i64) -> Result<(), ApiError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let seconds = u64::try_from(expires_at)
            .unwrap_or(0)
            .saturating_sub(now)
            .max(1);
        self.connection
            .clone()
            .set_ex(self.key("revoked", token_id), 1u8, seconds)
            .await
            .map_err(unavailable)
    }

    /// Returns whether a logout revoked the token.
    pub async fn is_revoked(&self, token_id: Uuid) -> Result<bool, ApiError> {
        self.connection
            .clone()
            .exists(self.key("revoked", token_id))
            .await
            .map_err(unavailable)
    }

    /// Counts a request from `address` in the current fixed window of
    /// `window`, or returns the time until the address may send again.
    pub async fn count_request(
        &self,
        scope: &str,
        address: IpAddr,
        limit: u32,
        window: Duration,
    ) -> Result<Result<(), Duration>, ApiError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let window_secs = window.as_secs().max(1);
        let window_index = now.as_secs() / window_secs;
        let key = self.key(scope, format_args!("{address}:{window_index}"));
        let (count,): (u64,) = redis::pipe()
            .atomic()
            .incr(&key, 1u64)
            .expire(&key, i64::try_from(window_secs * 2).unwrap_or(i64::MAX))
            .ignore()
            .query_async(&mut self.connection.clone())
            .await
            .map_err(unavailable)?;
        if count > u64::from(limit) {
            let window_end = Duration::from_secs((window_index + 1) * window_secs);
            return Ok(Err(window_end.saturating_sub(now)));
        }
        Ok(Ok(()))
    }
}

fn unavailable(error: redis::RedisError) -> ApiError {
    ApiError::Unavailable {
        code: "session_store_unavailable",
        message: "the session store is unavailable; retry in a few seconds",
        cause: error.into(),
    }
}
