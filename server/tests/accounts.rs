//! Pre-login, registration, login, logout and the account route, over real
//! HTTP on SQLite and PostgreSQL.

// The test bodies are plain async functions that the `backend_tests!`
// macro calls, so clippy does not see them as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestServer, assert_error, b64, registration};
use gauzian_api::{Account, PreloginResponse, RegisterResponse};
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;

backend_tests!(
    prelogin_known_and_unknown,
    register_success_and_failures,
    login_success_and_failures,
    account_by_bearer_and_cookie,
    logout_revokes_only_that_token,
    unknown_route_is_json_404,
    lockout_after_five_failures,
    success_resets_failure_count,
    per_ip_limit_on_auth_routes,
);

async fn prelogin(server: &TestServer, email: &str) -> PreloginResponse {
    let response = server
        .post_json(
            "/api/auth/prelogin",
            None,
            &serde_json::json!({ "email": email }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn prelogin_known_and_unknown(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = server.user("alice@example.com").await;

    let known = prelogin(&server, "Alice@Example.com ").await;
    assert_eq!(known.kdf, user.registration.kdf);

    let unknown = prelogin(&server, "nobody@example.com").await;
    let again = prelogin(&server, "NOBODY@example.com").await;
    assert_eq!(unknown.kdf, again.kdf, "fake parameters are stable");
    assert_eq!(unknown.kdf.iterations, 310_000);
    assert_eq!(unknown.kdf.salt.len(), 16);
    let other = prelogin(&server, "other@example.com").await;
    assert_ne!(
        other.kdf.salt, unknown.kdf.salt,
        "fake salts differ per email"
    );

    let response = server
        .post_json(
            "/api/auth/prelogin",
            None,
            &serde_json::json!({ "email": "not-an-email" }),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_email").await;
}

async fn register_success_and_failures(backend: Backend) {
    let server = TestServer::start(backend).await;

    let request = registration("bob@example.com");
    let response = server.post_json("/api/auth/register", None, &request).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: RegisterResponse = response.json().await.unwrap();
    assert!(!body.user_id.is_nil());

    let mut duplicate = registration("BOB@example.com");
    duplicate.root_folder.id = uuid::Uuid::new_v4();
    let response = server
        .post_json("/api/auth/register", None, &duplicate)
        .await;
    assert_error(response, StatusCode::CONFLICT, "email_taken").await;

    let reused_root = registration("carol@example.com");
    let response = server
        .post_json("/api/auth/register", None, &reused_root)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let mut same_root = registration("dave@example.com");
    same_root.root_folder.id = reused_root.root_folder.id;
    let response = server
        .post_json("/api/auth/register", None, &same_root)
        .await;
    assert_error(response, StatusCode::CONFLICT, "already_exists").await;

    let mut short_key = registration("erin@example.com");
    short_key.auth_key.0.truncate(16);
    let response = server
        .post_json("/api/auth/register", None, &short_key)
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    let mut weak_kdf = registration("frank@example.com");
    weak_kdf.kdf.iterations = 99_999;
    let response = server
        .post_json("/api/auth/register", None, &weak_kdf)
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_kdf").await;

    let mut bad_salt = registration("grace@example.com");
    bad_salt.kdf.salt.0.push(0);
    let response = server
        .post_json("/api/auth/register", None, &bad_salt)
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    let response = server
        .client
        .post(server.url("/api/auth/register"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    let response = server
        .client
        .post(server.url("/api/auth/register"))
        .body(serde_json::to_vec(&registration("heidi@example.com")).unwrap())
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::BAD_REQUEST, "unsupported_media_type").await;
}

async fn login_success_and_failures(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = server.user("ivan@example.com").await;

    let response = server
        .post_json(
            "/api/auth/login",
            None,
            &serde_json::json!({"email": "IVAN@example.com", "auth_key": b64(user.registration.auth_key.as_slice())}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with(&format!("{}=", gauzian_api::SESSION_COOKIE)),
        "{cookie}"
    );
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("Max-Age=864000"), "{cookie}");
    let login: gauzian_api::LoginResponse = response.json().await.unwrap();
    assert!(cookie.contains(&login.token), "cookie carries the token");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (login.expires_at - (now + 864_000)).abs() < 60,
        "10-day lifetime"
    );
    assert_eq!(login.account.email, "ivan@example.com");
    assert_eq!(login.account.root_folder_id, user.root);
    assert_eq!(login.account.public_key, user.registration.public_key);
    assert_eq!(
        login.account.wrapped_private_key,
        user.registration.wrapped_private_key
    );
    assert_eq!(
        login.account.wrapped_record_key,
        user.registration.wrapped_record_key
    );

    let second = server
        .login(&user.email, user.registration.auth_key.as_slice())
        .await;
    assert_ne!(second.token, login.token, "every login gets a new token");

    let wrong_key = server
        .post_json(
            "/api/auth/login",
            None,
            &serde_json::json!({"email": user.email, "auth_key": b64(&[7u8; 32])}),
        )
        .await;
    let wrong_body = assert_error(wrong_key, StatusCode::UNAUTHORIZED, "invalid_credentials").await;

    let unknown = server
        .post_json(
            "/api/auth/login",
            None,
            &serde_json::json!({"email": "nobody@example.com", "auth_key": b64(&[7u8; 32])}),
        )
        .await;
    let unknown_body = assert_error(unknown, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(
        wrong_body, unknown_body,
        "unknown email answers like a wrong key"
    );

    let missing_field = server
        .post_json(
            "/api/auth/login",
            None,
            &serde_json::json!({"email": user.email}),
        )
        .await;
    assert_error(missing_field, StatusCode::BAD_REQUEST, "invalid_request").await;
}

async fn account_by_bearer_and_cookie(backend: Backend) {
    let mut server = TestServer::start_with(backend, |config| config.cookie_secure = false).await;
    let user = server.user("judy@example.com").await;

    let response = server.get("/api/account", Some(&user.token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let account: Account = response.json().await.unwrap();
    assert_eq!(account.email, "judy@example.com");
    assert_eq!(account.kdf, user.registration.kdf);

    let response = server
        .client
        .get(server.url("/api/account"))
        .header(
            "cookie",
            format!("other=1; {}={}", gauzian_api::SESSION_COOKIE, user.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let login = server
        .client
        .post(server.url("/api/auth/login"))
        .json(&serde_json::json!({"email": user.email, "auth_key": b64(user.registration.auth_key.as_slice())}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        !cookie.contains("Secure"),
        "COOKIE_SECURE=false drops Secure: {cookie}"
    );

    let response = server.get("/api/account", None).await;
    let www_authenticate = response.headers().get("www-authenticate").cloned();
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_eq!(www_authenticate.unwrap(), "Bearer");
    server.stop().await;
}

async fn logout_revokes_only_that_token(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = server.user("ken@example.com").await;
    let other_session = server
        .login(&user.email, user.registration.auth_key.as_slice())
        .await;

    let response = server
        .client
        .post(server.url("/api/auth/logout"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("Max-Age=0"),
        "logout clears the cookie: {cookie}"
    );

    let response = server.get("/api/account", Some(&user.token)).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let response = server.get("/api/account", Some(&other_session.token)).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "other sessions stay valid"
    );

    let response = server
        .client
        .post(server.url("/api/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

async fn unknown_route_is_json_404(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server.get("/api/no-such-route", None).await;
    assert!(
        response.headers().contains_key("x-request-id"),
        "request id is echoed"
    );
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

async fn login_status(server: &TestServer, email: &str, auth_key: &[u8]) -> reqwest::Response {
    server
        .post_json(
            "/api/auth/login",
            None,
            &serde_json::json!({"email": email, "auth_key": b64(auth_key)}),
        )
        .await
}

async fn lockout_after_five_failures(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = server.user("lara@example.com").await;
    let other = server.user("mike@example.com").await;
    let wrong = [9u8; 32];

    for attempt in 1..=5 {
        let response = login_status(&server, &user.email, &wrong).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let response = login_status(&server, &user.email, user.registration.auth_key.as_slice()).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (890..=900).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "account_locked").await;

    let response = server.get("/api/account", Some(&user.token)).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "existing sessions stay valid"
    );
    let response = login_status(
        &server,
        &other.email,
        other.registration.auth_key.as_slice(),
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "other accounts are not locked"
    );

    // Unknown emails lock the same way, so the lock reveals no account.
    for _ in 0..5 {
        let response = login_status(&server, "ghost@example.com", &wrong).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = login_status(&server, "ghost@example.com", &wrong).await;
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "account_locked").await;
}

async fn success_resets_failure_count(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = server.user("nina@example.com").await;
    let wrong = [9u8; 32];

    for _ in 0..4 {
        login_status(&server, &user.email, &wrong).await;
    }
    let response = login_status(&server, &user.email, user.registration.auth_key.as_slice()).await;
    assert_eq!(response.status(), StatusCode::OK);
    for attempt in 1..=4 {
        let response = login_status(&server, &user.email, &wrong).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt} after a success"
        );
    }
    let response = login_status(&server, &user.email, user.registration.auth_key.as_slice()).await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn per_ip_limit_on_auth_routes(backend: Backend) {
    let server = TestServer::start_with(backend, |config| config.auth_rate_limit = 3).await;
    for attempt in 1..=3 {
        let response = server
            .post_json(
                "/api/auth/prelogin",
                None,
                &serde_json::json!({"email": "a@example.com"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "request {attempt}");
    }
    let response = login_status(&server, "a@example.com", &[1u8; 32]).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;

    let response = server.get("/api/no-such-route", None).await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "other routes are not limited"
    );
}
