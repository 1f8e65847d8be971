//! Fuzzes the documents `kiln scan` reads from users: VEX (OpenVEX, CycloneDX,
//! CSAF), triage files and SBOMs (CycloneDX, SPDX, kiln JSON). None may panic.
//!
//! Run with `cargo +nightly fuzz run vex_sbom` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kiln_vuln::VexDocument::parse("vex.json", data);
    let _ = kiln_vuln::vex::write::read_triage("triage.yaml", data);
    let _ = kiln_sbom::read::read("sbom.json", data);
});
