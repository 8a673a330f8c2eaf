//! How the functions talk to AWS: one SDK configuration, with time limits
//! that keep every answer well inside API Gateway's 29 s and Codat's 15 s,
//! and the trusted roots `trusted_roots` picks.

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
/// about 10 s; `REQUEST_DEADLINE_MS` bounds whatever else may happen (a
/// large delivery's S3 put between them, which has longer limits of its
/// own: the receiver library's payload store).
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per call, the first included.
pub const MAX_ATTEMPTS: u32 = 3;

/// The SDK configuration loader every function uses: the standard
/// environment (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL`, …) plus our
/// time limits, retries and trusted roots. Tests add an endpoint and
/// credentials to the same loader, so they run with exactly the limits
/// production has.
pub fn sdk_config_loader() -> ConfigLoader {
    crate::trusted_roots::trusting_aws_roots(aws_config::defaults(BehaviorVersion::latest()))
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

/// An S3 client for `aws`. Path-style addressing where an endpoint is set
/// (`AWS_ENDPOINT_URL`: moto, LocalStack), whose buckets have no host
/// names of their own; virtual-hosted on AWS.
pub fn s3_client(aws: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(aws)
        .force_path_style(aws.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}
