//! HTTP transport: one method per API route, JSON bodies, the bearer token,
//! and retries with exponential backoff on transient failures.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use gauzian_api::{
    Account, ChangePasswordRequest, CreateFolderRequest, CreateShareRequest, ErrorBody,
    FileManifest, FinalizeUploadRequest, LoginRequest, LoginResponse, MoveNodeRequest, Node,
    NodePage, PreloginRequest, PreloginResponse, RecoveryKeyRequest, RecoveryKeyResponse,
    RegisterRequest, RegisterResponse, ResetPasswordRequest, Share, StartUploadRequest,
    UpdateNodeRequest, UploadStatus, UserPublicKey,
};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::{ClientError, Result};

/// A session token: a bearer credential, so it prints as `[redacted]` and is
/// wiped on drop.
#[derive(Clone)]
pub struct SessionToken(Zeroizing<String>);

impl SessionToken {
    /// Wraps a token received from the server or read from a session file.
    pub fn new(token: String) -> Self {
        Self(Zeroizing::new(token))
    }

    /// The token text. The one accessor, so every use is greppable.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

/// How often and how patiently a request is retried after a transient
/// failure: a connection error, a timeout, 408, 429, 500, 502, 503 or 504.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included. 1 disables retries.
    pub max_attempts: u32,
    /// Delay before the first retry; it doubles after each attempt.
    pub initial_delay: Duration,
    /// Maximum delay between two attempts, also for a server's Retry-After.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Six attempts over about 15 seconds: enough to ride out a server
    /// restart, short enough that a dead server fails a command quickly.
    fn default() -> Self {
        Self {
            max_attempts: 6,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

/// Body of a request, kept so that a retry can send it again.
enum Body {
    Empty,
    Json(bytes::Bytes),
    Octets(bytes::Bytes),
}

/// Connection to one Gauzian server, with or without a session.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    server: String,
    token: Option<Arc<SessionToken>>,
    retry: RetryPolicy,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("server", &self.server)
            .field("authenticated", &self.token.is_some())
            .finish_non_exhaustive()
    }
}

impl Api {
    /// Prepares requests to `server`, a base URL such as
    /// `http://127.0.0.1:8080`.
    pub fn new(server: &str) -> Result<Self> {
        let server = server.trim_end_matches('/').to_owned();
        let parsed =
            reqwest::Url::parse(&server).map_err(|error| ClientError::InvalidResponse {
                reason: format!("server URL {server:?} is invalid: {error}"),
            })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(ClientError::InvalidResponse {
                reason: format!("server URL {server:?} must start with http:// or https://"),
            });
        }

        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // One request moves at most one 5 MiB chunk; five minutes leaves
            // room for a slow link.
            .timeout(Duration::from_secs(300))
            .user_agent(concat!("gauzian-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| ClientError::Internal(format!("HTTP client setup failed: {error}")))?;
        Ok(Self {
            http,
            server,
            token: None,
            retry: RetryPolicy::default(),
        })
    }

    /// Returns a copy that authenticates with `token`.
    pub fn with_token(mut self, token: SessionToken) -> Self {
        self.token = Some(Arc::new(token));
        self
    }

    /// Returns a copy with another retry policy.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Base URL of the server, without a trailing slash.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// `POST /api/auth/prelogin`.
    pub async fn prelogin(&self, request: &PreloginRequest) -> Result<PreloginResponse> {
        self.json(Method::POST, "/api/auth/prelogin", Some(request))
            .await
    }

    /// `POST /api/auth/register`.
    pub async fn register(&self, request: &RegisterRequest) -> Result<RegisterResponse> {
        self.json(Method::POST, "/api/auth/register", Some(request))
            .await
    }

    /// `POST /api/auth/login`.
    pub async fn login(&self, request: &LoginRequest) -> Result<LoginResponse> {
        self.json(Method::POST, "/api/auth/login", Some(request))
            .await
    }

    /// `POST /api/auth/logout`: revokes the session token.
    pub async fn logout(&self) -> Result<()> {
        self.send(Method::POST, "/api/auth/logout", Body::Empty)
            .await
            .map(drop)
    }

    /// `GET /api/account`.
    pub async fn account(&self) -> Result<Account> {
        self.json(Method::GET, "/api/account", None::<&()>).await
    }

    /// `POST /api/account/password`: ends every session of the account.
    pub async fn change_password(&self, request: &ChangePasswordRequest) -> Result<()> {
        let body = serde_json::to_vec(request).map_err(|error| {
            ClientError::Internal(format!("cannot encode the request: {error}"))
        })?;
        self.send(
            Method::POST,
            "/api/account/password",
            Body::Json(body.into()),
        )
        .await
        .map(drop)
    }

    /// `POST /api/auth/recovery/key`.
    pub async fn recovery_key(&self, request: &RecoveryKeyRequest) -> Result<RecoveryKeyResponse> {
        self.json(Method::POST, "/api/auth/recovery/key", Some(request))
            .await
    }

    /// `POST /api/auth/recovery/reset`: ends every session of the account.
    pub async fn reset_password(&self, request: &ResetPasswordRequest) -> Result<()> {
        let body = serde_json::to_vec(request).map_err(|error| {
            ClientError::Internal(format!("cannot encode the request: {error}"))
        })?;
        self.send(
            Method::POST,
            "/api/auth/recovery/reset",
            Body::Json(body.into()),
        )
        .await
        .map(drop)
    }

    /// `POST /api/folders`.
    pub async fn create_folder(&self, request: &CreateFolderRequest) -> Result<Node> {
        self.json(Method::POST, "/api/folders", Some(request)).await
    }

    /// `GET /api/nodes/{id}`.
    pub async fn node(&self, id: Uuid) -> Result<Node> {
        self.json(Method::GET, &format!("/api/nodes/{id}"), None::<&()>)
            .await
    }

    /// `GET /api/folders/{id}/children`: one page.
    pub async fn children_page(&self, id: Uuid, cursor: Option<&str>) -> Result<NodePage> {
        let mut path = format!("/api/folders/{id}/children");
        if let Some(cursor) = cursor {
            path.push_str("?cursor=");
            path.push_str(&percent_encode(cursor));
        }
        self.json(Method::GET, &path, None::<&()>).await
    }

    /// `GET /api/folders/{id}/children`: every page.
    pub async fn children(&self, id: Uuid) -> Result<Vec<Node>> {
        let mut nodes = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.children_page(id, cursor.as_deref()).await?;
            nodes.extend(page.items);
            match page.next_cursor {
                Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
                Some(_) => {
                    return Err(ClientError::InvalidResponse {
                        reason: format!("listing folder {id} returned the same cursor twice"),
                    });
                }
                None => return Ok(nodes),
            }
        }
    }

