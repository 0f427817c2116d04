//! The live dashboard at `/` (docs/wire.md §4.9): one HTML page, its script, stylesheet and
//! icon, embedded in the binary (no build step, nothing fetched from elsewhere). The page
//! reads the same REST and WebSocket endpoints as any client, through the same Host guard,
//! bearer token and tickets; only the page and its assets are served without a token.

use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// One embedded file and the path it is served at.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

/// An [`Asset`] from a file of `assets/dashboard/`.
macro_rules! asset {
    ($path:literal, $content_type:literal, $file:literal) => {
        Asset {
            path: $path,
            content_type: $content_type,
            body: include_bytes!(concat!("../../assets/dashboard/", $file)),
        }
    };
}

/// The page and everything it loads.
pub const ASSETS: [Asset; 4] = [
    asset!("/", "text/html; charset=utf-8", "index.html"),
    asset!(
        "/dashboard/dashboard.js",
        "text/javascript; charset=utf-8",
        "dashboard.js"
    ),
    asset!(
        "/dashboard/dashboard.css",
        "text/css; charset=utf-8",
        "dashboard.css"
    ),
    asset!("/dashboard/favicon.svg", "image/svg+xml", "favicon.svg"),
];

/// Scripts, styles and images only from the server itself (no inline script or style);
/// `fetch` and the WebSocket only to it; the page cannot be framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The asset with the page's security headers.
fn serve(asset: Asset) -> Response {
    let headers: [(HeaderName, HeaderValue); 5] = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ];
    (headers, asset.body).into_response()
}

/// Adds a GET route for every asset.
pub fn routes<S: Clone + Send + Sync + 'static>(mut router: Router<S>) -> Router<S> {
    for asset in ASSETS {
        router = router.route(asset.path, get(move || async move { serve(asset) }));
    }
    router
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// Budget for the page and all its assets together (bytes).
    const PAGE_BUDGET: usize = 300 * 1024;

    /// The raw response to `GET path` from a server on a loopback port: lower-cased head, body.
    fn fetch(port: u16, path: &str) -> (String, Vec<u8>) {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        (head.to_ascii_lowercase(), raw[split + 4..].to_vec())
    }

    #[tokio::test]
    async fn every_asset_is_served_with_its_type_size_and_headers() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            axum::serve(listener, routes(Router::new())).await.unwrap();
        });
        let expected = [
            ("/", "text/html; charset=utf-8", "index.html"),
            (
                "/dashboard/dashboard.js",
                "text/javascript; charset=utf-8",
                "dashboard.js",
            ),
            (
                "/dashboard/dashboard.css",
                "text/css; charset=utf-8",
                "dashboard.css",
            ),
            ("/dashboard/favicon.svg", "image/svg+xml", "favicon.svg"),
        ];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/dashboard");
        let mut total = 0;
        for (path, content_type, file) in expected {
            let (head, body) = tokio::task::spawn_blocking(move || fetch(port, path))
                .await
                .unwrap();
            let on_disk = std::fs::read(dir.join(file)).unwrap();
            assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
            assert!(
                head.contains(&format!("\r\ncontent-type: {content_type}\r\n")),
                "{path}: {head}"
            );
            assert!(
                head.contains(&format!("\r\ncontent-length: {}\r\n", on_disk.len())),
                "{path}"
            );
            assert!(
                head.contains("\r\nx-content-type-options: nosniff\r\n"),
                "{path}"
            );
            assert!(
                head.contains("\r\nreferrer-policy: no-referrer\r\n"),
                "{path}"
            );
            assert!(
                head.contains(
                    "\r\ncontent-security-policy: default-src 'none'; script-src 'self';"
                ),
                "{path}"
            );
            assert_eq!(body, on_disk, "{path}");
            total += body.len();
        }
        assert_eq!(expected.len(), ASSETS.len());
        assert!(total <= PAGE_BUDGET, "page and assets are {total} bytes");
        // No inline script: the page only loads the script file (the CSP forbids the rest).
        let page = String::from_utf8(ASSETS[0].body.to_vec()).unwrap();
        assert_eq!(page.matches("<script").count(), 1);
        assert!(page.contains(r#"<script src="/dashboard/dashboard.js" defer></script>"#));
        assert!(!page.contains("style="));
        server.abort();
    }
}
