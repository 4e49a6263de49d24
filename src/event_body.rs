//! The invocation's event handed to the function as the runtime received it, not copied by its deserialization.
//!
//! `lambda_runtime` reads an event into one block of bytes, then deserializes the handler's payload type from it:
//! even a `Box<RawValue>` is a second copy of the whole event (5.9 MB at 10,000 records), made while the first is
//! still held. That moment set the function's peak memory (docs/performance.md, memory). [`EventBodyLayer`] sits
//! in the runtime's service stack before that step: it moves each invocation's body aside under the request id
//! and lets the runtime deserialize `null` in its place; the handler takes the body back with
//! [`EventBodies::take`] and reads its records in place ([`crate::StreamRecords`]).

use bytes::Bytes;
use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::LambdaInvocation;
use pin_project_lite::pin_project;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

/// What the runtime deserializes in place of each body moved aside: the handler's payload type is `()`.
const PLACEHOLDER: &[u8] = b"null";

/// Bodies moved aside by [`EventBodyLayer`], by request id, until their handler takes them.
#[derive(Clone, Debug, Default)]
pub struct EventBodies(Arc<Mutex<HashMap<String, Bytes>>>);

impl EventBodies {
    /// The body of invocation `request_id`, once (the same bytes the runtime received, not a copy).
    pub fn take(&self, request_id: &str) -> Option<Bytes> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(request_id)
    }

    fn put(&self, request_id: &str, body: Bytes) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(request_id.to_owned(), body);
    }

    fn forget(&self, request_id: &str) {
        self.take(request_id);
    }
}

/// The layer for `lambda_runtime::Runtime::layer` (see the module's documentation).
#[derive(Clone, Debug)]
pub struct EventBodyLayer {
    bodies: EventBodies,
}

impl EventBodyLayer {
    /// Moves bodies aside into `bodies`, where the handler takes them.
    pub fn new(bodies: EventBodies) -> Self {
        Self { bodies }
    }
}

impl<S> Layer<S> for EventBodyLayer {
    type Service = EventBodyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        EventBodyService { inner, bodies: self.bodies.clone() }
    }
}

/// The service [`EventBodyLayer`] wraps the runtime's inner services in.
#[derive(Clone, Debug)]
pub struct EventBodyService<S> {
    inner: S,
    bodies: EventBodies,
}

impl<S: Service<LambdaInvocation>> Service<LambdaInvocation> for EventBodyService<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = Answered<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut invocation: LambdaInvocation) -> Self::Future {
        let request_id = invocation.context.request_id.clone();
        let body = std::mem::replace(&mut invocation.body, Bytes::from_static(PLACEHOLDER));
        self.bodies.put(&request_id, body);
        Answered { inner: self.inner.call(invocation), bodies: self.bodies.clone(), request_id }
    }
}

pin_project! {
    /// The inner services' answer to one invocation; when it is ready, a body its handler never took (the
    /// handler failed or panicked first) is dropped, not kept past the invocation.
    pub struct Answered<F> {
        #[pin]
        inner: F,
        bodies: EventBodies,
        request_id: String,
    }
}

impl<F: Future> Future for Answered<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let answer = std::task::ready!(this.inner.poll(cx));
        this.bodies.forget(this.request_id);
        Poll::Ready(answer)
    }
}

#[cfg(test)]
#[path = "event_body_tests.rs"]
mod tests;
