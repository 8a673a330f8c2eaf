//! Kaunt's verifier on any delivery, made up or genuinely signed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_receiver::schemes::Kaunt;
use webhook_receiver_fuzz::{check_delivery, key_ring, secrets, sign, SchemeInput};

fuzz_target!(|input: SchemeInput| {
    let signed = sign::kaunt(&input);
    let keys = key_ring(&Kaunt, secrets::KAUNT);
    let _ = check_delivery(&Kaunt, &keys, signed.origin, &signed.body, &signed.headers);
});
