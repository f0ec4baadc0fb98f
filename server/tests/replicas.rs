//! Two replicas against one PostgreSQL, one S3 bucket and one Redis act as
//! one server. When the bucket or Redis stops, requests fail with 503,
//! nothing is reported stored that is not, and work resumes once it is back.
//!
//! Runs only when scripts/test.sh has set the distributed test variables.
//! The fault tests start a Garage and a Redis of their own, so stopping them
//! does not disturb the other tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{
    Backend, TestServer, TestUser, assert_error, b64, chunk_path, random_bytes, start_upload,
};
use gauzian_api::{Node, Share, UploadStatus};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// Starts two servers sharing one database, bucket and Redis key prefix.
async fn two_replicas(configure: impl Fn(&mut gauzian_server::Config)) -> (TestServer, TestServer) {
    let first = TestServer::start_with(Backend::Distributed, &configure).await;
    let shared = first.config.clone();
    let second = TestServer::start_with(Backend::Distributed, |config| {
        configure(config);
        config.database_url.clone_from(&shared.database_url);
        config.redis_key_prefix.clone_from(&shared.redis_key_prefix);
    })
    .await;
    assert_ne!(first.base_url, second.base_url);
    (first, second)
}

async fn put_chunk(
    server: &TestServer,
    user: &TestUser,
    version_id: Uuid,
    index: u32,
    bytes: &[u8],
) -> reqwest::Response {
    server
        .put_bytes(&chunk_path(version_id, index), &user.token, bytes.to_vec())
        .await
}

async fn finalize(server: &TestServer, user: &TestUser, version_id: Uuid) -> reqwest::Response {
    server
        .post_json(
            &format!("/api/uploads/{version_id}/finalize"),
            Some(&user.token),
            &json!({}),
        )
        .await
}

