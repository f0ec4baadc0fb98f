//! Usage and quota, health probes and metrics, over real HTTP on SQLite and
//! PostgreSQL.

// The test bodies are plain async functions that the `backend_tests!`
// macro calls, so clippy does not see them as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestServer, assert_error, b64, random_bytes};
use gauzian_api::Usage;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

backend_tests!(
    usage_counts_uploads,
    health_probes,
    metrics_use_route_templates
);

async fn usage_counts_uploads(backend: Backend) {
    let server = TestServer::start_with(backend, |config| config.quota_bytes = 1000).await;
    let alice = server.user("alice@example.com").await;

    let usage: Usage = server
        .get("/api/account/usage", Some(&alice.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        usage,
        Usage {
            used_bytes: 0,
            quota_bytes: Some(1000)
        }
    );

    let body = json!({
        "file_id": Uuid::new_v4(),
        "version_id": Uuid::new_v4(),
        "parent_id": alice.root,
        "wrapped_key": b64(&random_bytes(60)),
        "encrypted_metadata": b64(&random_bytes(90)),
        "chunk_sizes": [300, 200],
    });
    let response = server
        .post_json("/api/uploads", Some(&alice.token), &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let usage: Usage = server
        .get("/api/account/usage", Some(&alice.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(usage.used_bytes, 500, "pending uploads count");

    let response = server.get("/api/account/usage", None).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let unlimited = TestServer::start(backend).await;
    let bob = unlimited.user("bob@example.com").await;
    let usage: Usage = unlimited
        .get("/api/account/usage", Some(&bob.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(usage.quota_bytes, None);
}

async fn health_probes(backend: Backend) {
    let server = TestServer::start(backend).await;

    let response = server.get("/health/live", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = server.get("/health/ready", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["chunk_store"], "ok");

    // Without a writable chunk store the server is not ready.
    std::fs::remove_dir_all(server.data_dir.join("chunks")).unwrap();
    let response = server.get("/health/ready", None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["chunk_store"], "unavailable");
    assert_eq!(body["database"], "ok");
    let response = server.get("/health/live", None).await;
    assert_eq!(response.status(), StatusCode::OK, "still live");
}

async fn metrics_use_route_templates(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.user("alice@example.com").await;
    let node = format!("/api/nodes/{}", alice.root);
    assert_eq!(
        server.get(&node, Some(&alice.token)).await.status(),
        StatusCode::OK
    );
    let response = server
        .post_json(
            "/api/auth/login",
            None,
            &json!({"email": "alice@example.com", "auth_key": b64(&[0; 32])}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let response = server.get("/metrics", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    let expected = [
        r#"gauzian_http_requests_total{method="GET",route="/api/nodes/{id}",status="200"} 1"#,
        r#"gauzian_auth_attempts_total{outcome="success"} 1"#,
        r#"gauzian_auth_attempts_total{outcome="invalid_credentials"} 1"#,
        "gauzian_http_request_duration_seconds_bucket",
        "gauzian_http_requests_in_flight",
        "gauzian_db_pool_connections",
        "gauzian_uploaded_bytes_total",
        "gauzian_chunk_upload_duration_seconds",
    ];
    for line in expected {
        assert!(text.contains(line), "metrics contain {line}:\n{text}");
    }
    assert!(
        !text.contains(&alice.root.to_string()),
        "no raw ids in labels"
    );
    assert!(!text.contains("alice@example.com"), "no emails in metrics");
}
