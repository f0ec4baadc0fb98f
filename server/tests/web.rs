//! Serving the web app: index.html at `/`, content types, the API's priority
//! over app files, and the security headers on every response.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{Backend, TestServer};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderMap};

const APP_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    worker-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const INDEX_HTML: &str = "<!doctype html><title>app</title>";

/// Writes a small app: index.html, a module, a stylesheet and a wasm file.
fn write_app(dir: &Path) {
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::create_dir_all(dir.join("sdk")).unwrap();
    std::fs::write(dir.join("index.html"), INDEX_HTML).unwrap();
    std::fs::write(dir.join("app/main.js"), "export {};\n").unwrap();
    std::fs::write(dir.join("styles.css"), "body {}\n").unwrap();
    std::fs::write(dir.join("sdk/core_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
}

async fn start_with_app() -> (TestServer, tempfile::TempDir) {
    let web = tempfile::tempdir().unwrap();
    write_app(web.path());
    let dir = web.path().to_owned();
    let server = TestServer::start_with(Backend::Sqlite, |config| {
        config.web_dir = Some(dir);
    })
    .await;
    (server, web)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("missing {name} header"))
        .to_str()
        .unwrap()
}

/// Checks the headers every response carries, app file or not.
fn assert_common_headers(headers: &HeaderMap) {
    assert_eq!(header(headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(headers, "referrer-policy"), "no-referrer");
}

#[tokio::test]
async fn index_served_at_root() {
    let (server, _web) = start_with_app().await;

    let response = server.get("/", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert!(
        header(&headers, CONTENT_TYPE.as_str()).starts_with("text/html"),
        "{headers:?}"
    );
    assert_eq!(header(&headers, CONTENT_SECURITY_POLICY.as_str()), APP_CSP);
    assert_common_headers(&headers);
    assert_eq!(response.text().await.unwrap(), INDEX_HTML);

    let response = server.get("/index.html", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), INDEX_HTML);
}

#[tokio::test]
async fn content_types_of_app_files() {
    let (server, _web) = start_with_app().await;

    for (path, expected) in [
        ("/app/main.js", "text/javascript"),
        ("/sdk/core_bg.wasm", "application/wasm"),
        ("/styles.css", "text/css"),
    ] {
        let response = server.get(path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers();
        assert_eq!(header(headers, CONTENT_TYPE.as_str()), expected, "{path}");
        assert_eq!(
            header(headers, CONTENT_SECURITY_POLICY.as_str()),
            APP_CSP,
            "{path}"
        );
        assert_common_headers(headers);
    }
}

#[tokio::test]
async fn api_routes_keep_priority() {
    let (server, _web) = start_with_app().await;

    let response = server.get("/health/live", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_ne!(header(headers, CONTENT_SECURITY_POLICY.as_str()), APP_CSP);
    assert_common_headers(headers);

    let response = server.get("/api/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(response.headers(), CONTENT_TYPE.as_str()).starts_with("application/json"));

    let response = server.get("/metrics", None).await;
    assert_eq!(response.status(), StatusCode::OK);

    // An unknown API route gets the API's JSON error, never index.html.
    for path in ["/api/no-such-route", "/api", "/health/nothing"] {
        let response = server.get(path, None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_common_headers(response.headers());
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "not_found", "{path}");
    }
}

#[tokio::test]
async fn missing_file_is_not_found() {
    let (server, _web) = start_with_app().await;

    let response = server.get("/app/missing.js", None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_common_headers(response.headers());
}

#[tokio::test]
async fn no_file_outside_web_dir() {
    let root = tempfile::tempdir().unwrap();
    let web = root.path().join("web");
    write_app(&web);
    std::fs::write(root.path().join("secret.txt"), "outside").unwrap();
    let server = TestServer::start_with(Backend::Sqlite, |config| {
        config.web_dir = Some(web);
    })
    .await;

    // The URL parser resolves a literal `..`, so the traversal is hidden in
    // encoded slashes that only the file service decodes.
    for path in [
        "/app/..%2F..%2Fsecret.txt",
        "/..%2Fsecret.txt",
        "/%2e%2e%2fsecret.txt",
    ] {
        let response = server.get(path, None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_ne!(response.text().await.unwrap(), "outside", "{path}");
    }
}

#[tokio::test]
async fn api_only_without_web_dir() {
    let server = TestServer::start(Backend::Sqlite).await;

    let response = server.get("/", None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_common_headers(response.headers());
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn web_dir_without_index_rejected() {
    let web = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut config = gauzian_server::Config::for_data_dir(data.path());
    config.jwt_secret = Some(common::TEST_JWT_SECRET.to_owned());
    config.web_dir = Some(web.path().to_owned());

    let error = gauzian_server::Server::bind(&config)
        .await
        .expect_err("a web directory without index.html must be rejected");
    let message = format!("{error:#}");
    assert!(message.contains("index.html"), "{message}");
    assert!(message.contains("web/build.sh"), "{message}");
}

/// Starts the binary in `working_dir` with no WEB_DIR and returns its base
/// URL; the child is killed when the returned guard drops.
fn start_binary(working_dir: &Path, data_dir: &Path) -> (KillOnDrop, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gauzian-server"));
    for variable in [
        "HOST",
        "PORT",
        "DATA_DIR",
        "DATABASE_URL",
        "WEB_DIR",
        "LOG_FORMAT",
    ] {
        command.env_remove(variable);
    }
    let mut child = command
        .current_dir(working_dir)
        .args(["--port", "0", "--data-dir"])
        .arg(data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start gauzian-server");
    let stdout = child.stdout.take().unwrap();
    let guard = KillOnDrop(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let base_url = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (guard, base_url)
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

#[tokio::test]
async fn binary_defaults_to_web_dist() {
    let working_dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    write_app(&working_dir.path().join("web/dist"));

    let (_server, base_url) = start_binary(working_dir.path(), data.path());
    let response = reqwest::get(format!("{base_url}/")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), INDEX_HTML);
}

#[tokio::test]
async fn binary_serves_api_only_without_web_dist() {
    let working_dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();

    let (_server, base_url) = start_binary(working_dir.path(), data.path());
    let response = reqwest::get(format!("{base_url}/")).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = reqwest::get(format!("{base_url}/health/live"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
