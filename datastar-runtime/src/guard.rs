//! The cross-site write guard: which requests may change state.
//!
//! Two checks, in two places, because only one of them can be made for every request:
//!
//! - [`DatastarLayer`](crate::DatastarLayer) refuses a state-changing request (any method but
//!   `GET`, `HEAD`, `OPTIONS` and the read-only `QUERY` of Datastar 1.0.4) that a browser says
//!   comes from another site: `Sec-Fetch-Site` other than `same-origin` or `none`, or, from a
//!   browser that does not send that header, an `Origin` whose host is not the request's
//!   `Host`. Origins given to [`allow_origin`](crate::DatastarLayer::allow_origin) pass. A
//!   request with neither header is not from a browser (or from one too old to matter) and
//!   passes: it carries no cookies a browser added on its own. This is the algorithm of Go's
//!   `net/http.CrossOriginProtection`.
//! - [`ReadSignals`](crate::ReadSignals), which knows that the handler reads signals, refuses a
//!   body that lacks the marks every Datastar client sends: `Datastar-Request: true` and
//!   `Content-Type: application/json`. A page on another site can send neither without a CORS
//!   preflight, which this crate never answers: a `no-cors` `fetch` or a `<form>` post may
//!   only send `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data`, and
//!   no custom header.
//!
//! `same-site` is not `same-origin`: a sibling subdomain (`evil.example.com` next to
//! `app.example.com`) is the same site, and may well belong to someone else.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;

use crate::headers;

/// The origins, besides the request's own, whose writes are accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Allowed(Vec<String>);

impl Allowed {
    /// Adds `origin` (`scheme://host[:port]`), lowercased.
    ///
    /// # Panics
    ///
    /// When `origin` is not of that form.
    pub(crate) fn push(&mut self, origin: &str) {
        let origin = origin.to_ascii_lowercase();
        let host = host_of(&origin).unwrap_or_else(|| {
            panic!(
                "`{origin}` is not an origin: expected `scheme://host` or `scheme://host:port`, \
                 without a path, as a browser writes it in the `Origin` header"
            )
        });
        assert!(!host.is_empty(), "`{origin}` is not an origin: no host");
        self.0.push(origin);
    }

    fn contains(&self, origin: &[u8]) -> bool {
        self.0
            .iter()
            .any(|o| o.as_bytes().eq_ignore_ascii_case(origin))
    }
}

/// Methods that never change state; `QUERY` is Datastar 1.0.4's `@query`, safe by definition.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) || method.as_str() == "QUERY"
}

/// Why the layer refuses `request`, or `None` when it may go on.
pub(crate) fn cross_site<B>(request: &Request<B>, allowed: &Allowed) -> Option<String> {
    if is_safe(request.method()) {
        return None;
    }
    let headers = request.headers();
    let origin = headers.get(header::ORIGIN);
    if origin.is_some_and(|o| allowed.contains(o.as_bytes())) {
        return None;
    }
    let method = request.method();
    if let Some(site) = headers.get(SEC_FETCH_SITE) {
        if site == "same-origin" || site == "none" {
            return None;
        }
        let site = String::from_utf8_lossy(site.as_bytes());
        return Some(format!(
            "cross-site request refused: a {method} request may change state, and the browser \
             says it comes from another origin (`Sec-Fetch-Site: {site}`{}); allow that origin \
             with `DatastarLayer::allow_origin` if it is yours",
            origin.map_or(String::new(), |o| format!(
                ", `Origin: {}`",
                String::from_utf8_lossy(o.as_bytes())
            ))
        ));
    }
    let origin = origin?;
    let own = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    let from = std::str::from_utf8(origin.as_bytes())
        .ok()
        .and_then(host_of);
    if from.is_some() && own.is_some_and(|own| from.is_some_and(|f| f.eq_ignore_ascii_case(own))) {
        return None;
    }
    Some(format!(
        "cross-site request refused: a {method} request may change state, and its `Origin: {}` \
         is not this server ({}); allow that origin with `DatastarLayer::allow_origin` if it is \
         yours",
        String::from_utf8_lossy(origin.as_bytes()),
        own.map_or("no `Host`".to_owned(), |h| format!("`Host: {h}`")),
    ))
}

