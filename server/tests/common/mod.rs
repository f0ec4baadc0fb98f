//! Test harness: starts an in-process server on 127.0.0.1:0 with a fresh data
//! directory and, for the PostgreSQL and distributed variants, a fresh
//! database. The distributed variant also keeps chunks in the S3 bucket and
//! revocations and limits in the Redis that the `GAUZIAN_TEST_S3_*` and
//! `GAUZIAN_TEST_REDIS_URL` variables name (scripts/test.sh sets them).

// Each test binary uses a different part of the harness.
#![allow(dead_code)]
// Helpers outside #[test] functions: a failure should panic the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use gauzian_api::{
    Bytes, KdfAlgorithm, KdfParams, LoginResponse, NewRootFolder, RegisterRequest, UploadStatus,
};
use gauzian_server::{Config, Server};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection as _;
use tokio::sync::oneshot;
use uuid::Uuid;

/// Variable naming an admin URL of a PostgreSQL server for the tests, such as
/// `postgres://postgres@127.0.0.1:5432/test`.
pub const POSTGRES_URL_VAR: &str = "GAUZIAN_TEST_POSTGRES_URL";

/// Secret the test servers sign tokens with.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// Variables naming the S3 store of the distributed variant.
pub const S3_VARS: [&str; 5] = [
    "GAUZIAN_TEST_S3_ENDPOINT",
    "GAUZIAN_TEST_S3_BUCKET",
    "GAUZIAN_TEST_S3_REGION",
    "GAUZIAN_TEST_S3_ACCESS_KEY",
    "GAUZIAN_TEST_S3_SECRET_KEY",
];
/// Variable naming the Redis of the distributed variant.
pub const REDIS_URL_VAR: &str = "GAUZIAN_TEST_REDIS_URL";

/// Backends of a test server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite and chunk files in the data directory.
    Sqlite,
    /// PostgreSQL and chunk files in the data directory.
    Postgres,
    /// PostgreSQL, an S3 bucket and Redis, as several replicas use them.
    Distributed,
}

/// Declares, for each async test function `name(Backend)`, a module `name`
/// with a `sqlite` and a `postgres` test. The PostgreSQL one prints a line
/// and returns when the database variable is unset.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if !$crate::common::postgres_enabled(stringify!($name)) {
                        return;
                    }
                    super::$name($crate::common::Backend::Postgres).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn distributed() {
                    if !$crate::common::distributed_enabled(stringify!($name)) {
                        return;
                    }
                    super::$name($crate::common::Backend::Distributed).await;
                }
            }
        )*
    };
}

/// Returns true when the PostgreSQL variant can run; prints why not otherwise.
pub fn postgres_enabled(test: &str) -> bool {
    if std::env::var_os(POSTGRES_URL_VAR).is_some() {
        return true;
    }
    println!("skipped the PostgreSQL variant of {test}: {POSTGRES_URL_VAR} is not set");
    false
}

/// Returns true when the distributed variant can run; prints why not
/// otherwise.
pub fn distributed_enabled(test: &str) -> bool {
    let missing: Vec<&str> = [POSTGRES_URL_VAR, REDIS_URL_VAR]
        .into_iter()
        .chain(S3_VARS)
        .filter(|name| std::env::var_os(name).is_none())
        .collect();
    if missing.is_empty() {
        return true;
    }
    println!(
        "skipped the distributed variant of {test}: {} not set",
        missing.join(", ")
    );
    false
}

/// Points `config` at the test S3 bucket and Redis. Each call gets its own
/// Redis key prefix, so servers share limits only when a test wants it.
pub fn use_s3_and_redis(config: &mut Config) {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set"));
    config.s3_endpoint = Some(var(S3_VARS[0]));
    config.s3_bucket = Some(var(S3_VARS[1]));
    config.s3_region = var(S3_VARS[2]);
    config.s3_access_key = Some(var(S3_VARS[3]));
    config.s3_secret_key = Some(var(S3_VARS[4]));
    config.redis_url = Some(var(REDIS_URL_VAR));
    config.redis_key_prefix = format!("gauzian-test-{}", Uuid::new_v4().simple());
}

