//! Password change and password reset with the recovery key, over real HTTP
//! on SQLite and PostgreSQL.

// The test bodies are plain async functions that the `backend_tests!`
// macro calls, so clippy does not see them as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestServer, assert_error, b64, random_bytes};
use gauzian_api::{PreloginResponse, RecoveryKeyResponse};
use reqwest::StatusCode;
use serde_json::{Value, json};

backend_tests!(
    change_password,
    reset_with_recovery_key,
    recovery_failures_lock
);

fn new_kdf() -> Value {
    json!({"algorithm": "pbkdf2-sha256", "iterations": 400_000, "salt": b64(&random_bytes(16))})
}

async fn login_status(server: &TestServer, email: &str, auth_key: &[u8]) -> StatusCode {
    server
        .post_json(
            "/api/auth/login",
            None,
            &json!({"email": email, "auth_key": b64(auth_key)}),
        )
        .await
        .status()
}

async fn change_password(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = server.user("alice@example.com").await;
    let old_key = user.registration.auth_key.as_slice().to_vec();
    let new_key = random_bytes(32);
    let wrapped = random_bytes(2400);
    let kdf = new_kdf();
    let body = |current: &[u8], new: &[u8]| {
        json!({
            "current_auth_key": b64(current),
            "new_auth_key": b64(new),
            "kdf": kdf,
            "wrapped_private_key": b64(&wrapped),
        })
    };

    let response = server
        .post_json(
            "/api/account/password",
            Some(&user.token),
            &body(&[0; 32], &new_key),
        )
        .await;
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let response = server
        .post_json(
            "/api/account/password",
            Some(&user.token),
            &body(&old_key, &new_key[..16]),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    let response = server
        .post_json("/api/account/password", None, &body(&old_key, &new_key))
        .await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let response = server
        .post_json(
            "/api/account/password",
            Some(&user.token),
            &body(&old_key, &new_key),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let response = server.get("/api/account", Some(&user.token)).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_eq!(
        login_status(&server, &user.email, &old_key).await,
        StatusCode::UNAUTHORIZED
    );
    let login = server.login(&user.email, &new_key).await;
    assert_eq!(
        login.account.wrapped_private_key.as_slice(),
        wrapped.as_slice()
    );
    assert_eq!(login.account.kdf.iterations, 400_000);
    let response = server.get("/api/account", Some(&login.token)).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "a session opened after the change works"
    );

    let prelogin: PreloginResponse = server
        .post_json("/api/auth/prelogin", None, &json!({"email": user.email}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(b64(prelogin.kdf.salt.as_slice()), kdf["salt"]);
    assert_eq!(
        login.account.public_key, user.registration.public_key,
        "the key pair is unchanged"
    );
}

async fn reset_with_recovery_key(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = server.user("bob@example.com").await;
    let recovery_key = user.registration.recovery_auth_key.as_slice().to_vec();

    let response = server
        .post_json(
            "/api/auth/recovery/key",
            None,
            &json!({"email": user.email, "recovery_auth_key": b64(&[3; 32])}),
        )
        .await;
    let wrong = assert_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let response = server
        .post_json(
            "/api/auth/recovery/key",
            None,
            &json!({"email": "nobody@example.com", "recovery_auth_key": b64(&[3; 32])}),
        )
        .await;
    let unknown = assert_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(wrong, unknown, "unknown emails look like wrong keys");

    let response = server
        .post_json(
            "/api/auth/recovery/key",
            None,
            &json!({"email": user.email, "recovery_auth_key": b64(&recovery_key)}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let material: RecoveryKeyResponse = response.json().await.unwrap();
    assert_eq!(
        material.recovery_wrapped_private_key,
        user.registration.recovery_wrapped_private_key
    );
    assert_eq!(material.public_key, user.registration.public_key);

    let new_key = random_bytes(32);
    let wrapped = random_bytes(2400);
    let reset = |recovery: &[u8]| {
        json!({
            "email": user.email,
            "recovery_auth_key": b64(recovery),
            "new_auth_key": b64(&new_key),
            "kdf": new_kdf(),
            "wrapped_private_key": b64(&wrapped),
        })
    };
    let response = server
        .post_json("/api/auth/recovery/reset", None, &reset(&[3; 32]))
        .await;
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(
        server.get("/api/account", Some(&user.token)).await.status(),
        StatusCode::OK
    );

    let response = server
        .post_json("/api/auth/recovery/reset", None, &reset(&recovery_key))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = server.get("/api/account", Some(&user.token)).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_eq!(
        login_status(&server, &user.email, user.registration.auth_key.as_slice()).await,
        StatusCode::UNAUTHORIZED,
        "the old password no longer works"
    );
    let login = server.login(&user.email, &new_key).await;
    assert_eq!(
        login.account.wrapped_private_key.as_slice(),
        wrapped.as_slice()
    );

    let response = server
        .post_json(
            "/api/auth/recovery/key",
            None,
            &json!({"email": user.email, "recovery_auth_key": b64(&recovery_key)}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the recovery key stays valid"
    );
}

async fn recovery_failures_lock(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = server.user("carol@example.com").await;
    let body = |key: &[u8]| json!({"email": user.email, "recovery_auth_key": b64(key)});

    for attempt in 1..=5 {
        let response = server
            .post_json("/api/auth/recovery/key", None, &body(&[3; 32]))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let response = server
        .post_json(
            "/api/auth/recovery/key",
            None,
            &body(user.registration.recovery_auth_key.as_slice()),
        )
        .await;
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "account_locked").await;
    assert_eq!(
        login_status(&server, &user.email, user.registration.auth_key.as_slice()).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the lock covers logins too"
    );
}
