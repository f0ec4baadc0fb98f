//! Accounts: pre-login, registration, login, logout and the account itself.

pub mod password;
pub(crate) mod recovery;
pub mod session;

use std::time::Duration;

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use gauzian_api::{
    Account, Bytes, ErrorBody, KdfAlgorithm, KdfParams, LoginRequest, LoginResponse,
    PreloginRequest, PreloginResponse, RegisterRequest, RegisterResponse, Usage,
};
use hmac::{KeyInit as _, Mac as _};
use sqlx::Row as _;
use uuid::Uuid;

use crate::db::{self, now_millis};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::limits::AuthRateLimit;
use crate::state::AppState;
use session::Session;

/// Iteration count of the fake KDF parameters for unknown emails. It is the
/// clients' default, so fake responses look like most real ones.
const FAKE_KDF_ITERATIONS: u32 = 310_000;
/// Smallest PBKDF2 iteration count an account may register with.
const MIN_KDF_ITERATIONS: u32 = 100_000;
/// Largest PBKDF2 iteration count an account may register with; higher
/// values would make every login of that account a denial of service.
const MAX_KDF_ITERATIONS: u32 = 10_000_000;
/// Length of the KDF salt and of both authentication keys, in bytes.
const SALT_LEN: usize = 16;
pub(crate) const AUTH_KEY_LEN: usize = 32;
/// Upper bounds on opaque key material, well above RSA-4096 sizes (an SPKI
/// DER public key is about 550 bytes, a wrapped PKCS#8 key about 2.4 KB).
const MAX_PUBLIC_KEY_LEN: usize = 4096;
pub(crate) const MAX_WRAPPED_KEY_LEN: usize = 8192;
/// Upper bound on one encrypted metadata blob.
pub const MAX_METADATA_LEN: usize = 64 * 1024;
/// Longest accepted email, per RFC 5321's path limit.
const MAX_EMAIL_LEN: usize = 254;

/// Failed logins after which an email is locked.
const MAX_LOGIN_FAILURES: u32 = 5;
/// How long a lock lasts, and the period within which failures add up.
const LOCKOUT: Duration = Duration::from_secs(15 * 60);

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Routes under `/api/auth` and `/api/account`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/prelogin", post(prelogin))
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/account", get(account))
        .route("/api/account/usage", get(usage))
        .route("/api/account/password", post(recovery::change_password))
        .route("/api/auth/recovery/key", post(recovery::recovery_key))
        .route("/api/auth/recovery/reset", post(recovery::reset_password))
}

/// Normalizes an email for lookup and uniqueness: trimmed and lowercased.
pub fn normalize_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= MAX_EMAIL_LEN
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !email.chars().any(char::is_whitespace);
    if !valid {
        return Err(ApiError::bad_request(
            "invalid_email",
            "email must look like NAME@DOMAIN, at most 254 characters",
        ));
    }
    Ok(email)
}

