//! The `sign-event` command line, as a user runs it.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn sign_event(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sign-event"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .unwrap()
}

#[test]
fn sign_writes_an_event_with_the_providers_signature() {
    let dir = std::env::temp_dir().join(format!("sign-event-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("key.txt");
    let body = dir.join("body.json");
    std::fs::write(&key, "kaunt-test-secret\n").unwrap();
    std::fs::write(
        &body,
        r#"{"Id":"2125d21e-49a3-44fe-bc2e-a74e4fbba446","TenantId":"a9f76627-30b0-4ea4-915e-882b6f5f189e","EventType":"ModelReady"}"#,
    )
    .unwrap();
    let output = sign_event(&[
        "sign",
        "kaunt",
        "--key-file",
        key.to_str().unwrap(),
        "--input-file",
        body.to_str().unwrap(),
        "--tenant",
        "t1",
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let event: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // The same digest openssl gives: see the Kaunt unit tests.
    assert_eq!(
        event["headers"]["x-signature-sha256"],
        "334ef0322e957d4d1bb2b8a073496b71edbbd1ce2d8120e34905854fa4b77f55"
    );
    assert_eq!(event["pathParameters"]["tenant"], "t1");
    assert_eq!(event["rawPath"], "/webhooks/kaunt/t1");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn samples_check_passes_on_the_committed_events() {
    let output = sign_event(&["samples", "--check"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn bad_usage_fails_with_the_usage_text() {
    let output = sign_event(&["sign", "nobody"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage:"));
}
