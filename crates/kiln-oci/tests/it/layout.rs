//! Reading OCI layouts written by the kiln-test fixture builder (independently of kiln-oci).

use crate::layout_support;

use std::fs;

use kiln_oci::Error;
use kiln_oci::layer::LayerReader;
use kiln_oci::layout::{LayoutRef, LayoutSource};
use kiln_oci::manifest::Parsed;
use kiln_oci::source::{ImageSource, read_blob};
use kiln_oci::{Image, media_type};
use kiln_test::fixture::{ImageBuilder, blob_path, write_index_layout};
use layout_support::{sample, verify_all_layers};
use serde_json::Value;

fn tag(t: &str) -> LayoutRef {
    LayoutRef::Tag(t.to_owned())
}

#[test]
fn reads_a_single_image_by_tag_with_exact_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = sample().write_layout(dir.path(), "1.0");
    let src = LayoutSource::open(dir.path(), tag("1.0")).unwrap();
    assert_eq!(src.name(), format!("oci:{}:1.0", dir.path().display()));
    assert_eq!(src.tag().as_deref(), Some("1.0"));
    let root = src.root_manifest().unwrap();
    assert_eq!(root.digest, fixture.manifest_digest);
    assert_eq!(root.bytes, fixture.manifest_bytes);
    assert_eq!(root.media_type, media_type::OCI_MANIFEST);
    let image = verify_all_layers(&src, None);
    assert_eq!(image.config_bytes, fixture.config_bytes);
    assert_eq!(image.parsed.config.digest, fixture.config_digest);
    assert_eq!(image.config.rootfs.diff_ids, fixture.diff_ids);
    let layers: Vec<_> = image.layers().iter().map(|l| l.digest.clone()).collect();
    assert_eq!(layers, fixture.layer_digests);
    assert_eq!(
        image.config.config.as_ref().unwrap().user.as_deref(),
        Some("65532")
    );
}

#[test]
fn layer_tar_lists_the_fixture_entries() {
    let dir = tempfile::tempdir().unwrap();
    sample().write_layout(dir.path(), "t");
    let src = LayoutSource::open(dir.path(), tag("t")).unwrap();
    let image = Image::resolve(&src, None).unwrap();
    let reader = LayerReader::open(&src, &image.layers()[1], image.diff_id(1)).unwrap();
    let mut archive = tar::Archive::new(reader);
    let names: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert_eq!(names, ["etc/", "etc/.wh.old", "etc/motd"]);
}

#[test]
fn default_is_the_only_image_or_latest_else_an_error_listing_tags() {
    let dir = tempfile::tempdir().unwrap();
    let a = sample().write_layout(dir.path(), "a");
    let src = LayoutSource::open(dir.path(), LayoutRef::Default).unwrap();
    assert_eq!(src.root_manifest().unwrap().digest, a.manifest_digest);
    assert_eq!(src.tag().as_deref(), Some("a"));

    sample().user("1").write_layout(dir.path(), "b");
    let err = LayoutSource::open(dir.path(), LayoutRef::Default).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("latest") && msg.contains("a, b"), "{msg}");

    let latest = sample().user("2").write_layout(dir.path(), "latest");
    let src = LayoutSource::open(dir.path(), LayoutRef::Default).unwrap();
    assert_eq!(src.root_manifest().unwrap().digest, latest.manifest_digest);
}

#[test]
fn selects_by_digest_including_an_index_child() {
    let dir = tempfile::tempdir().unwrap();
    let index = write_index_layout(
        dir.path(),
        "multi",
        &[sample(), sample().platform("linux", "arm64")],
    );
    let src =
        LayoutSource::open(dir.path(), LayoutRef::Digest(index.index_digest.clone())).unwrap();
    assert_eq!(src.root_manifest().unwrap().digest, index.index_digest);
    let child = &index.images[1];
    let src =
        LayoutSource::open(dir.path(), LayoutRef::Digest(child.manifest_digest.clone())).unwrap();
    assert_eq!(src.root_manifest().unwrap().bytes, child.manifest_bytes);
    let unknown = kiln_types::Digest::sha256(b"nothing");
    let err = LayoutSource::open(dir.path(), LayoutRef::Digest(unknown.clone())).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert!(err.to_string().contains(&unknown.to_string()), "{err}");
}

#[test]
fn index_with_two_platforms_resolves_each() {
    let dir = tempfile::tempdir().unwrap();
    let index = write_index_layout(
        dir.path(),
        "multi",
        &[sample(), sample().platform("linux", "arm64").variant("v8")],
    );
    let src = LayoutSource::open(dir.path(), tag("multi")).unwrap();
    let root = src.root_manifest().unwrap();
    assert_eq!(root.digest, index.index_digest);
    assert!(matches!(root.parse("t").unwrap(), Parsed::Index(_)));
    for (platform, fixture) in [
        ("linux/amd64", &index.images[0]),
        ("linux/arm64", &index.images[1]),
    ] {
        let want: kiln_types::Platform = platform.parse().unwrap();
        let image = verify_all_layers(&src, Some(&want));
        assert_eq!(image.manifest.digest, fixture.manifest_digest, "{platform}");
        assert_eq!(image.platforms.len(), 2);
    }
}