#[utoipa::path(post, path = "/api/auth/prelogin", tag = "auth", request_body = PreloginRequest, responses((status = 200, body = PreloginResponse), (status = 400, body = ErrorBody), (status = 429, description = "Per-IP limit reached", body = ErrorBody)))]
async fn prelogin(
    State(state): State<AppState>,
    _limit: AuthRateLimit,
    ApiJson(request): ApiJson<PreloginRequest>,
) -> ApiResult<Json<PreloginResponse>> {
    let email = normalize_email(&request.email)?;

    let row = sqlx::query("SELECT kdf_iterations, kdf_salt FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(state.db.pool())
        .await?;

    let kdf = match row {
        Some(row) => KdfParams {
            algorithm: KdfAlgorithm::Pbkdf2Sha256,
            iterations: db::u32_column(&row, "kdf_iterations")?,
            salt: Bytes(row.try_get("kdf_salt")?),
        },
        None => {
            // The salt is an HMAC of the email under a server key, so the same
            // unknown email always gets the same salt, and without the key it
            // cannot be distinguished from a random one.
            let mut mac = HmacSha256::new_from_slice(&state.settings.prelogin_key)
                .map_err(ApiError::internal)?;
            mac.update(email.as_bytes());
            let digest = mac.finalize().into_bytes();
            KdfParams {
                algorithm: KdfAlgorithm::Pbkdf2Sha256,
                iterations: FAKE_KDF_ITERATIONS,
                salt: Bytes(digest[..SALT_LEN].to_vec()),
            }
        }
    };
    Ok(Json(PreloginResponse { kdf }))
}

pub(crate) fn check_len(field: &str, value: &Bytes, min: usize, max: usize) -> ApiResult<()> {
    if value.len() < min || value.len() > max {
        let expected = if min == max {
            format!("{min} bytes")
        } else {
            format!("{min} to {max} bytes")
        };
        return Err(ApiError::bad_request(
            "invalid_request",
            format!("{field} must be {expected}, got {}", value.len()),
        ));
    }
    Ok(())
}

/// Checks the iteration count and salt length of client KDF parameters.
pub(crate) fn check_kdf(kdf: &KdfParams) -> ApiResult<()> {
    if !(MIN_KDF_ITERATIONS..=MAX_KDF_ITERATIONS).contains(&kdf.iterations) {
        return Err(ApiError::bad_request(
            "invalid_kdf",
            format!(
                "kdf.iterations must be between {MIN_KDF_ITERATIONS} and {MAX_KDF_ITERATIONS}, got {}",
                kdf.iterations
            ),
        ));
    }
    check_len("kdf.salt", &kdf.salt, SALT_LEN, SALT_LEN)
}

#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterRequest, responses((status = 201, body = RegisterResponse), (status = 400, body = ErrorBody), (status = 409, description = "Email or root folder id taken", body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn register(
    State(state): State<AppState>,
    _limit: AuthRateLimit,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> ApiResult<impl IntoResponse> {
    let email = normalize_email(&request.email)?;
    check_kdf(&request.kdf)?;
    check_len("auth_key", &request.auth_key, AUTH_KEY_LEN, AUTH_KEY_LEN)?;
    check_len(
        "recovery_auth_key",
        &request.recovery_auth_key,
        AUTH_KEY_LEN,
        AUTH_KEY_LEN,
    )?;
    check_len("public_key", &request.public_key, 1, MAX_PUBLIC_KEY_LEN)?;
    check_len(
        "wrapped_private_key",
        &request.wrapped_private_key,
        1,
        MAX_WRAPPED_KEY_LEN,
    )?;
    check_len(
        "recovery_wrapped_private_key",
        &request.recovery_wrapped_private_key,
        1,
        MAX_WRAPPED_KEY_LEN,
    )?;
    check_len(
        "wrapped_record_key",
        &request.wrapped_record_key,
        1,
        MAX_WRAPPED_KEY_LEN,
    )?;
    check_len(
        "root_folder.wrapped_key",
        &request.root_folder.wrapped_key,
        1,
        MAX_WRAPPED_KEY_LEN,
    )?;
    check_len(
        "root_folder.encrypted_metadata",
        &request.root_folder.encrypted_metadata,
        1,
        MAX_METADATA_LEN,
    )?;

    let auth_key = request.auth_key.into_vec();
    let recovery_auth_key = request.recovery_auth_key.into_vec();
    let (auth_hash, recovery_auth_hash) = tokio::task::spawn_blocking(move || {
        Ok::<_, ApiError>((
            password::hash_key_blocking(&auth_key)?,
            password::hash_key_blocking(&recovery_auth_key)?,
        ))
    })
    .await
    .map_err(ApiError::internal)??;

    let user_id = Uuid::new_v4();
    let root_id = request.root_folder.id;
    let now = now_millis();
    let mut tx = state.db.begin_write().await?;

    let inserted = sqlx::query(
        "INSERT INTO users (id, email, kdf_algorithm, kdf_iterations, kdf_salt, auth_hash, \
         recovery_auth_hash, public_key, wrapped_private_key, recovery_wrapped_private_key, \
         wrapped_record_key, root_folder_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(user_id.to_string())
    .bind(&email)
    .bind("pbkdf2-sha256")
    .bind(i64::from(request.kdf.iterations))
    .bind(request.kdf.salt.into_vec())
    .bind(auth_hash)
    .bind(recovery_auth_hash)
    .bind(request.public_key.into_vec())
    .bind(request.wrapped_private_key.into_vec())
    .bind(request.recovery_wrapped_private_key.into_vec())
    .bind(request.wrapped_record_key.into_vec())
    .bind(root_id.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(error) if db::is_unique_violation(&error) => {
            return Err(ApiError::conflict(
                "email_taken",
                "an account with this email already exists; log in instead",
            ));
        }
        other => other?,
    };

    let inserted = sqlx::query(
        "INSERT INTO nodes (id, owner_id, parent_id, kind, wrapped_key, encrypted_metadata, \
         current_version_id, created_at, updated_at) \
         VALUES ($1, $2, NULL, 'folder', $3, $4, NULL, $5, $5)",
    )
    .bind(root_id.to_string())
    .bind(user_id.to_string())
    .bind(request.root_folder.wrapped_key.into_vec())
    .bind(request.root_folder.encrypted_metadata.into_vec())
    .bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(error) if db::is_unique_violation(&error) => {
            return Err(ApiError::conflict(
                "already_exists",
                format!("node id {root_id} is already in use; generate a new root folder id"),
            ));
        }
        other => other?,
    };

    tx.commit().await?;
    tracing::info!(%user_id, "account registered");
    Ok((StatusCode::CREATED, Json(RegisterResponse { user_id })))
}

#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest, responses((status = 200, description = "Token in the body and in the session cookie", body = LoginResponse), (status = 401, description = "Invalid email or authentication key", body = ErrorBody), (status = 429, description = "Account locked or per-IP limit reached", body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    _limit: AuthRateLimit,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let email = normalize_email(&request.email)?;
    let email_key = lockout_key(&state, &email)?;
    let now = now_millis();

    ensure_not_locked(&state, &email_key, now).await?;

    let row = sqlx::query("SELECT id, auth_hash, sessions_valid_after FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(state.db.pool())
        .await?;
    let (user_id, stored_hash, sessions_valid_after) = match &row {
        Some(row) => (
            Some(db::uuid_column(row, "id")?),
            row.try_get("auth_hash")?,
            row.try_get("sessions_valid_after")?,
        ),
        None => (None, state.settings.dummy_auth_hash.clone(), 0),
    };

    let matches = password::verify_key(request.auth_key.into_vec(), stored_hash).await?;
    let user_id = match user_id {
        Some(user_id) if matches => user_id,
        _ => {
            let locked = record_login_failure(&state, &email_key, now).await?;
            tracing::info!(outcome = "invalid_credentials", locked, "login failed");
            state.metrics.auth_attempt("invalid_credentials");
            return Err(ApiError::InvalidCredentials);
        }
    };
    sqlx::query("DELETE FROM login_failures WHERE email_key = $1")
        .bind(&email_key)
        .execute(state.db.pool())
        .await?;

    let issued = state.sessions.issue(
        user_id,
        state.settings.token_lifetime_seconds,
        sessions_valid_after,
    )?;
    let account = load_account(&state, user_id).await?;
    tracing::info!(%user_id, "login succeeded");
    state.metrics.auth_attempt("success");

    let cookie = session::session_cookie(
        &issued.token,
        state.settings.token_lifetime_seconds,
        state.settings.cookie_secure,
    );
    let mut headers = HeaderMap::new();
    headers.insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(ApiError::internal)?,
    );
    let response = LoginResponse {
        token: issued.token,
        expires_at: issued.expires_at,
        account,
    };
    Ok((headers, Json(response)))
}

