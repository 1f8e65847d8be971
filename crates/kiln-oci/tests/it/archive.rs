//! docker-archives: kiln's combined form round trips, classic archives written by the

//! fixture builder, and hostile or broken archives.

use crate::layout_support;

use std::fs;
use std::path::Path;

use kiln_oci::archive::{ArchiveDestination, ArchiveSource};
use kiln_oci::copy::{CopyOptions, Silent};
use kiln_oci::layer::LayerReader;
use kiln_oci::layout::LayoutDestination;
use kiln_oci::layout::{LayoutRef, LayoutSource};
use kiln_oci::manifest::Descriptor;
use kiln_oci::{Error, Image, ImageDestination, ImageSource, media_type};
use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec, write_index_layout};
use layout_support::{copy_image, names_in, sample, verify_all_layers};
use serde_json::Value;

fn members(file: &Path) -> Vec<(String, u64, u64, u32)> {
    let bytes = fs::read(file).unwrap();
    let mut archive = tar::Archive::new(&bytes[..]);
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let h = e.header();
            (
                e.path().unwrap().display().to_string(),
                h.mtime().unwrap(),
                h.uid().unwrap(),
                h.mode().unwrap(),
            )
        })
        .collect()
}

fn member(file: &Path, name: &str) -> Vec<u8> {
    let bytes = fs::read(file).unwrap();
    let mut archive = tar::Archive::new(&bytes[..]);
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().to_str() == Some(name) {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut out).unwrap();
            return out;
        }
    }
    panic!("no member {name}");
}

fn write_archive(src: &dyn ImageSource, file: &Path, repo_tag: Option<&str>) {
    let dst = ArchiveDestination::create(file, repo_tag.map(str::to_owned)).unwrap();
    copy_image(src, Box::new(dst));
}

#[test]
fn a_combined_archive_round_trips_with_the_same_digests() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let fixture = sample().write_layout(&a, "t");
    let src = LayoutSource::open(&a, LayoutRef::Tag("t".into())).unwrap();
    let file = tmp.path().join("img.tar");
    write_archive(&src, &file, Some("app:1"));
    assert_eq!(names_in(tmp.path()), ["a", "img.tar"], "no temp files left");

    for reference in [None, Some("app:1"), Some("docker.io/library/app:1")] {
        let back = ArchiveSource::open(&file, reference).unwrap();
        assert_eq!(back.name(), format!("docker-archive:{}", file.display()));
        assert_eq!(
            back.root_manifest().unwrap().digest,
            fixture.manifest_digest
        );
        let image = verify_all_layers(&back, None);
        assert_eq!(image.config_bytes, fixture.config_bytes);
    }
    let err = ArchiveSource::open(&file, Some("other:2")).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert!(err.to_string().contains("app:1"), "{err}");

    let manifest: Value = serde_json::from_slice(&member(&file, "manifest.json")).unwrap();
    assert_eq!(manifest[0]["RepoTags"], serde_json::json!(["app:1"]));
    assert_eq!(
        manifest[0]["Config"],
        format!("blobs/sha256/{}", fixture.config_digest.hex())
    );
    let layers: Vec<String> = fixture
        .layer_digests
        .iter()
        .map(|d| format!("blobs/sha256/{}", d.hex()))
        .collect();
    assert_eq!(manifest[0]["Layers"], serde_json::json!(layers));
    let index: Value = serde_json::from_slice(&member(&file, "index.json")).unwrap();
    assert_eq!(
        index["manifests"][0]["annotations"]["io.containerd.image.name"],
        "docker.io/library/app:1"
    );
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "1"
    );
}

#[test]
fn archive_bytes_are_deterministic_with_sorted_zeroed_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    sample().write_layout(&a, "t");
    let src = LayoutSource::open(&a, LayoutRef::Tag("t".into())).unwrap();
    let (one, two) = (tmp.path().join("1.tar"), tmp.path().join("2.tar"));
    write_archive(&src, &one, Some("app:1"));
    write_archive(&src, &two, Some("app:1"));
    assert_eq!(fs::read(&one).unwrap(), fs::read(&two).unwrap());
    let list = members(&one);
    let names: Vec<&str> = list.iter().map(|m| m.0.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(&names[..2], ["blobs/", "blobs/sha256/"]);
    assert!(names.ends_with(&["index.json", "manifest.json", "oci-layout"]));
    assert!(list.iter().all(|m| m.1 == 0 && m.2 == 0), "{list:?}");
}