    /// `PATCH /api/nodes/{id}`: replaces a node's metadata (a rename).
    pub async fn update_node(&self, id: Uuid, request: &UpdateNodeRequest) -> Result<Node> {
        self.json(Method::PATCH, &format!("/api/nodes/{id}"), Some(request))
            .await
    }

    /// `POST /api/nodes/{id}/move`.
    pub async fn move_node(&self, id: Uuid, request: &MoveNodeRequest) -> Result<Node> {
        self.json(
            Method::POST,
            &format!("/api/nodes/{id}/move"),
            Some(request),
        )
        .await
    }

    /// `DELETE /api/nodes/{id}`: moves a node and its subtree to the trash.
    pub async fn trash_node(&self, id: Uuid) -> Result<()> {
        self.send(Method::DELETE, &format!("/api/nodes/{id}"), Body::Empty)
            .await
            .map(drop)
    }

    /// `GET /api/trash`: every page.
    pub async fn trash(&self) -> Result<Vec<Node>> {
        let mut nodes = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = "/api/trash".to_owned();
            if let Some(cursor) = &cursor {
                path.push_str("?cursor=");
                path.push_str(&percent_encode(cursor));
            }
            let page: NodePage = self.json(Method::GET, &path, None::<&()>).await?;
            nodes.extend(page.items);
            match page.next_cursor {
                Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
                Some(_) => {
                    return Err(ClientError::InvalidResponse {
                        reason: "listing the trash returned the same cursor twice".to_owned(),
                    });
                }
                None => return Ok(nodes),
            }
        }
    }

