//! The receiver: verifies one provider's webhooks and enqueues them on SQS.
//! `PROVIDER` says which provider; everything else lives in
//! `webhook-receiver`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    webhook_receiver::run_receiver().await
}
