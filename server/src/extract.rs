//! Wrappers around axum's extractors whose rejections become [`ApiError`]s,
//! so that malformed requests get the same JSON error body as every failure.

use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::{Json, body::Bytes};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;

use crate::error::ApiError;
use crate::state::AppState;

/// Maps an axum rejection, given its status and message, to an error.
fn rejection_to_error(status: StatusCode, text: String, body_limit: Option<u64>) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge {
            limit: body_limit.unwrap_or_default(),
        },
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::bad_request(
            "unsupported_media_type",
            "expected Content-Type: application/json",
        ),
        _ => ApiError::bad_request("invalid_request", text),
    }
}

/// JSON request body.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match <Json<T> as FromRequest<S>>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejection_to_error(
                rejection.status(),
                rejection.body_text(),
                None,
            )),
        }
    }
}

/// An optional JSON body: a request without `Content-Type` has none.
impl<S, T> OptionalFromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        if !request.headers().contains_key(CONTENT_TYPE) {
            return Ok(None);
        }
        <Self as FromRequest<S>>::from_request(request, state)
            .await
            .map(Some)
    }
}

/// Path parameters.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejection_to_error(
                StatusCode::BAD_REQUEST,
                rejection.body_text(),
                None,
            )),
        }
    }
}

/// Query string parameters.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejection_to_error(
                rejection.status(),
                rejection.body_text(),
                None,
            )),
        }
    }
}

/// Raw chunk body, at most [`gauzian_api::MAX_CHUNK_BODY_SIZE`] bytes. The
/// route also sets that limit with `DefaultBodyLimit`, which makes the
/// `Bytes` extractor stop reading early.
#[derive(Debug)]
pub struct ChunkBody(pub Bytes);

impl<S> FromRequest<S> for ChunkBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = gauzian_api::MAX_CHUNK_BODY_SIZE;
        match Bytes::from_request(request, state).await {
            Ok(bytes) if bytes.len() as u64 > limit => Err(ApiError::PayloadTooLarge { limit }),
            Ok(bytes) => Ok(Self(bytes)),
            Err(rejection) => {
                let response = rejection.into_response();
                Err(rejection_to_error(
                    response.status(),
                    "could not read the request body".to_owned(),
                    Some(limit),
                ))
            }
        }
    }
}

/// A slot among the MAX_CONCURRENT_UPLOADS chunk uploads allowed in flight,
/// held until the handler returns. It is taken before the body is read, so
/// rejected requests never buffer a chunk.
#[derive(Debug)]
pub struct UploadPermit {
    _permit: OwnedSemaphorePermit,
}

/// Suggested wait before retrying a chunk upload rejected for capacity.
const UPLOAD_RETRY_AFTER: Duration = Duration::from_secs(1);

impl FromRequestParts<AppState> for UploadPermit {
    type Rejection = ApiError;

    async fn from_request_parts(
        _parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Arc::clone(&state.upload_slots).try_acquire_owned() {
            Ok(permit) => Ok(Self { _permit: permit }),
            Err(_) => {
                tracing::warn!("chunk upload rejected: MAX_CONCURRENT_UPLOADS reached");
                Err(ApiError::Busy {
                    retry_after: UPLOAD_RETRY_AFTER,
                })
            }
        }
    }
}
