//! The release function under the Lambda runtime: settings read once at
//! init, each invocation run until its deadline.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use function_support::deadline::{as_instant, invocation_deadline};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;
use webhook_receiver::aws::AwsClients;

use crate::run::Release;
use crate::settings::setting_in_any_case;

/// Runs the release function under the Lambda runtime. A bad setting is
/// an error for every invocation, logged, never a crashed init.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    function_support::logging::init();
    let aws = function_support::sdk::sdk_config_loader().load().await;
    // The environment, read once for every setting the release looks up.
    let environment: Vec<_> = std::env::vars_os().collect();
    let release = Release::new(AwsClients::new(&aws), |name| {
        setting_in_any_case(environment.iter().cloned(), name)
    });
    if let Err(error) = &release {
        tracing::error!(error = %error, "misconfigured: every invocation will fail");
    }
    let release = Arc::new(release);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let release = Arc::clone(&release);
        async move {
            let release = release.as_ref().as_ref().map_err(|error| error.to_string())?;
            let started = Instant::now();
            let deadline = run_deadline(event.context.deadline, SystemTime::now(), started);
            let answer = release
                .run_until(&event.payload, deadline)
                .await
                .map_err(|error| error.to_string())?;
            tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "release finished");
            serde_json::to_value(answer).map_err(|error| error.to_string())
        }
    }))
    .await
}

/// When a run given `deadline_ms` (Lambda's `Lambda-Runtime-Deadline-Ms`)
/// at `now` must stop, on the monotonic clock: `None` for an emulator's
/// placeholder; a deadline already past is now, so the run stops after
/// one delivery and notes its progress ([`function_support::deadline`]).
fn run_deadline(deadline_ms: u64, now: SystemTime, now_instant: Instant) -> Option<Instant> {
    invocation_deadline(deadline_ms, now).map(|deadline| as_instant(deadline, now, now_instant))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use function_support::time::unix_millis as ms;

    use super::*;

    #[test]
    fn a_deadline_already_past_stops_the_run_now_and_only_a_placeholder_means_none() {
        let now = UNIX_EPOCH + Duration::from_secs(1_795_406_400);
        let started = Instant::now();
        let passed = now - Duration::from_secs(2);
        assert_eq!(run_deadline(ms(passed), now, started), Some(started));
        let in_a_minute = now + Duration::from_secs(60);
        assert_eq!(
            run_deadline(ms(in_a_minute), now, started),
            Some(started + Duration::from_secs(60))
        );
        assert_eq!(
            run_deadline(600_000, now, started),
            None,
            "cargo lambda watch's placeholder"
        );
    }
}
