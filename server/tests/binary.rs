//! The `gauzian-server` binary: start-up line, generated secret, refusal to
//! listen beyond loopback without a secret, and state that survives a restart.

// The test bodies are plain async functions that the `backend_tests!`
// macro calls, so clippy does not see them as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::b64;
use reqwest::StatusCode;

/// Environment variables the server reads; cleared so that the caller's
/// environment cannot change what the test starts.
const SERVER_VARIABLES: [&str; 11] = [
    "HOST",
    "PORT",
    "DATA_DIR",
    "DATABASE_URL",
    "JWT_SECRET",
    "MAX_CONCURRENT_UPLOADS",
    "TOKEN_LIFETIME",
    "QUOTA_BYTES",
    "COOKIE_SECURE",
    "CORS_ORIGINS",
    "LOG_FORMAT",
];

fn server_command(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gauzian-server"));
    for variable in SERVER_VARIABLES {
        command.env_remove(variable);
    }
    command
        .arg("--port")
        .arg("0")
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Kills the child when dropped, so a failed assertion leaves no server.
struct Running {
    child: Child,
    base_url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Starts the binary and reads the address from its first stdout line.
fn start(data_dir: &Path) -> Running {
    let mut child = server_command(data_dir)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start gauzian-server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read stdout");
    let base_url = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    assert!(
        !base_url.ends_with(":0"),
        "the real port is printed: {base_url}"
    );
    Running { child, base_url }
}

#[tokio::test]
async fn binary_prints_address_and_keeps_state() {
    let temp = tempfile::tempdir().unwrap();
    let data_dir = temp.path().join("data");
    let client = reqwest::Client::new();

    let server = start(&data_dir);
    let secret_mode = std::fs::metadata(data_dir.join("jwt-secret"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(secret_mode & 0o777, 0o600, "generated secret is private");
    assert!(data_dir.join("gauzian.db").exists());

    let registration = common::registration("zoe@example.com");
    let response = client
        .post(format!("{}/api/auth/register", server.base_url))
        .json(&registration)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let login = |base_url: String| {
        let client = client.clone();
        let auth_key = b64(registration.auth_key.as_slice());
        async move {
            let response = client
                .post(format!("{base_url}/api/auth/login"))
                .json(&serde_json::json!({"email": "zoe@example.com", "auth_key": auth_key}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response
                .json::<gauzian_api::LoginResponse>()
                .await
                .unwrap()
                .token
        }
    };
    let kept = login(server.base_url.clone()).await;
    let revoked = login(server.base_url.clone()).await;
    let response = client
        .post(format!("{}/api/auth/logout", server.base_url))
        .bearer_auth(&revoked)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    drop(server);

    // Same data directory: same secret, same database.
    let server = start(&data_dir);
    let account = |token: String| {
        let client = client.clone();
        let url = format!("{}/api/account", server.base_url);
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        account(kept).await,
        StatusCode::OK,
        "token valid after restart"
    );
    assert_eq!(
        account(revoked).await,
        StatusCode::UNAUTHORIZED,
        "revocation survives restart"
    );
}

#[test]
fn binary_refuses_public_address_without_secret() {
    let temp = tempfile::tempdir().unwrap();
    let output = server_command(&temp.path().join("data"))
        .arg("--host")
        .arg("0.0.0.0")
        .output()
        .expect("run gauzian-server");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("JWT_SECRET"), "{stderr}");
    assert!(output.stdout.is_empty(), "no listening line");
}

#[test]
fn binary_rejects_short_secret() {
    let temp = tempfile::tempdir().unwrap();
    let output = server_command(&temp.path().join("data"))
        .env("JWT_SECRET", "short")
        .output()
        .expect("run gauzian-server");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at least 32"), "{stderr}");
    assert!(
        !stderr.contains("short"),
        "the secret is not echoed: {stderr}"
    );
}

#[tokio::test]
async fn binary_exports_database_durations() {
    let data_dir = tempfile::tempdir().unwrap();
    let server = start(data_dir.path());
    let client = reqwest::Client::new();

    // A pre-login reads the accounts table, so at least one SELECT runs.
    let prelogin = client
        .post(format!("{}/api/auth/prelogin", server.base_url))
        .json(&serde_json::json!({ "email": "metrics@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(prelogin.status(), StatusCode::OK);

    let metrics = client
        .get(format!("{}/metrics", server.base_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let selects = metrics
        .lines()
        .find(|line| {
            line.starts_with("gauzian_db_operation_duration_seconds_count{")
                && line.contains("operation=\"select\"")
        })
        .unwrap_or_else(|| panic!("no SELECT duration in /metrics:\n{metrics}"));
    let count: f64 = selects.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1.0, "{selects}");
}
