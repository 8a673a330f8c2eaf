//! Codat's verifier on any delivery, made up or genuinely signed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_receiver_fuzz::{check_delivery, key_ring, preset, secrets, sign, SchemeInput};

fuzz_target!(|input: SchemeInput| {
    let signed = sign::codat(&input);
    let keys = key_ring(&preset("codat"), secrets::CODAT);
    let _ = check_delivery(&preset("codat"), &keys, signed.origin, &signed.body, &signed.headers);
});
