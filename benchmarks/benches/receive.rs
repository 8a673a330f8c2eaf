//! Each provider's whole in-process path for one request (the Lambda
//! event's JSON → `lambda_http` request → checks → verification → envelope
//! → SQS message, everything but the network) beside the bare primitive
//! over the same bytes, at 1 KiB and 64 KiB, and the Lambda event's
//! conversion alone (ours, and `lambda_http`'s that it wraps). Beside them,
//! Kravia on a route without a tenant with 100 creditors' current and
//! previous keys, genuine and forged, at 240 KiB. `scripts/bench` runs this
//! and prints the tables for BENCHMARKS.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use benchmarks::{case, key_ring, kravia_many_keys, now, ReceeveKey};
use criterion::{criterion_group, criterion_main, Criterion};
use webhook_receiver::internals::read_event;
use webhook_receiver::receive_offline;
use webhook_receiver::schemes::{Kravia, Receeve, Scheme};

const SIZES: [(&str, usize); 2] = [("1KiB", 1024), ("64KiB", 64 * 1024)];

fn provider_path<S: Scheme>(c: &mut Criterion, scheme: S, name: &str, receeve_key: ReceeveKey) {
    for (size_name, size) in SIZES {
        let case = case(scheme.provider(), receeve_key, size);
        let keys = key_ring(&scheme, &case.secret);
        let mut group = c.benchmark_group(format!("{name}/{size_name}"));
        group.bench_function("path", |b| {
            b.iter(|| {
                let request = read(black_box(&case.event));
                receive_offline(&scheme, &case.settings, &request, &keys, now()).unwrap()
            })
        });
        // What reading the Lambda event alone costs: part of every
        // function's path, ours or not; and lambda_http's own conversion,
        // which ours wraps.
        group.bench_function("event", |b| b.iter(|| read(black_box(&case.event))));
        group.bench_function("lambda_http", |b| {
            b.iter(|| lambda_http::request::from_str(black_box(&case.event)).unwrap())
        });
        assert!(
            case.primitive.run(),
            "{name}: the primitive must agree the bytes are signed"
        );
        group.bench_function("primitive", |b| b.iter(|| black_box(&case.primitive).run()));
        group.finish();
        assert!(
            case.body.len().abs_diff(size) < 16,
            "{name}: body is {} bytes",
            case.body.len()
        );
    }
}

fn read(event: &str) -> lambda_http::Request {
    read_event(event).unwrap().into_request().unwrap()
}

fn kravia_with_many_keys(c: &mut Criterion) {
    let case = kravia_many_keys(100, 240 * 1024);
    let mut group = c.benchmark_group("kravia-100+100-keys/240KiB");
    group.bench_function("genuine", |b| {
        b.iter(|| {
            let request = read(black_box(&case.genuine));
            receive_offline(&Kravia, &case.settings, &request, &case.keys, now()).unwrap()
        })
    });
    group.bench_function("forged", |b| {
        b.iter(|| {
            let request = read(black_box(&case.forged));
            receive_offline(&Kravia, &case.settings, &request, &case.keys, now()).unwrap_err()
        })
    });
    group.finish();
}

/// A preset's scheme, as its receiver makes it.
fn preset(name: &str) -> webhook_receiver::schemes::AnyScheme {
    sign_event::preset_scheme(name, sign_event::SAMPLE_SIGNED_URL).unwrap()
}

fn benches(c: &mut Criterion) {
    provider_path(c, Kravia, "kravia", ReceeveKey::Rsa2048);
    provider_path(c, preset("kaunt"), "kaunt", ReceeveKey::Rsa2048);
    provider_path(c, Receeve, "receeve-rsa2048", ReceeveKey::Rsa2048);
    provider_path(c, Receeve, "receeve-p256", ReceeveKey::P256);
    provider_path(c, preset("smartkyc"), "smartkyc", ReceeveKey::Rsa2048);
    provider_path(c, preset("codat"), "codat", ReceeveKey::Rsa2048);
    kravia_with_many_keys(c);
}

criterion_group! {
    name = receive;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = benches
}
criterion_main!(receive);
