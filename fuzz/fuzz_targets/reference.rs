//! Arbitrary strings as digests, image references, platforms and targets: parse or
//! refuse, never panic; whatever parses prints back to something that parses the same.

#![no_main]

use kiln_types::{Digest, ImageRef, Platform};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(d) = s.parse::<Digest>() {
        assert_eq!(d.to_string().parse::<Digest>().ok(), Some(d));
    }
    if let Ok(r) = s.parse::<ImageRef>() {
        assert_eq!(r.to_string().parse::<ImageRef>().ok(), Some(r));
    }
    if let Ok(p) = s.parse::<Platform>() {
        assert_eq!(p.to_string().parse::<Platform>().ok(), Some(p));
    }
    // Only scheme-prefixed targets: a bare argument may look at the filesystem.
    if s.starts_with("oci:") || s.starts_with("docker-archive:") || s.starts_with("registry:") {
        let _ = kiln_oci::Target::parse(s);
    }
});
