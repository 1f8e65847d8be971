//! Interop: `umoci unpack` and kiln's unpack of the same image give the same files.

use crate::support;

use std::path::Path;
use std::process::Command;

use kiln_oci::media_type;
use kiln_oci::unpack::unpack_image;
use support::{MemSource, RawTar, list};

/// Writes `src` as an OCI layout tagged `test`, by hand.
fn write_layout(src: &MemSource, dir: &Path) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    for (digest, bytes) in &src.blobs {
        std::fs::write(blobs.join(digest.hex()), bytes).unwrap();
    }
    std::fs::write(blobs.join(src.manifest.digest.hex()), &src.manifest.bytes).unwrap();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_INDEX,
        "manifests": [{
            "mediaType": media_type::OCI_MANIFEST,
            "digest": src.manifest.digest.to_string(),
            "size": src.manifest.bytes.len(),
            "annotations": {"org.opencontainers.image.ref.name": "test"}
        }]
    });
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

#[test]
fn umoci_and_kiln_unpack_the_same_files() {
    let base = RawTar::new()
        .dir("etc/")
        .file("etc/a", b"a0")
        .file("etc/b", b"b0")
        .dir("opt/")
        .dir("opt/app/")
        .file("opt/app/old", b"old")
        .dir("usr/")
        .dir("usr/bin/")
        .file_mode("usr/bin/busybox", b"BB", 0o755)
        .hardlink("usr/bin/sh", "usr/bin/busybox")
        .symlink("bin", "usr/bin")
        .dir("var/")
        .dir("var/lib/")
        .file("var/lib/x", b"x")
        .finish();
    let mid = RawTar::new()
        .dir("etc/")
        .whiteout("etc/a")
        .file("etc/c", b"c1")
        .dir("opt/app/")
        .opaque("opt/app")
        .file("opt/app/new", b"new")
        .whiteout("var")
        .finish();
    let top = RawTar::new()
        .dir("etc/")
        .file("etc/a", b"a2")
        .dir("var/")
        .file("var/again", b"v")
        .finish();
    let src = MemSource::gzipped(&[base, mid, top]);
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    write_layout(&src, &layout);
    let bundle = tmp.path().join("bundle");
    let out = Command::new("umoci")
        .args(["unpack", "--rootless", "--image"])
        .arg(format!("{}:test", layout.display()))
        .arg(&bundle)
        .output()
        .expect("umoci is required for this test (apt-get install umoci)");
    assert!(
        out.status.success(),
        "umoci: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = tmp.path().join("ours");
    unpack_image(&src, &src.image(), &ours).unwrap();
    let theirs = list(&bundle.join("rootfs"));
    assert!(theirs.contains(&"etc/c".to_owned()), "{theirs:?}");
    assert_eq!(list(&ours), theirs);
    for f in ["etc/a", "etc/b", "etc/c", "opt/app/new", "usr/bin/sh"] {
        assert_eq!(
            std::fs::read(ours.join(f)).unwrap(),
            std::fs::read(bundle.join("rootfs").join(f)).unwrap(),
            "{f}"
        );
    }
}
