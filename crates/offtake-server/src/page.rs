//! The web page at `/`: one HTML file, a stylesheet and four JavaScript modules, embedded in the
//! binary (no CDN, no build step), plus the example term sheet the editor opens with. The page
//! talks to the API under `/api/v1` like any other client (docs/server.md: the page).

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::ApiError;

/// The term sheet the editor opens with.
pub const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

const INDEX: &str = include_str!("../assets/index.html");

/// `(name, content type, text)` of every asset under `/assets/`.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../assets/style.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/app.js"),
    ),
    (
        "charts.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/charts.js"),
    ),
    (
        "sse.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/sse.js"),
    ),
    (
        "toml.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/toml.js"),
    ),
    ("example.toml", "application/toml; charset=utf-8", EXAMPLE),
];

/// The page's routes (not part of the API, so not in the OpenAPI document).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/assets/{name}", get(asset))
}

fn text(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            // Everything the page loads comes from this server.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-src 'self' blob:",
            ),
        ],
        body,
    )
        .into_response()
}

async fn index() -> Response {
    text("text/html; charset=utf-8", INDEX)
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, ct, body)) => text(ct, body),
        None => ApiError::not_found(format!("no asset `{name}`")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_the_page_names_is_served() {
        for (name, _, _) in ASSETS
            .iter()
            .filter(|(n, _, _)| n.ends_with(".js") || n.ends_with(".css"))
        {
            let named = INDEX.contains(&format!("/assets/{name}"))
                || ASSETS
                    .iter()
                    .any(|(_, _, body)| body.contains(&format!("./{name}")));
            assert!(named, "{name} is embedded but nothing loads it");
        }
        assert!(
            !INDEX.contains("http://") && !INDEX.contains("https://"),
            "the page loads nothing from outside"
        );
    }
}
