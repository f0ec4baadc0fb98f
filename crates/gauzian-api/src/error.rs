//! The one JSON shape of every failed request.

use serde::{Deserialize, Serialize};

/// Body of every error response: a stable machine-readable code and a
/// sentence for people. A 5xx body never carries internal detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable snake_case code, such as `not_found` or `invalid_credentials`.
    pub code: String,
    /// What failed and, where it helps, what to do.
    pub message: String,
}
