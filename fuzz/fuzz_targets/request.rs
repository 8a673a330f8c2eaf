//! The request → envelope path: any API Gateway, function URL or ALB event
//! through every provider's receiver. Seeded with the sample events, which
//! the test keys sign, so the fuzzer starts from deliveries that verify.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_receiver::schemes::{Kravia, Receeve};
use webhook_receiver_fuzz::{key_ring, preset, receive_request, request_from_event, secrets, settings};

fuzz_target!(|data: &[u8]| {
    let Some(request) = std::str::from_utf8(data).ok().and_then(request_from_event) else {
        return;
    };
    // The samples come from 203.0.113.10: allowed, so they get through.
    let settings = settings(
        "https://sqs.eu-west-1.amazonaws.com/123456789012/webhooks.fifo",
        &[("ALLOWED_SOURCE_IPS", "203.0.113.0/24, 2001:db8::/32")],
    );
    receive_request(&Kravia, &key_ring(&Kravia, secrets::KRAVIA), &settings, &request);
    receive_request(
        &preset("kaunt"),
        &key_ring(&preset("kaunt"), secrets::KAUNT),
        &settings,
        &request,
    );
    receive_request(&Receeve, &key_ring(&Receeve, secrets::RECEEVE_RSA), &settings, &request);
    receive_request(
        &preset("smartkyc"),
        &key_ring(&preset("smartkyc"), secrets::SMARTKYC),
        &settings,
        &request,
    );
    receive_request(
        &preset("codat"),
        &key_ring(&preset("codat"), secrets::CODAT),
        &settings,
        &request,
    );
});
