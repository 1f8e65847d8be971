//! Fuzzes the binary parsers of the language catalogers: the ELF section reader, Go
//! build info, cargo-auditable `.dep-v0` sections and the section-table probe. None may
//! panic or allocate without bound.
//!
//! Run with `cargo +nightly fuzz run sbom_binaries` from the repository root.

#![no_main]

use kiln_sbom::lang::{cargo, elf::Elf, golang, probe};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(elf) = Elf::parse(data) {
        let _ = golang::build_info(&elf);
        if let Some(section) = elf.section(".dep-v0") {
            let _ = cargo::auditable(section);
        }
    }
    let _ = cargo::auditable(data);
    let _ = probe::has_section(&data, &probe::INTERESTING);
});
