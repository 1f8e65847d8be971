//! OCI layouts against the real tools: skopeo reads and writes them, umoci unpacks them.

use crate::layout_support;

use std::fs;

use kiln_oci::ImageSource;
use kiln_oci::layout::{LayoutDestination, LayoutRef, LayoutSource};
use kiln_test::fixture::write_index_layout;
use layout_support::{copy_image, run, sample, verify_all_layers};
use serde_json::Value;

fn oci(dir: &std::path::Path, tag: &str) -> String {
    format!("oci:{}:{tag}", dir.display())
}

#[test]
fn kiln_reads_a_layout_skopeo_copied_with_the_same_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    let fixture = sample().write_layout(&a, "t");
    run("skopeo", &["copy", "--quiet", &oci(&a, "t"), &oci(&b, "t")]);
    let src = LayoutSource::open(&b, LayoutRef::Tag("t".into())).unwrap();
    assert_eq!(src.root_manifest().unwrap().digest, fixture.manifest_digest);
    let image = verify_all_layers(&src, None);
    assert_eq!(image.config.rootfs.diff_ids, fixture.diff_ids);
}

#[test]
fn umoci_unpacks_and_skopeo_inspects_a_layout_kiln_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let fixture = sample().write_layout(&a, "t");
    let src = LayoutSource::open(&a, LayoutRef::Tag("t".into())).unwrap();
    let out = tmp.path().join("out");
    copy_image(
        &src,
        Box::new(LayoutDestination::create(&out, Some("1.0".into())).unwrap()),
    );

    let inspect: Value =
        serde_json::from_str(&run("skopeo", &["inspect", &oci(&out, "1.0")])).unwrap();
    assert_eq!(inspect["Digest"], fixture.manifest_digest.to_string());
    let layers: Vec<String> = fixture
        .layer_digests
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(inspect["Layers"], serde_json::json!(layers));

    let bundle = tmp.path().join("bundle");
    let image_arg = format!("{}:1.0", out.display());
    run(
        "umoci",
        &[
            "unpack",
            "--rootless",
            "--image",
            &image_arg,
            bundle.to_str().unwrap(),
        ],
    );
    let rootfs = bundle.join("rootfs");
    assert_eq!(
        fs::read(rootfs.join("etc/os-release")).unwrap(),
        b"ID=kiln-test\n"
    );
    assert_eq!(fs::read(rootfs.join("etc/motd")).unwrap(), b"hello\n");
    assert!(!rootfs.join("etc/old").exists(), "the whiteout was applied");
    assert_eq!(
        fs::read_link(rootfs.join("bin")).unwrap(),
        std::path::Path::new("usr/bin")
    );
    let config: Value =
        serde_json::from_slice(&fs::read(bundle.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["process"]["args"][0], "/usr/bin/app");
}

#[test]
fn skopeo_reads_an_index_kiln_wrote_and_copies_one_platform() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let index = write_index_layout(&a, "m", &[sample(), sample().platform("linux", "arm64")]);
    let src = LayoutSource::open(&a, LayoutRef::Tag("m".into())).unwrap();
    let out = tmp.path().join("out");
    copy_image(
        &src,
        Box::new(LayoutDestination::create(&out, Some("m".into())).unwrap()),
    );
    let raw = run("skopeo", &["inspect", "--raw", &oci(&out, "m")]);
    assert_eq!(raw.as_bytes(), &index.index_bytes[..]);
    let c = tmp.path().join("c");
    run(
        "skopeo",
        &[
            "copy",
            "--quiet",
            "--override-arch",
            "arm64",
            &oci(&out, "m"),
            &oci(&c, "arm"),
        ],
    );
    let arm = LayoutSource::open(&c, LayoutRef::Tag("arm".into())).unwrap();
    assert_eq!(
        arm.root_manifest().unwrap().digest,
        index.images[1].manifest_digest
    );
}
