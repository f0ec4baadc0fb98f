//! Sharing: public-key lookup and shares with viewer or editor roles.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use gauzian_api::{
    Bytes, CreateShareRequest, ErrorBody, NodeKind, PublicKeyQuery, Share, ShareRole, ShareStatus,
    UpdateShareRequest, UserPublicKey,
};
use sha2::{Digest as _, Sha256};
use sqlx::Row as _;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::access::{self, Role};
use crate::auth::normalize_email;
use crate::auth::session::Session;
use crate::db::{self, now_millis};
use crate::drive::check_wrapped_key;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

/// Sharing routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/users/public-key", get(public_key))
        .route("/api/shares", post(create))
        .route("/api/shares/incoming", get(incoming))
        .route("/api/shares/outgoing", get(outgoing))
        .route("/api/shares/{id}", patch(update).delete(remove))
        .route("/api/shares/{id}/accept", post(accept))
}

/// Formats the first 128 bits of SHA-256 over SPKI DER as eight groups of
/// four uppercase hex digits, as the clients display fingerprints.
fn fingerprint(spki: &[u8]) -> String {
    let digest = Sha256::digest(spki);
    digest[..16]
        .chunks(2)
        .map(|pair| format!("{:02X}{:02X}", pair[0], pair[1]))
        .collect::<Vec<_>>()
        .join(" ")
}

#[utoipa::path(get, path = "/api/users/public-key", tag = "shares", security(("bearer" = []), ("cookie" = [])), params(("email" = String, Query, description = "Account email")), responses((status = 200, body = UserPublicKey), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn public_key(
    State(state): State<AppState>,
    _session: Session,
    ApiQuery(query): ApiQuery<PublicKeyQuery>,
) -> ApiResult<Json<UserPublicKey>> {
    let email = normalize_email(&query.email)?;
    let row = sqlx::query("SELECT id, public_key FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(ApiError::NotFound)?;
    let public_key: Vec<u8> = row.try_get("public_key")?;
    Ok(Json(UserPublicKey {
        user_id: db::uuid_column(&row, "id")?,
        email,
        fingerprint: fingerprint(&public_key),
        public_key: Bytes(public_key),
    }))
}

/// Selects shares with both emails and the node kind; the clauses follow.
macro_rules! share_query {
    ($clauses:literal) => {
        concat!(
            "SELECT s.id, s.node_id, n.kind, s.owner_id, o.email AS owner_email, ",
            "s.recipient_id, r.email AS recipient_email, s.role, s.status, s.wrapped_key, s.created_at ",
            "FROM shares s JOIN nodes n ON n.id = s.node_id ",
            "JOIN users o ON o.id = s.owner_id JOIN users r ON r.id = s.recipient_id ",
            $clauses
        )
    };
}

fn share_from_row(row: &AnyRow) -> ApiResult<Share> {
    let role = match row.try_get::<String, _>("role")?.as_str() {
        "editor" => ShareRole::Editor,
        _ => ShareRole::Viewer,
    };
    let status = match row.try_get::<String, _>("status")?.as_str() {
        "accepted" => ShareStatus::Accepted,
        _ => ShareStatus::Pending,
    };
    let node_kind = match row.try_get::<String, _>("kind")?.as_str() {
        "file" => NodeKind::File,
        _ => NodeKind::Folder,
    };
    Ok(Share {
        id: db::uuid_column(row, "id")?,
        node_id: db::uuid_column(row, "node_id")?,
        node_kind,
        owner_id: db::uuid_column(row, "owner_id")?,
        owner_email: row.try_get("owner_email")?,
        recipient_id: db::uuid_column(row, "recipient_id")?,
        recipient_email: row.try_get("recipient_email")?,
        role,
        status,
        wrapped_key: Bytes(row.try_get("wrapped_key")?),
        created_at: row.try_get("created_at")?,
    })
}

fn role_name(role: ShareRole) -> &'static str {
    match role {
        ShareRole::Viewer => "viewer",
        ShareRole::Editor => "editor",
    }
}

/// Loads a share that the caller owns or receives; any other is not found.
async fn load_share(state: &AppState, user_id: Uuid, id: Uuid) -> ApiResult<Share> {
    let row = sqlx::query(share_query!(
        "WHERE s.id = $1 AND (s.owner_id = $2 OR s.recipient_id = $2)"
    ))
    .bind(id.to_string())
    .bind(user_id.to_string())
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(ApiError::NotFound)?;
    share_from_row(&row)
}

