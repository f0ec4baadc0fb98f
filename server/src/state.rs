//! State shared by every handler.

use std::fmt;
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::auth::session::SessionKeys;
use crate::db::Db;
use crate::limits::RateLimiter;
use crate::metrics::Metrics;
use crate::redis_store::RedisStore;
use crate::storage::ChunkStore;

/// Handles to the database, the chunk store and the server's secrets.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Metadata database.
    pub db: Db,
    /// Encrypted chunks, on local disk or in a bucket.
    pub chunks: ChunkStore,
    /// Revoked tokens and per-IP windows shared by replicas, when
    /// `REDIS_URL` is set; otherwise they are in the database and in process.
    pub redis: Option<RedisStore>,
    /// Session token keys.
    pub sessions: Arc<SessionKeys>,
    /// Settings and secrets that handlers read.
    pub settings: Arc<Settings>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Per-IP limit on the authentication routes.
    pub auth_limiter: Arc<RateLimiter>,
    /// One permit per chunk upload allowed in flight (MAX_CONCURRENT_UPLOADS).
    pub upload_slots: Arc<Semaphore>,
}

/// Settings that handlers read, resolved at start-up.
pub struct Settings {
    /// Session token lifetime, in seconds.
    pub token_lifetime_seconds: u64,
    /// Whether the session cookie is `Secure`.
    pub cookie_secure: bool,
    /// Storage quota per account in bytes; 0 means no quota.
    pub quota_bytes: u64,
    /// HMAC key that derives stable fake salts for unknown emails at
    /// pre-login. Derived from the JWT secret.
    pub prelogin_key: [u8; 32],
    /// Argon2id hash of a random key, verified against when a login names an
    /// unknown email so that the response takes as long as for a real one.
    pub dummy_auth_hash: String,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("token_lifetime_seconds", &self.token_lifetime_seconds)
            .field("cookie_secure", &self.cookie_secure)
            .field("quota_bytes", &self.quota_bytes)
            .field("prelogin_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}