#[test]
fn an_index_archive_keeps_the_index_and_lists_one_platform_in_manifest_json() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let host = kiln_types::Platform::host();
    let other = if host.architecture() == "arm64" {
        "amd64"
    } else {
        "arm64"
    };
    let index = write_index_layout(
        &a,
        "m",
        &[
            sample().platform("linux", other),
            sample().platform("linux", host.architecture()),
        ],
    );
    let src = LayoutSource::open(&a, LayoutRef::Tag("m".into())).unwrap();
    let file = tmp.path().join("img.tar");
    write_archive(&src, &file, Some("app:multi"));
    let back = ArchiveSource::open(&file, Some("app:multi")).unwrap();
    assert_eq!(back.root_manifest().unwrap().digest, index.index_digest);
    let manifest: Value = serde_json::from_slice(&member(&file, "manifest.json")).unwrap();
    assert_eq!(manifest.as_array().unwrap().len(), 1);
    assert_eq!(
        manifest[0]["Config"],
        format!("blobs/sha256/{}", index.images[1].config_digest.hex())
    );
}

#[test]
fn a_classic_archive_gets_a_synthesised_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("classic.tar");
    let builder = ImageBuilder::new()
        .docker_media_types(true)
        .layer(
            LayerSpec::new().dir("/etc").file("/etc/a", b"a\n", 0o644),
            Compression::None,
        )
        .layer(
            LayerSpec::new().file("/b", b"b\n", 0o644),
            Compression::Gzip,
        );
    let fixture = builder.write_docker_archive(&file, &["app:1", "app:latest"]);
    let src = ArchiveSource::open(&file, Some("docker.io/library/app:1")).unwrap();
    assert_eq!(src.tag().as_deref(), Some("app:1"));
    let root = src.root_manifest().unwrap();
    assert_eq!(root.media_type, media_type::OCI_MANIFEST);
    let image = verify_all_layers(&src, None);
    assert_eq!(image.parsed.config.digest, fixture.config_digest);
    assert_eq!(image.config.rootfs.diff_ids, fixture.diff_ids);
    let layers = image.layers();
    assert_eq!(layers[0].media_type, media_type::OCI_LAYER);
    assert_eq!(layers[0].digest, fixture.diff_ids[0]);
    assert_eq!(layers[1].media_type, media_type::OCI_LAYER_GZIP);
    assert_eq!(layers[1].digest, fixture.layer_digests[1]);
    // The same archive by the other tag, by index, and by default.
    for reference in [Some("app"), Some("@0"), None] {
        let again = ArchiveSource::open(&file, reference).unwrap();
        assert_eq!(again.root_manifest().unwrap().digest, root.digest);
    }
    let err = ArchiveSource::open(&file, Some("@3")).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}

#[test]
fn a_classic_layer_that_differs_from_its_diff_id_fails_when_read() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("classic.tar");
    ImageBuilder::new()
        .layer(
            LayerSpec::new().file("/f", b"MARKER-CONTENT", 0o644),
            Compression::None,
        )
        .write_docker_archive(&file, &["app:1"]);
    let mut bytes = fs::read(&file).unwrap();
    let at = bytes
        .windows(14)
        .position(|w| w == b"MARKER-CONTENT")
        .unwrap();
    bytes[at] = b'X';
    fs::write(&file, bytes).unwrap();
    // The manifest takes the layer's digest from the config's diff_id; the bytes are
    // checked against it wherever the layer is read, and a copy writes nothing.
    let src = ArchiveSource::open(&file, None).unwrap();
    let image = Image::resolve(&src, None).unwrap();
    let err = LayerReader::open(&src, &image.layers()[0], image.diff_id(0))
        .unwrap()
        .finish()
        .unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
    assert!(err.to_string().contains("classic.tar"), "{err}");
    let out = tmp.path().join("copy");
    let dest = LayoutDestination::create(&out, Some("app".into())).unwrap();
    let err =
        kiln_oci::copy::copy(&src, Box::new(dest), &CopyOptions::default(), &Silent).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
    assert!(!out.join("index.json").exists());
}

