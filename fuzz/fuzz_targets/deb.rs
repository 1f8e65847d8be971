//! Fuzzes the `.deb` reader: the ar container, the control archive and the streamed
//! data archive in every compression. It may return errors; it may not panic or read
//! past its limits.
//!
//! Run with `cargo +nightly fuzz run deb` from the repository root.

#![no_main]

use std::io::Read;

use kiln_debian::deb::{Deb, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_control: 1 << 20,
        max_data: 1 << 22,
    };
    let Ok(deb) = Deb::open(data, limits) else { return };
    let _ = deb.control().package();
    let Ok((_, stream)) = deb.into_parts() else { return };
    let mut archive = tar::Archive::new(stream);
    let Ok(entries) = archive.entries() else { return };
    for entry in entries {
        let Ok(mut entry) = entry else { return };
        let mut sink = Vec::new();
        if entry.read_to_end(&mut sink).is_err() {
            return;
        }
    }
});
