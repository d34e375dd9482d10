//! Per-visitor state: each browser gets its own todos and contact, as in the official examples,
//! so one visitor cannot wipe another's.
//!
//! [`sessions`] gives every visitor a random id in the `gallery_session` cookie. An example
//! keeps its state in [`Visitors<T>`], at most [`MAX_VISITORS`] of them (the least recently
//! seen one is forgotten first), and a handler takes its visitor's with the [`Mine`] extractor.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{FromRef, FromRequestParts, Request};
use axum::http::{HeaderValue, header, request::Parts};
use axum::middleware::Next;
use axum::response::Response;

/// The visitors whose state an example keeps; the least recently seen one goes first.
pub const MAX_VISITORS: usize = 1000;

const COOKIE: &str = "gallery_session";

/// A visitor's id: 128 random bits, so that nobody can guess another's.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct VisitorId(u128);

impl VisitorId {
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system's random numbers");
        VisitorId(u128::from_le_bytes(bytes))
    }

    /// The id in a `Cookie` header, when it holds a well-formed one.
    pub fn from_cookies(headers: &axum::http::HeaderMap) -> Option<Self> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
            .filter(|hex| hex.len() == 32)
            .and_then(|hex| u128::from_str_radix(hex, 16).ok())
            .map(VisitorId)
    }
}

/// Middleware: puts the visitor's [`VisitorId`] in the request, and gives a new visitor a
/// cookie (`HttpOnly`, `SameSite=Lax`, for the whole gallery, until the browser closes).
pub async fn sessions(mut request: Request, next: Next) -> Response {
    let known = VisitorId::from_cookies(request.headers());
    let id = known.unwrap_or_else(VisitorId::random);
    request.extensions_mut().insert(id);
    let mut response = next.run(request).await;
    if known.is_none() {
        let cookie = format!("{COOKIE}={:032x}; Path=/; HttpOnly; SameSite=Lax", id.0);
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// One example's state for each visitor, made by `fresh` on a visitor's first request.
pub struct Visitors<T> {
    inner: Arc<Mutex<Inner<T>>>,
    fresh: fn() -> T,
    /// The most visitors kept.
    capacity: usize,
}

impl<T> Clone for Visitors<T> {
    fn clone(&self) -> Self {
        Visitors {
            inner: self.inner.clone(),
            fresh: self.fresh,
            capacity: self.capacity,
        }
    }
}

struct Inner<T> {
    /// Each visitor's state and when it was last used, as a tick of `clock`.
    states: HashMap<VisitorId, (Arc<Mutex<T>>, u64)>,
    clock: u64,
}

impl<T> Visitors<T> {
    pub fn new(fresh: fn() -> T) -> Self {
        Self::bounded(fresh, MAX_VISITORS)
    }

    /// Keeps the state of at most `capacity` visitors.
    pub fn bounded(fresh: fn() -> T, capacity: usize) -> Self {
        Visitors {
            capacity,
            inner: Arc::new(Mutex::new(Inner {
                states: HashMap::new(),
                clock: 0,
            })),
            fresh,
        }
    }

    /// The state of `id`, made fresh if it is new (forgetting the least recently seen visitor
    /// when the capacity is reached).
    pub fn of(&self, id: VisitorId) -> Arc<Mutex<T>> {
        let mut inner = self.inner.lock().unwrap();
        inner.clock += 1;
        let now = inner.clock;
        if let Some((state, seen)) = inner.states.get_mut(&id) {
            *seen = now;
            return state.clone();
        }
        if inner.states.len() >= self.capacity {
            let oldest = inner.states.iter().min_by_key(|(_, (_, seen))| *seen);
            if let Some(oldest) = oldest.map(|(id, _)| *id) {
                inner.states.remove(&oldest);
            }
        }
        let state = Arc::new(Mutex::new((self.fresh)()));
        inner.states.insert(id, (state.clone(), now));
        state
    }
}

/// The state of the visitor making the request, from the router's [`Visitors<T>`].
pub struct Mine<T>(pub Arc<Mutex<T>>);

impl<T, S> FromRequestParts<S> for Mine<T>
where
    Visitors<T>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let visitors = Visitors::<T>::from_ref(state);
        // Outside `sessions` every request is a new visitor, whose state is not kept.
        Ok(Mine(match parts.extensions.get::<VisitorId>() {
            Some(id) => visitors.of(*id),
            None => Arc::new(Mutex::new((visitors.fresh)())),
        }))
    }
}