/// Creates a fresh PostgreSQL database and returns its name and URL.
pub async fn create_postgres_database() -> (String, String) {
    let admin_url = std::env::var(POSTGRES_URL_VAR).expect("postgres url");
    let name = format!("gauzian_test_{}", Uuid::new_v4().simple());
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(&admin_url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create test database");
    admin.close().await.ok();
    let url = with_database(&admin_url, &name);
    (name, url)
}

/// A running server and a client for it. Dropping it stops the server and
/// drops its PostgreSQL database.
pub struct TestServer {
    pub base_url: String,
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    pub config: Config,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    postgres_database: Option<String>,
    _temp_dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server with the default test configuration.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts a server after `configure` adjusted its configuration.
    pub async fn start_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Self {
        let temp_dir = tempfile::tempdir().expect("create temp dir");
        let data_dir = temp_dir.path().join("data");
        let mut config = Config::for_data_dir(&data_dir);
        config.jwt_secret = Some(TEST_JWT_SECRET.to_owned());

        let mut postgres_database = None;
        if backend != Backend::Sqlite {
            let (name, url) = create_postgres_database().await;
            config.database_url = Some(url);
            postgres_database = Some(name);
        }
        if backend == Backend::Distributed {
            use_s3_and_redis(&mut config);
        }
        configure(&mut config);

        let server = Server::bind(&config).await.expect("server starts");
        let address = server.local_addr().expect("local address");
        let (shutdown, shutdown_received) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .run(async {
                    shutdown_received.await.ok();
                })
                .await
                .expect("server runs");
        });

        Self {
            base_url: format!("http://{address}"),
            client: reqwest::Client::new(),
            data_dir,
            config,
            shutdown: Some(shutdown),
            task: Some(task),
            postgres_database,
            _temp_dir: temp_dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Stops the server and waits until it has closed its database pool.
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            shutdown.send(()).ok();
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task");
        }
    }

    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl serde::Serialize,
    ) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.delete(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    pub async fn put_bytes(&self, path: &str, token: &str, body: Vec<u8>) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Finalizes an upload without new metadata.
    pub async fn finalize(&self, version_id: Uuid, token: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/uploads/{version_id}/finalize")))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// Registers an account and logs it in.
    pub async fn user(&self, email: &str) -> TestUser {
        let registration = registration(email);
        let response = self
            .post_json("/api/auth/register", None, &registration)
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "register {email}");
        let login = self.login(email, registration.auth_key.as_slice()).await;
        TestUser {
            email: email.to_owned(),
            token: login.token,
            root: registration.root_folder.id,
            registration,
        }
    }

    /// Logs in and returns the parsed response.
    pub async fn login(&self, email: &str, auth_key: &[u8]) -> LoginResponse {
        let response = self
            .post_json(
                "/api/auth/login",
                None,
                &serde_json::json!({"email": email, "auth_key": b64(auth_key)}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login {email}");
        response.json().await.expect("login response")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            shutdown.send(()).ok();
        }
        let Some(name) = self.postgres_database.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot block on a
        // future, so the cleanup gets a thread and a runtime of its own.
        let admin_url = std::env::var(POSTGRES_URL_VAR).expect("postgres url");
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let mut admin = sqlx::AnyConnection::connect(&admin_url)
                    .await
                    .expect("connect");
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .expect("drop test database");
            });
        })
        .join()
        .ok();
    }
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |scheme| scheme + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// An account registered and logged in on a test server.
pub struct TestUser {
    pub email: String,
    pub token: String,
    pub root: Uuid,
    pub registration: RegisterRequest,
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("random");
    bytes
}

