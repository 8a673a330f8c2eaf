//! The receeve receiver: verifies receeve webhooks and enqueues them on SQS.
//! Everything but the choice of scheme lives in `webhook-receiver`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    webhook_receiver::run(webhook_receiver::schemes::Receeve).await
}
