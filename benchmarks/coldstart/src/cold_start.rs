//! One cold start, timed as Lambda would bill and a caller would feel it.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use integration_tests::memory_kib;

use crate::cpu_share::{Confinement, CpuShare};
use crate::function::Measured;
use integration_tests::runtime_api::RuntimeApi;

/// What one cold start cost.
#[derive(Debug, Clone, Copy)]
pub struct ColdStart {
    /// From spawning the process to its first poll for an event.
    pub init: Duration,
    /// From handing it the first event to its answer.
    pub first: Duration,
    /// The next event, on the now warm process.
    pub warm: Duration,
    /// CPU spent from the process's start to its first answer, when it
    /// ran confined (the cgroup counts it).
    pub cpu_to_first_answer: Option<Duration>,
    /// The process's peak resident memory, in KiB, after both events.
    pub peak_kib: u64,
}

/// Starts `function` cold (inside the share of `share`'s memory size, if
/// given), sends it events `2n` and `2n + 1`, and stops it.
pub fn cold_start(function: &Measured, n: usize, share: Option<CpuShare>) -> ColdStart {
    let confinement = share.map(|share| Confinement::new(share).unwrap());
    let api = RuntimeApi::start();
    let (child, spawned) = function.start(&api, confinement.as_ref());
    let polled = api
        .first_poll(Duration::from_secs(60))
        .unwrap_or_else(|| panic!("{} never asked for an event", function.name));
    let timed = |n| {
        let event = function.event(n);
        let sent = Instant::now();
        let outcome = api.invoke(&event, Duration::from_secs(60)).unwrap();
        let cpu = confinement.as_ref().map(Confinement::cpu_used);
        assert_eq!(outcome.kind, "response", "{}: {}", function.name, outcome.body);
        function.check(&outcome.body);
        (outcome.at - sent, cpu)
    };
    let (first, cpu_to_first_answer) = timed(2 * n);
    let (warm, _) = timed(2 * n + 1);
    let peak_kib = memory_kib(Some(child.id()), "VmHWM");
    stop(child);
    drop(confinement);
    ColdStart {
        init: polled - spawned,
        first,
        warm,
        cpu_to_first_answer,
        peak_kib,
    }
}

/// Ends the process as Lambda ends an environment: SIGTERM, then SIGKILL
/// if it is still there a second later. (A process under `perf record`, as
/// `scripts/profile-coldstart` runs them, needs the SIGTERM to write its
/// profile.)
fn stop(mut child: Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(1);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The middle value (the upper one of an even count).
pub fn median<T: Ord + Copy>(values: impl IntoIterator<Item = T>) -> T {
    let mut values: Vec<T> = values.into_iter().collect();
    values.sort();
    values[values.len() / 2]
}

/// Milliseconds with one decimal, for the tables.
pub fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

/// `value` as a multiple of `floor`, for the tables.
pub fn ratio(value: Duration, floor: Duration) -> String {
    format!("{:.1}×", value.as_secs_f64() / floor.as_secs_f64())
}
