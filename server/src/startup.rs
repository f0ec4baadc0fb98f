//! Start-up: data directory, JWT secret, database, chunk store and listener.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use hmac::{KeyInit as _, Mac as _};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::auth::password;
use crate::auth::session::SessionKeys;
use crate::config::Config;
use crate::db::Db;
use crate::limits::{AUTH_RATE_WINDOW, RateLimiter};
use crate::metrics::Metrics;
use crate::redis_store::RedisStore;
use crate::state::{AppState, Settings};
use crate::storage::ChunkStore;

/// Name of the generated JWT secret's file in the data directory.
const SECRET_FILE: &str = "jwt-secret";
/// Bound on the start-up check of the bucket and of Redis.
const BACKEND_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);
/// Shortest JWT secret accepted: 256 bits, the HS256 key size.
const MIN_SECRET_LEN: usize = 32;

/// A server bound to its address, ready to serve.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Server {
    /// Prepares the data directory, opens the database (running migrations)
    /// and the chunk store, and binds the listener.
    pub async fn bind(config: &Config) -> anyhow::Result<Self> {
        if !config.host.is_loopback() && config.jwt_secret.is_none() {
            anyhow::bail!(
                "refusing to listen on non-loopback address {} without JWT_SECRET: \
                 a generated secret would differ between replicas and hosts; \
                 set JWT_SECRET (at least {MIN_SECRET_LEN} bytes) or listen on 127.0.0.1",
                config.host
            );
        }

        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&config.data_dir)
            .with_context(|| {
                format!(
                    "failed to create the data directory {}",
                    config.data_dir.display()
                )
            })?;

        let secret = match &config.jwt_secret {
            Some(secret) if secret.len() < MIN_SECRET_LEN => anyhow::bail!(
                "JWT_SECRET is {} bytes long; use at least {MIN_SECRET_LEN} random bytes",
                secret.len()
            ),
            Some(secret) => secret.clone().into_bytes(),
            None => load_or_generate_secret(&config.data_dir)?,
        };

        let db = Db::open(config.database_url.as_deref(), &config.data_dir).await?;
        let chunks = ChunkStore::open(config, BACKEND_CHECK_TIMEOUT).await?;
        let redis = match &config.redis_url {
            Some(url) => Some(
                tokio::time::timeout(
                    BACKEND_CHECK_TIMEOUT,
                    RedisStore::connect(url, &config.redis_key_prefix),
                )
                .await
                .map_err(|_| {
                    anyhow::anyhow!(
                        "Redis at REDIS_URL did not respond within {BACKEND_CHECK_TIMEOUT:?}"
                    )
                })??,
            ),
            None => None,
        };
        tracing::info!(
            chunk_store = chunks.backend(),
            redis = redis.is_some(),
            "backends ready"
        );

        let mut prelogin_key = hmac::Hmac::<sha2::Sha256>::new_from_slice(&secret)
            .context("failed to key the pre-login HMAC")?;
        prelogin_key.update(b"gauzian pre-login fake salt v1");
        let mut dummy_key = [0u8; 32];
        getrandom::fill(&mut dummy_key).context("failed to read the OS random generator")?;
        let dummy_auth_hash = password::hash_key(dummy_key.to_vec())
            .await
            .map_err(|error| anyhow::anyhow!("failed to hash the dummy key: {error}"))?;

        let state = AppState {
            db,
            chunks,
            redis: redis.clone(),
            sessions: Arc::new(SessionKeys::new(&secret).context("invalid JWT secret")?),
            settings: Arc::new(Settings {
                token_lifetime_seconds: config.token_lifetime,
                cookie_secure: config.cookie_secure,
                quota_bytes: config.quota_bytes,
                prelogin_key: prelogin_key.finalize().into_bytes().into(),
                dummy_auth_hash,
            }),
            metrics: Arc::new(Metrics::default()),
            auth_limiter: Arc::new(RateLimiter::new(
                config.auth_rate_limit,
                AUTH_RATE_WINDOW,
                redis.clone(),
            )),
            upload_slots: Arc::new(Semaphore::new(config.max_concurrent_uploads.max(1))),
        };
        let router = crate::app::router(state.clone(), config)?;

        let address = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("failed to listen on {address}"))?;
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    /// Address the server listens on, with the real port when 0 was asked.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves requests until `shutdown` completes, then lets requests in
    /// flight finish and closes the database pool.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await
            .context("server failed")?;
        self.state.db.close().await;
        Ok(())
    }
}

/// Reads the generated secret from the data directory, or generates and
/// stores one (mode 0600) on first start.
fn load_or_generate_secret(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    let path = data_dir.join(SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let mode = std::fs::metadata(&path)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "the JWT secret file is readable by other users; run chmod 600 on it"
                );
            }
            let secret = text.trim().to_owned();
            if secret.len() < MIN_SECRET_LEN {
                anyhow::bail!(
                    "{} contains a secret shorter than {MIN_SECRET_LEN} bytes; delete the file to generate a new secret",
                    path.display()
                );
            }
            return Ok(secret.into_bytes());
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => {
            return Err(error).with_context(|| format!("failed to read {}", path.display()));
        }
    }

    let mut random = [0u8; 32];
    getrandom::fill(&mut random).context("failed to read the OS random generator")?;
    let secret = hex::encode(random);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("failed to create {}", path.display()))?;
    file.write_all(secret.as_bytes())?;
    file.sync_all()?;
    tracing::warn!(
        path = %path.display(),
        "JWT_SECRET is not set: generated a secret and stored it in the data directory; \
         set JWT_SECRET to run several replicas or to listen beyond loopback"
    );
    Ok(secret.into_bytes())
}