#[utoipa::path(post, path = "/api/shares", tag = "shares", security(("bearer" = []), ("cookie" = [])), request_body = CreateShareRequest, responses((status = 201, body = Share), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    session: Session,
    ApiJson(request): ApiJson<CreateShareRequest>,
) -> ApiResult<(StatusCode, Json<Share>)> {
    check_wrapped_key(request.wrapped_key.as_slice())?;
    access::require_role(&state, session.user_id, request.node_id, Role::Owner).await?;
    if request.recipient_id == session.user_id {
        return Err(ApiError::bad_request(
            "invalid_share",
            "a node cannot be shared with its owner",
        ));
    }
    let recipient = sqlx::query("SELECT id FROM users WHERE id = $1")
        .bind(request.recipient_id.to_string())
        .fetch_optional(state.db.pool())
        .await?;
    if recipient.is_none() {
        return Err(ApiError::NotFound);
    }

    let id = Uuid::new_v4();
    let inserted = sqlx::query(
        "INSERT INTO shares (id, node_id, owner_id, recipient_id, role, status, wrapped_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)",
    )
    .bind(id.to_string())
    .bind(request.node_id.to_string())
    .bind(session.user_id.to_string())
    .bind(request.recipient_id.to_string())
    .bind(role_name(request.role))
    .bind(request.wrapped_key.into_vec())
    .bind(now_millis())
    .execute(state.db.pool())
    .await;
    match inserted {
        Err(error) if db::is_unique_violation(&error) => {
            return Err(ApiError::conflict(
                "already_shared",
                format!(
                    "node {} is already shared with this account; change the role of that share instead",
                    request.node_id
                ),
            ));
        }
        other => other?,
    };
    tracing::info!(share_id = %id, node_id = %request.node_id, recipient_id = %request.recipient_id, role = role_name(request.role), "share created");
    Ok((
        StatusCode::CREATED,
        Json(load_share(&state, session.user_id, id).await?),
    ))
}

#[utoipa::path(get, path = "/api/shares/incoming", tag = "shares", security(("bearer" = []), ("cookie" = [])), responses((status = 200, body = Vec<Share>), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody)))]
async fn incoming(State(state): State<AppState>, session: Session) -> ApiResult<Json<Vec<Share>>> {
    let rows = sqlx::query(share_query!(
        "WHERE s.recipient_id = $1 ORDER BY s.created_at, s.id"
    ))
    .bind(session.user_id.to_string())
    .fetch_all(state.db.pool())
    .await?;
    Ok(Json(
        rows.iter().map(share_from_row).collect::<ApiResult<_>>()?,
    ))
}

#[utoipa::path(get, path = "/api/shares/outgoing", tag = "shares", security(("bearer" = []), ("cookie" = [])), responses((status = 200, body = Vec<Share>), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody)))]
async fn outgoing(State(state): State<AppState>, session: Session) -> ApiResult<Json<Vec<Share>>> {
    let rows = sqlx::query(share_query!(
        "WHERE s.owner_id = $1 ORDER BY s.created_at, s.id"
    ))
    .bind(session.user_id.to_string())
    .fetch_all(state.db.pool())
    .await?;
    Ok(Json(
        rows.iter().map(share_from_row).collect::<ApiResult<_>>()?,
    ))
}

#[utoipa::path(post, path = "/api/shares/{id}/accept", tag = "shares", security(("bearer" = []), ("cookie" = [])), params(("id" = Uuid, Path, description = "Share id")), responses((status = 200, body = Share), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn accept(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Share>> {
    let share = load_share(&state, session.user_id, id).await?;
    if share.recipient_id != session.user_id {
        return Err(ApiError::Forbidden(
            "only the recipient can accept a share".to_owned(),
        ));
    }
    sqlx::query("UPDATE shares SET status = 'accepted' WHERE id = $1")
        .bind(id.to_string())
        .execute(state.db.pool())
        .await?;
    tracing::info!(share_id = %id, "share accepted");
    Ok(Json(load_share(&state, session.user_id, id).await?))
}

#[utoipa::path(patch, path = "/api/shares/{id}", tag = "shares", security(("bearer" = []), ("cookie" = [])), params(("id" = Uuid, Path, description = "Share id")), request_body = UpdateShareRequest, responses((status = 200, body = Share), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 403, description = "The caller's role does not allow this", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<UpdateShareRequest>,
) -> ApiResult<Json<Share>> {
    let share = load_share(&state, session.user_id, id).await?;
    if share.owner_id != session.user_id {
        return Err(ApiError::Forbidden(
            "only the owner can change the role of a share".to_owned(),
        ));
    }
    sqlx::query("UPDATE shares SET role = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(role_name(request.role))
        .execute(state.db.pool())
        .await?;
    tracing::info!(share_id = %id, role = role_name(request.role), "share role changed");
    Ok(Json(load_share(&state, session.user_id, id).await?))
}

/// Revokes (owner) or declines (recipient) a share. The recipient loses
/// access at once; keys it already unwrapped cannot be taken back.
#[utoipa::path(delete, path = "/api/shares/{id}", tag = "shares", security(("bearer" = []), ("cookie" = [])), params(("id" = Uuid, Path, description = "Share id")), responses((status = 204, description = "Revoked or declined"), (status = 400, description = "Invalid request", body = ErrorBody), (status = 401, description = "Missing or invalid session token", body = ErrorBody), (status = 404, description = "Not found, or not visible to the caller", body = ErrorBody)))]
async fn remove(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let share = load_share(&state, session.user_id, id).await?;
    sqlx::query("DELETE FROM shares WHERE id = $1")
        .bind(id.to_string())
        .execute(state.db.pool())
        .await?;
    let by = if share.owner_id == session.user_id {
        "owner"
    } else {
        "recipient"
    };
    tracing::info!(share_id = %id, by, "share removed");
    Ok(StatusCode::NO_CONTENT)
}
