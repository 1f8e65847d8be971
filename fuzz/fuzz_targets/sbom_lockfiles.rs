//! Fuzzes the text parsers of the language catalogers: npm/yarn/pnpm lock files,
//! Cargo.lock, core metadata headers, gemspecs and Java metadata files.
//!
//! Run with `cargo +nightly fuzz run sbom_lockfiles` from the repository root.

#![no_main]

use kiln_sbom::lang::{cargo, golang, java::meta, npm, python, ruby};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = npm::package_lock(&text);
    let _ = npm::yarn_lock(&text);
    let _ = npm::pnpm_lock(&text);
    let _ = cargo::lock(&text);
    let _ = python::headers(&text);
    let _ = ruby::gemspec(&text);
    let _ = golang::parse_modinfo(&text);
    let _ = meta::pom_xml(&text);
    let _ = meta::manifest(&text);
});
