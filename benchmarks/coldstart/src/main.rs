//! Cold start, first request and memory of the real function binaries,
//! each started as Lambda starts it, under our Runtime API emulator, with
//! AWS played by a local moto; beside them, in the same run, a hello-world
//! `lambda_runtime` binary built with the same profile: the floor.
//!
//! Each receiver is measured twice: against moto over plain HTTP on
//! loopback, and over HTTPS through a TLS front with the system's trusted
//! roots plus the front's CA (`SSL_CERT_FILE`), which is how it talks to
//! AWS on Lambda: certificate loading, the TLS handshakes and aws-lc's
//! first random numbers (seeded by its CPU jitter entropy source, unless
//! built with `AWS_LC_SYS_NO_JITTER_ENTROPY=1`) are then part of what is
//! timed.
//!
//! Usage: `coldstart <directory of release binaries> [runs] [requests]
//! [directory of another build of the receiver] [what is other about it]`
//! (`scripts/coldstart` builds them and runs this). Prints Markdown tables.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use coldstart::runtime_api::RuntimeApi;
use coldstart::tls_front::TlsFront;
use integration_tests::{memory_kib, moto, requests, Fixture};
use webhook_receiver::Provider;

/// A function under measurement: its binary and, for receivers, the
/// queue and secret it uses.
struct Measured {
    name: String,
    binary: PathBuf,
    receiver: Option<(Provider, Arc<Fixture>)>,
    /// Settings beyond the defaults.
    env: Vec<(&'static str, String)>,
    /// AWS over HTTPS through this front, instead of moto over plain HTTP.
    tls: Option<Arc<Tls>>,
}

/// TLS fronts for the two services (two endpoints, as on AWS, so that
/// each gets its own connection) and the roots a function trusts with them.
struct Tls {
    sqs: TlsFront,
    secrets_manager: TlsFront,
    /// The system's trusted roots (as Lambda's one bundle holds them) and
    /// the fronts' CAs, for `SSL_CERT_FILE`.
    roots_file: PathBuf,
    /// The fronts' CAs alone: what trusting only the endpoints' roots
    /// would save.
    endpoint_roots_file: PathBuf,
}

impl Tls {
    fn start(dir: &Path) -> Tls {
        let sqs = TlsFront::start(&moto::server().endpoint, &dir.join("sqs"));
        let secrets_manager = TlsFront::start(&moto::server().endpoint, &dir.join("secrets-manager"));
        let mut endpoint_roots = Vec::new();
        for front in [&sqs, &secrets_manager] {
            endpoint_roots.extend(std::fs::read(&front.ca_file).unwrap());
        }
        let system_roots = "/etc/ssl/certs/ca-certificates.crt";
        let mut roots = std::fs::read(system_roots)
            .unwrap_or_else(|error| panic!("{system_roots}: {error} (the TLS rows trust the system's roots)"));
        roots.extend(&endpoint_roots);
        let roots_file = dir.join("roots.pem");
        std::fs::write(&roots_file, roots).unwrap();
        let endpoint_roots_file = dir.join("endpoint-roots.pem");
        std::fs::write(&endpoint_roots_file, endpoint_roots).unwrap();
        Tls {
            sqs,
            secrets_manager,
            roots_file,
            endpoint_roots_file,
        }
    }
}

impl Measured {
    fn start(&self, api: &RuntimeApi) -> Child {
        let mut command = Command::new(&self.binary);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", &self.name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", self.name))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "coldstart")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match &self.tls {
            Some(tls) => command
                .env("AWS_ENDPOINT_URL_SQS", &tls.sqs.endpoint)
                .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &tls.secrets_manager.endpoint)
                .env("SSL_CERT_FILE", &tls.roots_file),
            None => command.env("AWS_ENDPOINT_URL", &moto::server().endpoint),
        };
        if let Some((provider, fixture)) = &self.receiver {
            command
                .env("PROVIDER", provider.as_str())
                .env("SECRET_ID", &fixture.secret_id)
                .env("QUEUE_URL", &fixture.queue_url);
        }
        command.envs(self.env.iter().map(|(name, value)| (name, value)));
        command
            .spawn()
            .unwrap_or_else(|error| panic!("{}: {error}", self.binary.display()))
    }

    /// A genuine delivery (receivers) or any event (the floor).
    fn event(&self, n: usize) -> String {
        match &self.receiver {
            Some((provider, _)) => requests::numbered(*provider, n).to_string(),
            None => format!(r#"{{"n":{n}}}"#),
        }
    }

    fn check(&self, answer: &str) {
        if self.receiver.is_some() {
            let answer: serde_json::Value = serde_json::from_str(answer).unwrap();
            assert_eq!(answer["statusCode"], 200, "{}: {answer}", self.name);
        }
    }
}

