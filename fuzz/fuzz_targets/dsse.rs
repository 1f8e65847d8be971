//! Fuzzes the readers of untrusted signature documents: DSSE envelopes, in-toto
//! statements, cosign simple-signing payloads and Sigstore bundles.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kiln_attest::dsse::Envelope::parse(data, "fuzz");
    let _ = kiln_attest::statement::Statement::parse(data, "fuzz");
    let _ = kiln_attest::simple_signing::SimpleSigning::parse(data, "fuzz");
    let _ = kiln_attest::bundle::RawBundle::parse(data, "fuzz").map(|b| b.check("fuzz"));
});
