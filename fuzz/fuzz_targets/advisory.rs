//! Fuzzes the advisory importers with arbitrary bytes as OSV JSON, OSV/secdb
//! YAML, a Debian DSA list and a rubysec advisory. None may panic.
//!
//! Run with `cargo +nightly fuzz run advisory` from the repository root.

#![no_main]

use kiln_vuln::import;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["record.json", "record.yaml", "DSA.list", "gems/g/CVE-2000-1.yml"] {
        let _ = import::read_bytes(name, data.to_vec());
    }
});
