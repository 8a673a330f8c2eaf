//! The AWS clients a receiver uses, all made from the one SDK
//! configuration ([`function_support::sdk`]).

use std::sync::{Arc, OnceLock};

use aws_config::SdkConfig;
pub use function_support::sdk::s3_client;

/// The AWS clients a receiver uses, built from one configuration or given
/// one by one (deployments and tests that reach the services differently).
#[derive(Debug, Clone)]
pub struct AwsClients {
    /// For the keys.
    pub secrets: aws_sdk_secretsmanager::Client,
    /// For the queue.
    pub sqs: aws_sdk_sqs::Client,
    /// For the bus (`EVENT_BUS_NAME`).
    pub events: aws_sdk_eventbridge::Client,
    /// For the quarantine and the payload bucket.
    pub s3: S3Client,
}

/// The S3 client, made when it is first needed: only refused and large
/// deliveries go to S3, so a cold start that built it would pay for a
/// client most processes never use (BENCHMARKS.md, "Cold start at Lambda's
/// CPU share"). Clones share the one client.
#[derive(Debug, Clone)]
pub enum S3Client {
    /// Already made (tests that point S3 elsewhere).
    Made(aws_sdk_s3::Client),
    /// Made from this configuration on first use.
    OnFirstUse(Arc<(SdkConfig, OnceLock<aws_sdk_s3::Client>)>),
}

impl S3Client {
    /// The client, made now if it wasn't yet.
    pub fn get(&self) -> &aws_sdk_s3::Client {
        match self {
            S3Client::Made(client) => client,
            S3Client::OnFirstUse(later) => later.1.get_or_init(|| s3_client(&later.0)),
        }
    }
}

impl AwsClients {
    /// The clients `aws` describes.
    pub fn new(aws: &SdkConfig) -> Self {
        AwsClients {
            secrets: aws_sdk_secretsmanager::Client::new(aws),
            sqs: aws_sdk_sqs::Client::new(aws),
            events: aws_sdk_eventbridge::Client::new(aws),
            s3: S3Client::OnFirstUse(Arc::new((aws.clone(), OnceLock::new()))),
        }
    }
}