/// The `host[:port]` of an origin `scheme://host[:port]`; `None` for anything else (`null`).
fn host_of(origin: &str) -> Option<&str> {
    let (scheme, host) = origin.split_once("://")?;
    let valid = !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        && !host.contains(['/', '?', '#', '@', ' ']);
    valid.then_some(host)
}

/// Why [`ReadSignals`](crate::ReadSignals) refuses to read the body of a request with these
/// headers, or `None` when it carries both marks of a Datastar client.
pub(crate) fn missing_marks(method: &Method, headers: &HeaderMap) -> Option<String> {
    if headers.get(headers::DATASTAR_REQUEST) != Some(&headers::TRUE) {
        return Some(format!(
            "refused: a {method} request whose body is read as Datastar signals must carry \
             `Datastar-Request: true`, as every Datastar client sends it; without it the request \
             may come from a form or a script on another site"
        ));
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        let given = headers.get(header::CONTENT_TYPE).map_or_else(
            || "none".to_owned(),
            |v| format!("`{}`", String::from_utf8_lossy(v.as_bytes())),
        );
        return Some(format!(
            "refused: a {method} request whose body is read as Datastar signals must have \
             `Content-Type: application/json`, as the Datastar client sends it (this one has \
             {given})"
        ));
    }
    None
}

/// `Sec-Fetch-Site`, which every current browser sends with every request.
const SEC_FETCH_SITE: header::HeaderName = header::HeaderName::from_static("sec-fetch-site");

/// The plain-text `403 Forbidden` answer carrying `why`.
pub(crate) fn forbidden(why: String) -> Response<Full<Bytes>> {
    tracing::debug!(%why, "cross-site write refused");
    let mut response = Response::new(Full::new(Bytes::from(why)));
    *response.status_mut() = StatusCode::FORBIDDEN;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, headers::TEXT);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, headers: &[(&str, &str)]) -> Request<()> {
        let mut request = Request::builder().method(method).uri("/feed");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap()
    }

    fn refused(method: &str, headers: &[(&str, &str)]) -> bool {
        let mut allowed = Allowed::default();
        allowed.push("https://Admin.example.com");
        cross_site(&request(method, headers), &allowed).is_some()
    }

    #[test]
    fn safe_methods_pass_whatever_their_origin() {
        for method in ["GET", "HEAD", "OPTIONS", "QUERY"] {
            assert!(!refused(method, &[("sec-fetch-site", "cross-site")]));
        }
    }

    #[test]
    fn same_site_is_not_same_origin() {
        assert!(refused("POST", &[("sec-fetch-site", "same-site")]));
        assert!(refused("POST", &[("sec-fetch-site", "cross-site")]));
        assert!(!refused("POST", &[("sec-fetch-site", "same-origin")]));
        assert!(!refused("DELETE", &[("sec-fetch-site", "none")]));
    }

    #[test]
    fn origin_is_compared_with_host_when_the_browser_sends_no_fetch_metadata() {
        let host = ("host", "app.example.com:8080");
        assert!(!refused(
            "POST",
            &[host, ("origin", "http://APP.example.com:8080")]
        ));
        assert!(refused(
            "PUT",
            &[host, ("origin", "http://app.example.com")]
        ));
        assert!(refused("PATCH", &[host, ("origin", "null")]));
        assert!(!refused("POST", &[host]));
    }

    #[test]
    fn allowed_origins_pass_both_checks() {
        let origin = ("origin", "https://admin.example.com");
        assert!(!refused("POST", &[origin, ("sec-fetch-site", "same-site")]));
        assert!(!refused("POST", &[origin, ("host", "app.example.com")]));
    }

    #[test]
    #[should_panic(expected = "is not an origin")]
    fn a_url_with_a_path_is_not_an_origin() {
        Allowed::default().push("https://example.com/app");
    }
}
