//! Password change with the current password, and password reset with the
//! recovery key. Both replace the authentication hash, the KDF parameters
//! and the password wrapping of the private key in one transaction, and end
//! every session of the account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gauzian_api::{
    Bytes, ChangePasswordRequest, ErrorBody, KdfParams, RecoveryKeyRequest, RecoveryKeyResponse,
    ResetPasswordRequest,
};
use sqlx::Row as _;
use uuid::Uuid;

use super::session::Session;
use super::{
    AUTH_KEY_LEN, MAX_WRAPPED_KEY_LEN, check_kdf, check_len, ensure_not_locked, lockout_key,
    normalize_email, password, record_login_failure,
};
use crate::db::{self, now_millis};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::limits::AuthRateLimit;
use crate::state::AppState;

/// New password material, checked.
struct NewPassword {
    auth_key: Vec<u8>,
    kdf: KdfParams,
    wrapped_private_key: Vec<u8>,
}

impl NewPassword {
    fn parse(auth_key: Bytes, kdf: KdfParams, wrapped_private_key: Bytes) -> ApiResult<Self> {
        check_kdf(&kdf)?;
        check_len("new_auth_key", &auth_key, AUTH_KEY_LEN, AUTH_KEY_LEN)?;
        check_len(
            "wrapped_private_key",
            &wrapped_private_key,
            1,
            MAX_WRAPPED_KEY_LEN,
        )?;
        Ok(Self {
            auth_key: auth_key.into_vec(),
            kdf,
            wrapped_private_key: wrapped_private_key.into_vec(),
        })
    }
}

/// Stores new password material and ends every session of the account.
async fn store_new_password(state: &AppState, user_id: Uuid, new: NewPassword) -> ApiResult<()> {
    let auth_hash = password::hash_key(new.auth_key).await?;
    // Tokens carry whole seconds, so the cut-off is the next second: every
    // token issued up to now is older than it.
    let sessions_valid_after = now_millis() / 1000 + 1;

    // The old wrapping is overwritten in the same statement as the hash, so
    // no state has a new password with the old private key wrapping.
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "UPDATE users SET auth_hash = $2, kdf_iterations = $3, kdf_salt = $4, \
         wrapped_private_key = $5, sessions_valid_after = $6 WHERE id = $1",
    )
    .bind(user_id.to_string())
    .bind(auth_hash)
    .bind(i64::from(new.kdf.iterations))
    .bind(new.kdf.salt.into_vec())
    .bind(new.wrapped_private_key)
    .bind(sessions_valid_after)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[utoipa::path(post, path = "/api/account/password", tag = "auth", security(("bearer" = []), ("cookie" = [])), request_body = ChangePasswordRequest, responses((status = 204, description = "Password changed; every session ended"), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody)))]
pub(super) async fn change_password(
    State(state): State<AppState>,
    session: Session,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    let new = NewPassword::parse(
        request.new_auth_key,
        request.kdf,
        request.wrapped_private_key,
    )?;

    let row = sqlx::query("SELECT auth_hash FROM users WHERE id = $1")
        .bind(session.user_id.to_string())
        .fetch_one(state.db.pool())
        .await?;
    let stored_hash: String = row.try_get("auth_hash")?;
    if !password::verify_key(request.current_auth_key.into_vec(), stored_hash).await? {
        tracing::info!(user_id = %session.user_id, "password change rejected: wrong current key");
        return Err(ApiError::InvalidCredentials);
    }

    store_new_password(&state, session.user_id, new).await?;
    tracing::info!(user_id = %session.user_id, "password changed; sessions ended");
    Ok(StatusCode::NO_CONTENT)
}

/// Checks an email and recovery authentication key, counting failures
/// towards the same lockout as logins. Returns the account id.
async fn verify_recovery(
    state: &AppState,
    email: &str,
    recovery_auth_key: Bytes,
) -> ApiResult<Uuid> {
    let email = normalize_email(email)?;
    let email_key = lockout_key(state, &email)?;
    let now = now_millis();
    ensure_not_locked(state, &email_key, now).await?;

    let row = sqlx::query("SELECT id, recovery_auth_hash FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(state.db.pool())
        .await?;
    let (user_id, stored_hash) = match &row {
        Some(row) => (
            Some(db::uuid_column(row, "id")?),
            row.try_get("recovery_auth_hash")?,
        ),
        None => (None, state.settings.dummy_auth_hash.clone()),
    };
    let matches = password::verify_key(recovery_auth_key.into_vec(), stored_hash).await?;
    match user_id {
        Some(user_id) if matches => Ok(user_id),
        _ => {
            let locked = record_login_failure(state, &email_key, now).await?;
            tracing::info!(locked, "recovery rejected: invalid email or recovery key");
            Err(ApiError::InvalidCredentials)
        }
    }
}

#[utoipa::path(post, path = "/api/auth/recovery/key", tag = "auth", request_body = RecoveryKeyRequest, responses((status = 200, body = RecoveryKeyResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn recovery_key(
    State(state): State<AppState>,
    _limit: AuthRateLimit,
    ApiJson(request): ApiJson<RecoveryKeyRequest>,
) -> ApiResult<Json<RecoveryKeyResponse>> {
    let user_id = verify_recovery(&state, &request.email, request.recovery_auth_key).await?;
    let row =
        sqlx::query("SELECT recovery_wrapped_private_key, public_key FROM users WHERE id = $1")
            .bind(user_id.to_string())
            .fetch_one(state.db.pool())
            .await?;
    tracing::info!(%user_id, "recovery wrapping of the private key sent");
    Ok(Json(RecoveryKeyResponse {
        recovery_wrapped_private_key: Bytes(row.try_get("recovery_wrapped_private_key")?),
        public_key: Bytes(row.try_get("public_key")?),
    }))
}

#[utoipa::path(post, path = "/api/auth/recovery/reset", tag = "auth", request_body = ResetPasswordRequest, responses((status = 204, description = "Password reset; every session ended"), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn reset_password(
    State(state): State<AppState>,
    _limit: AuthRateLimit,
    ApiJson(request): ApiJson<ResetPasswordRequest>,
) -> ApiResult<StatusCode> {
    let new = NewPassword::parse(
        request.new_auth_key,
        request.kdf,
        request.wrapped_private_key,
    )?;
    let user_id = verify_recovery(&state, &request.email, request.recovery_auth_key).await?;

    store_new_password(&state, user_id, new).await?;
    tracing::info!(%user_id, "password reset with the recovery key; sessions ended");
    Ok(StatusCode::NO_CONTENT)
}
