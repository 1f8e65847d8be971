//! Fuzzes kiln-debian's parsers of untrusted archive data with arbitrary text: Release
//! files (plain and as an InRelease against an empty keyring), Packages indexes, apt
//! sources in both forms, relationship fields and build requests. None may panic.
//!
//! Run with `cargo +nightly fuzz run debian_archive` from the repository root.

#![no_main]

use kiln_debian::keyring::Keyring;
use kiln_debian::release::{self, Release, VerifyOptions};
use kiln_debian::resolve::Request;
use kiln_debian::{index, relation, sources};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = release::verify_inrelease(
        data,
        &Keyring::empty(),
        "InRelease",
        &VerifyOptions::default(),
    );
    let _ = release::verify_detached(
        data,
        data,
        &Keyring::empty(),
        "Release.gpg",
        &VerifyOptions::default(),
    );
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Release::parse(text, "Release");
    let _ = index::parse_packages(text, "Packages");
    let _ = sources::parse_deb822(text, "fuzz.sources");
    let _ = sources::parse_list(text, "sources.list");
    let _ = relation::parse_field(text);
    let _ = relation::parse_provides(text);
    let _ = text.parse::<Request>();
});
