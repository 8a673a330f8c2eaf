//! A loopback HTTP proxy between the receivers and moto that injects faults
//! into a chosen fraction of SQS, Secrets Manager, S3 or EventBridge calls, and counts
//! the calls per service.
//!
//! moto answers one request per connection (`Connection: close`), so each
//! accepted connection carries one request: read it, pick a fault, forward it
//! on a fresh upstream connection, relay the answer.
//!
//! The service is known only once the request's head is read, so a refused
//! call is reset (TCP RST) right after that, before anything reaches moto:
//! to the SDK, as to a refused connection, the call was never made. A
//! connection refused outright, with nothing listening, is
//! `failures::unreachable_aws_is_a_503_within_seconds`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::http1::{forward, header, read_message, serve_in_background};

/// Which AWS API a call is for, from its `X-Amz-Target` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// `AmazonSQS.*`
    Sqs,
    /// `secretsmanager.*`
    SecretsManager,
    /// No target: S3's REST calls (the only such calls the tests make).
    S3,
    /// `AWSEvents.*`
    EventBridge,
    /// Anything else.
    Other,
}

/// What happens to a call.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// The connection is reset without an answer; moto never sees the call.
    Refuse,
    /// moto handles the call, half its answer is sent, then the connection
    /// is reset: the call took effect, but the caller can't know it.
    ResetMidResponse,
    /// The real answer, after a delay. Past the SDK's attempt timeout, the
    /// call still reaches moto after the caller has given up on it.
    Delay(Duration),
    /// No answer, ever (the connection stays open).
    Hang,
    /// This answer (`awsJson1_1`, as EventBridge and Secrets Manager write
    /// theirs) instead of the real one; moto never sees the call. A 200
    /// whose body reports an entry failed, or an error naming its cause.
    Answer {
        /// HTTP status.
        status: u16,
        /// The JSON body.
        body: &'static str,
    },
    /// An AWS error answer instead of the real one, shaped as the service
    /// answers: `awsJson1_0` with the query-compatible error header for SQS,
    /// `awsJson1_1` for Secrets Manager, XML for S3.
    AwsError {
        /// HTTP status.
        status: u16,
        /// The error code (`ThrottlingException`, `RequestThrottled`,
        /// `ServiceUnavailable`, …).
        code: &'static str,
    },
}

/// Injects `fault` into `fraction` (0 to 1) of the calls to `service`.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The service whose calls are affected.
    pub service: Service,
    /// The fault.
    pub fault: Fault,
    /// The share of calls affected.
    pub fraction: f64,
}

struct State {
    upstream: SocketAddr,
    rules: Mutex<Vec<Rule>>,
    /// How many more faults the rules may inject; `None`: no end.
    faults_left: Mutex<Option<u64>>,
    calls: Mutex<HashMap<Service, u64>>,
    random: AtomicU64,
}

/// A running proxy. It runs on its own thread until the test process ends.
pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`, to use as the AWS endpoint.
    pub endpoint: String,
    state: Arc<State>,
}

impl FaultProxy {
    /// A proxy in front of `upstream` (`http://host:port`).
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream: SocketAddr = upstream.trim_start_matches("http://").parse().unwrap();
        let state = Arc::new(State {
            upstream,
            rules: Mutex::new(Vec::new()),
            faults_left: Mutex::new(None),
            calls: Mutex::new(HashMap::new()),
            random: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
        });
        let serving = Arc::clone(&state);
        let port = serve_in_background(move |client| serve(client, Arc::clone(&serving)));
        let endpoint = format!("http://127.0.0.1:{port}");
        FaultProxy { endpoint, state }
    }

    /// Replaces the fault rules (empty: a faithful proxy).
    pub fn set_rules(&self, rules: Vec<Rule>) {
        *self.state.faults_left.lock().unwrap() = None;
        *self.state.rules.lock().unwrap() = rules;
    }

    /// Replaces the fault rules for their next `faults` faults only; the
    /// proxy is faithful after them.
    pub fn set_rules_for(&self, faults: u64, rules: Vec<Rule>) {
        *self.state.faults_left.lock().unwrap() = Some(faults);
        *self.state.rules.lock().unwrap() = rules;
    }

    /// Calls seen so far for `service`, faulted or not.
    pub fn calls(&self, service: Service) -> u64 {
        self.state.calls.lock().unwrap().get(&service).copied().unwrap_or(0)
    }
}

