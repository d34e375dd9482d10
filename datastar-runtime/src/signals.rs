//! Reading the signals a Datastar client sends with each request.

use std::fmt;

use axum::extract::{FromRequest, OptionalFromRequest, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{Method, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;

use crate::guard;
use crate::headers;
use crate::layer::{DEFAULT_SIGNALS_LIMIT, RequestConfig};

/// The signals of a Datastar request, deserialized into `T`.
///
/// GET and DELETE requests carry them as JSON in the `datastar` query parameter
/// (form-urlencoded: `+` is a space); other methods (POST, PUT, PATCH, and the `QUERY` of
/// Datastar 1.0.4's `@query`) as the JSON body. A DELETE without the parameter is read from its
/// body, as clients before Datastar 1.0.0 send it. The payload may be at most 1 MiB, or what [`DatastarLayer::signals_limit`] says.
///
/// A body is read only from a request that carries the marks of a Datastar client,
/// `Datastar-Request: true` and `Content-Type: application/json`: a page on another site can
/// make a browser post `text/plain` JSON with your users' cookies, but not with those headers.
/// Without them the answer is `403 Forbidden`, unless the router's
/// [`DatastarLayer::cross_site_guard`] is off (see
/// [its docs](crate::DatastarLayer#cross-site-writes-are-refused)). Signals in the query string
/// need no marks: a GET should not change state, and no page elsewhere can send a DELETE
/// without a CORS preflight.
///
/// Every failure is a [`SignalsRejection`] that tells the client what was wrong: `403
/// Forbidden` for a body without the Datastar marks, `400 Bad Request` for a missing payload,
/// invalid UTF-8, malformed JSON (with line and column) or JSON that does not fit `T` (with the
/// path of the bad value), `413 Payload Too Large` for a payload over the limit.
///
/// A request without signals is an error; take `Option<ReadSignals<T>>` to get `None` for it
/// instead (a malformed payload is still rejected), and `.unwrap_or_default()` for
/// `T::default()`.
///
/// ```
/// use axum::{Router, routing::{get, post}};
/// use datastar_runtime::{PatchElements, ReadSignals, Signals};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Search { query: String }
///
/// async fn search(ReadSignals(search): ReadSignals<Search>) -> PatchElements<datastar_runtime::ById> {
///     PatchElements::new(format!(r#"<p id="results">no match for {}</p>"#, search.query.len()))
/// }
///
/// async fn anything(ReadSignals(signals): Signals) -> String {
///     format!("{} signals", signals.len())
/// }
///
/// async fn maybe(signals: Option<ReadSignals<Search>>) -> String {
///     signals.map(|ReadSignals(s)| s.query).unwrap_or_default()
/// }
///
/// let app: Router = Router::new()
///     .route("/search", get(search))
///     .route("/any", post(anything))
///     .route("/maybe", get(maybe));
/// ```
///
/// ## `@query`: the `QUERY` method
///
/// Datastar 1.0.4's `@query(url)` is a read with a body: the HTTP `QUERY` method, signals as
/// JSON. axum 0.8's [`MethodFilter`](axum::routing::MethodFilter) has no `QUERY`, so route it
/// through the method router's fallback, which gets every method the router does not name:
/// `get(page).fallback(search)` serves the page to `GET` and the search to `QUERY`. (`any(search)`
/// also works, for a route that answers every method alike.) The cross-site guard treats `QUERY`
/// as a read, like `GET`; its body still needs the Datastar marks, like any body.
///
/// ```
/// use axum::{Router, routing::get};
/// use datastar_runtime::{PatchElements, ReadSignals};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Search { q: String }
///
/// // `<input data-bind:q data-on:input="@query('/search')">`
/// async fn search(ReadSignals(Search { q }): ReadSignals<Search>) -> PatchElements<datastar_runtime::ById> {
///     PatchElements::new(format!(r#"<p id="hits">{} hits</p>"#, q.len()))
/// }
///
/// let app: Router = Router::new().route("/search", get(|| async { "the page" }).fallback(search));
/// ```
///
/// [`DatastarLayer::signals_limit`]: crate::DatastarLayer::signals_limit
/// [`DatastarLayer::cross_site_guard`]: crate::DatastarLayer::cross_site_guard
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadSignals<T>(pub T);

/// Every signal of a request, untyped.
pub type Signals = ReadSignals<serde_json::Map<String, serde_json::Value>>;

impl<T, S> FromRequest<S> for ReadSignals<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = SignalsRejection;

    async fn from_request(request: Request, _: &S) -> Result<Self, SignalsRejection> {
        let method = request.method().clone();
        match payload(request).await? {
            Some(bytes) => parse(&bytes).map(ReadSignals),
            None => Err(SignalsRejection::missing(&method)),
        }
    }
}

impl<T, S> OptionalFromRequest<S> for ReadSignals<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = SignalsRejection;

    async fn from_request(request: Request, _: &S) -> Result<Option<Self>, SignalsRejection> {
        match payload(request).await? {
            Some(bytes) => parse(&bytes).map(|t| Some(ReadSignals(t))),
            None => Ok(None),
        }
    }
}

