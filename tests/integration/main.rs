//! The real receivers against a real `moto_server`, through the real AWS
//! SDK clients: what reaches the queue, and what never does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod consumer;
mod defence;
mod docs;
mod event_bus;
mod failures;
mod faults;
mod fifo;
mod formats;
mod keys;
mod large;
mod load;
mod logs;
mod quarantine;
mod release;
mod samples;
mod unsigned;

use lambda_http::{Body, Response};

/// The status and JSON body of an answer.
pub fn answer(response: &Response<Body>) -> (u16, serde_json::Value) {
    let body = match response.body() {
        Body::Text(text) => serde_json::from_str(text).unwrap(),
        other => panic!("expected a JSON text body, got {other:?}"),
    };
    (response.status().as_u16(), body)
}
