//! Cold start, first request and memory of the real function binaries,
//! each started as Lambda starts it, under our Runtime API emulator, with
//! AWS played by a local moto; beside them, in the same run, a hello-world
//! `lambda_runtime` binary built with the same profile: the floor.
//!
//! Each receiver is measured twice: against moto over plain HTTP on
//! loopback, and over HTTPS through TLS fronts whose CAs it trusts in place
//! of its built-in Amazon roots (`SSL_CERT_FILE`), which is how it talks to
//! AWS on Lambda: certificate loading, the TLS handshakes and aws-lc's
//! first random numbers (seeded by its CPU jitter entropy source, unless
//! built with `AWS_LC_SYS_NO_JITTER_ENTROPY=1`) are then part of what is
//! timed.
//!
//! Without `--cpu-share` each process has the whole machine; with it, the
//! share of a Lambda memory size (`cpu_share_run.rs`). `--large` measures
//! a delivery too large for the queue instead (`large_run.rs`), and
//! `--destinations` a warm request to the queue beside one to a bus
//! (`destinations_run.rs`).
//!
//! Usage: `coldstart <directory of release binaries> [runs] [requests]
//! [directory of another build of the receiver] [what is other about it]`
//! (`scripts/coldstart` builds them and runs this). Prints Markdown tables.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod cpu_share_run;
mod destinations_run;
mod large_run;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use coldstart::cold_start::{cold_start, median, ms, ratio, ColdStart};
use coldstart::function::{Launch, Measured};
use integration_tests::function::{Tls, MEASURED_PROVIDERS};
use integration_tests::runtime_api::RuntimeApi;
use integration_tests::{memory_kib, requests, Fixture};

/// Resident memory through `requests` requests in one process, in KiB.
struct Memory {
    after_first: u64,
    halfway: u64,
    after_last: u64,
    peak: u64,
}

