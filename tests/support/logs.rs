//! Capturing every log line, at every level and from every crate, to check
//! what receivers write.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;

/// The captured text.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// One writer handed to the subscriber.
pub struct CapturedWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = CapturedWriter;

    fn make_writer(&'a self) -> Self::Writer {
        CapturedWriter(Arc::clone(&self.0))
    }
}

/// `subscriber` as this thread's default until the guard is dropped. With
/// exactly one such dispatcher alive, tracing-core takes a shortcut that
/// computes callsite interest and the global maximum level from whichever
/// thread happens to register a callsite: a test thread without a
/// subscriber then turns every level off for the capturing one. A second
/// dispatcher that lives as long as the process keeps it off that path.
fn scoped(subscriber: impl tracing::Subscriber + Send + Sync + 'static) -> tracing::subscriber::DefaultGuard {
    static SECOND: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
    tracing::subscriber::set_default(subscriber)
}

/// Captures what the receivers' own subscriber writes at TRACE, from every
/// crate, on this thread until the guard is dropped. Use with a
/// current-thread runtime (plain `#[tokio::test]`).
pub fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = function_support::logging::subscriber(captured.clone(), Some("trace"), false);
    (captured, scoped(subscriber))
}

/// The receivers' INFO lines in Lambda's JSON log format, and each
/// request's line (a metrics document, JSON in any format), on this thread
/// until the guard is dropped: for tests that read what each request's
/// line says.
pub fn capture_json() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = function_support::logging::subscriber(captured.clone(), Some("webhook_receiver=info"), true);
    (captured, scoped(subscriber))
}

impl Captured {
    /// Every request's line (a metrics document) whose message is
    /// `message`.
    pub fn lines_saying(&self, message: &str) -> Vec<serde_json::Value> {
        self.text()
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|line| line.get("_aws").is_some() && line["message"] == message)
            .collect()
    }
}