    /// `POST /api/trash/{id}/restore`.
    pub async fn restore_from_trash(&self, id: Uuid) -> Result<Node> {
        let path = format!("/api/trash/{id}/restore");
        self.json(Method::POST, &path, None::<&()>).await
    }

    /// `DELETE /api/trash/{id}`: deletes a trashed node for good.
    pub async fn delete_from_trash(&self, id: Uuid) -> Result<()> {
        self.send(Method::DELETE, &format!("/api/trash/{id}"), Body::Empty)
            .await
            .map(drop)
    }

    /// `DELETE /api/trash`: deletes every trashed node for good.
    pub async fn empty_trash(&self) -> Result<()> {
        self.send(Method::DELETE, "/api/trash", Body::Empty)
            .await
            .map(drop)
    }

    /// `GET /api/users/public-key?email=`.
    pub async fn user_public_key(&self, email: &str) -> Result<UserPublicKey> {
        let path = format!("/api/users/public-key?email={}", percent_encode(email));
        self.json(Method::GET, &path, None::<&()>).await
    }

    /// `POST /api/shares`.
    pub async fn create_share(&self, request: &CreateShareRequest) -> Result<Share> {
        self.json(Method::POST, "/api/shares", Some(request)).await
    }

    /// `GET /api/shares/incoming`: shares made to this account.
    pub async fn incoming_shares(&self) -> Result<Vec<Share>> {
        self.json(Method::GET, "/api/shares/incoming", None::<&()>)
            .await
    }

    /// `GET /api/shares/outgoing`: shares this account made.
    pub async fn outgoing_shares(&self) -> Result<Vec<Share>> {
        self.json(Method::GET, "/api/shares/outgoing", None::<&()>)
            .await
    }

    /// `POST /api/shares/{id}/accept`.
    pub async fn accept_share(&self, id: Uuid) -> Result<Share> {
        let path = format!("/api/shares/{id}/accept");
        self.json(Method::POST, &path, None::<&()>).await
    }

    /// `DELETE /api/shares/{id}`: the owner revokes, the recipient declines.
    pub async fn delete_share(&self, id: Uuid) -> Result<()> {
        self.send(Method::DELETE, &format!("/api/shares/{id}"), Body::Empty)
            .await
            .map(drop)
    }

    /// `POST /api/uploads`.
    pub async fn start_upload(&self, request: &StartUploadRequest) -> Result<UploadStatus> {
        self.json(Method::POST, "/api/uploads", Some(request)).await
    }

    /// `GET /api/uploads/{version_id}`.
    pub async fn upload_status(&self, version_id: Uuid) -> Result<UploadStatus> {
        self.json(
            Method::GET,
            &format!("/api/uploads/{version_id}"),
            None::<&()>,
        )
        .await
    }

    /// `PUT /api/uploads/{version_id}/chunks/{index}`.
    pub async fn put_chunk(
        &self,
        version_id: Uuid,
        index: u32,
        sealed: bytes::Bytes,
    ) -> Result<()> {
        let path = format!("/api/uploads/{version_id}/chunks/{index}");
        self.send(Method::PUT, &path, Body::Octets(sealed))
            .await
            .map(drop)
    }

