//! The Content-Security-Policy of the pages: a file of its own, because the pages' shell sets it
//! (and so imports nothing the server's start-up imports).

use axum::http::{header, HeaderValue};

/// The Content-Security-Policy of a page rendered on the server, set by its shell: scripts only
/// from the app itself or inline with this response's nonce (Leptos puts it on its hydration
/// script), the wasm compiled (`'wasm-unsafe-eval'`, which is not `eval`), images from the app
/// and the map's tile server, requests to the app only, and never framed. Styles may be inline:
/// Leaflet places tiles and markers with style attributes.
pub fn page_policy(nonce: &str, tile_url: &str) -> String {
    let tiles = tile_origin(tile_url).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: {tiles}; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `https://tile.openstreetmap.org` of `https://tile.openstreetmap.org/{z}/{x}/{y}.png`, and
/// `https://*.tile.example` of a template with a `{s}` subdomain.
fn tile_origin(tile_url: &str) -> Option<String> {
    let (scheme, rest) = tile_url.split_once("://")?;
    let host = rest.split('/').next()?.replace("{s}", "*");
    let safe = |c: char| c.is_ascii_alphanumeric() || ".-:*".contains(c);
    (matches!(scheme, "http" | "https") && !host.is_empty() && host.chars().all(safe))
        .then(|| format!("{scheme}://{host}"))
}

/// Sets the page's policy on the answer being rendered (a page, not an API answer), with the
/// map's tiles from `tile_url`.
pub fn set_page_policy(tile_url: &str) {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce.to_string(), tile_url)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_page_runs_only_the_apps_scripts_and_its_nonced_one_and_shows_tiles_of_its_server() {
        let policy = super::page_policy("abc123", "https://{s}.tile.example.org/{z}/{x}/{y}.png");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(policy.contains("img-src 'self' data: https://*.tile.example.org;"));
        assert!(policy.contains("frame-ancestors 'none'"));
        let scripts = policy
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!scripts.contains(" 'unsafe-eval'") && !scripts.contains("unsafe-inline"));
        assert_eq!(super::tile_origin("javascript:alert(1)"), None);
        assert_eq!(super::tile_origin("https://a.b; script-src *"), None);
        assert_eq!(super::tile_origin(""), None);
    }
}
