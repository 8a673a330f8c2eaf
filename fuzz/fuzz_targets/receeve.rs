//! receeve's verifier on any delivery, made up or genuinely signed with
//! RSA or P-256.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_receiver::schemes::Receeve;
use webhook_receiver_fuzz::{check_delivery, key_ring, secrets, sign, SchemeInput};

fuzz_target!(|input: SchemeInput| {
    let (public, private) = if input.rsa {
        (secrets::RECEEVE_RSA, secrets::RECEEVE_RSA_PRIVATE)
    } else {
        (secrets::RECEEVE_EC, secrets::RECEEVE_EC_PRIVATE)
    };
    let signed = sign::receeve(&input, private);
    let keys = key_ring(&Receeve, public);
    let _ = check_delivery(&Receeve, &keys, signed.origin, &signed.body, &signed.headers);
});