/// Appends a member whose name is written into the header verbatim, `..` and all.
fn append_raw(builder: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
    let mut header = tar::Header::new_old();
    header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    builder.append(&header, data).unwrap();
}

#[test]
fn hostile_member_names_are_only_lookup_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("evil.tar");
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let manifest =
        br#"[{"Config":"../config.json","RepoTags":["evil:1"],"Layers":["../../../etc/passwd"]}]"#;
    let mut builder = tar::Builder::new(Vec::new());
    append_raw(&mut builder, "../config.json", config);
    append_raw(&mut builder, "manifest.json", manifest);
    fs::write(&file, builder.into_inner().unwrap()).unwrap();
    let err = ArchiveSource::open(&file, None).unwrap_err();
    // The config is found under its literal name; the layer is not the host's file.
    assert!(matches!(err, Error::Archive { .. }), "{err}");
    assert!(err.to_string().contains("etc/passwd"), "{err}");
    assert_eq!(names_in(tmp.path()), ["evil.tar"], "nothing was extracted");
}

#[test]
fn not_an_archive_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("junk.tar");
    fs::write(&file, vec![7u8; 2048]).unwrap();
    let err = ArchiveSource::open(&file, None).unwrap_err();
    assert!(err.to_string().contains("junk.tar"), "{err}");
    let missing = ArchiveSource::open(&tmp.path().join("missing.tar"), None).unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing}");
}

#[test]
fn a_failed_archive_write_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("img.tar");
    let dst = ArchiveDestination::create(&file, Some("app:1".into())).unwrap();
    let bad = Descriptor::of_bytes("application/octet-stream", b"right");
    assert!(dst.put_blob(&bad, &mut &b"wrong"[..]).is_err());
    drop(dst);
    assert!(
        names_in(tmp.path()).is_empty(),
        "{:?}",
        names_in(tmp.path())
    );
    let err = ArchiveDestination::create(&file, Some("Bad Name".into())).unwrap_err();
    assert!(matches!(err, Error::InvalidTarget { .. }), "{err}");
}

/// Rewrites `file` with member `name` replaced by `data`, keeping the others.
fn replace_member(file: &Path, name: &str, data: &[u8]) {
    let bytes = fs::read(file).unwrap();
    let mut out = tar::Builder::new(Vec::new());
    for e in tar::Archive::new(&bytes[..]).entries().unwrap() {
        let mut e = e.unwrap();
        let path = e.path().unwrap().display().to_string();
        let mut header = e.header().clone();
        if path == name {
            header.set_size(data.len() as u64);
            out.append_data(&mut header, &path, data).unwrap();
        } else {
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut body).unwrap();
            out.append_data(&mut header, &path, &body[..]).unwrap();
        }
    }
    fs::write(file, out.into_inner().unwrap()).unwrap();
}

#[test]
fn a_combined_archive_tagged_only_in_manifest_json_is_found_by_its_config() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let one = sample().write_layout(&a, "one");
    let two = sample().user("2").write_layout(&a, "two");
    let file = tmp.path().join("img.tar");
    let src = LayoutSource::open(&a, LayoutRef::Tag("two".into())).unwrap();
    write_archive(&src, &file, Some("app:2"));
    // An index with two untagged entries, as some Docker versions write it; the tag
    // lives only in manifest.json, whose Config names the second image's config.
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_INDEX,
        "manifests": [
            {"mediaType": media_type::OCI_MANIFEST, "digest": one.manifest_digest.to_string(), "size": one.manifest_bytes.len()},
            {"mediaType": media_type::OCI_MANIFEST, "digest": two.manifest_digest.to_string(), "size": two.manifest_bytes.len()},
        ],
    });
    replace_member(&file, "index.json", &serde_json::to_vec(&index).unwrap());
    let back = ArchiveSource::open(&file, Some("app:2")).unwrap();
    assert_eq!(back.root_manifest().unwrap().digest, two.manifest_digest);
    let err = ArchiveSource::open(&file, Some("app:3")).unwrap_err();
    assert!(err.to_string().contains("app:2"), "{err}");
}
