//! A function under measurement, and how the lab starts it as Lambda
//! would: a clean environment naming the Runtime API, the function's
//! settings, AWS at moto over plain HTTP or through TLS fronts.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use integration_tests::{moto, requests, Fixture};

use crate::cpu_share::Confinement;
use crate::runtime_api::RuntimeApi;
use crate::tls_front::TlsFront;

/// How the function's process is started.
#[derive(Debug, Clone)]
pub enum Launch {
    /// A `provided.al2023` bootstrap: the binary is the process.
    Binary(PathBuf),
    /// A managed runtime's interface client running a handler: `program`
    /// with `args`, in the function's directory (`LAMBDA_TASK_ROOT`).
    Runtime {
        /// The interpreter.
        program: PathBuf,
        /// The interface client and the handler's name.
        args: Vec<String>,
        /// Where the handler's code and its packages are.
        task_root: PathBuf,
    },
}

impl Launch {
    /// What must exist before the run can start.
    pub fn path(&self) -> &Path {
        match self {
            Launch::Binary(binary) => binary,
            Launch::Runtime { task_root, .. } => task_root,
        }
    }
}

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

/// A function under measurement: how it starts and, for receivers, the
/// queue and secret it uses.
pub struct Measured {
    /// Its row's name.
    pub name: String,
    /// Its process.
    pub launch: Launch,
    /// The provider whose deliveries it takes, and its queue and secret;
    /// `None` for the hello-world floor.
    pub receiver: Option<(&'static str, Arc<Fixture>)>,
    /// Settings beyond the defaults.
    pub env: Vec<(&'static str, String)>,
    /// AWS over HTTPS through these fronts, instead of moto over plain HTTP.
    pub tls: Option<Arc<Tls>>,
}

impl Measured {
    /// Starts the process against `api`, inside `confinement` if given,
    /// and says when it started.
    pub fn start(&self, api: &RuntimeApi, confinement: Option<&Confinement>) -> (Child, Instant) {
        let mut command = match &self.launch {
            Launch::Binary(binary) => Command::new(binary),
            Launch::Runtime {
                program,
                args,
                task_root,
            } => {
                let mut command = Command::new(program);
                command.args(args).current_dir(task_root);
                command
            }
        };
        as_lambda_starts_it(&mut command, api, &self.name);
        command
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Launch::Runtime { task_root, .. } = &self.launch {
            command.env("LAMBDA_TASK_ROOT", task_root);
        }
        match &self.tls {
            Some(tls) => command
                .env("AWS_ENDPOINT_URL_SQS", &tls.sqs.endpoint)
                .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &tls.secrets_manager.endpoint)
                // Each runtime's own way to trust the fronts, at the cost
                // of its default roots (see `Tls`).
                .env("SSL_CERT_FILE", &tls.endpoint_roots_file)
                .env("AWS_CA_BUNDLE", &tls.system_and_endpoint_roots_file)
                .env("NODE_EXTRA_CA_CERTS", &tls.endpoint_roots_file),
            None => command.env("AWS_ENDPOINT_URL", &moto::server().endpoint),
        };
        if let Some((provider, fixture)) = &self.receiver {
            command
                .env("PROVIDER", provider)
                .env("SECRET_ID", &fixture.secret_id)
                .env("QUEUE_URL", &fixture.queue_url);
        }
        command.envs(self.env.iter().map(|(name, value)| (name, value)));
        let started = match confinement {
            Some(confinement) => confinement.spawn(command),
            None => {
                let started = Instant::now();
                command.spawn().map(|child| (child, started))
            }
        };
        started.unwrap_or_else(|error| panic!("{}: {error}", self.launch.path().display()))
    }

    /// A genuine delivery (receivers) or any event (the floor).
    pub fn event(&self, n: usize) -> String {
        match &self.receiver {
            Some((provider, _)) => requests::numbered(provider, n).to_string(),
            None => format!(r#"{{"n":{n}}}"#),
        }
    }

    /// Panics unless a receiver answered 200.
    pub fn check(&self, answer: &str) {
        if self.receiver.is_some() {
            let answer: serde_json::Value = serde_json::from_str(answer).unwrap();
            assert_eq!(answer["statusCode"], 200, "{}: {answer}", self.name);
        }
    }
}
