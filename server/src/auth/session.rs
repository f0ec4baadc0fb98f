//! Session tokens: HS256 JWTs issued at login, accepted from the
//! `Authorization: Bearer` header or the session cookie.

use std::fmt;

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use uuid::Uuid;

use crate::db::now_millis;
use crate::error::ApiError;
use crate::state::AppState;

/// Tolerated clock difference when checking `exp`, in seconds.
const EXPIRY_LEEWAY_SECONDS: u64 = 5;

/// Claims of a session token.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// Account id.
    sub: Uuid,
    /// Unique token id, the key of a revocation.
    jti: Uuid,
    /// Issue time, Unix seconds.
    iat: i64,
    /// Expiry, Unix seconds.
    exp: i64,
}

/// Signing and verification keys derived from the JWT secret.
pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKeys([redacted])")
    }
}

/// A freshly issued token.
#[derive(Debug)]
pub struct IssuedToken {
    /// The compact JWT.
    pub token: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
}

impl SessionKeys {
    /// Builds the keys from the JWT secret.
    pub fn new(secret: &[u8]) -> anyhow::Result<Self> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = EXPIRY_LEEWAY_SECONDS;
        validation.set_required_spec_claims(&["exp", "sub", "jti", "iat"]);
        Ok(Self {
            encoding: EncodingKey::from_secret(secret)?,
            decoding: DecodingKey::from_secret(secret)?,
            validation,
        })
    }

    /// Issues a token for `user_id` valid for `lifetime_seconds`. Its `iat`
    /// is at least `sessions_valid_after`, so that a login in the same second
    /// as a password change gets a token that the change does not end.
    pub fn issue(
        &self,
        user_id: Uuid,
        lifetime_seconds: u64,
        sessions_valid_after: i64,
    ) -> Result<IssuedToken, ApiError> {
        let issued_at = (now_millis() / 1000).max(sessions_valid_after);
        let lifetime = i64::try_from(lifetime_seconds).unwrap_or(i64::MAX);
        let claims = Claims {
            sub: user_id,
            jti: Uuid::new_v4(),
            iat: issued_at,
            exp: issued_at.saturating_add(lifetime),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)?;
        Ok(IssuedToken {
            token,
            expires_at: claims.exp,
        })
    }

    /// Verifies the signature, algorithm and expiry of a token.
    fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    /// Account id.
    pub user_id: Uuid,
    /// Id (`jti`) of the token that authenticated the request.
    pub token_id: Uuid,
    /// Token expiry, Unix seconds.
    pub expires_at: i64,
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = token_from_headers(parts).ok_or(ApiError::Unauthorized)?;
        let claims = state.sessions.verify(token).ok_or(ApiError::Unauthorized)?;

        // One query checks that the account still exists, that the token was
        // not revoked by a logout, and when the account's sessions start.
        let row = sqlx::query(
            "SELECT sessions_valid_after, \
             (SELECT COUNT(*) FROM revoked_tokens WHERE token_id = $2) AS revoked \
             FROM users WHERE id = $1",
        )
        .bind(claims.sub.to_string())
        .bind(claims.jti.to_string())
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(ApiError::Unauthorized)?;
        // The database list is still read with Redis, so that logouts from
        // before Redis was configured stay in force.
        let mut revoked = row.try_get::<i64, _>("revoked")? > 0;
        if let Some(redis) = &state.redis
            && !revoked
        {
            revoked = redis.is_revoked(claims.jti).await?;
        }
        if revoked {
            return Err(ApiError::Unauthorized);
        }
        // A password change or reset ends the sessions opened before it.
        let valid_after: i64 = row.try_get("sessions_valid_after")?;
        if claims.iat < valid_after {
            return Err(ApiError::Unauthorized);
        }

        Ok(Self {
            user_id: claims.sub,
            token_id: claims.jti,
            expires_at: claims.exp,
        })
    }
}

/// Finds the token in `Authorization: Bearer …`, or else in the session
/// cookie. A present but malformed Authorization header is not silently
/// replaced by the cookie: it yields no token.
fn token_from_headers(parts: &Parts) -> Option<&str> {
    if let Some(value) = parts.headers.get(AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let token = token.trim();
        return (!token.is_empty()).then_some(token);
    }

    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == gauzian_api::SESSION_COOKIE)
        .map(|(_, token)| token)
        .filter(|token| !token.is_empty())
}

/// Builds the `Set-Cookie` value that stores a session token.
pub fn session_cookie(token: &str, max_age_seconds: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{}={token}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Strict{secure}",
        gauzian_api::SESSION_COOKIE
    )
}

/// Builds the `Set-Cookie` value that deletes the session cookie.
pub fn expired_session_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}
