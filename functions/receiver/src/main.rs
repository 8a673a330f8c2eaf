//! The receiver: verifies one provider's webhooks and enqueues them on SQS.
//! `PROVIDER` says which provider; everything else lives in
//! `webhook-receiver`.
//!
//! One thread runs everything: Lambda sends a process one request at a
//! time, so worker threads would only add their start-up and hand-offs to
//! every cold start (BENCHMARKS.md, "Cold start at Lambda's CPU share").
//! The deadline checks don't rely on a second thread: CPU work checks its
//! own deadline (docs/time-limits.md).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    webhook_receiver::run_receiver().await
}
