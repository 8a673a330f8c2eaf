//! `sign-event`: sign a webhook body the way its provider does and write the
//! API Gateway event for it; regenerate or check `events/`; render one
//! sample at the time it is sent.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use sign_event::{
    api_gateway_event, preset_scheme, render_at, sign, stale_samples, write_samples, EventOptions, Message, TestKeys,
    ToolError, SAMPLES,
};

const USAGE: &str = "\
usage:
  sign-event sign <provider> --key-file FILE --input-file FILE [--tenant ID] [--base64]
                  [--message-id ID] [--timestamp UNIX_SECONDS] [--signed-url URL] [--out FILE]
      Signs as the preset <provider> (shared/providers.txt) does and prints an API
      Gateway HTTP API event. The input is the whole body, except Kravia's `data`
      object and receeve's `payload` object, around which the body is built. The key
      is the secret's text; for a public-key scheme, the PKCS#8 PEM private key.
      --signed-url is the URL a scheme that signs it (Square) was given.
  sign-event samples [--check] [--events-dir DIR]
      Regenerates every sample event from events/test-keys, or with --check lists
      the stale ones and fails.
  sign-event secret <provider> [--events-dir DIR]
      Prints what the provider's Secrets Manager secret holds for the test keys.
  sign-event sample <provider>/<name> [--timestamp UNIX_SECONDS] [--events-dir DIR]
      Prints that sample event signed at the time given (now by default): genuine
      samples stay genuine and forgeries forged.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sign-event: {error}");
            if matches!(error, ToolError::Usage(_)) {
                eprintln!("{USAGE}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), ToolError> {
    let (command, rest) = args.split_first().ok_or_else(|| usage("no command"))?;
    let mut flags = Flags::parse(rest)?;
    match command.as_str() {
        "sign" => {
            let provider = flags.positional(0, "provider")?;
            let signed_url = flags.value("--signed-url").unwrap_or_default();
            let scheme = preset_scheme(&provider, &signed_url)?;
            let key = read(&flags.path("--key-file")?)?;
            let input = read(&flags.path("--input-file")?)?;
            let message_id = flags.value("--message-id").unwrap_or_else(|| "msg_local_1".to_owned());
            let timestamp = match flags.value("--timestamp") {
                Some(text) => text.parse().map_err(|_| usage("--timestamp takes Unix seconds"))?,
                None => now(),
            };
            let options = Message {
                id: &message_id,
                timestamp,
            };
            let request = sign(&scheme, key.trim(), input.trim_end_matches('\n'), &options)?;
            let tenant = flags.value("--tenant");
            let event = api_gateway_event(
                &request,
                &EventOptions {
                    tenant: tenant.as_deref(),
                    base64_body: flags.switch("--base64"),
                    request_id: "sign-event",
                },
            );
            output(&serde_json::to_string_pretty(&event)?, flags.value("--out"))
        }
        "samples" => {
            let events_dir = PathBuf::from(flags.value("--events-dir").unwrap_or_else(|| "events".to_owned()));
            let keys = TestKeys::new(events_dir.join("test-keys"));
            if flags.switch("--check") {
                let stale = stale_samples(&events_dir, &keys)?;
                for path in &stale {
                    eprintln!("stale: {}", path.display());
                }
                if stale.is_empty() {
                    Ok(())
                } else {
                    Err(ToolError::Usage(
                        "events/ is stale: run `cargo run -p sign-event -- samples`".into(),
                    ))
                }
            } else {
                for path in write_samples(&events_dir, &keys)? {
                    println!("wrote {}", path.display());
                }
                Ok(())
            }
        }
        "secret" => {
            let provider = flags.positional(0, "provider")?;
            let events_dir = PathBuf::from(flags.value("--events-dir").unwrap_or_else(|| "events".to_owned()));
            let secret = TestKeys::new(events_dir.join("test-keys")).secret(&provider)?;
            output(secret.trim_end(), None)
        }
        "sample" => {
            let wanted = PathBuf::from(format!("{}.json", flags.positional(0, "<provider>/<name>")?));
            let sample = SAMPLES
                .iter()
                .find(|sample| sample.relative_path() == wanted)
                .ok_or_else(|| usage("no such sample: see events/<provider>/"))?;
            let timestamp = match flags.value("--timestamp") {
                Some(text) => text.parse().map_err(|_| usage("--timestamp takes Unix seconds"))?,
                None => now(),
            };
            let events_dir = PathBuf::from(flags.value("--events-dir").unwrap_or_else(|| "events".to_owned()));
            let keys = TestKeys::new(events_dir.join("test-keys"));
            output(render_at(sample, &keys, timestamp)?.trim_end(), None)
        }
        other => Err(usage(&format!("unknown command {other:?}"))),
    }
}

/// `--name value` options, `--switch`es and positional arguments.
struct Flags {
    named: Vec<(String, Option<String>)>,
    positional: Vec<String>,
}

impl Flags {
    const SWITCHES: [&'static str; 2] = ["--base64", "--check"];

    fn parse(args: &[String]) -> Result<Self, ToolError> {
        let mut flags = Flags {
            named: Vec::new(),
            positional: Vec::new(),
        };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if Self::SWITCHES.contains(&arg.as_str()) {
                flags.named.push((arg.clone(), None));
            } else if arg.starts_with("--") {
                let value = iter.next().ok_or_else(|| usage(&format!("{arg} needs a value")))?;
                flags.named.push((arg.clone(), Some(value.clone())));
            } else {
                flags.positional.push(arg.clone());
            }
        }
        Ok(flags)
    }

    fn value(&mut self, name: &str) -> Option<String> {
        self.named.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.clone())
    }

    fn path(&mut self, name: &str) -> Result<PathBuf, ToolError> {
        self.value(name)
            .map(PathBuf::from)
            .ok_or_else(|| usage(&format!("{name} is required")))
    }

    fn switch(&self, name: &str) -> bool {
        self.named.iter().any(|(n, _)| n == name)
    }

    fn positional(&self, index: usize, what: &str) -> Result<String, ToolError> {
        self.positional
            .get(index)
            .cloned()
            .ok_or_else(|| usage(&format!("{what} is required")))
    }
}

fn usage(message: &str) -> ToolError {
    ToolError::Usage(message.to_owned())
}

fn read(path: &Path) -> Result<String, ToolError> {
    std::fs::read_to_string(path).map_err(|source| ToolError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn output(text: &str, path: Option<String>) -> Result<(), ToolError> {
    match path {
        Some(path) => std::fs::write(&path, format!("{text}\n")).map_err(|source| ToolError::Io {
            path: PathBuf::from(path),
            source,
        }),
        None => {
            println!("{text}");
            Ok(())
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or_default()
}
