//! Writing OCI layouts: round trips, tags in existing layouts, and nothing left on failure.

use crate::layout_support;

use std::fs;

use kiln_oci::layout::{LayoutDestination, LayoutRef, LayoutSource};
use kiln_oci::manifest::Descriptor;
use kiln_oci::{Error, ImageDestination, ImageSource};
use kiln_test::fixture::write_index_layout;
use layout_support::{copy_image, names_in, sample, verify_all_layers};
use serde_json::Value;

fn tag(t: &str) -> LayoutRef {
    LayoutRef::Tag(t.to_owned())
}

fn index_tags(dir: &std::path::Path) -> Vec<(String, Option<String>)> {
    let index: Value = serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["digest"].as_str().unwrap().to_owned(),
                m["annotations"]["org.opencontainers.image.ref.name"]
                    .as_str()
                    .map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn a_new_layout_round_trips_with_the_same_digests() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let fixture = sample().write_layout(&a, "t");
    let src = LayoutSource::open(&a, tag("t")).unwrap();
    let b = tmp.path().join("b");
    let dst = LayoutDestination::create(&b, Some("v1".into())).unwrap();
    assert!(!b.exists(), "nothing is visible before commit");
    copy_image(&src, Box::new(dst));
    assert_eq!(
        names_in(tmp.path()),
        ["a", "b"],
        "no staging dir left behind"
    );
    assert_eq!(names_in(&b), ["blobs", "index.json", "oci-layout"]);
    let back = LayoutSource::open(&b, tag("v1")).unwrap();
    assert_eq!(
        back.root_manifest().unwrap().digest,
        fixture.manifest_digest
    );
    let image = verify_all_layers(&back, None);
    assert_eq!(image.config_bytes, fixture.config_bytes);
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(&b).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755);
}

#[test]
fn an_index_round_trips_with_its_children() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let index = write_index_layout(&a, "m", &[sample(), sample().platform("linux", "arm64")]);
    let src = LayoutSource::open(&a, tag("m")).unwrap();
    let b = tmp.path().join("b");
    copy_image(
        &src,
        Box::new(LayoutDestination::create(&b, Some("m".into())).unwrap()),
    );
    let back = LayoutSource::open(&b, LayoutRef::Default).unwrap();
    assert_eq!(back.root_manifest().unwrap().digest, index.index_digest);
    let arm: kiln_types::Platform = "linux/arm64".parse().unwrap();
    let image = verify_all_layers(&back, Some(&arm));
    assert_eq!(image.manifest.digest, index.images[1].manifest_digest);
}

#[test]
fn an_existing_layout_gets_a_second_tag_and_a_moved_tag() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let one = sample().write_layout(&a, "one");
    let two = sample().user("7").write_layout(&a, "two");
    let b = tmp.path().join("b");
    let src_one = LayoutSource::open(&a, tag("one")).unwrap();
    let src_two = LayoutSource::open(&a, tag("two")).unwrap();
    copy_image(
        &src_one,
        Box::new(LayoutDestination::create(&b, Some("x".into())).unwrap()),
    );
    copy_image(
        &src_two,
        Box::new(LayoutDestination::create(&b, Some("y".into())).unwrap()),
    );
    assert_eq!(
        index_tags(&b),
        [
            (one.manifest_digest.to_string(), Some("x".to_owned())),
            (two.manifest_digest.to_string(), Some("y".to_owned())),
        ]
    );
    // Moving `x` to the second image leaves the first entry, untagged.
    copy_image(
        &src_two,
        Box::new(LayoutDestination::create(&b, Some("x".into())).unwrap()),
    );
    assert_eq!(
        index_tags(&b),
        [
            (one.manifest_digest.to_string(), None),
            (two.manifest_digest.to_string(), Some("y".to_owned())),
            (two.manifest_digest.to_string(), Some("x".to_owned())),
        ]
    );
    let x = LayoutSource::open(&b, tag("x")).unwrap();
    assert_eq!(x.root_manifest().unwrap().digest, two.manifest_digest);
    assert!(
        !names_in(&b).iter().any(|n| n.starts_with('.')),
        "no temp files left"
    );
}

#[test]
fn a_failed_write_to_a_new_layout_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let b = tmp.path().join("b");
    let dst = LayoutDestination::create(&b, Some("t".into())).unwrap();
    let good = Descriptor::of_bytes("application/octet-stream", b"good");
    dst.put_blob(&good, &mut &b"good"[..]).unwrap();
    let bad = Descriptor::of_bytes("application/octet-stream", b"bad!");
    let err = dst.put_blob(&bad, &mut &b"bad?"[..]).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
    drop(dst);
    assert!(
        names_in(tmp.path()).is_empty(),
        "{:?}",
        names_in(tmp.path())
    );
}

#[test]
fn a_failed_write_to_an_existing_layout_removes_only_its_blobs() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    sample().write_layout(&a, "t");
    let blobs_before = names_in(&a.join("blobs/sha256"));
    let index_before = fs::read(a.join("index.json")).unwrap();
    let dst = LayoutDestination::create(&a, Some("u".into())).unwrap();
    let added = Descriptor::of_bytes("application/octet-stream", b"new blob");
    dst.put_blob(&added, &mut &b"new blob"[..]).unwrap();
    assert!(dst.has_blob(&added).unwrap());
    drop(dst); // never committed
    assert_eq!(names_in(&a.join("blobs/sha256")), blobs_before);
    assert_eq!(fs::read(a.join("index.json")).unwrap(), index_before);
}

#[test]
fn a_non_empty_directory_that_is_not_a_layout_is_refused_and_an_empty_one_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    let other = tmp.path().join("other");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("notes.txt"), b"mine").unwrap();
    let err = LayoutDestination::create(&other, Some("t".into())).unwrap_err();
    assert!(matches!(err, Error::InvalidTarget { .. }), "{err}");
    assert!(err.to_string().contains("not an OCI layout"), "{err}");
    assert_eq!(names_in(&other), ["notes.txt"]);

    let a = tmp.path().join("a");
    let fixture = sample().write_layout(&a, "t");
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let src = LayoutSource::open(&a, tag("t")).unwrap();
    copy_image(
        &src,
        Box::new(LayoutDestination::create(&empty, None).unwrap()),
    );
    let back = LayoutSource::open(&empty, LayoutRef::Default).unwrap();
    assert_eq!(
        back.root_manifest().unwrap().digest,
        fixture.manifest_digest
    );
    assert_eq!(back.tag(), None);
}
