//! The upstream of one request, and what went through to it: each body forwarded and the answer it got, which the
//! ledger reads once the fate of the answer to the client is known.

use super::wire::{forward_with_body, Request};

/// The upstream of one request, and what went through to it: each body forwarded and its answer, for the ledger.
pub(super) struct Upstream<'a> {
    address: &'a str,
    pub(super) exchanges: Vec<Exchange>,
}

/// One body sent upstream and the answer it got (re-framed).
pub(super) struct Exchange {
    pub(super) body: Vec<u8>,
    pub(super) answer: Vec<u8>,
}

impl<'a> Upstream<'a> {
    pub(super) fn new(address: &'a str) -> Self {
        Self { address, exchanges: Vec::new() }
    }

    /// Sends `request` with `body` instead of its own, and returns the raw response.
    pub(super) async fn send(&mut self, request: &Request, body: &[u8]) -> Vec<u8> {
        let answer = forward_with_body(self.address, request, body).await;
        self.exchanges.push(Exchange { body: body.to_vec(), answer: answer.clone() });
        answer
    }

    /// Sends `request` as it came.
    pub(super) async fn forward(&mut self, request: &Request) -> Vec<u8> {
        self.send(request, &request.body).await
    }
}