#[test]
fn docker_media_types_are_read_as_stored() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = sample()
        .docker_media_types(true)
        .write_layout(dir.path(), "d");
    let src = LayoutSource::open(dir.path(), tag("d")).unwrap();
    let root = src.root_manifest().unwrap();
    assert_eq!(root.media_type, media_type::DOCKER_MANIFEST);
    assert_eq!(root.digest, fixture.manifest_digest);
    verify_all_layers(&src, None);
}

#[test]
fn containerd_image_name_selects_by_tag() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = sample().write_layout(dir.path(), "ignored");
    let path = dir.path().join("index.json");
    let mut index: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    index["manifests"][0]["annotations"] =
        serde_json::json!({"io.containerd.image.name": "docker.io/library/app:2.1"});
    fs::write(&path, serde_json::to_vec(&index).unwrap()).unwrap();
    let src = LayoutSource::open(dir.path(), tag("2.1")).unwrap();
    assert_eq!(src.root_manifest().unwrap().digest, fixture.manifest_digest);
    assert_eq!(src.tag().as_deref(), Some("2.1"));
    assert!(LayoutSource::open(dir.path(), tag("1")).is_err());
}

#[test]
fn missing_tag_is_not_found_naming_the_tag_and_the_tags_present() {
    let dir = tempfile::tempdir().unwrap();
    sample().write_layout(dir.path(), "1.0");
    let err = LayoutSource::open(dir.path(), tag("nope")).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("\"nope\"") && msg.contains("1.0"), "{msg}");
}

fn flip_byte(path: &std::path::Path, at: usize) {
    let mut bytes = fs::read(path).unwrap();
    let at = at.min(bytes.len() - 1);
    bytes[at] ^= 0x01;
    fs::write(path, bytes).unwrap();
}

#[test]
fn a_flipped_byte_in_a_layer_or_config_is_a_digest_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = sample().write_layout(dir.path(), "t");
    let src = LayoutSource::open(dir.path(), tag("t")).unwrap();
    let image = Image::resolve(&src, None).unwrap();

    // A byte near the end of the gzip stream (its trailer) keeps the stream readable
    // until the very end, so the blob digest is what catches it.
    let layer = &image.layers()[0];
    let path = blob_path(dir.path(), &layer.digest);
    let len = fs::metadata(&path).unwrap().len() as usize;
    flip_byte(&path, len - 9);
    let err = LayerReader::open(&src, layer, image.diff_id(0))
        .and_then(|r| r.finish())
        .unwrap_err();
    assert!(
        matches!(err, Error::DigestMismatch { .. } | Error::Layer { .. }),
        "{err}"
    );
    // Uncompressed-but-same-size corruption of the config: the digest check alone.
    flip_byte(&blob_path(dir.path(), &fixture.config_digest), 3);
    let err = read_blob(&src, &image.parsed.config).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
}

#[test]
fn a_flipped_byte_in_an_uncompressed_layer_is_a_digest_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let builder = ImageBuilder::new().layer(
        kiln_test::fixture::LayerSpec::new().file("/data", b"payload", 0o644),
        kiln_test::fixture::Compression::None,
    );
    let fixture = builder.write_layout(dir.path(), "t");
    flip_byte(&blob_path(dir.path(), &fixture.layer_digests[0]), 600);
    let src = LayoutSource::open(dir.path(), tag("t")).unwrap();
    let image = Image::resolve(&src, None).unwrap();
    let err = LayerReader::open(&src, &image.layers()[0], None)
        .and_then(|r| r.finish())
        .unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
}

#[test]
fn a_tampered_manifest_fails_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = sample().write_layout(dir.path(), "t");
    flip_byte(&blob_path(dir.path(), &fixture.manifest_digest), 40);
    let err = LayoutSource::open(dir.path(), tag("t")).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
}

#[test]
fn a_missing_blob_is_not_found_naming_layout_and_digest() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = sample().write_layout(dir.path(), "t");
    fs::remove_file(blob_path(dir.path(), &fixture.layer_digests[1])).unwrap();
    let src = LayoutSource::open(dir.path(), tag("t")).unwrap();
    let image = Image::resolve(&src, None).unwrap();
    let err = LayerReader::open(&src, &image.layers()[1], None).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains(&fixture.layer_digests[1].to_string()), "{msg}");
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
}

#[test]
fn index_json_that_is_not_json_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    sample().write_layout(dir.path(), "t");
    fs::write(dir.path().join("index.json"), b"{not json").unwrap();
    let err = LayoutSource::open(dir.path(), tag("t")).unwrap_err();
    assert!(matches!(err, Error::InvalidManifest { .. }), "{err}");
    assert!(err.to_string().contains("index.json"), "{err}");
}

#[test]
fn missing_or_wrong_oci_layout_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    sample().write_layout(dir.path(), "t");
    fs::write(
        dir.path().join("oci-layout"),
        br#"{"imageLayoutVersion":"2.0.0"}"#,
    )
    .unwrap();
    let err = LayoutSource::open(dir.path(), tag("t")).unwrap_err();
    assert!(err.to_string().contains("2.0.0"), "{err}");
    fs::remove_file(dir.path().join("oci-layout")).unwrap();
    let err = LayoutSource::open(dir.path(), tag("t")).unwrap_err();
    assert!(err.to_string().contains("oci-layout"), "{err}");
    let missing = dir.path().join("nowhere");
    let err = LayoutSource::open(&missing, LayoutRef::Default).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}
