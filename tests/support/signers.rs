//! The providers' own signers (`tests/signers/`), run as the presets'
//! tests and the large deliveries' test run them: what the provider's
//! library, or the documented algorithm written out, makes of each
//! delivery asked for, never this code's signer.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;
use sign_event::SignedRequest;

use super::workspace_dir;

/// The deliveries `sign.mjs` (with `node`: the npm libraries) or `sign.py`
/// (the PyPI libraries, or the documented algorithm) signs, one per entry
/// of `asked` (`{"preset", "key", "body", "id", "timestamp", "url"}`), each
/// with the name of what signed it.
pub fn signed_by_the_providers_signers(node: bool, asked: &[Value]) -> Vec<(SignedRequest, String)> {
    let root = workspace_dir();
    let mut command = if node {
        let mut node = Command::new("node");
        node.arg(root.join("tests/signers/sign.mjs"));
        node
    } else {
        let mut python = Command::new(root.join(".venv/bin/python"));
        python.arg(root.join("tests/signers/sign.py"));
        python
    };
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(Value::from(asked).to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the signer failed");
    let deliveries: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    deliveries
        .iter()
        .zip(asked)
        .map(|(delivery, asked)| {
            let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
            headers.extend(delivery["headers"].as_array().unwrap().iter().map(|pair| {
                (
                    pair[0].as_str().unwrap().to_owned(),
                    pair[1].as_str().unwrap().to_owned(),
                )
            }));
            let request = SignedRequest {
                provider: asked["preset"].as_str().unwrap().to_owned(),
                body: delivery["body"].as_str().unwrap().to_owned(),
                headers,
            };
            (request, delivery["signer"].as_str().unwrap().to_owned())
        })
        .collect()
}