    /// `POST /api/uploads/{version_id}/finalize`.
    /// With `encrypted_metadata`, the server replaces the metadata given at
    /// start.
    pub async fn finalize_upload(
        &self,
        version_id: Uuid,
        encrypted_metadata: Option<Vec<u8>>,
    ) -> Result<Node> {
        let path = format!("/api/uploads/{version_id}/finalize");
        let request = FinalizeUploadRequest {
            encrypted_metadata: encrypted_metadata.map(Into::into),
        };
        self.json(Method::POST, &path, Some(&request)).await
    }

    /// `DELETE /api/uploads/{version_id}`.
    pub async fn cancel_upload(&self, version_id: Uuid) -> Result<()> {
        let path = format!("/api/uploads/{version_id}");
        self.send(Method::DELETE, &path, Body::Empty)
            .await
            .map(drop)
    }

    /// `GET /api/files/{id}`.
    pub async fn file_manifest(&self, id: Uuid) -> Result<FileManifest> {
        self.json(Method::GET, &format!("/api/files/{id}"), None::<&()>)
            .await
    }

    /// `GET /api/files/{id}/versions/{version_id}/chunks/{index}`.
    pub async fn chunk(&self, id: Uuid, version_id: Uuid, index: u32) -> Result<Vec<u8>> {
        let path = format!("/api/files/{id}/versions/{version_id}/chunks/{index}");
        let response = self.send(Method::GET, &path, Body::Empty).await?;
        let body = response
            .bytes()
            .await
            .map_err(|source| self.unreachable(source))?;
        // Converting takes the buffer over without a copy when reqwest holds
        // the only reference, which keeps a 5 MiB chunk from being doubled.
        Ok(Vec::from(body))
    }

    /// Sends a request with an optional JSON body and parses a JSON response.
    async fn json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T> {
        let body = match body {
            Some(body) => {
                let encoded = serde_json::to_vec(body).map_err(|error| {
                    ClientError::Internal(format!("cannot encode the request body: {error}"))
                })?;
                Body::Json(bytes::Bytes::from(encoded))
            }
            None => Body::Empty,
        };
        let request = format!("{method} {}", route_of(path));
        let response = self.send(method, path, body).await?;
        let text = response
            .bytes()
            .await
            .map_err(|source| self.unreachable(source))?;
        serde_json::from_slice(&text).map_err(|error| ClientError::InvalidResponse {
            reason: format!("{request} returned a body that does not parse: {error}"),
        })
    }

