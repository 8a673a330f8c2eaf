//! A small emulator of the Lambda Runtime API, enough to run a real
//! function binary as Lambda does and time it: when the process first asks
//! for an event (the end of its init), and when it answers each one.
//!
//! The API is public and tiny: `GET /2018-06-01/runtime/invocation/next`
//! long-polls for the next event, and the runtime posts the answer to
//! `…/invocation/{id}/response` (or `…/error`, or `…/init/error`). HTTP/1.1
//! with keep-alive, one thread per connection.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How an invocation ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `response`, or `error` when the function reported one.
    pub kind: &'static str,
    /// What the function posted.
    pub body: String,
    /// When its answer arrived.
    pub at: Instant,
}

#[derive(Default)]
struct Inner {
    pending: VecDeque<(String, String)>,
    first_poll: Option<Instant>,
    outcomes: HashMap<String, Outcome>,
    init_error: Option<String>,
    next_id: u64,
}

#[derive(Default)]
struct Shared {
    inner: Mutex<Inner>,
    changed: Condvar,
}

/// A running emulator on a loopback port.
pub struct RuntimeApi {
    address: String,
    shared: Arc<Shared>,
}

impl RuntimeApi {
    /// Starts an emulator on a free loopback port.
    pub fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let shared = Arc::new(Shared::default());
        let for_listener = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&for_listener);
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        RuntimeApi { address, shared }
    }

    /// `host:port`, for `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// When the function first asked for an event: the end of its init.
    /// `None` if it didn't within `timeout` (or reported an init error).
    pub fn first_poll(&self, timeout: Duration) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        let mut inner = self.shared.inner.lock().unwrap();
        loop {
            if inner.first_poll.is_some() || inner.init_error.is_some() {
                return inner.first_poll;
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            inner = self.shared.changed.wait_timeout(inner, left).unwrap().0;
        }
    }

    /// Hands `event` to the function and waits for its answer.
    pub fn invoke(&self, event: &str, timeout: Duration) -> Option<Outcome> {
        let deadline = Instant::now() + timeout;
        let mut inner = self.shared.inner.lock().unwrap();
        inner.next_id += 1;
        let id = format!("00000000-0000-4000-8000-{:012}", inner.next_id);
        inner.pending.push_back((id.clone(), event.to_owned()));
        self.shared.changed.notify_all();
        loop {
            if let Some(outcome) = inner.outcomes.remove(&id) {
                return Some(outcome);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            inner = self.shared.changed.wait_timeout(inner, left).unwrap().0;
        }
    }
}

/// One request off a keep-alive connection: method, path, body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut length = 0;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some((method, path, body))
}

fn serve(stream: TcpStream, shared: &Shared) {
    // Each answer is one write; without this, Nagle's algorithm would hold
    // it back behind the runtime's delayed ACK (40 ms on Linux).
    stream.set_nodelay(true).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    while let Some((method, path, body)) = read_request(&mut reader) {
        let route = path.trim_start_matches("/2018-06-01/runtime/");
        let written = if method == "GET" && route == "invocation/next" {
            let (id, event) = next_event(shared);
            let deadline_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 15_000;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 lambda-runtime-aws-request-id: {id}\r\nlambda-runtime-deadline-ms: {deadline_ms}\r\n\
                 lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:measured\r\n\
                 lambda-runtime-trace-id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n\r\n",
                event.len()
            );
            writer.write_all(format!("{head}{event}").as_bytes())
        } else {
            record(shared, route, body);
            writer.write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}")
        };
        if written.is_err() {
            return;
        }
    }
}

fn next_event(shared: &Shared) -> (String, String) {
    let mut inner = shared.inner.lock().unwrap();
    if inner.first_poll.is_none() {
        inner.first_poll = Some(Instant::now());
        shared.changed.notify_all();
    }
    loop {
        if let Some(next) = inner.pending.pop_front() {
            return next;
        }
        inner = shared.changed.wait(inner).unwrap();
    }
}

fn record(shared: &Shared, route: &str, body: Vec<u8>) {
    let at = Instant::now();
    let body = String::from_utf8_lossy(&body).into_owned();
    let mut inner = shared.inner.lock().unwrap();
    if route == "init/error" {
        inner.init_error = Some(body);
    } else if let Some(rest) = route.strip_prefix("invocation/") {
        if let Some((id, kind)) = rest.split_once('/') {
            let kind = if kind == "response" { "response" } else { "error" };
            inner.outcomes.insert(id.to_owned(), Outcome { kind, body, at });
        }
    }
    shared.changed.notify_all();
}
