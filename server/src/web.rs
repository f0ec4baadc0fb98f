//! The web app's static files, and the security headers of every response.
//!
//! The app is plain files (HTML, ES modules, CSS, the SDK's WebAssembly)
//! built by `web/build.sh`. Routes of the API, the health probes and the
//! metrics match first, and any other request goes to the app directory.

use std::convert::Infallible;
use std::path::Path;

use anyhow::Context as _;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use tower::ServiceExt as _;
use tower_http::services::ServeDir;

use crate::error::ApiError;
use crate::state::AppState;

/// Content-Security-Policy of the app's files. Scripts and workers come from
/// the server only, with no inline script and no `eval`. `'wasm-unsafe-eval'`
/// lets the SDK compile its WebAssembly module.
const APP_CSP: HeaderValue = HeaderValue::from_static(
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
);

/// Content-Security-Policy of API, health and metrics responses: nothing in
/// them is meant to run or load anything in a browser.
const API_CSP: HeaderValue =
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'");

/// Path prefixes that belong to the server itself, never to the app.
const SERVER_PREFIXES: [&str; 3] = ["/api", "/health", "/metrics"];

/// Returns true when `path` is one of [`SERVER_PREFIXES`] or lies under one.
fn is_server_path(path: &str) -> bool {
    SERVER_PREFIXES.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Sets the router's fallback to serve the files of `dir`, with `index.html`
/// at `/`. Paths under the server's own prefixes get the API's JSON 404
/// instead, so an unknown API route never returns an app file.
///
/// Fails when `dir` has no `index.html`, which means the app was not built.
pub fn with_app_fallback(router: Router<AppState>, dir: &Path) -> anyhow::Result<Router<AppState>> {
    let index = dir.join("index.html");
    let metadata = std::fs::metadata(&index).with_context(|| {
        format!(
            "the web app directory {} has no index.html; build the app with web/build.sh \
             or point WEB_DIR at a built app",
            dir.display()
        )
    })?;
    anyhow::ensure!(metadata.is_file(), "{} is not a file", index.display());

    let files = ServeDir::new(dir).append_index_html_on_directories(true);
    Ok(router.fallback(move |request: Request| {
        let files = files.clone();
        async move {
            if is_server_path(request.uri().path()) {
                return ApiError::NotFound.into_response();
            }
            let result: Result<_, Infallible> = files.oneshot(request).await;
            match result {
                Ok(response) => response.map(Body::new),
                Err(never) => match never {},
            }
        }
    }))
}

/// Adds the security headers to every response: the app's strict CSP (or a
/// deny-all one for the API), `nosniff` and `no-referrer`. App files also get
/// `Cache-Control: no-cache`, because their names carry no content hash: the
/// browser revalidates them with `Last-Modified` and gets 304 when unchanged.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let is_app = !is_server_path(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();

    let csp = if is_app { APP_CSP } else { API_CSP };
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if is_app && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::is_server_path;

    #[test]
    fn server_path_prefixes() {
        for path in ["/api", "/api/auth/login", "/health/live", "/metrics"] {
            assert!(is_server_path(path), "{path}");
        }
        for path in [
            "/",
            "/index.html",
            "/apis.js",
            "/sdk/client.js",
            "/metricsx",
        ] {
            assert!(!is_server_path(path), "{path}");
        }
    }
}