impl State {
    /// A number in [0, 1): xorshift, enough to spread faults.
    fn next_fraction(&self) -> f64 {
        let mut x = self.random.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.random.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    fn fault_for(&self, service: Service) -> Option<Fault> {
        *self.calls.lock().unwrap().entry(service).or_insert(0) += 1;
        let rules = self.rules.lock().unwrap().clone();
        let mut faults_left = self.faults_left.lock().unwrap();
        if *faults_left == Some(0) {
            return None;
        }
        let fault = rules
            .into_iter()
            .filter(|rule| rule.service == service)
            .find(|rule| self.next_fraction() < rule.fraction)
            .map(|rule| rule.fault);
        if let (Some(_), Some(left)) = (fault, faults_left.as_mut()) {
            *left -= 1;
        }
        fault
    }
}

async fn serve(mut client: TcpStream, state: Arc<State>) {
    let Some(request) = read_message(&mut client).await else {
        return;
    };
    let service = service_of(&request);
    match state.fault_for(service) {
        Some(Fault::Refuse) => reset(client),
        Some(Fault::Hang) => {
            let mut sink = [0u8; 64];
            while matches!(client.read(&mut sink).await, Ok(n) if n > 0) {}
        }
        Some(Fault::AwsError { status, code }) => {
            let answer = aws_error(service, status, code);
            let _ = client.write_all(answer.as_bytes()).await;
        }
        Some(Fault::Answer { status, body }) => {
            let answer = json_answer(status, "content-type: application/x-amz-json-1.1\r\n", body);
            let _ = client.write_all(answer.as_bytes()).await;
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            relay(&mut client, &request, &state).await;
        }
        Some(Fault::ResetMidResponse) => {
            if let Some(answer) = forward(state.upstream, &request).await {
                let _ = client.write_all(&answer[..answer.len() / 2]).await;
            }
            reset(client);
        }
        None => relay(&mut client, &request, &state).await,
    }
}

/// Closes with a TCP RST instead of an orderly FIN.
fn reset(client: TcpStream) {
    let _ = client.set_zero_linger();
    drop(client);
}

/// An error answer as `service` writes one: 5xx are the service's fault
/// (`Receiver`), others the caller's (`Sender`).
fn aws_error(service: Service, status: u16, code: &str) -> String {
    if service == Service::S3 {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected by the fault proxy</Message><RequestId>fault-proxy</RequestId></Error>"
        );
        return format!(
            "HTTP/1.1 {status} Injected\r\ncontent-type: application/xml\r\nx-amz-request-id: fault-proxy\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
    }
    let body = format!(r#"{{"__type":"{code}","message":"injected by the fault proxy"}}"#);
    let fault = if status >= 500 { "Receiver" } else { "Sender" };
    let protocol = match service {
        Service::Sqs => format!("content-type: application/x-amz-json-1.0\r\nx-amzn-query-error: {code};{fault}\r\n"),
        Service::SecretsManager | Service::S3 | Service::EventBridge | Service::Other => {
            "content-type: application/x-amz-json-1.1\r\n".to_owned()
        }
    };
    json_answer(status, &protocol, &body)
}

/// An HTTP answer of `status` with the `protocol`'s headers and `body`.
fn json_answer(status: u16, protocol: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} Injected\r\n{protocol}x-amzn-requestid: fault-proxy\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

async fn relay(client: &mut TcpStream, request: &[u8], state: &State) {
    if let Some(answer) = forward(state.upstream, request).await {
        let _ = client.write_all(&answer).await;
    }
}

fn service_of(request: &[u8]) -> Service {
    let Some(target) = header(request, "x-amz-target") else {
        return Service::S3;
    };
    let target = target.to_ascii_lowercase();
    if target.starts_with("amazonsqs.") {
        Service::Sqs
    } else if target.starts_with("secretsmanager.") {
        Service::SecretsManager
    } else if target.starts_with("awsevents.") {
        Service::EventBridge
    } else {
        Service::Other
    }
}