/// One cold start: init, the first request, and the next one.
struct ColdStart {
    init: Duration,
    first: Duration,
    warm: Duration,
}

fn cold_start(function: &Measured, n: usize) -> ColdStart {
    let api = RuntimeApi::start();
    let spawned = Instant::now();
    let mut child = function.start(&api);
    let polled = api
        .first_poll(Duration::from_secs(10))
        .unwrap_or_else(|| panic!("{} never asked for an event", function.name));
    let timed = |n| {
        let event = function.event(n);
        let sent = Instant::now();
        let outcome = api.invoke(&event, Duration::from_secs(15)).unwrap();
        assert_eq!(outcome.kind, "response", "{}: {}", function.name, outcome.body);
        function.check(&outcome.body);
        outcome.at - sent
    };
    let first = timed(2 * n);
    let warm = timed(2 * n + 1);
    child.kill().unwrap();
    child.wait().unwrap();
    ColdStart {
        init: polled - spawned,
        first,
        warm,
    }
}

/// Resident memory through `requests` requests in one process, in KiB.
struct Memory {
    after_first: u64,
    halfway: u64,
    after_last: u64,
    peak: u64,
}

fn memory(runtime: &tokio::runtime::Runtime, function: &Measured, requests: usize) -> Memory {
    let api = RuntimeApi::start();
    let mut child = function.start(&api);
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

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

fn ratio(value: Duration, floor: Duration) -> String {
    format!("{:.1}×", value.as_secs_f64() / floor.as_secs_f64())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: coldstart <binaries dir> [runs] [requests]"));
    let runs: usize = args.next().map_or(10, |n| n.parse().unwrap());
    let requests: usize = args.next().map_or(1000, |n| n.parse().unwrap());
    let other_build = args.next().map(PathBuf::from);
    let other_build_label = args.next().unwrap_or_else(|| "another build".to_owned());
    let tls = Arc::new(Tls::start(
        &std::env::temp_dir().join(format!("coldstart-{}", std::process::id())),
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let mut functions = vec![Measured {
        name: "hello-lambda".into(),
        binary: dir.join("hello-lambda"),
        receiver: None,
        env: vec![],
        tls: None,
    }];
    let mut without_warm_up = Vec::new();
    let mut over_tls = Vec::new();
    for provider in Provider::ALL {
        let fixture = Arc::new(runtime.block_on(async {
            let fixture = Fixture::new(&format!("coldstart-{provider}")).await;
            fixture
                .put_secret(&requests::test_keys().secret(provider).unwrap())
                .await;
            fixture
        }));
        let measured = |name: String, env, tls: Option<&Arc<Tls>>| Measured {
            name,
            binary: dir.join("receiver"),
            receiver: Some((provider, Arc::clone(&fixture))),
            env,
            tls: tls.map(Arc::clone),
        };
        functions.push(measured(provider.as_str().to_owned(), vec![], None));
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
        if provider == Provider::Kaunt {
            let endpoint_roots = tls.endpoint_roots_file.display().to_string();
            over_tls.push(measured(
                format!("{provider}, TLS, trusting only the endpoints' roots"),
                vec![("SSL_CERT_FILE", endpoint_roots)],
                Some(&tls),
            ));
        }
        if let (Provider::Kaunt, Some(other)) = (provider, &other_build) {
            over_tls.push(Measured {
                binary: other.join("receiver"),
                ..measured(format!("{provider}, TLS, {other_build_label}"), vec![], Some(&tls))
            });
        }
    }
    let receivers = functions.len();
    functions.extend(without_warm_up);
    functions.extend(over_tls);
    for function in &functions {
        assert!(
            Path::new(&function.binary).exists(),
            "{} is not built",
            function.binary.display()
        );
    }

    // Interleaved, so that whatever else the machine does falls on every
    // function alike.
    let mut starts: Vec<Vec<ColdStart>> = functions.iter().map(|_| Vec::new()).collect();
    for run in 0..runs {
        for (function, samples) in functions.iter().zip(starts.iter_mut()) {
            samples.push(cold_start(function, run));
        }
        // The other rows share these rows' queues.
        drain(&runtime, &functions[..receivers]);
    }

    let summary: Vec<(Duration, Duration, Duration)> = starts
        .iter()
        .map(|samples| {
            (
                median(samples.iter().map(|s| s.init).collect()),
                median(samples.iter().map(|s| s.first).collect()),
                median(samples.iter().map(|s| s.warm).collect()),
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
