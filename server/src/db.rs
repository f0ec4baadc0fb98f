//! The metadata database: SQLite or PostgreSQL behind sqlx's `Any` driver.
//!
//! One set of SQL serves both engines, so queries use only what both accept.
//! Placeholders are `$N`, which sqlx's SQLite driver maps by number. Ids are
//! hyphenated UUIDs in `TEXT` columns, and integers and Unix-millisecond
//! times are `BIGINT`. Aggregates are wrapped in `CAST(… AS BIGINT)` because
//! PostgreSQL returns `NUMERIC` for them, which the `Any` driver cannot decode.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Row as _, Transaction};
use uuid::Uuid;

use crate::error::ApiError;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// Database engine behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// Connection pool and the engine it talks to.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

/// A transaction on the metadata database.
pub type Tx = Transaction<'static, sqlx::Any>;

impl Db {
    /// Connects to `url`, or to `gauzian.db` in `data_dir` when `url` is
    /// `None`, and applies the pending migrations of that engine.
    pub async fn open(url: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();

        let url = match url {
            Some(url) => url.to_owned(),
            None => sqlite_url(&data_dir.join("gauzian.db")),
        };
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            anyhow::bail!("unsupported DATABASE_URL scheme: expected sqlite:// or postgres://");
        };

        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .connect(&url)
            .await
            .with_context(|| format!("failed to connect to the {backend:?} database"))?;

        if backend == Backend::Sqlite {
            // WAL lets readers run beside the single writer. The mode is
            // stored in the database file, so setting it once is enough.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .context("failed to enable SQLite WAL mode")?;
        }

        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&pool)
            .await
            .context("failed to apply database migrations")?;

        Ok(Self { pool, backend })
    }

    /// Returns the pool, for single statements.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that will write.
    ///
    /// On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`): a
    /// deferred transaction that reads and then writes fails with
    /// `SQLITE_BUSY` when another connection wrote in between, instead of
    /// waiting for the lock.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Builds a `sqlite://` URL for a file path, percent-encoding every byte
/// outside the unreserved set so that spaces or `?` in the path survive.
fn sqlite_url(path: &Path) -> String {
    let mut url = String::from("sqlite://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url.push_str("?mode=rwc");
    url
}

/// Current time in Unix milliseconds.
pub fn now_millis() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// Reads a UUID stored as text in column `column`.
pub fn uuid_column(row: &AnyRow, column: &str) -> Result<Uuid, ApiError> {
    let text: String = row.try_get(column)?;
    Uuid::from_str(&text)
        .with_context(|| format!("column {column} contains an invalid UUID"))
        .map_err(ApiError::internal)
}

/// Reads an optional UUID stored as text in column `column`.
pub fn optional_uuid_column(row: &AnyRow, column: &str) -> Result<Option<Uuid>, ApiError> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|text| {
        Uuid::from_str(&text)
            .with_context(|| format!("column {column} contains an invalid UUID"))
            .map_err(ApiError::internal)
    })
    .transpose()
}

/// Reads a non-negative integer column as `u64`.
pub fn u64_column(row: &AnyRow, column: &str) -> Result<u64, ApiError> {
    let value: i64 = row.try_get(column)?;
    u64::try_from(value)
        .with_context(|| format!("column {column} contains a negative value"))
        .map_err(ApiError::internal)
}

/// Reads a non-negative integer column as `u32`.
pub fn u32_column(row: &AnyRow, column: &str) -> Result<u32, ApiError> {
    let value: i64 = row.try_get(column)?;
    u32::try_from(value)
        .with_context(|| format!("column {column} contains a value outside the u32 range"))
        .map_err(ApiError::internal)
}

/// Returns true when the error is a unique-constraint violation.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(database_error) => database_error.is_unique_violation(),
        _ => false,
    }
}
