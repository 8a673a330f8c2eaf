//! The receiver binary reaching AWS over TLS, as on Lambda (under the
//! tests' Runtime API emulator, moto behind their TLS fronts): it trusts
//! Amazon's roots and no others unless `SSL_CERT_FILE` names its own
//! (`shared/function-support/src/trusted_roots.rs`), an endpoint it can't trust is a 503 and not
//! a crash, and init's warm-up opens both connections so that the first
//! request makes no TLS handshake of its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use integration_tests::function::{as_lambda_starts_it, Tls};
use integration_tests::runtime_api::RuntimeApi;
use integration_tests::{requests, Fixture};
use serde_json::Value;

const PROVIDER: &str = "kaunt";

/// The binary started as Lambda starts it, AWS behind `tls`, with
/// `settings` beside the runtime's own variables.
fn start(api: &RuntimeApi, tls: &Tls, fixture: &Fixture, settings: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_receiver"));
    as_lambda_starts_it(&mut command, api, "receiver-under-test");
    command
        .env("AWS_ENDPOINT_URL_SQS", &tls.sqs.endpoint)
        .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &tls.secrets_manager.endpoint)
        .env("PROVIDER", PROVIDER)
        .env("SECRET_ID", &fixture.secret_id)
        .env("QUEUE_URL", &fixture.queue_url)
        .envs(settings.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Both fronts' handshakes so far: (Secrets Manager, SQS).
fn handshakes(tls: &Tls) -> (usize, usize) {
    (tls.secrets_manager.handshakes(), tls.sqs.handshakes())
}

/// Waits for init to end, then sends one genuine delivery; the answer's
/// status, and the handshakes made by the end of init and by the answer.
fn first_request(mut child: Child, api: &RuntimeApi, tls: &Tls) -> (u64, (usize, usize), (usize, usize)) {
    api.first_poll(Duration::from_secs(20))
        .expect("the receiver never asked for an event");
    let after_init = handshakes(tls);
    let outcome = api
        .invoke(&requests::numbered(PROVIDER, 1).to_string(), Duration::from_secs(20))
        .unwrap();
    let after_answer = handshakes(tls);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(outcome.kind, "response", "{}", outcome.body);
    let answer: Value = serde_json::from_str(&outcome.body).unwrap();
    (answer["statusCode"].as_u64().unwrap(), after_init, after_answer)
}

async fn fixture(name: &str) -> Fixture {
    let fixture = Fixture::new(name).await;
    fixture.put_test_keys(PROVIDER).await;
    fixture
}

fn fronts(name: &str) -> Tls {
    Tls::start_for(&format!("receiver-tls-{name}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_whose_ca_is_not_amazons_is_refused_with_a_503() {
    let fixture = fixture("tls-untrusted").await;
    let tls = fronts("untrusted");
    let api = RuntimeApi::start();
    let child = start(&api, &tls, &fixture, &[]);
    let (status, _, after_answer) = tokio::task::block_in_place(|| first_request(child, &api, &tls));
    assert_eq!(status, 503);
    assert_eq!(after_answer, (0, 0), "no handshake with an untrusted CA completes");
    assert!(fixture.drain().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn roots_named_by_ssl_cert_file_replace_amazons() {
    let fixture = fixture("tls-operator-roots").await;
    let tls = fronts("operator-roots");
    let roots = tls.endpoint_roots_file.display().to_string();
    let api = RuntimeApi::start();
    let child = start(&api, &tls, &fixture, &[("SSL_CERT_FILE", &roots)]);
    let (status, _, _) = tokio::task::block_in_place(|| first_request(child, &api, &tls));
    assert_eq!(status, 200);
    assert_eq!(fixture.drain().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_warm_up_makes_the_handshakes_so_that_the_first_request_makes_none() {
    let fixture = fixture("tls-warm-up").await;
    for warm_up in [true, false] {
        let tls = fronts(if warm_up { "warm-up" } else { "no-warm-up" });
        let roots = tls.endpoint_roots_file.display().to_string();
        let mut settings = vec![("SSL_CERT_FILE", roots.as_str())];
        if !warm_up {
            settings.push(("INIT_WARM_UP_MS", "0"));
        }
        let api = RuntimeApi::start();
        let child = start(&api, &tls, &fixture, &settings);
        let (status, after_init, after_answer) = tokio::task::block_in_place(|| first_request(child, &api, &tls));
        assert_eq!(status, 200);
        if warm_up {
            assert!(after_init.0 >= 1 && after_init.1 >= 1, "{after_init:?}");
            assert_eq!(after_answer, after_init, "the first request made a handshake");
        } else {
            assert_eq!(after_init, (0, 0));
            assert!(after_answer.0 >= 1 && after_answer.1 >= 1, "{after_answer:?}");
        }
        assert_eq!(fixture.drain().await.len(), 1);
    }
}
