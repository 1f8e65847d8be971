//! Fuzzes the layer tar readers with arbitrary bytes: the merged-view indexer and the
//! unpacker into a temporary directory. Neither may panic, and the unpacker may not
//! create anything outside its destination.
//!
//! Run with `cargo +nightly fuzz run layer_tar` from the repository root.

#![no_main]

use kiln_oci::fs::{Budget, LayerIndex, Limits};
use kiln_oci::unpack::{UnpackOptions, Unpacker};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_entries: 10_000,
        max_capture_total: 1 << 20,
        ..Limits::default()
    };
    let budget = Budget::new(limits.max_capture_total);
    let _ = LayerIndex::read(
        &mut &data[..],
        0,
        "fuzz",
        &|_: &str, _: u64| true,
        &limits,
        &budget,
    );

    let Ok(tmp) = tempfile::tempdir() else { return };
    let dest = tmp.path().join("dest");
    let options = UnpackOptions {
        limits,
        ..UnpackOptions::default()
    };
    if let Ok(mut unpacker) = Unpacker::new(&dest, options) {
        let _ = unpacker.apply_layer(&mut &data[..], 0, "fuzz");
        let _ = unpacker.finish();
    }
    let outside: Vec<_> = std::fs::read_dir(tmp.path())
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        outside.len() <= 1,
        "unpack wrote outside its destination: {outside:?}"
    );
});