/// Whether the signals of requests made with `method` are in the query string.
fn in_query(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::DELETE)
}

/// The raw signals, or `None` when the request has none.
async fn payload(request: Request) -> Result<Option<Bytes>, SignalsRejection> {
    let config = request.extensions().get::<RequestConfig>();
    let limit = config.map_or(DEFAULT_SIGNALS_LIMIT, |config| config.signals_limit);
    let guard = config.is_none_or(|config| config.guard);
    let query = in_query(request.method())
        .then(|| request.uri().query().and_then(query_value))
        .flatten();
    let bytes = match query {
        Some(bytes) if bytes.len() > limit => return Err(SignalsRejection::too_large(limit)),
        Some(bytes) => Bytes::from(bytes),
        None if in_query(request.method()) && request.method() != Method::DELETE => {
            return Ok(None);
        }
        // Clients before 1.0.0 send DELETE signals as a body, as for POST.
        None => {
            if let Some(why) = guard
                .then(|| guard::missing_marks(request.method(), request.headers()))
                .flatten()
            {
                return Err(SignalsRejection::new(StatusCode::FORBIDDEN, why));
            }
            read_body(request, limit).await?
        }
    };
    let blank = bytes.iter().all(u8::is_ascii_whitespace);
    Ok((!blank).then_some(bytes))
}

async fn read_body(request: Request, limit: usize) -> Result<Bytes, SignalsRejection> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(SignalsRejection::too_large(limit));
    }
    match Limited::new(request.into_body(), limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(SignalsRejection::too_large(limit)),
        Err(e) => Err(SignalsRejection::new(
            StatusCode::BAD_REQUEST,
            format!("could not read the Datastar signals from the request body: {e}"),
        )),
    }
}

/// The decoded value of the `datastar` parameter of a form-urlencoded query, as bytes: the
/// UTF-8 check comes later, so that invalid UTF-8 is an error rather than a `�`.
fn query_value(query: &str) -> Option<Vec<u8>> {
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (form_decode(name) == headers::SIGNALS_QUERY_KEY).then(|| form_decode(value))
    })
}

/// Form-urlencoded decoding: `+` is a space and `%XX` a byte; a `%` not followed by two hex
/// digits stays as it is, as browsers do.
fn form_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|&b| (b as char).to_digit(16));
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if hex(i + 1).is_some() && hex(i + 2).is_some() => {
                out.push((hex(i + 1).unwrap_or(0) * 16 + hex(i + 2).unwrap_or(0)) as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// UTF-8, JSON, then `T`, each with its own message.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, SignalsRejection> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        SignalsRejection::bad_request(format!(
            "Datastar signals are not valid UTF-8: invalid byte at offset {}",
            e.valid_up_to()
        ))
    })?;
    let malformed = |e: serde_json::Error| {
        SignalsRejection::bad_request(format!("malformed Datastar signals JSON: {e}"))
    };
    let mut json = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut json).map_err(|e| {
        if !e.inner().is_data() {
            return malformed(e.into_inner());
        }
        SignalsRejection::bad_request(format!(
            "Datastar signals do not have the expected shape: at `{}`: {}",
            e.path(),
            e.inner()
        ))
    })?;
    json.end().map_err(malformed)?;
    Ok(value)
}