fn memory(runtime: &tokio::runtime::Runtime, function: &Measured, requests: usize) -> Memory {
    let api = RuntimeApi::start();
    let (mut child, _) = function.start(&api, None);
    api.first_poll(Duration::from_secs(10)).unwrap();
    let resident = || memory_kib(Some(child.id()), "VmRSS");
    let (mut after_first, mut halfway) = (0, 0);
    for n in 0..requests {
        let outcome = api
            .invoke(&function.event(1_000_000 + n), Duration::from_secs(15))
            .unwrap();
        function.check(&outcome.body);
        if n == 0 {
            after_first = resident();
        }
        if n == requests / 2 {
            halfway = resident();
        }
        // Read the queue as a consumer would, so moto stays quick.
        if n % 250 == 249 {
            drain(runtime, std::slice::from_ref(function));
        }
    }
    let memory = Memory {
        after_first,
        halfway,
        after_last: resident(),
        peak: memory_kib(Some(child.id()), "VmHWM"),
    };
    child.kill().unwrap();
    child.wait().unwrap();
    memory
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.next_if_eq("--cpu-share").is_some() {
        return cpu_share_run::run(args);
    }
    if args.next_if_eq("--large").is_some() {
        return large_run::run(args);
    }
    if args.next_if_eq("--destinations").is_some() {
        return destinations_run::run(args);
    }
    let dir = PathBuf::from(args.next().expect("usage: coldstart <binaries dir> [runs] [requests]"));
    let runs: usize = args.next().map_or(10, |n| n.parse().unwrap());
    let requests: usize = args.next().map_or(1000, |n| n.parse().unwrap());
    let other_build = args.next().map(PathBuf::from);
    let other_build_label = args.next().unwrap_or_else(|| "another build".to_owned());
    let tls = Arc::new(Tls::start_for("coldstart"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let mut functions = vec![Measured {
        name: "hello-lambda".into(),
        launch: Launch::Binary(dir.join("hello-lambda")),
        receiver: None,
        env: vec![],
        tls: None,
    }];
    let mut without_warm_up = Vec::new();
    let mut over_tls = Vec::new();
    for provider in MEASURED_PROVIDERS {
        let fixture = Arc::new(runtime.block_on(async {
            let fixture = Fixture::new(&format!("coldstart-{provider}")).await;
            fixture
                .put_secret(&requests::test_keys().secret(provider).unwrap())
                .await;
            fixture
        }));
        let measured = |name: String, env, tls: Option<&Arc<Tls>>| Measured {
            name,
            launch: Launch::Binary(dir.join("receiver")),
            receiver: Some((provider, Arc::clone(&fixture))),
            env,
            tls: tls.map(Arc::clone),
        };
        functions.push(measured(provider.to_owned(), vec![], None));
        // The same binary told not to warm up in init, to show what the
        // warm-up moves from the first request into init.
        let no_warm_up = || vec![("INIT_WARM_UP_MS", "0".to_owned())];
        without_warm_up.push(measured(format!("{provider}, INIT_WARM_UP_MS=0"), no_warm_up(), None));
        over_tls.push(measured(format!("{provider}, TLS"), vec![], Some(&tls)));
        over_tls.push(measured(
            format!("{provider}, TLS, INIT_WARM_UP_MS=0"),
            no_warm_up(),
            Some(&tls),
        ));
        if provider == "kaunt" {
            let system_roots = tls.system_and_endpoint_roots_file.display().to_string();
            over_tls.push(measured(
                format!("{provider}, TLS, trusting the system's roots too (SSL_CERT_FILE)"),
                vec![("SSL_CERT_FILE", system_roots)],
                Some(&tls),
            ));
        }
        if let ("kaunt", Some(other)) = (provider, &other_build) {
            over_tls.push(Measured {
                launch: Launch::Binary(other.join("receiver")),
                ..measured(format!("{provider}, TLS, {other_build_label}"), vec![], Some(&tls))
            });
        }
    }
    let receivers = functions.len();
    functions.extend(without_warm_up);
    functions.extend(over_tls);
    for function in &functions {
        assert!(
            function.launch.path().exists(),
            "{} is not built",
            function.launch.path().display()
        );
    }

    // Interleaved, so that whatever else the machine does falls on every
    // function alike.
    let mut starts: Vec<Vec<ColdStart>> = functions.iter().map(|_| Vec::new()).collect();
    for run in 0..runs {
        for (function, samples) in functions.iter().zip(starts.iter_mut()) {
            samples.push(cold_start(function, run, None));
        }
        // The other rows share these rows' queues.
        drain(&runtime, &functions[..receivers]);
    }

    let summary: Vec<(Duration, Duration, Duration)> = starts
        .iter()
        .map(|samples| {
            (
                median(samples.iter().map(|s| s.init)),
                median(samples.iter().map(|s| s.first)),
                median(samples.iter().map(|s| s.warm)),
            )
        })
        .collect();
    let (floor_init, floor_first, _) = summary[0];
    println!("Cold start, median of {runs} (ms; ratios to hello-lambda in the same run)\n");
    println!("| function | init | × floor | first request | init + first | × floor | next request |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (function, (init, first, warm)) in functions.iter().zip(&summary) {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            function.name,
            ms(*init),
            ratio(*init, floor_init),
            ms(*first),
            ms(*init + *first),
            ratio(*init + *first, floor_init + floor_first),
            ms(*warm)
        );
    }

    println!("\nMemory through {requests} requests in one process (MiB)\n");
    println!("| function | resident after the first request | halfway | after the last | peak |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    let mib = |kib: u64| format!("{:.1}", kib as f64 / 1024.0);
    for function in &functions[..receivers] {
        let memory = memory(&runtime, function, requests);
        println!(
            "| {} | {} | {} | {} | {} |",
            function.name,
            mib(memory.after_first),
            mib(memory.halfway),
            mib(memory.after_last),
            mib(memory.peak)
        );
        drain(&runtime, std::slice::from_ref(function));
    }
}

/// Empties the queues, as a consumer would, so moto stays quick.
fn drain(runtime: &tokio::runtime::Runtime, functions: &[Measured]) {
    runtime.block_on(async {
        for function in functions {
            if let Some((_, fixture)) = &function.receiver {
                fixture.drain_raw().await;
            }
        }
    });
}
