//! Codat's verifier on any delivery, made up or genuinely signed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_receiver::schemes::Codat;
use webhook_receiver_fuzz::{check_delivery, key_ring, secrets, sign, SchemeInput};

fuzz_target!(|input: SchemeInput| {
    let signed = sign::codat(&input);
    let keys = key_ring(&Codat, secrets::CODAT);
    let _ = check_delivery(&Codat, &keys, signed.origin, &signed.body, &signed.headers);
});
