//! Answers every event with itself: the least a Rust Lambda function can
//! be, so that `scripts/coldstart` can put the receivers' cold start beside
//! the floor, measured in the same run.

use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| async move {
        Ok::<_, Error>(event.payload)
    }))
    .await
}
