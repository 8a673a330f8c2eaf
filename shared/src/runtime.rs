//! The Lambda entry point, on top of everything: the receiver binary's
//! `main` hands over to [`run_receiver`], which reads the settings, builds
//! the receiver and serves its requests.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use lambda_http::http::{HeaderName, HeaderValue};
use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::{service_fn, Body, IntoResponse, Request, RequestExt, Response, TransformResponse};
use serde_json::value::RawValue;

use function_support::sdk::sdk_config_loader;
use function_support::setting::process_env;

use crate::config::{metrics_namespace, Settings};
use crate::error::{ConfigError, ReceiveError};
use crate::lambda::event::{self as lambda_event, Converted};
use crate::pipeline::answer;
use crate::pipeline::request_line::{request_line, Fate};
use crate::pipeline::Receiver;
use crate::schemes::handshake::Proof;
use crate::schemes::provider::scheme_from_settings;
use crate::schemes::Scheme;

/// Runs the receiver of the provider `PROVIDER` names under the Lambda
/// runtime until the process ends. One binary serves every provider; each
/// deployed function names its own. A missing or misspelt `PROVIDER` is a
/// bad setting like any other (see [`run`]): every request gets a logged
/// 500.
pub async fn run_receiver() -> Result<(), lambda_http::Error> {
    match scheme_from_settings(process_env) {
        Ok(scheme) => run(scheme).await,
        Err(error) => {
            start_process();
            tracing::error!(error = %error, "misconfigured: every request will get a 500");
            serve(Arc::new(Unconfigured(error))).await
        }
    }
}

/// Runs a receiver for `scheme` under the Lambda runtime until the process
/// ends. Settings are read and AWS clients built once, here; a bad setting
/// does not fail init (which Lambda would retry in a loop) but makes every
/// request a logged 500, so the provider keeps its deliveries until the
/// configuration is fixed. Init also fetches the keys and opens the SQS
/// connection ([`Receiver::warm_up`]), so the first request pays for neither.
pub async fn run<S: Scheme>(scheme: S) -> Result<(), lambda_http::Error> {
    start_process();
    let provider = scheme.provider().to_owned();
    let needs_verify_token = scheme
        .handshakes()
        .iter()
        .any(|handshake| matches!(handshake.proof, Proof::VerifyToken(_)));
    let settings =
        Settings::from_env().and_then(|settings| settings.fit_for(scheme.unsigned_headers(), needs_verify_token));
    let receiver = match settings {
        Ok(settings) => {
            let aws = sdk_config_loader().load().await;
            let receiver = Receiver::new(scheme, settings, &aws);
            receiver.warm_up().await;
            Ok(receiver)
        }
        Err(error) => {
            tracing::error!(provider, error = %error, "misconfigured: every request will get a 500");
            Err(error)
        }
    };
    serve(Arc::new(Served { provider, receiver })).await
}

/// Logging, and a panic hook that never quotes the input.
fn start_process() {
    function_support::logging::init();
    // A panic's message can quote the input that caused it (a dependency's
    // `expect` on a header, say): log where it happened, never what.
    std::panic::set_hook(Box::new(|panic| {
        let location = panic.location().map(ToString::to_string).unwrap_or_default();
        tracing::error!(
            location,
            "a panic was caught; its message is not logged, as it may quote the input"
        );
    }));
}

/// What answers a process's requests: a receiver, or the setting that kept
/// one from being built.
pub trait Respond: Send + Sync + 'static {
    /// The provider's name for the request's log line and metrics.
    fn provider_name(&self) -> &str;

    /// The answer to one request: the receiver's, or, when the settings
    /// were unusable, a logged 500 naming what is wrong (in the log only).
    fn respond(&self, request: Request) -> impl Future<Output = Response<Body>> + Send;
}

/// A provider's receiver, or the setting that kept it from being built.
pub struct Served<S: Scheme> {
    /// Whose deliveries these are: the provider's name.
    pub provider: String,
    /// The receiver, when its settings were usable.
    pub receiver: Result<Receiver<S>, ConfigError>,
}

impl<S: Scheme> Respond for Served<S> {
    fn provider_name(&self) -> &str {
        &self.provider
    }

    async fn respond(&self, request: Request) -> Response<Body> {
        match &self.receiver {
            Ok(receiver) => receiver.handle(request).await,
            Err(error) => refuse_misconfigured(&self.provider, error),
        }
    }
}

/// A process whose `PROVIDER` names no provider it can serve.
struct Unconfigured(ConfigError);

/// The provider dimension of a process that doesn't know its provider.
const UNKNOWN_PROVIDER: &str = "unknown";

impl Respond for Unconfigured {
    fn provider_name(&self) -> &str {
        UNKNOWN_PROVIDER
    }

    async fn respond(&self, _request: Request) -> Response<Body> {
        refuse_misconfigured(UNKNOWN_PROVIDER, &self.0)
    }
}

/// The Lambda loop: events are read by [`lambda_event::read`], not by the
/// runtime, so that an event that isn't a request is a 400, not a crash.
async fn serve(answerer: Arc<impl Respond>) -> Result<(), lambda_http::Error> {
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let answerer = Arc::clone(&answerer);
        async move {
            let LambdaEvent { payload, context } = event;
            // The error's text is fixed: it never quotes the event.
            let converted = lambda_event::read(payload.get()).map_err(|unreadable| unreadable.to_string())?;
            // The request holds the body now: the event's text (as large
            // as the body, or a third larger) is not kept through the work.
            drop(payload);
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
                    let answer = async move { Ok::<_, Infallible>(answerer.respond(request).await) };
                    TransformResponse::Request(origin, Box::pin(answer)).await
                }
                Converted::Unconvertible(origin) => {
                    let refusal = ReceiveError::Malformed("the event cannot be read as a request");
                    answered_without_receiver(answerer.provider_name(), &refusal, ("WARN", "rejected"));
                    let answer = answer::refused(&refusal);
                    TransformResponse::<Response<Body>, Infallible>::Response(origin, answer.into_response()).await
                }
            };
            let Ok(answered) = answered;
            Ok::<_, String>(answered)
        }
    }))
    .await
}

/// The logged 500 of a process whose settings are unusable.
fn refuse_misconfigured(provider: &str, error: &ConfigError) -> Response<Body> {
    let error = ReceiveError::from(error.clone());
    answered_without_receiver(provider, &error, ("ERROR", "not accepted"));
    answer::refused(&error)
}

/// The request's line (and metrics) for an answer given before a receiver
/// could look at it: its settings may be what is wrong, so the namespace
/// comes from the environment.
fn answered_without_receiver(provider: &str, error: &ReceiveError, level_message: (&str, &str)) {
    // Read once: every request of a misconfigured function comes here.
    static NAMESPACE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let namespace = NAMESPACE.get_or_init(|| metrics_namespace(&process_env));
    request_line(
        namespace,
        provider,
        error.outcome(),
        level_message,
        std::time::SystemTime::now(),
        Default::default(),
        Fate::Refused(None),
    )
    .field("status", error.status().as_u16())
    .field("error", error.to_string())
    .write();
}
