//! The example consumer: reads verified webhooks from the queue.
//! Replace the handlers in `handlers.rs` with your own logic.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    consumer::run().await
}
