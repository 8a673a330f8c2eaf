//! The large-delivery mode: what a delivery too large for the queue costs
//! the Kaunt receiver, with `PAYLOAD_BUCKET` set, held to a memory size's
//! CPU share (when the machine allows cgroups: as root; otherwise on the
//! whole machine, and said so). Each row is a fresh process that answers
//! one small delivery first (so that keys and connections are warm, as in
//! a warm function) and then the measured one: the time from handing the
//! event over to the answer, the CPU that took, and the process's peak
//! resident memory, beside the peak before it. The 1 KiB delivery goes
//! inline; the 4 MB ones, as JSON passed as text and as a body passed
//! base64, go through S3.
//!
//! Usage: `coldstart --large <directory of binaries> [runs] [memory MB, 0
//! for the whole machine]` (`scripts/coldstart --large` builds them and
//! runs this).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coldstart::cold_start::{median, ms};
use coldstart::cpu_share::{Confinement, CpuShare};
use coldstart::function::{Launch, Measured};
use integration_tests::runtime_api::RuntimeApi;
use integration_tests::{memory_kib, requests, Fixture};

/// One kind of delivery measured.
struct Delivery {
    label: &'static str,
    body: String,
    base64: bool,
}

/// One measured request.
struct Sample {
    answer: Duration,
    cpu: Option<Duration>,
    peak_before_kib: u64,
    peak_kib: u64,
}

pub(crate) fn run(mut args: impl Iterator<Item = String>) {
    let dir = PathBuf::from(
        args.next()
            .expect("usage: coldstart --large <binaries dir> [runs] [memory MB]"),
    );
    let runs: usize = args.next().map_or(5, |n| n.parse().unwrap());
    let memory_mb: u32 = args.next().map_or(128, |n| n.parse().unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (fixture, bucket) = runtime.block_on(async {
        let fixture = Fixture::new("coldstart-large").await;
        fixture
            .put_secret(&requests::test_keys().secret("kaunt").unwrap())
            .await;
        let bucket = fixture.payload_bucket().await;
        (fixture, bucket)
    });
    let fixture = Arc::new(fixture);
    let function = Measured {
        name: "kaunt".into(),
        launch: Launch::Binary(dir.join("receiver")),
        receiver: Some(("kaunt", Arc::clone(&fixture))),
        env: vec![("PAYLOAD_BUCKET", bucket)],
        tls: None,
    };
    let share = CpuShare::of(memory_mb);
    // 0: the whole machine, as `scripts/coldstart --check` asks.
    let confined = memory_mb > 0 && Confinement::new(share).is_ok();
    let deliveries = [
        Delivery {
            label: "1 KiB (inline)",
            body: requests::large_kaunt_body("small", 1024),
            base64: false,
        },
        Delivery {
            label: "4 MB JSON, passed as text (through S3)",
            body: requests::large_kaunt_body("large-text", 4_000_000),
            base64: false,
        },
        Delivery {
            label: "4 MB, passed base64 (through S3)",
            body: requests::large_kaunt_body("large-base64", 4_000_000),
            base64: true,
        },
    ];
    let events: Vec<String> = deliveries
        .iter()
        .map(|delivery| {
            let signed = requests::signed("kaunt", &delivery.body, None);
            requests::http_api_json(&signed, None, delivery.base64).to_string()
        })
        .collect();

    let mut samples: Vec<Vec<Sample>> = deliveries.iter().map(|_| Vec::new()).collect();
    for run in 0..runs {
        for (event, samples) in events.iter().zip(samples.iter_mut()) {
            let confinement = confined.then(|| Confinement::new(share).unwrap());
            samples.push(measure(&function, confinement.as_ref(), event, run));
        }
        runtime.block_on(async {
            fixture.drain_raw().await;
        });
    }

    let mib = |kib: u64| format!("{:.1}", kib as f64 / 1024.0);
    if confined {
        let percent = share.fraction() * 100.0;
        println!("At {memory_mb} MB's CPU share ({percent:.1} % of a core); medians of {runs} (ms, MiB)\n");
    } else {
        println!("On the whole machine (no share asked, or no cgroups: not root); medians of {runs} (ms, MiB)\n");
    }
    println!("| delivery | event (MB) | time to the answer | CPU | peak before | peak | peak − before | ÷ body |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for ((delivery, event), samples) in deliveries.iter().zip(&events).zip(&samples) {
        let before = median(samples.iter().map(|s| s.peak_before_kib));
        let peak = median(samples.iter().map(|s| s.peak_kib));
        let grown = median(samples.iter().map(|s| s.peak_kib.saturating_sub(s.peak_before_kib)));
        let cpu = samples
            .iter()
            .map(|s| s.cpu)
            .collect::<Option<Vec<_>>>()
            .map_or("—".to_owned(), |cpu| ms(median(cpu)));
        // A small body's growth is a page or two, not copies of it.
        let copies = match delivery.body.len() {
            0..65_536 => "—".to_owned(),
            bytes => format!("{:.1}", grown as f64 * 1024.0 / bytes as f64),
        };
        println!(
            "| {} | {:.1} | {} | {} | {} | {} | {} | {} |",
            delivery.label,
            event.len() as f64 / 1e6,
            ms(median(samples.iter().map(|s| s.answer))),
            cpu,
            mib(before),
            mib(peak),
            mib(grown),
            copies
        );
    }
}

/// One fresh process: a small warm-up delivery, then `event`, measured.
fn measure(function: &Measured, confinement: Option<&Confinement>, event: &str, run: usize) -> Sample {
    let api = RuntimeApi::start();
    let (mut child, _) = function.start(&api, confinement);
    api.first_poll(Duration::from_secs(20)).unwrap();
    let warm = api
        .invoke(&function.event(2_000_000 + run), Duration::from_secs(20))
        .unwrap();
    function.check(&warm.body);
    let peak_before_kib = memory_kib(Some(child.id()), "VmHWM");
    let cpu_before = confinement.map(Confinement::cpu_used);
    let started = Instant::now();
    let outcome = api.invoke(event, Duration::from_secs(60)).unwrap();
    let answer = started.elapsed();
    function.check(&outcome.body);
    let sample = Sample {
        answer,
        cpu: confinement.zip(cpu_before).map(|(c, before)| c.cpu_used() - before),
        peak_before_kib,
        peak_kib: memory_kib(Some(child.id()), "VmHWM"),
    };
    child.kill().unwrap();
    child.wait().unwrap();
    sample
}
