//! Starting a real function binary as Lambda does, for the tests that run
//! the built binaries (and the cold-start lab, which measures them): a
//! clean environment naming the Runtime API ([`crate::runtime_api`]), and
//! AWS at moto, over plain HTTP or through TLS fronts
//! ([`crate::tls_front`]).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::moto;
use crate::runtime_api::RuntimeApi;
use crate::tls_front::TlsFront;
use crate::Fixture;

/// Clears `command`'s environment and gives it what Lambda gives a
/// function (`name`, a 128 MB memory size, the Runtime API at `api`) and
/// what it needs to reach moto: a region, test credentials, no instance
/// metadata. The lab's rows and the receiver's binary tests start alike.
pub fn as_lambda_starts_it(command: &mut Command, api: &RuntimeApi, name: &str) {
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", api.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "coldstart")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true");
}

/// The receiver binary at `binary` (the test's `CARGO_BIN_EXE_receiver`),
/// started as Lambda starts it for `provider`, on `fixture`'s secret and
/// queue at moto, with `settings` besides; returned once it asked for its
/// first event.
pub fn started_receiver(
    binary: &str,
    api: &RuntimeApi,
    fixture: &Fixture,
    provider: &str,
    settings: &[(&str, &str)],
) -> Child {
    let mut command = Command::new(binary);
    as_lambda_starts_it(&mut command, api, &format!("{provider}-receiver"));
    let child = command
        .env("AWS_ENDPOINT_URL", &moto::server().endpoint)
        .env("PROVIDER", provider)
        .env("SECRET_ID", &fixture.secret_id)
        .env("QUEUE_URL", &fixture.queue_url)
        .envs(settings.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    api.first_poll(Duration::from_secs(20))
        .expect("the receiver never asked for an event");
    child
}

/// The Kaunt receiver `binary` (the test's `CARGO_BIN_EXE_receiver`) on
/// `fixture`'s secret and queue, started as Lambda starts it, with
/// `settings` beside those, and the emulator it polls.
pub fn started_kaunt(binary: &str, fixture: &Fixture, settings: &[(&str, String)]) -> (RuntimeApi, Child) {
    let api = RuntimeApi::start();
    let settings: Vec<(&str, &str)> = settings.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let child = started_receiver(binary, &api, fixture, "kaunt", &settings);
    (api, child)
}

/// The status of a receiver's answer to `event` (an API Gateway event,
/// as JSON), handed to it through `api`: it must answer, not fail.
pub fn status_of(api: &RuntimeApi, event: &serde_json::Value) -> u64 {
    let outcome = api.invoke(&event.to_string(), Duration::from_secs(30)).unwrap();
    assert_eq!(outcome.kind, "response", "{}", outcome.body);
    let answer: serde_json::Value = serde_json::from_str(&outcome.body).unwrap();
    answer["statusCode"].as_u64().unwrap()
}

/// Stops a function started by [`started_receiver`].
pub fn stop(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

/// The system's trusted roots in one bundle, as Amazon Linux keeps them.
pub const SYSTEM_ROOTS: &str = "/etc/ssl/certs/ca-certificates.crt";

/// TLS fronts for the two services (two endpoints, as on AWS, so that
/// each gets its own connection) and the roots a function trusts with them.
pub struct Tls {
    /// SQS's front.
    pub sqs: TlsFront,
    /// Secrets Manager's front.
    pub secrets_manager: TlsFront,
    /// The system's trusted roots and the fronts' CAs in one bundle: what
    /// Python's botocore is given (its default is a bundle of that size),
    /// and what our receiver pays when an operator points `SSL_CERT_FILE`
    /// at the system's store.
    pub system_and_endpoint_roots_file: PathBuf,
    /// The fronts' CAs alone: what our receiver trusts in place of its five
    /// built-in Amazon roots (`SSL_CERT_FILE`), and what Node.js adds to
    /// the roots it carries (`NODE_EXTRA_CA_CERTS`).
    pub endpoint_roots_file: PathBuf,
}

impl Tls {
    /// Starts both fronts with their roots in a fresh temporary directory
    /// named after `label` and this process.
    pub fn start_for(label: &str) -> Tls {
        Tls::start(&std::env::temp_dir().join(format!("{label}-{}", std::process::id())))
    }

    /// Starts both fronts before moto, writing their roots under `dir`.
    fn start(dir: &Path) -> Tls {
        let sqs = TlsFront::start(&moto::server().endpoint, &dir.join("sqs"));
        let secrets_manager = TlsFront::start(&moto::server().endpoint, &dir.join("secrets-manager"));
        let mut endpoint_roots = Vec::new();
        for front in [&sqs, &secrets_manager] {
            endpoint_roots.extend(std::fs::read(&front.ca_file).unwrap());
        }
        let mut roots = std::fs::read(SYSTEM_ROOTS)
            .unwrap_or_else(|error| panic!("{SYSTEM_ROOTS}: {error} (the TLS rows trust the system's roots)"));
        roots.extend(&endpoint_roots);
        let system_and_endpoint_roots_file = dir.join("roots.pem");
        std::fs::write(&system_and_endpoint_roots_file, roots).unwrap();
        let endpoint_roots_file = dir.join("endpoint-roots.pem");
        std::fs::write(&endpoint_roots_file, endpoint_roots).unwrap();
        Tls {
            sqs,
            secrets_manager,
            system_and_endpoint_roots_file,
            endpoint_roots_file,
        }
    }
}

/// The receivers the lab measures: the five providers the product began
/// with (Kaunt, Smart KYC and Codat among them as descriptions, Kravia and
/// receeve as code), which is every kind of scheme.
pub const MEASURED_PROVIDERS: [&str; 5] = ["kravia", "kaunt", "receeve", "smartkyc", "codat"];
