//! Described schemes: any description (a preset's, or the fuzzer's text)
//! is read without a panic, and, when it is usable, any delivery is
//! verified without one; a delivery signed as it says verifies, and one
//! with a single byte of its body, signature, timestamp or id changed, or
//! made up, never does. Handshakes too: a signed one is answered only once
//! verified, and a URL check (`GET`, `HEAD`) carrying the delivery's body
//! as its challenge; no answer reflects anything beyond its bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_receiver::schemes::Described;
use webhook_receiver_fuzz::{
    check_delivery, check_unsigned_handshakes, description_text, key_ring, sign, DescribedInput, SAMPLE_SIGNED_URL,
};

fuzz_target!(|input: DescribedInput| {
    let lookup = |name: &str| (name == "SIGNED_URL").then(|| SAMPLE_SIGNED_URL.to_owned());
    let Ok(scheme) = Described::from_json("fuzzed", &description_text(&input), lookup) else {
        return;
    };
    let Some((secret, signed)) = sign::described(&input, &scheme) else {
        return;
    };
    let keys = key_ring(&scheme, &secret);
    let _ = check_delivery(&scheme, &keys, signed.origin, &signed.body, &signed.headers);
    check_unsigned_handshakes(&scheme, &String::from_utf8_lossy(&signed.body), &signed.headers);
});
