//! Arbitrary bytes as a docker-archive: opening and resolving it must fail cleanly,
//! never panic, never read outside the archive.

#![no_main]

use kiln_oci::Image;
use kiln_oci::archive::ArchiveSource;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("image.tar");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(src) = ArchiveSource::open(&path, None) {
        let _ = Image::resolve(&src, None);
    }
});
