//! Session tokens: only unexpired, unrevoked HS256 tokens signed with the
//! server's secret open a session, from the Bearer header or the cookie.

// The test bodies are plain async functions that the `backend_tests!`
// macro calls, so clippy does not see them as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Backend, TEST_JWT_SECRET, TestServer, assert_error};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

backend_tests!(forged_tokens_are_rejected, malformed_headers_are_rejected);

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn sign(algorithm: Algorithm, secret: &[u8], claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap()
}

async fn account_status(server: &TestServer, token: &str) -> StatusCode {
    server.get("/api/account", Some(token)).await.status()
}

async fn forged_tokens_are_rejected(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = server.user("alice@example.com").await;
    let user_id = server
        .login(&user.email, user.registration.auth_key.as_slice())
        .await
        .account
        .user_id;
    let secret = TEST_JWT_SECRET.as_bytes();
    let claims =
        |exp: i64| json!({"sub": user_id, "jti": Uuid::new_v4(), "iat": now(), "exp": exp});

    // A token built here with the server's secret works, so each rejection
    // below is due to the one property that differs.
    let valid = sign(Algorithm::HS256, secret, &claims(now() + 3600));
    assert_eq!(account_status(&server, &valid).await, StatusCode::OK);

    let expired = sign(Algorithm::HS256, secret, &claims(now() - 3600));
    assert_eq!(
        account_status(&server, &expired).await,
        StatusCode::UNAUTHORIZED,
        "expired"
    );

    let other_key = sign(
        Algorithm::HS256,
        b"another-secret-another-secret-0000",
        &claims(now() + 3600),
    );
    assert_eq!(
        account_status(&server, &other_key).await,
        StatusCode::UNAUTHORIZED,
        "other key"
    );

    let hs512 = sign(Algorithm::HS512, secret, &claims(now() + 3600));
    assert_eq!(
        account_status(&server, &hs512).await,
        StatusCode::UNAUTHORIZED,
        "HS512"
    );

    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(now() + 3600).to_string())
    );
    assert_eq!(
        account_status(&server, &unsigned).await,
        StatusCode::UNAUTHORIZED,
        "alg none"
    );

    let parts: Vec<&str> = user.token.split('.').collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["exp"] = json!(now() + 10 * 365 * 86_400);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    assert_eq!(
        account_status(&server, &tampered).await,
        StatusCode::UNAUTHORIZED,
        "tampered payload"
    );

    let unknown_user = sign(
        Algorithm::HS256,
        secret,
        &json!({"sub": Uuid::new_v4(), "jti": Uuid::new_v4(), "iat": now(), "exp": now() + 3600}),
    );
    assert_eq!(
        account_status(&server, &unknown_user).await,
        StatusCode::UNAUTHORIZED,
        "unknown account"
    );

    let without_jti = sign(
        Algorithm::HS256,
        secret,
        &json!({"sub": user_id, "iat": now(), "exp": now() + 3600}),
    );
    assert_eq!(
        account_status(&server, &without_jti).await,
        StatusCode::UNAUTHORIZED,
        "no jti"
    );

    let response = server
        .client
        .post(server.url("/api/auth/logout"))
        .bearer_auth(&valid)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = server.get("/api/account", Some(&valid)).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let response = server
        .client
        .get(server.url("/api/account"))
        .header("cookie", format!("{}={valid}", gauzian_api::SESSION_COOKIE))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "revoked token in the cookie"
    );
}

async fn malformed_headers_are_rejected(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = server.user("bob@example.com").await;

    let headers = [
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        format!("Basic {}", user.token),
        format!("Token {}", user.token),
        "Bearer not-a-jwt".to_owned(),
        "Bearer a.b.c".to_owned(),
        format!("Bearer {}x", user.token),
    ];
    for header in headers {
        let response = server
            .client
            .get(server.url("/api/account"))
            .header("authorization", &header)
            .header(
                "cookie",
                format!("{}={}", gauzian_api::SESSION_COOKIE, user.token),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "header {header:?}"
        );
    }

    let response = server
        .client
        .get(server.url("/api/account"))
        .header("authorization", format!("bearer {}", user.token))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the scheme is case-insensitive"
    );

    let response = server
        .client
        .get(server.url("/api/account"))
        .header("cookie", format!("{}=garbage", gauzian_api::SESSION_COOKIE))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "malformed cookie"
    );
}
