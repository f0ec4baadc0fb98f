//! The router: every resource's routes and the web app's files behind the
//! request-id, tracing, CORS and security-header layers.

use anyhow::Context as _;
use axum::extract::MatchedPath;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::routing::get;
use axum::{Router, middleware};
use tower::ServiceBuilder;
use tower_http::cors::CorsLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::config::Config;
use crate::error::ApiError;
use crate::state::AppState;
use crate::{auth, drive, files, health, metrics, openapi, shares, trash, uploads, web};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Builds the application router.
pub fn router(state: AppState, config: &Config) -> anyhow::Result<Router> {
    // The span records the route template (never the raw path with its ids)
    // and the request id. It records no header, so no token reaches a log.
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", MatchedPath::as_str);
            let request_id = request
                .headers()
                .get(REQUEST_ID)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("");
            tracing::info_span!("request", method = %request.method(), route, request_id)
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(Level::INFO));

    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID));

    let mut router = Router::new()
        .merge(auth::router())
        .merge(drive::router())
        .merge(uploads::router())
        .merge(files::router())
        .merge(trash::router())
        .merge(shares::router())
        .merge(health::router())
        .route("/metrics", get(metrics::render))
        .route("/api/openapi.json", get(openapi::document));
    router = match &config.web_dir {
        Some(dir) => web::with_app_fallback(router, dir)?,
        None => router.fallback(|| async { ApiError::NotFound }),
    };
    router = router
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track_requests,
        ))
        .layer(layers);

    if !config.cors_origins.is_empty() {
        let origins = config
            .cors_origins
            .iter()
            .map(|origin| {
                HeaderValue::from_str(origin.trim())
                    .with_context(|| format!("invalid origin in CORS_ORIGINS: {origin:?}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let cors = CorsLayer::new()
            .allow_origin(origins)
            .allow_credentials(true)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .expose_headers([header::RETRY_AFTER, REQUEST_ID]);
        router = router.layer(cors);
    }
    // Outermost, so that CORS preflight and error responses carry them too.
    router = router.layer(middleware::from_fn(web::security_headers));

    Ok(router.with_state(state))
}
