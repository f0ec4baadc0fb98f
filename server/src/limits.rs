//! Per-IP request limits in fixed one-minute windows, counted in process,
//! or in Redis when `REDIS_URL` is set so that every replica counts the same.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::redis_store::RedisStore;
use crate::state::AppState;

/// Window of the per-IP limit on the authentication routes.
pub const AUTH_RATE_WINDOW: Duration = Duration::from_secs(60);
/// Number of tracked addresses above which expired windows are pruned.
const PRUNE_THRESHOLD: usize = 10_000;

/// Counts requests per IP address and rejects those beyond the limit.
///
/// NOTE: behind a reverse proxy every client has the proxy's address; no
/// forwarded header is trusted.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
    redis: Option<RedisStore>,
}

impl RateLimiter {
    /// Allows `limit` requests per `window` and address; 0 allows any number.
    /// With `redis`, the windows live there instead of in this process.
    pub fn new(limit: u32, window: Duration, redis: Option<RedisStore>) -> Self {
        Self {
            limit,
            window,
            windows: Mutex::new(HashMap::new()),
            redis,
        }
    }

    /// Counts a request from `address`: `Ok(Err(wait))` when the address
    /// must wait before sending again, `Err` when Redis does not respond.
    pub async fn check(&self, address: IpAddr) -> Result<Result<(), Duration>, ApiError> {
        if self.limit == 0 {
            return Ok(Ok(()));
        }
        match &self.redis {
            Some(redis) => {
                redis
                    .count_request("auth-window", address, self.limit, self.window)
                    .await
            }
            None => Ok(self.check_in_process(address)),
        }
    }

    fn check_in_process(&self, address: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        // A poisoned lock only means another request panicked mid-update of
        // a counter, which leaves the map usable.
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > PRUNE_THRESHOLD {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }

        let (start, count) = windows.entry(address).or_insert((now, 0));
        if now.duration_since(*start) >= self.window {
            *start = now;
            *count = 0;
        }
        if *count >= self.limit {
            return Err(self.window.saturating_sub(now.duration_since(*start)));
        }
        *count += 1;
        Ok(())
    }
}

/// Proof that a request to an authentication route is within the per-IP
/// limit; extracting it counts the request.
#[derive(Debug)]
pub struct AuthRateLimit;

impl FromRequestParts<AppState> for AuthRateLimit {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(Self);
        };
        match state.auth_limiter.check(peer.ip()).await? {
            Ok(()) => Ok(Self),
            Err(retry_after) => {
                tracing::warn!(ip = %peer.ip(), "authentication request rejected: per-IP limit reached");
                state.metrics.auth_attempt("rate_limited");
                Err(ApiError::TooManyRequests {
                    code: "rate_limited",
                    message: "too many authentication requests from this address; retry later"
                        .to_owned(),
                    retry_after,
                })
            }
        }
    }
}