async fn download(server: &TestServer, token: &str, node: &Node, index: u32) -> Vec<u8> {
    let version_id = node.file.as_ref().expect("a file has a version").version_id;
    let response = server
        .get(
            &format!(
                "/api/files/{}/versions/{version_id}/chunks/{index}",
                node.id
            ),
            Some(token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "chunk {index}");
    response.bytes().await.unwrap().to_vec()
}

async fn login_status(server: &TestServer, user: &TestUser, auth_key: &[u8]) -> reqwest::Response {
    server
        .post_json(
            "/api/auth/login",
            None,
            &json!({ "email": user.email, "auth_key": b64(auth_key) }),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_act_as_one() {
    if !common::distributed_enabled("two_replicas_act_as_one") {
        return;
    }
    let (a, b) = two_replicas(|_| {}).await;
    let alice = a.user("alice@example.com").await;
    let bob = b.user("bob@example.com").await;

    // A token from one replica works on the other; a logout on one is
    // refused on the other.
    let second_session = b
        .login(&alice.email, alice.registration.auth_key.as_slice())
        .await;
    let response = b.get("/api/account", Some(&alice.token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = a
        .post_json("/api/auth/logout", Some(&second_session.token), &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = b.get("/api/account", Some(&second_session.token)).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let response = a.get("/api/account", Some(&alice.token)).await;
    assert_eq!(response.status(), StatusCode::OK, "other sessions live on");

    // A file uploaded half through each replica downloads whole from either.
    let chunks = [random_bytes(4096), random_bytes(4096), random_bytes(100)];
    let sizes: Vec<u64> = chunks.iter().map(|chunk| chunk.len() as u64).collect();
    let upload = start_upload(&a, &alice, alice.root, &sizes).await;
    for (index, chunk) in chunks.iter().enumerate() {
        let replica = if index % 2 == 0 { &a } else { &b };
        let response = put_chunk(replica, &alice, upload.version_id, index as u32, chunk).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "chunk {index}");
    }
    let status: UploadStatus = a
        .get(
            &format!("/api/uploads/{}", upload.version_id),
            Some(&alice.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        status.received,
        vec![0, 1, 2],
        "both replicas see every chunk"
    );
    let response = finalize(&b, &alice, upload.version_id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let node: Node = response.json().await.unwrap();
    for replica in [&a, &b] {
        for (index, chunk) in chunks.iter().enumerate() {
            assert_eq!(
                &download(replica, &alice.token, &node, index as u32).await,
                chunk
            );
        }
    }

    // A share made on one replica is seen, accepted and used on the other.
    let bob_id = b
        .login(&bob.email, bob.registration.auth_key.as_slice())
        .await
        .account
        .user_id;
    let response = a
        .post_json(
            "/api/shares",
            Some(&alice.token),
            &json!({
                "node_id": node.id,
                "recipient_id": bob_id,
                "role": "viewer",
                "wrapped_key": b64(&random_bytes(512)),
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let share: Share = response.json().await.unwrap();
    let incoming: Value = b
        .get("/api/shares/incoming", Some(&bob.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        incoming.to_string().contains(&share.id.to_string()),
        "the share is listed on the other replica: {incoming}"
    );
    let response = b
        .post_json(
            &format!("/api/shares/{}/accept", share.id),
            Some(&bob.token),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(&download(&a, &bob.token, &node, 2).await, &chunks[2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_login_limits() {
    if !common::distributed_enabled("replicas_share_login_limits") {
        return;
    }
    const PER_IP_LIMIT: u32 = 12;
    let (a, b) = two_replicas(|config| config.auth_rate_limit = PER_IP_LIMIT).await;
    let carol = a.user("carol@example.com").await;
    let wrong_key = random_bytes(32);

    // Failed logins count across both replicas: five lock the account,
    // whichever replica saw them, and the right key is then refused too.
    for attempt in 0..5 {
        let replica = if attempt % 2 == 0 { &a } else { &b };
        let response = login_status(replica, &carol, &wrong_key).await;
        assert_ne!(response.status(), StatusCode::OK, "attempt {attempt}");
    }
    let response = login_status(&a, &carol, carol.registration.auth_key.as_slice()).await;
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "account_locked").await;
    let response = login_status(&b, &carol, carol.registration.auth_key.as_slice()).await;
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "account_locked").await;

    // The per-IP window lives in Redis: requests to either replica count
    // towards one limit. Register and the logins above used 8 of 12.
    let mut accepted = 0;
    let mut limited_on = None;
    for attempt in 0..PER_IP_LIMIT {
        let replica = if attempt % 2 == 0 { &a } else { &b };
        let response = replica
            .post_json(
                "/api/auth/prelogin",
                None,
                &json!({ "email": "dan@example.com" }),
            )
            .await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited_on = Some(attempt);
            break;
        }
        accepted += 1;
    }
    assert!(
        limited_on.is_some() && accepted < PER_IP_LIMIT / 2 + 1,
        "one limit for both replicas: {accepted} prelogins accepted before the limit"
    );
}

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn s3_server_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/s3-server.sh")
}

/// Runs `scripts/s3-server.sh COMMAND DIR [PORT]`, which starts or stops a
/// Garage of this test's own.
fn garage(command: &str, dir: &Path, port: Option<u16>) {
    let mut run = Command::new("bash");
    run.arg(s3_server_script()).arg(command).arg(dir);
    if let Some(port) = port {
        run.arg(port.to_string());
    }
    let output = run.output().expect("run scripts/s3-server.sh");
    assert!(
        output.status.success(),
        "s3-server.sh {command} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Reads `NAME=VALUE` lines of the env file s3-server.sh writes.
fn garage_env(dir: &Path) -> std::collections::HashMap<String, String> {
    std::fs::read_to_string(dir.join("env"))
        .unwrap()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

async fn wait_ready(server: &TestServer, want: StatusCode) -> Value {
    for _ in 0..100 {
        let response = server.get("/health/ready", None).await;
        if response.status() == want {
            return response.json().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("/health/ready did not return {want} within 20 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_store_outage_mid_upload() {
    if !common::distributed_enabled("object_store_outage_mid_upload") {
        return;
    }
    let garage_dir = tempfile::tempdir().unwrap();
    let port = free_port();
    garage("start", garage_dir.path(), Some(port));
    let env = garage_env(garage_dir.path());
    let server = TestServer::start_with(Backend::Distributed, |config| {
        config.s3_endpoint = Some(env["S3_ENDPOINT"].clone());
        config.s3_bucket = Some(env["S3_BUCKET"].clone());
        config.s3_region.clone_from(&env["S3_REGION"]);
        config.s3_access_key = Some(env["S3_ACCESS_KEY"].clone());
        config.s3_secret_key = Some(env["S3_SECRET_KEY"].clone());
    })
    .await;
    let erin = server.user("erin@example.com").await;
    let chunks = [random_bytes(5000), random_bytes(5000), random_bytes(7)];
    let sizes: Vec<u64> = chunks.iter().map(|chunk| chunk.len() as u64).collect();
    let upload = start_upload(&server, &erin, erin.root, &sizes).await;
    let response = put_chunk(&server, &erin, upload.version_id, 0, &chunks[0]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    garage("stop", garage_dir.path(), None);

    // Every request that needs the bucket gets a 503 with Retry-After.
    let response = put_chunk(&server, &erin, upload.version_id, 1, &chunks[1]).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "storage_unavailable",
    )
    .await;
    let response = finalize(&server, &erin, upload.version_id).await;
    assert_ne!(response.status(), StatusCode::OK, "nothing is finalized");
    let body = wait_ready(&server, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["chunk_store"], "unavailable");
    assert_eq!(body["database"], "ok");
    let status: UploadStatus = server
        .get(
            &format!("/api/uploads/{}", upload.version_id),
            Some(&erin.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        status.received,
        vec![0],
        "the refused chunk is not recorded"
    );

    garage("start", garage_dir.path(), Some(port));
    wait_ready(&server, StatusCode::OK).await;

    // The upload resumes from the chunks the server's status lists.
    for index in [1_u32, 2] {
        let response = put_chunk(
            &server,
            &erin,
            upload.version_id,
            index,
            &chunks[index as usize],
        )
        .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "chunk {index}");
    }
    let response = finalize(&server, &erin, upload.version_id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let node: Node = response.json().await.unwrap();
    for (index, chunk) in chunks.iter().enumerate() {
        assert_eq!(
            &download(&server, &erin.token, &node, index as u32).await,
            chunk
        );
    }
    garage("stop", garage_dir.path(), None);
}

fn start_redis(port: u16) -> Process {
    let redis = Process(
        Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("start redis-server"),
    );
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return redis;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("redis-server did not listen on {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_fails_closed() {
    if !common::distributed_enabled("redis_outage_fails_closed") {
        return;
    }
    let port = free_port();
    let redis = start_redis(port);
    let server = TestServer::start_with(Backend::Distributed, |config| {
        config.redis_url = Some(format!("redis://127.0.0.1:{port}/0"));
    })
    .await;
    let frank = server.user("frank@example.com").await;
    let response = server.get("/api/account", Some(&frank.token)).await;
    assert_eq!(response.status(), StatusCode::OK);

    drop(redis);

    // A token whose revocation cannot be checked is refused, and so is a
    // login whose per-IP window cannot be counted.
    let response = server.get("/api/account", Some(&frank.token)).await;
    assert_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "session_store_unavailable",
    )
    .await;
    let response = login_status(&server, &frank, frank.registration.auth_key.as_slice()).await;
    assert_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "session_store_unavailable",
    )
    .await;
    let body = wait_ready(&server, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["redis"], "unavailable");

    let _redis = start_redis(port);
    wait_ready(&server, StatusCode::OK).await;
    let response = server.get("/api/account", Some(&frank.token)).await;
    assert_eq!(response.status(), StatusCode::OK, "back once Redis is");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_before_redis_stays_revoked() {
    if !common::distributed_enabled("logout_before_redis_stays_revoked") {
        return;
    }
    // A replica without Redis records the logout in the database.
    let without_redis = TestServer::start_with(Backend::Distributed, |config| {
        config.redis_url = None;
    })
    .await;
    let grace = without_redis.user("grace@example.com").await;
    let response = without_redis
        .post_json("/api/auth/logout", Some(&grace.token), &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // A replica on the same database with Redis still rejects the token.
    let shared = without_redis.config.clone();
    let with_redis = TestServer::start_with(Backend::Distributed, |config| {
        config.database_url.clone_from(&shared.database_url);
    })
    .await;
    let response = with_redis.get("/api/account", Some(&grace.token)).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}
