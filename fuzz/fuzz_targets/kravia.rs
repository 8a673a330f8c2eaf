//! Kravia's verifier on any delivery, made up or genuinely signed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_receiver::schemes::Kravia;
use webhook_receiver_fuzz::{check_delivery, key_ring, secrets, sign, SchemeInput};

fuzz_target!(|input: SchemeInput| {
    let signed = sign::kravia(&input);
    let keys = key_ring(&Kravia, secrets::KRAVIA);
    let _ = check_delivery(&Kravia, &keys, signed.origin, &signed.body, &signed.headers);
});
