//! The Lambda entry point each function's `main` hands over to.

use std::convert::Infallible;
use std::sync::Arc;

use lambda_http::http::{HeaderName, HeaderValue};
use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::{service_fn, Body, IntoResponse, Request, RequestExt, Response, TransformResponse};
use serde_json::value::RawValue;

use crate::aws::sdk_config_loader;
use crate::error::ReceiveError;
use crate::lambda_event::{self, Converted};
use crate::receiver::Receiver;
use crate::schemes::Scheme;
use crate::settings::{ConfigError, Settings};

/// Runs a receiver for `scheme` under the Lambda runtime until the process
/// ends. Settings are read and AWS clients built once, here; a bad setting
/// does not fail init (which Lambda would retry in a loop) but makes every
/// request a logged 500, so the provider keeps its deliveries until the
/// configuration is fixed. Init also fetches the keys and opens the SQS
/// connection ([`Receiver::warm_up`]), so the first request pays for neither.
/// Events are read by [`lambda_event::read`], not by the runtime.
pub async fn run<S: Scheme>(scheme: S) -> Result<(), lambda_http::Error> {
    crate::logging::init();
    // A panic's message can quote the input that caused it (a dependency's
    // `expect` on a header, say): log where it happened, never what.
    std::panic::set_hook(Box::new(|panic| {
        let location = panic.location().map(ToString::to_string).unwrap_or_default();
        tracing::error!(
            location,
            "a panic was caught; its message is not logged, as it may quote the input"
        );
    }));
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
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let receiver = Arc::clone(&receiver);
        async move {
            let LambdaEvent { payload, context } = event;
            // The error's text is fixed: it never quotes the event.
            let converted = lambda_event::read(payload.get()).map_err(|unreadable| unreadable.to_string())?;
            let answered = match converted {
                Converted::Request(origin, mut request) => {
                    if let Some(trace) = context
                        .xray_trace_id
                        .as_deref()
                        .and_then(|id| HeaderValue::from_str(id).ok())
                    {
                        request
                            .headers_mut()
                            .insert(HeaderName::from_static("x-amzn-trace-id"), trace);
                    }
                    let request = request.with_lambda_context(context);
                    let answer = async move { Ok::<_, Infallible>(respond(&receiver, request).await) };
                    TransformResponse::Request(origin, Box::pin(answer)).await
                }
                Converted::Unconvertible(origin) => {
                    let refusal = ReceiveError::Malformed("the event cannot be read as a request");
                    answered_without_receiver::<S>(&refusal, ("WARN", "rejected"));
                    let answer = refusal.into_response();
                    TransformResponse::<Response<Body>, Infallible>::Response(origin, answer.into_response()).await
                }
            };
            let Ok(answered) = answered;
            Ok::<_, String>(answered)
        }
    }))
    .await
}

/// Answers one request with the receiver, or, when the settings were
/// unusable, with a logged 500 naming what is wrong (in the log only).
pub async fn respond<S: Scheme>(receiver: &Result<Receiver<S>, ConfigError>, request: Request) -> Response<Body> {
    match receiver {
        Ok(receiver) => receiver.handle(request).await,
        Err(error) => {
            let error = ReceiveError::from(error.clone());
            answered_without_receiver::<S>(&error, ("ERROR", "not accepted"));
            error.into_response()
        }
    }
}

/// The request's line (and metrics) for an answer given before a receiver
/// could look at it: its settings may be what is wrong, so the namespace
/// comes from the environment.
fn answered_without_receiver<S: Scheme>(error: &ReceiveError, level_message: (&str, &str)) {
    // Read once: every request of a misconfigured function comes here.
    static NAMESPACE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let namespace = NAMESPACE.get_or_init(|| {
        std::env::var("METRICS_NAMESPACE").unwrap_or_else(|_| crate::metrics::DEFAULT_NAMESPACE.to_owned())
    });
    let now = std::time::SystemTime::now();
    crate::metrics::request_line(
        namespace,
        S::PROVIDER,
        error.outcome(),
        level_message,
        now,
        Default::default(),
        None,
    )
    .field("status", error.status().as_u16())
    .field("error", error.to_string())
    .write();
}