/// Why signals could not be read: a response with a status and a message for the developer.
///
/// ```
/// use axum::response::IntoResponse;
/// use datastar_runtime::SignalsRejection;
///
/// # async fn demo(rejection: SignalsRejection) {
/// let status = rejection.status();
/// let message = rejection.message().to_owned();
/// let response = rejection.into_response(); // `status`, text/plain `message`
/// # let _ = (status, message, response);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalsRejection {
    status: StatusCode,
    message: String,
}

impl SignalsRejection {
    fn new(status: StatusCode, message: String) -> Self {
        SignalsRejection { status, message }
    }

    fn bad_request(message: String) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn missing(method: &Method) -> Self {
        Self::bad_request(if *method == Method::DELETE {
            "missing Datastar signals: a DELETE request carries them in the `datastar` query parameter (Datastar 1.0) or as a JSON body (earlier clients), and both are absent or empty".to_owned()
        } else if in_query(method) {
            format!(
                "missing Datastar signals: a {method} request carries them in the `datastar` query parameter, and it is absent or empty"
            )
        } else {
            format!(
                "missing Datastar signals: a {method} request carries them as a JSON body, and the body is empty"
            )
        })
    }

    fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Datastar signals too large: the limit is {limit} bytes"),
        )
    }

    /// `400 Bad Request`, `403 Forbidden` (a body without the Datastar marks) or `413 Payload
    /// Too Large`.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What was wrong, as sent in the body.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SignalsRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SignalsRejection {}

impl IntoResponse for SignalsRejection {
    fn into_response(self) -> Response {
        tracing::debug!(status = %self.status, message = %self.message, "signals rejected");
        (
            self.status,
            [(header::CONTENT_TYPE, headers::TEXT)],
            self.message,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_and_percent_twenty_are_both_spaces() {
        assert_eq!(
            query_value("a=1&datastar=%7B%22q%22%3A%22a+b%20c%22%7D"),
            Some(br#"{"q":"a b c"}"#.to_vec())
        );
    }

    #[test]
    fn the_parameter_name_is_decoded_too_and_absent_is_none() {
        assert_eq!(query_value("data%73tar=1"), Some(b"1".to_vec()));
        assert_eq!(query_value("other=1&datastarx=2"), None);
    }

    #[test]
    fn a_stray_percent_stays_as_written() {
        assert_eq!(form_decode("100%+%zz%4"), b"100% %zz%4".to_vec());
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let err = parse::<serde_json::Value>(b"{\n  \"a\": 1,\n  oops\n}").unwrap_err();
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert!(
            err.message().contains("line 3 column 3"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn trailing_garbage_is_malformed() {
        let err = parse::<serde_json::Value>(b"{} {}").unwrap_err();
        assert!(err.message().starts_with("malformed"), "{}", err.message());
    }

    #[test]
    fn wrong_types_name_the_path() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct User {
            age: u32,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Signals {
            user: User,
        }
        let err = parse::<Signals>(br#"{"user":{"age":"old"}}"#).unwrap_err();
        assert!(err.message().contains("at `user.age`"), "{}", err.message());
        assert!(err.message().contains("expected u32"), "{}", err.message());
    }

    #[test]
    fn invalid_utf8_gives_the_offset() {
        let err = parse::<serde_json::Value>(b"{\"a\":\"\xff\"}").unwrap_err();
        assert!(err.message().contains("offset 6"), "{}", err.message());
    }
}
