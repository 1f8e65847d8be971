//! Fuzzes the parsers of package metadata read from images: purls, dpkg control
//! paragraphs, RPM header blobs, Berkeley DB and NDB rpm databases, licence text and CPE
//! escaping. None may panic.
//!
//! Run with `cargo +nightly fuzz run sbom_metadata` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kiln_sbom::rpm::header::Header::parse(data).map(|h| h.files());
    let _ = kiln_sbom::rpm::bdb::header_blobs("fuzz", data);
    let _ = kiln_sbom::rpm::ndb::header_blobs("fuzz", data);
    let text = String::from_utf8_lossy(data);
    let _ = text.parse::<kiln_types::Purl>();
    let _ = kiln_sbom::dpkg::control::paragraphs(&text);
    let _ = kiln_sbom::license::parse(&text);
    let _ = kiln_sbom::cpe::application(&text, &text, &text);
});
