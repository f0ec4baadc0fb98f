//! The OpenAPI document of every route, generated from the handlers'
//! `#[utoipa::path]` annotations and the gauzian-api types, served at
//! `/api/openapi.json`.

use axum::Json;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{auth, drive, files, health, metrics, shares, trash, uploads};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gauzian API",
        description = "Zero-knowledge drive server: every key, wrapped key, metadata blob and chunk is opaque ciphertext. Binary fields are standard base64 strings."
    ),
    paths(
        auth::prelogin,
        auth::register,
        auth::login,
        auth::logout,
        auth::account,
        auth::usage,
        auth::recovery::change_password,
        auth::recovery::recovery_key,
        auth::recovery::reset_password,
        drive::create_folder,
        drive::node,
        drive::rename,
        drive::move_node,
        drive::trash_node,
        drive::children,
        uploads::start,
        uploads::status,
        uploads::put_chunk,
        uploads::finalize,
        uploads::abort,
        files::manifest,
        files::chunk,
        trash::list,
        trash::restore,
        trash::purge,
        trash::empty,
        shares::public_key,
        shares::create,
        shares::incoming,
        shares::outgoing,
        shares::accept,
        shares::update,
        shares::remove,
        health::live,
        health::ready,
        metrics::render,
        document,
    ),
    modifiers(&SessionSchemes)
)]
struct ApiDoc;

/// Declares the two ways to send a session token.
struct SessionSchemes;

impl Modify for SessionSchemes {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                gauzian_api::SESSION_COOKIE,
            ))),
        );
    }
}

/// Builds the OpenAPI document.
pub fn openapi() -> Document {
    ApiDoc::openapi()
}

/// Returns this OpenAPI document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn document() -> Json<Document> {
    Json(openapi())
}
