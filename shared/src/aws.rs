//! How receivers talk to AWS: one SDK configuration with time limits that
//! keep every answer well inside API Gateway's 29 s and Codat's 15 s.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader};

/// Connecting to an AWS endpoint takes milliseconds from Lambda; a second
/// means it is unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// One attempt at one call.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// One call, retries included. A request usually makes at most two calls
/// in a row (the keys, then the queue), so a hanging AWS is answered within
/// about 10 s; `REQUEST_DEADLINE_MS` bounds whatever else may happen.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per call, the first included.
pub const MAX_ATTEMPTS: u32 = 3;

/// An S3 client for `aws`. Path-style addressing where an endpoint is set
/// (`AWS_ENDPOINT_URL`: moto, LocalStack), whose buckets have no host
/// names of their own; virtual-hosted on AWS.
pub fn s3_client(aws: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(aws)
        .force_path_style(aws.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// The SDK configuration loader receivers use: the standard environment
/// (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL`, …) plus our time limits
/// and retries. Tests add an endpoint and credentials to the same loader, so
/// they run with exactly the limits production has.
pub fn sdk_config_loader() -> ConfigLoader {
    crate::tls_roots::trusting_aws_roots(aws_config::defaults(BehaviorVersion::latest()))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(100)),
        )
}

/// The AWS clients a receiver uses, built from one configuration or given
/// one by one (deployments and tests that reach the services differently).
#[derive(Debug, Clone)]
pub struct AwsClients {
    /// For the keys.
    pub secrets: aws_sdk_secretsmanager::Client,
    /// For the queue.
    pub sqs: aws_sdk_sqs::Client,
    /// For the quarantine.
    pub s3: S3Client,
}

/// The quarantine's S3 client, made when it is first needed: only refused
/// deliveries go to S3, so a cold start that builds it pays for a client
/// most processes never use (3 % of the profile's samples; measured, its
/// CPU is inside the noise and its memory 0.4 MiB, BENCHMARKS.md).
#[derive(Debug, Clone)]
pub enum S3Client {
    /// Already made (tests that point S3 elsewhere).
    Made(aws_sdk_s3::Client),
    /// Made from this configuration on first use.
    OnFirstUse(Box<(aws_config::SdkConfig, std::sync::OnceLock<aws_sdk_s3::Client>)>),
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
    /// The three clients `aws` describes.
    pub fn new(aws: &aws_config::SdkConfig) -> Self {
        AwsClients {
            secrets: aws_sdk_secretsmanager::Client::new(aws),
            sqs: aws_sdk_sqs::Client::new(aws),
            s3: S3Client::OnFirstUse(Box::new((aws.clone(), std::sync::OnceLock::new()))),
        }
    }
}