/// Rejects a locked email before its key is checked, so guessing goes no
/// faster during the lockout, even with the right key.
pub(crate) async fn ensure_not_locked(
    state: &AppState,
    email_key: &str,
    now: i64,
) -> ApiResult<()> {
    let lock = sqlx::query("SELECT locked_until FROM login_failures WHERE email_key = $1")
        .bind(email_key)
        .fetch_optional(state.db.pool())
        .await?;
    if let Some(lock) = lock {
        let locked_until: i64 = lock.try_get("locked_until")?;
        if locked_until > now {
            tracing::info!(
                outcome = "locked",
                "authentication rejected: account locked"
            );
            state.metrics.auth_attempt("locked");
            return Err(locked_error(locked_until - now));
        }
    }
    Ok(())
}

/// Derives the key of an email's row in `login_failures`.
pub(crate) fn lockout_key(state: &AppState, email: &str) -> ApiResult<String> {
    let mut mac =
        HmacSha256::new_from_slice(&state.settings.prelogin_key).map_err(ApiError::internal)?;
    mac.update(b"login-failures\0");
    mac.update(email.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

fn locked_error(remaining_millis: i64) -> ApiError {
    let remaining = Duration::from_millis(u64::try_from(remaining_millis).unwrap_or(0));
    ApiError::TooManyRequests {
        code: "account_locked",
        message: format!(
            "too many failed logins: this account is locked for {} more minutes",
            remaining.as_secs().div_ceil(60)
        ),
        retry_after: remaining,
    }
}

/// Counts a failed login and locks the email once it reaches
/// [`MAX_LOGIN_FAILURES`] within [`LOCKOUT`]. Returns true when it locked.
pub(crate) async fn record_login_failure(
    state: &AppState,
    email_key: &str,
    now: i64,
) -> ApiResult<bool> {
    let lockout_millis = i64::try_from(LOCKOUT.as_millis()).map_err(ApiError::internal)?;
    let mut tx = state.db.begin_write().await?;

    // Failures older than the lockout period no longer count.
    sqlx::query(
        "INSERT INTO login_failures (email_key, failures, first_failure_at, locked_until) \
         VALUES ($1, 1, $2, 0) \
         ON CONFLICT (email_key) DO UPDATE SET \
         failures = CASE WHEN login_failures.first_failure_at < $3 THEN 1 ELSE login_failures.failures + 1 END, \
         first_failure_at = CASE WHEN login_failures.first_failure_at < $3 THEN $2 ELSE login_failures.first_failure_at END",
    )
    .bind(email_key)
    .bind(now)
    .bind(now - lockout_millis)
    .execute(&mut *tx)
    .await?;

    let locked = sqlx::query(
        "UPDATE login_failures SET failures = 0, first_failure_at = $2, locked_until = $3 \
         WHERE email_key = $1 AND failures >= $4",
    )
    .bind(email_key)
    .bind(now)
    .bind(now + lockout_millis)
    .bind(i64::from(MAX_LOGIN_FAILURES))
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    tx.commit().await?;
    Ok(locked)
}

#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = []), ("cookie" = [])), responses((status = 204, description = "Token revoked"), (status = 401, body = ErrorBody)))]
async fn logout(State(state): State<AppState>, session: Session) -> ApiResult<impl IntoResponse> {
    if let Some(redis) = &state.redis {
        redis.revoke(session.token_id, session.expires_at).await?;
    } else {
        let expires_at_millis = session.expires_at.saturating_mul(1000);
        sqlx::query(
            "INSERT INTO revoked_tokens (token_id, expires_at) VALUES ($1, $2) \
             ON CONFLICT (token_id) DO NOTHING",
        )
        .bind(session.token_id.to_string())
        .bind(expires_at_millis)
        .execute(state.db.pool())
        .await?;

        // Rows of tokens past their expiry no longer matter: such a token
        // fails the expiry check before the revocation list is read.
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1")
            .bind(now_millis() - 60_000)
            .execute(state.db.pool())
            .await?;
    }
    tracing::info!(user_id = %session.user_id, token_id = %session.token_id, "logged out");

    let cookie = session::expired_session_cookie(state.settings.cookie_secure);
    let mut headers = HeaderMap::new();
    headers.insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(ApiError::internal)?,
    );
    Ok((StatusCode::NO_CONTENT, headers))
}

#[utoipa::path(get, path = "/api/account", tag = "auth", security(("bearer" = []), ("cookie" = [])), responses((status = 200, body = Account), (status = 401, body = ErrorBody)))]
async fn account(State(state): State<AppState>, session: Session) -> ApiResult<Json<Account>> {
    Ok(Json(load_account(&state, session.user_id).await?))
}

#[utoipa::path(get, path = "/api/account/usage", tag = "auth", security(("bearer" = []), ("cookie" = [])), responses((status = 200, body = Usage), (status = 401, body = ErrorBody)))]
async fn usage(State(state): State<AppState>, session: Session) -> ApiResult<Json<Usage>> {
    let used_bytes = crate::uploads::usage_bytes(&state, session.user_id).await?;
    let quota = state.settings.quota_bytes;
    Ok(Json(Usage {
        used_bytes,
        quota_bytes: (quota > 0).then_some(quota),
    }))
}

/// Loads what a client needs to open the drive of `user_id`.
pub async fn load_account(state: &AppState, user_id: Uuid) -> ApiResult<Account> {
    let row = sqlx::query(
        "SELECT email, kdf_iterations, kdf_salt, public_key, wrapped_private_key, \
         wrapped_record_key, root_folder_id FROM users WHERE id = $1",
    )
    .bind(user_id.to_string())
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(ApiError::Unauthorized)?;

    Ok(Account {
        user_id,
        email: row.try_get("email")?,
        kdf: KdfParams {
            algorithm: KdfAlgorithm::Pbkdf2Sha256,
            iterations: db::u32_column(&row, "kdf_iterations")?,
            salt: Bytes(row.try_get("kdf_salt")?),
        },
        public_key: Bytes(row.try_get("public_key")?),
        wrapped_private_key: Bytes(row.try_get("wrapped_private_key")?),
        wrapped_record_key: Bytes(row.try_get("wrapped_record_key")?),
        root_folder_id: db::uuid_column(&row, "root_folder_id")?,
    })
}
