//! The release function: puts quarantined webhooks on the queue once their
//! key verifies them.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    release::run().await
}
