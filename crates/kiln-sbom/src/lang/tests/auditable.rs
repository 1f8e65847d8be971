//! A real binary built by `cargo auditable`, offline, with a local path dependency.

use kiln_test::binaries::auditable_binary;
use kiln_test::fixture::LayerSpec;
use kiln_types::PackageKind;

use super::{by_purl, depends, ids};
use crate::testfs::inventory;

#[test]
fn a_real_cargo_auditable_binary() {
    let dir = tempfile::tempdir().unwrap();
    let binary = auditable_binary(dir.path());
    let inv = inventory(&[LayerSpec::new().file("/usr/local/bin/hello", &binary, 0o755)]);
    assert_eq!(
        ids(&inv, PackageKind::Cargo),
        ["greet@0.2.0", "hello@0.1.0"]
    );
    let hello = by_purl(&inv, "pkg:cargo/hello@0.1.0");
    let greet = by_purl(&inv, "pkg:cargo/greet@0.2.0");
    assert!(depends(&inv, hello, greet));
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
}
