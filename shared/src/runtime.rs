//! The Lambda entry point each function's `main` hands over to.

use std::sync::Arc;

use lambda_http::{service_fn, Body, Request, Response};

use crate::aws::sdk_config_loader;
use crate::error::ReceiveError;
use crate::receiver::Receiver;
use crate::schemes::Scheme;
use crate::settings::{ConfigError, Settings};

/// Runs a receiver for `scheme` under the Lambda runtime until the process
/// ends. Settings are read and AWS clients built once, here; a bad setting
/// does not fail init (which Lambda would retry in a loop) but makes every
/// request a logged 500, so the provider keeps its deliveries until the
/// configuration is fixed. Init also fetches the keys and opens the SQS
/// connection ([`Receiver::warm_up`]), so the first request pays for neither.
pub async fn run<S: Scheme>(scheme: S) -> Result<(), lambda_http::Error> {
    crate::logging::init();
    let receiver = match Settings::from_env() {
        Ok(settings) => {
            let aws = sdk_config_loader().load().await;
            let receiver = Receiver::new(scheme, settings, &aws);
            receiver.warm_up().await;
            Ok(receiver)
        }
        Err(error) => {
            tracing::error!(provider = S::PROVIDER.as_str(), error = %error, "misconfigured: every request will get a 500");
            Err(error)
        }
    };
    let receiver = Arc::new(receiver);
    lambda_http::run(service_fn(move |request: Request| {
        let receiver = Arc::clone(&receiver);
        async move { Ok::<_, std::convert::Infallible>(respond(&receiver, request).await) }
    }))
    .await
}

/// Answers one request with the receiver, or, when the settings were
/// unusable, with a logged 500 naming what is wrong (in the log only).
pub async fn respond<S: Scheme>(receiver: &Result<Receiver<S>, ConfigError>, request: Request) -> Response<Body> {
    match receiver {
        Ok(receiver) => receiver.handle(request).await,
        Err(error) => {
            tracing::error!(provider = S::PROVIDER.as_str(), status = 500, error = %error, "misconfigured");
            ReceiveError::from(error.clone()).into_response()
        }
    }
}
