//! Log set-up for every function: Lambda's log controls (`AWS_LAMBDA_LOG_LEVEL`,
//! else `RUST_LOG`, else INFO; `AWS_LAMBDA_LOG_FORMAT=JSON`), as
//! `lambda_runtime`'s default subscriber reads them, minus the one thing no
//! level may show: `lambda_runtime`'s TRACE dump of raw events (the body
//! and every header) is dropped. Metric lines ([`crate::metric_line`]) are
//! written as they are, in either format and whatever the level. What is
//! logged, and what never is: docs/choices.md ("What is logged?").

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::{filter_fn, EnvFilter, LevelFilter};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use crate::metric_line::LINE_TARGET;
use crate::setting::{process_env, value};

/// Crates of the Lambda runtime whose TRACE events carry whole requests.
const RUNTIME_TARGETS: [&str; 3] = ["lambda_runtime", "lambda_runtime_api_client", "lambda_http"];

/// Installs the functions' subscriber, writing to stdout (CloudWatch).
pub fn init() {
    let setting = |name| value(&process_env, name);
    let level = setting("AWS_LAMBDA_LOG_LEVEL").or_else(|| setting("RUST_LOG"));
    let json = setting("AWS_LAMBDA_LOG_FORMAT").is_some_and(|format| format.eq_ignore_ascii_case("json"));
    // A second init (tests) keeps the first subscriber; that is fine.
    let _ = subscriber(std::io::stdout, level.as_deref(), json).try_init();
}

/// The subscriber [`init`] installs, writing to `writer` at `level`
/// (directives; INFO when `None`): tests capture exactly what production
/// would log.
pub fn subscriber<W>(writer: W, level: Option<&str>, json: bool) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Clone + Send + Sync + 'static,
{
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .parse_lossy(level.unwrap_or_default());
    let lines = MetricLines(writer.clone()).with_filter(filter_fn(|metadata| metadata.target() == LINE_TARGET));
    let format = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_target(false)
        .without_time()
        .with_ansi(false);
    let format = if json { format.json().boxed() } else { format.boxed() };
    let not_a_line = filter_fn(|metadata| metadata.target() != LINE_TARGET);
    tracing_subscriber::registry()
        .with(filter_fn(not_a_raw_request))
        .with(format.with_filter(filter).with_filter(not_a_line))
        .with(lines)
}

/// Writes metric lines as they are: one JSON document per line.
struct MetricLines<W>(W);

impl<S: Subscriber, W: for<'w> MakeWriter<'w> + 'static> Layer<S> for MetricLines<W> {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        struct Message(String);
        impl Visit for Message {
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        message.0.push('\n');
        let _ = std::io::Write::write_all(&mut self.0.make_writer(), message.0.as_bytes());
    }
}

/// False for TRACE events of the Lambda runtime, which log raw requests.
fn not_a_raw_request(metadata: &Metadata<'_>) -> bool {
    *metadata.level() != Level::TRACE
        || !RUNTIME_TARGETS.iter().any(|runtime| {
            metadata.target() == *runtime
                || metadata
                    .target()
                    .strip_prefix(runtime)
                    .is_some_and(|rest| rest.starts_with("::"))
        })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(level: &str, json: bool, emit: impl FnOnce()) -> String {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        tracing::subscriber::with_default(subscriber(move || writer.clone(), Some(level), json), emit);
        let bytes = buffer.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn the_runtime_raw_event_is_never_logged_even_at_trace() {
        let text = logged("trace", false, || {
            tracing::trace!(target: "lambda_runtime::layers::api_response", body = "SECRET-BODY", "raw JSON event received from Lambda");
            tracing::trace!(target: "lambda_runtime", body = "SECRET-BODY-2", "raw");
            tracing::debug!(target: "lambda_runtime::runtime", "runtime debug stays");
            tracing::trace!(target: "webhook_receiver::receiver", "our trace stays");
            tracing::trace!(target: "lambda_runtime_extra", "an unrelated crate stays");
        });
        assert!(!text.contains("SECRET-BODY"), "{text}");
        assert!(
            text.contains("runtime debug stays") && text.contains("our trace stays"),
            "{text}"
        );
        assert!(text.contains("an unrelated crate stays"), "{text}");
    }

    #[test]
    fn metric_lines_are_written_as_they_are_whatever_the_level_and_format() {
        let document = r#"{"_aws":{},"message":"accepted","status":200}"#;
        for json in [false, true] {
            let text = logged("error", json, || tracing::info!(target: LINE_TARGET, "{}", document));
            assert_eq!(text, format!("{document}\n"));
        }
    }

    #[test]
    fn level_and_format_follow_the_settings() {
        let text = logged("warn", false, || {
            tracing::info!("quiet");
            tracing::warn!("loud");
        });
        assert!(!text.contains("quiet") && text.contains("loud"), "{text}");
        let json = logged("info", true, || tracing::info!(event_id = "e1", "accepted"));
        let line: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
        assert_eq!(line["fields"]["event_id"], "e1");
    }
}
