//! Fuzzes keyless verification's readers of untrusted input: trusted roots, X.509
//! certificates and their SCT lists, Rekor checkpoints, RFC 3161 timestamp tokens, and
//! whole keyless bundles against a fixed root.

#![no_main]

use kiln_attest::keyless::{IdentityMatcher, Policy};
use kiln_attest::trust_root::{CertificateAuthority, TransparencyLog, TrustedRoot, Validity};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = TrustedRoot::parse(data, "fuzz");
    let _ = kiln_attest::certificate::Certificate::from_der(data, "fuzz")
        .map(|c| (c.identities(), c.oidc_issuer(), c.check_leaf("fuzz").is_ok()));
    let always = Validity { start: 0, end: None };
    let log = TransparencyLog {
        log_id: vec![0; 32],
        public_key: data.to_vec(),
        valid_for: always,
    };
    if let Ok(note) = std::str::from_utf8(data) {
        let _ = kiln_attest::rekor::verify_checkpoint(note, &log, "fuzz");
    }
    let root = TrustedRoot {
        certificate_authorities: vec![CertificateAuthority {
            chain: vec![data.to_vec()],
            valid_for: always,
        }],
        tlogs: vec![log.clone()],
        ctlogs: vec![log],
        timestamp_authorities: vec![CertificateAuthority {
            chain: vec![data.to_vec()],
            valid_for: always,
        }],
    };
    let _ = kiln_attest::sct::parse_list(data);
    let _ = kiln_attest::timestamp::verify(data, data, &root, "fuzz");
    if let Ok(c) = kiln_attest::certificate::Certificate::from_der(data, "fuzz") {
        let _ = kiln_attest::sct::verify_embedded(&c, &c, &root, "fuzz");
    }
    let policy = Policy::new(
        IdentityMatcher::Exact("a@example.com".to_owned()),
        "https://issuer.example",
    );
    let _ = kiln_attest::keyless::verify(data, Some(data), &root, &policy, "fuzz");
});
