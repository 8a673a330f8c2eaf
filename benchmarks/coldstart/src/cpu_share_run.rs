//! The CPU-share mode: cold starts as Lambda sees them at each memory
//! size, each process held to its share of one core (`cpu_share.rs`), our
//! Kaunt receiver beside the hello-world floor and beside the Kaunt
//! receivers a team would otherwise write in Python and Node.js
//! (`benchmarks/peers`, run by AWS's official runtime interface clients).
//!
//! Usage: `coldstart --cpu-share <directory of release binaries> <peers
//! directory> [runs] [memory sizes, comma-separated] [rows: some of floor,
//! ours, cuts, python, node]` (`scripts/coldstart --cpu-share` builds and
//! installs them and runs this; `scripts/profile-coldstart` runs only ours
//! and the floor, under perf).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coldstart::cold_start::{cold_start, median, ms, ratio, ColdStart};
use coldstart::cpu_share::{CpuShare, ONE_VCPU_MB};
use coldstart::function::{Launch, Measured};
use integration_tests::function::Tls;
use integration_tests::{requests, Fixture};

/// The sizes the issue asks about: the template's, two steps up, and one
/// full vCPU.
const DEFAULT_SIZES: [u32; 4] = [128, 256, 512, 1_769];

/// Which language a row is written in, for the comparison table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Floor,
    Ours,
    /// Ours with a setting changed, to show what the setting costs.
    OursVariant,
    /// Ours with one of the cold-start cuts undone (a setting or an older
    /// build), to show what the cut was worth.
    Cut,
    Python,
    Node,
}

impl Kind {
    fn named(name: &str) -> Kind {
        match name {
            "floor" => Kind::Floor,
            "ours" => Kind::Ours,
            "python" => Kind::Python,
            "node" => Kind::Node,
            "cuts" => Kind::Cut,
            other => panic!("{other}: rows are floor, ours, cuts, python and node"),
        }
    }
}

struct Row {
    kind: Kind,
    tls: bool,
    function: Measured,
}

