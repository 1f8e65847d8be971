//! Fuzzes Java archive handling: zip parsing, nested archives and the metadata inside.
//! Bounded by a small decompression budget; nothing may panic or hang.
//!
//! Run with `cargo +nightly fuzz run sbom_jar` from the repository root.

#![no_main]

use kiln_sbom::lang::java::Scan;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut scan = Scan {
        budget: 4 << 20,
        found: Vec::new(),
        warnings: Vec::new(),
    };
    scan.archive(data, "/fuzz.jar", 0);
});