/// Builds a registration with random stand-ins for the client's key material.
pub fn registration(email: &str) -> RegisterRequest {
    RegisterRequest {
        email: email.to_owned(),
        kdf: KdfParams {
            algorithm: KdfAlgorithm::Pbkdf2Sha256,
            iterations: 310_000,
            salt: Bytes(random_bytes(16)),
        },
        auth_key: Bytes(random_bytes(32)),
        public_key: Bytes(random_bytes(550)),
        wrapped_private_key: Bytes(random_bytes(2400)),
        recovery_wrapped_private_key: Bytes(random_bytes(2400)),
        recovery_auth_key: Bytes(random_bytes(32)),
        wrapped_record_key: Bytes(random_bytes(512)),
        root_folder: NewRootFolder {
            id: Uuid::new_v4(),
            wrapped_key: Bytes(random_bytes(60)),
            encrypted_metadata: Bytes(random_bytes(100)),
        },
    }
}

/// Asserts the status and the error code of a failed response.
pub async fn assert_error(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    let body: Value = response.json().await.expect("JSON error body");
    assert_eq!(body["code"], code, "code in {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message in {body}"
    );
    body
}

/// Finds the stored file of a chunk under the data directory.
fn chunk_file(data_dir: &Path, version_id: Uuid, index: u32) -> PathBuf {
    let dir = data_dir.join("chunks").join(version_id.to_string());
    std::fs::read_dir(&dir)
        .expect("version dir")
        .map(|entry| entry.expect("entry").path())
        .find(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(&format!("{index}-")))
        })
        .expect("chunk file")
}

/// Builds the body that starts an upload of chunks of `chunk_sizes`.
pub fn start_body(parent: Uuid, chunk_sizes: &[u64]) -> serde_json::Value {
    serde_json::json!({
        "file_id": Uuid::new_v4(),
        "version_id": Uuid::new_v4(),
        "parent_id": parent,
        "wrapped_key": b64(&random_bytes(60)),
        "encrypted_metadata": b64(&random_bytes(90)),
        "chunk_sizes": chunk_sizes,
    })
}

