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
    metrics_use_route_templates,
    openapi_lists_every_route
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
    if backend == Backend::Distributed {
        assert_eq!(body["chunk_store_backend"], "s3");
        assert_eq!(body["redis"], "ok");
        // The replicas test stops the bucket and Redis to see 503s.
        return;
    }
    assert_eq!(body["chunk_store_backend"], "local");
    assert!(body.get("redis").is_none(), "Redis is not configured");

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

/// Every route the router serves, as (method, path template).
const ROUTES: [(&str, &str); 37] = [
    ("post", "/api/auth/prelogin"),
    ("post", "/api/auth/register"),
    ("post", "/api/auth/login"),
    ("post", "/api/auth/logout"),
    ("get", "/api/account"),
    ("get", "/api/account/usage"),
    ("post", "/api/account/password"),
    ("post", "/api/auth/recovery/key"),
    ("post", "/api/auth/recovery/reset"),
    ("post", "/api/folders"),
    ("get", "/api/nodes/{id}"),
    ("patch", "/api/nodes/{id}"),
    ("delete", "/api/nodes/{id}"),
    ("post", "/api/nodes/{id}/move"),
    ("get", "/api/folders/{id}/children"),
    ("post", "/api/uploads"),
    ("get", "/api/uploads/{version_id}"),
    ("delete", "/api/uploads/{version_id}"),
    ("put", "/api/uploads/{version_id}/chunks/{index}"),
    ("post", "/api/uploads/{version_id}/finalize"),
    ("get", "/api/files/{id}"),
    (
        "get",
        "/api/files/{id}/versions/{version_id}/chunks/{index}",
    ),
    ("get", "/api/trash"),
    ("delete", "/api/trash"),
    ("post", "/api/trash/{id}/restore"),
    ("delete", "/api/trash/{id}"),
    ("get", "/api/users/public-key"),
    ("post", "/api/shares"),
    ("get", "/api/shares/incoming"),
    ("get", "/api/shares/outgoing"),
    ("post", "/api/shares/{id}/accept"),
    ("patch", "/api/shares/{id}"),
    ("delete", "/api/shares/{id}"),
    ("get", "/health/live"),
    ("get", "/health/ready"),
    ("get", "/metrics"),
    ("get", "/api/openapi.json"),
];

async fn openapi_lists_every_route(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server.get("/api/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));

    let mut documented = 0;
    for (method, path) in ROUTES {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
        documented += 1;
    }
    let total: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(total, documented, "no undocumented extra operations");

    let schemas = &document["components"]["schemas"];
    for schema in [
        "Node",
        "RegisterRequest",
        "Share",
        "ErrorBody",
        "UploadStatus",
    ] {
        assert!(schemas[schema].is_object(), "schema {schema}");
    }
    assert_eq!(
        schemas["KdfParams"]["properties"]["salt"]["$ref"],
        "#/components/schemas/Bytes"
    );
    assert_eq!(schemas["Bytes"]["type"], "string");
    assert_eq!(
        schemas["Bytes"]["format"], "byte",
        "binary fields are base64 strings"
    );
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());

    // Each documented operation is served: none returns the router's 404.
    let client = &server.client;
    for (method, path) in ROUTES {
        let concrete = path
            .replace("{id}", &Uuid::new_v4().to_string())
            .replace("{version_id}", &Uuid::new_v4().to_string())
            .replace("{index}", "0");
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let response = client
            .request(method.clone(), server.url(&concrete))
            .send()
            .await
            .unwrap();
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            let body: Value = response.json().await.unwrap();
            panic!("{method} {concrete} is not routed: {body}");
        }
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {concrete}"
        );
    }
}