    /// Sends a request, retrying transient failures, and returns a response
    /// with a success status.
    async fn send(&self, method: Method, path: &str, body: Body) -> Result<reqwest::Response> {
        let url = format!("{}{path}", self.server);
        let request_name = format!("{method} {}", route_of(path));
        let mut attempt = 1;
        loop {
            let mut request = self.http.request(method.clone(), &url);
            if let Some(token) = &self.token {
                request = request.bearer_auth(token.expose_secret());
            }
            request = match &body {
                Body::Empty => request,
                Body::Json(bytes) => request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(bytes.clone()),
                Body::Octets(bytes) => request
                    .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                    .body(bytes.clone()),
            };

            let delay = match request.send().await {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let server_delay = retry_after(response.headers());
                    let error = self.error_from(&request_name, response).await;
                    let ClientError::Api { status, code, .. } = &error else {
                        return Err(error);
                    };
                    // A corrupted chunk stays corrupted: asking again only
                    // delays the error.
                    let transient = StatusCode::from_u16(*status).is_ok_and(is_transient_status)
                        && code != "chunk_corrupted";
                    if !transient || attempt >= self.retry.max_attempts {
                        return Err(error);
                    }
                    let delay = server_delay
                        .unwrap_or_else(|| backoff(&self.retry, attempt))
                        .min(self.retry.max_delay);
                    tracing::warn!(
                        request = %request_name,
                        status,
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        "transient server error, retrying"
                    );
                    delay
                }
                Err(error) => {
                    if !is_transient_error(&error) || attempt >= self.retry.max_attempts {
                        return Err(self.unreachable(error));
                    }
                    let delay = backoff(&self.retry, attempt);
                    tracing::warn!(
                        request = %request_name,
                        error = %error.without_url(),
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        "request failed, retrying"
                    );
                    delay
                }
            };
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    fn unreachable(&self, source: reqwest::Error) -> ClientError {
        let source = source.without_url();
        let mut detail = source.to_string();
        let mut cause = std::error::Error::source(&source);
        while let Some(error) = cause {
            detail.push_str(": ");
            detail.push_str(&error.to_string());
            cause = error.source();
        }
        ClientError::Unreachable {
            server: self.server.clone(),
            detail,
            source,
        }
    }

    /// Turns an error response into a [`ClientError`].
    async fn error_from(&self, request: &str, response: reqwest::Response) -> ClientError {
        let status = response.status();
        let body: Option<ErrorBody> = response
            .bytes()
            .await
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let (code, message) = match body {
            Some(body) => (body.code, body.message),
            None => (
                "http_error".to_owned(),
                status.canonical_reason().unwrap_or("error").to_owned(),
            ),
        };
        if status == StatusCode::UNAUTHORIZED {
            return if code == "invalid_credentials" {
                ClientError::InvalidCredentials
            } else {
                ClientError::Unauthenticated
            };
        }
        ClientError::Api {
            request: request.to_owned(),
            status: status.as_u16(),
            code,
            message,
        }
    }
}

/// Percent-encodes a query value: every byte outside the URL unreserved set
/// (RFC 3986, section 2.3).
fn percent_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The path without its query, for messages and logs.
fn route_of(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}

fn is_transient_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::REQUEST_TIMEOUT
            | StatusCode::TOO_MANY_REQUESTS
            | StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

fn is_transient_error(error: &reqwest::Error) -> bool {
    error.is_connect() || error.is_timeout() || error.is_request() || error.is_body()
}

/// Reads a Retry-After header given in seconds (the HTTP-date form is
/// treated as absent, so the backoff applies).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// Exponential backoff with up to 50 % random jitter, so that parallel
/// uploads do not retry in lockstep.
fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exponent = attempt.saturating_sub(1).min(16);
    let base = policy
        .initial_delay
        .saturating_mul(1 << exponent)
        .min(policy.max_delay);
    let jitter = base.mul_f64(rand::random::<f64>() * 0.5);
    base + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let policy = RetryPolicy {
            max_attempts: 10,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        let first = backoff(&policy, 1);
        assert!(first >= Duration::from_millis(100), "{first:?}");
        assert!(first <= Duration::from_millis(150), "{first:?}");
        let third = backoff(&policy, 3);
        assert!(third >= Duration::from_millis(400), "{third:?}");
        assert!(third <= Duration::from_millis(600), "{third:?}");
        let late = backoff(&policy, 30);
        assert!(late >= Duration::from_secs(1), "{late:?}");
        assert!(late <= Duration::from_millis(1500), "{late:?}");
    }

    #[test]
    fn retry_after_reads_seconds_only() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn percent_encode_escapes_reserved() {
        assert_eq!(percent_encode("a+b/c=d~e"), "a%2Bb%2Fc%3Dd~e");
    }

    #[test]
    fn transient_statuses() {
        assert!(is_transient_status(StatusCode::SERVICE_UNAVAILABLE));
        assert!(is_transient_status(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(!is_transient_status(StatusCode::NOT_FOUND));
        assert!(!is_transient_status(StatusCode::UNAUTHORIZED));
    }

    #[test]
    fn api_rejects_non_http_urls() {
        assert!(Api::new("ftp://127.0.0.1").is_err());
        assert!(Api::new("127.0.0.1:8080").is_err());
        assert_eq!(
            Api::new("http://127.0.0.1:8080/").unwrap().server(),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn session_token_debug_redacted() {
        let token = SessionToken::new("eyJhbGciOi.secret".to_owned());
        assert_eq!(format!("{token:?}"), "SessionToken([redacted])");
    }
}
