//! Arbitrary bytes as a manifest, index or config: parsing must fail cleanly, never panic.

#![no_main]

use kiln_oci::manifest::{RawManifest, parse_config};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for declared in [None, Some("application/vnd.oci.image.index.v1+json")] {
        if let Ok(raw) = RawManifest::new(declared, data.to_vec(), "fuzz") {
            let _ = raw.parse("fuzz");
        }
    }
    let _ = parse_config(data, "fuzz");
});