pub(crate) fn run(mut args: impl Iterator<Item = String>) {
    let usage = "usage: coldstart --cpu-share <binaries dir> <peers dir> [runs] [sizes] [rows]";
    let dir = PathBuf::from(args.next().expect(usage));
    let peers = std::fs::canonicalize(args.next().expect(usage)).unwrap();
    let runs: usize = args.next().map_or(10, |n| n.parse().unwrap());
    let sizes: Vec<u32> = args.next().map_or(DEFAULT_SIZES.to_vec(), |list| {
        list.split(',').map(|size| size.trim().parse().unwrap()).collect()
    });
    let kinds: Option<Vec<Kind>> = args
        .next()
        .map(|list| list.split(',').map(|name| Kind::named(name.trim())).collect());
    let tls = Arc::new(Tls::start_for("coldstart-share"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Kaunt's receiver unless `COLDSTART_PROVIDER` names another preset
    // (the peers are Kaunt receivers: compare them with Kaunt's).
    let provider = std::env::var("COLDSTART_PROVIDER")
        .ok()
        .and_then(|name| webhook_receiver::schemes::Preset::named(&name))
        .map_or("kaunt", |preset| preset.name);
    let fixture = Arc::new(runtime.block_on(async {
        let fixture = Fixture::new("coldstart-share").await;
        fixture.put_test_keys(provider).await;
        fixture
    }));
    let mut rows = rows(&dir, &peers, provider, &fixture, &tls);
    if let Some(kinds) = kinds {
        // The floor stays: every ratio is to it.
        rows.retain(|row| {
            row.kind == Kind::Floor
                || kinds.contains(&row.kind)
                || (row.kind == Kind::OursVariant && kinds.contains(&Kind::Ours))
        });
    }
    for row in &rows {
        let path = row.function.launch.path();
        assert!(path.exists(), "{} is missing", path.display());
    }
    let round_trips = runtime.block_on(aws_round_trips(&fixture, provider));

    // Interleaved over sizes and rows, so that whatever else the machine
    // does falls on every row alike.
    let mut starts: Vec<Vec<Vec<ColdStart>>> = sizes
        .iter()
        .map(|_| rows.iter().map(|_| Vec::new()).collect())
        .collect();
    for run in 0..runs {
        for (size, samples) in sizes.iter().zip(starts.iter_mut()) {
            let share = CpuShare::of(*size);
            for (row, samples) in rows.iter().zip(samples.iter_mut()) {
                samples.push(cold_start(&row.function, run, Some(share)));
            }
            runtime.block_on(fixture.drain_raw());
        }
    }

    let period = CpuShare::of(ONE_VCPU_MB).period();
    println!(
        "Cold start at Lambda's CPU share, median of {runs} per row (ms; CFS period {} ms; \
         the two AWS round trips, GetSecretValue and SendMessage on a warm connection \
         from outside the share, took {} ms)\n",
        ms(period),
        ms(round_trips)
    );
    let mut comparisons = Vec::new();
    for (size, samples) in sizes.iter().zip(&starts) {
        let share = CpuShare::of(*size);
        let summary: Vec<Summary> = samples.iter().map(|samples| Summary::of(samples)).collect();
        let floor = summary[0];
        println!("**{size} MB** ({:.1} % of a core)\n", share.fraction() * 100.0);
        println!(
            "| function | init | first request | init + first | × floor | × (floor + round trips) | \
             next request | CPU to first answer | × floor | peak memory (MiB) |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (row, summary) in rows.iter().zip(&summary) {
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} |",
                row.function.name,
                ms(summary.init),
                ms(summary.first),
                ms(summary.total),
                ratio(summary.total, floor.total),
                ratio(summary.total, floor.total + round_trips),
                ms(summary.warm),
                ms(summary.cpu),
                ratio(summary.cpu, floor.cpu),
                summary.peak_kib as f64 / 1024.0
            );
        }
        println!();
        comparisons.push((*size, summary));
    }

    let has = |kind| rows.iter().any(|row| row.kind == kind);
    if !(has(Kind::Ours) && has(Kind::Python) && has(Kind::Node)) {
        return;
    }
    println!("Beside the peers, as ratios within this run (theirs ÷ ours; above 1 means ours is ahead)\n");
    println!("| memory | transport | Python cold total | Node.js cold total | Python CPU to first answer | Node.js CPU to first answer |");
    println!("| ---: | --- | ---: | ---: | ---: | ---: |");
    for (size, summary) in &comparisons {
        for tls in [false, true] {
            let find = |kind| {
                rows.iter()
                    .zip(summary)
                    .find(|(row, _)| row.kind == kind && row.tls == tls)
                    .map(|(_, summary)| *summary)
                    .unwrap()
            };
            let (ours, python, node) = (find(Kind::Ours), find(Kind::Python), find(Kind::Node));
            println!(
                "| {size} MB | {} | {} | {} | {} | {} |",
                if tls { "TLS" } else { "plain HTTP" },
                ratio(python.total, ours.total),
                ratio(node.total, ours.total),
                ratio(python.cpu, ours.cpu),
                ratio(node.cpu, ours.cpu)
            );
        }
    }
}

/// A row's medians at one size.
#[derive(Debug, Clone, Copy)]
struct Summary {
    init: Duration,
    first: Duration,
    total: Duration,
    warm: Duration,
    cpu: Duration,
    peak_kib: u64,
}

impl Summary {
    fn of(samples: &[ColdStart]) -> Summary {
        Summary {
            init: median(samples.iter().map(|s| s.init)),
            first: median(samples.iter().map(|s| s.first)),
            total: median(samples.iter().map(|s| s.init + s.first)),
            warm: median(samples.iter().map(|s| s.warm)),
            cpu: median(samples.iter().map(|s| s.cpu_to_first_answer.unwrap_or_default())),
            peak_kib: median(samples.iter().map(|s| s.peak_kib)),
        }
    }
}

