//! S3 backend: chunks as objects `chunks/VERSION_ID/NAME` in one
//! bucket, through the `object_store` crate, with path-style addressing so
//! that MinIO and Garage work as well as AWS.
//!
//! A PUT that succeeded is durable in the store, so finalizing an upload
//! only checks that every chunk is there with its size. Transient errors
//! (connection refused, 5xx, timeouts) are retried with exponential backoff
//! for at most [`RETRY_TIMEOUT`]; after that the request fails with 503.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::body::Bytes;
use futures::{StreamExt as _, TryStreamExt as _};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::signer::Signer as _;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt as _, PutPayload, RetryConfig,
};
use uuid::Uuid;

use super::{ChunkDigest, ReadOutcome, StoreError, StoreResult, StoredChunk, new_chunk_name};
use crate::config::Config;

/// Maximum time a request keeps retrying a failing store operation.
const RETRY_TIMEOUT: Duration = Duration::from_secs(10);
/// Chunks checked at the same time when an upload is finalized.
const HEAD_PARALLELISM: usize = 16;

/// A bucket of chunk objects.
#[derive(Debug, Clone)]
pub struct S3Chunks {
    store: Arc<AmazonS3>,
}

impl S3Chunks {
    /// Connects to the bucket and checks within `timeout` that it responds,
    /// creating it when `S3_CREATE_BUCKET` allows and it does not exist.
    pub async fn open(config: &Config, bucket: &str, timeout: Duration) -> anyhow::Result<Self> {
        let (Some(access_key), Some(secret_key)) = (&config.s3_access_key, &config.s3_secret_key)
        else {
            anyhow::bail!(
                "S3_BUCKET is set but S3_ACCESS_KEY or S3_SECRET_KEY is missing; set both"
            );
        };
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(2),
                base: 2.0,
            },
            max_retries: 5,
            retry_timeout: RETRY_TIMEOUT,
        };
        let client = ClientOptions::new()
            .with_connect_timeout(Duration::from_secs(3))
            .with_timeout(Duration::from_secs(60));
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(&config.s3_region)
            .with_access_key_id(access_key)
            .with_secret_access_key(secret_key)
            .with_virtual_hosted_style_request(false)
            .with_retry(retry)
            .with_client_options(client);
        if let Some(endpoint) = &config.s3_endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let store = Self {
            store: Arc::new(builder.build().context("invalid S3 settings")?),
        };
        let endpoint = config.s3_endpoint.as_deref().unwrap_or("AWS S3");

        let checked = tokio::time::timeout(timeout, store.bucket_exists()).await;
        match checked {
            Err(_) => anyhow::bail!(
                "S3 bucket {bucket} at {endpoint} did not respond within {timeout:?}; check S3_ENDPOINT and that the store is running"
            ),
            Ok(Ok(true)) => {}
            Ok(Ok(false)) if config.s3_create_bucket => {
                tokio::time::timeout(timeout, store.create_bucket())
                    .await
                    .map_err(|_| anyhow::anyhow!("creating S3 bucket {bucket} timed out"))?
                    .with_context(|| {
                        format!("failed to create S3 bucket {bucket} at {endpoint}")
                    })?;
                tracing::info!(bucket, endpoint, "created the S3 bucket");
            }
            Ok(Ok(false)) => anyhow::bail!(
                "S3 bucket {bucket} does not exist at {endpoint}; create it, or set S3_CREATE_BUCKET=true"
            ),
            Ok(Err(error)) => {
                return Err(error).with_context(|| {
                    format!("S3 bucket {bucket} at {endpoint} could not be checked; check the S3 settings and the key's permissions")
                });
            }
        }
        Ok(store)
    }

    /// Sends HeadBucket; 404 means the bucket does not exist.
    async fn bucket_exists(&self) -> anyhow::Result<bool> {
        let status = self
            .send_bucket_request(object_store::signer::Method::HEAD)
            .await?;
        match status {
            status if status.is_success() => Ok(true),
            reqwest::StatusCode::NOT_FOUND => Ok(false),
            status => anyhow::bail!("HeadBucket returned {status}"),
        }
    }

    /// Sends CreateBucket. 409 means another replica created it first.
    async fn create_bucket(&self) -> anyhow::Result<()> {
        let status = self
            .send_bucket_request(object_store::signer::Method::PUT)
            .await?;
        if !status.is_success() && status != reqwest::StatusCode::CONFLICT {
            anyhow::bail!("CreateBucket returned {status}");
        }
        Ok(())
    }

    /// Sends a request on the bucket itself (`/BUCKET/`), which
    /// `object_store` has no call for, presigned by the store's own signer.
    async fn send_bucket_request(
        &self,
        method: object_store::signer::Method,
    ) -> anyhow::Result<reqwest::StatusCode> {
        let url = self
            .store
            .signed_url(method.clone(), &Path::from(""), Duration::from_secs(60))
            .await?;
        let response = reqwest::Client::new()
            .request(method, url)
            .send()
            .await
            .map_err(|error| anyhow::anyhow!("{}", error.without_url()))?;
        Ok(response.status())
    }

    fn chunk_key(version_id: Uuid, name: &str) -> Path {
        Path::from(format!("chunks/{version_id}/{name}"))
    }

    pub(super) async fn write(
        &self,
        version_id: Uuid,
        index: u32,
        bytes: Bytes,
    ) -> StoreResult<StoredChunk> {
        let to_hash = bytes.clone();
        let digest = tokio::task::spawn_blocking(move || ChunkDigest::of(&to_hash))
            .await
            .map_err(|error| StoreError::new("write", error))?;
        let name = new_chunk_name(index);
        self.store
            .put(
                &Self::chunk_key(version_id, &name),
                PutPayload::from_bytes(bytes),
            )
            .await
            .map_err(|error| StoreError::new("write", error))?;
        Ok(StoredChunk { name, digest })
    }

    pub(super) async fn read(
        &self,
        version_id: Uuid,
        name: &str,
        digest: &ChunkDigest,
    ) -> StoreResult<ReadOutcome> {
        let key = Self::chunk_key(version_id, name);
        let fetched = match self.store.get(&key).await {
            Ok(result) => result.bytes().await,
            Err(error) => Err(error),
        };
        let bytes = match fetched {
            Ok(bytes) => bytes,
            Err(object_store::Error::NotFound { .. }) => return Ok(ReadOutcome::Corrupted),
            Err(error) => return Err(StoreError::new("read", error)),
        };
        let expected = digest.clone();
        tokio::task::spawn_blocking(move || ReadOutcome::checked(bytes, &expected))
            .await
            .map_err(|error| StoreError::new("read", error))
    }

    pub(super) async fn make_durable(
        &self,
        version_id: Uuid,
        chunks: &[(u32, u64, String)],
    ) -> StoreResult<Vec<u32>> {
        // Owned futures: a stream of futures borrowing `self` is not Send
        // for every lifetime, as axum's handlers need.
        let checks: Vec<_> = chunks
            .iter()
            .map(|(index, size, name)| {
                let (store, index, size) = (Arc::clone(&self.store), *index, *size);
                let key = Self::chunk_key(version_id, name);
                async move {
                    match store.head(&key).await {
                        Ok(meta) if meta.size == size => Ok(None),
                        Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(Some(index)),
                        Err(error) => Err(StoreError::new("check", error)),
                    }
                }
            })
            .collect();
        let mut lost: Vec<u32> = futures::stream::iter(checks)
            .buffer_unordered(HEAD_PARALLELISM)
            .try_filter_map(|lost| std::future::ready(Ok(lost)))
            .try_collect()
            .await?;
        lost.sort_unstable();
        Ok(lost)
    }

    pub(super) async fn remove(&self, version_id: Uuid, name: &str) -> StoreResult<()> {
        match self.store.delete(&Self::chunk_key(version_id, name)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(StoreError::new("delete", error)),
        }
    }

    pub(super) async fn remove_unnamed(
        &self,
        version_id: Uuid,
        keep: &HashSet<String>,
    ) -> StoreResult<usize> {
        let prefix = Path::from(format!("chunks/{version_id}"));
        let unnamed: Vec<Path> = self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .try_filter(|location| {
                let named = location.filename().is_some_and(|name| keep.contains(name));
                std::future::ready(!named)
            })
            .try_collect()
            .await
            .map_err(|error| StoreError::new("list", error))?;
        let count = unnamed.len();
        self.store
            .delete_stream(futures::stream::iter(unnamed.into_iter().map(Ok)).boxed())
            .try_for_each(|_| std::future::ready(Ok(())))
            .await
            .map_err(|error| StoreError::new("delete", error))?;
        Ok(count)
    }

    pub(super) async fn remove_version(&self, version_id: Uuid) -> StoreResult<()> {
        let prefix = Path::from(format!("chunks/{version_id}"));
        let keys = self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .boxed();
        self.store
            .delete_stream(keys)
            .try_for_each(|_| std::future::ready(Ok(())))
            .await
            .map_err(|error| StoreError::new("delete", error))
    }

    pub(super) async fn check_writable(&self) -> StoreResult<()> {
        let probe = Path::from(format!("probes/{}", Uuid::new_v4()));
        self.store
            .put(&probe, PutPayload::from_static(b""))
            .await
            .map_err(|error| StoreError::new("probe", error))?;
        self.store
            .delete(&probe)
            .await
            .map_err(|error| StoreError::new("probe", error))
    }
}
