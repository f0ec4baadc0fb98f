//! Command-line flags and environment variables of `gauzian-server`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{ArgAction, Parser, ValueEnum};

/// Settings of one server process. Every flag can also be set through the
/// environment variable named in its help; a flag wins over the variable.
#[derive(Clone, Parser)]
#[command(name = "gauzian-server", version, about)]
pub struct Config {
    /// Address to listen on. A non-loopback address requires JWT_SECRET.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// TCP port to listen on; 0 picks a free port, printed at start-up.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// Directory of the SQLite database, the chunk store and the generated
    /// JWT secret. Created if missing.
    #[arg(long, env = "DATA_DIR", default_value = "gauzian-data")]
    pub data_dir: PathBuf,

    /// Metadata database: `sqlite://PATH` or `postgres://…`. Defaults to
    /// `gauzian.db` in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Secret that signs session tokens (HS256), at least 32 bytes. Without
    /// it, one is generated and kept in the data directory.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Maximum number of chunk uploads processed at once; requests beyond it
    /// get 503 with Retry-After.
    #[arg(long, env = "MAX_CONCURRENT_UPLOADS", default_value_t = 32)]
    pub max_concurrent_uploads: usize,

    /// Lifetime of a session token, in seconds (default: 10 days).
    #[arg(long, env = "TOKEN_LIFETIME", default_value_t = 864_000)]
    pub token_lifetime: u64,

    /// Storage quota per account, in bytes of ciphertext; 0 means no quota.
    #[arg(long, env = "QUOTA_BYTES", default_value_t = 0)]
    pub quota_bytes: u64,

    /// Whether the session cookie carries the `Secure` attribute. Set it to
    /// false only when browsers reach the server over plain HTTP.
    #[arg(long, env = "COOKIE_SECURE", default_value_t = true, action = ArgAction::Set)]
    pub cookie_secure: bool,

    /// Origins allowed to call the API from a browser, comma-separated
    /// (for example `https://drive.example.com`). Empty allows none.
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Requests per minute that one IP address may send to the pre-login,
    /// register and login routes; 0 disables the limit.
    #[arg(long, env = "AUTH_RATE_LIMIT", default_value_t = 60)]
    pub auth_rate_limit: u32,

    /// Log line format on stderr.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,

    /// Directory of the built web app (web/build.sh writes it), served at `/`.
    /// Defaults to `web/dist` when it exists in the working directory; without
    /// it, the server serves only the API.
    #[arg(long, env = "WEB_DIR")]
    pub web_dir: Option<PathBuf>,

    /// S3 bucket for chunks. When set, chunks go to this bucket instead of
    /// the data directory; S3_ACCESS_KEY and S3_SECRET_KEY are then required.
    #[arg(long, env = "S3_BUCKET")]
    pub s3_bucket: Option<String>,

    /// S3 endpoint URL, for example `http://minio:9000`. Path-style
    /// addressing is used, as MinIO and Garage expect. Without it, AWS S3.
    #[arg(long, env = "S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,

    /// S3 region (Garage's default is `garage`).
    #[arg(long, env = "S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,

    /// S3 access key id.
    #[arg(long, env = "S3_ACCESS_KEY", hide_env_values = true)]
    pub s3_access_key: Option<String>,

    /// S3 secret access key.
    #[arg(long, env = "S3_SECRET_KEY", hide_env_values = true)]
    pub s3_secret_key: Option<String>,

    /// Creates the bucket at start-up when it does not exist.
    #[arg(long, env = "S3_CREATE_BUCKET", default_value_t = false, action = ArgAction::Set)]
    pub s3_create_bucket: bool,

    /// Redis URL (`redis://host:6379/0`). When set, revoked session tokens
    /// and per-IP limits live in Redis, shared by every replica; if Redis is
    /// unreachable, authenticated requests fail with 503.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key this server writes, so that several
    /// deployments can share one Redis.
    #[arg(long, env = "REDIS_KEY_PREFIX", default_value = "gauzian")]
    pub redis_key_prefix: String,
}

/// Web app directory used when `--web-dir` is not given, relative to the
/// working directory.
pub const DEFAULT_WEB_DIR: &str = "web/dist";

/// Format of the log lines written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

impl Config {
    /// Builds the default configuration for a data directory, ignoring the
    /// environment. Tests use it to start isolated servers.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            data_dir: data_dir.into(),
            database_url: None,
            jwt_secret: None,
            max_concurrent_uploads: 32,
            token_lifetime: 864_000,
            quota_bytes: 0,
            cookie_secure: true,
            cors_origins: Vec::new(),
            auth_rate_limit: 60,
            log_format: LogFormat::Human,
            web_dir: None,
            s3_bucket: None,
            s3_endpoint: None,
            s3_region: "us-east-1".to_owned(),
            s3_access_key: None,
            s3_secret_key: None,
            s3_create_bucket: false,
            redis_url: None,
            redis_key_prefix: "gauzian".to_owned(),
        }
    }

    /// Sets `web_dir` to [`DEFAULT_WEB_DIR`] when no directory was given and
    /// that one exists. The binary calls it; [`Config::for_data_dir`] does
    /// not, so that tests serve an app only when they set `web_dir`.
    pub fn apply_default_web_dir(&mut self) {
        if self.web_dir.is_none() && Path::new(DEFAULT_WEB_DIR).is_dir() {
            self.web_dir = Some(PathBuf::from(DEFAULT_WEB_DIR));
        }
    }

    /// Session token lifetime.
    pub fn token_lifetime(&self) -> Duration {
        Duration::from_secs(self.token_lifetime)
    }
}

/// Hand-written so that `jwt_secret` and a password inside `database_url`
/// never reach a log line.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("max_concurrent_uploads", &self.max_concurrent_uploads)
            .field("token_lifetime", &self.token_lifetime)
            .field("quota_bytes", &self.quota_bytes)
            .field("cookie_secure", &self.cookie_secure)
            .field("cors_origins", &self.cors_origins)
            .field("auth_rate_limit", &self.auth_rate_limit)
            .field("log_format", &self.log_format)
            .field("web_dir", &self.web_dir)
            .field("s3_bucket", &self.s3_bucket)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_region", &self.s3_region)
            .field(
                "s3_access_key",
                &self.s3_access_key.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "s3_secret_key",
                &self.s3_secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field("s3_create_bucket", &self.s3_create_bucket)
            .field("redis_url", &self.redis_url.as_ref().map(|_| "[redacted]"))
            .field("redis_key_prefix", &self.redis_key_prefix)
            .finish()
    }
}