/// Starts an upload and returns its status.
pub async fn start_upload(
    server: &TestServer,
    user: &TestUser,
    parent: Uuid,
    chunk_sizes: &[u64],
) -> UploadStatus {
    let response = server
        .post_json(
            "/api/uploads",
            Some(&user.token),
            &start_body(parent, chunk_sizes),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// Path of one chunk of an upload.
pub fn chunk_path(version_id: Uuid, index: u32) -> String {
    format!("/api/uploads/{version_id}/chunks/{index}")
}

/// Opens the test bucket with the server's settings.
pub fn bucket(config: &Config) -> object_store::aws::AmazonS3 {
    object_store::aws::AmazonS3Builder::new()
        .with_endpoint(config.s3_endpoint.clone().expect("endpoint"))
        .with_allow_http(true)
        .with_bucket_name(config.s3_bucket.clone().expect("bucket"))
        .with_region(&config.s3_region)
        .with_access_key_id(config.s3_access_key.clone().expect("access key"))
        .with_secret_access_key(config.s3_secret_key.clone().expect("secret key"))
        .with_virtual_hosted_style_request(false)
        .build()
        .expect("bucket settings")
}

/// Direct access to the chunks a test server stored, wherever they are, to
/// count, damage or lose them as a failing disk or bucket would.
impl TestServer {
    fn version_prefix(version_id: Uuid) -> object_store::path::Path {
        object_store::path::Path::from(format!("chunks/{version_id}"))
    }

    /// Names of the stored chunks of a version (`INDEX-...`).
    pub async fn stored_chunks(&self, version_id: Uuid) -> Vec<String> {
        use futures::TryStreamExt as _;
        use object_store::ObjectStore as _;
        if self.config.s3_bucket.is_none() {
            let dir = self.data_dir.join("chunks").join(version_id.to_string());
            return match std::fs::read_dir(dir) {
                Ok(entries) => entries
                    .map(|entry| entry.unwrap().file_name().into_string().unwrap())
                    .collect(),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(error) => panic!("read chunk dir: {error}"),
            };
        }
        let metas: Vec<_> = bucket(&self.config)
            .list(Some(&Self::version_prefix(version_id)))
            .try_collect()
            .await
            .expect("list chunks");
        metas
            .into_iter()
            .map(|meta| meta.location.filename().unwrap().to_owned())
            .collect()
    }

    fn chunk_key(
        &self,
        names: &[String],
        version_id: Uuid,
        index: u32,
    ) -> object_store::path::Path {
        let name = names
            .iter()
            .find(|name| name.starts_with(&format!("{index}-")))
            .expect("chunk stored");
        Self::version_prefix(version_id).clone().join(name.as_str())
    }

    /// Flips one bit of a stored chunk.
    pub async fn alter_chunk(&self, version_id: Uuid, index: u32) {
        use object_store::ObjectStoreExt as _;
        if self.config.s3_bucket.is_none() {
            let path = chunk_file(&self.data_dir, version_id, index);
            let mut bytes = std::fs::read(&path).unwrap();
            bytes[5] ^= 1;
            std::fs::write(&path, bytes).unwrap();
            return;
        }
        let names = self.stored_chunks(version_id).await;
        let key = self.chunk_key(&names, version_id, index);
        let store = bucket(&self.config);
        let mut bytes = store
            .get(&key)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        bytes[5] ^= 1;
        store.put(&key, bytes.into()).await.unwrap();
    }

    /// Reads the bytes of a stored chunk.
    pub async fn read_chunk(&self, version_id: Uuid, index: u32) -> Vec<u8> {
        use object_store::ObjectStoreExt as _;
        if self.config.s3_bucket.is_none() {
            return std::fs::read(chunk_file(&self.data_dir, version_id, index)).unwrap();
        }
        let names = self.stored_chunks(version_id).await;
        let key = self.chunk_key(&names, version_id, index);
        let bytes = bucket(&self.config).get(&key).await.unwrap().bytes().await;
        bytes.unwrap().to_vec()
    }

    /// Moves a stored chunk to another name in its version, as a server
    /// that named chunks otherwise would have stored it.
    pub async fn rename_chunk(&self, version_id: Uuid, index: u32, name: &str) {
        use object_store::ObjectStoreExt as _;
        if self.config.s3_bucket.is_none() {
            let from = chunk_file(&self.data_dir, version_id, index);
            std::fs::rename(&from, from.with_file_name(name)).unwrap();
            return;
        }
        let bytes = self.read_chunk(version_id, index).await;
        let names = self.stored_chunks(version_id).await;
        let old = self.chunk_key(&names, version_id, index);
        let store = bucket(&self.config);
        let new = Self::version_prefix(version_id).clone().join(name);
        store.put(&new, bytes.into()).await.unwrap();
        store.delete(&old).await.unwrap();
    }

    /// Stores an object under `name` in a version, as a chunk write whose
    /// database update failed would have left it.
    pub async fn plant_chunk(&self, version_id: Uuid, name: &str, bytes: Vec<u8>) {
        use object_store::ObjectStoreExt as _;
        if self.config.s3_bucket.is_none() {
            let directory = self.data_dir.join("chunks").join(version_id.to_string());
            std::fs::create_dir_all(&directory).unwrap();
            std::fs::write(directory.join(name), bytes).unwrap();
            return;
        }
        let key = Self::version_prefix(version_id).clone().join(name);
        bucket(&self.config).put(&key, bytes.into()).await.unwrap();
    }

    /// Opens a connection to the server's database, to put it in states
    /// that only an older server version could have written.
    pub async fn database(&self) -> sqlx::AnyConnection {
        let url = match &self.config.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("gauzian.db").display()),
        };
        sqlx::AnyConnection::connect(&url).await.unwrap()
    }

    /// Deletes a stored chunk.
    pub async fn delete_chunk(&self, version_id: Uuid, index: u32) {
        use object_store::ObjectStoreExt as _;
        if self.config.s3_bucket.is_none() {
            std::fs::remove_file(chunk_file(&self.data_dir, version_id, index)).unwrap();
            return;
        }
        let names = self.stored_chunks(version_id).await;
        let key = self.chunk_key(&names, version_id, index);
        bucket(&self.config).delete(&key).await.unwrap();
    }
}
