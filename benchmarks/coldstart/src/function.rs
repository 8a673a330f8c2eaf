//! A function under measurement, and how the lab starts it as Lambda
//! would ([`as_lambda_starts_it`], with the tests' Runtime API emulator):
//! the function's settings, AWS at moto over plain HTTP or through TLS
//! fronts, inside a CPU share when asked.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use integration_tests::function::{as_lambda_starts_it, Tls};
use integration_tests::runtime_api::RuntimeApi;
use integration_tests::{moto, requests, Fixture};

use crate::cpu_share::Confinement;

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
