//! The AWS clients a receiver uses, all made from the one SDK
//! configuration ([`function_support::sdk`]).

use std::sync::OnceLock;

use aws_config::SdkConfig;

/// An S3 client for `aws`. Path-style addressing where an endpoint is set
/// (`AWS_ENDPOINT_URL`: moto, LocalStack), whose buckets have no host
/// names of their own; virtual-hosted on AWS.
pub fn s3_client(aws: &SdkConfig) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(aws)
        .force_path_style(aws.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(config)
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
/// deliveries go to S3, so a cold start that built it would pay for a
/// client most processes never use (BENCHMARKS.md, "Cold start at Lambda's
/// CPU share").
#[derive(Debug, Clone)]
pub enum S3Client {
    /// Already made (tests that point S3 elsewhere).
    Made(aws_sdk_s3::Client),
    /// Made from this configuration on first use.
    OnFirstUse(Box<(SdkConfig, OnceLock<aws_sdk_s3::Client>)>),
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
    pub fn new(aws: &SdkConfig) -> Self {
        AwsClients {
            secrets: aws_sdk_secretsmanager::Client::new(aws),
            sqs: aws_sdk_sqs::Client::new(aws),
            s3: S3Client::OnFirstUse(Box::new((aws.clone(), OnceLock::new()))),
        }
    }
}