fn rows(
    dir: &std::path::Path,
    peers: &std::path::Path,
    provider: &'static str,
    fixture: &Arc<Fixture>,
    tls: &Arc<Tls>,
) -> Vec<Row> {
    let python = Launch::Runtime {
        program: peers.join("python/venv/bin/python"),
        args: vec!["-m".into(), "awslambdaric".into(), "receiver.handler".into()],
        task_root: peers.join("python"),
    };
    let node = Launch::Runtime {
        program: PathBuf::from("node"),
        args: vec![
            "node_modules/aws-lambda-ric/bin/index.mjs".into(),
            "receiver.handler".into(),
        ],
        task_root: peers.join("node"),
    };
    let receiver = Launch::Binary(dir.join("receiver"));
    let mut rows = vec![Row {
        kind: Kind::Floor,
        tls: false,
        function: Measured {
            name: "hello-lambda (the floor)".into(),
            launch: Launch::Binary(dir.join("hello-lambda")),
            receiver: None,
            env: vec![],
            tls: None,
        },
    }];
    for tls_front in [None, Some(tls)] {
        let transport = if tls_front.is_some() { "TLS" } else { "plain HTTP" };
        let row = |kind, name: &str, launch: &Launch, env: Vec<(&'static str, String)>| Row {
            kind,
            tls: tls_front.is_some(),
            function: Measured {
                name: format!("{name}, {transport}"),
                launch: launch.clone(),
                receiver: Some((provider, Arc::clone(fixture))),
                env,
                tls: tls_front.map(Arc::clone),
            },
        };
        rows.push(row(Kind::Ours, "ours (Rust)", &receiver, vec![]));
        rows.push(row(
            Kind::OursVariant,
            "ours, INIT_WARM_UP_MS=0",
            &receiver,
            vec![("INIT_WARM_UP_MS", "0".into())],
        ));
        // What each cut was worth, in this run: the cuts a setting can undo,
        // and other builds of the receiver (`COLDSTART_BUILDS`).
        if tls_front.is_none() {
            let system_roots = integration_tests::function::SYSTEM_ROOTS.to_owned();
            rows.push(row(
                Kind::Cut,
                "ours, trusting the system's bundle (SSL_CERT_FILE)",
                &receiver,
                vec![("SSL_CERT_FILE", system_roots)],
            ));
        }
        for (label, build) in other_builds() {
            rows.push(row(
                Kind::Cut,
                &format!("ours, {label}"),
                &Launch::Binary(build.join("receiver")),
                vec![],
            ));
        }
        rows.push(row(Kind::Python, "Python (boto3, awslambdaric)", &python, vec![]));
        rows.push(row(Kind::Node, "Node.js (AWS SDK v3, aws-lambda-ric)", &node, vec![]));
    }
    rows
}

/// Other builds of the receiver to measure beside this one:
/// `COLDSTART_BUILDS="label=directory;label=directory"`, each directory
/// holding a `receiver` (BENCHMARKS.md says how the cuts' builds were
/// made).
fn other_builds() -> Vec<(String, PathBuf)> {
    std::env::var("COLDSTART_BUILDS")
        .unwrap_or_default()
        .split(';')
        .filter_map(|entry| entry.split_once('='))
        .map(|(label, dir)| (label.trim().to_owned(), PathBuf::from(dir.trim())))
        .collect()
}

/// The two calls a receiver's cold start can't avoid, timed from here (a
/// full core): the median of eleven of each (the first on a new
/// connection), summed.
async fn aws_round_trips(fixture: &Fixture, provider: &str) -> Duration {
    let mut secret = Vec::new();
    let mut send = Vec::new();
    let body = requests::numbered(provider, 0).to_string();
    for _ in 0..11 {
        let started = Instant::now();
        fixture.current_secret().await;
        secret.push(started.elapsed());
        let started = Instant::now();
        fixture
            .sqs
            .send_message()
            .queue_url(&fixture.queue_url)
            .message_body(&body)
            .send()
            .await
            .unwrap();
        send.push(started.elapsed());
    }
    fixture.drain_raw().await;
    median(secret) + median(send)
}
