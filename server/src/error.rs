//! The one error type of every handler, and its mapping to HTTP responses.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gauzian_api::ErrorBody;
use uuid::Uuid;

/// A failed request. Each variant maps to one status code and one stable
/// `code` in the [`ErrorBody`]; 5xx variants log their cause and send only a
/// generic message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The request is malformed or violates a documented limit (400).
    #[error("{message}")]
    BadRequest {
        /// Stable error code.
        code: &'static str,
        /// Description of the problem.
        message: String,
    },
    /// No valid session token came with the request (401).
    #[error("missing, invalid, expired or revoked session token")]
    Unauthorized,
    /// Login with an unknown email or a wrong authentication key (401).
    #[error("invalid email or authentication key")]
    InvalidCredentials,
    /// The resource does not exist or the caller may not see it (404). Both
    /// cases return the same response so that ids of other users cannot be probed.
    #[error("not found")]
    NotFound,
    /// The caller may see the resource but the role forbids the operation (403).
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with the current state (409).
    #[error("{message}")]
    Conflict {
        /// Stable error code.
        code: &'static str,
        /// What conflicts.
        message: String,
    },
    /// The body is larger than the route accepts (413).
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge {
        /// Maximum body size in bytes.
        limit: u64,
    },
    /// The account's storage quota would be exceeded (413).
    #[error("storage quota exceeded: {used} of {quota} bytes used, {requested} more requested")]
    QuotaExceeded {
        /// Bytes in use.
        used: u64,
        /// Quota in bytes.
        quota: u64,
        /// Bytes the request would add.
        requested: u64,
    },
    /// The caller sent too many requests; retry after the delay (429).
    #[error("{message}")]
    TooManyRequests {
        /// Stable error code.
        code: &'static str,
        /// Description of the limit that was reached.
        message: String,
        /// Time until a retry can succeed.
        retry_after: Duration,
    },
    /// The server is at capacity; retry after the delay (503).
    #[error("server busy: too many uploads in progress")]
    Busy {
        /// Suggested wait before a retry.
        retry_after: Duration,
    },
    /// A backend the request needs (the chunk store, Redis) is unreachable
    /// or failing; retry after the delay (503).
    #[error("{message}")]
    Unavailable {
        /// Stable error code.
        code: &'static str,
        /// Message naming the unavailable backend and the next step, without the cause.
        message: &'static str,
        /// The underlying error, logged but never sent.
        #[source]
        cause: anyhow::Error,
    },
    /// A stored chunk no longer matches the SHA-256 recorded at upload (500).
    #[error("stored chunk {index} of version {version_id} is corrupted")]
    ChunkCorrupted {
        /// Version the chunk belongs to.
        version_id: Uuid,
        /// Chunk index.
        index: u32,
    },
    /// Anything else: a database, I/O or programming error (500).
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// Builds a 400 error.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// Builds a 409 error.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    /// Builds a 500 error from any internal cause.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } | Self::QuotaExceeded { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy { .. } | Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::ChunkCorrupted { .. } | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code sent in [`ErrorBody::code`].
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. } | Self::Conflict { code, .. } => code,
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::NotFound => "not_found",
            Self::Forbidden(_) => "forbidden",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::TooManyRequests { code, .. } | Self::Unavailable { code, .. } => code,
            Self::Busy { .. } => "server_busy",
            Self::ChunkCorrupted { .. } => "chunk_corrupted",
            Self::Internal(_) => "internal_error",
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl From<crate::storage::StoreError> for ApiError {
    fn from(error: crate::storage::StoreError) -> Self {
        Self::Unavailable {
            code: "storage_unavailable",
            message: "the chunk store is unavailable; retry in a few seconds",
            cause: error.into(),
        }
    }
}

impl From<std::io::Error> for ApiError {
    fn from(error: std::io::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            Self::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed");
                "internal server error; the server log has the details".to_owned()
            }
            Self::Unavailable { code, cause, .. } => {
                tracing::error!(code, error = format!("{cause:#}"), "backend unavailable");
                self.to_string()
            }
            Self::ChunkCorrupted { version_id, index } => {
                tracing::error!(%version_id, index, "stored chunk failed its SHA-256 check");
                "a stored chunk is corrupted on the server; contact the administrator".to_owned()
            }
            other => {
                tracing::debug!(
                    code = other.code(),
                    status = status.as_u16(),
                    "request rejected"
                );
                other.to_string()
            }
        };

        let body = ErrorBody {
            code: self.code().to_owned(),
            message,
        };
        let mut response = (status, Json(body)).into_response();

        let headers = response.headers_mut();
        match &self {
            Self::Unavailable { .. } => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECONDS),
                );
            }
            Self::TooManyRequests { retry_after, .. } | Self::Busy { retry_after } => {
                // Retry-After in whole seconds, rounded up so a client that
                // waits exactly that long is not rejected again (RFC 9110 §10.2.3).
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            }
            Self::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

/// Retry-After sent with [`ApiError::Unavailable`], in seconds.
const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 2;

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
