//! The destinations mode: a warm request to the Kaunt receiver putting its
//! envelope on the queue (`SendMessage`) beside one putting it on an
//! EventBridge bus (`PutEvents`), each in a warm process, held to a memory
//! size's CPU share when the machine allows cgroups (as root). Requests
//! alternate between the two processes, so that both meet the same moto at
//! the same moment; the bus has no rules, so its `PutEvents` is the call
//! alone, as in AWS, where a rule's delivery happens after the answer.
//! Each row: the time from handing the event over to the answer, and (in
//! a share) the CPU the process spent on it.
//!
//! Usage: `coldstart --destinations <directory of binaries> [requests]
//! [memory MB, 0 for the whole machine]` (`scripts/coldstart
//! --destinations` builds them and runs this).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coldstart::cold_start::{median, ms};
use coldstart::cpu_share::{Confinement, CpuShare};
use coldstart::function::{Launch, Measured};
use integration_tests::bus::Bus;
use integration_tests::runtime_api::RuntimeApi;
use integration_tests::{requests, Fixture};

pub(crate) fn run(mut args: impl Iterator<Item = String>) {
    let dir = PathBuf::from(
        args.next()
            .expect("usage: coldstart --destinations <binaries dir> [requests] [memory MB]"),
    );
    let count: usize = args.next().map_or(200, |n| n.parse().unwrap());
    let memory_mb: u32 = args.next().map_or(128, |n| n.parse().unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (fixture, bus) = runtime.block_on(async {
        let fixture = Fixture::new("coldstart-destinations").await;
        fixture
            .put_secret(&requests::test_keys().secret("kaunt").unwrap())
            .await;
        let bus = Bus::new(&fixture.aws, "coldstart-destinations").await;
        (fixture, bus)
    });
    let fixture = Arc::new(fixture);
    let receiver = |name: &str, env: Vec<(&'static str, String)>| Measured {
        name: name.into(),
        launch: Launch::Binary(dir.join("receiver")),
        receiver: Some(("kaunt", Arc::clone(&fixture))),
        env,
        tls: None,
    };
    let rows = [
        ("the queue (SendMessage)", receiver("kaunt-queue", Vec::new())),
        (
            "a bus (PutEvents)",
            receiver("kaunt-bus", vec![("EVENT_BUS_NAME", bus.name.clone())]),
        ),
    ];
    let share = CpuShare::of(memory_mb);
    // 0: the whole machine, as `scripts/coldstart --check` asks.
    let confined = memory_mb > 0 && Confinement::new(share).is_ok();
    let confinements: Vec<Option<Confinement>> = rows
        .iter()
        .map(|_| confined.then(|| Confinement::new(share).unwrap()))
        .collect();
    let started: Vec<_> = rows
        .iter()
        .zip(&confinements)
        .map(|((_, function), confinement)| {
            let api = RuntimeApi::start();
            let (child, _) = function.start(&api, confinement.as_ref());
            api.first_poll(Duration::from_secs(20)).unwrap();
            // Keys and connections warm, as in a warm function.
            let warm = api.invoke(&function.event(3_000_000), Duration::from_secs(20)).unwrap();
            function.check(&warm.body);
            (api, child)
        })
        .collect();

    let mut times: Vec<Vec<Duration>> = rows.iter().map(|_| Vec::new()).collect();
    let mut cpu: Vec<Vec<Duration>> = rows.iter().map(|_| Vec::new()).collect();
    for n in 0..count {
        let each = rows.iter().zip(&started).zip(&confinements);
        for ((((_, function), (api, _)), confinement), (times, cpu)) in each.zip(times.iter_mut().zip(cpu.iter_mut())) {
            let event = function.event(3_000_001 + n);
            let cpu_before = confinement.as_ref().map(Confinement::cpu_used);
            let begun = Instant::now();
            let outcome = api.invoke(&event, Duration::from_secs(20)).unwrap();
            times.push(begun.elapsed());
            if let Some((confinement, before)) = confinement.as_ref().zip(cpu_before) {
                cpu.push(confinement.cpu_used() - before);
            }
            function.check(&outcome.body);
        }
        // Read the queue as a consumer would, so moto stays quick.
        if n % 250 == 249 {
            runtime.block_on(fixture.drain_raw());
        }
    }
    for (_, mut child) in started {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    runtime.block_on(fixture.drain_raw());

    if confined {
        let percent = share.fraction() * 100.0;
        println!(
            "At {memory_mb} MB's CPU share ({percent:.1} % of a core); {count} warm requests each, alternating (ms)\n"
        );
    } else {
        println!("On the whole machine (no share asked, or no cgroups: not root); {count} warm requests each, alternating (ms)\n");
    }
    println!("| destination | median | p90 | p99 | CPU, median |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (((label, _), mut times), cpu) in rows.iter().zip(times).zip(cpu) {
        times.sort();
        let at = |fraction: f64| times[((times.len() as f64 * fraction) as usize).min(times.len() - 1)];
        let cpu = if cpu.is_empty() {
            "—".to_owned()
        } else {
            ms(median(cpu))
        };
        println!(
            "| {label} | {} | {} | {} | {cpu} |",
            ms(median(times.iter().copied())),
            ms(at(0.9)),
            ms(at(0.99))
        );
    }
}
